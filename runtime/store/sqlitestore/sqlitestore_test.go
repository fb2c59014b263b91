package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestLayout: a file this crvsctl did not lay out is refused, not misread.
func TestLayout(t *testing.T) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"earlier", `CREATE TABLE records (id TEXT)`, "made by an earlier crvsctl"},
		{"newer", `PRAGMA user_version = 99`, "made by a newer crvsctl"},
		{"layout 1 before documents", `CREATE TABLE records (id TEXT); PRAGMA user_version = 1`, "from before documents"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := sql.Open("sqlite", filepath.Join(dir, "crvsctl.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if s, err := Open(dir); err == nil || !strings.Contains(err.Error(), c.want) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open: %v, want %q", err, c.want)
			}
		})
	}
	// Its own layout opens again.
	dir := t.TempDir()
	for range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

// keyRows checks that record_keys holds the rows of the records' keys, no more and no fewer:
// one per distinct key hash of each record.
func keyRows(t *testing.T, s *Store) {
	t.Helper()
	want := map[[2]int64]bool{}
	rows, err := s.r.Query(`SELECT seq, keys FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var list string
		if err := rows.Scan(&seq, &list); err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := json.Unmarshal([]byte(list), &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			want[[2]int64{keyHash(k), seq}] = true
		}
	}
	got := map[[2]int64]bool{}
	index, err := s.r.Query(`SELECT key, record FROM record_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer index.Close()
	for index.Next() {
		var row [2]int64
		if err := index.Scan(&row[0], &row[1]); err != nil {
			t.Fatal(err)
		}
		got[row] = true
	}
	if !maps.Equal(got, want) {
		t.Errorf("record_keys holds %d rows, the records' keys %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
}

// TestKeyRows: the conformance suite's keys cases, after which record_keys holds the rows of
// the records' keys, no more (a key replaced leaves no row, which searches would only pass
// over) and no fewer.
func TestKeyRows(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) store.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return checkedKeys{s, t}
	})
}

// checkedKeys is a store whose record_keys and stat_counts are checked when the suite closes
// it.
type checkedKeys struct {
	*Store
	t *testing.T
}

func (c checkedKeys) Close() error {
	keyRows(c.t, c.Store)
	statRows(c.t, c.Store)
	return c.Store.Close()
}

