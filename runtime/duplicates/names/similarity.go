package names

import (
	"math"
	"math/bits"
)

// DefaultSimilarity is the similarity at and above which two names are taken for the same
// person's. It was chosen on the fixture (testdata/pairs.csv) as the lowest threshold within
// one wrong decision of the fewest (0.86 and 0.87 make one fewer): a duplicate missed is a
// person registered twice, while a pair flagged wrongly costs a registrar a look. TestFixture
// logs the precision and recall here and around.
const DefaultSimilarity = 0.85

const (
	// genderCap bounds the similarity of two words that differ as the masculine and feminine
	// forms of a name do (Abebe, Abeba; Karim, Karima; كريم, كريمة): one edit, but siblings.
	genderCap = 0.5
	// extraWord is taken off for each word of one name that matches none of the other's, so
	// that a name all in the other scores high but a given name alone against four words
	// does not.
	extraWord = 0.06
)

// Similarity is how alike two names are, from 0 (nothing alike) to 1 (the same words),
// symmetric. Tolerant of word order, of a word dropped or added on one side (compare the
// words both have: a name that is all in the other scores high), typos, accents, case,
// punctuation, spelling variants and transliteration across scripts.
func Similarity(a, b Name) float64 {
	if a.Empty() || b.Empty() {
		return 0
	}
	var c comparison
	c.init(a, b)
	return c.score()
}

// wordSim is how alike two words are, from 0 to 1.
func wordSim(a, b []sym, aScript, bScript script) float64 {
	if sameSyms(a, b) {
		return 1
	}
	w := max(weight(a, aScript, bScript), weight(b, bScript, aScript))
	if w == 0 {
		return 0
	}
	s := 1 - float64(align(a, b, aScript, bScript))/float64(w)
	if s > genderCap && genderPair(a, b, aScript, bScript) {
		s = genderCap
	}
	return max(s, 0)
}

func sameSyms(a, b []sym) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].c != b[i].c {
			return false
		}
	}
	return true
}

// genderPair reports two words that are one stem with a feminine a on one side only: Abebe
// and Abeba, Francesco and Francesca, Karim and Karima (كريم and كريمة). Many naming
// traditions make a woman's name so, and siblings, even twins, carry both forms; a typo
// changes the last letter far less often. (It also parts Ibrahim from the West African
// Ibrahima: see the package documentation.)
func genderPair(a, b []sym, as, bs script) bool {
	if len(a) < 3 || len(b) < 3 {
		return false
	}
	if b[len(b)-1].c == 'a' {
		a, b = b, a
		as, bs = bs, as
	}
	la, lb := a[len(a)-1], b[len(b)-1]
	if la.c != 'a' || la.f&(weak|anyVowel) != 0 || lb.c == 'a' || lb.f&(weak|anyVowel) != 0 {
		return false
	}
	sa, sb := a[:len(a)-1], b
	if isVowel(lb.c) {
		sb = b[:len(b)-1]
	}
	if len(sa) < 3 || len(sb) < 3 {
		return false
	}
	w := max(weight(sa, as, bs), weight(sb, bs, as))
	return float64(align(sa, sb, as, bs)) <= 0.1*float64(w)
}

// A unit is what one side of a pair of matched words is: a word, or two words read as one
// (Jean Pierre and Jeanpierre, ወልደ ማርያም and Woldemariam, Ben Ali and Benali).
type unit struct {
	s      []sym
	script script
	words  uint16 // the words it covers, a bit each
}

// maxJoins bounds the joins kept on a side (the first found useful): each doubles the work
// of a matching, and no name needs more than two (Nour Eddine Ben Ali: one).
const maxJoins = 2

// maxUnits bounds the units of a side: its words, and the joins found useful.
const maxUnits = maxWords + maxJoins

// comparison holds the work of one Similarity. It holds no pointer into itself, so that it
// stays on the stack.
type comparison struct {
	a, b   Name
	ua, ub [maxUnits]unit // the major words of each side, then the useful joins
	na, nb int            // how many of ua, ub are single words
	la, lb int            // how many of ua, ub are in use
	// sim holds the similarities of units in 1/scale: whole numbers, so that the sums of a
	// matching are the same in any order (Similarity is exactly symmetric, and does not
	// depend on the order of the words).
	sim [maxUnits][maxUnits]int32
	// best[0] holds each single word of a's best similarity with a single word of b, best[1]
	// the same of b's.
	best [2][maxWords]int32
}

const scale = 4096

func quantize(s float64) int32 { return int32(math.Round(s * scale)) }

