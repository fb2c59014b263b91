package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// RunStats runs the suite's cases of statistics cells and their counts only: a store's own
// tests check what they leave behind.
func RunStats(t *testing.T, open Open) {
	for _, tc := range statsCases {
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

var statsCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"StatsCreated", testStatsCreated},
	{"StatsMoved", testStatsMoved},
	{"StatsRefused", testStatsRefused},
	{"StatsPrefixes", testStatsPrefixes},
	{"StatsLimits", testStatsLimits},
	{"StatsAtOnce", testStatsAtOnce},
	{"StatsOneVersionAtOnce", testStatsOneVersionAtOnce},
}

// cell is a statistics cell as runtime/stats makes them: parts joined by "\x1f".
func cell(parts ...string) string { return strings.Join(parts, "\x1f") }

// counted is a record holding statistics cells.
func counted(id string, minute int, cells ...string) *store.Record {
	r := record(id, minute)
	r.Stats = cells
	return r
}

// counts are a store's counts of prefixes, failing the test on an error.
func counts(t *testing.T, s store.Store, prefixes ...string) map[string]int64 {
	t.Helper()
	c, err := s.Counts(ctx, prefixes)
	if err != nil {
		t.Fatalf("Counts %q: %v", prefixes, err)
	}
	return c
}

// wantCounts checks the counts of prefixes.
func wantCounts(t *testing.T, s store.Store, when string, prefixes []string, want map[string]int64) {
	t.Helper()
	got := counts(t, s, prefixes...)
	if want == nil {
		want = map[string]int64{}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: Counts %q = %v, want %v", when, prefixes, got, want)
	}
}

// A record's cells count on its creation, once each however often it names one; they are
// read back by every read, sorted and each once; Registered is read back as stored.
func testStatsCreated(t *testing.T, s store.Store) {
	wantCounts(t, s, "an empty store", []string{""}, nil)
	a := counted("C1", 1, cell("birth", "R1", "2026-03", "sex", "f"), cell("birth", "R1", "2026-03", "all"), cell("birth", "R1", "2026-03", "all"))
	must(t, s.CreateRecord(ctx, a))
	b := counted("C2", 2, cell("birth", "R1", "2026-03", "sex", "m"), cell("birth", "R1", "2026-03", "all"))
	b.Number, b.Registered, b.IdempotencyKey = "N-C2", at(3).Add(123*time.Millisecond), "idem-c2"
	must(t, s.CreateRecord(ctx, b))
	must(t, s.CreateRecord(ctx, record("C3", 3))) // no cells
	wantCounts(t, s, "created", []string{cell("birth", "R1")}, map[string]int64{
		cell("birth", "R1", "2026-03", "sex", "f"): 1,
		cell("birth", "R1", "2026-03", "sex", "m"): 1,
		cell("birth", "R1", "2026-03", "all"):      2,
	})

	wantA := []string{cell("birth", "R1", "2026-03", "all"), cell("birth", "R1", "2026-03", "sex", "f")}
	for _, c := range []struct {
		id         string
		stats      []string
		registered time.Time
	}{{"C1", wantA, time.Time{}}, {"C2", store.StatsSet(b.Stats), b.Registered}, {"C3", nil, time.Time{}}} {
		got, err := s.Record(ctx, c.id)
		must(t, err)
		if !slices.Equal(got.Stats, c.stats) || !got.Registered.Equal(c.registered) || !got.Registered.IsZero() && got.Registered.Location() != time.UTC {
			t.Errorf("Record %s: stats %q registered %v, want %q %v", c.id, got.Stats, got.Registered, c.stats, c.registered)
		}
		p, err := s.Search(ctx, store.Query{ID: c.id})
		must(t, err)
		if len(p.Records) != 1 || !slices.Equal(p.Records[0].Stats, c.stats) || !p.Records[0].Registered.Equal(c.registered) {
			t.Errorf("Search %s: %+v, want stats %q registered %v", c.id, p.Records, c.stats, c.registered)
		}
	}
	if got, err := s.RecordByIdempotencyKey(ctx, "amina", "idem-c2"); err != nil || !got.Registered.Equal(b.Registered) {
		t.Errorf("RecordByIdempotencyKey: %+v, %v", got, err)
	}
	// A declaration refused for its ID counts nothing.
	if err := s.CreateRecord(ctx, counted("C1", 4, cell("birth", "R1", "2026-03", "all"), "other")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("a record of a taken ID: %v", err)
	}
	wantCounts(t, s, "after a refused declaration", []string{"", cell("birth", "R1", "2026-03", "all")}, map[string]int64{
		cell("birth", "R1", "2026-03", "sex", "f"): 1,
		cell("birth", "R1", "2026-03", "sex", "m"): 1,
		cell("birth", "R1", "2026-03", "all"):      2,
	})
}

