// Package storetest is the conformance suite every store.Store implementation must pass: the
// embedded SQLite store and the MongoDB store run the same tests, so the runtime cannot tell
// them apart.
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

// Open returns an empty store for one test; the suite closes it.
type Open func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"RecordRoundTrip", testRecordRoundTrip},
		{"DuplicateRecord", testDuplicateRecord},
		{"Idempotency", testIdempotency},
		{"Update", testUpdate},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"UniqueNumbers", testUniqueNumbers},
		{"Search", testSearch},
		{"SearchAfterUpdate", testSearchAfterUpdate},
		{"SearchPages", testSearchPages},
		{"Sequences", testSequences},
		{"Drafts", testDrafts},
		{"Passwords", testPasswords},
		{"Sessions", testSessions},
		{"Failures", testFailures},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

// at is a time the stores must keep to the millisecond, in UTC.
func at(minute int) time.Time {
	return time.Date(2026, 3, 1, 9, minute, 0, 0, time.UTC)
}

// record is a declared record with one history entry.
func record(id string, minute int) *store.Record {
	return &store.Record{
		ID: id, Event: "birth", Bundle: "sha256:ab", Status: "declared", Flags: []string{},
		Data:   json.RawMessage(`{"child.name":{"given":"Ama","family":"Tarek"},"child.dob":"2026-02-27"}`),
		Office: "O1", Areas: []string{"D11", "R1"}, Title: "Ama Tarek",
		Names: store.NameKeys("Ama", "Tarek"), EventDate: "2026-02-27",
		Version: 1, Created: at(minute), Updated: at(minute), CreatedBy: "amina",
		History: []store.Entry{{Version: 1, Action: "declare", User: "amina", Role: "clerk", Office: "O1", At: at(minute), Status: "declared"}},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same compares two records field by field, times to the millisecond.
func same(t *testing.T, got, want *store.Record) {
	t.Helper()
	g, _ := json.Marshal(normal(got))
	w, _ := json.Marshal(normal(want))
	if string(g) != string(w) {
		t.Errorf("record:\n got %s\nwant %s", g, w)
	}
}

func normal(r *store.Record) store.Record {
	c := *r
	c.Created, c.Updated = c.Created.UTC().Truncate(time.Millisecond), c.Updated.UTC().Truncate(time.Millisecond)
	c.History = slices.Clone(c.History)
	for i := range c.History {
		c.History[i].At = c.History[i].At.UTC().Truncate(time.Millisecond)
	}
	if c.Flags == nil {
		c.Flags = []string{}
	}
	return c
}

func testRecordRoundTrip(t *testing.T, s store.Store) {
	r := record("B1", 1)
	r.Data = json.RawMessage(`{"child.name":{"given":"<script>alert(1)</script>","family":"{\"$gt\":\"\"}"},"x":1.5e3}`)
	must(t, s.CreateRecord(ctx, r))
	got, err := s.Record(ctx, "B1")
	must(t, err)
	same(t, got, r)
	// Data comes back as the same JSON, whatever it holds.
	var a, b any
	must(t, json.Unmarshal(got.Data, &a))
	must(t, json.Unmarshal(r.Data, &b))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("data %s, want %s", got.Data, r.Data)
	}
	if _, err := s.Record(ctx, "B2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing record: %v", err)
	}
	// An id that looks like a query operator is only an id.
	if _, err := s.Record(ctx, `{"$ne":""}`); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("operator as id: %v", err)
	}
}

