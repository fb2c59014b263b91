package duplicates

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
)

// places is a tiny tree: region R1 > districts D1, D2; an office O1 in D1.
type places map[string][2]string // code -> parent, level

func (p places) AreaAt(place, level string) string {
	if place == "O1" {
		place = "D1"
	}
	for a := place; a != ""; a = p[a][0] {
		if p[a][1] == level {
			return a
		}
	}
	return ""
}

var tree = places{"R1": {"", "region"}, "D1": {"R1", "district"}, "D2": {"R1", "district"}, "R2": {"", "region"}, "D3": {"R2", "district"}}

func checker(rules ...bundle.DuplicateRule) *Checker {
	return New(&bundle.Event{ID: "death", DateField: "date", Duplicates: &bundle.Duplicates{Flag: "dup", Rules: rules}}, tree)
}

func rule(id string, m bundle.Match, blocks ...[]bundle.KeyPart) bundle.DuplicateRule {
	return bundle.DuplicateRule{ID: id, Match: m, Blocks: blocks}
}

func TestMatchers(t *testing.T) {
	date := func(days, years int, age string, swap bool) bundle.Match {
		return bundle.Match{DateWithin: &bundle.DateMatch{Field: "dob", Days: days, Years: years, AgeField: age, DayMonthSwapped: swap}}
	}
	for _, tc := range []struct {
		name string
		m    bundle.Match
		a, b map[string]any
		want bool
	}{
		{"same id, spacing and case aside", bundle.Match{Same: "nid"}, map[string]any{"nid": "AB 12-34"}, map[string]any{"nid": "ab1234"}, true},
		{"same id, another", bundle.Match{Same: "nid"}, map[string]any{"nid": "1234"}, map[string]any{"nid": "1235"}, false},
		{"same, one unanswered", bundle.Match{Same: "nid"}, map[string]any{"nid": "1234"}, map[string]any{}, false},
		{"same, both unanswered", bundle.Match{Same: "nid"}, map[string]any{}, map[string]any{}, false},
		{"not same, unanswered", bundle.Match{Not: &bundle.Match{Same: "nid"}}, map[string]any{}, map[string]any{}, true},
		{"differ", bundle.Match{Differ: "order"}, map[string]any{"order": 1.0}, map[string]any{"order": 2.0}, true},
		{"differ, one unanswered", bundle.Match{Differ: "order"}, map[string]any{"order": 1.0}, map[string]any{}, false},
		{"within 5 days", date(5, 0, "", false), map[string]any{"dob": "2026-01-01"}, map[string]any{"dob": "2025-12-27"}, true},
		{"6 days", date(5, 0, "", false), map[string]any{"dob": "2026-01-01"}, map[string]any{"dob": "2025-12-26"}, false},
		{"day and month swapped", date(5, 0, "", true), map[string]any{"dob": "2026-03-05"}, map[string]any{"dob": "2026-05-03"}, true},
		{"swapped, not tolerated", date(5, 0, "", false), map[string]any{"dob": "2026-03-05"}, map[string]any{"dob": "2026-05-03"}, false},
		{"within a year", date(0, 1, "", false), map[string]any{"dob": "1990-02-01"}, map[string]any{"dob": "1991-01-31"}, true},
		{"over a year", date(0, 1, "", false), map[string]any{"dob": "1990-02-01"}, map[string]any{"dob": "1991-03-01"}, false},
		{"an age against a date", date(0, 1, "age", false),
			map[string]any{"dob": "1950-06-01", "date": "2026-01-10"}, map[string]any{"age": 75.0, "date": "2026-01-12"}, true},
		{"an age far from the date", date(0, 1, "age", false),
			map[string]any{"dob": "1950-06-01", "date": "2026-01-10"}, map[string]any{"age": 60.0, "date": "2026-01-12"}, false},
		{"same district", bundle.Match{SamePlace: &bundle.PlaceMatch{Field: "place", Level: "district"}}, map[string]any{"place": "O1"}, map[string]any{"place": "D1"}, true},
		{"other district", bundle.Match{SamePlace: &bundle.PlaceMatch{Field: "place", Level: "district"}}, map[string]any{"place": "D2"}, map[string]any{"place": "D1"}, false},
		{"same region", bundle.Match{SamePlace: &bundle.PlaceMatch{Field: "place", Level: "region"}}, map[string]any{"place": "D2"}, map[string]any{"place": "O1"}, true},
		{"all", bundle.Match{All: []bundle.Match{{Same: "nid"}, {Differ: "order"}}}, map[string]any{"nid": "1", "order": 1.0}, map[string]any{"nid": "1", "order": 2.0}, true},
		{"any", bundle.Match{Any: []bundle.Match{{Same: "nid"}, {Differ: "order"}}}, map[string]any{"nid": "1"}, map[string]any{"nid": "2"}, false},
	} {
		c := checker(rule("r", tc.m, []bundle.KeyPart{{Kind: "same", Field: "nid"}}))
		_, got := c.Match(Prepare("a", tc.a), Prepare("b", tc.b))
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if _, back := c.Match(Prepare("b", tc.b), Prepare("a", tc.a)); back != got && tc.name != "day and month swapped" {
			t.Errorf("%s: not symmetric", tc.name)
		}
	}
}

