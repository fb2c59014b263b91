package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxCases are the conformance cases of the outbox.
var outboxCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"OutboxWithRecords", testOutboxWithRecords},
	{"OutboxLease", testOutboxLease},
	{"OutboxOrder", testOutboxOrder},
	{"OutboxFailParkRetry", testOutboxFailParkRetry},
	{"OutboxParkedOrder", testOutboxParkedOrder},
	{"OutboxAtOnce", testOutboxAtOnce},
	{"OutboxDefer", testOutboxDefer},
}

func init() {
	extraCases = append(extraCases, outboxCases...)
	concurrent = append(concurrent, struct {
		name string
		fn   func(*testing.T, store.Store)
	}{"OutboxAtOnce", testOutboxAtOnce})
}

// hook is a webhook message for each write of a record, keyed by its ID and version, with its
// number.
func hook(r *store.Record) []store.OutboxMessage {
	payload, _ := json.Marshal(map[string]any{"record": r.ID, "version": r.Version, "number": r.Number})
	return []store.OutboxMessage{{
		Key: fmt.Sprintf("%s/%d/hook", r.ID, r.Version), Kind: store.OutboxWebhook, Target: "hook",
		Order: r.ID + "/hook", Seq: r.Version, Payload: payload,
	}}
}

func leaseAll(t *testing.T, s store.Store, now time.Time, instance string) []store.OutboxMessage {
	t.Helper()
	got, err := s.Lease(ctx, 100, now, time.Minute, instance)
	must(t, err)
	return got
}

func keys(msgs []store.OutboxMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Key)
	}
	return out
}

// Messages ride in the record's writes: one per write that succeeds, none for one refused;
// NumberRecord's carries the number drawn.
func testOutboxWithRecords(t *testing.T, s store.Store) {
	hctx := store.WithOutbox(ctx, hook)
	r := record("B1", 1)
	must(t, s.CreateRecord(hctx, r))
	if err := s.CreateRecord(hctx, record("B1", 1)); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	u, e := next(r, "validate", "validated", 2)
	must(t, s.UpdateRecord(hctx, u, e))
	stale, e2 := next(r, "validate", "validated", 2)
	if err := s.UpdateRecord(hctx, stale, e2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	n, e3 := next(u, "register", "registered", 3)
	must(t, s.NumberRecord(hctx, n, e3, "birth", func(seq int64) string { return fmt.Sprint("N", seq) }))
	c, e4 := next(n, "print", "certified", 4)
	must(t, s.UpdateRecord(ctx, c, e4)) // no outbox asked

	pending, parked, err := s.OutboxPending(ctx)
	must(t, err)
	if pending != 3 || parked != 0 {
		t.Fatalf("pending %d parked %d, want 3 and 0", pending, parked)
	}
	// One order: one at a time.
	var got []store.OutboxMessage
	for range 3 {
		m := leaseAll(t, s, at(10), "i1")
		if len(m) != 1 {
			t.Fatalf("leased %v, want one message at a time", keys(m))
		}
		got = append(got, m[0])
		must(t, s.OutboxDone(ctx, m[0].ID))
	}
	if k := keys(got); !slices.Equal(k, []string{"B1/1/hook", "B1/2/hook", "B1/3/hook"}) {
		t.Fatalf("delivered %v", k)
	}
	m := got[2]
	if m.ID != store.OutboxID(m.Key) || m.Kind != store.OutboxWebhook || m.Target != "hook" || m.Seq != 3 ||
		!m.Created.Equal(at(3)) || m.LeasedBy != "i1" || !m.LeaseUntil.Equal(at(11)) {
		t.Errorf("message %+v", m)
	}
	var p struct{ Number string }
	must(t, json.Unmarshal(m.Payload, &p))
	if p.Number != "N1" {
		t.Errorf("payload %s: want the number drawn", m.Payload)
	}
	if err := s.OutboxDone(ctx, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("done twice: %v", err)
	}
}

func testOutboxLease(t *testing.T, s store.Store) {
	var msgs []store.OutboxMessage
	for i := range 5 {
		msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprint("k", i), Kind: store.OutboxEmail, Target: "a@example.org",
			Payload: json.RawMessage(`{"i":1}`), NextAt: at(i)})
	}
	must(t, s.Enqueue(ctx, at(0), msgs))
	must(t, s.Enqueue(ctx, at(0), msgs[:1])) // enqueued already: left out
	if pending, _, err := s.OutboxPending(ctx); err != nil || pending != 5 {
		t.Fatalf("pending %d, %v", pending, err)
	}
	// Due at 2: k0..k2, two of them to i1, the third to i2.
	a, err := s.Lease(ctx, 2, at(2), 10*time.Minute, "i1")
	must(t, err)
	b, err := s.Lease(ctx, 5, at(2), 10*time.Minute, "i2")
	must(t, err)
	if !slices.Equal(keys(a), []string{"k0", "k1"}) || !slices.Equal(keys(b), []string{"k2"}) {
		t.Fatalf("leased %v and %v", keys(a), keys(b))
	}
	if string(a[0].Payload) != `{"i":1}` || a[0].Order != "k0" {
		t.Errorf("leased %+v", a[0])
	}
	// At 5: k3, k4; the others are held until 12.
	if c, err := s.Lease(ctx, 5, at(5), 10*time.Minute, "i2"); err != nil || !slices.Equal(keys(c), []string{"k3", "k4"}) {
		t.Fatalf("at 5: %v", keys(c))
	}
	if c := leaseAll(t, s, at(11), "i2"); len(c) != 0 {
		t.Fatalf("at 11: %v", keys(c))
	}
	// i1's lease ended: i2 takes k0 and k1, and i1 can no longer fail them.
	if c := leaseAll(t, s, at(12), "i2"); !slices.Equal(keys(c), []string{"k0", "k1", "k2"}) {
		t.Fatalf("at 12: %v", keys(c))
	}
	if err := s.OutboxFail(ctx, a[0].ID, "i1", "late", at(12), at(13), false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("fail of a lease lost: %v", err)
	}
	if err := s.OutboxFail(ctx, store.OutboxID("nope"), "i1", "x", at(12), at(13), false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("fail of no message: %v", err)
	}
}

