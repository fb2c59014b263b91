package dupgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Near-misses are two people whose declarations look alike and are not duplicates: what a
// duplicate rule must not take for one. Each is built from people of their own (numbered after
// the population's), then made alike.

// nearMisses are the near-misses of each event, by kind.
var nearMisses = map[string][]struct {
	kind  string
	build func(m *maker) (a, b decl, detail string)
}{
	"birth": {
		{"twins", twins},
		{"siblings", siblings},
		{"common-names", commonNames},
		{"same-day-village", sameDayVillageBirths},
	},
	"death": {
		{"namesakes", namesakes},
		{"relatives", relatives},
		{"same-day-village", sameDayVillageDeaths},
	},
}

// maker makes the people of near-misses.
type maker struct {
	seed  uint64
	next  int // the number of the next person
	r     *rand.Rand
	today time.Time
}

func (m *maker) gen() gen { return gen{r: m.r} }

// birth is a new person's birth: of culture c, given name g, back days before today.
func (m *maker) birth(c *culture, g, back int) *birth {
	m.next++
	return build("birth", m.seed, m.next-1, m.today, c, g, back, -1).(*birth)
}

// death is a new person's death, at an age (-1: drawn).
func (m *maker) death(c *culture, g, back, age int) *death {
	m.next++
	return build("death", m.seed, m.next-1, m.today, c, g, back, age).(*death)
}

// child sets a child's given name.
func (b *birth) setGiven(w word) {
	b.child.given, b.sex = []word{w}, sexOf(w.e)
}

// similarPair is a pair of the culture's similar given names that are not the family name,
// in a random order; ok false when the culture has none.
func similarPair(r *rand.Rand, c *culture, not *entry, male bool, sameSex bool) (a, b *entry, ok bool) {
	var pairs [][2]*entry
	for _, p := range c.similar {
		x, y := c.lookup(p[0]), c.lookup(p[1])
		if x == not || y == not || sameSex && (x.male != male || y.male != male) {
			continue
		}
		pairs = append(pairs, [2]*entry{x, y})
	}
	if len(pairs) == 0 {
		return nil, nil, false
	}
	p := pairs[r.IntN(len(pairs))]
	if r.IntN(2) == 0 {
		return p[1], p[0], true
	}
	return p[0], p[1], true
}

// twins are two children of one mother born on one day: typeOfBirth twin, multipleBirthOrder
// 1 and 2, different given names, sometimes similar ones.
func twins(m *maker) (decl, decl, string) {
	c, g, back := randomSlot(m.r, "birth")
	a := m.birth(c, g, back)
	b := a.clone().(*birth)
	b.id, m.next = m.next, m.next+1
	gg := m.gen()
	family := a.child.family[0].e
	if x, y, ok := similarPair(m.r, c, family, false, false); ok && gg.chance(40) {
		a.child.given[0], a.sex = gg.word(x), sexOf(x)
		b.setGiven(gg.word(y))
	} else {
		b.setGiven(gg.word(gg.pickBut(c.given(), a.child.given[0].e, family)))
	}
	for i, t := range []*birth{a, b} {
		t.typeOfBirth, t.multipleOrder = "twin", i+1
		if t.weight > 0 {
			t.weight = round1(1.8 + 1.2*m.r.Float64())
		}
		if t.gestation > 0 {
			t.gestation = 34 + m.r.IntN(5)
		}
	}
	b.birthOrder = a.birthOrder + 1
	return a, b, fmt.Sprintf("twins %s and %s, born %s to %s", a.child, b.child, fmtDay(a.dob), a.mother.name)
}

