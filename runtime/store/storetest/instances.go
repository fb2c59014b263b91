package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// OpenTwo returns two stores on one empty database, as two server instances open it (two
// processes, or two values in one); the suite closes both.
type OpenTwo func(t *testing.T) (store.Store, store.Store)

// RunInstances runs the suite's cases of writes at once with two instances on one database:
// the writers alternate between them, so that what one instance guarantees (one winner of a
// version, numbers and keys once, counts that add up) is seen to hold across instances,
// which share nothing but the database. Then one instance is closed while both write.
func RunInstances(t *testing.T, open OpenTwo) {
	for _, tc := range concurrent {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			defer closeAll(t, a, b)
			tc.fn(t, &alternate{stores: [2]store.Store{a, b}})
		})
	}
	t.Run("CloseOneWhileWriting", func(t *testing.T) {
		a, b := open(t)
		defer closeAll(t, a, b)
		testCloseWhileWriting(t, a, b)
	})
}

// concurrent are the cases of several writers at once.
var concurrent = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"NumberAtOnce", testNumberAtOnce},
	{"NumberRecord", testNumberRecord},
	{"KeyAtOnce", testKeyAtOnce},
	{"KeysAtOnce", testKeysAtOnce},
	{"StatsAtOnce", testStatsAtOnce},
	{"StatsOneVersionAtOnce", testStatsOneVersionAtOnce},
	{"StatsMoved", testStatsMoved},
	{"Sequences", testSequences},
	{"FailuresAtOnce", testFailuresAtOnce},
	{"DocumentSavedAtOnce", testDocumentSavedAtOnce},
	{"HangUps", testHangUps},
	{"AssignAtOnce", testAssignAtOnce},
	{"AuditAtOnce", testAuditAtOnce},
}

func closeAll(t *testing.T, stores ...store.Store) {
	for _, s := range stores {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// 20 records registered at once with one number: exactly one gets it.
func testNumberAtOnce(t *testing.T, s store.Store) {
	const n = 20
	var recs []*store.Record
	for i := range n {
		r := record(fmt.Sprint("B", i), 1)
		must(t, s.CreateRecord(ctx, r))
		recs = append(recs, r)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, r := range recs {
		wg.Go(func() {
			u, e := next(r, "register", "registered", 2)
			u.Number, e.Number = "N1", "N1"
			errs[i] = s.UpdateRecord(ctx, u, e)
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrDuplicate):
			t.Errorf("record %d: %v", i, err)
		}
	}
	p, err := s.Search(ctx, store.Query{Number: "N1"})
	must(t, err)
	if won != 1 || len(p.Records) != 1 {
		t.Errorf("%d updates took the number, %d records hold it", won, len(p.Records))
	}
}

// 20 declarations sent at once with one user's idempotency key: one record.
func testKeyAtOnce(t *testing.T, s store.Store) {
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := record(fmt.Sprint("B", i), 1)
			r.IdempotencyKey, r.RequestHash = "k1", "sha256:01"
			errs[i] = s.CreateRecord(ctx, r)
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("declarations %d and %d were both stored under one key", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrDuplicate):
			t.Errorf("declaration %d: %v", i, err)
		}
	}
	got, err := s.RecordByIdempotencyKey(ctx, "amina", "k1")
	must(t, err)
	if got.ID != fmt.Sprint("B", won) {
		t.Errorf("the key finds %s, the winner was B%d", got.ID, won)
	}
}

// 30 failed logins counted at once under one key: each is counted, once.
func testFailuresAtOnce(t *testing.T, s store.Store) {
	const n = 30
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			counts[i], err = s.AddFailure(ctx, "user:amina", at(0), time.Hour)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Each attempt saw those before it and itself: 1, 2 ... n, in some order.
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("%d failures at once counted %v", n, counts)
		}
	}
	n2, err := s.AddFailure(ctx, "user:amina", at(0), time.Hour)
	must(t, err)
	if n2 != n+1 {
		t.Errorf("after %d failures at once, one more counts %d", n, n2)
	}
}