func testDuplicateRecord(t *testing.T, s store.Store) {
	must(t, s.CreateRecord(ctx, record("B1", 1)))
	dup := record("B1", 2)
	dup.Title = "Someone else"
	if err := s.CreateRecord(ctx, dup); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second record with one id: %v", err)
	}
	got, err := s.Record(ctx, "B1")
	must(t, err)
	if got.Title != "Ama Tarek" {
		t.Errorf("the first record was overwritten: %q", got.Title)
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	a := record("B1", 1)
	a.IdempotencyKey, a.RequestHash = "k1", "sha256:01"
	must(t, s.CreateRecord(ctx, a))
	again := record("B2", 1)
	again.IdempotencyKey = "k1"
	if err := s.CreateRecord(ctx, again); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("one key twice: %v", err)
	}
	if _, err := s.Record(ctx, "B2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the duplicate was stored: %v", err)
	}
	got, err := s.RecordByIdempotencyKey(ctx, "amina", "k1")
	must(t, err)
	if got.ID != "B1" || got.RequestHash != "sha256:01" {
		t.Errorf("by key: %s, hash %q", got.ID, got.RequestHash)
	}
	// Keys are per user, and records without a key never collide.
	other := record("B3", 1)
	other.CreatedBy, other.IdempotencyKey = "bob", "k1"
	must(t, s.CreateRecord(ctx, other))
	must(t, s.CreateRecord(ctx, record("B4", 1)))
	must(t, s.CreateRecord(ctx, record("B5", 1)))
	if _, err := s.RecordByIdempotencyKey(ctx, "amina", "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
}

// next is r after one more action.
func next(r *store.Record, action, status string, minute int) (*store.Record, store.Entry) {
	n := *r
	n.History = nil
	n.Version++
	n.Status = status
	n.Updated = at(minute)
	return &n, store.Entry{Version: n.Version, Action: action, User: "reg", Role: "registrar", Office: "O1", At: at(minute), Status: status}
}

func testUpdate(t *testing.T, s store.Store) {
	r := record("B1", 1)
	must(t, s.CreateRecord(ctx, r))
	v2, e2 := next(r, "validate", "validated", 2)
	v2.Flags = []string{"late"}
	v2.Data = json.RawMessage(`{"child.dob":"2026-02-26"}`)
	e2.AddFlags = []string{"late"}
	e2.Changes = []store.Change{{Field: "child.dob", Old: json.RawMessage(`"2026-02-27"`), New: json.RawMessage(`"2026-02-26"`)}}
	e2.Comment = "checked against the notification"
	e2.Details = json.RawMessage(`{"copies":2}`)
	must(t, s.UpdateRecord(ctx, v2, e2))

	// A second action based on version 1 is refused, and changes nothing.
	stale, e := next(r, "reject", "rejected", 3)
	if err := s.UpdateRecord(ctx, stale, e); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	got, err := s.Record(ctx, "B1")
	must(t, err)
	want := *v2
	want.History = append(slices.Clone(r.History), e2)
	same(t, got, &want)

	v3, e3 := next(v2, "register", "registered", 4)
	v3.Number = "B-2026-O1-000001"
	e3.Number = v3.Number
	must(t, s.UpdateRecord(ctx, v3, e3))
	got, err = s.Record(ctx, "B1")
	must(t, err)
	if got.Version != 3 || got.Number != v3.Number || len(got.History) != 3 || got.History[2].Number != v3.Number {
		t.Errorf("after register: %+v", got)
	}
	missing, e := next(record("B9", 1), "validate", "validated", 5)
	if err := s.UpdateRecord(ctx, missing, e); !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing record: %v", err)
	}
}

// 50 actions on one version of one record at once: exactly one is taken.
func testConcurrentUpdates(t *testing.T, s store.Store) {
	r := record("B1", 1)
	must(t, s.CreateRecord(ctx, r))
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			u, e := next(r, "validate", "validated", 2)
			u.Title = fmt.Sprint("writer ", i)
			errs[i] = s.UpdateRecord(ctx, u, e)
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("writers %d and %d both succeeded", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got, err := s.Record(ctx, "B1")
	must(t, err)
	if won < 0 || got.Title != fmt.Sprint("writer ", won) || got.Version != 2 || len(got.History) != 2 {
		t.Errorf("winner %d, record %q version %d, %d entries", won, got.Title, got.Version, len(got.History))
	}
}

func testUniqueNumbers(t *testing.T, s store.Store) {
	a, b := record("B1", 1), record("B2", 1)
	must(t, s.CreateRecord(ctx, a))
	must(t, s.CreateRecord(ctx, b))
	a2, e := next(a, "register", "registered", 2)
	a2.Number = "N1"
	must(t, s.UpdateRecord(ctx, a2, e))
	b2, e := next(b, "register", "registered", 2)
	b2.Number = "N1"
	if err := s.UpdateRecord(ctx, b2, e); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("one number twice: %v", err)
	}
	got, err := s.Record(ctx, "B2")
	must(t, err)
	if got.Number != "" || got.Version != 1 {
		t.Errorf("the refused update changed the record: %+v", got)
	}
}