// siblings are two children of one mother born 1 to 3 years apart, with the same given name
// or similar ones.
func siblings(m *maker) (decl, decl, string) {
	c, g, back := randomSlot(m.r, "birth")
	young := m.birth(c, g, back)
	old := young.clone().(*birth)
	old.id, m.next = m.next, m.next+1
	old.dob = addDays(young.dob, -(366 + m.r.IntN(2*365)))
	young.typeOfBirth, old.typeOfBirth = "single", "single"
	old.birthOrder = young.birthOrder
	young.birthOrder++
	gg := m.gen()
	how := "the same given name"
	if x, y, ok := similarPair(m.r, c, young.child.family[0].e, false, false); ok && gg.chance(65) {
		young.setGiven(gg.word(x))
		old.setGiven(gg.word(y))
		how = "similar given names"
	}
	return young, old, fmt.Sprintf("siblings with %s, %s born %s and %s born %s, to %s", how,
		young.child, fmtDay(young.dob), old.child, fmtDay(old.dob), young.mother.name)
}

// commonNames are two unrelated children with the same common name born a few days apart, to
// mothers with the same common name born years apart.
func commonNames(m *maker) (decl, decl, string) {
	c := cultures[pattern[m.r.IntN(20)]].c
	gg := m.gen()
	given := c.lookup(gg.of(c.common.given))
	family := c.lookup(gg.of(c.common.family))
	for family == given {
		family = c.lookup(gg.of(c.common.family))
	}
	mg, mf := c.lookup(gg.of(c.common.motherGiven)), c.lookup(gg.of(c.common.motherFamily))
	_, _, back := randomSlot(m.r, "birth")
	gi := slices.Index(c.given(), given)
	a := m.birth(c, gi, back)
	b := m.birth(c, gi, max(0, back+m.r.IntN(9)-4))
	for _, t := range []*birth{a, b} {
		for _, n := range t.allNames() {
			n.script = latin
		}
		fw := word{e: family}
		t.setGiven(word{e: given})
		t.child.family = []word{fw}
		if c.patronymic() {
			t.father.name.given = []word{fw}
			if t.father.name.family[0].e == family {
				t.father.name.family = []word{gg.word(gg.pickBut(c.male, family))}
			}
		} else {
			t.father.name.family = []word{fw}
		}
		t.mother.name.given, t.mother.name.family = []word{{e: mg}}, []word{{e: mf}}
	}
	// The mothers' ages at the births differ by 3 years or more: their dates of birth by more
	// than a year, whatever the days.
	ageA := yearsBetween(a.mother.dob, a.dob)
	ageB := 16 + m.r.IntN(29)
	for ageB-ageA < 3 && ageA-ageB < 3 {
		ageB = 16 + m.r.IntN(29)
	}
	b.mother.dob = bornAged(b.dob, ageB, m.r.IntN(365))
	if !b.marriageDate.IsZero() && (b.marriageDate.Before(b.mother.dob.AddDate(17, 0, 0)) || b.marriageDate.After(b.dob)) {
		b.marriageDate = time.Time{}
	}
	return a, b, fmt.Sprintf("%s born %s and %s, to mothers named %s born %s and %s",
		a.child, fmtDay(a.dob), fmtDay(b.dob), a.mother.name, fmtDay(a.mother.dob), fmtDay(b.mother.dob))
}

// sameDayVillageBirths are two children of different families born at home in one village on
// one day.
func sameDayVillageBirths(m *maker) (decl, decl, string) {
	c, g, back := randomSlot(m.r, "birth")
	c2, g2, _ := randomSlot(m.r, "birth")
	a, b := m.birth(c, g, back), m.birth(c2, g2, back)
	v := a.mother.residence
	gg := m.gen()
	for _, t := range []*birth{a, b} {
		t.placeType, t.district, t.village, t.facility, t.placeOther = "home", districtOf[v].code, v, "", ""
		t.attendant = gg.oneOf("traditional-birth-attendant:45", "relative-or-friend:35", "nurse-midwife:10", "none:10")
		t.mother.residence = v
	}
	return a, b, fmt.Sprintf("%s and %s, born at home in %s on %s", a.child, b.child, v, fmtDay(a.dob))
}

