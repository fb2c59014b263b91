package migration

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
)

func f64(v float64) *float64 { return &v }

// v1 is the first version of a birth form; each case makes its second version from it.
func v1() *bundle.Event {
	return &bundle.Event{
		ID: "birth",
		Pages: []bundle.Page{{ID: "child", Fields: []bundle.Field{
			{ID: "child.intro", Type: "heading"},
			{ID: "child.name", Type: "name", Parts: []string{"given", "middle", "family"}},
			{ID: "child.dob", Type: "date"},
			{ID: "child.gender", Type: "select", Options: []bundle.Option{{Value: "m"}, {Value: "f"}, {Value: "x"}}},
			{ID: "child.weight", Type: "number", Min: f64(0), Max: f64(10)},
			{ID: "child.religion", Type: "text"},
			{ID: "child.place", Type: "location", Level: "district"},
			{ID: "child.marks", Type: "checkboxes", Options: []bundle.Option{{Value: "a"}, {Value: "b"}, {Value: "c"}}},
			{ID: "child.twin", Type: "yesno"},
		}}},
	}
}

// v2 renames child.gender to child.sex with new values, drops child.religion and asks for the
// birth order, 1 when records lack one.
func v2() *bundle.Event {
	ev := v1()
	fs := &ev.Pages[0].Fields
	(*fs)[3] = bundle.Field{ID: "child.sex", Type: "select", Options: []bundle.Option{{Value: "male"}, {Value: "female"}, {Value: "x"}}}
	*fs = slices.Delete(*fs, 5, 6)
	*fs = append(*fs, bundle.Field{ID: "child.order", Type: "number", Integer: true})
	ev.Rules = &rules.FormIR{Fields: []rules.FieldIR{{ID: "child.order", Required: &rules.Requirement{Always: true}}, {ID: "child.dob", Required: &rules.Requirement{Always: true}}}}
	ev.Migration = &bundle.Migration{
		Renamed:  map[string]string{"child.gender": "child.sex"},
		Removed:  []string{"child.religion"},
		Options:  map[string]map[string]string{"child.sex": {"m": "male", "f": "female"}},
		Defaults: map[string]json.RawMessage{"child.order": json.RawMessage(`1`)},
	}
	return ev
}

func record() map[string]any {
	return map[string]any{
		"child.name":     map[string]any{"given": "Ama", "family": "Mensah"},
		"child.dob":      "2024-01-31",
		"child.gender":   "f",
		"child.weight":   3.2,
		"child.religion": "none",
		"child.place":    "D11",
		"child.marks":    []any{"a", "c"},
		"child.twin":     false,
	}
}

