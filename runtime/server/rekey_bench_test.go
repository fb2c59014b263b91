package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// BenchmarkRekey is the pass serve makes over the register at start (records.Service.Rekey),
// per record of the register. restamped: every record was keyed and counted by another
// version (a new version served, or records written by an instance serving another): each is
// read and its keys and cells made again, though they come out as they were — over records of
// the version served, and over records of the version before it, whose answers are read in
// the served version's terms (migration.Project). restart: serve starts again with the
// version that keyed every record, and has nothing to read.
func BenchmarkRekey(b *testing.B) {
	const n = 2000
	for _, c := range []struct {
		name           string
		older, restamp bool
	}{{"restamped/older=false", false, true}, {"restamped/older=true", true, true}, {"restart", false, false}} {
		older := c.older
		b.Run(c.name, func(b *testing.B) {
			st, err := sqlitestore.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			var hashes []string
			var srv *server.Server
			for _, dir := range []string{nerovia, nerovia2(b)} {
				bnd, diags := compiler.Build(dir)
				if bnd == nil {
					b.Fatalf("%s: %v", dir, diags)
				}
				data, err := bnd.Encode()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := server.Admit(ctx, st, bnd, data, server.Admission{Now: time.Now()}); err != nil {
					b.Fatal(err)
				}
				hashes = append(hashes, bnd.Hash)
				if srv, err = server.New(bnd, st, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Signing{}); err != nil {
					b.Fatal(err)
				}
			}
			hash := hashes[1]
			if older {
				hash = hashes[0]
			}
			now := time.Now()
			for i := range n {
				r := &store.Record{ID: fmt.Sprintf("R%09d", i), Event: "birth", Bundle: hash, Status: "registered", Data: birthJSON(b),
					Number: fmt.Sprintf("B-2026-CR0101-%06d", i+1), Registered: now,
					Office: "CR0101", Areas: []string{"NV0101", "NV01"}, Version: 1, Created: now, Updated: now, CreatedBy: "lidya.verhane",
					History: []store.Entry{{Version: 1, Action: "declare", User: "lidya.verhane", At: now}}}
				if err := st.CreateRecord(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			svc := srv.Records()
			if read, changed, err := svc.Rekey(ctx, "birth"); err != nil || read != n || changed != n {
				b.Fatalf("first pass: %d read, %d changed, %v; want every record keyed", read, changed, err)
			}
			if read, _, err := svc.Rekey(ctx, "birth"); err != nil || read != 0 {
				b.Fatalf("second pass: %d read, %v; want none", read, err)
			}
			for b.Loop() {
				if c.restamp {
					b.StopTimer()
					for i := range n {
						r, err := st.Record(ctx, fmt.Sprintf("R%09d", i))
						if err != nil {
							b.Fatal(err)
						}
						if err := st.SetIndex(ctx, r.ID, r.Version, r.Keys, r.Stats, "another version"); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
				}
				read, changed, err := svc.Rekey(ctx, "birth")
				if err != nil || changed != 0 || c.restamp && read != n {
					b.Fatalf("%d read, %d changed, %v: the pass is not stable", read, changed, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/record")
		})
	}
}
