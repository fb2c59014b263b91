package names

import (
	"slices"
	"strings"
	"testing"
)

// fixtureNames are the names of the fixture, each once.
func fixtureNames(t testing.TB) []string {
	var names []string
	for _, p := range readPairs(t) {
		names = append(names, p.a, p.b)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestSimilarityProperties checks, over the fixture's names, that a name is wholly like
// itself, that Similarity is symmetric (exactly) and between 0 and 1.
func TestSimilarityProperties(t *testing.T) {
	names := fixtureNames(t)
	parsed := make([]Name, len(names))
	for i, s := range names {
		parsed[i] = Parse(s)
		if got := Similarity(parsed[i], parsed[i]); got != 1 {
			t.Errorf("Similarity(%s, itself) = %v, want 1", s, got)
		}
	}
	// Each name against a spread of the others: every 7th, so that names of every script
	// meet.
	for i := range parsed {
		for j := i + 1; j < len(parsed); j += 7 {
			ab, ba := Similarity(parsed[i], parsed[j]), Similarity(parsed[j], parsed[i])
			if ab != ba {
				t.Errorf("Similarity(%s, %s) = %v, but %v the other way round", names[i], names[j], ab, ba)
			}
			if ab < 0 || ab > 1 {
				t.Errorf("Similarity(%s, %s) = %v, not in [0, 1]", names[i], names[j], ab)
			}
		}
	}
	if got := Similarity(Parse(""), Parse("")); got != 0 {
		t.Errorf("Similarity of two empty names = %v, want 0", got)
	}
	if got := Similarity(Parse("Abebe"), Parse("")); got != 0 {
		t.Errorf("Similarity of a name and an empty one = %v, want 0", got)
	}
}

// TestWordOrder checks that the words of a name, given in another order, score the same
// against every other name (given and family names swapped, a middle name moved).
func TestWordOrder(t *testing.T) {
	names := fixtureNames(t)
	parsed := make([]Name, len(names))
	for i, s := range names {
		parsed[i] = Parse(s)
	}
	tested := 0
	for i, s := range names {
		words := strings.Fields(s)
		if len(words) < 2 || len(words) > 4 {
			continue
		}
		for _, perm := range permutations(words) {
			n := Parse(perm...)
			// Only where the words stay the words: an article or abd- belongs to the
			// word after it, and moving it makes another name.
			if !sameWords(n, parsed[i]) {
				continue
			}
			tested++
			for j := range parsed {
				if got, want := Similarity(n, parsed[j]), Similarity(parsed[i], parsed[j]); got != want {
					t.Errorf("Similarity(%q, %s) = %v, but %v with the words of %s", perm, names[j], got, want, s)
				}
			}
		}
	}
	t.Logf("%d reorderings of the fixture's names, each against all %d names", tested, len(names))
}

func sameWords(a, b Name) bool {
	x, y := strings.Fields(a.String()), strings.Fields(b.String())
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// permutations are the orders of words other than the given one.
func permutations(words []string) [][]string {
	var out [][]string
	var rec func(prefix, rest []string)
	rec = func(prefix, rest []string) {
		if len(rest) == 0 {
			if !slices.Equal(prefix, words) {
				out = append(out, slices.Clone(prefix))
			}
			return
		}
		for i := range rest {
			next := slices.Concat(rest[:i:i], rest[i+1:])
			rec(append(prefix, rest[i]), next)
		}
	}
	rec(nil, words)
	return out
}
