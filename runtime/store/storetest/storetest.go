// Package storetest is the conformance suite every store.Store implementation must pass: the
// embedded SQLite store and the MongoDB store run the same tests, so the runtime cannot tell
// them apart.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// extraCases are cases that files of their own add (users.go), so that the list above need
// not change for each.
var extraCases []struct {
	name string
	fn   func(*testing.T, store.Store)
}

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
		{"HangUps", testHangUps},
		{"NumberAtOnce", testNumberAtOnce},
		{"KeyAtOnce", testKeyAtOnce},
		{"FailuresAtOnce", testFailuresAtOnce},
		{"CloseWhileWriting", func(t *testing.T, s store.Store) { testCloseWhileWriting(t, s, nil) }},
		{"UniqueNumbers", testUniqueNumbers},
		{"NumberRecord", testNumberRecord},
		{"Search", testSearch},
		{"SearchAfterUpdate", testSearchAfterUpdate},
		{"SearchPages", testSearchPages},
		{"Keys", testKeys},
		{"KeysUpdated", testKeysUpdated},
		{"KeysSet", testKeysSet},
		{"IndexedBy", testIndexedBy},
		{"KeysPages", testKeysPages},
		{"KeyLimits", testKeyLimits},
		{"KeysAtOnce", testKeysAtOnce},
		{"Sequences", testSequences},
		{"Drafts", testDrafts},
		{"DraftLimit", testDraftLimit},
		{"Prune", testPrune},
		{"Passwords", testPasswords},
		{"Sessions", testSessions},
		{"Failures", testFailures},
		{"DocumentRoundTrip", testDocumentRoundTrip},
		{"DocumentSavedTwice", testDocumentSavedTwice},
		{"DocumentNotFound", testDocumentNotFound},
		{"DocumentOfTwoUsers", testDocumentOfTwoUsers},
		{"DocumentNameIsTheUploads", testDocumentNameIsTheUploads},
		{"DocumentSavedAtOnce", testDocumentSavedAtOnce},
		{"LargestDocument", testLargestDocument},
	}
	tests = append(tests, statsCases...)
	tests = append(tests, bundleCases...)
	tests = append(tests, assignmentCases...)
	tests = append(tests, extraCases...)
	tests = append(tests, auditCases...)
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

// Document IDs for records to reference: the stores do not check that they are stored.
var (
	docA = store.DocumentID([]byte("a"))
	docB = store.DocumentID([]byte("b"))
)