// testCloseWhileWriting closes a while writers write through it (handlers still running
// after a server's shutdown timed out) and, when b is not nil, through b, another instance
// on the same database. Nothing panics; a write after Close fails; every write acknowledged
// by a is stored; b's writes never fail.
func testCloseWhileWriting(t *testing.T, a, b store.Store) {
	const writers = 8
	var acked sync.Map                  // ID -> true
	var closing, afterClose atomic.Bool // Close was called; it returned
	var wg sync.WaitGroup
	started := make(chan struct{}, writers)
	write := func(s store.Store, id string, i int) error {
		switch i % 4 {
		case 0:
			return s.CreateRecord(ctx, record(id, 1))
		case 1:
			_, err := s.AddFailure(ctx, "user:"+id, at(0), time.Minute)
			return err
		case 2:
			return s.SaveDraft(ctx, &store.Draft{ID: "d", User: id, Event: "birth", Data: []byte(`{}`), Updated: at(1)})
		default:
			_, err := s.NextSequence(ctx, "birth/O1/2026")
			return err
		}
	}
	for w := range writers {
		wg.Go(func() {
			var once sync.Once
			defer once.Do(func() { started <- struct{}{} }) // a writer that failed early
			for i := 0; ; i++ {
				if i == 8 {
					once.Do(func() { started <- struct{}{} })
				}
				id := fmt.Sprint("A", w, "-", i)
				closed := afterClose.Load()
				err := write(a, id, i)
				if err == nil {
					if i%4 == 0 {
						acked.Store(id, true)
					}
					if closed {
						t.Errorf("a write begun after Close returned was taken")
						return
					}
					continue
				}
				if !closing.Load() {
					t.Errorf("writer %d, write %d, before Close: %v", w, i, err)
				}
				return // Close came: the first error ends this writer
			}
		})
	}
	var others sync.WaitGroup
	stop := make(chan struct{})
	if b != nil {
		for w := range writers / 2 {
			others.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := write(b, fmt.Sprint("B", w, "-", i), i); err != nil {
						t.Errorf("instance b, writer %d, write %d: %v", w, i, err)
						return
					}
				}
			})
		}
	}
	for range writers {
		<-started
	}
	closing.Store(true)
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	afterClose.Store(true)
	wg.Wait()
	close(stop)
	others.Wait()
	if err := a.Close(); err != nil {
		t.Errorf("Close again: %v", err)
	}
	for i := range 4 {
		if err := write(a, fmt.Sprint("late", i), i); err == nil {
			t.Errorf("write %d after Close was taken", i)
		}
	}
	if b == nil {
		return
	}
	n := 0
	acked.Range(func(id, _ any) bool {
		n++
		if _, err := b.Record(ctx, id.(string)); err != nil {
			t.Errorf("record %s acknowledged before Close: %v", id, err)
		}
		return true
	})
	if n == 0 {
		t.Errorf("no write acknowledged before Close")
	}
}

// alternate is one store made of two instances, each call going to the next in turn.
type alternate struct {
	stores [2]store.Store
	n      atomic.Uint64
}

func (p *alternate) next() store.Store { return p.stores[p.n.Add(1)%2] }