func (c *comparison) init(a, b Name) {
	c.a, c.b = a, b
	c.na = singles(&c.ua, a)
	c.nb = singles(&c.ub, b)
	c.la, c.lb = c.na, c.nb
	for i := 0; i < c.na; i++ {
		for j := 0; j < c.nb; j++ {
			s := quantize(wordSim(c.ua[i].s, c.ub[j].s, c.ua[i].script, c.ub[j].script))
			c.sim[i][j] = s
			c.best[0][i] = max(c.best[0][i], s)
			c.best[1][j] = max(c.best[1][j], s)
		}
	}
}

// singles puts in us the major words of a name (all its words if it has only minor ones),
// and says how many.
func singles(us *[maxUnits]unit, n Name) int {
	k := 0
	for i, w := range n.words {
		if !w.minor {
			us[k] = unit{s: w.s, script: w.script, words: 1 << i}
			k++
		}
	}
	if k == 0 {
		for i, w := range n.words {
			us[k] = unit{s: w.s, script: w.script, words: 1 << i}
			k++
		}
	}
	return k
}

// score is the similarity of the best matching of the two names' words: word for word, and
// with the joins of two words that match a word of the other side better than any single
// word does. Joins are looked for only where a word is left without a close match.
func (c *comparison) score() float64 {
	score := c.match()
	if score >= 0.99 || !c.looseWord() {
		return score
	}
	if c.joins() {
		score = max(score, c.match())
	}
	return score
}

// looseWord reports a single word without a close match on the other side.
func (c *comparison) looseWord() bool {
	for i := 0; i < c.na; i++ {
		if c.best[0][i] < scale*9/10 {
			return true
		}
	}
	for j := 0; j < c.nb; j++ {
		if c.best[1][j] < scale*9/10 {
			return true
		}
	}
	return false
}

// joins adds to each side the pairs of its words (in either order) that, read as one word,
// match a single word of the other side clearly better than that word's best match so far;
// and the Latin words that start with an article written on (Alkahtani, Elkhatib) read
// without it, if that matches better. It reports whether it added any.
func (c *comparison) joins() bool {
	added := false
	// The joined words are compared, then only their similarity is kept: their syms are
	// here, not in c, which would then point into the stack frame and be moved to the heap.
	var joined [2 * maxAlign]sym
	for side := 0; side < 2; side++ {
		n, other, no := c.a, &c.ub, c.nb
		if side == 1 {
			n, other, no = c.b, &c.ua, c.na
		}
		for i := range n.words {
			for j := range n.words {
				x, y := n.words[i], n.words[j]
				var js []sym
				words := uint16(1<<i | 1<<j)
				switch {
				case i == j:
					if x.minor || x.script != latin || len(x.s) < 6 || x.s[1].c != 'l' || x.s[0].c != 'a' && x.s[0].c != 'e' {
						continue
					}
					js = x.s[2:]
				case x.minor && y.minor || x.script != y.script || isInitial(x) || isInitial(y) ||
					!anyLengthMatches(len(x.s)+len(y.s), other[:no]):
					continue
				default:
					js = finish(append(append(joined[:0], x.s...), y.s...))
				}
				// The join goes to the word it matches best, if it matches it clearly
				// better than any single word does.
				k, s := -1, int32(0)
				for m := 0; m < no; m++ {
					o := &other[m]
					if !lengthsMatch(len(js), len(o.s)) || !sameStart(js, o.s) {
						continue
					}
					q := quantize(wordSim(js, o.s, x.script, o.script))
					if q >= scale*3/4 && q > c.best[1-side][m]+scale*3/100 && q > s {
						k, s = m, q
					}
				}
				if k >= 0 {
					u := unit{script: x.script, words: words}
					if side == 0 && c.la < c.na+maxJoins {
						c.ua[c.la] = u
						for m := 0; m < c.lb; m++ {
							c.sim[c.la][m] = 0
						}
						c.sim[c.la][k] = s
						c.la++
						added = true
					} else if side == 1 && c.lb < c.nb+maxJoins {
						c.ub[c.lb] = u
						for m := 0; m < c.la; m++ {
							c.sim[m][c.lb] = 0
						}
						c.sim[k][c.lb] = s
						c.lb++
						added = true
					}
				}
			}
		}
	}
	return added
}

func isInitial(w word) bool { return w.minor && len(w.s) == 1 }

// sameStart reports two words that start alike: both with a vowel, or with consonants that
// spellings trade. A join or an article taken off is tried only then, which saves aligning
// it with words it cannot match.
func sameStart(a, b []sym) bool {
	x, y := a[0].c, b[0].c
	if isVowel(x) || isVowel(y) {
		return isVowel(x) && isVowel(y)
	}
	return pairCost[x-'a'][y-'a'] <= 10
}