// record is a declared record with one history entry.
func record(id string, minute int) *store.Record {
	return &store.Record{
		ID: id, Event: "birth", Bundle: "sha256:ab", Status: "declared", Flags: []string{},
		Data:   json.RawMessage(`{"child.name":{"given":"Ama","family":"Tarek"},"child.dob":"2026-02-27"}`),
		Office: "O1", Areas: []string{"D11", "R1"}, Title: "Ama Tarek",
		Names: store.NameKeys("Ama", "Tarek"), EventDate: "2026-02-27", Documents: []string{docA},
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
	won := oneWinner(t, errs)
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

// 50 registrations of one version of one record at once: exactly one is taken, and it alone
// draws a number; a number another record holds is passed over.
func testNumberRecord(t *testing.T, s store.Store) {
	a, b := record("B1", 1), record("B2", 1)
	must(t, s.CreateRecord(ctx, a))
	must(t, s.CreateRecord(ctx, b))
	format := func(seq int64) string { return fmt.Sprint("N", seq) }
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	numbers := make([]string, n)
	for i := range n {
		wg.Go(func() {
			u, e := next(a, "register", "registered", 2)
			u.Title = fmt.Sprint("writer ", i)
			errs[i] = s.NumberRecord(ctx, u, e, "number/birth", format)
			numbers[i] = u.Number
		})
	}
	wg.Wait()
	won := oneWinner(t, errs)
	if won < 0 {
		t.Fatal("no writer succeeded")
	}
	got, err := s.Record(ctx, "B1")
	must(t, err)
	if got.Number != "N1" || numbers[won] != "N1" || got.Title != fmt.Sprint("writer ", won) || got.Version != 2 ||
		len(got.History) != 2 || got.History[1].Number != "N1" {
		t.Errorf("winner %d given %q; record %q %q version %d, %d entries", won, numbers[won], got.Number, got.Title, got.Version, len(got.History))
	}
	// The 49 who lost drew nothing.
	if seq, err := s.NextSequence(ctx, "number/birth"); err != nil || seq != 2 {
		t.Errorf("the counter after one registration: %d %v, want 2", seq, err)
	}
	// 3 is taken (a counter set back by hand): B2 passes over it to 4.
	c, e := next(record("B3", 2), "register", "registered", 2)
	must(t, s.CreateRecord(ctx, record("B3", 2)))
	c.Number = "N3"
	must(t, s.UpdateRecord(ctx, c, e))
	u, e := next(b, "register", "registered", 2)
	must(t, s.NumberRecord(ctx, u, e, "number/birth", format))
	if got, err := s.Record(ctx, "B2"); err != nil || got.Number != "N4" || u.Number != "N4" || got.History[1].Number != "N4" {
		t.Errorf("past a number taken: given %q, stored %+v %v", u.Number, got, err)
	}
	// A stale version, a missing record: nothing drawn.
	if err := s.NumberRecord(ctx, u, e, "number/birth", format); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a stale version: %v", err)
	}
	missing, e := next(record("B9", 1), "register", "registered", 2)
	if err := s.NumberRecord(ctx, missing, e, "number/birth", format); !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing record: %v", err)
	}
	if seq, err := s.NextSequence(ctx, "number/birth"); err != nil || seq != 5 {
		t.Errorf("the counter: %d %v, want 5", seq, err)
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
		if id == "A3" {
			r.Documents = []string{docA, docB} // the others docA only; D1 none
		}
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
	d.Event, d.Names, d.Title, d.Documents = "death", store.NameKeys("Kofi", "Mensah"), "Kofi Mensah", nil
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
		{"a document", store.Query{Document: docA}, []string{"A4", "A3", "A2", "A1"}},
		{"another document", store.Query{Document: docB}, []string{"A3"}},
		{"a document, within an office", store.Query{Document: docB, Office: "O1"}, nil},
		{"a document nobody references", store.Query{Document: store.DocumentID(nil)}, nil},
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
	if r := p.Records[0]; r.Number != "N-A2" || !slices.Equal(r.Flags, []string{"late"}) || r.Title == "" || r.Office != "O1" || r.Version != 1 || string(r.Data) == "" ||
		!slices.Equal(r.Documents, []string{docA}) {
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
	r.Documents = []string{docA, docB}
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
		{"a document added", store.Query{Document: docB}, []string{"U1"}},
		{"a document kept", store.Query{Document: docA}, []string{"U2", "U1"}},
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

// upload is a document of a user, as the runtime saves it.
func upload(user, name string, data []byte, minute int) *store.Document {
	return &store.Document{User: user, Type: "application/pdf", Name: name, Data: data, Created: at(minute)}
}

// save saves a document, failing the test unless the store says whether the upload is new as
// expected.
func save(t *testing.T, s store.Store, d *store.Document, created bool) *store.Document {
	t.Helper()
	saved, isNew, err := s.SaveDocument(ctx, d)
	must(t, err)
	if isNew != created {
		t.Errorf("%s saves %q: created %v, want %v", d.User, d.Name, isNew, created)
	}
	return saved
}

// sameDocument compares a document read with what is expected of it (times to the
// millisecond, the bytes only when want has them).
func sameDocument(t *testing.T, what string, got *store.Document, want store.Document) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no document", what)
	}
	if got.ID != want.ID || got.User != want.User || got.Type != want.Type || got.Name != want.Name || got.Size != want.Size ||
		!got.Created.Equal(want.Created) || got.Created.Location() != time.UTC {
		t.Errorf("%s:\n got %s %s %s %q %d %v\nwant %s %s %s %q %d %v", what, got.ID, got.User, got.Type, got.Name, got.Size, got.Created,
			want.ID, want.User, want.Type, want.Name, want.Size, want.Created)
	}
	if want.Data == nil && got.Data != nil {
		t.Errorf("%s: read with its bytes", what)
	}
	if want.Data != nil && !bytes.Equal(got.Data, want.Data) {
		t.Errorf("%s: %d bytes read back, not the %d saved", what, len(got.Data), len(want.Data))
	}
}

// pdfBytes is a document's content: every byte value, NUL and invalid UTF-8 included, which a
// store must keep as bytes, not as text.
func pdfBytes(seed string) []byte {
	b := []byte("%PDF-1.4\n% " + seed + "\n")
	for i := range 256 {
		b = append(b, byte(i))
	}
	return b
}

func testDocumentRoundTrip(t *testing.T, s store.Store) {
	data := pdfBytes("round trip")
	id := store.DocumentID(data)
	saved := save(t, s, upload("amina", "notification (1).pdf", data, 1), true)
	want := store.Document{ID: id, User: "amina", Type: "application/pdf", Name: "notification (1).pdf", Size: int64(len(data)), Created: at(1)}
	sameDocument(t, "saved", saved, want)
	got, err := s.Document(ctx, id)
	must(t, err)
	sameDocument(t, "read", got, store.Document{ID: id, Type: "application/pdf", Size: int64(len(data)), Data: data})
	up, err := s.DocumentUpload(ctx, id, "amina")
	must(t, err)
	sameDocument(t, "the upload", up, want)

	// No bytes at all are a document too (the runtime refuses it; the store keeps what it is given).
	empty := save(t, s, upload("amina", "empty.pdf", nil, 2), true)
	if empty.ID != store.DocumentID(nil) || empty.Size != 0 {
		t.Errorf("an empty document: %+v", empty)
	}
	got, err = s.Document(ctx, empty.ID)
	must(t, err)
	if len(got.Data) != 0 {
		t.Errorf("an empty document read back with %d bytes", len(got.Data))
	}
}

// The same bytes saved again by their uploader change nothing: the first upload stays.
func testDocumentSavedTwice(t *testing.T, s store.Store) {
	data := pdfBytes("twice")
	first := save(t, s, upload("amina", "scan.pdf", data, 1), true)
	again := upload("amina", "scan-again.pdf", data, 2)
	again.ID, again.Size = "sha256:forged", 1 // not read: the bytes say what they are
	second := save(t, s, again, false)
	sameDocument(t, "saved again", second, *first)
	if first.ID != store.DocumentID(data) || first.Size != int64(len(data)) {
		t.Errorf("saved as %s, %d bytes", first.ID, first.Size)
	}
	up, err := s.DocumentUpload(ctx, first.ID, "amina")
	must(t, err)
	if up.Name != "scan.pdf" || !up.Created.Equal(at(1)) {
		t.Errorf("after the second save: %q %v", up.Name, up.Created)
	}
	got, err := s.Document(ctx, first.ID)
	must(t, err)
	if !bytes.Equal(got.Data, data) {
		t.Errorf("after the second save: %d bytes read back", len(got.Data))
	}
}

func testDocumentNotFound(t *testing.T, s store.Store) {
	data := pdfBytes("someone's")
	save(t, s, upload("amina", "a.pdf", data, 1), true)
	for _, id := range []string{store.DocumentID([]byte("never saved")), "", `{"$ne":""}`, "sha256:%"} {
		if _, err := s.Document(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Document(%q): %v", id, err)
		}
		if _, err := s.DocumentUpload(ctx, id, "amina"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DocumentUpload(%q, amina): %v", id, err)
		}
	}
	// Stored, but not uploaded by bob.
	for _, user := range []string{"bob", "", `{"$ne":""}`} {
		if _, err := s.DocumentUpload(ctx, store.DocumentID(data), user); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DocumentUpload of amina's document by %q: %v", user, err)
		}
		if got, err := s.UploadedBy(ctx, user, []string{store.DocumentID(data)}); err != nil || len(got) != 0 {
			t.Errorf("UploadedBy %q: %v, %v", user, got, err)
		}
	}
	// Of several ids, those amina uploaded; of none, none.
	got, err := s.UploadedBy(ctx, "amina", []string{store.DocumentID([]byte("never saved")), store.DocumentID(data), `{"$ne":""}`})
	if err != nil || !slices.Equal(got, []string{store.DocumentID(data)}) {
		t.Errorf("UploadedBy amina: %v, %v", got, err)
	}
	if got, err := s.UploadedBy(ctx, "amina", nil); err != nil || len(got) != 0 {
		t.Errorf("UploadedBy of no ids: %v, %v", got, err)
	}
}

