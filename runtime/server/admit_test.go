package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/breaking"
	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// version is nerovia's bundle changed by change, with its hash, and as written.
func version(t *testing.T, change func(b *bundle.Bundle)) (*bundle.Bundle, []byte) {
	t.Helper()
	b, diags := compiler.Build(nerovia)
	if b == nil {
		t.Fatalf("building nerovia: %v", diags)
	}
	if change != nil {
		change(b)
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b, data
}

func dropStatus(event, status string) func(*bundle.Bundle) {
	return func(b *bundle.Bundle) {
		for i := range b.Events {
			if b.Events[i].ID == event {
				b.Events[i].Statuses = slices.DeleteFunc(b.Events[i].Statuses, func(s bundle.Status) bool { return s.ID == status })
			}
		}
	}
}

// TestAdmit: the store keeps every bundle served; a new one that would strand records (a
// status records are in, gone) is refused with the record named, unless its rule is allowed;
// one that strands nothing is served, its breaking changes returned to be logged; an older
// one is a downgrade, refused unless allowed; a stored bundle that no longer matches its hash
// is refused with what to do.
func TestAdmit(t *testing.T) {
	ctx := context.Background()
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	admit := func(b *bundle.Bundle, data []byte, a server.Admission) ([]string, error) {
		t.Helper()
		a.Now = now
		now = now.Add(time.Minute)
		others, err := server.Admit(ctx, st, b, data, a)
		var rules []string
		for _, c := range others {
			rules = append(rules, c.Rule)
		}
		return rules, err
	}
	kept := func() []string {
		t.Helper()
		bs, err := st.Bundles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			out = append(out, b.Version)
		}
		return out
	}

	v1, d1 := version(t, nil)
	for range 2 {
		if _, err := admit(v1, d1, server.Admission{}); err != nil {
			t.Fatalf("v1: %v", err)
		}
	}
	if got := kept(); !slices.Equal(got, []string{v1.Version}) {
		t.Fatalf("kept %v, want v1 once", got)
	}

	// A status no record is in may go: served, the change returned.
	v2, d2 := version(t, func(b *bundle.Bundle) { b.Version = "2.0.0"; dropStatus("birth", "archived")(b) })
	if others, err := admit(v2, d2, server.Admission{}); err != nil || !slices.Contains(others, "STATUS_REMOVED") {
		t.Fatalf("v2: %v, %v", others, err)
	}

	// A status a record is in may not.
	raw, _ := json.Marshal(map[string]any{})
	r := &store.Record{ID: "ADMIT00001", Event: "birth", Bundle: v2.Hash, Status: "declared", Data: raw, Office: "CR0101",
		Version: 1, Created: now, Updated: now, CreatedBy: "lidya.verhane"}
	if err := st.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	v3, d3 := version(t, func(b *bundle.Bundle) {
		b.Version = "3.0.0"
		dropStatus("birth", "archived")(b)
		dropStatus("birth", "declared")(b)
	})
	_, err = admit(v3, d3, server.Admission{})
	var refused *server.Refused
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "STATUS_REMOVED: status declared is gone") || !strings.Contains(err.Error(), "ADMIT00001") {
		t.Fatalf("v3: %v, want refused for the record in status declared", err)
	}
	if got := kept(); len(got) != 2 {
		t.Errorf("a refused bundle was kept: %v", got)
	}
	if _, err := admit(v3, d3, server.Admission{Allow: []string{"STATUS_REMOVED"}}); err != nil {
		t.Fatalf("v3 allowed: %v", err)
	}

	// Older than the newest served: a downgrade.
	v25, d25 := version(t, func(b *bundle.Bundle) { b.Version = "2.5.0" })
	for _, older := range []struct {
		b    *bundle.Bundle
		data []byte
	}{{v2, d2}, {v25, d25}} {
		if _, err := admit(older.b, older.data, server.Admission{Allow: []string{"STATUS_REMOVED"}}); !errors.As(err, &refused) || !strings.Contains(err.Error(), "older than 3.0.0") {
			t.Errorf("%s after 3.0.0: %v, want a downgrade refused", older.b.Version, err)
		}
	}
	if _, err := admit(v2, d2, server.Admission{Downgrade: true}); err != nil {
		t.Errorf("a downgrade allowed: %v", err)
	}

	// A stored bundle damaged since.
	if err := st.KeepBundle(ctx, store.BundleInfo{Hash: "sha256:damaged", Version: "9.0.0", Served: now.Add(time.Hour)}, []byte(`{"format": 2}`)); err != nil {
		t.Fatal(err)
	}
	v10, d10 := version(t, func(b *bundle.Bundle) { b.Version = "10.0.0" })
	if _, err := admit(v10, d10, server.Admission{}); err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "restore the store from a backup") {
		t.Errorf("after a damaged bundle: %v", err)
	}
}

