package sqlitestore

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
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
