package names

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hbollon/go-edlib"
)

// The tests below measure the choices the package documentation argues for, on the fixture.
// They fail only if a choice stops being the better one.

// bestThreshold is the threshold at which sims decide most pairs as labelled, and how many
// they then decide wrongly.
func bestThreshold(pairs []pair, sims []float64) (th float64, wrong int) {
	wrong = len(pairs) + 1
	for t := 0.50; t <= 0.99; t += 0.005 {
		c := confusionAt(pairs, sims, t)
		if c.fp+c.fn < wrong {
			th, wrong = t, c.fp+c.fn
		}
	}
	return th, wrong
}

// TestTransliterationLibraries compares reading Ethiopic and Arabic words with this package's
// tables and with Unidecode's (the tables of github.com/mozillazg/go-unidecode, which
// github.com/gosimple/unidecode shares: both port Python's Unidecode, and they differ only
// in writing "[?]" or nothing for a letter they do not know), on the fixture's pairs that
// have an Ethiopic or an Arabic name. Everything else is the same.
func TestTransliterationLibraries(t *testing.T) {
	var pairs []pair
	for _, p := range readPairs(t) {
		if p.kind != "latin" {
			pairs = append(pairs, p)
		}
	}
	measure := func(own bool) (sims []float64, shared, same int) {
		defer func(was bool) { ownTables = was }(ownTables)
		ownTables = own
		for _, p := range pairs {
			a, b := Parse(p.a), Parse(p.b)
			sims = append(sims, Similarity(a, b))
			if p.same {
				same++
				if shareKey(a.Keys(), b.Keys()) {
					shared++
				}
			}
		}
		return sims, shared, same
	}
	var wrong [2]int
	for i, own := range []bool{true, false} {
		name := "this package's tables"
		if !own {
			name = "Unidecode's tables"
		}
		sims, shared, same := measure(own)
		c := confusionAt(pairs, sims, DefaultSimilarity)
		th, w := bestThreshold(pairs, sims)
		wrong[i] = c.fp + c.fn
		t.Logf("%-22s %d pairs: at %.2f precision %.3f recall %.3f (%d wrong); at its best threshold %.3f, %d wrong; same-person pairs sharing a key %d of %d",
			name, len(pairs), DefaultSimilarity, c.precision(), c.recall(), c.fp+c.fn, th, w, shared, same)
	}
	if wrong[0] >= wrong[1] {
		t.Errorf("this package's tables decide %d pairs wrongly, Unidecode's %d: drop the tables", wrong[0], wrong[1])
	}
}

// TestWordMeasures compares the weighted alignment of wordSim with go-edlib's Jaro–Winkler
// and (optimal string alignment) Damerau–Levenshtein similarity, each on the same syms and
// under the same matching of words (a simple one: single words only, every word of the
// shorter name matched, the root mean square of the distances, extraWord for each word left
// out), on the whole fixture.
func TestWordMeasures(t *testing.T) {
	pairs := readPairs(t)
	str := func(w word) string {
		var b strings.Builder
		for _, s := range w.s {
			b.WriteByte(s.c)
		}
		return b.String()
	}
	measures := []struct {
		name string
		sim  func(x, y word) float64
	}{
		{"weighted alignment (wordSim)", func(x, y word) float64 { return wordSim(x.s, y.s, x.script, y.script) }},
		{"go-edlib Jaro-Winkler", func(x, y word) float64 {
			return float64(edlib.JaroWinklerSimilarity(str(x), str(y)))
		}},
		{"go-edlib Damerau-Levenshtein", func(x, y word) float64 {
			a, b := str(x), str(y)
			return 1 - float64(edlib.OSADamerauLevenshteinDistance(a, b))/float64(max(len(a), len(b), 1))
		}},
	}
	wrong := make([]int, len(measures))
	for i, m := range measures {
		sims := make([]float64, len(pairs))
		for j, p := range pairs {
			sims[j] = simpleSimilarity(Parse(p.a), Parse(p.b), m.sim)
		}
		th, w := bestThreshold(pairs, sims)
		c := confusionAt(pairs, sims, th)
		wrong[i] = w
		t.Logf("%-30s at its best threshold %.3f: %d of %d pairs wrong, precision %.3f recall %.3f", m.name, th, w, len(pairs), c.precision(), c.recall())
	}
	for i := 1; i < len(measures); i++ {
		if wrong[0] >= wrong[i] {
			t.Errorf("wordSim decides %d pairs wrongly, %s %d", wrong[0], measures[i].name, wrong[i])
		}
	}
}

// simpleSimilarity is Similarity without joins, with sim for the similarity of words.
func simpleSimilarity(a, b Name, sim func(x, y word) float64) float64 {
	major := func(n Name) []word {
		var ws []word
		for _, w := range n.words {
			if !w.minor {
				ws = append(ws, w)
			}
		}
		return ws
	}
	x, y := major(a), major(b)
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	best := math.Inf(1)
	for _, perm := range orders(len(y)) {
		sum := 0.0
		for i := range x {
			d := 1 - sim(x[i], y[perm[i]])
			sum += d * d
		}
		best = min(best, sum)
	}
	return max(0, 1-math.Sqrt(best/float64(len(x)))-extraWord*float64(len(y)-len(x)))
}

// orders are the orders of 0..n-1.
func orders(n int) [][]int {
	if n == 0 {
		return [][]int{nil}
	}
	var out [][]int
	for _, o := range orders(n - 1) {
		for i := 0; i <= len(o); i++ {
			out = append(out, slices.Concat(o[:i:i], []int{n - 1}, o[i:]))
		}
	}
	return out
}
