package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// BenchmarkDeclare: one birth declaration of the example country validated (JSON Schema and
// every rule) and stored durably in the embedded store, without HTTP.
func BenchmarkDeclare(b *testing.B) {
	bnd, diags := compiler.Build("../../countries/nerovia")
	if bnd == nil {
		b.Fatal(diags)
	}
	if _, err := bnd.Encode(); err != nil {
		b.Fatal(err)
	}
	m, err := records.NewModel(bnd)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlitestore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := &records.Service{Model: m, Store: st}
	actor, _ := m.ActorFor("lidya.verhane")
	data, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		b.Fatal(err)
	}
	// The files its document answers name, uploaded as a client does before declaring.
	docs, _ := filepath.Glob("../testdata/documents/*")
	for _, f := range docs {
		file, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := svc.SaveDocument(context.Background(), actor, filepath.Base(f), file); err != nil {
			b.Fatal(err)
		}
	}
	var i atomic.Int64
	b.SetParallelism(8) // as many requests at once as a busy office's clerks make
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := svc.Declare(context.Background(), actor, records.Declaration{Event: "birth", Data: json.RawMessage(data),
				IdempotencyKey: fmt.Sprint("k", i.Add(1))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
