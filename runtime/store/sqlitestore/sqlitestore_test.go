package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
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
// national registrar (everywhere) and as an office's registrar. `go run ./internal/loadgen
// seed` and `run -mode search` measure the same over HTTP with a million records.
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
	}{{"nation", ""}, {"office", "O07"}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				q := store.Query{Name: store.NameKeys(given[i%len(given)] + " " + family[i/3%len(family)]), Office: c.office}
				if _, err := s.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				i++
			}
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

// queued waits until n callers wait to hand their writes over.
func queued(s *Store, n int64) {
	for s.waiting.Load() < n {
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
	ctx := context.Background()
	data := json.RawMessage(`{"child.name":{"given":"Ama","family":"Tarek"},"child.dob":"2026-02-27","padding":"` + strings.Repeat("x", 1500) + `"}`)
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			at := time.Unix(1_600_000_000, 0).Add(time.Duration(i) * time.Millisecond)
			r := &store.Record{ID: fmt.Sprintf("R%09d", i), Event: "birth", Bundle: "b", Status: "declared", Data: data,
				Office: "O1", Areas: []string{"D1", "R1"}, Title: "Ama Tarek", Names: store.NameKeys("Ama", "Tarek"),
				Version: 1, Created: at, Updated: at, CreatedBy: "u",
				History: []store.Entry{{Version: 1, Action: "declare", User: "u", At: at, Status: "declared"}}}
			if err := s.CreateRecord(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
