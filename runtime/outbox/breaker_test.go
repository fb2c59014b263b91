package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// counted is the SQLite store, counting the writes that say a try failed (OutboxFail, by
// message) and those that put messages off (OutboxDefer).
type counted struct {
	store.Store
	mu       sync.Mutex
	fails    map[string]int
	defers   int
	deferred int
	leases   int
}

func (c *counted) Lease(ctx context.Context, n int, now time.Time, ttl time.Duration, instance string) ([]store.OutboxMessage, error) {
	c.mu.Lock()
	c.leases++
	c.mu.Unlock()
	return c.Store.Lease(ctx, n, now, ttl, instance)
}

func (c *counted) OutboxFail(ctx context.Context, id, instance, reason string, now, retryAt time.Time, park bool) error {
	c.mu.Lock()
	c.fails[id]++
	c.mu.Unlock()
	return c.Store.OutboxFail(ctx, id, instance, reason, now, retryAt, park)
}

func (c *counted) OutboxDefer(ctx context.Context, ids []string, instance string, until time.Time) error {
	c.mu.Lock()
	c.defers++
	c.deferred += len(ids)
	c.mu.Unlock()
	return c.Store.OutboxDefer(ctx, ids, instance, until)
}

// tries is the webhook transport, counting the tries of each message, by receiver.
type tries struct {
	outbox.Transport
	mu    sync.Mutex
	tried map[string]map[string]int // receiver → message ID → tries
}

func (t *tries) Send(ctx context.Context, m *store.OutboxMessage) error {
	t.mu.Lock()
	r := outbox.Receiver(m)
	if t.tried[r] == nil {
		t.tried[r] = map[string]int{}
	}
	t.tried[r][m.ID]++
	t.mu.Unlock()
	return t.Transport.Send(ctx, m)
}

func (t *tries) count(receiver string) (tries, messages int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.tried[receiver] {
		tries += n
	}
	return tries, len(t.tried[receiver])
}

// A subscriber that refuses connections (nothing listens at its address) while hundreds of
// messages are pending to it is tried a few times, not once per message, and its messages
// are put off in a few writes, none of them counted a try it was not given, none parked;
// another subscriber, up, gets its messages meanwhile; once the first is up again it gets
// every message once, each record's in order.
func TestReceiverDown(t *testing.T) {
	// An address nothing listens at: a listener's, closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := l.Addr().String()
	l.Close()
	upRc, upSrv := newReceiver(t, 0)
	down, up := subscribers(t, "http://"+downAddr)[0], subscribers(t, upSrv.URL)[0]
	subs := []*outbox.Subscriber{down, up}

	st := &counted{Store: open(t, t.TempDir()), fails: map[string]int{}}
	const records, versions = 200, 2
	enqueue(t, st, subs, records, versions)
	tr := &tries{Transport: &outbox.Webhooks{Subscribers: subs}, tried: map[string]map[string]int{}}
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: tr},
		Instance: "i1", Poll: 5 * time.Millisecond, BaseDelay: 20 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
		SendTimeout: 2 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// The subscriber up gets its messages while the other is down.
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		upRc.mu.Lock()
		n := len(upRc.accepted)
		upRc.mu.Unlock()
		if n == records*versions {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	upTook := time.Since(start)
	upRc.mu.Lock()
	if len(upRc.accepted) != records*versions {
		t.Fatalf("the subscriber up got %d messages of %d", len(upRc.accepted), records*versions)
	}
	upRc.mu.Unlock()
	t.Logf("the subscriber up got its %d messages in %v", records*versions, upTook.Round(time.Millisecond))
	time.Sleep(time.Until(start.Add(1500 * time.Millisecond))) // down a while

	downKey := outbox.Receiver(&store.OutboxMessage{Kind: store.OutboxWebhook, Target: down.URL})
	n, msgs := tr.count(downKey)
	st.mu.Lock()
	fails, defers, deferred := 0, st.defers, st.deferred
	for _, f := range st.fails {
		fails += f
	}
	st.mu.Unlock()
	most := 0
	tr.mu.Lock()
	for _, n := range tr.tried[downKey] {
		most = max(most, n)
	}
	tr.mu.Unlock()
	t.Logf("down 1.5 s, %d messages pending to it (%d first of their records'): %d tries (of %d messages, at most %d of one), %d failures written, %d writes putting off %d messages",
		records*versions, records, n, msgs, most, fails, defers, deferred)
	if most > 2 {
		t.Errorf("a message tried %d times: the tries of an outage go to one message", most)
	}
	if n > records/4 || fails > records/4 || defers > records/2 {
		t.Errorf("%d tries and %d failures and %d put-offs written for %d messages to a receiver down", n, fails, defers, records)
	}
	// Those of the subscriber up, accepted, are soon forgotten; the others are all pending.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pending, _, _ := st.OutboxPending(ctx); pending <= records*versions {
			break
		}
	}
	if pending, parked, err := st.OutboxPending(ctx); err != nil || pending != records*versions || parked != 0 {
		t.Errorf("pending %d (want %d), parked %d, %v", pending, records*versions, parked, err)
	}

	// Up again, at the same address.
	l, err = net.Listen("tcp", downAddr)
	if err != nil {
		t.Skipf("the address of the receiver down was taken meanwhile: %v", err)
	}
	downRc := &receiver{t: t, calls: map[string]int{}, accepted: map[string][]byte{}, order: map[string][]int64{}}
	srv := httptest.NewUnstartedServer(downRc)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	back := time.Now()
	for time.Since(back) < 30*time.Second {
		if pending, _, _ := st.OutboxPending(ctx); pending == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("back up: its %d messages delivered in %v", records*versions, time.Since(back).Round(time.Millisecond))
	downRc.mu.Lock()
	defer downRc.mu.Unlock()
	if len(downRc.accepted) != records*versions {
		t.Errorf("%d messages delivered once it was back, want %d", len(downRc.accepted), records*versions)
	}
	for id, n := range downRc.calls {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}
	for r, vs := range downRc.order {
		if !slices.Equal(vs, []int64{1, 2}) {
			t.Errorf("record %s delivered in the order %v", r, vs)
		}
	}
	// A failure was written only for a message tried, once per try.
	st.mu.Lock()
	defer st.mu.Unlock()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id, f := range st.fails {
		if f > tr.tried[downKey][id] {
			t.Errorf("message %s: %d failures written, %d tries", id, f, tr.tried[downKey][id])
		}
	}
}

