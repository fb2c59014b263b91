package dupgen

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

const today = "2026-11-23"

func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// distance is the number of edits between two strings, in runes: insertions, deletions,
// substitutions and transpositions of neighbours (Damerau-Levenshtein, a letter may be edited
// after it was moved).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	inf := len(ra) + len(rb)
	d := make([][]int, len(ra)+2)
	for i := range d {
		d[i] = make([]int, len(rb)+2)
	}
	d[0][0] = inf
	for i := 0; i <= len(ra); i++ {
		d[i+1][0], d[i+1][1] = inf, i
	}
	for j := 0; j <= len(rb); j++ {
		d[0][j+1], d[1][j+1] = inf, j
	}
	last := map[rune]int{} // the last row each letter of a was seen in
	for i := 1; i <= len(ra); i++ {
		db := 0
		for j := 1; j <= len(rb); j++ {
			i1, j1 := last[rb[j-1]], db
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost, db = 0, j
			}
			d[i+1][j+1] = min(d[i][j]+cost, d[i+1][j]+1, d[i][j+1]+1, d[i1][j1]+(i-i1-1)+1+(j-j1-1))
		}
		last[ra[i-1]] = i
	}
	return d[len(ra)+1][len(rb)+1]
}

func TestDeterministic(t *testing.T) {
	for _, event := range []string{"birth", "death"} {
		a, b := Generate(event, 5, 150, 4, today), Generate(event, 5, 150, 4, today)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two populations of one seed differ", event)
		}
		if c := Generate(event, 6, 150, 4, today); reflect.DeepEqual(a.Records, c.Records) {
			t.Errorf("%s: the populations of two seeds are the same", event)
		}
		if !reflect.DeepEqual(Person(event, 5, 77, today), Person(event, 5, 77, today)) {
			t.Errorf("%s: Person(77) differs from itself", event)
		}
	}
}

func TestKinds(t *testing.T) {
	want := []string{"typo-1", "typo-2", "given-dropped", "given-added", "swapped", "diacritics", "other-script",
		"transliteration", "date-days", "day-month-swapped", "missing-answers", "combined",
		"twins", "siblings", "common-names", "same-day-village", "namesakes", "relatives"}
	if got := Kinds(); !slices.Equal(got, want) {
		t.Errorf("Kinds() = %v, want %v", got, want)
	}
	const n, perKind = 300, 6
	for _, event := range []string{"birth", "death"} {
		p := Generate(event, 11, n, perKind, today)
		count := map[string]int{}
		for _, pair := range p.Pairs {
			count[pair.Kind]++
			if pair.Duplicate != IsDuplicate(pair.Kind) {
				t.Errorf("%s: a pair of kind %s has Duplicate %v", event, pair.Kind, pair.Duplicate)
			}
		}
		kinds := KindsOf(event)
		for _, k := range kinds {
			if count[k] != perKind {
				t.Errorf("%s: %d pairs of kind %s, want %d", event, count[k], k, perKind)
			}
			if !slices.Contains(want, k) {
				t.Errorf("%s: kind %s is not in Kinds()", event, k)
			}
		}
		if len(count) != len(kinds) {
			t.Errorf("%s: kinds made %v, want %v", event, count, kinds)
		}
		if want := n + len(kinds)*perKind + (len(kinds)-len(duplicateKinds))*perKind; len(p.Records) != want {
			t.Errorf("%s: %d records, want %d", event, len(p.Records), want)
		}
	}
}

// TestPersonDistinct checks that Person's people are different people: no identity number
// twice, and never the same child, mother and date of birth (the same deceased, date of
// birth or age, and date of death).
func TestPersonDistinct(t *testing.T) {
	for _, event := range []string{"birth", "death"} {
		ids := map[string]int{}
		subjects := map[string]int{}
		for i := 0; i <= 10_000; i++ {
			d := Person(event, 42, i, today)
			for k, v := range d {
				if strings.HasSuffix(k, "nid") || strings.HasSuffix(k, "passport") {
					if j, ok := ids[v.(string)]; ok {
						t.Fatalf("%s: Person(%d) and Person(%d) have identity number %s", event, j, i, v)
					}
					ids[v.(string)] = i
				}
			}
			var key string
			if event == "birth" {
				key = show(d["child.name"]) + "|" + show(d["mother.name"]) + "|" + show(d["child.dob"])
			} else {
				key = show(d["deceased.name"]) + "|" + show(d["deceased.dob"]) + show(d["deceased.estimatedAge"]) + "|" + show(d["death.date"])
			}
			if j, ok := subjects[key]; ok {
				t.Fatalf("%s: Person(%d) and Person(%d) are both %s", event, j, i, key)
			}
			subjects[key] = i
		}
	}
}

