package breaking

import (
	"encoding/json"
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
		{"FIELD_TYPE_CHANGED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[4].Type = "phone" }, "field child.notes asks for a text (phone), not a text (text) as before"},
		{"FIELD_PART_REMOVED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[0].Parts = []string{"given", "family"} }, "field child.name has no part middle any more"},
		{"OPTION_REMOVED", func(b *bundle.Bundle) { drop(&b.Events[0].Pages[0].Fields[1].Options, 1) }, "option male of field child.sex is gone"},
		{"FIELD_NARROWED", func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[2].Max = f64(7) }, "field child.weight: its max changed from 10 to 7"},
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
		{"MIGRATION_MISMATCH", func(b *bundle.Bundle) {
			b.Events[0].Migration = &bundle.Migration{Removed: []string{"child.religion"}}
		}, "field child.religion is removed, but the old version has no field child.religion"},
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
		"bounds widened": func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[2].Max = f64(12) },
		"a pattern that still matches the old numbers": func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields[5].Pattern = "[0-9]{10}|[0-9]{12}"
		},
		"a field made optional":                  func(b *bundle.Bundle) { b.Events[0].Rules.Fields[0].Required = nil },
		"a text that may take several lines now": func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[4].Type = "longtext" },
		"an identity number that takes any text now": func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields[5].Type, b.Events[0].Pages[0].Fields[5].Pattern = "text", ""
		},
		"an area at any level now": func(b *bundle.Bundle) { b.Events[0].Pages[0].Fields[3].Level = "" },
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