func TestMove(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(ev *bundle.Event, data map[string]any)
		want   map[string]any // changes to the moved record, nil values deleted
		errs   []string       // "field: code", in order
	}{
		{name: "rename, removal, option and default", want: map[string]any{
			"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(1)}},
		{name: "the record has the answer the default would give", change: func(_ *bundle.Event, d map[string]any) { d["child.order"] = float64(2) },
			want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(2)}},
		{name: "a field's own default", change: func(ev *bundle.Event, _ map[string]any) {
			ev.Migration.Defaults = nil
			ev.Pages[0].Fields[len(ev.Pages[0].Fields)-1].Default = int64(3)
		}, want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": int64(3)}},
		{name: "no default: the answer is left to give", change: func(ev *bundle.Event, _ map[string]any) { ev.Migration.Defaults = nil },
			want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female"}},
		{name: "unanswered fields need no mapping", change: func(_ *bundle.Event, d map[string]any) {
			d["child.gone"], d["child.religion"], d["child.gender"] = nil, "", nil
		}, want: map[string]any{"child.gone": nil, "child.gender": nil, "child.religion": nil, "child.order": float64(1)}},
		{name: "a value the new field still offers", change: func(_ *bundle.Event, d map[string]any) { d["child.gender"] = "x" },
			want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "x", "child.order": float64(1)}},
		{name: "checkboxes mapped, two values into one", change: func(ev *bundle.Event, _ map[string]any) {
			ev.Pages[0].Fields[6].Options = []bundle.Option{{Value: "a"}, {Value: "bc"}}
			ev.Migration.Options["child.marks"] = map[string]string{"b": "bc", "c": "bc"}
		}, want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(1), "child.marks": []any{"a", "bc"}}},

		{name: "a field neither renamed nor removed", change: func(ev *bundle.Event, _ map[string]any) { ev.Migration.Removed = nil },
			errs: []string{"child.religion: " + Unmapped}},
		{name: "no mapping at all", change: func(ev *bundle.Event, _ map[string]any) { ev.Migration = nil },
			errs: []string{"child.gender: " + Unmapped, "child.religion: " + Unmapped}},
		{name: "an option not mapped", change: func(ev *bundle.Event, _ map[string]any) { delete(ev.Migration.Options["child.sex"], "f") },
			errs: []string{"child.gender: " + UnmappedOption}},
		{name: "a checkbox not mapped", change: func(ev *bundle.Event, _ map[string]any) {
			ev.Pages[0].Fields[6].Options = ev.Pages[0].Fields[6].Options[:2]
		},
			errs: []string{"child.marks: " + UnmappedOption}},
		{name: "a kind changed", change: func(ev *bundle.Event, _ map[string]any) { ev.Pages[0].Fields[5].Level = "region" },
			errs: []string{"child.place: " + KindChanged}},
		{name: "renamed to a radio: one choice still", change: func(ev *bundle.Event, _ map[string]any) { ev.Pages[0].Fields[3].Type = "radio" },
			want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(1)}},
		{name: "renamed into a long text, which holds one line too", change: func(ev *bundle.Event, _ map[string]any) {
			ev.Pages[0].Fields = append(ev.Pages[0].Fields, bundle.Field{ID: "child.faith", Type: "longtext"})
			ev.Migration.Removed, ev.Migration.Renamed["child.religion"] = nil, "child.faith"
		}, want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(1), "child.faith": "none"}},
		{name: "an area at any level holds one at a level", change: func(ev *bundle.Event, _ map[string]any) { ev.Pages[0].Fields[5].Level = "" },
			want: map[string]any{"child.gender": nil, "child.religion": nil, "child.sex": "female", "child.order": float64(1)}},
		{name: "renamed into a text", change: func(ev *bundle.Event, _ map[string]any) { ev.Pages[0].Fields[3].Type = "text" },
			errs: []string{"child.gender: " + KindChanged}},
		{name: "two answers into one field", change: func(_ *bundle.Event, d map[string]any) { d["child.sex"] = "male" },
			errs: []string{"child.sex: " + Taken}},
		{name: "a part gone", change: func(ev *bundle.Event, d map[string]any) {
			ev.Pages[0].Fields[1].Parts = []string{"given", "family"}
			d["child.name"].(map[string]any)["middle"] = "Esi"
		}, errs: []string{"child.name: " + Invalid}},
		{name: "out of the new bounds", change: func(ev *bundle.Event, _ map[string]any) { ev.Pages[0].Fields[4].Max = f64(3) },
			errs: []string{"child.weight: " + Invalid}},
		{name: "a default that does not fit", change: func(ev *bundle.Event, _ map[string]any) {
			ev.Migration.Defaults["child.order"] = json.RawMessage(`"first"`)
		}, errs: []string{"child.order: " + Invalid}},
		{name: "every reason at once", change: func(ev *bundle.Event, d map[string]any) {
			ev.Migration.Removed = nil
			delete(ev.Migration.Options["child.sex"], "f")
			d["child.dob"] = "2024-02-30"
		}, errs: []string{"child.dob: " + Invalid, "child.gender: " + UnmappedOption, "child.religion: " + Unmapped}},
	} {
		t.Run(c.name, func(t *testing.T) {
			old, new, data := v1(), v2(), record()
			if c.change != nil {
				c.change(new, data)
			}
			before := clone(data)
			got, err := Move(old, new, data)
			if !reflect.DeepEqual(data, before) {
				t.Errorf("Move changed the record it was given: %v", data)
			}
			if c.errs != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("got %v, %v; want the problems %v", got, err, c.errs)
				}
				var codes []string
				for _, p := range e.Problems {
					codes = append(codes, p.Field+": "+p.Code)
					if p.Message == "" {
						t.Errorf("%s: no message", p.Field)
					}
				}
				if !slices.Equal(codes, c.errs) {
					t.Errorf("problems %v, want %v (%v)", codes, c.errs, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := record()
			if c.change != nil {
				c.change(v2(), want)
			}
			for k, v := range c.want {
				if v == nil {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("moved to\n%v, want\n%v", got, want)
			}
		})
	}
}

// The moved answers share nothing with the record nor with the bundle: the runtime may change
// them.
func TestMoveCopies(t *testing.T) {
	new := v2()
	called := bundle.Field{ID: "child.called", Type: "name", Parts: []string{"given"}, Default: map[string]any{"given": "Baby"}}
	new.Pages[0].Fields = append(new.Pages[0].Fields, called)
	data := record()
	got, err := Move(v1(), new, data)
	if err != nil {
		t.Fatal(err)
	}
	got["child.called"].(map[string]any)["given"] = "Changed"
	got["child.marks"].([]any)[0] = "b"
	if called.Default.(map[string]any)["given"] != "Baby" || data["child.marks"].([]any)[0] != "a" {
		t.Error("the moved record shares a map or a list")
	}
}

func TestMissing(t *testing.T) {
	new := v2()
	new.Migration.Defaults = nil
	got, err := Move(v1(), new, record())
	if err != nil {
		t.Fatal(err)
	}
	if m := Missing(new, got); !slices.Equal(m, []string{"child.order"}) {
		t.Errorf("missing %v", m)
	}
	got["child.order"] = float64(1)
	if m := Missing(new, got); m != nil {
		t.Errorf("missing %v", m)
	}
}

func TestFits(t *testing.T) {
	doc := map[string]any{"type": "passport", "file": "sha256:" + strings.Repeat("0", 64)}
	for _, c := range []struct {
		f    bundle.Field
		v    any
		fits bool
	}{
		{bundle.Field{Type: "text"}, "a", true},
		{bundle.Field{Type: "text"}, 1.0, false},
		{bundle.Field{Type: "date"}, "2024-02-29", true},
		{bundle.Field{Type: "date"}, "2023-02-29", false},
		{bundle.Field{Type: "number", Integer: true}, int64(2), true},
		{bundle.Field{Type: "number", Integer: true}, 2.5, false},
		{bundle.Field{Type: "number", Min: f64(1)}, 0.5, false},
		{bundle.Field{Type: "number"}, "2", false},
		{bundle.Field{Type: "yesno"}, true, true},
		{bundle.Field{Type: "yesno"}, "yes", false},
		{bundle.Field{Type: "radio", Options: []bundle.Option{{Value: "a"}}}, "a", true},
		{bundle.Field{Type: "radio", Options: []bundle.Option{{Value: "a"}}}, "b", false},
		{bundle.Field{Type: "checkboxes", Options: []bundle.Option{{Value: "a"}, {Value: "b"}}}, []any{"b", "a"}, true},
		{bundle.Field{Type: "checkboxes", Options: []bundle.Option{{Value: "a"}}}, []any{"a", "a"}, false},
		{bundle.Field{Type: "checkboxes", Options: []bundle.Option{{Value: "a"}}}, "a", false},
		{bundle.Field{Type: "name", Parts: []string{"given"}}, map[string]any{"given": "A"}, true},
		{bundle.Field{Type: "name", Parts: []string{"given"}}, map[string]any{"family": "A"}, false},
		{bundle.Field{Type: "address", Parts: []string{"line1"}}, map[string]any{"line1": 1.0}, false},
		{bundle.Field{Type: "document"}, doc, true},
		{bundle.Field{Type: "document", DocumentTypes: []string{"national-id"}}, doc, false},
		{bundle.Field{Type: "document"}, map[string]any{"type": "passport"}, false},
		{bundle.Field{Type: "heading"}, "a", false},
		{bundle.Field{Type: "location"}, "D11", true},
	} {
		if err := Fits(&c.f, c.v); (err == nil) != c.fits {
			t.Errorf("%s %v: %v, want fits %v", c.f.Type, c.v, err, c.fits)
		}
	}
}

// FuzzMove: Move never panics, and never loses an answer silently: every answer of the record
// is under its new id after the move, or its field is removed by the mapping, or Move fails.
// The fuzzer writes the record's answers and a mapping, against the two versions above.
func FuzzMove(f *testing.F) {
	f.Add([]byte(`{"child.gender":"f","child.religion":"x","child.marks":["a","b"]}`), []byte(`{"renamed":{"child.gender":"child.sex"},"removed":["child.religion"]}`))
	f.Add([]byte(`{"child.gender":"q","child.weight":11,"child.name":{"given":"A","x":1}}`), []byte(`{"options":{"child.sex":{"q":"male"}},"defaults":{"child.order":1}}`))
	f.Add([]byte(`{"child.sex":"male","child.gender":"m","child.dob":"2024-01-01"}`), []byte(`{"renamed":{"child.gender":"child.sex","child.dob":"child.sex"}}`))
	f.Fuzz(func(t *testing.T, record, mapping []byte) {
		var data map[string]any
		var m bundle.Migration
		if json.Unmarshal(record, &data) != nil || json.Unmarshal(mapping, &m) != nil {
			return
		}
		new := v2()
		new.Migration = &m
		before := clone(data)
		got, err := Move(v1(), new, data)
		if !reflect.DeepEqual(data, before) {
			t.Fatalf("Move changed the record it was given")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("%v: not an *Error with problems", err)
			}
			return
		}
		for id, v := range data {
			if !answered(v) || slices.Contains(m.Removed, id) {
				continue
			}
			to := id
			if r, ok := m.Renamed[id]; ok {
				to = r
			}
			moved, ok := got[to]
			if !ok || !answered(moved) {
				t.Fatalf("the answer to %s (%v) is lost: %v", id, show(v), got)
			}
			if f := fields(new)[to]; !isChoice(f) && !reflect.DeepEqual(moved, v) {
				t.Fatalf("the answer to %s (%v) became %v under %s", id, show(v), show(moved), to)
			}
			if err := Fits(fields(new)[to], moved); err != nil {
				t.Fatalf("%s moved to %s as %v: %v", id, to, show(moved), err)
			}
		}
	})
}