// Every write of a record moves its counts from the cells it held to those it holds: an
// update, a registration, SetIndex; cells no record holds any more are left out.
func testStatsMoved(t *testing.T, s store.Store) {
	r := counted("M1", 1, "x\x1fa", "x\x1fb")
	must(t, s.CreateRecord(ctx, r))
	must(t, s.CreateRecord(ctx, counted("M2", 2, "x\x1fb", "x\x1fc")))
	all := []string{"x"}
	wantCounts(t, s, "created", all, map[string]int64{"x\x1fa": 1, "x\x1fb": 2, "x\x1fc": 1})

	v2, e := next(r, "validate", "validated", 2)
	v2.Stats = []string{"x\x1fb", "x\x1fd", "x\x1fd"}
	must(t, s.UpdateRecord(ctx, v2, e))
	wantCounts(t, s, "updated", all, map[string]int64{"x\x1fb": 2, "x\x1fc": 1, "x\x1fd": 1})

	// An update that keeps them moves nothing.
	v3, e := next(v2, "print", "validated", 3)
	must(t, s.UpdateRecord(ctx, v3, e))
	wantCounts(t, s, "kept", all, map[string]int64{"x\x1fb": 2, "x\x1fc": 1, "x\x1fd": 1})

	// Registration: its cells are those of a registered record, and it is dated.
	v4, e := next(v3, "register", "registered", 4)
	v4.Stats, v4.Registered = []string{"x\x1fd", "x\x1fe"}, at(4)
	must(t, s.NumberRecord(ctx, v4, e, "number/birth", func(seq int64) string { return fmt.Sprint("R", seq) }))
	wantCounts(t, s, "numbered", all, map[string]int64{"x\x1fb": 1, "x\x1fc": 1, "x\x1fd": 1, "x\x1fe": 1})
	got, err := s.Record(ctx, "M1")
	must(t, err)
	if !got.Registered.Equal(at(4)) || !slices.Equal(got.Stats, []string{"x\x1fd", "x\x1fe"}) {
		t.Errorf("numbered: registered %v, stats %q", got.Registered, got.Stats)
	}
	// Kept by the updates after.
	v5, e := next(v4, "print", "registered", 5)
	must(t, s.UpdateRecord(ctx, v5, e))
	if got, err := s.Record(ctx, "M1"); err != nil || !got.Registered.Equal(at(4)) {
		t.Errorf("after an update: registered %v, %v", got.Registered, err)
	}

	// SetIndex: the cells only, the keys kept; then the keys only, the cells kept.
	v5.Keys = []string{"k"}
	must(t, s.SetIndex(ctx, "M1", 5, v5.Keys, []string{"x\x1fe", "x\x1ff"}, ""))
	wantCounts(t, s, "set", all, map[string]int64{"x\x1fb": 1, "x\x1fc": 1, "x\x1fe": 1, "x\x1ff": 1})
	must(t, s.SetIndex(ctx, "M1", 5, []string{"k2"}, []string{"x\x1ff", "x\x1fe"}, ""))
	wantCounts(t, s, "set again, the same cells", all, map[string]int64{"x\x1fb": 1, "x\x1fc": 1, "x\x1fe": 1, "x\x1ff": 1})
	got, err = s.Record(ctx, "M1")
	must(t, err)
	if got.Version != 5 || len(got.History) != 5 || !slices.Equal(got.Stats, []string{"x\x1fe", "x\x1ff"}) ||
		!slices.Equal(got.Keys, []string{"k2"}) || !got.Registered.Equal(at(4)) {
		t.Errorf("after SetIndex: version %d, %d entries, stats %q, keys %q, registered %v", got.Version, len(got.History), got.Stats, got.Keys, got.Registered)
	}
	// None at all.
	must(t, s.SetIndex(ctx, "M1", 5, nil, nil, ""))
	wantCounts(t, s, "removed", all, map[string]int64{"x\x1fb": 1, "x\x1fc": 1})
	v6, e := next(v5, "correct", "registered", 6)
	v6.Stats, v6.Keys = []string{"x\x1fb"}, nil
	must(t, s.UpdateRecord(ctx, v6, e))
	wantCounts(t, s, "given again", all, map[string]int64{"x\x1fb": 2, "x\x1fc": 1})
}

