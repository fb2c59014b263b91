package breaking

import (
	"encoding/json"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
)

// FuzzCheck: crvsctl diff reads two bundles from outside, whose hash says only that they were
// not damaged on the way: whatever they hold (a rule for no field, a migration naming what
// neither version has, no rules at all), Check reports and never panics.
func FuzzCheck(f *testing.F) {
	old, _ := json.Marshal(version())
	changed := version()
	changed.Events[0].Pages[0].Fields[1].Type = "text"
	changed.Events[0].Migration = &bundle.Migration{Renamed: map[string]string{"child.sex": "child.gender"}, Removed: []string{"x"},
		Options: map[string]map[string]string{"child.sex": {"a": "b"}}}
	changed.Events[0].Numbering.Format = "{seq}"
	changed.Areas = append(changed.Areas, bundle.Area{Code: "R3", Parent: "R1"})
	new, _ := json.Marshal(changed)
	f.Add(old, new)
	f.Add(new, old)
	f.Add([]byte(`{"events":[{"id":"birth"}]}`), []byte(`{"events":[{"id":"birth","rules":{}}]}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var old, new bundle.Bundle
		if json.Unmarshal(a, &old) != nil || json.Unmarshal(b, &new) != nil {
			return
		}
		Check(&old, &new)
		Numbering(&old, &new)
	})
}

// FuzzCheckChanges makes the new version from the old by the changes the input spells, one
// per byte pair (what to change, and how), so that the fuzzer explores versions that decode,
// as outside bundles that are well formed but wrong would: Check never panics.
func FuzzCheckChanges(f *testing.F) {
	f.Add([]byte{0, 1, 3, 2, 5, 0, 7, 1, 9, 4})
	f.Add([]byte{1, 0, 2, 1, 4, 3, 6, 2, 8, 0, 10, 5, 11, 1})
	types := []string{"text", "longtext", "select", "radio", "checkboxes", "location", "idnumber", "number", "name", "heading", ""}
	ids := []string{"child.name", "child.sex", "child.weight", "child.place", "child.notes", "child.nid", "x", "", "child.order"}
	f.Fuzz(func(t *testing.T, ops []byte) {
		old, new := version(), version()
		for i := 0; i+1 < len(ops); i += 2 {
			what, n := ops[i]%13, int(ops[i+1])
			ev := &new.Events[n%len(new.Events)]
			if len(ev.Pages) == 0 {
				ev.Pages = []bundle.Page{{ID: "p"}}
			}
			fs := &ev.Pages[0].Fields
			id := ids[n%len(ids)]
			if ev.Migration == nil {
				ev.Migration = &bundle.Migration{}
			}
			m := ev.Migration
			switch what {
			case 0:
				if len(*fs) > 0 {
					*fs = append((*fs)[:n%len(*fs)], (*fs)[n%len(*fs)+1:]...)
				}
			case 1:
				if len(*fs) > 0 {
					(*fs)[n%len(*fs)].Type = types[n%len(types)]
				}
			case 2:
				if m.Renamed == nil {
					m.Renamed = map[string]string{}
				}
				m.Renamed[id] = ids[(n/3)%len(ids)]
			case 3:
				m.Removed = append(m.Removed, id)
			case 4:
				if m.Options == nil {
					m.Options = map[string]map[string]string{}
				}
				m.Options[id] = map[string]string{"male": ids[(n/5)%len(ids)]}
			case 5:
				*fs = append(*fs, bundle.Field{ID: id, Type: types[n%len(types)]})
			case 6:
				ev.Rules = nil
			case 7:
				ev.Statuses = ev.Statuses[:n%(len(ev.Statuses)+1)]
			case 8:
				ev.Numbering.Format = []string{"", "{seq}", "B{year}{seq:6}", "{office}{seq:2}{year}", "{seq:0}{seq:0}"}[n%5]
				ev.Numbering.Scope = []string{"", "year", "office", "office-year", "national"}[(n/5)%5]
			case 9:
				new.Areas = new.Areas[:n%(len(new.Areas)+1)]
				new.Offices = new.Offices[:(n/3)%(len(new.Offices)+1)]
			case 10:
				if len(*fs) > 0 {
					f := &(*fs)[n%len(*fs)]
					f.Pattern = []string{"", "(", "[0-9]{10}|", "a*", "[0-9]{12}"}[n%5]
					f.Level, f.Of = []string{"", "district", "village"}[n%3], []string{"", "area", "office"}[(n/3)%3]
				}
			case 11:
				new.Roles = new.Roles[:n%(len(new.Roles)+1)]
				new.Country.Languages = new.Country.Languages[:(n/3)%(len(new.Country.Languages)+1)]
			case 12:
				if m.Defaults == nil {
					m.Defaults = map[string]json.RawMessage{}
				}
				m.Defaults[id] = json.RawMessage([]string{`1`, `"x"`, `[`, `null`, `{"given":"A"}`}[n%5])
			}
		}
		Check(old, new)
		Check(new, old)
		Numbering(new, old)
	})
}
