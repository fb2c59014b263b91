package dupgen

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// A duplicate is the same person declared again with one thing different: a slip of the
// keyboard in a name, another spelling of it, a name left out or added, a date typed wrong,
// answers not given. Names change where the duplicate rules read them: the child's and the
// mother's for a birth, the deceased's for a death.

// variation is a way a declaration comes out different the second time.
type variation struct {
	kind string
	// group: a combined duplicate takes two variations of different groups, in the order of
	// their groups (a spelling is chosen before it is mistyped).
	group int
	apply func(d decl, r *rand.Rand, today time.Time) bool
}

const (
	groupSpelling = iota
	groupGiven
	groupSwap
	groupDate
	groupMissing
	groupTypo
)

var variations = []variation{
	{"typo-1", groupTypo, func(d decl, r *rand.Rand, _ time.Time) bool { return typo(d, r, 1) }},
	{"typo-2", groupTypo, func(d decl, r *rand.Rand, _ time.Time) bool { return typo(d, r, 2) }},
	{"given-dropped", groupGiven, givenDropped},
	{"given-added", groupGiven, givenAdded},
	{"swapped", groupSwap, swapNames},
	{"diacritics", groupSpelling, diacritics},
	{"other-script", groupSpelling, otherScript},
	{"transliteration", groupSpelling, transliterate},
	{"date-days", groupDate, dateDays},
	{"day-month-swapped", groupDate, func(d decl, _ *rand.Rand, today time.Time) bool { return swapDayMonth(d, today) }},
	{"missing-answers", groupMissing, func(d decl, r *rand.Rand, _ time.Time) bool { return d.leaveOut(r) != nil }},
}

// vary makes a duplicate of a declaration by a kind of variation, and says, for a combined
// one, which two; ok false when the kind does not apply to it.
func vary(kind string, d decl, r *rand.Rand, today time.Time) (dup decl, how string, ok bool) {
	if kind == "combined" {
		for range 20 {
			i, j := r.IntN(len(variations)), r.IntN(len(variations)-1)
			if j >= i {
				j++
			}
			a, b := variations[i], variations[j]
			if a.group == b.group {
				continue
			}
			if b.group < a.group {
				a, b = b, a
			}
			c := d.clone()
			if a.apply(c, r, today) && b.apply(c, r, today) {
				return c, a.kind + "+" + b.kind, true
			}
		}
		return nil, "", false
	}
	for _, v := range variations {
		if v.kind == kind {
			c := d.clone()
			return c, "", v.apply(c, r, today)
		}
	}
	panic("dupgen: no variation " + kind)
}

// ruleText is the names the rules read, as typed.
func ruleText(d decl) string {
	var parts []string
	for _, n := range d.ruleNames() {
		parts = append(parts, n.String())
	}
	return strings.Join(parts, " / ")
}

// typo makes edits slips of the keyboard, each in a word of the names the rules read, drawn
// at random.
func typo(d decl, r *rand.Rand, edits int) bool {
	type typed struct {
		w *word
		s script
	}
	var words []typed
	for _, n := range d.ruleNames() {
		for _, w := range n.words() {
			words = append(words, typed{w, n.script})
		}
	}
	before := ruleText(d)
	for range edits {
		t := words[r.IntN(len(words))]
		t.w.typed = edit(r, t.w.text(t.s), t.s)
	}
	return ruleText(d) != before // two edits can undo each other
}

// edit makes one slip in a word: a letter struck for another (a neighbour on the keyboard, a
// vowel for another, a homophone letter of Ethiopic or a look-alike of Arabic), a letter
// added (often doubled) or left out, or two letters typed the wrong way round.
func edit(r *rand.Rand, s string, sc script) string {
	rs := []rune(s)
	letters := 0
	for _, c := range rs {
		if unicode.IsLetter(c) {
			letters++
		}
	}
	for range 100 {
		out := slices.Clone(rs)
		p := r.IntN(len(out))
		if !unicode.IsLetter(out[p]) {
			continue
		}
		switch r.IntN(4) {
		case 0:
			out[p] = substitute(r, out[p], sc)
		case 1:
			out = slices.Insert(out, p+r.IntN(2), insertion(r, out[p], sc))
		case 2:
			if letters <= 2 {
				continue
			}
			out = slices.Delete(out, p, p+1)
		case 3:
			if p+1 >= len(out) || !unicode.IsLetter(out[p+1]) {
				continue
			}
			out[p], out[p+1] = out[p+1], out[p]
		}
		if t := tidy(string(out), sc); t != s {
			return t
		}
	}
	return s
}

