package sqlitestore

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// The statistics of the benchmarks' births: cells event, area, table, month, value, as
// runtime/stats joins them with "\x1f". A birth counts in the nation, its region (4) and its
// district (20), in 10 tables of 32 values in all: 30 cells a record, 25 × 10 tables × 12
// months, 9,600 distinct cells.
var (
	benchTables = []struct {
		name   string
		values int
	}{{"all", 1}, {"sex", 2}, {"weight", 5}, {"place", 3}, {"mother-age", 6}, {"attendant", 4}, {"order", 4}, {"plurality", 2}, {"timely", 2}, {"marital", 3}}
	benchRegions, benchDistricts = 4, 20
)

// benchCells are the 30 cells of a birth drawn from r, in month (1-12).
func benchCells(r *rand.Rand, month int) []string {
	district := r.IntN(benchDistricts)
	areas := []string{"NAT", fmt.Sprint("R", district%benchRegions), fmt.Sprint("D", district)}
	cells := make([]string, 0, len(areas)*len(benchTables))
	values := make([]int, len(benchTables))
	for i, t := range benchTables {
		values[i] = r.IntN(t.values)
	}
	for _, a := range areas {
		for i, t := range benchTables {
			cells = append(cells, strings.Join([]string{"birth", a, t.name, fmt.Sprintf("2026-%02d", month), fmt.Sprint(values[i])}, "\x1f"))
		}
	}
	return cells
}

// nationalPrefixes are the national page's query: 6 tables of the year, for the nation and
// each region: 30 prefixes, 1,260 cells.
func nationalPrefixes() []string {
	var out []string
	for _, a := range []string{"NAT", "R0", "R1", "R2", "R3"} {
		for _, t := range benchTables[:6] {
			out = append(out, strings.Join([]string{"birth", a, t.name, ""}, "\x1f"))
		}
	}
	return out
}

// BenchmarkCounts reads the national page's 30 prefixes (1,260 cells) over registers of
// 100,000 and 1,000,000 births of 30 cells each: the time follows the cells read, not the
// records. The register of a million takes minutes to build, so it is built only when named
// (-bench Counts1M) or with CRVSCTL_BENCH_1M=1; CRVSCTL_BENCH_1M_DIR keeps it, as for
// BenchmarkKeysLookup1M.
func BenchmarkCounts(b *testing.B) {
	countsOver(b, 100_000, b.TempDir())
}

