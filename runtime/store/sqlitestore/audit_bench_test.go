package sqlitestore

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// BenchmarkAuditVerify1M verifies a store's chain of 1,000,000 entries with a checkpoint every
// 1,000, as crvsctl audit verify --data does: the entries are read a page of 1,000 at a time.
// The store is made once (CRVSCTL_AUDIT_BENCH_DIR keeps it between runs), its entries written
// in transactions of 10,000, as the server would have appended them one by one.
func BenchmarkAuditVerify1M(b *testing.B) {
	const n = 1_000_000
	dir := os.Getenv("CRVSCTL_AUDIT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	// A key of a fixed seed: the store kept between runs was signed with it.
	key := &seal.PrivateKey{ID: "AUDIT-BENCH", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), NotBefore: "2020-01-01", NotAfter: "2099-12-31"}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	head, err := audit.Head(ctx, s)
	if err != nil {
		b.Fatal(err)
	}
	if head == nil || head.Seq < n {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for start := int64(0); start < n; start += 10_000 {
			err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
				for i := start; i < start+10_000; i++ {
					e := &store.AuditEntry{Time: t0.Add(time.Duration(i) * time.Second), User: fmt.Sprintf("user%d", i%500), Role: "local-registrar",
						Office: fmt.Sprintf("CR%04d", i%40), Areas: []string{fmt.Sprintf("D%02d", i%40), fmt.Sprintf("R%d", i%8)}, Kind: store.AuditAction,
						Record: fmt.Sprintf("REC%07d", i/4), Action: "validate", Details: json.RawMessage(`{"version":2,"status":"validated"}`)}
					if err := s.appendAudit(ctx, tx, e); err != nil {
						return err
					}
					if e.Seq%1000 == 0 {
						c := audit.Sign(e, key, e.Time)
						if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, key_id, hash, time, signature) VALUES (?,?,?,?,?)`,
							c.Seq, c.KeyID, c.Hash, millis(c.Time), c.Signature); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	data, _ := seal.MarshalKeyring(key.Public())
	ring, err := seal.ParseKeyring(data)
	if err != nil {
		b.Fatal(err)
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for b.Loop() {
		cps, err := s.AuditCheckpoints(ctx)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := audit.Verify(audit.StoreEntries(ctx, s), cps, ring)
		if err != nil || !rep.OK() || rep.Entries != n || rep.Checkpoints != n/1000 {
			b.Fatalf("%v: %d entries, %d checkpoints, %v", err, rep.Entries, rep.Checkpoints, rep.Problems)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkCreateRecordKeysAudited is BenchmarkCreateRecordKeys with each record's audit
// entry appended in its transaction, as records.Service declares: what the audit log adds to
// a declaration's write (the head read, the entry hashed and inserted with its two index
// entries, in the same sync).
func BenchmarkCreateRecordKeysAudited(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := store.WithAudit(context.Background(), &store.AuditEntry{User: "u", Role: "clerk", Kind: store.AuditAction, Action: "declare",
		Details: json.RawMessage(`{"version":1,"status":"declared","addFlags":["late"]}`)})
	data := json.RawMessage(`{"child.name":{"given":"Ama","family":"Tarek"},"child.dob":"2026-02-27","padding":"` + strings.Repeat("x", 1500) + `"}`)
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			at := time.Unix(1_600_000_000, 0).Add(time.Duration(i) * time.Millisecond)
			r := &store.Record{ID: fmt.Sprintf("N0-%09d", i), Event: "birth", Bundle: "b", Status: "declared", Data: data,
				Office: "O1", Areas: []string{"D1", "R1"}, Title: "Ama Tarek", Names: store.NameKeys("Ama", "Tarek"),
				Version: 1, Created: at, Updated: at, CreatedBy: "u",
				History: []store.Entry{{Version: 1, Action: "declare", User: "u", At: at, Status: "declared"}}}
			for k := range 20 {
				r.Keys = append(r.Keys, benchKey(100+k, int(i)))
			}
			if err := s.CreateRecord(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