// TestKeyCollision: a record found in record_keys under the hash of a key it does not hold
// (two keys of one hash) is not returned.
func TestKeyCollision(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i, keys := range [][]string{{"mine"}, {"theirs"}} {
		at := time.UnixMilli(int64(1000 * (i + 1)))
		r := &store.Record{ID: fmt.Sprint("A", i), Event: "birth", Bundle: "b", Status: "declared", Data: json.RawMessage(`{}`), Office: "O1",
			Keys: keys, Version: 1, Created: at, Updated: at, CreatedBy: "u"}
		if err := s.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A1 ("theirs") is filed under the hash of "mine" too, as if the two keys shared it.
	if err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO record_keys (key, record) SELECT ?, seq FROM records WHERE id = 'A1'`, keyHash("mine"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.Query{{Keys: []string{"mine"}}, {Keys: []string{"mine"}, Oldest: true}, {Keys: []string{"mine"}, Event: "birth"}} {
		p, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Records) != 1 || p.Records[0].ID != "A0" || p.Next != "" {
			t.Errorf("%+v: %+v", q, p)
		}
	}
}

// TestKeysPlan: a search for keys seeks each key in record_keys and then the records found,
// whatever else it asks, and never scans a table.
func TestKeysPlan(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	at := time.UnixMilli(1000)
	r := &store.Record{ID: "A1", Event: "birth", Bundle: "b", Status: "declared", Data: json.RawMessage(`{}`), Office: "O1",
		Keys: []string{"a"}, Version: 1, Created: at, Updated: at, CreatedBy: "u"}
	if err := s.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	after := store.Cursor{Created: 1000, ID: "A1"}.String()
	for _, q := range []store.Query{
		{Keys: []string{"a", "b"}},
		{Keys: []string{"a"}, Oldest: true, After: after},
		{Keys: []string{"a", "b", "c"}, Event: "birth", Statuses: []string{"declared", "validated"}, NoFlags: []string{"duplicate"},
			Flags: []string{"late"}, Name: []string{"ama"}, Office: "O1", Area: "R1", Document: "sha256:00", ID: "A1", Number: "N1",
			From: "2026-01-01", To: "2026-12-31", After: after},
	} {
		query, args, err := s.searchQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		seeks := 0
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
			switch {
			case strings.HasPrefix(detail, "SEARCH k USING PRIMARY KEY (key=?"): // with the cursor's bound too
				seeks++
			case detail == "SCAN k" && parent == 0: // the keys' records, found
			case strings.HasPrefix(detail, "SCAN ") && !strings.Contains(detail, "VIRTUAL TABLE"):
				t.Errorf("%+v: %s", q, detail)
			}
		}
		rows.Close()
		if seeks != 1 {
			t.Errorf("%+v: the plan is not by record_keys and records' seq:\n%s", q, strings.Join(plan, "\n"))
		}
	}
	// An update deletes the rows of the keys it drops by seeking each.
	var id, parent, unused int
	var detail string
	if err := s.r.QueryRowContext(ctx, `EXPLAIN QUERY PLAN `+deleteKeys, 1, `[1, 2]`).Scan(&id, &parent, &unused, &detail); err != nil ||
		detail != "SEARCH record_keys USING PRIMARY KEY (key=? AND record=?)" {
		t.Errorf("deleting keys: %s, %v", detail, err)
	}
}

// TestLayout1: a file of layout 1, from before the duplicate keys, opens: it gains them, keeps
// its record (searchable as before, with no keys until an update gives it some) and the
// indexes of Prune, and is of this layout from then on (see TestLayout2 for layout 3).
func TestLayout1(t *testing.T) {
	dir := t.TempDir()
	ddl, err := os.ReadFile(filepath.Join("testdata", "layout1.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "crvsctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ctx := context.Background()
	for open := range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("open %d: %v", open, err)
		}
		var version, indexes int
		if err := s.r.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion {
			t.Errorf("open %d: layout %d, %v", open, version, err)
		}
		if err := s.r.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('sessions_expires', 'failures_at')`).Scan(&indexes); err != nil || indexes != 2 {
			t.Errorf("open %d: %d of the indexes of Prune, %v", open, indexes, err)
		}
		keys := []string(nil) // then those the update gave it
		if open > 0 {
			keys = []string{"k1", "k2"}
		}
		r, err := s.Record(ctx, "A1")
		if err != nil || r.Title != "Ama Tarek" || !slices.Equal(r.Keys, keys) || len(r.History) != 1+open || !slices.Equal(r.Flags, []string{"late"}) {
			t.Fatalf("open %d: the record kept: %+v, %v", open, r, err)
		}
		p, err := s.Search(ctx, store.Query{Name: []string{"tar"}, Statuses: []string{"declared"}, NoFlags: []string{"urgent"}})
		if err != nil || len(p.Records) != 1 {
			t.Errorf("open %d: a search: %+v, %v", open, p, err)
		}
		if open == 0 {
			r.History = nil
			r.Version, r.Keys = 2, []string{"k1", "k2"}
			if err := s.UpdateRecord(ctx, r, store.Entry{Version: 2, Action: "validate", User: "u", At: time.UnixMilli(2000)}); err != nil {
				t.Fatal(err)
			}
			at := time.UnixMilli(3000)
			if err := s.CreateRecord(ctx, &store.Record{ID: "A2", Event: "birth", Bundle: "b", Status: "declared", Data: json.RawMessage(`{}`),
				Keys: []string{"k2", "k3"}, Version: 1, Created: at, Updated: at, CreatedBy: "u"}); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := s.Search(ctx, store.Query{Keys: []string{"k1", "k2"}}); err != nil || !slices.Equal(ids(p), []string{"A2", "A1"}) {
			t.Errorf("open %d: keys find %v, %v", open, ids(p), err)
		}
		keyRows(t, s)
		statRows(t, s)
		s.Close()
	}
}

