package outbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// verify is a receiver's check of a webhook, written from the Standard Webhooks specification
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
// apart from the package's code: the secret's base64 after "whsec_" is the key; the signature
// is over "id.timestamp.body"; the header holds space-separated "version,signature" pairs, of
// which one "v1" must match; a timestamp more than five minutes from now is refused.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s too far from now", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no signature matches")
}

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func open(t testing.TB, dir string) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// receiver is a subscriber's server: it verifies each call, fails the first fail calls of each
// message, and keeps the bodies it accepted, by message ID.
type receiver struct {
	t    *testing.T
	fail int

	mu       sync.Mutex
	calls    map[string]int
	accepted map[string][]byte
	order    map[string][]int64 // versions accepted, by record
	bad      int
}

func newReceiver(t *testing.T, fail int) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, fail: fail, calls: map[string]int{}, accepted: map[string][]byte{}, order: map[string][]int64{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := verify(secret, r.Header, body, time.Now()); err != nil {
		rc.bad++
		rc.t.Errorf("webhook refused: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id := r.Header.Get("webhook-id")
	rc.calls[id]++
	if rc.calls[id] <= rc.fail {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	if _, ok := rc.accepted[id]; ok {
		rc.t.Errorf("message %s accepted twice", id)
	}
	rc.accepted[id] = body
	var ev outbox.Event
	if err := json.Unmarshal(body, &ev); err == nil {
		rc.order[ev.Data.Record] = append(rc.order[ev.Data.Record], ev.Data.Version)
	}
}

func subscribers(t *testing.T, url string) []*outbox.Subscriber {
	s, err := outbox.ParseSubscriber(url + "," + secret + ",declare,register")
	if err != nil {
		t.Fatal(err)
	}
	return []*outbox.Subscriber{s}
}

// enqueue writes n records of versions actions each, with their webhooks, as records.Service
// does: in the records' writes.
func enqueue(t *testing.T, st store.Store, subs []*outbox.Subscriber, n, versions int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range n {
		r := &store.Record{ID: fmt.Sprint("R", i), Event: "birth", Bundle: "sha256:ab", Status: "declared", Office: "O1",
			Data: json.RawMessage(`{}`), Version: 1, Created: now, Updated: now, CreatedBy: "amina",
			History: []store.Entry{{Version: 1, Action: "declare", User: "amina", At: now, Status: "declared"}}}
		hooked := func(e store.Entry) context.Context {
			return store.WithOutbox(ctx, func(r *store.Record) []store.OutboxMessage { return outbox.WebhookMessages(subs, r, &e) })
		}
		if err := st.CreateRecord(hooked(r.History[0]), r); err != nil {
			t.Fatal(err)
		}
		for v := 2; v <= versions; v++ {
			u := *r
			u.History, u.Version = nil, int64(v)
			e := store.Entry{Version: int64(v), Action: "register", User: "reg", At: now}
			if err := st.UpdateRecord(hooked(e), &u, e); err != nil {
				t.Fatal(err)
			}
			r = &u
		}
	}
}

// A receiver that fails five times then succeeds gets the message six times, each signed,
// with one ID; it is then delivered, and the outbox empty.
func TestFailsFiveTimes(t *testing.T) {
	st := open(t, t.TempDir())
	rc, srv := newReceiver(t, 5)
	subs := subscribers(t, srv.URL)
	enqueue(t, st, subs, 1, 1)
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: subs}},
		Instance: "i1", BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); len(rc.accepted) == 0 && time.Now().Before(deadline); {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if len(rc.accepted) != 1 {
		t.Fatalf("accepted %d", len(rc.accepted))
	}
	for id, n := range rc.calls {
		if n != 6 {
			t.Errorf("message %s called %d times, want 6", id, n)
		}
		var ev outbox.Event
		if err := json.Unmarshal(rc.accepted[id], &ev); err != nil || ev.Type != "record.declare" || ev.Data.Record != "R0" {
			t.Errorf("body %s: %v", rc.accepted[id], err)
		}
	}
	if pending, _, _ := st.OutboxPending(ctx); pending != 0 {
		t.Errorf("%d pending", pending)
	}
}

// A message that keeps failing is parked with its last error after MaxAttempts, and the time
// of the try that parked it, then delivered once an administrator retries it.
func TestParkedThenRetried(t *testing.T) {
	st := open(t, t.TempDir())
	rc, srv := newReceiver(t, 3)
	subs := subscribers(t, srv.URL)
	enqueue(t, st, subs, 1, 2)
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: subs}},
		Instance: "i1", BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 3}
	ctx := context.Background()
	start := time.Now().Truncate(time.Millisecond)
	for range 100 {
		d.RunOnce(ctx)
		time.Sleep(2 * time.Millisecond)
	}
	parked, err := st.Parked(ctx, 10)
	if err != nil || len(parked) != 1 || parked[0].Attempts != 3 || !strings.Contains(parked[0].LastError, "503") {
		t.Fatalf("parked %+v, %v", parked, err)
	}
	if p := parked[0].ParkedAt; p.Before(start) || p.After(time.Now()) || !parked[0].LastTry.Equal(p) {
		t.Errorf("parked at %v, last tried at %v: want the same time, after %v", p, parked[0].LastTry, start)
	}
	if len(rc.accepted) != 0 {
		t.Fatalf("version 2 delivered before version 1")
	}
	rc.mu.Lock()
	rc.fail = 0 // the receiver is back
	rc.mu.Unlock()
	if err := st.OutboxRetry(ctx, parked[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		d.RunOnce(ctx)
		time.Sleep(2 * time.Millisecond)
	}
	if got := rc.order["R0"]; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("delivered versions %v, want [1 2]", got)
	}
}

// Two server instances on one store deliver each message once, each record's in order.
func TestTwoInstances(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	rc, srv := newReceiver(t, 0)
	subs := subscribers(t, srv.URL)
	const records, versions = 40, 5
	enqueue(t, a, subs, records, versions)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, st := range []store.Store{a, b} {
		d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: subs}},
			Instance: fmt.Sprint("i", i), Batch: 7, Poll: 5 * time.Millisecond}
		wg.Go(func() { d.Run(ctx) })
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if pending, _, _ := a.OutboxPending(ctx); pending == 0 {
			break
		}
	}
	cancel()
	wg.Wait()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.accepted) != records*versions {
		t.Errorf("%d messages delivered, want %d", len(rc.accepted), records*versions)
	}
	for id, n := range rc.calls {
		if n != 1 {
			t.Errorf("message %s sent %d times", id, n)
		}
	}
	for r, vs := range rc.order {
		for i, v := range vs {
			if v != int64(i+1) {
				t.Errorf("record %s delivered in the order %v", r, vs)
				break
			}
		}
	}
}
