package dupgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// word is one word of a name as typed: a name of the lists in one of its spellings, or what a
// typo made of it.
type word struct {
	e     *entry
	v     int    // which of e's Latin spellings
	plain bool   // typed without the diacritics of that spelling
	typed string // when set, the word as typed (a typo): no longer a spelling of e
}

// text is the word typed in a script: its native spelling, or a Latin one.
func (w word) text(s script) string {
	switch {
	case w.typed != "":
		return w.typed
	case s != latin && w.e.native != "":
		return w.e.native
	case w.plain:
		return stripAccents(w.e.latin[w.v])
	}
	return w.e.latin[w.v]
}

// name is a person's name as declared: given names and family name, in one script.
type name struct {
	given, family []word
	script        script
	c             *culture
}

func (n name) clone() name {
	n.given, n.family = slices.Clone(n.given), slices.Clone(n.family)
	return n
}

func join(ws []word, s script) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text(s)
	}
	return strings.Join(parts, " ")
}

// answer is the name as a name field's answer.
func (n name) answer() map[string]any {
	return map[string]any{"given": join(n.given, n.script), "family": join(n.family, n.script)}
}

func (n name) String() string { return join(n.given, n.script) + " " + join(n.family, n.script) }

// words are pointers to the name's words, given names first.
func (n *name) words() []*word {
	var out []*word
	for i := range n.given {
		out = append(out, &n.given[i])
	}
	for i := range n.family {
		out = append(out, &n.family[i])
	}
	return out
}

// adult is a person a declaration gives the details of besides its subject: a parent, the
// deceased, an informant.
type adult struct {
	name                          name
	dob                           time.Time // zero: not given
	nationality, nationalityOther string
	idType, nid, passport         string
	marital, education            string
	occupation, phone             string
	residence, landmark           string // a village; a landmark of the address
}

// identity sets a person's identity document: a national identity card, a passport or none,
// by the shares given (in hundredths; none takes the rest).
func (a *adult) identity(r *rand.Rand, nid, passport string, nidShare, passportShare int) {
	a.nid, a.passport = "", ""
	switch x := r.IntN(100); {
	case x < nidShare:
		a.idType, a.nid = "national-id", nid
	case x < nidShare+passportShare:
		a.idType, a.passport = "passport", passport
	default:
		a.idType = "none"
	}
}

// idDocument is the document answer of the person's identity document; nil for none.
func (a *adult) idDocument() map[string]any {
	if a.idType == "none" {
		return nil
	}
	return docAnswer(a.idType)
}

// gen draws the parts of a declaration.
type gen struct {
	r *rand.Rand
	// plain: the declaration is typed without diacritics (on a keyboard without them), all
	// its names alike.
	plain bool
}

// pick draws from a list, its head more often than its tail (the lesser of two draws).
func (g gen) pick(l []*entry) *entry { return l[min(g.r.IntN(len(l)), g.r.IntN(len(l)))] }

// pickBut draws from a list a name that is none of not.
func (g gen) pickBut(l []*entry, not ...*entry) *entry {
	for {
		if e := g.pick(l); !slices.Contains(not, e) {
			return e
		}
	}
}

// word types a name: its commonest spelling most of the time.
func (g gen) word(e *entry) word {
	w := word{e: e}
	if len(e.latin) > 1 && g.r.IntN(10) >= 7 {
		w.v = 1 + g.r.IntN(len(e.latin)-1)
	}
	w.plain = g.plain && accented(e.latin[w.v])
	return w
}

// name is a person's name: a first given name, sometimes a second, and a family name.
func (g gen) name(c *culture, first *entry, family word, s script) name {
	n := name{c: c, script: s, given: []word{g.word(first)}, family: []word{family}}
	if g.r.Float64() < c.twoGiven {
		n.given = append(n.given, g.word(g.pickBut(c.sexed(first.male), first, family.e)))
	}
	return n
}

// sexed are the culture's given names of one sex.
func (c *culture) sexed(male bool) []*entry {
	if male {
		return c.male
	}
	return c.female
}

func sexOf(e *entry) string {
	if e.male {
		return "male"
	}
	return "female"
}

// oneOf draws a value by weights: "value:weight" pairs.
func (g gen) oneOf(choices ...string) string {
	weight := func(c string) (string, int) {
		i := strings.LastIndexByte(c, ':')
		w, err := strconv.Atoi(c[i+1:])
		if err != nil {
			panic("dupgen: no weight in " + c)
		}
		return c[:i], w
	}
	total := 0
	for _, c := range choices {
		_, w := weight(c)
		total += w
	}
	x := g.r.IntN(total)
	for _, c := range choices {
		v, w := weight(c)
		if x < w {
			return v
		}
		x -= w
	}
	panic("unreachable")
}