// TestLayout2: a file of layout 2, from before the statistics cells, opens: it gains them
// and their counts, keeps its record (its keys, its number, no cells nor registration time
// until the runtime gives them), and is of this layout from then on (bundles kept too); the counts follow the cells
// given after.
func TestLayout2(t *testing.T) {
	dir := t.TempDir()
	ddl, err := os.ReadFile(filepath.Join("testdata", "layout2.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "crvsctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ctx := context.Background()
	registered := time.UnixMilli(5000).UTC()
	for open := range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("open %d: %v", open, err)
		}
		var version int
		if err := s.r.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion {
			t.Errorf("open %d: layout %d, %v", open, version, err)
		}
		// Layout 4's bundles, kept from then on.
		if err := s.KeepBundle(ctx, store.BundleInfo{Hash: "sha256:b", Version: "1.0.0", Served: registered}, []byte("{}")); err != nil {
			t.Errorf("open %d: keeping a bundle: %v", open, err)
		}
		r, err := s.Record(ctx, "A1")
		if err != nil {
			t.Fatalf("open %d: %v", open, err)
		}
		cells, at := []string(nil), time.Time{} // then those SetIndex and the update gave it
		if open > 0 {
			cells, at = []string{"birth\x1fR1", "birth\x1fR1\x1ff"}, registered
		}
		if r.Title != "Ama Tarek" || r.Number != "N1" || !slices.Equal(r.Keys, []string{"k1", "k2"}) || len(r.History) != 2+open ||
			!slices.Equal(r.Stats, cells) || !r.Registered.Equal(at) {
			t.Fatalf("open %d: the record kept: %+v", open, r)
		}
		if p, err := s.Search(ctx, store.Query{Keys: []string{"k2"}, Statuses: []string{"registered"}}); err != nil || !slices.Equal(ids(p), []string{"A1"}) {
			t.Errorf("open %d: keys find %v, %v", open, ids(p), err)
		}
		if open == 0 {
			if c, err := s.Counts(ctx, []string{""}); err != nil || len(c) != 0 {
				t.Errorf("the counts of a file of layout 2: %v, %v", c, err)
			}
			// Rekey's SetIndex gives the record its cells; an update then dates it.
			if err := s.SetIndex(ctx, "A1", 2, r.Keys, []string{"birth\x1fR1\x1ff", "birth\x1fR1"}, ""); err != nil {
				t.Fatal(err)
			}
			r.History, r.Version, r.Registered, r.Stats = nil, 3, registered, []string{"birth\x1fR1", "birth\x1fR1\x1ff"}
			if err := s.UpdateRecord(ctx, r, store.Entry{Version: 3, Action: "print", User: "u", At: time.UnixMilli(6000)}); err != nil {
				t.Fatal(err)
			}
		}
		if c, err := s.Counts(ctx, []string{"birth\x1f"}); err != nil || !maps.Equal(c, map[string]int64{"birth\x1fR1": 1, "birth\x1fR1\x1ff": 1}) {
			t.Errorf("open %d: counts %v, %v", open, c, err)
		}
		keyRows(t, s)
		statRows(t, s)
		s.Close()
	}
}