// Writes refused move nothing: a stale update, SetIndex or registration, an update taking
// another record's number, a SetIndex of no record.
func testStatsRefused(t *testing.T, s store.Store) {
	r := counted("F1", 1, "y\x1fa")
	must(t, s.CreateRecord(ctx, r))
	o := counted("F2", 2, "y\x1fo")
	must(t, s.CreateRecord(ctx, o))
	all := []string{"y"}
	want := map[string]int64{"y\x1fa": 1, "y\x1fo": 1}
	v2, e := next(r, "validate", "validated", 2)
	must(t, s.UpdateRecord(ctx, v2, e))

	stale, e := next(r, "validate", "validated", 2)
	stale.Stats = []string{"y\x1fstale"}
	if err := s.UpdateRecord(ctx, stale, e); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a stale update: %v", err)
	}
	if err := s.NumberRecord(ctx, stale, e, "number/birth", func(seq int64) string { return fmt.Sprint("R", seq) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a stale registration: %v", err)
	}
	if err := s.SetIndex(ctx, "F1", 1, nil, []string{"y\x1fstale"}, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a stale SetIndex: %v", err)
	}
	if err := s.SetIndex(ctx, "NOPE", 1, nil, []string{"y\x1fnone"}, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetIndex of no record: %v", err)
	}
	o2, e := next(o, "register", "registered", 3)
	o2.Number = "N1"
	o2.Stats = []string{"y\x1fo"}
	must(t, s.UpdateRecord(ctx, o2, e))
	dup, e := next(v2, "register", "registered", 4)
	dup.Number, dup.Stats = "N1", []string{"y\x1ftaken"}
	if err := s.UpdateRecord(ctx, dup, e); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("an update with another record's number: %v", err)
	}
	wantCounts(t, s, "after the refused writes", all, want)
	if got, err := s.Record(ctx, "F1"); err != nil || !slices.Equal(got.Stats, []string{"y\x1fa"}) || got.Version != 2 {
		t.Errorf("the record after the refused writes: %+v, %v", got, err)
	}
}

