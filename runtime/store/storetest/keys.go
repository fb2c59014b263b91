package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// RunKeys runs the suite's cases of duplicate keys only: a store's own tests check what they
// leave behind.
func RunKeys(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Keys", testKeys},
		{"KeysUpdated", testKeysUpdated},
		{"KeysSet", testKeysSet},
		{"IndexedBy", testIndexedBy},
		{"KeysPages", testKeysPages},
		{"KeyLimits", testKeyLimits},
		{"KeysAtOnce", testKeysAtOnce},
	} {
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

// keyed is a declared record holding keys.
func keyed(id string, minute int, keys ...string) *store.Record {
	r := record(id, minute)
	r.Keys = keys
	return r
}

// found is what a search for keys finds, failing the test on an error.
func found(t *testing.T, s store.Store, q store.Query) []string {
	t.Helper()
	p, err := s.Search(ctx, q)
	if err != nil {
		t.Errorf("keys %q: %v", q.Keys, err)
		return nil
	}
	return ids(p)
}

// Keys are read back as stored, by every read, and a search for keys finds the records
// holding any of them, each once, with what else the search asks; keys only ever match
// themselves.
func testKeys(t *testing.T, s store.Store) {
	odd := []string{`{"$gt":""}`, "%", "_", `"quoted"`, `a\b`, "two words", "é/ü", ".*", "dup-of:K1"}
	mk := func(r *store.Record, status string, flags ...string) {
		r.Status, r.Flags = status, flags
		if flags == nil {
			r.Flags = []string{}
		}
		must(t, s.CreateRecord(ctx, r))
	}
	mk(keyed("K1", 1, "k-a", "k-b", "dup-of:K9"), "declared")
	mk(keyed("K2", 2, "k-b", "k-c"), "validated", "late")
	k3 := keyed("K3", 3, "k-c", "k-d")
	k3.Event, k3.Office, k3.Areas, k3.Names = "death", "O2", []string{"D12", "R1"}, store.NameKeys("Kofi", "Mensah")
	mk(k3, "declared")
	k4 := keyed("K4", 4, "k-e", "k-a")
	k4.IdempotencyKey, k4.Number, k4.EventDate, k4.Documents = "idem-1", "N-K4", "2025-12-31", nil
	mk(k4, "registered", "late", "urgent")
	mk(record("K5", 5), "declared")
	mk(keyed("K6", 6, odd...), "declared")

	// Read back by every read.
	for _, r := range []*store.Record{keyed("K1", 1, "k-a", "k-b", "dup-of:K9"), keyed("K6", 6, odd...)} {
		got, err := s.Record(ctx, r.ID)
		must(t, err)
		if !slices.Equal(got.Keys, r.Keys) {
			t.Errorf("Record %s: keys %q, want %q", r.ID, got.Keys, r.Keys)
		}
		p, err := s.Search(ctx, store.Query{ID: r.ID})
		must(t, err)
		if len(p.Records) != 1 || !slices.Equal(p.Records[0].Keys, r.Keys) {
			t.Errorf("Search %s: %+v, want keys %q", r.ID, p.Records, r.Keys)
		}
	}
	if got, err := s.RecordByIdempotencyKey(ctx, "amina", "idem-1"); err != nil || !slices.Equal(got.Keys, []string{"k-e", "k-a"}) {
		t.Errorf("RecordByIdempotencyKey: %+v, %v", got, err)
	}
	if got, err := s.Record(ctx, "K5"); err != nil || len(got.Keys) != 0 {
		t.Errorf("a record without keys: %+v, %v", got, err)
	}
	// A record read through its keys comes whole, its keys with it.
	p, err := s.Search(ctx, store.Query{Keys: []string{"k-d"}})
	must(t, err)
	if len(p.Records) != 1 || p.Records[0].ID != "K3" || !slices.Equal(p.Records[0].Keys, []string{"k-c", "k-d"}) ||
		p.Records[0].Event != "death" || string(p.Records[0].Data) == "" || p.Records[0].History != nil {
		t.Errorf("found by its key: %+v", p.Records)
	}

	all := []string{"k-a", "k-b", "k-c", "k-d", "k-e"}
	for _, c := range []struct {
		name string
		q    store.Query
		want []string
	}{
		{"one key, one record", store.Query{Keys: []string{"k-d"}}, []string{"K3"}},
		{"one key, two records", store.Query{Keys: []string{"k-b"}}, []string{"K2", "K1"}},
		{"a record holding two of the keys, once", store.Query{Keys: []string{"k-a", "k-b"}}, []string{"K4", "K2", "K1"}},
		{"every key", store.Query{Keys: all}, []string{"K4", "K3", "K2", "K1"}},
		{"oldest first", store.Query{Keys: all, Oldest: true}, []string{"K1", "K2", "K3", "K4"}},
		{"a key nobody holds", store.Query{Keys: []string{"k-z"}}, nil},
		{"held and not held", store.Query{Keys: []string{"k-z", "k-d", "k-y"}}, []string{"K3"}},
		{"a key twice", store.Query{Keys: []string{"k-d", "k-d"}}, []string{"K3"}},
		{"a prefix of keys", store.Query{Keys: []string{"k"}}, nil},
		{"a link key", store.Query{Keys: []string{"dup-of:K9"}}, []string{"K1"}},
		{"a tracking ID is not a key", store.Query{Keys: []string{"K1"}}, nil},
		{"another record's idempotency key is not a key", store.Query{Keys: []string{"idem-1"}}, nil},
		{"an operator", store.Query{Keys: []string{`{"$gt":""}`}}, []string{"K6"}},
		{"a LIKE pattern", store.Query{Keys: []string{"%"}}, []string{"K6"}},
		{"a pattern of keys held", store.Query{Keys: []string{"k-%", "k-_", "k-.*"}}, nil},
		{"a regular expression", store.Query{Keys: []string{".*"}}, []string{"K6"}},
		{"with quotes", store.Query{Keys: []string{`"quoted"`}}, []string{"K6"}},
		{"with a backslash", store.Query{Keys: []string{`a\b`}}, []string{"K6"}},
		{"with a space", store.Query{Keys: []string{"two words"}}, []string{"K6"}},
		{"one of two words", store.Query{Keys: []string{"two"}}, nil},
		{"not ASCII", store.Query{Keys: []string{"é/ü"}}, []string{"K6"}},
		{"another case", store.Query{Keys: []string{"K-A"}}, nil},

		{"and an event", store.Query{Keys: all, Event: "birth"}, []string{"K4", "K2", "K1"}},
		{"and statuses", store.Query{Keys: all, Statuses: []string{"declared", "validated"}}, []string{"K3", "K2", "K1"}},
		{"and a status", store.Query{Keys: all, Statuses: []string{"registered"}}, []string{"K4"}},
		{"and flags", store.Query{Keys: all, Flags: []string{"late", "urgent"}}, []string{"K4"}},
		{"and no flags", store.Query{Keys: all, NoFlags: []string{"late"}}, []string{"K3", "K1"}},
		{"and none of two flags", store.Query{Keys: all, NoFlags: []string{"urgent", "late"}, Event: "birth"}, []string{"K1"}},
		{"and a flag's prefix is no flag", store.Query{Keys: all, NoFlags: []string{"lat"}}, []string{"K4", "K3", "K2", "K1"}},
		{"and an office", store.Query{Keys: all, Office: "O2"}, []string{"K3"}},
		{"and an area", store.Query{Keys: all, Area: "D11"}, []string{"K4", "K2", "K1"}},
		{"and an area's prefix is no area", store.Query{Keys: all, Area: "D1"}, nil},
		{"and a name", store.Query{Keys: all, Name: []string{"mensah"}}, []string{"K3"}},
		{"and prefixes of names", store.Query{Keys: all, Name: []string{"ama", "tar"}}, []string{"K4", "K2", "K1"}},
		{"and the middle of a name", store.Query{Keys: all, Name: []string{"arek"}}, nil},
		{"and a document", store.Query{Keys: all, Document: docA}, []string{"K3", "K2", "K1"}},
		{"and a tracking ID", store.Query{Keys: all, ID: "K2"}, []string{"K2"}},
		{"and another record's tracking ID", store.Query{Keys: []string{"k-a"}, ID: "K3"}, nil},
		{"and a number", store.Query{Keys: all, Number: "N-K4"}, []string{"K4"}},
		{"and dates", store.Query{Keys: all, From: "2025-01-01", To: "2025-12-31"}, []string{"K4"}},
		{"and everything at once", store.Query{Keys: all, Event: "birth", Statuses: []string{"declared", "validated"},
			NoFlags: []string{"urgent"}, Area: "R1", Office: "O1", Name: []string{"ama"}, Document: docA, From: "2026-01-01"}, []string{"K2", "K1"}},
		{"no keys: no condition", store.Query{Keys: []string{}, Statuses: []string{"registered"}}, []string{"K4"}},
	} {
		if got := found(t, s, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// SetIndex replaces a record's keys at its version, and nothing else of it: not its version,
// not its history, not its cells when it is given them again; a record changed since keeps
// the keys its change wrote. (testStatsMoved is its twin for cells.)
func testKeysSet(t *testing.T, s store.Store) {
	s1 := keyed("S1", 1, "a", "b")
	s1.Stats = []string{"cell"}
	must(t, s.CreateRecord(ctx, s1))
	must(t, s.SetIndex(ctx, "S1", 1, []string{"b", "c"}, s1.Stats, ""))
	got, err := s.Record(ctx, "S1")
	must(t, err)
	if !slices.Equal(got.Keys, []string{"b", "c"}) || got.Version != 1 || len(got.History) != 1 || !slices.Equal(got.Stats, s1.Stats) {
		t.Errorf("after SetIndex: keys %q, version %d, %d entries, cells %q", got.Keys, got.Version, len(got.History), got.Stats)
	}
	if c, err := s.Counts(ctx, []string{"cell"}); err != nil || c["cell"] != 1 || len(c) != 1 {
		t.Errorf("after SetIndex of the same cells: counts %v, %v", c, err)
	}
	for k, want := range map[string][]string{"a": nil, "b": {"S1"}, "c": {"S1"}} {
		if f := found(t, s, store.Query{Keys: []string{k}}); !slices.Equal(f, want) {
			t.Errorf("key %q finds %v, want %v", k, f, want)
		}
	}
	must(t, s.SetIndex(ctx, "S1", 1, nil, nil, ""))
	if f := found(t, s, store.Query{Keys: []string{"b", "c"}}); len(f) != 0 {
		t.Errorf("keys removed still find %v", f)
	}
	v2, e := next(got, "validate", "validated", 2)
	v2.Keys = []string{"d"}
	must(t, s.UpdateRecord(ctx, v2, e))
	if err := s.SetIndex(ctx, "S1", 1, []string{"stale"}, nil, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SetIndex at an old version: %v, want ErrConflict", err)
	}
	if f := found(t, s, store.Query{Keys: []string{"d"}}); !slices.Equal(f, []string{"S1"}) {
		t.Errorf("the update's keys find %v", f)
	}
	if err := s.SetIndex(ctx, "NOPE", 1, []string{"x"}, nil, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetIndex of no record: %v, want ErrNotFound", err)
	}
	if err := s.SetIndex(ctx, "S1", 2, make([]string, store.MaxRecordKeys+1), nil, ""); !errors.Is(err, store.ErrTooManyKeys) {
		t.Errorf("SetIndex of too many: %v, want ErrTooManyKeys", err)
	}
}

// A record keeps what says who indexed it (IndexedBy) through each write, and SetIndex
// replaces it even when the keys and cells stay as they were; a search for the records
// another stamp indexed finds those of every other stamp, and those that have none, in
// order, a page at a time, and with the other conditions of a search.
func testIndexedBy(t *testing.T, s store.Store) {
	for i, by := range []string{"v1", "", "v2", "v1"} {
		r := keyed(fmt.Sprintf("I%d", i+1), i+1, "k")
		r.IndexedBy = by
		must(t, s.CreateRecord(ctx, r))
	}
	if got, err := s.Record(ctx, "I1"); err != nil || got.IndexedBy != "v1" {
		t.Fatalf("created with v1: %q, %v", got.IndexedBy, err)
	}
	if got := found(t, s, store.Query{NotIndexedBy: "v2", Oldest: true}); !slices.Equal(got, []string{"I1", "I2", "I4"}) {
		t.Errorf("not by v2: %v, want I1 I2 I4", got)
	}
	p, err := s.Search(ctx, store.Query{NotIndexedBy: "v2", Oldest: true, Limit: 2})
	must(t, err)
	if got := ids(p); !slices.Equal(got, []string{"I1", "I2"}) || p.Next == "" {
		t.Fatalf("a page of 2: %v, next %q", got, p.Next)
	}
	// The first two stamped meanwhile: the next page goes on after them.
	for _, id := range []string{"I1", "I2"} {
		r, err := s.Record(ctx, id)
		must(t, err)
		must(t, s.SetIndex(ctx, id, r.Version, r.Keys, r.Stats, "v2"))
	}
	if got := found(t, s, store.Query{NotIndexedBy: "v2", Oldest: true, After: p.Next}); !slices.Equal(got, []string{"I4"}) {
		t.Errorf("the next page: %v, want I4", got)
	}
	if got := found(t, s, store.Query{NotIndexedBy: "v2", Keys: []string{"k"}, Statuses: []string{"declared"}}); !slices.Equal(got, []string{"I4"}) {
		t.Errorf("not by v2, with keys and a status: %v, want I4", got)
	}
	got, err := s.Record(ctx, "I2")
	must(t, err)
	if got.IndexedBy != "v2" || got.Version != 1 || !slices.Equal(got.Keys, []string{"k"}) {
		t.Errorf("after SetIndex with the same keys: by %q, version %d, keys %q", got.IndexedBy, got.Version, got.Keys)
	}
	// An update writes what it is given: another stamp, or none.
	v2, e := next(got, "validate", "validated", 9)
	v2.IndexedBy = "v3"
	must(t, s.UpdateRecord(ctx, v2, e))
	if got, err := s.Record(ctx, "I2"); err != nil || got.IndexedBy != "v3" {
		t.Errorf("updated with v3: %q, %v", got.IndexedBy, err)
	}
	if got := found(t, s, store.Query{NotIndexedBy: "v2", Oldest: true}); !slices.Equal(got, []string{"I2", "I4"}) {
		t.Errorf("not by v2 after the update: %v, want I2 I4", got)
	}
}

// A record's keys are replaced whole by each update that gives it others, and only by one
// that is taken: its old keys find it no more.
func testKeysUpdated(t *testing.T, s store.Store) {
	r := keyed("U1", 1, "a", "b")
	must(t, s.CreateRecord(ctx, r))
	must(t, s.CreateRecord(ctx, keyed("U2", 2, "b", "x")))
	check := func(when string, keys []string, want map[string][]string) {
		t.Helper()
		got, err := s.Record(ctx, "U1")
		must(t, err)
		if !slices.Equal(got.Keys, keys) {
			t.Errorf("%s: keys %q, want %q", when, got.Keys, keys)
		}
		for k, w := range want {
			if f := found(t, s, store.Query{Keys: []string{k}}); !slices.Equal(f, w) {
				t.Errorf("%s: key %q finds %v, want %v", when, k, f, w)
			}
		}
	}
	v2, e := next(r, "validate", "validated", 2)
	v2.Keys = []string{"b", "c", "c"}
	must(t, s.UpdateRecord(ctx, v2, e))
	check("replaced", []string{"b", "c", "c"}, map[string][]string{"a": nil, "b": {"U2", "U1"}, "c": {"U1"}, "x": {"U2"}})

	// An update that keeps them keeps them.
	v3, e := next(v2, "print", "validated", 3)
	must(t, s.UpdateRecord(ctx, v3, e))
	check("kept", []string{"b", "c", "c"}, map[string][]string{"b": {"U2", "U1"}, "c": {"U1"}})

	// A stale update, and one refused for its number, change none.
	stale, e := next(v2, "reject", "rejected", 4)
	stale.Keys = []string{"stale"}
	if err := s.UpdateRecord(ctx, stale, e); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale update: %v", err)
	}
	u2, err := s.Record(ctx, "U2")
	must(t, err)
	u2.History = nil
	taken, e := next(u2, "register", "registered", 4)
	taken.Number = "N1"
	must(t, s.UpdateRecord(ctx, taken, e))
	dup, e := next(v3, "register", "registered", 5)
	dup.Number, dup.Keys = "N1", []string{"refused"}
	if err := s.UpdateRecord(ctx, dup, e); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("an update with another record's number: %v", err)
	}
	check("refused", []string{"b", "c", "c"}, map[string][]string{"stale": nil, "refused": nil, "c": {"U1"}})

	// Numbering writes them as any update does.
	v4, e := next(v3, "register", "registered", 6)
	v4.Keys = []string{"c", "d"}
	must(t, s.NumberRecord(ctx, v4, e, "number/birth", func(seq int64) string { return fmt.Sprint("R", seq) }))
	check("numbered", []string{"c", "d"}, map[string][]string{"b": {"U2"}, "c": {"U1"}, "d": {"U1"}})

	// None at all.
	v5, e := next(v4, "correct", "registered", 7)
	v5.Keys = nil
	must(t, s.UpdateRecord(ctx, v5, e))
	check("removed", nil, map[string][]string{"c": nil, "d": nil, "b": {"U2"}})
	v6, e := next(v5, "correct", "registered", 8)
	v6.Keys = []string{"a"}
	must(t, s.UpdateRecord(ctx, v6, e))
	check("given again", []string{"a"}, map[string][]string{"a": {"U1"}, "c": nil})
}

// Records found by keys are paged as any search, in both orders, with what else the query
// asks: pages neither skip nor repeat.
func testKeysPages(t *testing.T, s store.Store) {
	var want []string
	for i := range 13 {
		id := fmt.Sprintf("P%02d", i)
		keys := []string{"shared", fmt.Sprint("own-", i)}
		if i%2 == 0 {
			keys = append(keys, "even") // a record holding two of the keys sought
		}
		r := keyed(id, i/3, keys...) // three records a minute, some in one millisecond
		if i%4 == 3 {
			r.Flags = []string{"duplicate"}
		} else {
			want = append(want, id)
		}
		must(t, s.CreateRecord(ctx, r))
	}
	must(t, s.CreateRecord(ctx, keyed("X1", 2, "other")))
	for _, oldest := range []bool{true, false} {
		var got []string
		q := store.Query{Keys: []string{"even", "shared", "other-not"}, NoFlags: []string{"duplicate"}, Event: "birth", Oldest: oldest, Limit: 3}
		for pages := 0; ; pages++ {
			p, err := s.Search(ctx, q)
			must(t, err)
			if len(p.Records) > 3 {
				t.Fatalf("a page of %d records, limit 3", len(p.Records))
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
}

// A record holds at most MaxRecordKeys keys and a query at most MaxQueryKeys: more is refused
// with ErrTooManyKeys, and nothing is written or drawn.
func testKeyLimits(t *testing.T, s store.Store) {
	many := func(prefix string, n int) []string {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("%s-%04d-%s", prefix, i, "0123456789abcdef")
		}
		return keys
	}
	full := keyed("L1", 1, many("l1", store.MaxRecordKeys)...)
	must(t, s.CreateRecord(ctx, full))
	if got := found(t, s, store.Query{Keys: full.Keys[store.MaxRecordKeys-1:]}); !slices.Equal(got, []string{"L1"}) {
		t.Errorf("the last of %d keys finds %v", store.MaxRecordKeys, got)
	}
	over := keyed("L2", 1, many("l2", store.MaxRecordKeys+1)...)
	if err := s.CreateRecord(ctx, over); !errors.Is(err, store.ErrTooManyKeys) {
		t.Errorf("a record of %d keys: %v", len(over.Keys), err)
	}
	if _, err := s.Record(ctx, "L2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused record was stored: %v", err)
	}

	u, e := next(full, "validate", "validated", 2)
	u.Keys = many("l1u", store.MaxRecordKeys+1)
	if err := s.UpdateRecord(ctx, u, e); !errors.Is(err, store.ErrTooManyKeys) {
		t.Errorf("an update to %d keys: %v", len(u.Keys), err)
	}
	if err := s.NumberRecord(ctx, u, e, "number/birth", func(seq int64) string { return fmt.Sprint("N", seq) }); !errors.Is(err, store.ErrTooManyKeys) {
		t.Errorf("a registration with %d keys: %v", len(u.Keys), err)
	}
	if got, err := s.Record(ctx, "L1"); err != nil || got.Version != 1 || len(got.Keys) != store.MaxRecordKeys {
		t.Errorf("after the refused updates: %v %v", got, err)
	}
	if seq, err := s.NextSequence(ctx, "number/birth"); err != nil || seq != 1 {
		t.Errorf("the refused registration drew a number: %d %v", seq, err)
	}

	// A query of MaxQueryKeys keys, one held, finds it once; one more key is refused.
	q := store.Query{Keys: append(many("nobody", store.MaxQueryKeys-2), full.Keys[0], full.Keys[7])}
	if got := found(t, s, q); !slices.Equal(got, []string{"L1"}) {
		t.Errorf("%d keys find %v", len(q.Keys), got)
	}
	q.Keys = append(q.Keys, "one more")
	if _, err := s.Search(ctx, q); !errors.Is(err, store.ErrTooManyKeys) {
		t.Errorf("a search for %d keys: %v", len(q.Keys), err)
	}
}

// 20 updates of one version of a record at once, each with keys of its own: the one taken
// left its keys, and no other's finds the record.
func testKeysAtOnce(t *testing.T, s store.Store) {
	r := keyed("B1", 1, "declared-with")
	must(t, s.CreateRecord(ctx, r))
	const n = 20
	won := updatesAtOnce(t, s, r, n, func(u *store.Record, i int) { u.Keys = []string{fmt.Sprint("writer-", i), "common"} })
	for i := range n {
		want := []string(nil)
		if i == won {
			want = []string{"B1"}
		}
		if got := found(t, s, store.Query{Keys: []string{fmt.Sprint("writer-", i)}}); !slices.Equal(got, want) {
			t.Errorf("writer %d's key (the winner %d) finds %v", i, won, got)
		}
	}
	if got := found(t, s, store.Query{Keys: []string{"common", "declared-with"}}); !slices.Equal(got, []string{"B1"}) {
		t.Errorf("after the updates: %v", got)
	}
	if got := found(t, s, store.Query{Keys: []string{"declared-with"}}); got != nil {
		t.Errorf("the key declared with finds %v", got)
	}
}

// updatesAtOnce runs n updates of version 1 of r at once, each changed by set with its
// number, and returns the number of the one the store took (failing the test unless exactly
// one was).
func updatesAtOnce(t *testing.T, s store.Store, r *store.Record, n int, set func(u *store.Record, i int)) int {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u, e := next(r, "validate", "validated", 2)
			set(u, i)
			errs[i] = s.UpdateRecord(ctx, u, e)
		})
	}
	wg.Wait()
	won := oneWinner(t, errs)
	if won < 0 {
		t.Fatal("no writer succeeded")
	}
	return won
}