// statRows checks that stat_counts holds the counts of the records' cells: for each cell
// some record holds, how many hold it, and no other row.
func statRows(t *testing.T, s *Store) {
	t.Helper()
	want := map[string]int64{}
	rows, err := s.r.Query(`SELECT stats FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var list string
		if err := rows.Scan(&list); err != nil {
			t.Fatal(err)
		}
		var cells []string
		if err := json.Unmarshal([]byte(list), &cells); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cells, store.StatsSet(cells)) {
			t.Errorf("a record's cells are not a set: %q", cells)
		}
		for _, c := range cells {
			want[c]++
		}
	}
	got := map[string]int64{}
	counts, err := s.r.Query(`SELECT cell, n FROM stat_counts`)
	if err != nil {
		t.Fatal(err)
	}
	defer counts.Close()
	for counts.Next() {
		var c string
		var n int64
		if err := counts.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		got[c] = n
	}
	if !maps.Equal(got, want) {
		t.Errorf("stat_counts holds %d cells, the records %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
}

// TestStatRows: the conformance suite's cases of statistics cells (and of keys, whose
// SetIndex moves cells too), after which stat_counts holds the counts of the records' cells,
// no more (a cell no record holds has no row) and no fewer.
func TestStatRows(t *testing.T) {
	open := func(t *testing.T) store.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return checkedKeys{s, t}
	}
	storetest.RunStats(t, open)
	storetest.RunKeys(t, open)
}

// TestCountsPlan: Counts seeks each prefix in stat_counts' key and reads its range, never
// scanning the table.
func TestCountsPlan(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		q    string
		args []any
		want string
	}{
		{countsBetween, []any{"a\x1f", "a\x20"}, "SEARCH stat_counts USING PRIMARY KEY (cell>? AND cell<?)"},
		{countsFrom, []any{"\U0010FFFF"}, "SEARCH stat_counts USING PRIMARY KEY (cell>?)"},
		{dropCounts, []any{`["a"]`}, "SEARCH stat_counts USING PRIMARY KEY (cell=?)"},
		{subtractCounts, []any{`["a"]`}, "SEARCH stat_counts USING PRIMARY KEY (cell=?)"},
	} {
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+c.q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !slices.Contains(plan, c.want) {
			t.Errorf("%s:\n%s", c.q, strings.Join(plan, "\n"))
		}
	}
}

func ids(p store.Page) []string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return out
}

// TestForgedCursor: a cursor naming a record at another time than the record's is refused.
func TestForgedCursor(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	r := &store.Record{ID: "A1", Event: "birth", Bundle: "b", Status: "declared", Data: json.RawMessage(`{}`), Office: "O1",
		Version: 1, Created: time.UnixMilli(1000), Updated: time.UnixMilli(1000), CreatedBy: "u"}
	if err := s.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.Cursor{{Created: 999, ID: "A1"}, {Created: 1000, ID: "nobody"}} {
		if _, err := s.Search(ctx, store.Query{After: c.String()}); err != store.ErrBadCursor {
			t.Errorf("cursor %+v: %v", c, err)
		}
	}
}

// BenchmarkSearchByName searches by given and family name among 200,000 records, as a
// national registrar (everywhere) and as an office's registrar; then, -typo, with a letter of
// the family name dropped, as records.Service.Search does it (store.SearchNames: the search
// finds nothing, the near names are read through the keys). `go run ./internal/loadgen seed`
// and `run -mode search` measure the same over HTTP with a million records.
func BenchmarkSearchByName(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	given := strings.Fields("Ama Kofi Selam Abebe Lidya Tomas Saba Yara Oren Ilena Samuel Amina Yusuf Mariam Daniel Hana Elias Ruth Nahom Meron")
	family := strings.Fields("Tarek Mensah Diallo Haile Tesfamor Belcourt Odhiro Marvosa Verhane Ekwaro Rinaldor Kostuna Abera Girma Tadesse")
	data := json.RawMessage(`{"child.name":{"given":"x","family":"y"},"child.dob":"2026-02-27","padding":"` + strings.Repeat("x", 700) + `"}`)
	const n, offices = 200_000, 50
	var wg sync.WaitGroup
	// Seeded by many writers at once, so that batches are large: a commit syncs the log.
	const writers = 128
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(1, uint64(w)))
			for i := w; i < n; i += writers {
				g, f := given[r.IntN(len(given))]+" "+given[r.IntN(len(given))], family[r.IntN(len(family))]
				at := time.Unix(1_600_000_000, 0).Add(time.Duration(i) * time.Minute)
				o := fmt.Sprintf("O%02d", r.IntN(offices))
				rec := &store.Record{ID: fmt.Sprintf("R%07d", i), Event: "birth", Bundle: "b", Status: "registered", Data: data,
					Office: o, Areas: []string{"D" + o, "R1"}, Title: g + " " + f, Names: store.NameKeys(g, f),
					Version: 1, Created: at, Updated: at, CreatedBy: "u"}
				rec.Keys = store.FuzzyKeys(rec.Names)
				if err := s.CreateRecord(ctx, rec); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, c := range []struct {
		name   string
		office string
		typo   bool
	}{{"nation", "", false}, {"office", "O07", false}, {"nation-typo", "", true}, {"office-typo", "O07", true}} {
		b.Run(c.name, func(b *testing.B) {
			i, found := 0, 0
			for b.Loop() {
				f := family[i/3%len(family)]
				if c.typo {
					f = f[:2] + f[3:]
				}
				q := store.Query{Name: store.NameKeys(given[i%len(given)] + " " + f), Office: c.office}
				p, err := store.SearchNames(ctx, s.Search, q)
				if err != nil {
					b.Fatal(err)
				}
				found += len(p.Records)
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "records/op")
		})
	}
}

// hold hands the committer a write that holds it until release is closed, and returns once
// the committer runs it.
func hold(t *testing.T, s *Store, release chan struct{}) (done chan error) {
	t.Helper()
	running, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.tx(context.Background(), func(context.Context, *sql.Tx) error {
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	return done
}

// queued waits until n callers wait to hand their writes over, parked in tx's select: the
// count of waiting is taken just before a caller parks, and a caller counted but not yet
// parked is not taken into the batch that starts then (the committer takes the callers that
// wait without waiting for more), which made TestHandedOverWriteCompletes fail now and then
// on a loaded machine.
func queued(s *Store, n int64) {
	buf := make([]byte, 1<<20)
	for {
		if s.waiting.Load() >= n {
			parked := int64(0)
			for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
				if strings.HasPrefix(g, "goroutine ") && strings.Contains(g, " [select") && strings.Contains(g, "sqlitestore.(*Store).tx(") {
					parked++
				}
			}
			if parked >= n {
				return
			}
		}
		runtime.Gosched()
	}
}

// TestHandedOverWriteCompletes: a write handed to the committer runs to its end though its
// caller gives up while it waits in the batch, and the batch's other writes with it. (Before,
// it ran with the caller's context: it failed, or, cancelled mid-statement, rolled back the
// whole batch: storetest's HangUps.)
func TestHandedOverWriteCompletes(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	at := time.UnixMilli(1000)
	r := &store.Record{ID: "A1", Event: "birth", Bundle: "b", Status: "declared", Data: json.RawMessage(`{}`), Office: "O1",
		Version: 1, Created: at, Updated: at, CreatedBy: "u"}
	if err := s.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	// The committer is held by a first write; a second that will hold it again, then a
	// client's update and another's declaration, queue behind it, in that order.
	releaseFirst, releaseSecond := make(chan struct{}), make(chan struct{})
	first := hold(t, s, releaseFirst)
	secondRunning, second := make(chan struct{}), make(chan error, 1)
	go func() {
		second <- s.tx(ctx, func(context.Context, *sql.Tx) error {
			close(secondRunning)
			<-releaseSecond
			return nil
		})
	}()
	queued(s, 1)
	hasty, hangUp := context.WithCancel(ctx)
	defer hangUp()
	u := *r
	u.Version, u.Status = 2, "validated"
	updated := make(chan error, 1)
	go func() {
		updated <- s.UpdateRecord(hasty, &u, store.Entry{Version: 2, Action: "validate", User: "u", At: at, Status: "validated"})
	}()
	queued(s, 2)
	other := *r
	other.ID = "A2"
	created := make(chan error, 1)
	go func() { created <- s.CreateRecord(ctx, &other) }()
	queued(s, 3)
	// The first commits; the second, the update and the declaration make the next batch, and
	// the update's client hangs up while the second holds it.
	close(releaseFirst)
	<-secondRunning
	hangUp()
	close(releaseSecond)
	for what, c := range map[string]chan error{"first": first, "second": second, "the update": updated, "the declaration": created} {
		if err := <-c; err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	got, err := s.Record(ctx, "A1")
	if err != nil || got.Version != 2 || len(got.History) != 1 {
		t.Fatalf("the update handed over: %+v, %v", got, err)
	}
}

// TestInstances: two stores on one directory, as two processes serving one data directory.
func TestInstances(t *testing.T) {
	storetest.RunInstances(t, func(t *testing.T) (store.Store, store.Store) {
		dir := t.TempDir()
		a, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(dir)
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}

// TestDurableCommits: every connection, the writer's and the readers', syncs the log at each
// commit (synchronous=FULL, 2), so an acknowledged write survives a power loss; NORMAL (1)
// syncs only at checkpoints, and a machine crash loses the last commits.
func TestDurableCommits(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	check := func(what string, db *sql.DB) {
		// Hold several of the pool's connections at once, so that each is asked.
		var conns []*sql.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range min(3, db.Stats().MaxOpenConnections) {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var sync int
			var mode string
			if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if sync != 2 || mode != "wal" {
				t.Errorf("%s connection %d: synchronous %d, journal_mode %s; want 2 (FULL), wal", what, len(conns), sync, mode)
			}
		}
	}
	check("writer", s.w)
	check("reader", s.r)
}

// BenchmarkCreateRecord stores declarations 16 at once, as 16 clients of the server would:
// the group commit's figure, one sync of the log per batch (see TestDurableCommits).
func BenchmarkCreateRecord(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	declare(b, s, 0, 0)
}

// BenchmarkCreateRecordKeys is BenchmarkCreateRecord with 20 duplicate keys a declaration:
// what the keys cost a declaration (see BenchmarkKeysLookup1M for a register of a million).
func BenchmarkCreateRecordKeys(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	declare(b, s, 20, 0)
}

// declare stores b.N declarations holding keys keys each (distinct keys, as a new record's
// mostly are), 16 at once, created after first (Unix seconds, 0: any time): declarations after
// different firsts are different records.
func declare(b *testing.B, s *Store, keys int, first int64) { declareWith(b, s, keys, 0, first) }

// declareWith is declare with statistics cells too: 30 (benchCells) when cells is 30, none when 0.
func declareWith(b *testing.B, s *Store, keys, cells int, first int64) {
	ctx := context.Background()
	data := json.RawMessage(`{"child.name":{"given":"Ama","family":"Tarek"},"child.dob":"2026-02-27","padding":"` + strings.Repeat("x", 1500) + `"}`)
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	var writers atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		rnd := rand.New(rand.NewPCG(writers.Add(1), 11))
		for pb.Next() {
			i := n.Add(1)
			at := time.Unix(max(first, 1_600_000_000), 0).Add(time.Duration(i) * time.Millisecond)
			r := &store.Record{ID: fmt.Sprintf("N%d-%09d", first, i), Event: "birth", Bundle: "b", Status: "declared", Data: data,
				Office: "O1", Areas: []string{"D1", "R1"}, Title: "Ama Tarek", Names: store.NameKeys("Ama", "Tarek"),
				Version: 1, Created: at, Updated: at, CreatedBy: "u",
				History: []store.Entry{{Version: 1, Action: "declare", User: "u", At: at, Status: "declared"}}}
			for k := range keys {
				r.Keys = append(r.Keys, benchKey(100+k, int(first<<24+i)))
			}
			if cells > 0 {
				r.Stats = benchCells(rnd, 1+int(i%12))
			}
			if err := s.CreateRecord(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
