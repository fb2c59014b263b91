package names

import (
	"encoding/csv"
	"os"
	"slices"
	"testing"
)

// pair is one labelled pair of testdata/pairs.csv.
type pair struct {
	a, b       string
	same       bool
	kind, note string
	line       int
}

func readPairs(t testing.TB) []pair {
	t.Helper()
	f, err := os.Open("testdata/pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = 5
	header, err := r.Read()
	if err != nil || !slices.Equal(header, []string{"a", "b", "same", "kind", "note"}) {
		t.Fatalf("testdata/pairs.csv: header %q, %v", header, err)
	}
	var pairs []pair
	for {
		row, err := r.Read()
		if err != nil {
			break
		}
		line, _ := r.FieldPos(0)
		if row[2] != "0" && row[2] != "1" {
			t.Fatalf("testdata/pairs.csv:%d: same is %q, not 0 or 1", line, row[2])
		}
		pairs = append(pairs, pair{a: row[0], b: row[1], same: row[2] == "1", kind: row[3], note: row[4], line: line})
	}
	if len(pairs) < 150 {
		t.Fatalf("testdata/pairs.csv holds %d pairs, want at least 150", len(pairs))
	}
	return pairs
}

// knownMisses are the fixture's pairs that DefaultSimilarity decides against their label,
// and why. TestFixture fails on any other pair decided wrongly, and on a pair listed here
// that is now decided rightly (take it off the list then).
var knownMisses = map[[2]string]string{
	// Different people scored as one.
	{"Almaz Abebe Kebede", "Abebe Kebede"}: "patronymic naming: a daughter's name is her " +
		"given name before her father's; a name all in the other scores high by design, and " +
		"word order, which would tell them apart, is ignored by design",
	{"Jean Dupont", "Jeanne Dupont"}: "the French feminine -e is one letter, as often a " +
		"spelling variant (Amin, Amine; Yasmin, Yasmine) as another person",
	{"Thomas Müller", "Thomas Möller"}: "o and u are one vowel in many transliterations " +
		"(Mohammed, Muhammad), so two family names one such vowel apart look alike",
	{"عمر خالد", "Amr Khaled"}: "عمر (Omar) has no written vowel that Amr lacks; عمرو " +
		"(Amr) differs by a silent final و, which a Latin spelling never writes",
	{"محمد عباس", "Mahmoud Abbas"}: "French ou writes a short u as often as a long one " +
		"(Moustafa, مصطفى), so the ou of Mahmoud is not held to a و that محمد lacks",
	{"محمد عباس", "محمود عباس"}: "one vowel letter apart; scored like the one-letter typo " +
		"below (سعيد منصر), which the fixture labels the same person",
	{"መሐመድ ሀሰን", "محمود حسن"}: "a long vowel of the Arabic against an Ethiopic " +
		"first-order vowel costs one letter; one letter in two short words is not enough",
	{"ሀሰን አሕመድ", "حسين أحمد"}: "the same: ሀሰን writes Hassan, حسين Hussein, one vowel apart",
	// One person scored as two.
	{"Aisha Bello", "Aishatu Bello"}: "the Hausa -tu is two letters more, as far as a " +
		"different name is",
	{"Chinedu Okafor", "Chinedu Okafo"}: "a consonant dropped from a six-letter word is as " +
		"far as Benali from Bennani (different people, scored just below)",
}

// TestFixture decides every pair of the fixture at DefaultSimilarity, and logs the precision
// and recall there and at the thresholds around it (how DefaultSimilarity was chosen: the
// lowest threshold within one error of the fewest, as a duplicate missed is a person
// registered twice, while a pair flagged wrongly costs a registrar a look).
func TestFixture(t *testing.T) {
	pairs := readPairs(t)
	sims := make([]float64, len(pairs))
	for i, p := range pairs {
		sims[i] = Similarity(Parse(p.a), Parse(p.b))
	}
	seen := map[[2]string]bool{}
	for i, p := range pairs {
		key := [2]string{p.a, p.b}
		seen[key] = true
		why, known := knownMisses[key]
		if right := (sims[i] >= DefaultSimilarity) == p.same; right && known {
			t.Errorf("testdata/pairs.csv:%d: %s | %s (%s) is now decided as labelled (%.3f): take it off knownMisses", p.line, p.a, p.b, p.note, sims[i])
		} else if !right && !known {
			t.Errorf("testdata/pairs.csv:%d: %s | %s (%s): similarity %.3f, labelled same=%v", p.line, p.a, p.b, p.note, sims[i], p.same)
		} else if !right {
			t.Logf("known miss: %s | %s (%.3f): %s", p.a, p.b, sims[i], why)
		}
	}
	for key := range knownMisses {
		if !seen[key] {
			t.Errorf("knownMisses lists %q, which is not in the fixture", key)
		}
	}
	for _, th := range []float64{DefaultSimilarity - 0.05, DefaultSimilarity - 0.02, DefaultSimilarity - 0.01, DefaultSimilarity, DefaultSimilarity + 0.01, DefaultSimilarity + 0.02, DefaultSimilarity + 0.05} {
		c := confusionAt(pairs, sims, th)
		t.Logf("threshold %.2f: precision %.3f recall %.3f (%d pairs, %d wrong: %d different taken for same, %d same taken for different)",
			th, c.precision(), c.recall(), len(pairs), c.fp+c.fn, c.fp, c.fn)
	}
	for _, kind := range []string{"latin", "ethiopic", "arabic", "ethiopic-latin", "arabic-latin", "ethiopic-arabic"} {
		var ps []pair
		var ss []float64
		for i, p := range pairs {
			if p.kind == kind {
				ps, ss = append(ps, p), append(ss, sims[i])
			}
		}
		c := confusionAt(ps, ss, DefaultSimilarity)
		t.Logf("%-16s %3d pairs: precision %.3f recall %.3f", kind, len(ps), c.precision(), c.recall())
	}
}

type confusion struct{ tp, fp, fn, tn int }

func confusionAt(pairs []pair, sims []float64, th float64) confusion {
	var c confusion
	for i, p := range pairs {
		switch got := sims[i] >= th; {
		case got && p.same:
			c.tp++
		case got:
			c.fp++
		case p.same:
			c.fn++
		default:
			c.tn++
		}
	}
	return c
}

func (c confusion) precision() float64 { return float64(c.tp) / float64(max(1, c.tp+c.fp)) }
func (c confusion) recall() float64    { return float64(c.tp) / float64(max(1, c.tp+c.fn)) }

// TestKeysShared checks that the names of one person share a key, and that names of
// different people mostly do not: the fixture's same-person pairs, and every two names of
// the fixture (most of them different people; the fixture repeats common names such as
// Kebede, Hassan and Ali on purpose, so this overstates what a register would see).
func TestKeysShared(t *testing.T) {
	pairs := readPairs(t)
	keys := map[string][]string{}
	same, shared := 0, 0
	byKind := map[string][2]int{}
	for _, p := range pairs {
		ka, kb := Parse(p.a).Keys(), Parse(p.b).Keys()
		keys[p.a], keys[p.b] = ka, kb
		if !p.same {
			continue
		}
		same++
		k := byKind[p.kind]
		k[1]++
		if shareKey(ka, kb) {
			shared++
			k[0]++
		} else {
			t.Logf("no key shared: %s %q | %s %q", p.a, ka, p.b, kb)
		}
		byKind[p.kind] = k
	}
	share := float64(shared) / float64(same)
	t.Logf("same-person pairs sharing a key: %d of %d (%.3f)", shared, same, share)
	for kind, k := range byKind {
		t.Logf("  %-16s %d of %d", kind, k[0], k[1])
	}
	if share < 0.97 {
		t.Errorf("same-person pairs sharing a key: %.3f, want at least 0.97", share)
	}

	names := make([]string, 0, len(keys))
	nkeys := 0
	for n, k := range keys {
		names = append(names, n)
		nkeys += len(k)
	}
	any2, sharing := 0, 0
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			any2++
			if shareKey(keys[names[i]], keys[names[j]]) {
				sharing++
			}
		}
	}
	rate := float64(sharing) / float64(any2)
	t.Logf("any two of the fixture's %d names share a key: %d of %d pairs (%.3f); %.2f keys a name", len(names), sharing, any2, rate, float64(nkeys)/float64(len(names)))
	if rate > 0.08 {
		t.Errorf("any two names share a key in %.3f of pairs, want at most 0.08", rate)
	}
}

func shareKey(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
