package sqlitestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// record is a declaration of the given name, its id by n.
func testRecord(n int, given string) *store.Record {
	at := time.Unix(1_700_000_000, 0).Add(time.Duration(n) * time.Millisecond)
	return &store.Record{ID: fmt.Sprintf("B%07d", n), Event: "birth", Bundle: "b", Status: "declared",
		Data:   json.RawMessage(fmt.Sprintf(`{"child.name":{"given":%q,"family":"Tarek"}}`, given)),
		Office: "O1", Areas: []string{"D1", "R1"}, Title: given + " Tarek", Names: store.NameKeys(given, "Tarek"),
		Keys: []string{"k:" + given}, Version: 1, Created: at, Updated: at, CreatedBy: "u",
		History: []store.Entry{{Version: 1, Action: "declare", User: "u", At: at, Status: "declared"}}}
}

// TestBackupRestore: a backup of a store holds every record, document and counter, opens as a
// store, and restores into another directory, where the store opens with all of it.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 300
	for i := range n {
		if err := s.CreateRecord(ctx, testRecord(i, fmt.Sprintf("Ama%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.SaveDocument(ctx, &store.Document{ID: store.DocumentID([]byte("pdf")), Type: "application/pdf", Size: 3, Data: []byte("pdf"), User: "u", Name: "a.pdf", Created: time.Unix(1_700_000_000, 0)}); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if _, err := s.NextSequence(ctx, "birth/O1"); err != nil {
			t.Fatal(err)
		}
	}

	out := filepath.Join(t.TempDir(), "crvsctl.backup")
	if err := s.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	// It never overwrites.
	if err := s.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second backup to the same file: %v, want already exists", err)
	}
	if layout, err := Check(ctx, out); err != nil || layout != schemaVersion {
		t.Fatalf("Check: layout %d, %v", layout, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("beside the backup: %d files, want it alone", len(entries))
	}

	data := filepath.Join(t.TempDir(), "restored")
	if err := Restore(ctx, out, data, false); err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := range n {
		want := testRecord(i, "")
		got, err := r.Record(ctx, want.ID)
		if err != nil {
			t.Fatalf("%s: %v", want.ID, err)
		}
		if g := fmt.Sprintf("Ama%d Tarek", i); got.Title != g {
			t.Errorf("%s: title %q, want %q", want.ID, got.Title, g)
		}
	}
	// Searches find them: the name index came along.
	p, err := r.Search(ctx, store.Query{Name: []string{"ama299"}, Limit: 10})
	if err != nil || len(p.Records) != 1 || p.Records[0].ID != "B0000299" {
		t.Errorf("search Ama299 in the restored store: %v, %v", ids(p), err)
	}
	if d, err := r.Document(ctx, store.DocumentID([]byte("pdf"))); err != nil || string(d.Data) != "pdf" {
		t.Errorf("document: %v, %v", d, err)
	}
	if v, err := r.NextSequence(ctx, "birth/O1"); err != nil || v != 8 {
		t.Errorf("the sequence after the restore: %d, %v; want 8", v, err)
	}
}

// TestBackupWhileWriting: writers go on during a backup, and the backup holds every record
// committed before it began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var (
		next      atomic.Int64
		mu        sync.Mutex
		committed []string
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				r := testRecord(int(next.Add(1)), "Load")
				if err := s.CreateRecord(ctx, r); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				committed = append(committed, r.ID)
				mu.Unlock()
			}
		})
	}
	for next.Load() < 2000 {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), committed...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "b")
	if err := s.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()

	data := t.TempDir()
	if err := Restore(ctx, out, data, true); err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, id := range before {
		if _, err := r.Record(ctx, id); err != nil {
			t.Fatalf("%s, committed before the backup: %v", id, err)
		}
	}
	t.Logf("%d records committed before the backup, %d when the writers stopped", len(before), len(committed))
}

// TestRestoreRefuses: restore changes nothing when the file is not a store, when the store is
// open, and (without force) when the directory holds anything.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	live := t.TempDir()
	s, err := Open(live)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRecord(ctx, testRecord(1, "Live")); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}

	// A store open (by this process: SQLite's locks see it as they see another's).
	if busy, err := InUse(live); err != nil || !busy {
		t.Errorf("InUse of an open store: %v, %v", busy, err)
	}
	if err := Restore(ctx, backup, live, true); !errors.Is(err, ErrInUse) {
		t.Errorf("restore onto an open store: %v, want ErrInUse", err)
	}
	s.Close()
	if busy, err := InUse(live); err != nil || busy {
		t.Errorf("InUse of a closed store: %v, %v", busy, err)
	}

	// Not a store.
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte(strings.Repeat("not a database\n", 100)), 0o600)
	empty := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(empty, nil, 0o600)
	for _, f := range []string{notes, empty} {
		fresh := filepath.Join(t.TempDir(), "fresh")
		var nse *NotAStoreError
		if err := Restore(ctx, f, fresh, false); !errors.As(err, &nse) {
			t.Errorf("restore of %s: %v, want NotAStoreError", filepath.Base(f), err)
		}
		if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("restore of %s made %s", filepath.Base(f), fresh)
		}
	}

	// A store whose pages are damaged fails the integrity check, and is not restored.
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	for page := 2; page*4096 < len(b); page++ { // the pages of the tables, not the header's
		copy(b[(page-1)*4096+8:page*4096], strings.Repeat("\xff", 4096))
	}
	os.WriteFile(damaged, b, 0o600)
	fresh := filepath.Join(t.TempDir(), "fresh")
	var nse *NotAStoreError
	if err := Restore(ctx, damaged, fresh, false); !errors.As(err, &nse) {
		t.Errorf("restore of a damaged store: %v, want NotAStoreError", err)
	}
	if entries, _ := os.ReadDir(fresh); len(entries) != 0 {
		t.Errorf("restore of a damaged store left %v", entries)
	}

	// A directory with a store, closed: only with force.
	if err := Restore(ctx, backup, live, false); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore onto a store without force: %v", err)
	}
	if err := Restore(ctx, backup, live, true); err != nil {
		t.Errorf("restore onto a closed store with force: %v", err)
	}
	entries, _ := os.ReadDir(live)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("after the restore the directory holds %v", entries)
	}
}