// A field's own default answers a field the old form did not ask, never one a record left
// blank: moving a record changes no answer its declarant chose not to give.
func TestDefaultOnlyForNewFields(t *testing.T) {
	new := v2()
	new.Migration.Defaults = nil
	new.Pages[0].Fields[len(new.Pages[0].Fields)-1].Default = int64(1) // child.order, new
	for i, f := range new.Pages[0].Fields {
		if f.ID == "child.twin" {
			new.Pages[0].Fields[i].Default = false // asked before, left blank by the record
		}
	}
	data := record()
	delete(data, "child.twin")
	got, err := Move(v1(), new, data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["child.twin"]; ok {
		t.Errorf("a field the record left blank got the field's default: %v", got["child.twin"])
	}
	if got["child.order"] != int64(1) {
		t.Errorf("a new field did not get its default: %v", got["child.order"])
	}
}

// TestProject: what Move cannot move is left out, and the rest moved as Move moves it.
func TestProject(t *testing.T) {
	old, new := v1(), v2()
	new.Migration.Removed = nil                     // child.religion: unmapped
	delete(new.Migration.Options["child.sex"], "f") // "f": an option not mapped
	got := Project(old, new, record())
	want := record()
	delete(want, "child.religion")
	delete(want, "child.gender")
	want["child.order"] = float64(1)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Project = %v, want %v", got, want)
	}
	if _, err := Move(old, new, record()); err == nil {
		t.Error("Move moved what Project left out")
	}
}