func (g gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g gen) of(l []string) string { return l[g.r.IntN(len(l))] }

// phone is a Nerovian mobile number.
func (g gen) phone() string { return fmt.Sprintf("09%08d", g.r.IntN(100_000_000)) }

func (g gen) district() district { return districts[g.r.IntN(len(districts))] }

var (
	neighbours   = []string{"ardossian", "kelvari", "lunthian", "obrecian"}
	educations   = []string{"none", "primary", "primary", "lower-secondary", "upper-secondary", "vocational", "tertiary"}
	occupations  = []string{"Farmer", "Trader", "Teacher", "Nurse", "Homemaker", "Tailor", "Civil servant", "Driver", "Student", "Weaver", "Pastoralist", "Shopkeeper"}
	landmarks    = []string{"Behind the Tuesday market", "Near the primary school", "Opposite the church", "Next to the mosque", "By the water point", "Near the health post", "On the road to the mill", "Behind the coffee cooperative"}
	otherPlaces  = []string{"On the way to the health centre", "At the weekly market", "On the bus to the district town", "At a relative's house in another village"}
	otherCountry = []string{"Kenyan", "Sudanese", "Somali", "Yemeni", "Malian", "Senegalese"}
)

// district is a district of the example country with its villages and health facilities
// (places.go).
type district struct {
	code                 string
	villages, facilities []string
}

// districtOf is the district of a village.
var districtOf = func() map[string]district {
	m := map[string]district{}
	for _, d := range districts {
		for _, v := range d.villages {
			m[v] = d
		}
	}
	return m
}()

// Identity numbers: every person of a generated population has their own. A person's numbers
// are drawn from the index of the declaration they belong to and their role in it, through a
// permutation that the seed chooses, so that Person(i) needs no other.
const (
	roleMother = iota
	roleFather
	roleWitness
	roleDeceased
	roleInformant
	roles = 8 // room to grow
)

// nidOf is a national identity number: 10 digits, the first never 0, the last a Luhn check
// digit (the package's pattern checks the form only, as a register's would not).
func nidOf(seed uint64, id, role int) string {
	const m = 900_000_000
	body := 100_000_000 + permute(seed^0x6e6964, uint64(id*roles+role), m)
	return fmt.Sprintf("%d%d", body, luhn(body))
}

// passportOf is a passport number, as the package's pattern wants: capital letters and digits.
func passportOf(seed uint64, id, role int) string {
	return fmt.Sprintf("P%08d", permute(seed^0x70617373, uint64(id*roles+role), 100_000_000))
}

func luhn(n uint64) uint64 {
	sum, double := uint64(0), true
	for ; n > 0; n /= 10 {
		d := n % 10
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// permute is a permutation of [0, m) chosen by key: x → a·x + b mod m with a prime to m. x
// past m wraps (m is large enough that this does not happen in practice).
func permute(key, x, m uint64) uint64 {
	h := mix(key)
	a := 1 + h%(m-1)
	for gcd(a, m) != 1 {
		a = a%(m-1) + 1
	}
	b := mix(h) % m
	return (a%m*(x%m) + b) % m // a, x < m < 2^32: no overflow
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mix is splitmix64's finaliser: a well-spread 64-bit hash of a 64-bit key.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func eventKey(event string) uint64 {
	switch event {
	case "birth":
		return 1
	case "death":
		return 2
	}
	panic(fmt.Sprintf("dupgen: no event %q (birth or death)", event))
}

// rngOf is the random source of the declaration id of an event.
func rngOf(seed uint64, event string, id int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix(eventKey(event)<<56^uint64(id))))
}

// Where the i-th person of an event falls, so that Person(i) and Person(j) differ: each
// twenty people have fourteen Ethiopian names, three Arabic and three francophone; within a
// culture, the j-th person gets a pair (given name, days before today of the event) that no
// other of the culture has, through a permutation the seed chooses, for as many people as
// there are pairs: 60,258 Ethiopian births and 36,135 deaths (99 names, 1,096 or 365 days),
// so the first 51,000 people of an event at least. Past that the pairs come round again,
// and only the other names, drawn at random, tell people apart.
var pattern = func() (p [20]int) {
	for _, i := range []int{2, 9, 16} {
		p[i] = 1
	}
	for _, i := range []int{5, 12, 18} {
		p[i] = 2
	}
	return p
}()

// rank is each position's rank among the positions of its culture in pattern.
var rank = func() (r [20]uint64) {
	var seen [3]uint64
	for i, c := range pattern {
		r[i] = seen[c]
		seen[c]++
	}
	return r
}()

// Births happen up to 3 years before today, in the last year three times as often as before.
const (
	birthRecent = 365
	birthOlder  = 731
	deathDays   = 365
)