// TestPersonPopulation checks that Person's declarations look like Nerovia's: most in
// Ethiopian names, a minority in Arabic names, some typed in Ethiopic or Arabic script, most
// births recent, some late, most mothers with a national ID.
func TestPersonPopulation(t *testing.T) {
	const n = 4000
	var ethiopic, arabic, late, nid, recent int
	for i := range n {
		d := Person("birth", 9, i, today)
		name := show(d["child.name"])
		if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Ethiopic, r) }) {
			ethiopic++
		}
		if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
			arabic++
		}
		if d["registration.lateReason"] != nil {
			late++
		}
		if d["mother.nid"] != nil {
			nid++
		}
		if dob := mustDay(d["child.dob"].(string)); daysBetween(dob, mustDay(today)) < 365 {
			recent++
		}
	}
	for _, c := range []struct {
		what   string
		got    int
		lo, hi int // per thousand
	}{
		{"names in Ethiopic", ethiopic, 60, 150}, {"names in Arabic script", arabic, 10, 40},
		{"late births", late, 300, 450}, {"mothers with a national ID", nid, 700, 900},
		{"births in the last year", recent, 550, 700},
	} {
		if pm := c.got * 1000 / n; pm < c.lo || pm > c.hi {
			t.Errorf("%s: %d‰, want %d‰ to %d‰", c.what, pm, c.lo, c.hi)
		}
	}
}

// TestPairs checks every pair is what its kind says, and its truth: the records of a pair
// of a variation are one person's, differing as the variation does; those of a near-miss are
// two people's, alike as the near-miss is.
func TestPairs(t *testing.T) {
	const n = 250
	for _, event := range []string{"birth", "death"} {
		p := Generate(event, 21, n, 8, today)
		persons := map[int]int{}
		for i, r := range p.Records {
			if r.Event != event {
				t.Fatalf("record %d is of event %s", i, r.Event)
			}
			if i < n {
				if r.Person != i || !reflect.DeepEqual(r.Data, Person(event, 21, i, today)) {
					t.Fatalf("%s: record %d is not Person(%d)", event, i, i)
				}
			}
			persons[r.Person]++
		}
		for _, pair := range p.Pairs {
			a, b := p.Records[pair.A], p.Records[pair.B]
			if pair.Duplicate != (a.Person == b.Person) {
				t.Errorf("%s %s: Duplicate %v, persons %d and %d", event, pair.Kind, pair.Duplicate, a.Person, b.Person)
			}
			if pair.Duplicate && pair.A >= n {
				t.Errorf("%s %s: the first of a duplicate is record %d, not one of the people", event, pair.Kind, pair.A)
			}
			if !pair.Duplicate && (a.Person < n || b.Person < n || persons[a.Person] != 1 || persons[b.Person] != 1) {
				t.Errorf("%s %s: a near-miss of persons %d and %d, not new people of their own", event, pair.Kind, a.Person, b.Person)
			}
			if err := check(event, pair, a.Data, b.Data); err != nil {
				t.Errorf("%s %s (%s): %v", event, pair.Kind, pair.Detail, err)
			}
		}
	}
}

// fields are the fields the duplicate rules read: names, the date of the event.
func fields(event string) (names []string, date string) {
	if event == "birth" {
		return []string{"child.name", "mother.name"}, "child.dob"
	}
	return []string{"deceased.name"}, "death.date"
}

func part(d map[string]any, field, part string) string {
	n, _ := d[field].(map[string]any)
	s, _ := n[part].(string)
	return s
}

func days(d map[string]any, field string) time.Time { return mustDay(d[field].(string)) }

func apart(a, b time.Time) int { return max(daysBetween(a, b), daysBetween(b, a)) }

