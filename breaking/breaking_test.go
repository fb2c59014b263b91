package breaking

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
)

func f64(v float64) *float64 { return &v }

// version is a small package's bundle, which each case changes.
func version() *bundle.Bundle {
	always := &rules.Requirement{Always: true}
	return &bundle.Bundle{
		Country: bundle.Country{Languages: []string{"en", "fr"}},
		Areas:   []bundle.Area{{Code: "R1", Name: "North"}, {Code: "R2", Name: "South"}},
		Offices: []bundle.Office{{Code: "O1", Name: "North registry"}, {Code: "O2", Name: "South registry"}},
		Roles: []bundle.Role{
			{ID: "registrar", Grants: map[string][]string{"birth": {"declare", "register", "print"}}},
			{ID: "clerk", Grants: map[string][]string{"birth": {"declare"}}},
		},
		Events: []bundle.Event{{
			ID: "birth",
			Pages: []bundle.Page{{ID: "child", Fields: []bundle.Field{
				{ID: "child.name", Type: "name", Parts: []string{"given", "middle", "family"}},
				{ID: "child.sex", Type: "select", Options: []bundle.Option{{Value: "female"}, {Value: "male"}}},
				{ID: "child.weight", Type: "number", Min: f64(0), Max: f64(10)},
				{ID: "child.place", Type: "location", Of: "area", Level: "district"},
				{ID: "child.notes", Type: "text"},
				{ID: "child.nid", Type: "idnumber", Pattern: "[0-9]{10}"},
			}}},
			Rules:        &rules.FormIR{Fields: []rules.FieldIR{{ID: "child.name", Required: always}, {ID: "child.notes"}}},
			Flags:        []bundle.Flag{{ID: "late"}},
			Statuses:     []bundle.Status{{ID: "declared"}, {ID: "validated"}, {ID: "registered"}},
			Actions:      []bundle.Action{{ID: "declare"}, {ID: "validate"}, {ID: "register"}, {ID: "print"}},
			Numbering:    bundle.Numbering{Format: "B{year}{seq:6}", Scope: "year"},
			Certificates: []bundle.Certificate{{ID: "birth-certificate"}},
		}, {ID: "death"}},
	}
}