// A receiver is the scheme and host of a webhook's or an OSIA notification's URL, the
// transport of an email or an SMS.
func TestReceiver(t *testing.T) {
	for _, c := range []struct {
		kind, target, want string
	}{
		{store.OutboxWebhook, "https://hooks.example:8443/crvs?x=1", "https://hooks.example:8443"},
		{store.OutboxWebhook, "https://hooks.example/other", "https://hooks.example"},
		{"osia", "http://pr.example/notify", "http://pr.example"},
		{store.OutboxEmail, "ama@example.org", store.OutboxEmail},
		{store.OutboxSMS, "+251911234567", store.OutboxSMS},
		{"hook", "not a URL", "hook"},
	} {
		if got := outbox.Receiver(&store.OutboxMessage{Kind: c.kind, Target: c.target}); got != c.want {
			t.Errorf("Receiver(%s %s) = %q, want %q", c.kind, c.target, got, c.want)
		}
	}
}

// With the receiver down, a message is tried, and those after it are put off with no try
// counted; once the breaker's delay ends one of them is tried alone; when it succeeds, the
// others go.
func TestHalfOpen(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	failing := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, r.Header.Get("webhook-id"))
		if failing {
			http.Error(w, "down", http.StatusBadGateway)
		}
	}))
	t.Cleanup(srv.Close)
	subs := subscribers(t, srv.URL)
	st := &counted{Store: open(t, t.TempDir()), fails: map[string]int{}}
	enqueue(t, st, subs, 10, 1)
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: subs}},
		Instance: "i1", Workers: 1, BaseDelay: time.Minute, MaxDelay: time.Hour, Now: clock}
	ctx := context.Background()
	if n, err := d.RunOnce(ctx); err != nil || n != 10 {
		t.Fatalf("leased %d, %v", n, err)
	}
	if len(calls) != 1 || len(st.fails) != 1 || st.defers != 1 || st.deferred != 9 {
		t.Fatalf("first lease: %d calls, %d failures, %d put-offs of %d messages; want 1, 1, 1 of 9", len(calls), len(st.fails), st.defers, st.deferred)
	}
	if n, _ := d.RunOnce(ctx); n != 0 {
		t.Fatalf("leased %d while the breaker is open", n)
	}
	// The delay (at most a minute) ended: one try, which fails; the others put off again.
	mu.Lock()
	now = now.Add(time.Minute + time.Second)
	mu.Unlock()
	if n, _ := d.RunOnce(ctx); n != 10 {
		t.Fatalf("leased %d once the delay ended", n)
	}
	if len(calls) != 2 || st.defers != 2 || st.deferred != 18 {
		t.Fatalf("probe: %d calls, %d put-offs of %d messages", len(calls), st.defers, st.deferred)
	}
	// Back: the next probe succeeds, then the others go.
	mu.Lock()
	failing = false
	now = now.Add(2*time.Minute + time.Second)
	mu.Unlock()
	for range 5 {
		d.RunOnce(ctx)
		mu.Lock()
		now = now.Add(2*time.Minute + time.Second) // the probe's wait for the others
		mu.Unlock()
	}
	if pending, parked, _ := st.OutboxPending(ctx); pending != 0 || parked != 0 {
		t.Fatalf("pending %d, parked %d", pending, parked)
	}
	if len(calls) != 2+10 {
		t.Errorf("%d calls, want 12: 2 failed, then each message once", len(calls))
	}
	for id, n := range st.fails {
		if n > 2 {
			t.Errorf("message %s: %d failures", id, n)
		}
	}
}