// check is nil when a pair's records differ, or look alike, as its kind says.
func check(event string, pair Pair, a, b map[string]any) error {
	names, date := fields(event)
	changed := map[string]bool{} // of the names and date
	edits := 0
	for _, f := range names {
		for _, p := range []string{"given", "family"} {
			x, y := part(a, f, p), part(b, f, p)
			if x != y {
				changed[f] = true
				edits += distance(strings.ToLower(x), strings.ToLower(y))
			}
		}
	}
	if a[date] != b[date] {
		changed[date] = true
	}
	kind := pair.Kind
	if kind == "combined" {
		how, _, _ := strings.Cut(pair.Detail, ":")
		two := strings.Split(how, "+")
		if len(two) != 2 || two[0] == two[1] || !IsDuplicate(two[0]) || !IsDuplicate(two[1]) {
			return fmt.Errorf("not two variations: %q", how)
		}
		if reflect.DeepEqual(a, b) {
			return fmt.Errorf("no difference")
		}
		return nil
	}
	// onlyNames: nothing changed but the names the rules read, or every name when the whole
	// declaration is typed another way (diacritics, script).
	onlyNames := func() error {
		if changed[date] {
			return fmt.Errorf("the date changed too")
		}
		typing := kind == "diacritics" || kind == "other-script"
		for k := range mergeKeys(a, b) {
			n, _ := a[k].(map[string]any)
			_, isName := n["family"]
			if !slices.Contains(names, k) && !(typing && isName) && !reflect.DeepEqual(a[k], b[k]) {
				return fmt.Errorf("%s changed too", k)
			}
		}
		if len(changed) == 0 {
			return fmt.Errorf("no name changed")
		}
		return nil
	}
	oneName := func(test func(f string) bool) error {
		if err := onlyNames(); err != nil {
			return err
		}
		if len(changed) != 1 {
			return fmt.Errorf("%d names changed", len(changed))
		}
		for f := range changed {
			if !test(f) {
				return fmt.Errorf("%s: %s → %s", f, show(a[f]), show(b[f]))
			}
		}
		return nil
	}
	script := func(d map[string]any) string {
		s := show(d[names[0]])
		switch {
		case strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Ethiopic, r) }):
			return "ethiopic"
		case strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }):
			return "arabic"
		}
		return "latin"
	}
	same := func(fs ...string) error {
		for _, f := range fs {
			if !reflect.DeepEqual(a[f], b[f]) {
				return fmt.Errorf("%s: %s and %s", f, show(a[f]), show(b[f]))
			}
		}
		return nil
	}
	switch kind {
	case "typo-1", "typo-2":
		if err := onlyNames(); err != nil {
			return err
		}
		if max := map[string]int{"typo-1": 1, "typo-2": 2}[kind]; edits < 1 || edits > max {
			return fmt.Errorf("%d edits", edits)
		}
	case "given-dropped", "given-added":
		return oneName(func(f string) bool {
			long, short := part(a, f, "given"), part(b, f, "given")
			if kind == "given-added" {
				long, short = short, long
			}
			return part(a, f, "family") == part(b, f, "family") && strings.HasPrefix(long, short+" ")
		})
	case "swapped":
		return oneName(func(f string) bool {
			return part(a, f, "given") == part(b, f, "family") && part(a, f, "family") == part(b, f, "given")
		})
	case "diacritics":
		if err := onlyNames(); err != nil {
			return err
		}
		for f := range changed {
			if stripAccents(show(a[f])) != stripAccents(show(b[f])) {
				return fmt.Errorf("%s: %s → %s", f, show(a[f]), show(b[f]))
			}
		}
	case "other-script":
		if err := onlyNames(); err != nil {
			return err
		}
		if sa, sb := script(a), script(b); sa == sb || sa != "latin" && sb != "latin" {
			return fmt.Errorf("scripts %s and %s", sa, sb)
		}
	case "transliteration":
		return oneName(func(f string) bool {
			for _, p := range []string{"given", "family"} {
				if x, y := part(a, f, p), part(b, f, p); x != y && !respelt(x, y) {
					return false
				}
			}
			return true
		})
	case "date-days", "day-month-swapped":
		if len(changed) != 1 || !changed[date] {
			return fmt.Errorf("changed %v", changed)
		}
		da, db := days(a, date), days(b, date)
		if s, _ := swapped(da); kind == "day-month-swapped" && !s.Equal(db) {
			return fmt.Errorf("%s → %s", fmtDay(da), fmtDay(db))
		}
		if n := apart(da, db); kind == "date-days" && (n < 1 || n > 5) {
			return fmt.Errorf("%d days apart", n)
		}
	case "missing-answers":
		if len(changed) != 0 {
			return fmt.Errorf("changed %v", changed)
		}
		left := 0
		for k := range a {
			if _, ok := b[k]; !ok {
				left++
			}
		}
		if left == 0 {
			return fmt.Errorf("nothing left out")
		}

	case "twins":
		if err := same("mother.name", "mother.dob", "mother.nid", "child.dob", "child.birthDistrict"); err != nil {
			return err
		}
		if a["child.typeOfBirth"] != "twin" || b["child.typeOfBirth"] != "twin" || a["child.multipleBirthOrder"] != 1.0 || b["child.multipleBirthOrder"] != 2.0 {
			return fmt.Errorf("not twins 1 and 2")
		}
		if part(a, "child.name", "given") == part(b, "child.name", "given") {
			return fmt.Errorf("one given name")
		}
	case "siblings":
		if err := same("mother.name", "mother.dob", "mother.nid"); err != nil {
			return err
		}
		if n := apart(days(a, date), days(b, date)); n <= 365 || n > 3*366 {
			return fmt.Errorf("born %d days apart", n)
		}
	case "common-names":
		if err := same("child.name", "mother.name"); err != nil {
			return err
		}
		if n := apart(days(a, date), days(b, date)); n > 4 {
			return fmt.Errorf("born %d days apart", n)
		}
		if n := apart(days(a, "mother.dob"), days(b, "mother.dob")); n <= 366 {
			return fmt.Errorf("mothers born %d days apart", n)
		}
		if a["mother.nid"] != nil && a["mother.nid"] == b["mother.nid"] {
			return fmt.Errorf("one mother's nid")
		}
	case "same-day-village":
		place := "child.birthVillage"
		if event == "death" {
			place = "death.village"
		}
		if err := same(date, place); err != nil {
			return err
		}
		if a[place] == nil {
			return fmt.Errorf("no village")
		}
	case "namesakes":
		if err := same("deceased.name"); err != nil {
			return err
		}
		if n := apart(days(a, date), days(b, date)); n > 6 {
			return fmt.Errorf("died %d days apart", n)
		}
		if n := apart(days(a, "deceased.dob"), days(b, "deceased.dob")); n <= 366 {
			return fmt.Errorf("born %d days apart", n)
		}
		if a["deceased.nid"] != nil && a["deceased.nid"] == b["deceased.nid"] {
			return fmt.Errorf("one nid")
		}
	case "relatives":
		if part(a, "deceased.name", "family") != part(b, "deceased.name", "family") || a["deceased.sex"] != "male" || b["deceased.sex"] != "male" {
			return fmt.Errorf("not two men of one family name")
		}
		if n := apart(days(a, date), days(b, date)); n > 3 {
			return fmt.Errorf("died %d days apart", n)
		}
		if n := apart(days(a, "deceased.dob"), days(b, "deceased.dob")); n <= 366 {
			return fmt.Errorf("born %d days apart", n)
		}
	default:
		return fmt.Errorf("no check of kind %s", kind)
	}
	return nil
}

