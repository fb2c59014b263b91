package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// drain enqueues n webhook messages of n/5 records (five versions each: in order per record)
// in the SQLite store, then has a dispatcher deliver them all to a local receiver that
// answers 200, and returns how long the delivery took.
func drain(t testing.TB, n int) time.Duration {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer srv.Close()
	sub, err := outbox.ParseSubscriber(srv.URL + "," + secret)
	if err != nil {
		t.Fatal(err)
	}
	st := open(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	body := []byte(`{"type":"record.register","timestamp":"2026-12-01T00:00:00Z","data":{"record":"R","version":1}}`)
	batch := make([]store.OutboxMessage, 0, 1000)
	for i := range n {
		rec := i / 5
		batch = append(batch, store.OutboxMessage{Key: fmt.Sprint(i), Kind: store.OutboxWebhook, Target: sub.URL,
			Order: strconv.Itoa(rec), Seq: int64(i % 5), Payload: body})
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.Enqueue(ctx, now, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	d := &outbox.Dispatcher{Store: st, Instance: "bench", Poll: 10 * time.Millisecond,
		Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: []*outbox.Subscriber{sub}}}}
	start := time.Now()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(rctx)
	}()
	for got.Load() < int64(n) && time.Since(start) < 10*time.Minute {
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	stop()
	<-done
	if got.Load() != int64(n) {
		t.Errorf("%d deliveries of %d messages", got.Load(), n)
	}
	return took
}

// BenchmarkDrain: messages delivered per second, from a full outbox to a local receiver.
func BenchmarkDrain(b *testing.B) {
	n := max(b.N, 1000)
	b.ResetTimer()
	took := drain(b, n)
	b.ReportMetric(float64(n)/took.Seconds(), "msgs/s")
}

// TestDrain100k is the figure: 100,000 pending messages drain at 500/s or more. Set
// CRVSCTL_DRAIN=1 to run it (about a minute with the enqueueing).
func TestDrain100k(t *testing.T) {
	if os.Getenv("CRVSCTL_DRAIN") == "" {
		t.Skip("set CRVSCTL_DRAIN=1 to drain 100,000 messages")
	}
	const n = 100_000
	took := drain(t, n)
	rate := float64(n) / took.Seconds()
	t.Logf("%d messages delivered in %v: %.0f/s", n, took.Round(time.Millisecond), rate)
	if rate < 500 {
		t.Errorf("%.0f messages/s, want 500 or more", rate)
	}
}
