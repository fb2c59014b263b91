package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
)

// Matchers, written short for the table below.
func all(m ...bundle.Match) bundle.Match { return bundle.Match{All: m} }
func anyOf(m ...bundle.Match) bundle.Match {
	return bundle.Match{Any: m}
}
func not(m bundle.Match) bundle.Match { return bundle.Match{Not: &m} }
func name(f string) bundle.Match {
	return bundle.Match{Name: &bundle.NameMatch{Field: f, Similarity: DefaultSimilarity}}
}
func same(f string) bundle.Match   { return bundle.Match{Same: f} }
func differ(f string) bundle.Match { return bundle.Match{Differ: f} }
func days(f string, n int) bundle.Match {
	return bundle.Match{DateWithin: &bundle.DateMatch{Field: f, Days: n}}
}
func years(f string, n int) bundle.Match {
	return bundle.Match{DateWithin: &bundle.DateMatch{Field: f, Years: n}}
}
func place(f string) bundle.Match {
	return bundle.Match{SamePlace: &bundle.PlaceMatch{Field: f, Level: "district"}}
}

// blocksText writes blocks as "name:child.name+date:child.dob/5 | same:mother.nid".
func blocksText(blocks [][]bundle.KeyPart) string {
	var out []string
	for _, b := range blocks {
		var parts []string
		for _, p := range b {
			s := p.Kind + ":" + p.Field
			if p.Days > 0 {
				s += fmt.Sprintf("/%d", p.Days)
			}
			if p.AgeField != "" {
				s += "~" + p.AgeField
			}
			if p.DayMonthSwapped {
				s += "~swapped"
			}
			parts = append(parts, s)
		}
		out = append(out, strings.Join(parts, "+"))
	}
	return strings.Join(out, " | ")
}

