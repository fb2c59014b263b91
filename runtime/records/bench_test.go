package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/dupgen"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// BenchmarkDeclare: one birth declaration of the example country validated (JSON Schema and
// every rule) and stored durably in the embedded store, without HTTP, with its audit entry in
// the record's own transaction.
func BenchmarkDeclare(b *testing.B) { benchmarkDeclare(b, false) }

// BenchmarkDeclareUnaudited is BenchmarkDeclare with the store's record writes stripped of
// their audit entries: what the audit log costs a declaration is the difference.
func BenchmarkDeclareUnaudited(b *testing.B) { benchmarkDeclare(b, true) }

// unaudited is a store whose record writes carry no audit entry.
type unaudited struct{ store.Store }

func (u unaudited) CreateRecord(ctx context.Context, r *store.Record) error {
	return u.Store.CreateRecord(store.WithAudit(ctx, nil), r)
}

func benchmarkDeclare(b *testing.B, noAudit bool) {
	svc, actor, people := declaring(b, noAudit)
	var i atomic.Int64
	defer measureCPU(b)()
	b.SetParallelism(8) // as many requests at once as a busy office's clerks make
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := i.Add(1)
			if _, _, err := svc.Declare(context.Background(), actor, records.Declaration{Event: "birth", Data: people[k%int64(len(people))],
				IdempotencyKey: fmt.Sprint("k", k)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkValidate: one action that edits nothing (validate) taken on a declared birth: the
// record read, the action checked, its keys and cells made again by the version served, and
// the record stored durably with its history entry.
func BenchmarkValidate(b *testing.B) {
	svc, actor, people := declaring(b, false)
	ids := make([]string, b.N)
	for k := range b.N {
		r, _, err := svc.Declare(context.Background(), actor, records.Declaration{Event: "birth", Data: people[k%len(people)],
			IdempotencyKey: fmt.Sprint("v", k)})
		if err != nil {
			b.Fatal(err)
		}
		ids[k] = r.ID
	}
	var i atomic.Int64
	defer measureCPU(b)()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := i.Add(1) - 1
			if _, err := svc.Act(context.Background(), actor, ids[k], records.ActionRequest{Action: "validate", Version: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// measureCPU resets the benchmark's timer, and the function it returns, deferred, reports
// the CPU time per op: on a machine shared with other work, the wall time says as much of the
// others as of this (and the audit's cost is mostly CPU: a hash, a row and its index entries).
func measureCPU(b *testing.B) func() {
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	return func() {
		var after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// declaring is a service over a new embedded store, a registrar who declares, and 4,096
// declarations of other people, born on time, their files uploaded.
func declaring(b *testing.B, noAudit bool) (*records.Service, *records.Actor, []json.RawMessage) {
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
	b.Cleanup(func() { st.Close() })
	svc := &records.Service{Model: m, Store: st}
	if noAudit {
		svc.Store = unaudited{st}
	}
	actor, _ := m.ActorFor("lidya.verhane")
	// The files the declarations attach, uploaded as a client does before declaring.
	for name, file := range dupgen.Documents() {
		if _, _, err := svc.SaveDocument(context.Background(), actor, name, file); err != nil {
			b.Fatal(err)
		}
	}
	// Each declaration of another person (4,096 of them, then again: duplicates, as a
	// register meets a few), born on time, as declare takes it: the duplicate rules compare
	// each with the register, as in service.
	// Today where the country is, as its rules read it: by UTC's date, a birth a year ago
	// tonight is on time here and late in Nerovia, and declare refuses it.
	today := time.Now().In(m.Loc).Format(time.DateOnly)
	var people []json.RawMessage
	for i := 0; len(people) < 4096; i++ {
		d := dupgen.Person("birth", 3, i, today)
		if _, late := d["registration.lateReason"]; !late {
			raw, _ := json.Marshal(d)
			people = append(people, raw)
		}
	}
	return svc, actor, people
}