// respelt tells whether y is x with one name spelt another of its ways.
func respelt(x, y string) bool {
	for _, c := range []*culture{ethiopian, arab, franco} {
		for _, e := range c.given() {
			for _, from := range e.latin {
				for _, to := range e.latin {
					for i := 0; from != to && i+len(from) <= len(x); i++ {
						if strings.HasPrefix(x[i:], from) && x[:i]+to+x[i+len(from):] == y {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// TestSlots checks Person's promise past what TestPersonDistinct declares: the first 50,000
// people of an event differ in given name or date of the event.
func TestSlots(t *testing.T) {
	for _, event := range []string{"birth", "death"} {
		for _, seed := range []uint64{0, 1, 1 << 40} {
			seen := map[[3]int]int{}
			for i := range 50_000 {
				c, g, back := slot(event, seed, i)
				k := [3]int{slices.IndexFunc(cultures, func(x struct {
					c     *culture
					share int
				}) bool {
					return x.c == c
				}), g, back}
				if j, ok := seen[k]; ok {
					t.Fatalf("%s, seed %d: people %d and %d are both %v", event, seed, j, i, k)
				}
				seen[k] = i
			}
		}
	}
}

func BenchmarkPerson(b *testing.B) {
	for _, event := range []string{"birth", "death"} {
		b.Run(event, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				Person(event, 1, i, today)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate("birth", 1, 1000, 20, today)
	}
}
