package server

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// BenchmarkPlacesNamed is what serving a version that removes a place no record was declared
// at costs at start, per record of the register (namedIn): every record is read for answers
// naming it, and none does here, so the whole register is read.
func BenchmarkPlacesNamed(b *testing.B) {
	const n = 5000
	ctx := context.Background()
	st, err := sqlitestore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	bnd, diags := compiler.Build("../../countries/nerovia")
	if bnd == nil {
		b.Fatal(diags)
	}
	data, err := bnd.Encode()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Admit(ctx, st, bnd, data, Admission{Now: time.Now()}); err != nil {
		b.Fatal(err)
	}
	birth, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range n {
		if err := st.CreateRecord(ctx, &store.Record{ID: fmt.Sprintf("R%09d", i), Event: "birth", Bundle: bnd.Hash, Status: "registered",
			Data: birth, Office: "CR0101", Areas: []string{"NV0101", "NV01"}, Version: 1, Created: now, Updated: now, CreatedBy: "lidya.verhane",
			History: []store.Entry{{Version: 1, Action: "declare", User: "lidya.verhane", At: now}}}); err != nil {
			b.Fatal(err)
		}
	}
	kept, err := st.Bundles(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		codes := map[string]string{"NV05030202": ""}
		if err := namedIn(ctx, st, kept, codes); err != nil || codes["NV05030202"] != "" {
			b.Fatalf("%v, %v", codes, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/record")
}