// A migration moves records past what would break them, and the fix of what breaks them is the
// mapping that would not.
func TestMigration(t *testing.T) {
	field := func(b *bundle.Bundle, i int) *bundle.Field { return &b.Events[0].Pages[0].Fields[i] }
	rename := func(b *bundle.Bundle, i int, to string) {
		from := field(b, i).ID
		field(b, i).ID = to
		migrate(b).Renamed = map[string]string{from: to}
	}
	required := func(b *bundle.Bundle, id string) {
		b.Events[0].Rules.Fields = append(b.Events[0].Rules.Fields, rules.FieldIR{ID: id, Required: &rules.Requirement{Always: true}})
	}
	for _, c := range []struct {
		name   string
		change func(b *bundle.Bundle)
		want   []string // rule: what the message, then the fix, hold
	}{
		{"a field renamed", func(b *bundle.Bundle) { rename(b, 4, "child.remarks") }, nil},
		{"a field removed on purpose", func(b *bundle.Bundle) {
			drop(&b.Events[0].Pages[0].Fields, 4)
			migrate(b).Removed = []string{"child.notes"}
		}, nil},
		{"an option mapped", func(b *bundle.Bundle) {
			field(b, 1).Options = []bundle.Option{{Value: "female"}, {Value: "m"}}
			migrate(b).Options = map[string]map[string]string{"child.sex": {"male": "m"}}
		}, nil},
		{"a renamed field's option mapped", func(b *bundle.Bundle) {
			rename(b, 1, "child.gender")
			field(b, 1).Options = []bundle.Option{{Value: "female"}, {Value: "m"}}
			migrate(b).Options = map[string]map[string]string{"child.gender": {"male": "m"}}
		}, nil},
		{"a new required field with a default", func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "child.order", Type: "number"})
			required(b, "child.order")
			migrate(b).Defaults = map[string]json.RawMessage{"child.order": json.RawMessage("1")}
		}, nil},
		{"a field required now, with a default of its own", func(b *bundle.Bundle) {
			b.Events[0].Rules.Fields[1].Required = &rules.Requirement{Always: true}
			field(b, 4).Default = "none"
		}, nil},

		{"a field gone: remove it", func(b *bundle.Bundle) { drop(&b.Events[0].Pages[0].Fields, 4) },
			[]string{`FIELD_REMOVED: field child.notes of birth is gone: migration: removed: ["child.notes"]`}},
		{"a field gone, another like it new: rename it", func(b *bundle.Bundle) { field(b, 4).ID = "child.remarks" },
			[]string{`FIELD_REMOVED: field child.notes of birth is gone: migration: renamed: {"child.notes": "child.remarks"}`}},
		{"an option gone: map it", func(b *bundle.Bundle) { field(b, 1).Options = []bundle.Option{{Value: "female"}, {Value: "m"}} },
			[]string{`OPTION_REMOVED: option male of field child.sex is gone: migration: options: {"child.sex": {"male": "m"}}`}},
		{"a renamed field's option gone", func(b *bundle.Bundle) {
			rename(b, 1, "child.gender")
			field(b, 1).Options = []bundle.Option{{Value: "female"}}
		}, []string{`OPTION_REMOVED: option male of field child.sex (renamed child.gender) is gone: migration: options: {"child.gender": {"male": <female or a new option>}}`}},
		{"an option gone, nothing like it left: no value picked for the records", func(b *bundle.Bundle) {
			field(b, 1).Options = []bundle.Option{{Value: "female"}, {Value: "intersex"}, {Value: "unknown"}}
		}, []string{`OPTION_REMOVED: option male of field child.sex is gone: migration: options: {"child.sex": {"male": <one of female, intersex, unknown>}}`}},
		{"a new required field: give it a default", func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "child.kind", Type: "radio", Options: []bundle.Option{{Value: "single"}}})
			required(b, "child.kind")
		}, []string{`FIELD_NOW_REQUIRED: new field child.kind is required: migration: defaults: {"child.kind": <single or a new option>}`}},
		{"a new required choice that can say unknown: default to it", func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "child.kind", Type: "radio",
				Options: []bundle.Option{{Value: "single"}, {Value: "twin"}, {Value: "not-stated"}}})
			required(b, "child.kind")
		}, []string{`FIELD_NOW_REQUIRED: new field child.kind is required: migration: defaults: {"child.kind": "not-stated"}`}},
		{"a new required yes or no: no answer made up", func(b *bundle.Bundle) {
			b.Events[0].Pages[0].Fields = append(b.Events[0].Pages[0].Fields, bundle.Field{ID: "child.twin", Type: "yesno"})
			required(b, "child.twin")
		}, []string{`FIELD_NOW_REQUIRED: new field child.twin is required: migration: defaults: {"child.twin": <true or false>}`}},
		{"a field required now: give it a default", func(b *bundle.Bundle) { b.Events[0].Rules.Fields[1].Required = &rules.Requirement{Always: true} },
			[]string{`FIELD_NOW_REQUIRED: field child.notes is required now: migration: defaults: {"child.notes": <a text (text)>}`}},

		{"renamed to a field of another kind", func(b *bundle.Bundle) { rename(b, 4, "child.remarks"); field(b, 4).Type = "date" },
			[]string{"MIGRATION_MISMATCH: field child.notes is renamed to child.remarks, which asks for a date, not a text (text) as child.notes did: migration: removed"}},
		{"renamed to no field", func(b *bundle.Bundle) {
			drop(&b.Events[0].Pages[0].Fields, 4)
			migrate(b).Renamed = map[string]string{"child.notes": "child.remarks"}
		},
			[]string{"MIGRATION_MISMATCH: field child.notes is renamed to child.remarks, which is not a field of the new form: rename it"}},
		{"a field the old version does not have, renamed", func(b *bundle.Bundle) {
			rename(b, 4, "child.remarks")
			migrate(b).Renamed = map[string]string{"child.note": "child.remarks"}
		}, []string{"FIELD_REMOVED: field child.notes of birth is gone: ",
			"MIGRATION_MISMATCH: field child.note is renamed, but the old version has no field child.note: (did you mean child.notes?)"}},
		{"an option the old field does not offer, mapped", func(b *bundle.Bundle) {
			migrate(b).Options = map[string]map[string]string{"child.sex": {"unknown": "female"}}
		}, []string{"MIGRATION_MISMATCH: option unknown of field child.sex is mapped, but the old version's field child.sex does not offer it: "}},
		{"the options of a field the old version does not have, mapped", func(b *bundle.Bundle) {
			migrate(b).Options = map[string]map[string]string{"child.colour": {"red": "blue"}}
		}, []string{"MIGRATION_MISMATCH: options of field child.colour are mapped, but the old version has no field child.colour, nor one renamed to it: "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			new := version()
			c.change(new)
			got := Check(version(), new)
			if len(got) != len(c.want) {
				t.Fatalf("got %s, want %v", show(got), c.want)
			}
			for i, w := range c.want {
				rule, rest, _ := strings.Cut(w, ": ")
				msg, fix, _ := strings.Cut(rest, ": ")
				if got[i].Rule != rule || !strings.Contains(got[i].Message, msg) || !strings.Contains(got[i].Fix, fix) {
					t.Errorf("got %s (fix: %s), want %s", show(got[i:i+1]), got[i].Fix, w)
				}
			}
		})
	}
}

