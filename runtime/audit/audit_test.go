package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/store"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// chain makes n entries, chained.
func chain(n int) []store.AuditEntry {
	out := make([]store.AuditEntry, n)
	var head *store.AuditEntry
	for i := range out {
		e := store.AuditEntry{Time: t0.Add(time.Duration(i) * time.Second), User: fmt.Sprintf("user%d", i%7), Role: "clerk",
			Office: "O1", Areas: []string{"D11", "R1"}, Kind: store.AuditAction, Record: fmt.Sprintf("REC%06d", i/3), Action: "declare",
			Details: json.RawMessage(`{"copies":1}`)}
		e.Chain(head)
		out[i] = e
		head = &out[i]
	}
	return out
}

func key(t testing.TB, id string) (*seal.PrivateKey, *seal.Keyring) {
	k, err := seal.GenerateKey(id, "2026-01-01", "2030-12-31", "")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := seal.MarshalKeyring(k.Public())
	ring, err := seal.ParseKeyring(data)
	if err != nil {
		t.Fatal(err)
	}
	return k, ring
}

func iter(entries []store.AuditEntry) func() (*store.AuditEntry, error) {
	i := 0
	return func() (*store.AuditEntry, error) {
		if i == len(entries) {
			return nil, nil
		}
		i++
		return &entries[i-1], nil
	}
}

func messages(r *Report) string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, p.Message)
	}
	return strings.Join(out, "\n")
}

func TestVerify(t *testing.T) {
	k, ring := key(t, "AUDIT-1")
	_, other := key(t, "AUDIT-1") // same id, another key
	at := t0.Add(time.Hour)
	checkpointsOf := func(entries []store.AuditEntry, seqs ...int) []store.AuditCheckpoint {
		var out []store.AuditCheckpoint
		for _, s := range seqs {
			out = append(out, *Sign(&entries[s-1], k, at))
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		change func(entries []store.AuditEntry, cps []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint)
		ring   *seal.Keyring
		want   string
	}{
		{name: "intact", want: ""},
		{name: "altered", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			e[4].User = "mallory"
			return e, c
		}, want: "entry 5 was altered: its hash is not that of its content"},
		{name: "altered and hashed again", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			e[4].User = "mallory"
			e[4].Hash = store.AuditHash(&e[4])
			return e, c
		}, want: "entry 5 was altered: entry 6 does not follow from it (the hash it names is another)"},
		{name: "removed", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			return append(e[:4:4], e[5:]...), c
		}, want: "entry 5 was removed (entry 6 follows entry 4)"},
		{name: "several removed", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			return append(e[:4:4], e[7:]...), c
		}, want: "entries 5 to 7 were removed (entry 8 follows entry 4)"},
		{name: "removed and rewritten", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			// Entry 13 removed, and every entry after it renumbered and hashed again: only
			// the checkpoint after it tells.
			e = append(e[:12:12], e[13:]...)
			for i := 12; i < len(e); i++ {
				e[i].Chain(&e[i-1])
			}
			return e, c
		}, want: "entry 20 is not the one checkpoint 20 signed (key AUDIT-1, 2026-03-01 10:00:00Z): an entry after 10 up to 20 was altered or removed\n" +
			"entry 30 was removed: the log ends at entry 29, and a checkpoint signed entry 30"},
		{name: "end removed", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			return e[:25], c
		}, want: "entries 26 to 30 were removed: the log ends at entry 25, and a checkpoint signed entry 30"},
		{name: "forged checkpoint", change: func(e []store.AuditEntry, c []store.AuditCheckpoint) ([]store.AuditEntry, []store.AuditCheckpoint) {
			c[1].Hash = e[18].Hash
			return e, c
		}, want: "checkpoint of entry 20 (key AUDIT-1, 2026-03-01 10:00:00Z): its signature is not the key's: it was forged or altered"},
		{name: "unknown key", ring: other, want: "checkpoint of entry 10 (key AUDIT-1, 2026-03-01 10:00:00Z): its signature is not the key's: it was forged or altered\n" +
			"checkpoint of entry 20 (key AUDIT-1, 2026-03-01 10:00:00Z): its signature is not the key's: it was forged or altered\n" +
			"checkpoint of entry 30 (key AUDIT-1, 2026-03-01 10:00:00Z): its signature is not the key's: it was forged or altered"},
		{name: "no key", ring: &seal.Keyring{}, want: "checkpoint of entry 10 (key AUDIT-1, 2026-03-01 10:00:00Z): signed by a key no key file given holds\n" +
			"checkpoint of entry 20 (key AUDIT-1, 2026-03-01 10:00:00Z): signed by a key no key file given holds\n" +
			"checkpoint of entry 30 (key AUDIT-1, 2026-03-01 10:00:00Z): signed by a key no key file given holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries := chain(30)
			cps := checkpointsOf(entries, 10, 20, 30)
			if tc.change != nil {
				entries, cps = tc.change(entries, cps)
			}
			r := ring
			if tc.ring != nil {
				r = tc.ring
			}
			rep, err := Verify(iter(entries), cps, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := messages(rep); got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestExportRoundTrip(t *testing.T) {
	k, ring := key(t, "AUDIT-1")
	entries := chain(5)
	entries[2].Details = json.RawMessage(`{"b": 1,  "a": "<é>"}`) // spacing kept
	entries[2].Chain(&entries[1])
	for i := 3; i < 5; i++ {
		entries[i].Chain(&entries[i-1])
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.Encode(exportLine{Checkpoint: Sign(&entries[4], k, t0)})
	for _, e := range entries {
		enc.Encode(exportLine{Entry: &exportEntry{e.Seq, e.Time, e.User, e.Role, e.Office, e.Areas, e.Kind, e.Record, e.Action, string(e.Details), e.Prev, e.Hash}})
	}
	cps, next, err := ReadExport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(next, cps, ring)
	if err != nil || !rep.OK() || rep.Entries != 5 || rep.Checkpoints != 1 {
		t.Fatalf("verify of an export: %v %+v", err, rep)
	}
}

func TestReadExportErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"entry":{"seq":1},"checkpoint":{"seq":1}}`, "line 1: neither an entry nor a checkpoint"},
		{"\n{}", "line 2: neither an entry nor a checkpoint"},
		// The JSON library words its own errors one way or another depending on what else
		// the binary links (its v1 compatibility): only the line and the path are ours.
		{`{"entry":{"seq":"1"}}`, `line 1: json: * JSON string into Go int64 within "/entry/seq"`},
		{`{"entry":{"seq":1}}` + "\n" + `{"checkpoint":{"seq":1}}`, "line 2: a checkpoint after the entries (checkpoints come first)"},
		{`{"entry":{"seq":1}} {}`, "line 1: jsontext: invalid character '{' after top-level value after offset 20"},
	} {
		_, next, err := ReadExport(strings.NewReader(tc.in))
		for err == nil {
			var e *store.AuditEntry
			if e, err = next(); e == nil && err == nil {
				break
			}
		}
		if err == nil || !matches(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s", tc.in, err, tc.want)
		}
	}
}

// matches tells whether got is want, where a "*" in want stands for any text.
func matches(got, want string) bool {
	before, after, wild := strings.Cut(want, "*")
	if !wild {
		return got == want
	}
	return len(got) >= len(before)+len(after) && strings.HasPrefix(got, before) && strings.HasSuffix(got, after)
}

func FuzzReadExport(f *testing.F) {
	entries := chain(2)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range entries {
		enc.Encode(exportLine{Entry: &exportEntry{e.Seq, e.Time, e.User, e.Role, e.Office, e.Areas, e.Kind, e.Record, e.Action, string(e.Details), e.Prev, e.Hash}})
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"checkpoint":{"seq":1,"hash":"x","time":"2026-01-01T00:00:00Z","keyId":"K","signature":"AA=="}}`))
	f.Add([]byte("{}\n\n{\"entry\":null}"))
	_, ring := key(f, "K")
	f.Fuzz(func(t *testing.T, data []byte) {
		cps, next, err := ReadExport(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever the file holds, verifying it ends, with a report or an error.
		if _, err := Verify(next, cps, ring); err != nil {
			return
		}
	})
}