// A prefix counts the cells that begin with it, whatever characters they hold; several
// prefixes count each cell once.
func testStatsPrefixes(t *testing.T, s store.Store) {
	cells := []string{
		"a", "a\x1fb", "a\x1fb\x1fc", "a\x1fb\x1fd", "a\x1fbc", "a\x1fc", "a\x1fc\x1fb", "ab", "b", "a\x1e", "a\x20",
		"é", "é\x1fz", "ê", "ÿ", "ÿ\x1f1", "Ā", "\u00ff\u00ff", "日本\x1f東京", "日本\x1f大阪", "日本", "日", "😀\x1f1", "😁",
		"\U0010FFFF", "\U0010FFFF\x1fx", "a\U0010FFFF", "a\U0010FFFF\x1f", "bc", "$gt", "%", ".*", `{"$gt":""}`,
		"\ufffd", "\ud7ff", "\ue000",
	}
	for i, c := range cells {
		// Each cell held by i%3+1 records.
		for j := range i%3 + 1 {
			must(t, s.CreateRecord(ctx, counted(fmt.Sprintf("P%02d-%d", i, j), i, c)))
		}
	}
	n := func(c string) int64 { return int64(slices.Index(cells, c)%3 + 1) }
	of := func(cs ...string) map[string]int64 {
		m := map[string]int64{}
		for _, c := range cs {
			m[c] = n(c)
		}
		return m
	}
	for _, c := range []struct {
		name     string
		prefixes []string
		want     map[string]int64
	}{
		{"none", nil, nil},
		{"a whole cell and those it begins", []string{"a\x1fb"}, of("a\x1fb", "a\x1fb\x1fc", "a\x1fb\x1fd", "a\x1fbc")},
		{"to the separator", []string{"a\x1fb\x1f"}, of("a\x1fb\x1fc", "a\x1fb\x1fd")},
		{"one cell", []string{"a\x1fb\x1fc"}, of("a\x1fb\x1fc")},
		{"not the next one", []string{"a\x1fc"}, of("a\x1fc", "a\x1fc\x1fb")},
		{"a control character", []string{"a\x1e"}, of("a\x1e")},
		{"several at once", []string{"a\x1fb\x1fc", "b", "é"}, of("a\x1fb\x1fc", "b", "bc", "é", "é\x1fz")},
		{"overlapping", []string{"a\x1f", "a\x1fb", "a\x1fb\x1fd", "a\x1f"}, of("a\x1fb", "a\x1fb\x1fc", "a\x1fb\x1fd", "a\x1fbc", "a\x1fc", "a\x1fc\x1fb")},
		{"a letter", []string{"a"}, of("a", "a\x1fb", "a\x1fb\x1fc", "a\x1fb\x1fd", "a\x1fbc", "a\x1fc", "a\x1fc\x1fb", "ab", "a\x1e", "a\x20", "a\U0010FFFF", "a\U0010FFFF\x1f")},
		{"two bytes, last byte 0xA9", []string{"é"}, of("é", "é\x1fz")},
		{"two bytes, last byte 0xBF", []string{"ÿ"}, of("ÿ", "ÿ\x1f1", "\u00ff\u00ff")},
		{"three bytes", []string{"日本"}, of("日本\x1f東京", "日本\x1f大阪", "日本")},
		{"three bytes, the separator", []string{"日本\x1f"}, of("日本\x1f東京", "日本\x1f大阪")},
		{"four bytes", []string{"😀"}, of("😀\x1f1")},
		{"the last character", []string{"\U0010FFFF"}, of("\U0010FFFF", "\U0010FFFF\x1fx")},
		{"after the last character", []string{"a\U0010FFFF"}, of("a\U0010FFFF", "a\U0010FFFF\x1f")},
		{"before the surrogates", []string{"\ud7ff"}, of("\ud7ff")},
		{"the replacement character", []string{"\ufffd"}, of("\ufffd")},
		{"operators are text", []string{"$", "{", "%", "."}, of("$gt", `{"$gt":""}`, "%", ".*")},
		{"nobody's", []string{"zz", "a\x1fz", "c"}, nil},
		{"everything", []string{""}, of(cells...)},
	} {
		wantCounts(t, s, c.name, c.prefixes, c.want)
	}
}