// A message is leased only when the earlier ones of its order are delivered; other orders
// go on.
func testOutboxOrder(t *testing.T, s store.Store) {
	var msgs []store.OutboxMessage
	for i := range 3 {
		for _, o := range []string{"R1", "R2"} {
			msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprint(o, "/", i), Kind: store.OutboxWebhook, Target: "h",
				Order: o, Seq: int64(i), NextAt: at(3 - i)}) // later ones due first
		}
	}
	must(t, s.Enqueue(ctx, at(0), msgs))
	var got []string
	for range 4 {
		m := leaseAll(t, s, at(10), "i1")
		slices.SortFunc(m, func(a, b store.OutboxMessage) int { return cmpString(a.Key, b.Key) })
		if len(m) == 0 {
			break
		}
		if len(m) != 2 {
			t.Fatalf("leased %v, want one of each order", keys(m))
		}
		for _, x := range m {
			got = append(got, x.Key)
			must(t, s.OutboxDone(ctx, x.ID))
		}
	}
	if want := []string{"R1/0", "R2/0", "R1/1", "R2/1", "R1/2", "R2/2"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testOutboxFailParkRetry(t *testing.T, s store.Store) {
	must(t, s.Enqueue(ctx, at(0), []store.OutboxMessage{
		{Key: "a1", Kind: store.OutboxSMS, Target: "+251900000000", Order: "a", Seq: 1},
		{Key: "a2", Kind: store.OutboxSMS, Target: "+251900000000", Order: "a", Seq: 2},
	}))
	m := leaseAll(t, s, at(1), "i1")
	if len(m) != 1 {
		t.Fatalf("leased %v", keys(m))
	}
	id := m[0].ID
	if !m[0].LastTry.IsZero() || !m[0].ParkedAt.IsZero() {
		t.Errorf("never tried: %+v", m[0])
	}
	must(t, s.OutboxFail(ctx, id, "i1", "connection refused", at(1), at(5), false))
	if c := leaseAll(t, s, at(4), "i1"); len(c) != 0 {
		t.Fatalf("before its retry: %v", keys(c))
	}
	m = leaseAll(t, s, at(5), "i2")
	if len(m) != 1 || m[0].Attempts != 1 || m[0].LastError != "connection refused" || !m[0].LastTry.Equal(at(1)) ||
		m[0].Parked || !m[0].ParkedAt.IsZero() {
		t.Fatalf("retried: %+v", m)
	}
	// Parked by its try at 9:05:01.234 (and some nanoseconds, which no store keeps).
	parkedAt := at(5).Add(1234*time.Millisecond + 567)
	must(t, s.OutboxFail(ctx, id, "i2", "503 busy", parkedAt, at(6), true))
	parkedAt = parkedAt.Truncate(time.Millisecond)
	if c := leaseAll(t, s, at(30), "i1"); len(c) != 0 {
		t.Fatalf("parked, and a2 behind it: leased %v", keys(c))
	}
	p, err := s.Parked(ctx, 10)
	must(t, err)
	if len(p) != 1 || p[0].ID != id || !p[0].Parked || p[0].Attempts != 2 || p[0].LastError != "503 busy" {
		t.Fatalf("parked: %+v", p)
	}
	if !p[0].ParkedAt.Equal(parkedAt) || !p[0].LastTry.Equal(parkedAt) || !p[0].Created.Equal(at(0)) {
		t.Errorf("parked at %v, last tried at %v, created %v: want %v, %v and %v", p[0].ParkedAt, p[0].LastTry, p[0].Created, parkedAt, parkedAt, at(0))
	}
	if _, parked, _ := s.OutboxPending(ctx); parked != 1 {
		t.Errorf("parked count %d", parked)
	}
	if err := s.OutboxRetry(ctx, store.OutboxID("a2"), at(30)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retry of a message not parked: %v", err)
	}
	must(t, s.OutboxRetry(ctx, id, at(30)))
	m = leaseAll(t, s, at(30), "i1")
	if len(m) != 1 || m[0].ID != id || m[0].Attempts != 0 || m[0].Parked {
		t.Fatalf("after retry: %+v", m)
	}
	// No longer parked, so no time of parking; its last try, as its last error, kept until
	// the next.
	if !m[0].ParkedAt.IsZero() || !m[0].LastTry.Equal(parkedAt) || m[0].LastError != "503 busy" {
		t.Errorf("after retry: parked at %v, last tried at %v (%q)", m[0].ParkedAt, m[0].LastTry, m[0].LastError)
	}
	must(t, s.OutboxDone(ctx, id))
	if m = leaseAll(t, s, at(30), "i1"); !slices.Equal(keys(m), []string{"a2"}) {
		t.Fatalf("after a1: %v", keys(m))
	}
	if p, _ = s.Parked(ctx, 10); len(p) != 0 {
		t.Errorf("parked after retry: %v", keys(p))
	}
}

// Parked lists the most recently parked first, whatever their creation: by the time they
// were parked, then by ID, both descending; within the limit. A message retried and parked
// again is listed at its new time.
func testOutboxParkedOrder(t *testing.T, s store.Store) {
	// p0 created first, p4 last; parked at minutes 13, 11, 12, 12 and 14.
	parkedAt := []int{13, 11, 12, 12, 14}
	var msgs []store.OutboxMessage
	for i := range parkedAt {
		msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprint("p", i), Kind: store.OutboxEmail, Target: "a@example.org", Created: at(i)})
	}
	must(t, s.Enqueue(ctx, at(0), msgs))
	fail := func(instance string, when func(key string) time.Time) {
		t.Helper()
		for _, m := range leaseAll(t, s, at(10), instance) {
			must(t, s.OutboxFail(ctx, m.ID, instance, "550", when(m.Key), at(10), true))
		}
	}
	fail("i1", func(key string) time.Time { return at(parkedAt[key[1]-'0']) })
	tie := []string{"p3", "p2"} // both parked at 12: by ID, descending
	if store.OutboxID("p2") > store.OutboxID("p3") {
		tie = []string{"p2", "p3"}
	}
	want := append(append([]string{"p4", "p0"}, tie...), "p1")
	p, err := s.Parked(ctx, 10)
	must(t, err)
	if !slices.Equal(keys(p), want) {
		t.Fatalf("parked %v, want %v", keys(p), want)
	}
	for _, m := range p {
		if i := m.Key[1] - '0'; !m.ParkedAt.Equal(at(parkedAt[i])) || !m.Created.Equal(at(int(i))) {
			t.Errorf("%s parked at %v, created %v", m.Key, m.ParkedAt, m.Created)
		}
	}
	if p, err = s.Parked(ctx, 2); err != nil || !slices.Equal(keys(p), want[:2]) {
		t.Errorf("the 2 most recent: %v, %v", keys(p), err)
	}
	// p1, retried and parked again at 15, comes first.
	must(t, s.OutboxRetry(ctx, store.OutboxID("p1"), at(10)))
	fail("i2", func(string) time.Time { return at(15) })
	if p, err = s.Parked(ctx, 10); err != nil || !slices.Equal(keys(p), append([]string{"p1"}, want[:4]...)) || !p[0].ParkedAt.Equal(at(15)) {
		t.Errorf("after p1 parked again: %v, %v", keys(p), err)
	}
}