func ids(p store.Page) []string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return out
}

func testSearch(t *testing.T, s store.Store) {
	mk := func(id string, minute int, status, office string, areas []string, date string, flags []string, names ...string) {
		r := record(id, minute)
		r.Status, r.Office, r.Areas, r.EventDate, r.Flags = status, office, areas, date, flags
		r.Names, r.Title = store.NameKeys(names...), fmt.Sprint(names)
		r.Number = ""
		if status == "registered" {
			r.Number = "N-" + id
		}
		must(t, s.CreateRecord(ctx, r))
	}
	mk("A1", 1, "declared", "O1", []string{"D11", "R1"}, "2026-01-05", nil, "Ama", "Tarek")
	mk("A2", 2, "registered", "O1", []string{"D11", "R1"}, "2026-01-20", []string{"late"}, "Élodie", "Tarek-Müller")
	mk("A3", 3, "declared", "O2", []string{"D12", "R1"}, "2026-02-01", []string{"late", "urgent"}, "Amadou", "Diallo")
	mk("A4", 4, "validated", "O3", []string{"D21", "R2"}, "2025-12-31", nil, "Ama", "Mensah")
	d := record("D1", 5)
	d.Event, d.Names, d.Title = "death", store.NameKeys("Kofi", "Mensah"), "Kofi Mensah"
	must(t, s.CreateRecord(ctx, d))

	for _, c := range []struct {
		name string
		q    store.Query
		want []string
	}{
		{"everything, newest first", store.Query{}, []string{"D1", "A4", "A3", "A2", "A1"}},
		{"oldest first", store.Query{Oldest: true}, []string{"A1", "A2", "A3", "A4", "D1"}},
		{"event", store.Query{Event: "birth"}, []string{"A4", "A3", "A2", "A1"}},
		{"tracking ID", store.Query{ID: "A3"}, []string{"A3"}},
		{"number", store.Query{Number: "N-A2"}, []string{"A2"}},
		{"name, a whole word", store.Query{Name: []string{"tarek"}}, []string{"A2", "A1"}},
		{"name, prefixes of two words", store.Query{Name: []string{"ama", "tar"}}, []string{"A1"}},
		{"name, a prefix", store.Query{Name: []string{"ama"}, Event: "birth"}, []string{"A4", "A3", "A1"}},
		{"name, a longer prefix", store.Query{Name: []string{"tare"}}, []string{"A2", "A1"}},
		{"name, a prefix of one letter", store.Query{Name: []string{"m"}}, []string{"D1", "A4", "A2"}},
		{"name, a word longer than any", store.Query{Name: []string{"tareks"}}, nil},
		{"name without accents", store.Query{Name: []string{"elodie", "muller"}}, []string{"A2"}},
		{"name of nobody", store.Query{Name: []string{"zed"}}, nil},
		{"statuses", store.Query{Statuses: []string{"declared", "validated"}, Event: "birth"}, []string{"A4", "A3", "A1"}},
		{"flags, all of", store.Query{Flags: []string{"late", "urgent"}}, []string{"A3"}},
		{"no flags", store.Query{NoFlags: []string{"late"}, Event: "birth"}, []string{"A4", "A1"}},
		{"office", store.Query{Office: "O1"}, []string{"D1", "A2", "A1"}},
		{"area", store.Query{Area: "R1", Event: "birth"}, []string{"A3", "A2", "A1"}},
		{"area of a district", store.Query{Area: "D21"}, []string{"A4"}},
		{"dates", store.Query{From: "2026-01-01", To: "2026-01-31"}, []string{"A2", "A1"}},
		{"from a date", store.Query{From: "2026-02-01", Event: "birth"}, []string{"A3"}},
		{"everything at once", store.Query{Event: "birth", Name: []string{"ama"}, Statuses: []string{"declared"}, Area: "R1", From: "2026-01-01", To: "2026-01-31"}, []string{"A1"}},
		{"an operator as a value", store.Query{Office: `{"$gt":""}`}, nil},
		{"a pattern as a name", store.Query{Name: []string{".*"}}, nil},
		{"a LIKE pattern as a name", store.Query{Name: []string{"%"}}, nil},
	} {
		p, err := s.Search(ctx, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := ids(p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		for _, r := range p.Records {
			if r.History != nil {
				t.Errorf("%s: search results carry their history", c.name)
			}
		}
	}
	// What a search returns is the record's state.
	p, err := s.Search(ctx, store.Query{ID: "A2"})
	must(t, err)
	if r := p.Records[0]; r.Number != "N-A2" || !slices.Equal(r.Flags, []string{"late"}) || r.Title == "" || r.Office != "O1" || r.Version != 1 || string(r.Data) == "" {
		t.Errorf("search result: %+v", r)
	}
}

// testSearchAfterUpdate: what a search finds follows the record's changes (status, flags,
// names), not what it was declared with.
func testSearchAfterUpdate(t *testing.T, s store.Store) {
	must(t, s.CreateRecord(ctx, record("U1", 1)))
	must(t, s.CreateRecord(ctx, record("U2", 2)))
	r, err := s.Record(ctx, "U1")
	must(t, err)
	r.Version, r.Status, r.Flags = 2, "validated", []string{"late"}
	r.Names, r.Title = store.NameKeys("Amadou", "Diallo"), "Amadou Diallo"
	must(t, s.UpdateRecord(ctx, r, store.Entry{Version: 2, Action: "validate", User: "amina", At: at(3), Status: "validated"}))
	for _, c := range []struct {
		name string
		q    store.Query
		want []string
	}{
		{"the new status", store.Query{Statuses: []string{"validated"}}, []string{"U1"}},
		{"the old status", store.Query{Statuses: []string{"declared"}}, []string{"U2"}},
		{"a flag raised", store.Query{Flags: []string{"late"}}, []string{"U1"}},
		{"no flag", store.Query{NoFlags: []string{"late"}}, []string{"U2"}},
		{"the new name", store.Query{Name: []string{"diallo"}}, []string{"U1"}},
		{"the old name", store.Query{Name: []string{"tarek"}}, []string{"U2"}},
		{"an unchanged area", store.Query{Area: "R1", Statuses: []string{"validated"}}, []string{"U1"}},
	} {
		p, err := s.Search(ctx, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := ids(p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func testSearchPages(t *testing.T, s store.Store) {
	// 25 records, some created in the same millisecond: pages must neither skip nor repeat.
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("P%02d", i)
		must(t, s.CreateRecord(ctx, record(id, i/3)))
		want = append(want, id)
	}
	for _, oldest := range []bool{true, false} {
		var got []string
		q := store.Query{Oldest: oldest, Limit: 4}
		for pages := 0; ; pages++ {
			p, err := s.Search(ctx, q)
			must(t, err)
			if len(p.Records) > 4 {
				t.Fatalf("a page of %d records, limit 4", len(p.Records))
			}
			got = append(got, ids(p)...)
			if p.Next == "" {
				break
			}
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			q.After = p.Next
		}
		w := slices.Clone(want)
		if !oldest {
			slices.Reverse(w)
		}
		if !slices.Equal(got, w) {
			t.Errorf("oldest %v: pages gave %v, want %v", oldest, got, w)
		}
	}
	// The store caps a page.
	p, err := s.Search(ctx, store.Query{Limit: 1_000_000})
	must(t, err)
	if len(p.Records) != 25 {
		t.Errorf("a page of %d", len(p.Records))
	}
	if _, err := s.Search(ctx, store.Query{After: "not a cursor"}); err == nil {
		t.Error("a forged cursor is accepted")
	}
}

func testSequences(t *testing.T, s store.Store) {
	const workers, each = 8, 25
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				n, err := s.NextSequence(ctx, "birth/O1/2026")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("%d given twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := int64(1); i <= workers*each; i++ {
		if !seen[i] {
			t.Errorf("%d skipped without a crash", i)
		}
	}
	// Counters are independent.
	n, err := s.NextSequence(ctx, "birth/O2/2026")
	must(t, err)
	if n != 1 {
		t.Errorf("a new counter starts at %d", n)
	}
}

func testDrafts(t *testing.T, s store.Store) {
	d := &store.Draft{ID: "d1", User: "amina", Event: "birth", Data: json.RawMessage(`{"child.name":{"given":"A"}}`), Updated: at(1)}
	must(t, s.SaveDraft(ctx, d))
	must(t, s.SaveDraft(ctx, &store.Draft{ID: "d2", User: "amina", Event: "death", Data: json.RawMessage(`{}`), Updated: at(2)}))
	must(t, s.SaveDraft(ctx, &store.Draft{ID: "d3", User: "bob", Event: "birth", Data: json.RawMessage(`{}`), Updated: at(3)}))
	d.Data, d.Updated = json.RawMessage(`{"child.name":{"given":"Ama"}}`), at(4)
	must(t, s.SaveDraft(ctx, d))
	got, err := s.Draft(ctx, "amina", "d1")
	must(t, err)
	if string(got.Data) != `{"child.name":{"given":"Ama"}}` || !got.Updated.Equal(at(4)) || got.Event != "birth" {
		t.Errorf("draft: %+v", got)
	}
	// A user sees their own drafts only.
	if _, err := s.Draft(ctx, "bob", "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another user's draft: %v", err)
	}
	list, err := s.Drafts(ctx, "amina")
	must(t, err)
	if len(list) != 2 || list[0].ID != "d1" || list[1].ID != "d2" {
		t.Errorf("drafts: %+v", list)
	}
	must(t, s.DeleteDraft(ctx, "amina", "d1"))
	if _, err := s.Draft(ctx, "amina", "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted draft: %v", err)
	}
	if err := s.DeleteDraft(ctx, "amina", "d3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting another user's draft: %v", err)
	}
	if _, err := s.Draft(ctx, "bob", "d3"); err != nil {
		t.Errorf("bob's draft: %v", err)
	}
}

func testPasswords(t *testing.T, s store.Store) {
	if _, err := s.Password(ctx, "amina"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no password yet: %v", err)
	}
	must(t, s.SetPassword(ctx, "amina", "$argon2id$1"))
	must(t, s.SetPassword(ctx, "amina", "$argon2id$2"))
	if h, err := s.Password(ctx, "amina"); err != nil || h != "$argon2id$2" {
		t.Errorf("password %q, %v", h, err)
	}
}

func testSessions(t *testing.T, s store.Store) {
	now := at(0)
	must(t, s.CreateSession(ctx, &store.Session{TokenHash: "h1", User: "amina", CSRF: "c1", Created: now, Expires: now.Add(time.Hour)}))
	must(t, s.CreateSession(ctx, &store.Session{TokenHash: "h2", User: "amina", CSRF: "c2", Created: now, Expires: now.Add(time.Minute)}))
	got, err := s.Session(ctx, "h1", now.Add(30*time.Minute))
	must(t, err)
	if got.User != "amina" || got.CSRF != "c1" || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("session: %+v", got)
	}
	if _, err := s.Session(ctx, "h2", now.Add(30*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session: %v", err)
	}
	must(t, s.DeleteSession(ctx, "h1"))
	if _, err := s.Session(ctx, "h1", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session: %v", err)
	}
	if err := s.CreateSession(ctx, &store.Session{TokenHash: "h2", User: "bob", Created: now, Expires: now.Add(time.Hour)}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("a second session with one token: %v", err)
	}
}

func testFailures(t *testing.T, s store.Store) {
	now := at(0)
	for i := 1; i <= 3; i++ {
		n, err := s.AddFailure(ctx, "user:amina", now.Add(time.Duration(i)*time.Second), time.Minute)
		must(t, err)
		if n != i {
			t.Errorf("failure %d counted as %d", i, n)
		}
	}
	// Old failures leave the window.
	n, err := s.AddFailure(ctx, "user:amina", now.Add(2*time.Minute), time.Minute)
	must(t, err)
	if n != 1 {
		t.Errorf("after the window: %d", n)
	}
	if n, _ := s.AddFailure(ctx, "ip:10.0.0.1", now, time.Minute); n != 1 {
		t.Errorf("keys are independent: %d", n)
	}
	must(t, s.ClearFailures(ctx, "user:amina"))
	if n, _ := s.AddFailure(ctx, "user:amina", now.Add(2*time.Minute), time.Minute); n != 1 {
		t.Errorf("after clearing: %d", n)
	}
}