// TestAdmitNumberingOfEveryVersion: a numbering given up and taken again in another scope is
// refused for the numbers its first time gave, though the version just before used another
// format; the same numbering taken again in its own scope goes on from its sequences.
func TestAdmitNumberingOfEveryVersion(t *testing.T) {
	ctx := context.Background()
	st, admitted := admitDaily(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // the records' times
	admit := func(b *bundle.Bundle, data []byte) error {
		t.Helper()
		_, err := admitted(b, data)
		return err
	}
	numbered := func(version, format, scope string) func(*bundle.Bundle) {
		return func(b *bundle.Bundle) {
			b.Version = version
			for i := range b.Events {
				if b.Events[i].ID == "birth" {
					b.Events[i].Numbering = bundle.Numbering{Format: format, Scope: scope}
				}
			}
		}
	}
	v1, d1 := version(t, numbered("1.0.0", "B-{year}-{office}-{seq:6}", "office-year"))
	if err := admit(v1, d1); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{})
	if err := st.CreateRecord(ctx, &store.Record{ID: "NUMBER0001", Event: "birth", Bundle: v1.Hash, Status: "registered", Data: raw,
		Office: "CR0101", Version: 1, Created: now, Updated: now, CreatedBy: "lidya.verhane"}); err != nil {
		t.Fatal(err)
	}
	// A new prefix cannot give an old number: served.
	v2, d2 := version(t, numbered("2.0.0", "N-{year}-{office}-{seq:6}", "year"))
	if err := admit(v2, d2); err != nil {
		t.Fatalf("v2: %v", err)
	}
	// Back to version 1's format, numbered per year: nothing like version 2's numbers, but
	// version 1's office sequences gave B-2026-CR0101-000001 and the new year's sequence would
	// give it again.
	v3, d3 := version(t, numbered("3.0.0", "B-{year}-{office}-{seq:6}", "year"))
	err := admit(v3, d3)
	var refused *server.Refused
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "NUMBERING_CHANGED: version 1.0.0, served from 2026-03-02: registration numbers B-{year}-{office}-{seq:6} (scope office-year) become B-{year}-{office}-{seq:6} (scope year)") ||
		!strings.Contains(err.Error(), "NUMBER0001") {
		t.Fatalf("v3: %v, want refused for version 1's numbers", err)
	}
	// Version 1's numbering itself again goes on from its own sequences: served.
	v4, d4 := version(t, numbered("4.0.0", "B-{year}-{office}-{seq:6}", "office-year"))
	if err := admit(v4, d4); err != nil {
		t.Fatalf("v4: %v", err)
	}
}