// BenchmarkVerify1M verifies an export of 1,000,000 entries with a checkpoint every 1,000.
func BenchmarkVerify1M(b *testing.B) {
	k, ring := key(b, "AUDIT-1")
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	var head store.AuditEntry
	var cps []store.AuditCheckpoint
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for i := range n {
		e := store.AuditEntry{Time: t0.Add(time.Duration(i) * time.Second), User: fmt.Sprintf("user%d", i%500), Role: "registrar",
			Office: "OF-" + fmt.Sprint(i%40), Areas: []string{"D" + fmt.Sprint(i%40), "R" + fmt.Sprint(i%8)}, Kind: store.AuditAction,
			Record: fmt.Sprintf("REC%07d", i/4), Action: "validate", Details: json.RawMessage(`{"status":"validated"}`)}
		if i == 0 {
			e.Chain(nil)
		} else {
			e.Chain(&head)
		}
		head = e
		enc.Encode(exportLine{Entry: &exportEntry{e.Seq, e.Time, e.User, e.Role, e.Office, e.Areas, e.Kind, e.Record, e.Action, string(e.Details), e.Prev, e.Hash}})
		if e.Seq%1000 == 0 {
			cps = append(cps, *Sign(&e, k, e.Time))
		}
	}
	for _, c := range cps {
		json.NewEncoder(f).Encode(exportLine{Checkpoint: &c})
	}
	f.Write(lines.Bytes())
	f.Close()
	fi, _ := os.Stat(path)
	// The CPU time too: on a machine shared with other work, the wall time says more of the
	// others than of this.
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		cps, next, err := ReadExport(f)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Verify(next, cps, ring)
		f.Close()
		if err != nil || !rep.OK() || rep.Entries != n || rep.Checkpoints != n/1000 {
			b.Fatalf("%v %d entries %d checkpoints %s", err, rep.Entries, rep.Checkpoints, messages(rep))
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
}
