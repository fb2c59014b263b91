package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// auditStore makes a store of 30 audit entries with checkpoints at 10 and 20 signed by a key
// of keys generate; it returns the store's directory and the public key file.
func auditStore(t *testing.T) (data, keys string) {
	t.Helper()
	dir := t.TempDir()
	if _, stderr, err := execute(t, "", "keys", "generate", "--id", "AUDIT-1", "--out", filepath.Join(dir, "keys")); err != nil {
		t.Fatalf("keys generate: %v\n%s", err, stderr)
	}
	key, err := seal.ReadPrivateKey(filepath.Join(dir, "keys", "AUDIT-1.private.json"))
	if err != nil {
		t.Fatal(err)
	}
	data = filepath.Join(dir, "data")
	st, err := sqlitestore.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 30 {
		e := &store.AuditEntry{Time: at.Add(time.Duration(i) * time.Minute), User: fmt.Sprintf("user%d", i%3), Kind: store.AuditLogin}
		if err := st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.Seq%10 == 0 && e.Seq < 30 {
			if err := st.AddAuditCheckpoint(ctx, audit.Sign(e, key, e.Time)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return data, filepath.Join(dir, "keys", "AUDIT-1.public.json")
}

// alter changes the store's file directly, as someone with access to the disk would.
func alter(t *testing.T, data, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "crvsctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerify(t *testing.T) {
	for _, tc := range []struct {
		name, alter, want string
	}{
		{"intact", "", "the audit log of the store is intact: 30 entries, 2 checkpoints signed and matching"},
		{"altered", `UPDATE audit SET user = 'mallory' WHERE seq = 5`,
			"the audit log of the store was altered: 30 entries read\nentry 5 was altered: its hash is not that of its content\n"},
		{"details altered", `UPDATE audit SET details = '{"address":"10.0.0.1"}' WHERE seq = 12`,
			"the audit log of the store was altered: 30 entries read\nentry 12 was altered: its hash is not that of its content\n"},
		{"removed", `DELETE FROM audit WHERE seq = 7`,
			"the audit log of the store was altered: 29 entries read\nentry 7 was removed (entry 8 follows entry 6)\n"},
		{"end removed", `DELETE FROM audit WHERE seq >= 20`,
			"the audit log of the store was altered: 19 entries read\nentry 20 was removed: the log ends at entry 19, and a checkpoint signed entry 20\n"},
		{"checkpoint altered", `UPDATE audit_checkpoints SET seq = 11 WHERE seq = 10`,
			"the audit log of the store was altered: 30 entries read\ncheckpoint of entry 11 (key AUDIT-1, 2026-03-01 09:09:00Z): its signature is not the key's: it was forged or altered\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, keys := auditStore(t)
			if tc.alter != "" {
				alter(t, data, tc.alter)
			}
			stdout, stderr, err := execute(t, "", "audit", "verify", "--data", data, "--keys", keys)
			if tc.alter == "" {
				if err != nil || !strings.HasPrefix(stdout, tc.want) {
					t.Fatalf("verify: %v\n%s%s\nwant %s", err, stdout, stderr, tc.want)
				}
				if !strings.Contains(stdout, "entries 21 to 30 are after the last checkpoint") {
					t.Errorf("verify does not say which entries no checkpoint covers:\n%s", stdout)
				}
				return
			}
			if err != exitCode(exitProblems) || stdout != tc.want {
				t.Fatalf("verify: %v\n%s%s\nwant:\n%s", err, stdout, stderr, tc.want)
			}
		})
	}
}

// An export is verified away from the store, and an entry altered in the file is named.
func TestAuditExportVerify(t *testing.T) {
	data, keys := auditStore(t)
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, stderr, err := execute(t, "", "audit", "export", "--data", data, "-o", file); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	stdout, stderr, err := execute(t, "", "audit", "verify", file, "--keys", keys)
	if err != nil || !strings.HasPrefix(stdout, "the audit log of "+file+" is intact: 30 entries, 2 checkpoints") {
		t.Fatalf("verify of the export: %v\n%s%s", err, stdout, stderr)
	}
	b, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(b), `"user":"user2"`, `"user":"user1"`, 1)), 0o600)
	stdout, _, err = execute(t, "", "audit", "verify", file, "--keys", keys)
	if want := "entry 3 was altered: its hash is not that of its content\n"; err != exitCode(exitProblems) || !strings.HasSuffix(stdout, want) {
		t.Fatalf("verify of an altered export: %v\n%s\nwant %s", err, stdout, want)
	}
	if _, _, err := execute(t, "", "audit", "verify", file); err == nil {
		t.Errorf("verify without --keys was not refused")
	}
}