// A second user saving the same bytes becomes an uploader too, with their own name for the
// file; the bytes and the first upload stay as they were, and the content names neither.
func testDocumentOfTwoUsers(t *testing.T, s store.Store) {
	data := pdfBytes("shared")
	a := save(t, s, upload("amina", "from-amina.pdf", data, 1), true)
	bob := upload("bob", "from-bob.pdf", data, 2)
	bob.Type = "image/png"     // the content's type was found once
	b := save(t, s, bob, true) // bob's upload is new
	sameDocument(t, "bob's", b, store.Document{ID: a.ID, User: "bob", Type: "application/pdf", Name: "from-bob.pdf", Size: a.Size, Created: at(2)})
	for user, name := range map[string]string{"amina": "from-amina.pdf", "bob": "from-bob.pdf"} {
		if got, err := s.UploadedBy(ctx, user, []string{a.ID}); err != nil || !slices.Equal(got, []string{a.ID}) {
			t.Errorf("UploadedBy %s: %v, %v", user, got, err)
		}
		up, err := s.DocumentUpload(ctx, a.ID, user)
		must(t, err)
		if up.User != user || up.Name != name {
			t.Errorf("%s's upload: %s %q", user, up.User, up.Name)
		}
	}
	got, err := s.Document(ctx, a.ID)
	must(t, err)
	sameDocument(t, "the document", got, store.Document{ID: a.ID, Type: "application/pdf", Size: a.Size, Data: data})
}