func (p *alternate) CreateRecord(ctx context.Context, r *store.Record) error {
	return p.next().CreateRecord(ctx, r)
}
func (p *alternate) Record(ctx context.Context, id string) (*store.Record, error) {
	return p.next().Record(ctx, id)
}
func (p *alternate) RecordByIdempotencyKey(ctx context.Context, user, key string) (*store.Record, error) {
	return p.next().RecordByIdempotencyKey(ctx, user, key)
}
func (p *alternate) UpdateRecord(ctx context.Context, r *store.Record, e store.Entry) error {
	return p.next().UpdateRecord(ctx, r, e)
}
func (p *alternate) Search(ctx context.Context, q store.Query) (store.Page, error) {
	return p.next().Search(ctx, q)
}
func (p *alternate) SetIndex(ctx context.Context, id string, version int64, keys, stats []string, by string) error {
	return p.next().SetIndex(ctx, id, version, keys, stats, by)
}
func (p *alternate) NextSequence(ctx context.Context, name string) (int64, error) {
	return p.next().NextSequence(ctx, name)
}
func (p *alternate) NumberRecord(ctx context.Context, r *store.Record, e store.Entry, counter string, number func(int64) string) error {
	return p.next().NumberRecord(ctx, r, e, counter, number)
}
func (p *alternate) SaveDraft(ctx context.Context, d *store.Draft) error {
	return p.next().SaveDraft(ctx, d)
}
func (p *alternate) Draft(ctx context.Context, user, id string) (*store.Draft, error) {
	return p.next().Draft(ctx, user, id)
}
func (p *alternate) Drafts(ctx context.Context, user string) ([]store.Draft, error) {
	return p.next().Drafts(ctx, user)
}
func (p *alternate) DeleteDraft(ctx context.Context, user, id string) error {
	return p.next().DeleteDraft(ctx, user, id)
}
func (p *alternate) SaveDocument(ctx context.Context, d *store.Document) (*store.Document, bool, error) {
	return p.next().SaveDocument(ctx, d)
}
func (p *alternate) Document(ctx context.Context, id string) (*store.Document, error) {
	return p.next().Document(ctx, id)
}
func (p *alternate) DocumentUpload(ctx context.Context, id, user string) (*store.Document, error) {
	return p.next().DocumentUpload(ctx, id, user)
}
func (p *alternate) UploadedBy(ctx context.Context, user string, ids []string) ([]string, error) {
	return p.next().UploadedBy(ctx, user, ids)
}
func (p *alternate) SetPassword(ctx context.Context, user, hash string) error {
	return p.next().SetPassword(ctx, user, hash)
}
func (p *alternate) Password(ctx context.Context, user string) (string, error) {
	return p.next().Password(ctx, user)
}
func (p *alternate) CreateSession(ctx context.Context, s *store.Session) error {
	return p.next().CreateSession(ctx, s)
}
func (p *alternate) Session(ctx context.Context, tokenHash string, now time.Time) (*store.Session, error) {
	return p.next().Session(ctx, tokenHash, now)
}
func (p *alternate) DeleteSession(ctx context.Context, tokenHash string) error {
	return p.next().DeleteSession(ctx, tokenHash)
}
func (p *alternate) AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	return p.next().AddFailure(ctx, key, now, window)
}
func (p *alternate) ClearFailures(ctx context.Context, key string) error {
	return p.next().ClearFailures(ctx, key)
}

func (p *alternate) Prune(ctx context.Context, now, failuresBefore time.Time) error {
	return p.next().Prune(ctx, now, failuresBefore)
}

// Close does nothing: the suite closes the instances.
func (p *alternate) Close() error { return nil }

func (p *alternate) Counts(ctx context.Context, prefixes []string) (map[string]int64, error) {
	return p.next().Counts(ctx, prefixes)
}

func (p *alternate) CreateUser(ctx context.Context, u *store.User) error {
	return p.next().CreateUser(ctx, u)
}
func (p *alternate) User(ctx context.Context, username string) (*store.User, error) {
	return p.next().User(ctx, username)
}
func (p *alternate) Users(ctx context.Context) ([]store.User, error) { return p.next().Users(ctx) }
func (p *alternate) UpdateUser(ctx context.Context, u *store.User) error {
	return p.next().UpdateUser(ctx, u)
}
func (p *alternate) DeleteSessions(ctx context.Context, user string) error {
	return p.next().DeleteSessions(ctx, user)
}
func (p *alternate) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	return p.next().AppendAudit(ctx, e)
}
func (p *alternate) AuditLog(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	return p.next().AuditLog(ctx, q)
}
func (p *alternate) AddAuditCheckpoint(ctx context.Context, c *store.AuditCheckpoint) error {
	return p.next().AddAuditCheckpoint(ctx, c)
}
func (p *alternate) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	return p.next().AuditCheckpoints(ctx)
}
func (p *alternate) SecondFactor(ctx context.Context, user string) (*store.SecondFactor, error) {
	return p.next().SecondFactor(ctx, user)
}
func (p *alternate) SaveSecondFactor(ctx context.Context, f *store.SecondFactor) error {
	return p.next().SaveSecondFactor(ctx, f)
}
func (p *alternate) DeleteSecondFactor(ctx context.Context, user string) error {
	return p.next().DeleteSecondFactor(ctx, user)
}
func (p *alternate) AddSubscription(ctx context.Context, sub *store.Subscription) (*store.Subscription, error) {
	return p.next().AddSubscription(ctx, sub)
}
func (p *alternate) Subscriptions(ctx context.Context, q store.SubscriptionQuery) ([]store.Subscription, error) {
	return p.next().Subscriptions(ctx, q)
}
func (p *alternate) DeleteSubscription(ctx context.Context, owner, id string) error {
	return p.next().DeleteSubscription(ctx, owner, id)
}
func (p *alternate) ConfirmSubscription(ctx context.Context, owner, token string) (*store.Subscription, error) {
	return p.next().ConfirmSubscription(ctx, owner, token)
}