// otherAge is an age from lo to hi at least 3 years from age.
func otherAge(r *rand.Rand, age, lo, hi int) int {
	for {
		if x := lo + r.IntN(hi-lo+1); x-age >= 3 || age-x >= 3 {
			return x
		}
	}
}

// namesakes are two people of one name, born years apart, who died in the same week.
func namesakes(m *maker) (decl, decl, string) {
	c, g, back := randomSlot(m.r, "death")
	ageA := 20 + m.r.IntN(70)
	a := m.death(c, g, back, ageA)
	b := m.death(c, g, min(deathDays-1, max(0, back+m.r.IntN(7)-3)), otherAge(m.r, ageA, 18, 95))
	b.deceased.name = a.deceased.name.clone()
	b.chooseInformant(m.gen(), m.seed)
	return a, b, fmt.Sprintf("namesakes %s, born %s and %s, died %s and %s", a.deceased.name,
		fmtDay(a.deceased.dob), fmtDay(b.deceased.dob), fmtDay(a.date), fmtDay(b.date))
}

// relatives are two men of one family who died within days of each other in one place: a
// father and his son, often named after him, where family names are inherited; brothers,
// who share their father's name as theirs, where they are not.
func relatives(m *maker) (decl, decl, string) {
	c := cultures[pattern[m.r.IntN(20)]].c
	gg := m.gen()
	back := m.r.IntN(deathDays)
	g := m.r.IntN(len(c.male)) // c.given() begins with the men's names
	var ageA, ageB, g2 int
	how := "brothers"
	if c.patronymic() {
		ageA = 30 + m.r.IntN(50)
		ageB = max(16, ageA-3-m.r.IntN(13)) // born over a year apart, whatever the days
		g2 = slices.Index(c.given(), gg.pickBut(c.male, c.male[g]))
		if x, y, ok := similarPair(m.r, c, nil, true, true); ok && gg.chance(40) {
			g, g2 = slices.Index(c.given(), x), slices.Index(c.given(), y)
		}
	} else {
		how = "father and son"
		ageA = 50 + m.r.IntN(35)
		ageB = ageA - 20 - m.r.IntN(21)
		g2 = slices.Index(c.given(), gg.pickBut(c.male, c.male[g]))
		if gg.chance(50) {
			g2, how = g, "father and son named after him"
		}
	}
	a := m.death(c, g, back, ageA)
	b := m.death(c, g2, max(0, back-m.r.IntN(4)), ageB)
	b.deceased.name.family = slices.Clone(a.deceased.name.family)
	b.deceased.name.script = a.deceased.name.script
	if g2 == g {
		b.deceased.name.given = slices.Clone(a.deceased.name.given)
	}
	b.deceased.residence, b.district, b.placeType, b.facility, b.village = a.deceased.residence, a.district, a.placeType, a.facility, a.village
	if ageB >= 5 && gg.chance(50) { // one accident took both
		for _, t := range []*death{a, b} {
			t.manner = "accident"
			t.pickCause(gg)
		}
	}
	b.chooseInformant(gg, m.seed)
	return a, b, fmt.Sprintf("%s: %s born %s and %s born %s, died %s and %s", how, a.deceased.name,
		fmtDay(a.deceased.dob), b.deceased.name, fmtDay(b.deceased.dob), fmtDay(a.date), fmtDay(b.date))
}

// sameDayVillageDeaths are two people of different families who died at home in one village
// on one day.
func sameDayVillageDeaths(m *maker) (decl, decl, string) {
	c, g, back := randomSlot(m.r, "death")
	c2, g2, _ := randomSlot(m.r, "death")
	a, b := m.death(c, g, back, -1), m.death(c2, g2, back, -1)
	v := a.deceased.residence
	for _, t := range []*death{a, b} {
		t.placeType, t.district, t.village, t.facility = "home", districtOf[v].code, v, ""
		t.deceased.residence = v
	}
	return a, b, fmt.Sprintf("%s and %s, died at home in %s on %s", a.deceased.name, b.deceased.name, v, fmtDay(a.date))
}