// What a user saves and reads of a document whose bytes someone else uploaded first is their
// own upload: nothing they are given names the other's file, its time or its uploader, read
// with its bytes or without, saved once or again.
func testDocumentNameIsTheUploads(t *testing.T, s store.Store) {
	data := pdfBytes("same bytes, two people")
	amina := save(t, s, upload("amina", "amina-private-letter.pdf", data, 1), true)
	bob := save(t, s, upload("bob", "scan.pdf", data, 5), true)
	again := save(t, s, upload("bob", "scan-again.pdf", data, 6), false)
	up, err := s.DocumentUpload(ctx, amina.ID, "bob")
	must(t, err)
	content, err := s.Document(ctx, amina.ID)
	must(t, err)
	want := store.Document{ID: amina.ID, User: "bob", Type: "application/pdf", Name: "scan.pdf", Size: amina.Size, Created: at(5)}
	for what, got := range map[string]*store.Document{"bob's save": bob, "bob's save again": again, "bob's upload": up} {
		sameDocument(t, what, got, want)
	}
	for what, got := range map[string]*store.Document{"bob's save": bob, "bob's save again": again, "bob's upload": up, "the content": content} {
		if got.User == "amina" || strings.Contains(got.Name, "amina") || got.Created.Equal(at(1)) {
			t.Errorf("%s names amina's upload: %s %q %v", what, got.User, got.Name, got.Created)
		}
	}
	if content.User != "" || content.Name != "" || !content.Created.IsZero() {
		t.Errorf("the content names an upload: %q %q %v", content.User, content.Name, content.Created)
	}
	if _, err := s.DocumentUpload(ctx, amina.ID, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("carol, who uploaded nothing, has an upload: %v", err)
	}
	if up, err := s.DocumentUpload(ctx, amina.ID, "amina"); err != nil || up.Name != "amina-private-letter.pdf" || !up.Created.Equal(at(1)) {
		t.Errorf("amina's upload after bob's: %+v, %v", up, err)
	}
}

// Saves of the same bytes at once, by one user and by several, all succeed and agree.
func testDocumentSavedAtOnce(t *testing.T, s store.Store) {
	data := pdfBytes("at once")
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]*store.Document, n)
	created := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			got[i], created[i], errs[i] = s.SaveDocument(ctx, upload(fmt.Sprint("user", i%3), fmt.Sprint("copy", i, ".pdf"), data, 1))
		})
	}
	wg.Wait()
	names := map[string]string{}
	news := map[string]int{}
	for i := range n {
		if created[i] {
			news[got[i].User]++
		}
		if errs[i] != nil {
			t.Fatalf("save %d: %v", i, errs[i])
		}
		if got[i].ID != store.DocumentID(data) {
			t.Errorf("save %d: %s", i, got[i].ID)
		}
		// Each user has one upload: every save of theirs returns the same one.
		if name, seen := names[got[i].User]; seen && name != got[i].Name {
			t.Errorf("%s's saves returned uploads %q and %q", got[i].User, name, got[i].Name)
		}
		names[got[i].User] = got[i].Name
	}
	for user, name := range names {
		if news[user] != 1 {
			t.Errorf("%s's saves created %d uploads, want 1", user, news[user])
		}
		up, err := s.DocumentUpload(ctx, store.DocumentID(data), user)
		must(t, err)
		if up.Name != name {
			t.Errorf("%s's upload is %q, their saves said %q", user, up.Name, name)
		}
	}
}

// The largest document the runtime accepts is kept whole.
func testLargestDocument(t *testing.T, s store.Store) {
	data := make([]byte, store.MaxDocumentSize)
	copy(data, "%PDF-1.7\n")
	for i := 9; i < len(data); i++ {
		data[i] = byte(i * 7919 >> 3)
	}
	saved := save(t, s, upload("amina", "large.pdf", data, 1), true)
	got, err := s.Document(ctx, saved.ID)
	must(t, err)
	if !bytes.Equal(got.Data, data) || got.Size != store.MaxDocumentSize {
		t.Errorf("%d bytes saved, %d read back (size %d)", len(data), len(got.Data), got.Size)
	}
}

// oneWinner checks that of writers racing for one version at most one succeeded and the
// others were refused as conflicts, and returns the winner's index (-1: none won).
func oneWinner(t *testing.T, errs []error) int {
	t.Helper()
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
	return won
}