// A record holds at most MaxRecordStats cells, and Counts reads at most MaxCountPrefixes
// prefixes: more is refused with ErrTooManyStats, as is a cell that is not UTF-8 text, and
// nothing is written or drawn.
func testStatsLimits(t *testing.T, s store.Store) {
	many := func(prefix string, n int) []string {
		cells := make([]string, n)
		for i := range cells {
			cells[i] = cell(prefix, fmt.Sprintf("%04d", i))
		}
		return cells
	}
	full := counted("L1", 1, many("l1", store.MaxRecordStats)...)
	must(t, s.CreateRecord(ctx, full))
	if c := counts(t, s, "l1"); len(c) != store.MaxRecordStats {
		t.Errorf("a record of %d cells counts in %d", store.MaxRecordStats, len(c))
	}
	for _, bad := range [][]string{many("l2", store.MaxRecordStats+1), {"ok", "nul\x00"}, {"\xff"}} {
		if err := s.CreateRecord(ctx, counted("L2", 1, bad...)); err == nil {
			t.Errorf("a record of cells %.40q was stored", bad)
		}
		u, e := next(full, "validate", "validated", 2)
		u.Stats = bad
		if err := s.UpdateRecord(ctx, u, e); err == nil {
			t.Errorf("an update to cells %.40q was taken", bad)
		}
		if err := s.NumberRecord(ctx, u, e, "number/birth", func(seq int64) string { return fmt.Sprint("N", seq) }); err == nil {
			t.Errorf("a registration with cells %.40q was taken", bad)
		}
		if err := s.SetIndex(ctx, "L1", 1, []string{"k"}, bad, ""); err == nil {
			t.Errorf("SetIndex of cells %.40q was taken", bad)
		}
	}
	over := many("l1u", store.MaxRecordStats+1)
	if err := s.CreateRecord(ctx, counted("L3", 1, over...)); !errors.Is(err, store.ErrTooManyStats) {
		t.Errorf("a record of %d cells: %v", len(over), err)
	}
	if err := s.SetIndex(ctx, "L1", 1, nil, over, ""); !errors.Is(err, store.ErrTooManyStats) {
		t.Errorf("SetIndex of %d cells: %v", len(over), err)
	}
	for _, id := range []string{"L2", "L3"} {
		if _, err := s.Record(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused record %s was stored: %v", id, err)
		}
	}
	if got, err := s.Record(ctx, "L1"); err != nil || got.Version != 1 || len(got.Stats) != store.MaxRecordStats || len(got.Keys) != 0 {
		t.Errorf("after the refused writes: %v %v", got, err)
	}
	if c := counts(t, s, ""); len(c) != store.MaxRecordStats || c[full.Stats[0]] != 1 {
		t.Errorf("after the refused writes, %d cells counted", len(c))
	}
	if seq, err := s.NextSequence(ctx, "number/birth"); err != nil || seq != 1 {
		t.Errorf("a refused registration drew a number: %d %v", seq, err)
	}

	// MaxCountPrefixes prefixes are read; one more is refused, as is a prefix that is not text.
	prefixes := append(many("nobody", store.MaxCountPrefixes-1), cell("l1", "0007"))
	wantCounts(t, s, fmt.Sprint(len(prefixes), " prefixes"), prefixes, map[string]int64{cell("l1", "0007"): 1})
	if _, err := s.Counts(ctx, append(prefixes, "one more")); !errors.Is(err, store.ErrTooManyStats) {
		t.Errorf("Counts of %d prefixes: %v", len(prefixes)+1, err)
	}
	if _, err := s.Counts(ctx, []string{"l1", "\xff"}); err == nil {
		t.Errorf("Counts of a prefix that is not UTF-8 answered")
	}
}

// Writers at once, each on records of its own, declaring and updating: the counts are exact.
func testStatsAtOnce(t *testing.T, s store.Store) {
	const writers, each = 8, 6
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := counted(fmt.Sprintf("W%d-%d", w, i), i, "z\x1fall", cell("z", "w", fmt.Sprint(w)), cell("z", "i", fmt.Sprint(i)))
				if err := s.CreateRecord(ctx, r); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 1 {
					// Odd records move from their i to "moved", and leave "all".
					u, e := next(r, "validate", "validated", 2)
					u.Stats = []string{cell("z", "w", fmt.Sprint(w)), "z\x1fmoved"}
					if err := s.UpdateRecord(ctx, u, e); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	want := map[string]int64{"z\x1fall": writers * each / 2, "z\x1fmoved": writers * each / 2}
	for w := range writers {
		want[cell("z", "w", fmt.Sprint(w))] = each
	}
	for i := 0; i < each; i += 2 {
		want[cell("z", "i", fmt.Sprint(i))] = writers
	}
	wantCounts(t, s, "after the writers", []string{"z"}, want)
}

// 20 updates of one version of a record at once, each with cells of its own: the one taken
// is counted, no other.
func testStatsOneVersionAtOnce(t *testing.T, s store.Store) {
	r := counted("O1", 1, "v\x1fdeclared")
	must(t, s.CreateRecord(ctx, r))
	won := updatesAtOnce(t, s, r, 20, func(u *store.Record, i int) {
		u.Stats = []string{fmt.Sprint("v\x1fwriter-", i), "v\x1fcommon"}
	})
	wantCounts(t, s, "after the updates", []string{"v"}, map[string]int64{fmt.Sprint("v\x1fwriter-", won): 1, "v\x1fcommon": 1})
}