// OutboxDefer puts off the messages an instance holds, in one call, with no try counted:
// their leases end, they are due again at the time given (and hold back their orders until
// then), their Attempts and LastError as they were; a message another instance holds, or
// none, is left alone.
func testOutboxDefer(t *testing.T, s store.Store) {
	must(t, s.Enqueue(ctx, at(0), []store.OutboxMessage{
		{Key: "a1", Kind: store.OutboxWebhook, Target: "https://down.example/", Order: "a", Seq: 1, NextAt: at(0)},
		{Key: "a2", Kind: store.OutboxWebhook, Target: "https://down.example/", Order: "a", Seq: 2, NextAt: at(0)},
		{Key: "b1", Kind: store.OutboxWebhook, Target: "https://down.example/", Order: "b", Seq: 1, NextAt: at(0)},
		{Key: "c1", Kind: store.OutboxWebhook, Target: "https://down.example/", Order: "c", Seq: 1, NextAt: at(1)},
	}))
	m, err := s.Lease(ctx, 10, at(0), 10*time.Minute, "i1")
	must(t, err)
	slices.SortFunc(m, func(a, b store.OutboxMessage) int { return cmpString(a.Key, b.Key) })
	if !slices.Equal(keys(m), []string{"a1", "b1"}) {
		t.Fatalf("leased %v", keys(m))
	}
	a1, b1 := m[0], m[1]
	c, err := s.Lease(ctx, 10, at(1), time.Hour, "i2")
	must(t, err)
	if !slices.Equal(keys(c), []string{"c1"}) {
		t.Fatalf("i2 leased %v", keys(c))
	}
	must(t, s.OutboxFail(ctx, a1.ID, "i1", "connection refused", at(1), at(2), false))
	if m = leaseAll(t, s, at(2), "i1"); !slices.Equal(keys(m), []string{"a1"}) || m[0].Attempts != 1 {
		t.Fatalf("after a1's failure: %+v", m)
	}
	must(t, s.OutboxDefer(ctx, nil, "i1", at(20)))
	must(t, s.OutboxDefer(ctx, []string{a1.ID, b1.ID, c[0].ID, store.OutboxID("nope")}, "i1", at(20)))
	if err := s.OutboxFail(ctx, b1.ID, "i1", "late", at(20), at(21), false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("fail of a message put off: %v", err)
	}
	if m = leaseAll(t, s, at(19), "i3"); len(m) != 0 {
		t.Fatalf("before the time put off to: %v", keys(m))
	}
	must(t, s.OutboxFail(ctx, c[0].ID, "i2", "still i2's", at(20), at(90), false)) // i2 still held c1
	m = leaseAll(t, s, at(20), "i3")
	slices.SortFunc(m, func(a, b store.OutboxMessage) int { return cmpString(a.Key, b.Key) })
	if !slices.Equal(keys(m), []string{"a1", "b1"}) {
		t.Fatalf("at 20: %v", keys(m))
	}
	if m[0].Attempts != 1 || m[0].LastError != "connection refused" || !m[0].LastTry.Equal(at(1)) || !m[0].NextAt.Equal(at(20)) || m[0].LeasedBy != "i3" {
		t.Errorf("a1 put off: %+v", m[0])
	}
	if m[1].Attempts != 0 || m[1].LastError != "" || !m[1].LastTry.IsZero() || m[1].Parked || !m[1].ParkedAt.IsZero() {
		t.Errorf("b1 put off: %+v", m[1])
	}
	if pending, parked, err := s.OutboxPending(ctx); err != nil || pending != 4 || parked != 0 {
		t.Errorf("pending %d parked %d, %v", pending, parked, err)
	}
}