func anyLengthMatches(n int, us []unit) bool {
	for _, u := range us {
		if lengthsMatch(n, len(u.s)) {
			return true
		}
	}
	return false
}

func lengthsMatch(a, b int) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= max(2, max(a, b)/3)
}

// match finds the matching of units that scores highest. Each choice of joins (none, or
// some that cover no word twice) leaves a set of units on each side; every unit of the
// side with fewer must be matched (leaving one out is not cheaper than matching it badly),
// and the matching with the smallest sum of squared distances is found by dynamic
// programming over the subsets of the other side's units.
func (c *comparison) match() float64 {
	best := -1.0
	ja, jb := c.la-c.na, c.lb-c.nb
	for sa := 0; sa < 1<<ja; sa++ {
		ua, ok := c.units(sa, &c.ua, c.na)
		if !ok {
			continue
		}
		for sb := 0; sb < 1<<jb; sb++ {
			ub, ok := c.units(sb, &c.ub, c.nb)
			if ok {
				best = max(best, c.assign(ua, ub))
			}
		}
	}
	return max(best, 0)
}

// unitSet is a set of units of one side, by index.
type unitSet struct {
	idx [maxWords + maxJoins]int8
	n   int
}

// units is the set of units of a side when the joins in set are chosen: those joins, and the
// single words they do not cover. It reports false if two chosen joins cover one word.
func (c *comparison) units(set int, us *[maxUnits]unit, singles int) (unitSet, bool) {
	var u unitSet
	var covered uint16
	for j := 0; j < maxJoins; j++ {
		if set&(1<<j) == 0 {
			continue
		}
		w := us[singles+j].words
		if covered&w != 0 {
			return u, false
		}
		covered |= w
		u.idx[u.n] = int8(singles + j)
		u.n++
	}
	for i := 0; i < singles; i++ {
		if us[i].words&covered == 0 {
			u.idx[u.n] = int8(i)
			u.n++
		}
	}
	return u, true
}

// assign scores the best matching of the units ua of a and ub of b: one less the root mean
// square of its pairs' distances (so that one word far apart weighs more than two a little
// apart: TestFixture found the mean worse and higher powers no better), less extraWord for
// each major word of either name left out.
func (c *comparison) assign(ua, ub unitSet) float64 {
	rows, cols, transposed := ua, ub, false
	if ua.n > ub.n {
		rows, cols, transposed = ub, ua, true
	}
	sim := func(r, k int) int32 {
		i, j := int(rows.idx[r]), int(cols.idx[k])
		if transposed {
			i, j = j, i
		}
		if c.sim[i][j] == 0 && (i >= c.na || j >= c.nb) {
			return -1 // a join is only ever compared with the word it was found for
		}
		return c.sim[i][j]
	}
	// dp[mask] is the least sum of squared distances of a matching of the first
	// popcount(mask) rows with the columns in mask, or -1 if there is none. Names of up to six
	// words need no allocation.
	full := 1 << cols.n
	var small [1 << 6]int64
	dp := small[:min(full, len(small))]
	if full > len(small) {
		dp = make([]int64, full)
	}
	for m := 1; m < full; m++ {
		dp[m] = -1
	}
	best := -1.0
	for m := 0; m < full; m++ {
		if dp[m] < 0 {
			continue
		}
		r := bits.OnesCount(uint(m))
		if r == rows.n {
			best = max(best, c.scoreMatching(rows, cols, m, dp[m], transposed))
			continue
		}
		for k := 0; k < cols.n; k++ {
			if m&(1<<k) != 0 {
				continue
			}
			s := sim(r, k)
			if s < 0 {
				continue
			}
			d := int64(scale - s)
			if next := m | 1<<k; dp[next] < 0 || dp[m]+d*d < dp[next] {
				dp[next] = dp[m] + d*d
			}
		}
	}
	return best
}

// scoreMatching scores a matching of all rows with the columns in mask. The rows' words are
// all matched; the columns' major words (their single words) not covered by a matched column
// are left out.
func (c *comparison) scoreMatching(rows, cols unitSet, mask int, sumSq int64, transposed bool) float64 {
	us, singles := &c.ub, c.nb
	if transposed {
		us, singles = &c.ua, c.na
	}
	var covered, major uint16
	for k := 0; k < cols.n; k++ {
		if mask&(1<<k) != 0 {
			covered |= us[cols.idx[k]].words
		}
	}
	for _, u := range us[:singles] {
		major |= u.words
	}
	extra := bits.OnesCount16(major &^ covered)
	return 1 - math.Sqrt(float64(sumSq)/float64(rows.n))/scale - extraWord*float64(extra)
}