func migrate(b *bundle.Bundle) *bundle.Migration {
	if b.Events[0].Migration == nil {
		b.Events[0].Migration = &bundle.Migration{}
	}
	return b.Events[0].Migration
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

func TestWidens(t *testing.T) {
	for _, c := range []struct {
		old, new string
		want     bool
	}{
		{"[0-9]{10}", "[0-9]{10}|[0-9]{12}", true},
		{"[0-9]{10}", "[A-Z]{2}[0-9]{8}|[0-9]{10}", true},
		{"A[0-9]{9}|B[0-9]{9}", "B[0-9]{9}|C[0-9]{9}|A[0-9]{9}", true},
		{"[0-9]{10}", "[0-9]{12}", false},
		{"[0-9]{10}", "([0-9]{10}|[0-9]{12})x", false}, // the | is inside a group
		{"[0-9]{10}", "[0-9|]{10}", false},             // and here inside a class
		{"[]|]", "[]|]|x", true},                       // a ] first in a class is a character
		{`a\|b`, `a\|b|c`, true},                       // an escaped | is a character
		{`a`, `a\|b`, false},
	} {
		if got := widens(c.old, c.new); got != c.want {
			t.Errorf("widens(%q, %q) = %v, want %v (alternatives %q)", c.old, c.new, got, c.want, alternatives(c.new))
		}
	}
}

// The fix of a numbering that could repeat numbers suggests a format that cannot.
func TestApartFormat(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"B{year}{seq:6}", "B{year}{seq:6}", "B2-{year}{seq:6}"},
		{"B{year}{seq:6}", "B{year}{seq:7}", "B2-{year}{seq:7}"},
		{"{year}{seq:6}", "{year}{seq:6}", "2-{year}{seq:6}"},
		{"{office}/{year}/{seq:6}", "{office}/{seq:6}", "{office}/{seq:6}-2"}, // a prefix cannot tell: an office's code could start with it
	} {
		o, n := bundle.Numbering{Format: c.old, Scope: "year"}, bundle.Numbering{Format: c.new, Scope: "national"}
		got := apartFormat("birth", o, n)
		if got != c.want {
			t.Errorf("%s -> %s: %q, want %q", c.old, c.new, got, c.want)
		}
		if why := collides("birth", o, bundle.Numbering{Format: got, Scope: "national"}); why != "" {
			t.Errorf("%s -> %s: %s still collides: %s", c.old, c.new, got, why)
		}
	}
}

// A change is placed where the thing changed is in the new version, or was: the nearest
// thing still there.
func TestWhere(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(old, new *bundle.Bundle)
		want   []string // each change's path
	}{
		{"a field gone: its page's fields", func(_, b *bundle.Bundle) { drop(&b.Events[0].Pages[0].Fields, 4) },
			[]string{"[events birth form pages 0 fields]"}},
		{"a field gone with its page: the form", func(_, b *bundle.Bundle) {
			b.Events[0].Pages[0].ID = "baby"
			drop(&b.Events[0].Pages[0].Fields, 4)
		}, []string{"[events birth form]"}},
		{"min and max both closing in: both", func(_, b *bundle.Bundle) {
			f := &b.Events[0].Pages[0].Fields[2]
			f.Min, f.Max = f64(1), f64(9)
		}, []string{"[events birth form pages 0 fields 2 min]", "[events birth form pages 0 fields 2 max]"}},
		{"a grant gone: the role's grants of the event", func(_, b *bundle.Bundle) { b.Roles[1].Grants["birth"] = []string{} },
			[]string{"[roles clerk grants birth]"}},
		{"the numbering's scope: the scope", func(_, b *bundle.Bundle) { b.Events[0].Numbering.Scope = "national" },
			[]string{"[events birth numbering scope]"}},
		{"the numbering's format: the format", func(_, b *bundle.Bundle) { b.Events[0].Numbering.Format = "B{year}{seq:7}" },
			[]string{"[events birth numbering format]"}},
		{"an area gone: the row of the area it was in", func(old, _ *bundle.Bundle) {
			old.Areas = append(old.Areas, bundle.Area{Code: "D21", Name: "Hills", Parent: "R2"})
		}, []string{"[places areas R2]"}},
		{"an area gone with the area it was in: the sheet", func(old, b *bundle.Bundle) {
			old.Areas = append(old.Areas, bundle.Area{Code: "D21", Name: "Hills", Parent: "R2"})
			b.Areas = b.Areas[:1]
		}, []string{"[places areas]", "[places areas]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			old, new := version(), version()
			c.change(old, new)
			var got []string
			for _, ch := range Check(old, new) {
				got = append(got, fmt.Sprint(ch.Path))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
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