// Two records that match by a rule share a key of its block: the dates' buckets reach each
// other whatever the days, and never by chance.
func TestKeysFindWhatMatches(t *testing.T) {
	c := checker(rule("r",
		bundle.Match{All: []bundle.Match{{Same: "nid"}, {DateWithin: &bundle.DateMatch{Field: "dob", Days: 5, DayMonthSwapped: true}}}},
		[]bundle.KeyPart{{Kind: "same", Field: "nid"}, {Kind: "date", Field: "dob", Days: 5, DayMonthSwapped: true}}))
	base := map[string]any{"nid": "12 34", "dob": "2026-03-05"}
	shares := func(a, b map[string]any) bool {
		keys := c.Keys(Prepare("b", b))
		for _, k := range c.Lookup(Prepare("a", a)) {
			if slices.Contains(keys, k) {
				return true
			}
		}
		return false
	}
	for d := -5; d <= 5; d++ {
		other := map[string]any{"nid": "1234", "dob": shift("2026-03-05", d)}
		if _, ok := c.Match(Prepare("a", base), Prepare("b", other)); !ok || !shares(base, other) {
			t.Errorf("dob %s: match %v, shares a key %v", other["dob"], ok, shares(base, other))
		}
	}
	for _, other := range []map[string]any{
		{"nid": "1234", "dob": "2026-05-03"}, // swapped
	} {
		if !shares(base, other) {
			t.Errorf("%v: no key shared", other)
		}
	}
	if shares(base, map[string]any{"nid": "1235", "dob": "2026-03-05"}) {
		t.Error("another id shares a key")
	}
	if len(c.Keys(Prepare("x", map[string]any{"dob": "2026-03-05"}))) != 0 {
		t.Error("a record without the id has keys for the id's block")
	}
}

func shift(date string, days int) string {
	d, _ := rules.ParseDate(date)
	return (d + rules.Days(days)).String()
}

// FuzzRecords: answers of any shape (a declaration's data is checked before it is compared,
// but a record stored under an older form may hold anything) never make the keys or the
// comparison fail, and two records that match by a rule of answers and dates share a key.
func FuzzRecords(f *testing.F) {
	f.Add(`{"nid":"12 34","dob":"2026-03-05","order":1}`, `{"nid":"1234","dob":"2026-05-03"}`)
	f.Add(`{"nid":["a",{"b":null}],"dob":"2026-02-30","age":-1}`, `{"dob":"0001-01-01","date":"9999-12-31","age":200}`)
	f.Add(`{"name":{"given":"አበበ","family":"ከበደ"},"place":"O1"}`, `{"name":"Abebe Kebede","place":"D3"}`)
	c := checker(
		rule("ids", bundle.Match{All: []bundle.Match{{Same: "nid"}, {DateWithin: &bundle.DateMatch{Field: "dob", Days: 5, DayMonthSwapped: true}}}},
			[]bundle.KeyPart{{Kind: "same", Field: "nid"}, {Kind: "date", Field: "dob", Days: 5, DayMonthSwapped: true}}),
		rule("names", bundle.Match{All: []bundle.Match{
			{Name: &bundle.NameMatch{Field: "name", Similarity: 0.85}},
			{DateWithin: &bundle.DateMatch{Field: "dob", Years: 1, AgeField: "age"}},
			{SamePlace: &bundle.PlaceMatch{Field: "place", Level: "region"}},
			{Not: &bundle.Match{Differ: "order"}},
		}}, []bundle.KeyPart{{Kind: "name", Field: "name"}, {Kind: "date", Field: "dob", Days: 366, AgeField: "age"}}),
	)
	f.Fuzz(func(t *testing.T, a, b string) {
		var da, db map[string]any
		if json.Unmarshal([]byte(a), &da) != nil || json.Unmarshal([]byte(b), &db) != nil {
			return
		}
		ra, rb := Prepare("a", da), Prepare("b", db)
		keys, lookup := c.Keys(rb), c.Lookup(ra)
		rule, ok := c.Match(ra, rb)
		if ok && rule == "ids" && !slices.ContainsFunc(lookup, func(k string) bool { return slices.Contains(keys, k) }) {
			t.Errorf("%s and %s match by ids but share no key", a, b)
		}
	})
}

// Decode keeps the answers the rules read, as json.Unmarshal reads them, and no other.
func TestDecode(t *testing.T) {
	c := checker(rule("r", bundle.Match{All: []bundle.Match{{Same: "nid"}, {Not: &bundle.Match{Differ: "order"}},
		{DateWithin: &bundle.DateMatch{Field: "dob", Years: 1, AgeField: "age"}}}}, []bundle.KeyPart{{Kind: "same", Field: "nid"}}))
	got, err := c.Decode([]byte(`{"nid":"12","order":2,"dob":"2026-01-01","age":3,"date":"2026-02-02","other":{"a":[1]}}`))
	want := map[string]any{"nid": "12", "order": 2.0, "dob": "2026-01-01", "age": 3.0, "date": "2026-02-02"}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Decode: %v %v, want %v", got, err, want)
	}
	if _, err := c.Decode([]byte(`{"nid":`)); err == nil {
		t.Error("Decode of broken JSON: no error")
	}
}
