package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/dupgen"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// crvsctl stats reads what crvsctl serve stored: births declared and registered through the
// records service, counted here by the test from the records themselves.
func TestStatsCommand(t *testing.T) {
	const pkg = "../../countries/nerovia"
	b, diags := compiler.Build(pkg)
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	if _, err := b.Encode(); err != nil {
		t.Fatal(err)
	}
	m, err := records.NewModel(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := sqlitestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	svc := &records.Service{Model: m, Store: st, Now: func() time.Time { return now }}
	clerk, _ := m.ActorFor("lidya.verhane")    // a local registrar of NV0101: declares and registers
	district, _ := m.ActorFor("fenna.albrecq") // registers the late ones
	for name, data := range dupgen.Documents() {
		if _, _, err := st.SaveDocument(ctx, &store.Document{User: clerk.User.Username, Name: name, Data: data, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	// What the test expects, counted from the records it registered.
	bySex := map[string]int{}
	total := 0
	for i := range 40 {
		d := dupgen.Person("birth", 7, i, "2026-11-23")
		raw, _ := json.Marshal(d)
		r, _, err := svc.Declare(ctx, clerk, records.Declaration{Event: "birth", Data: raw})
		if err != nil {
			t.Fatalf("declare %d: %v", i, err)
		}
		if i%5 == 4 {
			continue // left declared: not counted
		}
		by := clerk
		if len(r.Flags) > 0 {
			by = district
		}
		_, err = svc.Act(ctx, by, r.ID, records.ActionRequest{Action: "register", Version: r.Version})
		if err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		if dob, _ := d["child.dob"].(string); dob[:4] == "2026" {
			total++
			bySex[d["child.sex"].(string)]++
		}
	}
	st.Close()
	if total == 0 {
		t.Fatal("no birth of 2026 registered: the test proves nothing")
	}

	stdout := func(args ...string) []byte {
		t.Helper()
		var out, errs bytes.Buffer
		cmd := newRootCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&errs)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("crvsctl %v: %v\n%s", args, err, errs.String())
		}
		return out.Bytes()
	}
	var rep stats.Report
	if err := json.Unmarshal(stdout("stats", pkg, "--data", dir, "--event", "birth", "--year", "2026", "--format", "json"), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Registered != int64(total) {
		t.Errorf("json: %d registered, want %d", rep.Registered, total)
	}
	for _, kc := range rep.BySex {
		if kc.Count != int64(bySex[kc.Key]) {
			t.Errorf("json: %s %d, want %d", kc.Key, kc.Count, bySex[kc.Key])
		}
	}

	// The CSV's registrations, month by month, add up to the same; a count under the
	// package's threshold is suppressed.
	lines, err := csv.NewReader(bytes.NewReader(stdout("stats", pkg, "--data", dir, "--event", "birth", "--year", "2026", "--lang", "fr"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := lines[0]; len(got) != 10 || got[0] != "event" || got[6] != "value" {
		t.Fatalf("csv header %q", got)
	}
	for _, l := range lines[1:] {
		if l[3] == stats.TableRegistrations && l[4] == "*" && l[5] == "*" {
			want := strconv.Itoa(total)
			if total < b.Statistics.SuppressBelow {
				want = stats.Suppressed
			}
			if l[6] != want {
				t.Errorf("csv: total %s, want %s", l[6], want)
			}
		}
	}

	// XLSX to a file, chosen by its extension.
	xlsx := filepath.Join(t.TempDir(), "births.xlsx")
	stdout("stats", pkg, "--data", dir, "--event", "birth", "--year", "2026", "-o", xlsx)
	if data, err := os.ReadFile(xlsx); err != nil || !bytes.HasPrefix(data, []byte("PK")) {
		t.Errorf("%s: %v, not a zip (XLSX) file", xlsx, err)
	}

	// Mistakes of the command line.
	for _, args := range [][]string{
		{"stats", pkg, "--data", dir},
		{"stats", pkg, "--data", dir, "--event", "marriage"},
		{"stats", pkg, "--data", dir, "--event", "birth", "--area", "NV99"},
		{"stats", pkg, "--data", dir, "--event", "birth", "--format", "pdf"},
		{"stats", pkg, "--data", dir, "--event", "birth", "--lang", "de"},
	} {
		cmd := newRootCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		var usage usageError
		if err := cmd.Execute(); err == nil || !errors.As(err, &usage) {
			t.Errorf("crvsctl %v: %v, want a usage error", args[3:], err)
		}
	}
}