// tidy is a typed word as a name is written: NFC, and in Latin letters capitalised (a slip
// does not change the case of a name's letters).
func tidy(s string, sc script) string {
	if sc == latin {
		var b strings.Builder
		start := true
		for _, c := range s {
			if start {
				c = unicode.ToUpper(c)
			} else {
				c = unicode.ToLower(c)
			}
			b.WriteRune(c)
			start = c == ' ' || c == '-'
		}
		s = b.String()
	}
	return norm.NFC.String(s)
}

// qwerty are the neighbours of each letter on a keyboard.
var qwerty = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok",
	'o': "ipl", 'p': "ol", 'a': "qsz", 's': "awdzx", 'd': "sefxc", 'f': "drgcv", 'g': "fthvb",
	'h': "gyjbn", 'j': "hukmn", 'k': "jilm", 'l': "kop", 'z': "asx", 'x': "zsdc", 'c': "xdfv",
	'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
}

// Ethiopic letters of one sound: the rows of ሀ ሐ ኀ (h), ሰ ሠ (s), አ ዐ (a) and ጸ ፀ (ts), which
// writers mix up all the time.
var homophones = map[rune][]rune{
	0x1200: {0x1210, 0x1280}, 0x1210: {0x1200, 0x1280}, 0x1280: {0x1200, 0x1210},
	0x1230: {0x1220}, 0x1220: {0x1230},
	0x12A0: {0x12D0}, 0x12D0: {0x12A0},
	0x1338: {0x1340}, 0x1340: {0x1338},
}

// arabicAlike are Arabic letters typed for one another: hamza forms, ta marbuta and ha, alif
// maqsura and ya, and letters that sound alike to many.
var arabicAlike = map[rune]string{
	'ه': "ةح", 'ة': "ه", 'ي': "ى", 'ى': "ي", 'ا': "أإآ", 'أ': "اإ", 'إ': "اأ", 'آ': "ا",
	'س': "ص", 'ص': "س", 'ت': "ط", 'ط': "ت", 'د': "ض", 'ض': "د", 'ذ': "ز", 'ز': "ذ",
	'ح': "ه", 'ق': "ك", 'ك': "ق", 'ع': "ا",
}

const arabicLetters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"

func ethiopicSyllable(c rune) bool {
	return c >= 0x1200 && c < 0x1380 && unicode.Is(unicode.Ethiopic, c) && unicode.IsLetter(c)
}

func substitute(r *rand.Rand, c rune, sc script) rune {
	pick := func(s string) rune { rs := []rune(s); return rs[r.IntN(len(rs))] }
	switch {
	case sc == arabic:
		if alike, ok := arabicAlike[c]; ok && r.IntN(3) > 0 {
			return pick(alike)
		}
		return pick(arabicLetters)
	case sc == ethiopic && ethiopicSyllable(c):
		row, order := (c-0x1200)/8*8+0x1200, (c-0x1200)%8
		if alts, ok := homophones[row]; ok && r.IntN(2) == 0 {
			if alt := alts[r.IntN(len(alts))] + order; ethiopicSyllable(alt) {
				return alt
			}
		}
		for range 20 { // the same consonant with another vowel
			if alt := row + rune(r.IntN(7)); alt != c && ethiopicSyllable(alt) {
				return alt
			}
		}
		return c
	}
	base := []rune(strings.ToLower(stripAccents(string(c))))[0]
	var out rune
	if strings.ContainsRune("aeiou", base) && r.IntN(3) == 0 {
		out = pick("aeiou")
	} else if n, ok := qwerty[base]; ok {
		out = pick(n)
	} else {
		out = pick("abcdefghijklmnopqrstuvwxyz")
	}
	if unicode.IsUpper(c) {
		out = unicode.ToUpper(out)
	}
	return out
}