// TestAdmitPlacesNamed: an area or an office no record was declared at is still refused when
// a record names it in an answer (a mother's village, the hospital a child was born at),
// whatever version the record is at; one nobody names may go, its change returned.
func TestAdmitPlacesNamed(t *testing.T) {
	ctx := context.Background()
	st, admitted := admitDaily(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // the records' times
	admit := func(b *bundle.Bundle, data []byte) ([]string, error) {
		t.Helper()
		others, err := admitted(b, data)
		var rules []string
		for _, c := range others {
			rules = append(rules, c.Rule+" "+c.Subject)
		}
		return rules, err
	}
	without := func(version string, areas, offices []string) func(*bundle.Bundle) {
		return func(b *bundle.Bundle) {
			b.Version = version
			b.Areas = slices.DeleteFunc(b.Areas, func(a bundle.Area) bool { return slices.Contains(areas, a.Code) })
			b.Offices = slices.DeleteFunc(b.Offices, func(o bundle.Office) bool { return slices.Contains(offices, o.Code) })
		}
	}
	v1, d1 := version(t, func(b *bundle.Bundle) { b.Version = "1.0.0" })
	if _, err := admit(v1, d1); err != nil {
		t.Fatal(err)
	}
	// Version 1.1 changes nothing of places: the record below stays at version 1.
	v11, d11 := version(t, func(b *bundle.Bundle) { b.Version = "1.1.0" })
	if _, err := admit(v11, d11); err != nil {
		t.Fatal(err)
	}
	for i, r := range []*store.Record{
		{ID: "PLACE00001", Bundle: v1.Hash, Data: []byte(`{"mother.residence": "NV05030101", "child.facility": "HF068", "child.birthDistrict": "NV0504"}`)},
		{ID: "PLACE00002", Bundle: v11.Hash, Data: []byte(`{"child.birthDistrict": "NV0503", "mother.residence": "NV05030201"}`)},
	} {
		r.Event, r.Status, r.Office, r.Areas = "birth", "declared", "CR0101", []string{"NV0101", "NV01"}
		r.Version, r.Created, r.Updated, r.CreatedBy = 1, now.Add(time.Duration(i)*time.Minute), now, "lidya.verhane"
		if err := st.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	v2, d2 := version(t, without("2.0.0", []string{"NV05030101", "NV05030201", "NV05030202"}, []string{"HF068"}))
	_, err := admit(v2, d2)
	var refused *server.Refused
	if !errors.As(err, &refused) {
		t.Fatalf("v2: %v, want refused", err)
	}
	want := []string{
		"AREA_REMOVED: area NV05030101 (Lirro) is gone, and records name it (PLACE00001's mother.residence among them)",
		"AREA_REMOVED: area NV05030201 (Kodka) is gone, and records name it (PLACE00002's mother.residence among them)",
		"OFFICE_REMOVED: office HF068 (Sesholel Health Centre) is gone, and records name it (PLACE00001's child.facility among them)",
	}
	for _, w := range want {
		if !slices.ContainsFunc(refused.Reasons, func(r string) bool { return strings.HasPrefix(r, w) }) {
			t.Errorf("v2 refused for\n  %s\nnot for\n  %s", strings.Join(refused.Reasons, "\n  "), w)
		}
	}
	if len(refused.Reasons) != len(want) {
		t.Errorf("v2 refused for\n  %s\nwant %d reasons: Ramalo (NV05030202) nobody names", strings.Join(refused.Reasons, "\n  "), len(want))
	}

	// Ramalo alone, which nobody names, goes.
	v3, d3 := version(t, without("3.0.0", []string{"NV05030202"}, nil))
	if others, err := admit(v3, d3); err != nil || !slices.Contains(others, "AREA_REMOVED NV05030202") {
		t.Fatalf("v3: %v, %v, want served with the change", others, err)
	}
}

// admitDaily is a new store and a function that admits a bundle to it as crvsctl serve does,
// each a day after the one before (from 2026-03-02), returning the changes to log.
func admitDaily(t *testing.T) (store.Store, func(*bundle.Bundle, []byte) ([]breaking.Change, error)) {
	t.Helper()
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return st, func(b *bundle.Bundle, data []byte) ([]breaking.Change, error) {
		now = now.Add(24 * time.Hour)
		return server.Admit(context.Background(), st, b, data, server.Admission{Now: now})
	}
}
