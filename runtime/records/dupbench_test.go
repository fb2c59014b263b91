package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/dupgen"
	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// BenchmarkDuplicateCheck is what comparing a birth declaration with the register costs: the
// lookup of its keys in the embedded store and the comparison with each candidate found, for
// declarations of new people and of people already registered (half each). The register is
// 100,000 births seeded here; with CRVSCTL_BENCH_STORE naming a store seeded by
// `go run ./internal/loadgen seed -data DIR -n 1000000`, it is that one (seed 1, read only).
// Reports the median and 99th percentile per check.
func BenchmarkDuplicateCheck(b *testing.B) {
	bnd, diags := compiler.Build("../../countries/nerovia")
	if bnd == nil {
		b.Fatal(diags)
	}
	m, err := records.NewModel(bnd)
	if err != nil {
		b.Fatal(err)
	}
	st, n := benchRegister(b, m)
	svc := &records.Service{Model: m, Store: st}
	var lat []time.Duration
	found := 0
	b.ResetTimer()
	for i := range b.N {
		var data map[string]any
		if i%2 == 0 {
			data = dupgen.Person("birth", 7, i, benchToday) // a new person
		} else {
			data = dupgen.Person("birth", 1, (i*7919)%n, benchToday) // declared again
		}
		t0 := time.Now()
		c, err := svc.FindDuplicates(context.Background(), "birth", data)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 1 && len(c) > 0 {
			found++
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(n), "records")
	if b.N >= 20 && found < b.N/2*9/10 {
		b.Errorf("a person declared again was found %d times of %d", found, b.N/2)
	}
}

const benchToday = "2026-11-23"

// register is the store BenchmarkDuplicateCheck reads: seeded once for every run of the
// benchmark (go test runs it several times), removed by TestMain.
var register struct {
	once sync.Once
	dir  string
	st   *sqlitestore.Store
	n    int
	err  error
}

func benchRegister(b *testing.B, m *records.Model) (*sqlitestore.Store, int) {
	register.once.Do(func() {
		dir := os.Getenv("CRVSCTL_BENCH_STORE")
		if dir == "" {
			if register.dir, register.err = os.MkdirTemp("", "crvsctl-bench-"); register.err != nil {
				return
			}
			dir, register.n = register.dir, 100_000
		}
		if register.st, register.err = sqlitestore.Open(dir); register.err != nil {
			return
		}
		if register.n > 0 {
			seedBirths(b, m, register.st, register.n, benchToday)
			return
		}
		// The size of a store loadgen seeded, from its record ids S000000000...: the
		// last one there.
		for lo, hi := 0, 100_000_000; lo < hi; {
			mid := (lo + hi) / 2
			if _, err := register.st.Record(context.Background(), fmt.Sprintf("S%09d", mid)); err == nil {
				lo, register.n = mid+1, mid+1
			} else {
				hi = mid
			}
		}
		if register.n == 0 {
			register.err = fmt.Errorf("%s holds no seeded records", dir)
		}
	})
	if register.err != nil {
		b.Fatal(register.err)
	}
	return register.st, register.n
}

func TestMain(m *testing.M) {
	code := m.Run()
	if register.st != nil {
		register.st.Close()
	}
	if register.dir != "" {
		os.RemoveAll(register.dir)
	}
	os.Exit(code)
}

// seedBirths stores n distinct births (dupgen's seed 1) with their keys, as loadgen seed does.
func seedBirths(b testing.TB, m *records.Model, st store.Store, n int, today string) {
	var birth *bundle.Event
	for i := range m.Bundle.Events {
		if m.Bundle.Events[i].ID == "birth" {
			birth = &m.Bundle.Events[i]
		}
	}
	dups := duplicates.New(birth, m)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	const writers = 64
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				d := dupgen.Person("birth", 1, i, today)
				raw, _ := json.Marshal(d)
				id := fmt.Sprintf("S%09d", i)
				r := &store.Record{ID: id, Event: "birth", Bundle: m.Bundle.Hash, Status: "registered", Number: "SEED-" + id, Data: raw,
					Office: "CR0101", Areas: m.AreasOf("NV0101"), Keys: dups.Keys(duplicates.Prepare(id, d)),
					Version: 1, Created: at.Add(time.Duration(i) * time.Minute), Updated: at, CreatedBy: "seed",
					History: []store.Entry{{Version: 1, Action: "declare", User: "seed", At: at}}}
				if err := st.CreateRecord(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