func TestPlanBlocks(t *testing.T) {
	types := map[string]string{
		"child.name": "name", "child.dob": "date", "child.sex": "select", "child.order": "number", "child.twin": "yesno",
		"child.place": "location", "mother.name": "name", "mother.dob": "date", "mother.nid": "idnumber", "mother.phone": "phone",
		"father.name": "name", "father.dob": "date", "deceased.age": "number",
	}
	swapped := days("child.dob", 5)
	swapped.DateWithin.DayMonthSwapped = true
	aged := years("mother.dob", 1)
	aged.DateWithin.AgeField = "deceased.age"
	names := func(n int) bundle.Match {
		var alts []bundle.Match
		for i := range n {
			alts = append(alts, name(fmt.Sprintf("n%d", i)))
		}
		return anyOf(alts...)
	}
	for _, c := range []struct {
		name    string
		m       bundle.Match
		want    string
		tooMany bool
	}{
		// Leaves.
		{"a name", name("child.name"), "name:child.name", false},
		{"a date window", days("child.dob", 5), "date:child.dob/5", false},
		{"a year is 366 days", years("mother.dob", 2), "date:mother.dob/732", false},
		{"ageField and dayMonthSwapped go with the date", all(swapped, aged), "date:child.dob/5~swapped+date:mother.dob/366~deceased.age", false},
		{"same on an identity number", same("mother.nid"), "same:mother.nid", false},
		{"same on a number narrows", same("child.order"), "same:child.order", false},
		{"same on a choice does not", same("child.sex"), "", false},
		{"same on a yes/no does not", same("child.twin"), "", false},
		{"differ does not", differ("child.order"), "", false},
		{"samePlace does not", place("child.place"), "", false},
		{"not does not, even of a name", not(name("child.name")), "", false},

		// any: every alternative must narrow.
		{"any: the union", anyOf(name("child.name"), same("mother.nid")), "name:child.name | same:mother.nid", false},
		{"any: one alternative that narrows nothing", anyOf(name("child.name"), same("child.sex")), "", false},
		{"any: the same block once", anyOf(name("child.name"), name("child.name")), "name:child.name", false},

		// all: an identity alone, else names, then the narrowest dates, four at most.
		{"all: an identity number alone", all(days("child.dob", 270), same("mother.nid"), not(differ("child.order"))), "same:mother.nid", false},
		{"all: a phone alone", all(name("child.name"), same("mother.phone")), "same:mother.phone", false},
		{"all: names first, then the narrowest date",
			all(years("mother.dob", 1), name("child.name"), swapped, name("mother.name"), not(differ("child.order"))),
			"name:child.name+name:mother.name+date:child.dob/5~swapped+date:mother.dob/366", false},
		{"all: dates by window", all(years("mother.dob", 1), days("child.dob", 30), same("child.sex")), "date:child.dob/30+date:mother.dob/366", false},
		{"all: same on a number after the dates", all(same("child.order"), days("child.dob", 30)), "date:child.dob/30+same:child.order", false},
		{"all: four at most", all(name("child.name"), name("mother.name"), name("father.name"), years("mother.dob", 1), days("child.dob", 5)),
			"name:child.name+name:mother.name+name:father.name+date:child.dob/5", false},
		{"all: of matchers that narrow nothing", all(same("child.sex"), not(name("child.name")), place("child.place")), "", false},
		{"all: the product of an any",
			all(anyOf(name("mother.name"), name("father.name")), days("child.dob", 5)),
			"date:child.dob/5+name:mother.name | date:child.dob/5+name:father.name", false},
		{"all: an all inside an all", all(all(name("child.name"), days("child.dob", 5)), same("child.sex")), "name:child.name+date:child.dob/5", false},
		{"all: a part once in a block", all(name("child.name"), all(name("child.name"), days("child.dob", 5))), "name:child.name+date:child.dob/5", false},
		{"all: an any after the dates", all(names(2), days("child.dob", 3)), "date:child.dob/3+name:n0 | date:child.dob/3+name:n1", false},
		{"all: an any that would pass the cap is passed over", all(name("child.name"), names(5), names(5)),
			"name:child.name+name:n0 | name:child.name+name:n1 | name:child.name+name:n2 | name:child.name+name:n3 | name:child.name+name:n4", false},

		// Too many blocks.
		{"any: more than maxBlocks", anyOf(names(16), name("child.name")), "", true},
		{"any: an any with too many", anyOf(names(17), name("child.name")), "", true},
		{"all: only an any with too many", all(names(17), same("child.sex")), "", true},
		{"all: another matcher narrows", all(names(17), name("child.name")), "name:child.name", false},
	} {
		blocks, tooMany := planBlocks(c.m, types)
		if got := blocksText(blocks); got != c.want || tooMany != c.tooMany {
			t.Errorf("%s:\n got %q, tooMany %v\nwant %q, tooMany %v", c.name, got, tooMany, c.want, c.tooMany)
		}
		if tooMany && blocks != nil {
			t.Errorf("%s: blocks with tooMany", c.name)
		}
	}
}

// TestExampleBlocks: how the example's duplicate rules find their candidates, as its comments
// explain them.
func TestExampleBlocks(t *testing.T) {
	b, diags := Build("../countries/nerovia")
	mustBeClean(t, "../countries/nerovia", diags)
	want := map[string]string{
		"birth/same-child":     "name:child.name+name:mother.name+date:child.dob/5~swapped+date:mother.dob/366",
		"birth/same-mother-id": "same:mother.nid",
		"death/same-nid":       "same:deceased.nid",
		"death/same-person":    "name:deceased.name+date:death.date/5~swapped+date:deceased.dob/366~deceased.estimatedAge",
	}
	got := map[string]string{}
	for _, ev := range b.Events {
		if ev.Duplicates == nil {
			t.Errorf("event %s has no duplicate rules", ev.ID)
			continue
		}
		for _, r := range ev.Duplicates.Rules {
			got[ev.ID+"/"+r.ID] = blocksText(r.Blocks)
		}
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: blocks %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rules %v", got)
	}
}