// With only a receiver down getting messages, a dispatcher woken by each action does not
// lease (and put off) each action's messages: once a lease's messages were all put off, it
// leases at its polls.
func TestReceiverDownQuiet(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := subscribers(t, "http://"+l.Addr().String())[0]
	l.Close()
	st := &counted{Store: open(t, t.TempDir()), fails: map[string]int{}}
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: []*outbox.Subscriber{down}}},
		Instance: "i1", Poll: 100 * time.Millisecond, Gather: time.Millisecond, BaseDelay: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	action := func(i int) {
		if err := st.Enqueue(ctx, time.Now(), []store.OutboxMessage{{Key: fmt.Sprint(i), Kind: store.OutboxWebhook,
			Target: down.URL, Payload: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		d.Wake()
	}
	action(0)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		st.mu.Lock()
		n := len(st.fails)
		st.mu.Unlock()
		if n == 1 {
			break
		}
	}
	st.mu.Lock()
	leases0 := st.leases
	st.mu.Unlock()
	start := time.Now()
	const actions = 100
	for i := 1; i <= actions; i++ {
		action(i)
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	st.mu.Lock()
	defer st.mu.Unlock()
	leases := st.leases - leases0
	t.Logf("%d actions in %v, their messages to a receiver down: %d leases, %d put-offs of %d messages, %d failures",
		actions, took.Round(time.Millisecond), leases, st.defers, st.deferred, len(st.fails))
	if polls := int(took / d.Poll); leases > 2*polls+5 {
		t.Errorf("%d leases in %d polls", leases, polls)
	}
	if len(st.fails) != 1 {
		t.Errorf("%d messages failed, want 1 (the others put off)", len(st.fails))
	}
}

// A receiver's backlog is put off once per breaker delay: while the probe is out (a receiver
// slow to fail: 100 ms, then 503), the dispatcher waits for its answer before leasing more of
// it, rather than putting it off until the answer and again after.
func TestBacklogPutOffOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	down := subscribers(t, srv.URL)[0]
	st := &counted{Store: open(t, t.TempDir()), fails: map[string]int{}}
	const backlog = 1000
	var msgs []store.OutboxMessage
	for i := range backlog {
		msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprint(i), Kind: store.OutboxWebhook, Target: down.URL, Payload: []byte(`{}`)})
	}
	if err := st.Enqueue(context.Background(), time.Now(), msgs); err != nil {
		t.Fatal(err)
	}
	d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: []*outbox.Subscriber{down}}},
		Instance: "i1", Workers: 1, Poll: 10 * time.Millisecond, BaseDelay: 300 * time.Millisecond, MaxDelay: 300 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d.Run(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	tries := len(st.fails) // one each: the first, then a probe per delay
	t.Logf("%d messages to a receiver down for 2 s: %d tries, %d put-offs of %d messages", backlog, tries, st.defers, st.deferred)
	if tries < 3 {
		t.Fatalf("%d tries: want a probe at the end of each delay", tries)
	}
	if st.deferred > tries*backlog*3/2 {
		t.Errorf("%d messages put off in %d delays: the backlog put off twice a delay", st.deferred, tries)
	}
}

// TestPoisonMessage: a receiver that refuses one message (a 4xx) is up: that message fails
// (and is parked in its turn), the receiver's other messages go on at once; a 429 or a 5xx
// holds the receiver back as down.
func TestPoisonMessage(t *testing.T) {
	for _, c := range []struct {
		status   int
		putOff   bool
		receiver string
	}{
		{http.StatusBadRequest, false, "up"},
		{http.StatusUnprocessableEntity, false, "up"},
		{http.StatusTooManyRequests, true, "down"},
		{http.StatusServiceUnavailable, true, "down"},
	} {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			var mu sync.Mutex
			delivered := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					Data struct{ Record string } `json:"data"`
				}
				json.NewDecoder(r.Body).Decode(&body)
				// Refused: the one message, or, as a receiver in trouble answers, all of them
				// (so that which message is tried first does not matter).
				if body.Data.Record == "R0" || c.putOff {
					http.Error(w, "no such office", c.status)
					return
				}
				mu.Lock()
				delivered++
				mu.Unlock()
			}))
			t.Cleanup(srv.Close)
			subs := subscribers(t, srv.URL)
			st := &counted{Store: open(t, t.TempDir()), fails: map[string]int{}}
			enqueue(t, st, subs, 10, 1)
			d := &outbox.Dispatcher{Store: st, Transports: map[string]outbox.Transport{store.OutboxWebhook: &outbox.Webhooks{Subscribers: subs}},
				Instance: "i1", Workers: 1, BaseDelay: time.Minute, MaxDelay: time.Hour}
			if n, err := d.RunOnce(context.Background()); err != nil || n != 10 {
				t.Fatalf("leased %d, %v", n, err)
			}
			if len(st.fails) != 1 {
				t.Errorf("%d messages failed, want one: the refused one, or the first to a receiver down", len(st.fails))
			}
			if got := st.deferred > 0; got != c.putOff {
				t.Errorf("receiver answering %d: %d messages put off (%d delivered); want it %s", c.status, st.deferred, delivered, c.receiver)
			}
			if !c.putOff && delivered != 9 {
				t.Errorf("%d delivered, want the 9 others", delivered)
			}
		})
	}
}
