package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// auditCases are the conformance cases of the audit log.
var auditCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"AuditChain", testAuditChain},
	{"AuditSearch", testAuditSearch},
	{"AuditWithRecords", testAuditWithRecords},
	{"AuditAtOnce", testAuditAtOnce},
	{"AuditCheckpoints", testAuditCheckpoints},
}

// auditAll reads the whole log, oldest first, a page of size at a time.
func auditAll(t *testing.T, s store.Store, q store.AuditQuery) []store.AuditEntry {
	t.Helper()
	q.Oldest = true
	var out []store.AuditEntry
	for {
		p, err := s.AuditLog(ctx, q)
		must(t, err)
		out = append(out, p.Entries...)
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

// checkChain fails unless entries are 1..n, each linked to the one before, each hash right.
func checkChain(t *testing.T, entries []store.AuditEntry) {
	t.Helper()
	prev := ""
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i+1, e.Seq)
		}
		if e.Prev != prev {
			t.Fatalf("entry %d: prev %q, want %q", e.Seq, e.Prev, prev)
		}
		if h := store.AuditHash(&e); h != e.Hash {
			t.Fatalf("entry %d: hash %s, recomputed %s", e.Seq, e.Hash, h)
		}
		prev = e.Hash
	}
}

func testAuditChain(t *testing.T, s store.Store) {
	details := json.RawMessage(`{"b": 1,  "a":"é"}`) // kept byte for byte, spaces and order included
	want := []store.AuditEntry{
		{Time: at(1).Add(123456789), User: "amina", Role: "clerk", Office: "O1", Areas: []string{"D11", "R1"}, Kind: store.AuditLogin, Details: details},
		{Time: at(2), User: "amina", Role: "clerk", Office: "O1", Areas: []string{"D11", "R1"}, Kind: store.AuditAction, Record: "R-1", Action: "declare"},
		{Time: at(3), User: "someone", Kind: store.AuditLoginFailed},
	}
	for i := range want {
		e := want[i]
		must(t, s.AppendAudit(ctx, &e))
		if e.Seq != int64(i+1) || e.Hash == "" || e.Hash != store.AuditHash(&e) {
			t.Fatalf("appended entry %d: seq %d hash %q", i+1, e.Seq, e.Hash)
		}
		want[i] = e
	}
	got := auditAll(t, s, store.AuditQuery{})
	checkChain(t, got)
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3", len(got))
	}
	for i := range want {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("entry %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
	if string(got[0].Details) != string(details) {
		t.Errorf("details %s, want %s byte for byte", got[0].Details, details)
	}
	if !got[0].Time.Equal(at(1).Add(123 * time.Millisecond)) {
		t.Errorf("time %v, want it to the millisecond", got[0].Time)
	}
	// Appending more changes none of them.
	more := store.AuditEntry{Time: at(4), User: "amina", Kind: store.AuditLogout}
	must(t, s.AppendAudit(ctx, &more))
	again := auditAll(t, s, store.AuditQuery{})
	checkChain(t, again)
	if g, w := fmt.Sprint(again[:3]), fmt.Sprint(got); g != w {
		t.Errorf("entries changed by an append:\n got %s\nwant %s", g, w)
	}
	// Newest first, in pages.
	p, err := s.AuditLog(ctx, store.AuditQuery{Limit: 3})
	must(t, err)
	if len(p.Entries) != 3 || p.Entries[0].Seq != 4 || p.Entries[2].Seq != 2 || p.Next == "" {
		t.Fatalf("newest first: %v next %q", seqs(p.Entries), p.Next)
	}
	p, err = s.AuditLog(ctx, store.AuditQuery{Limit: 3, After: p.Next})
	must(t, err)
	if len(p.Entries) != 1 || p.Entries[0].Seq != 1 || p.Next != "" {
		t.Fatalf("second page: %v next %q", seqs(p.Entries), p.Next)
	}
}

func seqs(entries []store.AuditEntry) []int64 {
	var out []int64
	for _, e := range entries {
		out = append(out, e.Seq)
	}
	return out
}

func testAuditSearch(t *testing.T, s store.Store) {
	add := func(minute int, user, office string, areas []string, kind, record string) {
		must(t, s.AppendAudit(ctx, &store.AuditEntry{Time: at(minute), User: user, Office: office, Areas: areas, Kind: kind, Record: record}))
	}
	add(1, "amina", "O1", []string{"D11", "R1"}, store.AuditLogin, "")
	add(2, "amina", "O1", []string{"D11", "R1"}, store.AuditAction, "A")
	add(3, "bekele", "O2", []string{"D12", "R1"}, store.AuditAction, "B")
	add(4, "bekele", "O2", []string{"D12", "R1"}, store.AuditRead, "A")
	add(5, "chen", "O3", []string{"D21", "R2"}, store.AuditPrint, "C")
	for _, tc := range []struct {
		q    store.AuditQuery
		want []int64
	}{
		{store.AuditQuery{}, []int64{5, 4, 3, 2, 1}},
		{store.AuditQuery{User: "bekele"}, []int64{4, 3}},
		{store.AuditQuery{Record: "A"}, []int64{4, 2}},
		{store.AuditQuery{Kind: store.AuditAction}, []int64{3, 2}},
		{store.AuditQuery{Office: "O1"}, []int64{2, 1}},
		{store.AuditQuery{Area: "R1"}, []int64{4, 3, 2, 1}},
		{store.AuditQuery{Area: "D12"}, []int64{4, 3}},
		{store.AuditQuery{Area: "D1"}, nil}, // a code, not a prefix
		{store.AuditQuery{From: at(2), To: at(4)}, []int64{3, 2}},
		{store.AuditQuery{Area: "R1", Record: "A", From: at(3)}, []int64{4}},
		{store.AuditQuery{User: "nobody"}, nil},
	} {
		p, err := s.AuditLog(ctx, tc.q)
		must(t, err)
		if got := seqs(p.Entries); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
	}
	if _, err := s.AuditLog(ctx, store.AuditQuery{After: "x"}); err == nil {
		t.Errorf("a malformed cursor was taken")
	}
}

func testAuditWithRecords(t *testing.T, s store.Store) {
	audited := func(action string) context.Context {
		return store.WithAudit(ctx, &store.AuditEntry{Time: at(1), User: "amina", Role: "clerk", Kind: store.AuditAction, Action: action})
	}
	r := record("AUD1", 1)
	must(t, s.CreateRecord(audited("declare"), r))
	// Refused writes append nothing.
	if err := s.CreateRecord(audited("declare"), record("AUD1", 2)); err != store.ErrDuplicate {
		t.Fatalf("CreateRecord of a taken ID: %v", err)
	}
	next := *r
	next.Version, next.Status = 2, "validated"
	must(t, s.UpdateRecord(audited("validate"), &next, store.Entry{Version: 2, Action: "validate", User: "amina", At: at(2)}))
	stale := next
	if err := s.UpdateRecord(audited("validate"), &stale, store.Entry{Version: 2, Action: "validate", User: "amina", At: at(2)}); err != store.ErrConflict {
		t.Fatalf("UpdateRecord of a stale version: %v", err)
	}
	reg := next
	reg.Version, reg.Status = 3, "registered"
	must(t, s.NumberRecord(audited("register"), &reg, store.Entry{Version: 3, Action: "register", User: "amina", At: at(3)}, "number/aud", func(n int64) string {
		return fmt.Sprintf("AUD-%d", n)
	}))
	// A write without an entry appends none.
	unaudited := reg
	unaudited.Version = 4
	must(t, s.UpdateRecord(ctx, &unaudited, store.Entry{Version: 4, Action: "note", User: "amina", At: at(4)}))

	got := auditAll(t, s, store.AuditQuery{})
	checkChain(t, got)
	var actions []string
	for _, e := range got {
		actions = append(actions, e.Action)
		if e.Record != "AUD1" || e.Office != "O1" || !slices.Equal(e.Areas, []string{"D11", "R1"}) || e.User != "amina" {
			t.Errorf("entry %d: %+v, want the record's ID, office and areas", e.Seq, e)
		}
	}
	if !slices.Equal(actions, []string{"declare", "validate", "register"}) {
		t.Fatalf("entries of actions %v, want declare, validate, register", actions)
	}
	var d struct{ Number string }
	json.Unmarshal(got[2].Details, &d)
	if d.Number != "AUD-1" {
		t.Errorf("registration's entry details %s, want the number AUD-1", got[2].Details)
	}
}

// testAuditAtOnce appends from many writers at once, entries alone and with records: one
// chain, every entry once.
func testAuditAtOnce(t *testing.T, s store.Store) {
	const writers, each = 16, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				var err error
				if i == 0 {
					r := record(fmt.Sprintf("AT%02d", w), w)
					err = s.CreateRecord(store.WithAudit(ctx, &store.AuditEntry{Time: at(w), User: "amina", Kind: store.AuditAction, Action: "declare"}), r)
				} else {
					err = s.AppendAudit(ctx, &store.AuditEntry{Time: at(w), User: fmt.Sprintf("u%d", w), Kind: store.AuditRead, Details: json.RawMessage(fmt.Sprint(i))})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := auditAll(t, s, store.AuditQuery{})
	if len(got) != writers*each {
		t.Fatalf("%d entries, want %d", len(got), writers*each)
	}
	checkChain(t, got)
}

func testAuditCheckpoints(t *testing.T, s store.Store) {
	cs, err := s.AuditCheckpoints(ctx)
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("checkpoints of an empty store: %v", cs)
	}
	c2 := store.AuditCheckpoint{Seq: 2, Hash: "h2", Time: at(2), KeyID: "K1", Signature: "s2"}
	c1 := store.AuditCheckpoint{Seq: 1, Hash: "h1", Time: at(1), KeyID: "K1", Signature: "s1"}
	c1b := store.AuditCheckpoint{Seq: 1, Hash: "h1", Time: at(1), KeyID: "K2", Signature: "s1b"}
	for _, c := range []store.AuditCheckpoint{c2, c1, c1b, c1} { // c1 again: kept once
		must(t, s.AddAuditCheckpoint(ctx, &c))
	}
	cs, err = s.AuditCheckpoints(ctx)
	must(t, err)
	if g, w := fmt.Sprint(cs), fmt.Sprint([]store.AuditCheckpoint{c1, c1b, c2}); g != w {
		t.Errorf("checkpoints:\n got %s\nwant %s", g, w)
	}
}
