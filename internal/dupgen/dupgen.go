// Package dupgen generates populations of birth and death declarations with known duplicates,
// for measuring the accuracy (precision and recall) of an event's duplicate rules.
//
// A population is made of distinct people, each declared once (Person), as the example
// country's forms ask (countries/nerovia): complete, valid on the day given, with names of
// Nerovia's cultures — Ethiopian names typed in Latin letters or in Ethiopic, Arabic names in
// one of their Latin spellings or in Arabic script, francophone names with or without their
// diacritics. Then some of them are declared again with one thing different, the way the
// same event reaches a register twice (a typo, another spelling, a date off by days, answers
// left out...), and pairs of different people who look alike are added (twins, siblings,
// namesakes...). Every record carries the identity of its person: two records of one person
// are duplicates, whatever the pairs the population lists.
//
// Everything is deterministic from the seed: the same arguments give the same population.
package dupgen

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Record is one declaration as the runtime stores its data (field ids to answers).
type Record struct {
	Event string         // "birth" or "death"
	Data  map[string]any // as JSON decodes it: numbers are float64, names and addresses map[string]any
	// Person is the true identity: two records with one Person are duplicates.
	Person int
}

// Pair is a pair of records the population was built with: a duplicate made by a variation,
// or a near-miss that is not one.
type Pair struct {
	A, B      int    // indexes into Population.Records; A is the first declaration
	Kind      string // the variation or the near-miss (see Kinds)
	Duplicate bool
	// Detail says what differs, for a reader of the matcher's mistakes: the answers a
	// duplicate changed ("child.name: Abebe Kebede → Abebe Kebde"), with the two variations
	// of a combined one first; what makes a near-miss one.
	Detail string
}

// Population is a generated register.
type Population struct {
	// Records are the n people's declarations (record i is Person i's), then the
	// duplicates, kind after kind, then the near-misses, pair after pair.
	Records []Record
	Pairs   []Pair
}

// duplicateKinds are the variations, in the order Generate makes them.
var duplicateKinds = func() []string {
	var out []string
	for _, v := range variations {
		out = append(out, v.kind)
	}
	return append(out, "combined")
}()

// Kinds lists the kinds Generate makes, duplicates first: the variations (typo-1, typo-2,
// given-dropped, given-added, swapped, diacritics, other-script, transliteration, date-days,
// day-month-swapped, missing-answers, combined), then the near-misses of births (twins,
// siblings, common-names, same-day-village) and of deaths (namesakes, relatives).
func Kinds() []string {
	out := slices.Clone(duplicateKinds)
	for _, ev := range []string{"birth", "death"} {
		for _, k := range KindsOf(ev)[len(duplicateKinds):] {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// KindsOf lists the kinds Generate makes for an event, duplicates first.
func KindsOf(event string) []string {
	_ = eventKey(event) // panics on an event other than birth and death
	out := slices.Clone(duplicateKinds)
	for _, nm := range nearMisses[event] {
		out = append(out, nm.kind)
	}
	return out
}

// IsDuplicate tells whether a kind is a variation (its pairs are duplicates) rather than a
// near-miss.
func IsDuplicate(kind string) bool { return slices.Contains(duplicateKinds, kind) }

// Person makes the i-th distinct declaration of an event (i from 0), without duplicates: for
// load generators and test fixtures that need many different people. Person(i) and Person(j)
// have different identity numbers (every national ID and passport of a declaration: mother,
// father, witness, deceased, informant) for i and j below 100 million, and different
// subjects — a birth's child's name and date of birth, a death's deceased's name and date of
// death are never both alike — for i and j below 50,000 (beyond, names and dates come round
// again, as in a real register, and only the other names drawn tell people apart). The
// declaration is valid on today ("YYYY-MM-DD"); the documents it attaches are Documents'. It
// panics on an event other than birth and death, or a today that is no date.
func Person(event string, seed uint64, i int, today string) map[string]any {
	t := mustDay(today)
	return personAt(event, seed, i, t).data(t)
}

// Generate makes n distinct people's declarations of an event (each a valid, complete
// declaration of the package's form as of today, Person(0) to Person(n-1)), then for each kind
// of variation a duplicate of perKind of them (fewer when fewer of them allow it: only
// people with two given names can lose one, only names with diacritics lose them; a person
// has at most one duplicate while others are left), and perKind near-misses of each kind.
// Deterministic from seed.
func Generate(event string, seed uint64, n, perKind int, today string) Population {
	t := mustDay(today)
	_ = eventKey(event)                              // panics on an event other than birth and death
	r := rand.New(rand.NewPCG(seed, 0x64757067656e)) // "dupgen"
	var p Population
	add := func(d decl) int {
		p.Records = append(p.Records, Record{Event: event, Data: d.data(t), Person: d.person()})
		return len(p.Records) - 1
	}
	people := make([]decl, n)
	for i := range n {
		people[i] = personAt(event, seed, i, t)
		add(people[i])
	}
	used := make([]bool, n)
	for _, kind := range duplicateKinds {
		made := 0
		order := r.Perm(n)
		for pass := range 2 { // people without a duplicate first
			for _, i := range order {
				if made == perKind || used[i] != (pass == 1) {
					continue
				}
				dup, how, ok := vary(kind, people[i], r, t)
				if !ok {
					continue
				}
				diff := describe(p.Records[i].Data, dup.data(t))
				if diff == "" {
					continue
				}
				if how != "" {
					diff = how + ": " + diff
				}
				used[i] = true
				p.Pairs = append(p.Pairs, Pair{A: i, B: add(dup), Kind: kind, Duplicate: true, Detail: diff})
				made++
			}
		}
	}
	m := &maker{seed: seed, next: n, r: r, today: t}
	for _, nm := range nearMisses[event] {
		for range perKind {
			a, b, detail := nm.build(m)
			p.Pairs = append(p.Pairs, Pair{A: add(a), B: add(b), Kind: nm.kind, Duplicate: false, Detail: detail})
		}
	}
	return p
}

// describe lists the answers that differ between two declarations, by field.
func describe(a, b map[string]any) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(a, b))) {
		if x, y := show(a[k]), show(b[k]); x != y {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, x, y))
		}
	}
	return strings.Join(out, "; ")
}

func mergeKeys(a, b map[string]any) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// show writes an answer for a reader.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case map[string]any:
		if _, ok := v["file"]; ok {
			return fmt.Sprintf("%v document", v["type"])
		}
		if _, ok := v["family"]; ok {
			return fmt.Sprintf("%v %v", v["given"], v["family"])
		}
		return fmt.Sprint(v["landmark"])
	}
	return fmt.Sprint(v)
}