// insertion is a letter typed next to c by mistake: c again, or another.
func insertion(r *rand.Rand, c rune, sc script) rune {
	if r.IntN(2) == 0 {
		return unicode.ToLower(c)
	}
	pick := func(s string) rune { rs := []rune(s); return rs[r.IntN(len(rs))] }
	switch sc {
	case arabic:
		return pick("اوي")
	case ethiopic:
		return pick("ንርልስትምክ")
	}
	if n, ok := qwerty[[]rune(strings.ToLower(stripAccents(string(c))))[0]]; ok {
		return pick(n)
	}
	return pick("aeiou")
}

// givenDropped leaves out the second given name of a name that has two.
func givenDropped(d decl, r *rand.Rand, _ time.Time) bool {
	var two []*name
	for _, n := range d.ruleNames() {
		if len(n.given) >= 2 {
			two = append(two, n)
		}
	}
	if len(two) == 0 {
		return false
	}
	n := two[r.IntN(len(two))]
	n.given = n.given[:1]
	return true
}

// givenAdded adds a second given name, of the person's culture and sex, to a name that has one.
func givenAdded(d decl, r *rand.Rand, _ time.Time) bool {
	var one []*name
	for _, n := range d.ruleNames() {
		if len(n.given) == 1 && n.given[0].typed == "" {
			one = append(one, n)
		}
	}
	if len(one) == 0 {
		return false
	}
	n := one[r.IntN(len(one))]
	// Typed as the name's other words are: with their diacritics or without.
	plain := slices.ContainsFunc(n.words(), func(w *word) bool { return w.plain })
	g, first := gen{r: r, plain: plain}, n.given[0].e
	n.given = append(n.given, g.word(g.pickBut(n.c.sexed(first.male), first, n.family[0].e)))
	return true
}

// swapNames exchanges the given and family names of a name the rules read.
func swapNames(d decl, r *rand.Rand, _ time.Time) bool {
	ns := d.ruleNames()
	n := ns[r.IntN(len(ns))]
	if join(n.given, n.script) == join(n.family, n.script) {
		return false
	}
	n.given, n.family = n.family, n.given
	return true
}

// diacritics types the names without their diacritics where they have them (a keyboard
// without them), else with the diacritics a name typed without them has.
func diacritics(d decl, _ *rand.Rand, _ time.Time) bool {
	present, absent := false, false
	for _, n := range d.ruleNames() {
		for _, w := range n.words() {
			if n.script == latin && w.typed == "" && accented(w.e.latin[w.v]) {
				present, absent = present || !w.plain, absent || w.plain
			}
		}
	}
	if !present && !absent {
		return false
	}
	for _, n := range d.allNames() {
		for _, w := range n.words() {
			if n.script == latin && w.typed == "" && accented(w.e.latin[w.v]) {
				w.plain = present
			}
		}
	}
	return true
}

// otherScript types the names in the other script of the person's culture: Ethiopic or
// Arabic for names typed in Latin letters, Latin for names typed in their own script.
func otherScript(d decl, _ *rand.Rand, _ time.Time) bool {
	c := d.culture()
	if c.script == latin {
		return false
	}
	to := c.script
	if d.ruleNames()[0].script != latin {
		to = latin
	}
	for _, n := range d.ruleNames() {
		if !convertible(n, to) {
			return false
		}
	}
	for _, n := range d.allNames() {
		if convertible(n, to) {
			n.script = to
		}
	}
	return true
}

func convertible(n *name, to script) bool {
	if to != latin && n.c.script != to {
		return false
	}
	for _, w := range n.words() {
		if w.typed != "" || to != latin && w.e.native == "" {
			return false
		}
	}
	return true
}

// transliterate spells a word of the names in Latin letters another way (Mohammed, Mohamed).
func transliterate(d decl, r *rand.Rand, _ time.Time) bool {
	var ws []*word
	for _, n := range d.ruleNames() {
		for _, w := range n.words() {
			if n.script == latin && w.typed == "" && len(w.e.latin) > 1 {
				ws = append(ws, w)
			}
		}
	}
	if len(ws) == 0 {
		return false
	}
	w := ws[r.IntN(len(ws))]
	v := r.IntN(len(w.e.latin) - 1)
	if v >= w.v {
		v++
	}
	w.v = v
	return true
}

// dateDays moves the date of the event by 1 to 5 days.
func dateDays(d decl, r *rand.Rand, today time.Time) bool {
	n := 1 + r.IntN(5)
	if r.IntN(2) == 0 {
		n = -n
	}
	return shiftDate(d, n, today) || shiftDate(d, -n, today)
}