// Eight workers lease and deliver 200 messages of 20 orders at once: each is delivered once,
// each order in its order. Run with two instances too (RunInstances).
func testOutboxAtOnce(t *testing.T, s store.Store) {
	const orders, per = 20, 10
	var msgs []store.OutboxMessage
	for i := range per {
		for o := range orders {
			msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprint(o, "/", i), Kind: store.OutboxWebhook, Target: "h",
				Order: fmt.Sprint(o), Seq: int64(i)})
		}
	}
	must(t, s.Enqueue(ctx, at(0), msgs))
	var mu sync.Mutex
	delivered := map[string][]int64{}
	count := 0
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			instance := fmt.Sprint("i", w)
			// Until every message is delivered, or a minute passes (a slow store).
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
				m, err := s.Lease(context.Background(), 7, at(10), time.Hour, instance)
				if err != nil {
					errs <- err
					return
				}
				if len(m) == 0 {
					mu.Lock()
					finished := count == orders*per
					mu.Unlock()
					if finished {
						return
					}
					time.Sleep(5 * time.Millisecond)
					continue
				}
				for _, x := range m {
					mu.Lock()
					delivered[x.Order] = append(delivered[x.Order], x.Seq)
					count++
					mu.Unlock()
					if err := s.OutboxDone(context.Background(), x.ID); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if count != orders*per {
		t.Errorf("%d deliveries of %d messages", count, orders*per)
	}
	for o, seqs := range delivered {
		if !slices.Equal(seqs, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("order %s delivered %v", o, seqs)
		}
	}
}

func (p *alternate) Enqueue(ctx context.Context, now time.Time, msgs []store.OutboxMessage) error {
	return p.next().Enqueue(ctx, now, msgs)
}
func (p *alternate) Lease(ctx context.Context, n int, now time.Time, ttl time.Duration, instance string) ([]store.OutboxMessage, error) {
	return p.next().Lease(ctx, n, now, ttl, instance)
}
func (p *alternate) OutboxDone(ctx context.Context, id string) error {
	return p.next().OutboxDone(ctx, id)
}
func (p *alternate) OutboxFail(ctx context.Context, id, instance, reason string, now, retryAt time.Time, park bool) error {
	return p.next().OutboxFail(ctx, id, instance, reason, now, retryAt, park)
}
func (p *alternate) Parked(ctx context.Context, limit int) ([]store.OutboxMessage, error) {
	return p.next().Parked(ctx, limit)
}
func (p *alternate) OutboxRetry(ctx context.Context, id string, now time.Time) error {
	return p.next().OutboxRetry(ctx, id, now)
}
func (p *alternate) OutboxPending(ctx context.Context) (pending, parked int64, err error) {
	return p.next().OutboxPending(ctx)
}
func (p *alternate) OutboxDefer(ctx context.Context, ids []string, instance string, until time.Time) error {
	return p.next().OutboxDefer(ctx, ids, instance, until)
}