// slot is the culture of the i-th declaration of an event, its subject's given name (an
// index into the culture's given()) and how many days before today the event was.
func slot(event string, seed uint64, i int) (c *culture, g, back int) {
	if i < 0 {
		panic(fmt.Sprintf("dupgen: person %d: a person is numbered from 0", i))
	}
	key := seed ^ eventKey(event)<<8
	x := uint64(i) + seed%20
	ci := pattern[x%20]
	j := x/20*uint64(cultures[ci].share) + rank[x%20]
	c = cultures[ci].c
	key ^= uint64(ci)
	n := uint64(len(c.given()))
	if event == "death" {
		s := permute(key, j, deathDays*n)
		return c, int(s % n), int(s / n)
	}
	older := max(1, n/3)
	s := permute(key, j, birthRecent*n+birthOlder*older)
	if s < birthRecent*n {
		return c, int(s % n), int(s / n)
	}
	s -= birthRecent * n
	back = birthRecent + int(s/older)
	return c, int((s%older + 7*uint64(back)) % n), back
}

// randomSlot is a culture, given name and day drawn at random, for the people of near-misses.
func randomSlot(r *rand.Rand, event string) (c *culture, g, back int) {
	x := r.IntN(20)
	c = cultures[pattern[x]].c
	g = r.IntN(len(c.given()))
	if event == "death" {
		return c, g, r.IntN(deathDays)
	}
	if r.IntN(4) == 0 {
		return c, g, birthRecent + r.IntN(birthOlder)
	}
	return c, g, r.IntN(birthRecent)
}

// decl is a declaration of an event being made: a birth or a death.
type decl interface {
	person() int
	clone() decl
	// ruleNames are the names the duplicate rules read; allNames every name of the form.
	ruleNames() []*name
	allNames() []*name
	culture() *culture
	// eventDate is the date of the event; eventDateOK tells whether the form takes another
	// date for it, on today; setEventDate changes it, unchecked (see moveDate).
	eventDate() time.Time
	eventDateOK(d, today time.Time) bool
	setEventDate(d time.Time)
	// leaveOut leaves optional answers out, and says which; nil when there are none.
	leaveOut(r *rand.Rand) []string
	// data is the declaration as the runtime stores it, on today.
	data(today time.Time) map[string]any
}

// personAt is the i-th distinct declaration of an event.
func personAt(event string, seed uint64, i int, today time.Time) decl {
	c, g, back := slot(event, seed, i)
	return build(event, seed, i, today, c, g, back, -1)
}

// build makes the declaration id of an event: its subject of culture c, with the culture's
// given name g, the event back days before today; for a death, of a deceased aged age (-1:
// drawn).
func build(event string, seed uint64, id int, today time.Time, c *culture, g, back, age int) decl {
	r := rngOf(seed, event, id)
	s := latin
	if c.script != latin && r.Float64() < c.native {
		s = c.script
	}
	gg := gen{r: r, plain: r.IntN(100) < 20}
	if event == "death" {
		return newDeath(gg, seed, id, today, c, c.given()[g], back, s, age)
	}
	return newBirth(gg, seed, id, today, c, c.given()[g], back, s)
}

// dateOK tells whether a date is one the form takes: not after today.
func dateOK(d, today time.Time) bool { return !d.After(today) }

// shiftDate moves the date of d's event by days; false when the form would refuse it.
func shiftDate(d decl, days int, today time.Time) bool {
	return moveDate(d, addDays(d.eventDate(), days), today)
}

// swapDayMonth swaps the day and month of d's event; false when they cannot be swapped, or
// the form would refuse the date.
func swapDayMonth(d decl, today time.Time) bool {
	date, ok := swapped(d.eventDate())
	return ok && moveDate(d, date, today)
}

// drawSome draws 1 to 3 of can (all when it has fewer), for leaveOut, sorted so that the
// answers left out are named alike however they were drawn; nil when can is empty.
func drawSome(r *rand.Rand, can []string) []string {
	if len(can) == 0 {
		return nil
	}
	r.Shuffle(len(can), func(i, j int) { can[i], can[j] = can[j], can[i] })
	can = can[:1+r.IntN(min(3, len(can)))]
	slices.Sort(can)
	return can
}

// moveDate sets the date of d's event to date when the form takes it: a variation is of a
// declaration the form accepts.
func moveDate(d decl, date, today time.Time) bool {
	if !d.eventDateOK(date, today) {
		return false
	}
	d.setEventDate(date)
	return true
}

// swapped is a date with its day and month exchanged, when both are months and differ.
func swapped(d time.Time) (time.Time, bool) {
	if d.Day() > 12 || d.Day() == int(d.Month()) {
		return d, false
	}
	return time.Date(d.Year(), time.Month(d.Day()), int(d.Month()), 0, 0, 0, 0, time.UTC), true
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }
