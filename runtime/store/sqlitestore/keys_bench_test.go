package sqlitestore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// benchKey is a key as the runtime makes them: 22 characters, the base64url of a hash, here
// of a kind and a value.
func benchKey(kind, value int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], uint64(kind))
	binary.BigEndian.PutUint64(b[8:], uint64(value))
	sum := sha256.Sum256(b[:])
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// millionKeys are the 20 keys of record i of BenchmarkKeysLookup1M: two kinds shared by a few
// records (a block of four, and one of four shifted by two: six records share one of them with
// each record), and 18 of its own.
func millionKeys(i int) []string {
	keys := []string{benchKey(0, i/4), benchKey(1, (i+2)/4)}
	for k := 2; k < 20; k++ {
		keys = append(keys, benchKey(k, i))
	}
	return keys
}

// BenchmarkKeysLookup1M looks possible duplicates up among 1,000,000 records of 20 keys each,
// as the runtime does for a declaration: the 20 keys of a record and 20 more held by none (the
// other windows of its dates), 40 keys finding 6 records with their data; it reports the
// median and 99th percentile besides the mean, and sizes of the keys on disk. Then
// declarations with 20 keys and without, 16 at once, into that register: what the keys cost a
// declaration once their index is large. Building the register takes minutes, so it runs only when named
// (-bench KeysLookup1M) or with CRVSCTL_BENCH_1M=1, not in make bench's -bench '.'. With
// CRVSCTL_BENCH_1M_DIR set, the register is kept in that directory and used again by the runs
// after (the declarations add to it).
func BenchmarkKeysLookup1M(b *testing.B) {
	if pattern := flag.Lookup("test.bench").Value.String(); !strings.Contains(pattern, "1M") && os.Getenv("CRVSCTL_BENCH_1M") == "" {
		b.Skip("builds a register of 1,000,000 records: run with -bench KeysLookup1M, or CRVSCTL_BENCH_1M=1")
	}
	const n = 1_000_000
	dir := os.Getenv("CRVSCTL_BENCH_1M_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var built, whole bool // the register's first and last records are there
	if err := s.r.QueryRow(`SELECT EXISTS (SELECT 1 FROM records WHERE id = 'R0000000'), EXISTS (SELECT 1 FROM records WHERE id = ?)`,
		fmt.Sprintf("R%07d", n-1)).Scan(&built, &whole); err != nil {
		b.Fatal(err)
	}
	switch {
	case !built:
		started := time.Now()
		buildMillion(b, s, n)
		b.Logf("built %d records of 20 keys in %s", n, time.Since(started).Round(time.Second))
	case !whole:
		b.Fatalf("%s holds an unfinished register: remove it", dir)
	}
	sizes(b, s)

	start := time.Unix(1_600_000_000, 0)
	// Lookups one after another, and each after a write, as the runtime looks a declaration's
	// duplicates up: a write empties the readers' page caches (a reader of a changed WAL
	// starts afresh), so the index's pages are read again each time.
	for _, write := range []bool{false, true} {
		name := "lookup"
		if write {
			name = "lookup-after-write"
		}
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 7))
			var took []time.Duration
			found := 0
			for b.Loop() {
				if write {
					if _, err := s.NextSequence(ctx, "bench"); err != nil {
						b.Fatal(err)
					}
				}
				i := r.IntN(n)
				q := store.Query{Keys: millionKeys(i), Event: "birth", NoFlags: []string{"duplicate"}}
				for k := range 20 {
					q.Keys = append(q.Keys, benchKey(20+k, i))
				}
				t := time.Now()
				p, err := s.Search(ctx, q)
				took = append(took, time.Since(t))
				if err != nil {
					b.Fatal(err)
				}
				if !slices.ContainsFunc(p.Records, func(r store.Record) bool { return r.ID == fmt.Sprintf("R%07d", i) && len(r.Data) > 0 }) {
					b.Fatalf("record %d not found by its keys: %v", i, ids(p))
				}
				found += len(p.Records)
			}
			slices.Sort(took)
			b.ReportMetric(float64(found)/float64(len(took)), "records/op")
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
	// The declarations come after the register's and any earlier ones, each run after the one
	// before.
	var newest int64 // seq: created in milliseconds << 16
	if err := s.r.QueryRow(`SELECT max(seq) FROM records`).Scan(&newest); err != nil {
		b.Fatal(err)
	}
	last := max(start.Add(n*time.Second).Unix(), newest>>16/1000+1)
	for _, keys := range []int{0, 20} {
		b.Run(fmt.Sprintf("declare/keys=%d", keys), func(b *testing.B) {
			declare(b, s, keys, last)
			last += int64(b.N) + 1
		})
	}
}

// buildMillion stores n records of 20 keys, a second apart, through the store's own write of
// a record (create) in transactions of 50,000 records on the writer's connection, with a
// cache that holds the keys' index: what CreateRecord writes, built in minutes rather than by
// a million commits (the index's pages, written at each commit, are most of it). The keys
// are inserted as the records come, as a register's are, so that the index's pages are as
// full as a register's.
func buildMillion(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	if _, err := s.w.Exec(`PRAGMA cache_size = -3000000`); err != nil {
		b.Fatal(err)
	}
	given := strings.Fields("Ama Kofi Selam Abebe Lidya Tomas Saba Yara Oren Ilena Samuel Amina Yusuf Mariam Daniel Hana Elias Ruth Nahom Meron")
	family := strings.Fields("Tarek Mensah Diallo Haile Tesfamor Belcourt Odhiro Marvosa Verhane Ekwaro Rinaldor Kostuna Abera Girma Tadesse")
	data := json.RawMessage(`{"child.name":{"given":"x","family":"y"},"child.dob":"2026-02-27","padding":"` + strings.Repeat("x", 700) + `"}`)
	r := rand.New(rand.NewPCG(1, 1))
	start := time.Unix(1_600_000_000, 0)
	const batch = 50_000
	for first := 0; first < n; first += batch {
		// Not through the committer: its savepoint around each write would hold all of a
		// batch's changed pages, and an in-memory savepoint journal is walked from its
		// start at the end of every statement.
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := first; i < min(first+batch, n); i++ {
			g, f := given[r.IntN(len(given))], family[r.IntN(len(family))]
			at := start.Add(time.Duration(i) * time.Second)
			o := fmt.Sprintf("O%02d", r.IntN(50))
			rec := &store.Record{ID: fmt.Sprintf("R%07d", i), Event: "birth", Bundle: "b", Status: "registered", Flags: []string{},
				Data: data, Office: o, Areas: []string{"D" + o, "R1"}, Title: g + " " + f, Names: store.NameKeys(g, f),
				Keys: millionKeys(i), Version: 1, Created: at, Updated: at, CreatedBy: "u"}
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
	for _, q := range []string{`PRAGMA wal_checkpoint(TRUNCATE)`, `PRAGMA cache_size = -2000`} { // back to SQLite's default
		if _, err := s.w.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}

// sizes logs what the keys take on disk: record_keys' pages and the records' keys column, by
// key.
func sizes(b *testing.B, s *Store) {
	var index, column, keys, file, pages int64
	if err := s.r.QueryRow(`SELECT sum(pgsize) FROM dbstat WHERE name = 'record_keys'`).Scan(&index); err != nil {
		b.Fatal(err)
	}
	if err := s.r.QueryRow(`SELECT sum(length(keys)), sum(json_array_length(keys)) FROM records`).Scan(&column, &keys); err != nil {
		b.Fatal(err)
	}
	if err := s.r.QueryRow(`SELECT page_count * page_size, page_count FROM pragma_page_count(), pragma_page_size()`).Scan(&file, &pages); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d keys: record_keys %.1f MB, %.1f bytes a key; the keys column %.1f MB, %.1f bytes a key; the whole file %.1f MB",
		keys, float64(index)/1e6, float64(index)/float64(keys), float64(column)/1e6, float64(column)/float64(keys), float64(file)/1e6)
}
