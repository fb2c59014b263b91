package records

import (
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestNationalOffice: an office without an area (headquarters, an embassy, as OpenCRVS's
// Location/0) is national. A role of area jurisdiction there reaches the whole nation, in
// what it may act on as in what it finds; a role of office jurisdiction keeps to the office.
func TestNationalOffice(t *testing.T) {
	b := &bundle.Bundle{
		Areas: []bundle.Area{{Code: "R1", Name: "North", Level: "region"}, {Code: "D1", Name: "Lakeside", Parent: "R1", Level: "district"}},
		Offices: []bundle.Office{
			{Code: "HQ", Name: "Headquarters", Type: "crvs-office"},
			{Code: "EMB", Name: "Embassy in Paris", Type: "crvs-office"},
			{Code: "O1", Name: "Lakeside registry", Type: "crvs-office", Area: "D1"},
		},
		Users: []bundle.User{{Username: "hq", Role: "registrar", Office: "HQ"}, {Username: "emb", Role: "clerk", Office: "EMB"}, {Username: "lake", Role: "registrar", Office: "O1"}},
		Roles: []bundle.Role{{ID: "registrar", Jurisdiction: "area"}, {ID: "clerk", Jurisdiction: "office"}},
	}
	m, err := NewModel(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.AreaAt("HQ", "region"); got != "" {
		t.Errorf("region of HQ = %q, want none", got)
	}
	s := &Service{Model: m}
	for _, c := range []struct {
		user, office string
		areas        []string
		in           bool
		qArea, qOff  string
	}{
		{"hq", "O1", []string{"D1", "R1"}, true, "", ""},
		{"hq", "EMB", nil, true, "", ""},
		{"lake", "EMB", nil, false, "D1", ""},
		{"emb", "EMB", nil, true, "", "EMB"},
		{"emb", "HQ", nil, false, "", "EMB"},
	} {
		a, ok := m.ActorFor(c.user)
		if !ok {
			t.Fatalf("no actor %s", c.user)
		}
		if got := a.InJurisdiction(c.office, c.areas); got != c.in {
			t.Errorf("%s: record of %s in jurisdiction: %v, want %v", c.user, c.office, got, c.in)
		}
		var q store.Query
		if !s.limit(a, &q) || q.Area != c.qArea || q.Office != c.qOff {
			t.Errorf("%s: search limited to area %q office %q, want %q %q", c.user, q.Area, q.Office, c.qArea, c.qOff)
		}
	}
}
