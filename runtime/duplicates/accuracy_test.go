package duplicates_test

// The accuracy of nerovia's duplicate rules on a generated population with known duplicates
// (internal/dupgen): every record's keys are indexed in memory, each record looks up its
// candidates by its lookup keys and is compared with them, exactly as the runtime does against
// the store. Recall is per kind of variation; precision over every pair the rules raise, with
// the near-misses that were raised counted per kind.
//
//	go test ./runtime/duplicates -run TestAccuracy -v
//
// prints the table the README quotes.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/dupgen"
	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/duplicates/names"
	"github.com/crvsctl/crvsctl/runtime/records"
)

var nerovia = sync.OnceValues(func() (*records.Model, error) {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		return nil, fmt.Errorf("%s", sb.String())
	}
	return records.NewModel(b)
})

func model(t testing.TB) *records.Model {
	t.Helper()
	m, err := nerovia()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func event(t testing.TB, m *records.Model, id string) *bundle.Event {
	for i := range m.Bundle.Events {
		if m.Bundle.Events[i].ID == id {
			return &m.Bundle.Events[i]
		}
	}
	t.Fatalf("no event %s", id)
	return nil
}

// pair is an unordered pair of records, lower index first.
type pair struct{ a, b int }

func newPair(a, b int) pair {
	if a > b {
		a, b = b, a
	}
	return pair{a, b}
}

// raised is every pair of the population the rules raise, through keys as the store would
// find them; and the pairs that share a key (the candidates compared).
func raised(c *duplicates.Checker, pop dupgen.Population) (matched, compared map[pair]bool) {
	recs := make([]*duplicates.Record, len(pop.Records))
	index := map[string][]int{}
	for i, r := range pop.Records {
		recs[i] = duplicates.Prepare(fmt.Sprint(i), r.Data)
		for _, k := range c.Keys(recs[i]) {
			index[k] = append(index[k], i)
		}
	}
	matched, compared = map[pair]bool{}, map[pair]bool{}
	for i := range recs {
		for _, k := range c.Lookup(recs[i]) {
			for _, j := range index[k] {
				p := newPair(i, j)
				if j == i || compared[p] {
					continue
				}
				compared[p] = true
				if _, ok := c.Match(recs[i], recs[j]); ok {
					matched[p] = true
				}
			}
		}
	}
	return matched, compared
}

func TestAccuracy(t *testing.T) {
	m := model(t)
	for _, ev := range []string{"birth", "death"} {
		t.Run(ev, func(t *testing.T) {
			c := duplicates.New(event(t, m, ev), m)
			if c == nil {
				t.Fatalf("event %s has no duplicate rules", ev)
			}
			pop := dupgen.Generate(ev, 2026, 3000, 60, "2026-11-23")
			matched, compared := raised(c, pop)

			type tally struct{ n, found, blocked int }
			kinds := map[string]*tally{}
			for _, p := range pop.Pairs {
				k := kinds[p.Kind]
				if k == nil {
					k = &tally{}
					kinds[p.Kind] = k
				}
				k.n++
				if matched[newPair(p.A, p.B)] {
					k.found++
				}
				if compared[newPair(p.A, p.B)] {
					k.blocked++
				}
			}
			// Truth: records of one person are duplicates, whichever the pairs listed.
			truePairs, trueFound, falseFound := 0, 0, 0
			byPerson := map[int][]int{}
			for i, r := range pop.Records {
				byPerson[r.Person] = append(byPerson[r.Person], i)
			}
			for _, idx := range byPerson {
				for x := range idx {
					for y := x + 1; y < len(idx); y++ {
						truePairs++
						if matched[newPair(idx[x], idx[y])] {
							trueFound++
						}
					}
				}
			}
			for p := range matched {
				if pop.Records[p.a].Person != pop.Records[p.b].Person {
					falseFound++
				}
			}
			recall := float64(trueFound) / float64(truePairs)
			precision := float64(trueFound) / float64(max(1, trueFound+falseFound))

			var sb strings.Builder
			fmt.Fprintf(&sb, "%s: %d records, %d pairs compared (%.1f per record)\n", ev, len(pop.Records), len(compared), float64(len(compared))/float64(len(pop.Records)))
			fmt.Fprintf(&sb, "| kind | pairs | duplicate | raised | shared a key |\n| --- | ---: | --- | ---: | ---: |\n")
			for _, kind := range dupgen.Kinds() {
				k := kinds[kind]
				if k == nil {
					continue
				}
				dup := slices.ContainsFunc(pop.Pairs, func(p dupgen.Pair) bool { return p.Kind == kind && p.Duplicate })
				fmt.Fprintf(&sb, "| %s | %d | %v | %.3f | %.3f |\n", kind, k.n, dup, float64(k.found)/float64(k.n), float64(k.blocked)/float64(k.n))
			}
			fmt.Fprintf(&sb, "recall %.3f (%d of %d pairs of one person), precision %.3f (%d raised wrongly)\n", recall, trueFound, truePairs, precision, falseFound)
			t.Log("\n" + sb.String())
			if recall < 0.95 || precision < 0.95 {
				t.Errorf("recall %.3f, precision %.3f: the target is 0.95 for both", recall, precision)
			}
		})
	}
}

// A name matcher the package leaves without a similarity asks for the one the name comparison
// was tuned for.
func TestDefaultSimilarity(t *testing.T) {
	if compiler.DefaultSimilarity != names.DefaultSimilarity {
		t.Errorf("the compiler's default similarity %v, the names' %v", compiler.DefaultSimilarity, names.DefaultSimilarity)
	}
}