func TestEveryRule(t *testing.T) {
	for _, c := range []struct {
		rule   string
		change func(b *bundle.Bundle)
		want   string
	}{
		{"LANGUAGE_REMOVED", func(b *bundle.Bundle) { b.Country.Languages = []string{"en"} }, "language fr is no longer one of the country's languages"},
		{"EVENT_REMOVED", func(b *bundle.Bundle) { b.Events = b.Events[:1] }, "event death is gone"},
		{"FIELD_REMOVED", func(b *bundle.Bundle) { drop(&b.Events[0].Pages[0].Fields, 4) }, "field child.notes of birth is gone"},
		{"FIELD_TYPE_CHANGED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[1].Type = "text" }, "field child.sex asks for a text (text), not one choice as before"},
		{"FIELD_TYPE_CHANGED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[3].Level = "village" }, "field child.place asks for an area at level village, not an area at level district as before"},
		{"FIELD_PART_REMOVED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[0].Parts = []string{"given", "family"} }, "field child.name has no part middle any more"},
		{"OPTION_REMOVED", func(b *bundle.Bundle) { drop(&b.Events[0].Pages[0].Fields[1].Options, 1) }, "option male of field child.sex is gone"},
		{"FIELD_NARROWED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[2].Max = f64(7) }, "field child.weight: max 7 was 10"},
		{"FIELD_NARROWED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[5].Pattern = "[0-9]{12}" }, `field child.nid: its pattern changed from "[0-9]{10}" to "[0-9]{12}"`},
		{"FIELD_NOW_REQUIRED", func(b *bundle.Bundle) { b.Events[0].Rules.Fields[1].Required = &rules.Requirement{Always: true} }, "field child.notes is required now"},
		{"FIELD_NOW_REQUIRED", func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "child.order", Type: "number"})
			b.Events[0].Rules.Fields = append(b.Events[0].Rules.Fields, rules.FieldIR{ID: "child.order", Required: &rules.Requirement{Always: true}})
		}, "new field child.order is required"},
		{"STATUS_REMOVED", func(b *bundle.Bundle) { drop(&b.Events[0].Statuses, 1) }, "status validated is gone (status 2 of the old workflow)"},
		{"FLAG_REMOVED", func(b *bundle.Bundle) { b.Events[0].Flags = nil }, "flag late is gone"},
		{"ACTION_REMOVED", func(b *bundle.Bundle) { drop(&b.Events[0].Actions, 1) }, "action validate is gone"},
		{"ROLE_REMOVED", func(b *bundle.Bundle) { b.Roles = b.Roles[:1] }, "role clerk is gone"},
		{"GRANT_REMOVED", func(b *bundle.Bundle) { b.Roles[0].Grants["birth"] = []string{"declare", "register"} }, "role registrar may no longer take action print on birth records"},
		{"NUMBERING_CHANGED", func(b *bundle.Bundle) { b.Events[0].Numbering.Scope = "national" }, "the sequences restart in the new scope"},
		{"NUMBERING_CHANGED", func(b *bundle.Bundle) { b.Events[0].Numbering.Format = "B{year}{seq:5}" }, "nothing in the two formats' fixed text tells their numbers apart"},
		{"CERTIFICATE_REMOVED", func(b *bundle.Bundle) { b.Events[0].Certificates = nil }, "certificate birth-certificate is gone"},
		{"AREA_REMOVED", func(b *bundle.Bundle) { b.Areas = b.Areas[:1] }, "area R2 (South) is gone"},
		{"OFFICE_REMOVED", func(b *bundle.Bundle) { b.Offices = b.Offices[1:] }, "office O1 (North registry) is gone"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			new := version()
			c.change(new)
			got := Check(version(), new)
			if len(got) != 1 || got[0].Rule != c.rule || !strings.Contains(got[0].Message, c.want) || got[0].Fix == "" {
				t.Errorf("got %s, want one %s: %s", show(got), c.rule, c.want)
			}
		})
	}
	if got := Check(version(), version()); len(got) != 0 {
		t.Errorf("the same version: %s", show(got))
	}
}

// What only adds, or changes nothing a record holds, breaks nothing.
func TestCompatibleChanges(t *testing.T) {
	for name, change := range map[string]func(b *bundle.Bundle){
		"an optional field added": func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "x", Type: "text"})
		},
		"an option added": func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields[1].Options = append(b.Events[0].Pages[0].Fields[1].Options, bundle.Option{Value: "x"})
		},
		"bounds widened":        func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[2].Max = f64(12) },
		"a field made optional": func(b *bundle.Bundle) { b.Events[0].Rules.Fields[0].Required = nil },
		"a field moved to a page": func(b *bundle.Bundle) {
			b.Events[0].Pages = append(b.Events[0].Pages, bundle.Page{ID: "more", Fields: []bundle.Field{b.Events[0].Pages[0].Fields[4]}})
			drop(&b.Events[0].Pages[0].Fields, 4)
		},
		"a new prefix for numbers": func(b *bundle.Bundle) {
			b.Events[0].Numbering = bundle.Numbering{Format: "N{year}{seq:6}", Scope: "national"}
		},
		"a separator where a digit was": func(b *bundle.Bundle) {
			b.Events[0].Numbering.Format = "B-{year}{seq:6}"
		},
		"a fixed suffix": func(b *bundle.Bundle) {
			b.Events[0].Numbering = bundle.Numbering{Format: "B{year}{seq:6}/N", Scope: "national"}
		},
		"a new language, grant, area, office, status": func(b *bundle.Bundle) {
			b.Country.Languages = append(b.Country.Languages, "am")
			b.Roles[1].Grants["birth"] = append(b.Roles[1].Grants["birth"], "print")
			b.Areas = append(b.Areas, bundle.Area{Code: "R3"})
			b.Offices = append(b.Offices, bundle.Office{Code: "O3"})
			b.Events[0].Statuses = append(b.Events[0].Statuses, bundle.Status{ID: "revoked"})
		},
	} {
		new := version()
		change(new)
		if got := Check(version(), new); len(got) != 0 {
			t.Errorf("%s: %s", name, show(got))
		}
	}
}

// Numbers of two formats collide unless their fixed text tells them apart for certain.
func TestCollides(t *testing.T) {
	for _, c := range []struct {
		old, new string
		apart    bool
	}{
		{"B{year}{seq:6}", "B{year}{seq:6}", false},
		{"B{year}{seq:6}", "D{year}{seq:6}", true},
		{"B{year}{seq:6}", "{event}-{year}-{seq:6}", true}, // "birth-" against B and a digit: 'i' against a digit
		{"B-{year}-{office}-{seq:6}", "B-{year}-{seq:6}", false},
		{"B{office}{seq:6}", "B{area}{seq:6}", false},
		{"{seq:8}", "{year}{seq:4}", false},
		{"{office}/{seq:6}", "{office}/{seq:6}/B", true}, // the ends differ: a digit against B
		{"B{year}{seq:6}", "B{year}{seq:6}X", true},
	} {
		why := collides("birth", bundle.Numbering{Format: c.old, Scope: "year"}, bundle.Numbering{Format: c.new, Scope: "national"})
		if (why == "") != c.apart {
			t.Errorf("%s -> %s: %q, want apart %v", c.old, c.new, why, c.apart)
		}
	}
}

func drop[T any](s *[]T, i int) { *s = slices.Delete(*s, i, i+1) }

func show(cs []Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %v: %s", c.Rule, c.Path, c.Message))
	}
	return "[" + strings.Join(out, "; ") + "]"
}