func BenchmarkCounts1M(b *testing.B) {
	if pattern := flag.Lookup("test.bench").Value.String(); !strings.Contains(pattern, "1M") && os.Getenv("CRVSCTL_BENCH_1M") == "" {
		b.Skip("builds a register of 1,000,000 records: run with -bench Counts1M, or CRVSCTL_BENCH_1M=1")
	}
	dir := os.Getenv("CRVSCTL_BENCH_1M_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	countsOver(b, 1_000_000, dir)
}

func countsOver(b *testing.B, n int, dir string) {
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var built bool
	if err := s.r.QueryRow(`SELECT EXISTS (SELECT 1 FROM records WHERE id = ?)`, fmt.Sprintf("S%07d", n-1)).Scan(&built); err != nil {
		b.Fatal(err)
	}
	if !built {
		started := time.Now()
		buildStats(b, s, n)
		b.Logf("built %d records of 30 cells in %s", n, time.Since(started).Round(time.Second))
	}
	var cells, records int64
	if err := s.r.QueryRow(`SELECT count(*), (SELECT count(*) FROM records) FROM stat_counts`).Scan(&cells, &records); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	prefixes := nationalPrefixes()
	var took []time.Duration
	got := 0
	for b.Loop() {
		t := time.Now()
		c, err := s.Counts(ctx, prefixes)
		took = append(took, time.Since(t))
		if err != nil {
			b.Fatal(err)
		}
		got = len(c)
	}
	var sum int64
	c, err := s.Counts(ctx, []string{"birth\x1fNAT\x1fall\x1f"})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range c {
		sum += n
	}
	if sum != records {
		b.Fatalf("the national counts of every month add up to %d, of %d records", sum, records)
	}
	slices.Sort(took)
	b.ReportMetric(float64(got), "cells/op")
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.Logf("%d records, %d distinct cells", records, cells)
}

// buildStats stores n births of 30 cells, through the store's own write of a record (create)
// in transactions of 50,000 records on the writer's connection (see buildMillion).
func buildStats(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	data := json.RawMessage(`{"child.name":{"given":"x","family":"y"},"child.dob":"2026-02-27"}`)
	r := rand.New(rand.NewPCG(3, 3))
	start := time.Unix(1_600_000_000, 0)
	const batch = 50_000
	for first := 0; first < n; first += batch {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := first; i < min(first+batch, n); i++ {
			at := start.Add(time.Duration(i) * time.Second)
			rec := &store.Record{ID: fmt.Sprintf("S%07d", i), Event: "birth", Bundle: "b", Status: "registered", Flags: []string{},
				Data: data, Office: "O1", Areas: []string{"D1", "R1"}, Title: "Ama Tarek", Names: store.NameKeys("Ama", "Tarek"),
				Stats: benchCells(r, 1+i%12), Registered: at, Version: 1, Created: at, Updated: at, CreatedBy: "u"}
			ix, err := indexOf(rec)
			if err == nil {
				err = s.create(tx, rec, ix)
			}
			if err != nil {
				tx.Rollback()
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateRecordStats is BenchmarkCreateRecord with 30 statistics cells a declaration:
// what moving their counts costs a declaration.
func BenchmarkCreateRecordStats(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	declareWith(b, s, 0, 30, 0)
}

// BenchmarkUpdateRecordStats updates records 16 at once, as BenchmarkCreateRecord declares
// them: records without cells, records keeping their 30 cells (most actions), and records
// whose 30 cells all change (the worst: 30 counts down, 30 up).
func BenchmarkUpdateRecordStats(b *testing.B) {
	for _, c := range []struct {
		name        string
		cells, move bool
	}{{"cells=0", false, false}, {"cells=30/kept", true, false}, {"cells=30/moved", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			parallelism := max(1, 16/runtime.GOMAXPROCS(0))
			writers := parallelism * runtime.GOMAXPROCS(0)
			recs := make([]*store.Record, 4*writers) // writer w updates w, w+writers... in turn: no two share one
			r := rand.New(rand.NewPCG(5, 5))
			for i := range recs {
				at := time.Unix(1_600_000_000, 0).Add(time.Duration(i) * time.Second)
				recs[i] = &store.Record{ID: fmt.Sprintf("U%03d", i), Event: "birth", Bundle: "b", Status: "declared", Flags: []string{},
					Data: json.RawMessage(`{"padding":"` + strings.Repeat("x", 1500) + `"}`), Office: "O1", Areas: []string{"D1", "R1"},
					Title: "Ama Tarek", Names: store.NameKeys("Ama", "Tarek"), Version: 1, Created: at, Updated: at, CreatedBy: "u",
					History: []store.Entry{{Version: 1, Action: "declare", User: "u", At: at, Status: "declared"}}}
				if c.cells {
					recs[i].Stats = benchCells(r, 1)
				}
				if err := s.CreateRecord(ctx, recs[i]); err != nil {
					b.Fatal(err)
				}
				recs[i].History = nil
			}
			var n atomic.Int64
			b.SetParallelism(parallelism)
			b.RunParallel(func(pb *testing.PB) {
				w := int(n.Add(1)) - 1
				rnd := rand.New(rand.NewPCG(uint64(w), 9))
				for i := w; pb.Next(); i += writers {
					if i >= len(recs) {
						i = w
					}
					u := *recs[i]
					u.Version++
					u.Updated = u.Updated.Add(time.Second)
					if c.move {
						u.Stats = benchCells(rnd, 1+int(u.Version)%12)
					}
					e := store.Entry{Version: u.Version, Action: "print", User: "u", At: u.Updated}
					if err := s.UpdateRecord(ctx, &u, e); err != nil {
						b.Error(err)
						return
					}
					recs[i] = &u
				}
			})
		})
	}
}
