package dupgen

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/crvsctl/crvsctl/rules"
)

// TestNameLists checks the lists as data others read and rely on: big enough, every spelling in
// its script, in NFC, a text the forms take as it is, and no spelling shared by two names
// (Person's distinct people rest on it: two names never type alike).
func TestNameLists(t *testing.T) {
	withNative := func(l []*entry) (n int) {
		for _, e := range l {
			if e.native != "" {
				n++
			}
		}
		return n
	}
	withDiacritics := func(l []*entry) (n int) {
		for _, e := range l {
			if accented(e.latin[0]) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		what string
		got  int
		min  int
	}{
		{"Ethiopian given names in Ethiopic", withNative(ethiopian.given()), 80},
		{"Arabic given names in Arabic script", withNative(arab.given()), 40},
		{"francophone given names", len(franco.given()), 40},
		{"francophone given names with diacritics", withDiacritics(franco.given()), 20},
		{"francophone family names", len(franco.family), 30},
		{"francophone family names with diacritics", withDiacritics(franco.family), 15},
		{"Arabic names with several Latin spellings", func() (n int) {
			for _, e := range arab.given() {
				if len(e.latin) > 1 {
					n++
				}
			}
			return n
		}(), 30},
	} {
		if c.got < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, c.got, c.min)
		}
	}
	if withNative(ethiopian.given()) != len(ethiopian.given()) || withNative(arab.given()) != len(arab.given()) {
		t.Error("an Ethiopian or Arabic name without its spelling in its script")
	}

	owner := map[string]string{} // spelling -> the name it spells
	for _, c := range []*culture{ethiopian, arab, franco} {
		for _, e := range append(c.given(), c.family...) {
			id := c.id + ":" + e.latin[0]
			spellings := map[string]*unicode.RangeTable{}
			for _, s := range e.latin {
				spellings[s], spellings[stripAccents(s)] = unicode.Latin, unicode.Latin
			}
			if e.native != "" {
				spellings[e.native] = map[script]*unicode.RangeTable{ethiopic: unicode.Ethiopic, arabic: unicode.Arabic}[c.script]
			}
			for s, table := range spellings {
				if !norm.NFC.IsNormalString(s) {
					t.Errorf("%s: %q is not in NFC", id, s)
				}
				if clean, bad, ok := rules.CleanText(s, rules.TextLine); !ok || clean != s {
					t.Errorf("%s: %q is cleaned to %q (refused %q)", id, s, clean, bad)
				}
				for _, r := range s {
					if r != ' ' && !unicode.Is(table, r) {
						t.Errorf("%s: %q has %q, not of its script", id, s, r)
					}
				}
				if table == unicode.Latin && !capitalised(s) {
					t.Errorf("%s: %q is not capitalised", id, s)
				}
				if o, ok := owner[s]; ok && o != id {
					t.Errorf("%q spells both %s and %s", s, o, id)
				}
				owner[s] = id
			}
		}
		for _, p := range c.similar {
			if a, b := c.lookup(p[0]), c.lookup(p[1]); a == b {
				t.Errorf("%s: similar pair of one name %s", c.id, p[0])
			}
		}
		for _, l := range [][]string{c.common.given, c.common.family, c.common.motherGiven, c.common.motherFamily} {
			if len(l) == 0 {
				t.Errorf("%s: a list of common names is empty", c.id)
			}
			for _, n := range l {
				c.lookup(n)
			}
		}
		for _, n := range c.common.motherGiven {
			if c.lookup(n).male {
				t.Errorf("%s: common mother's name %s is a man's", c.id, n)
			}
		}
	}
}

// TestEdit checks the slips a typo makes: one edit (with transposition), the word's script
// kept, in NFC and capitalised as a name is.
func TestEdit(t *testing.T) {
	r := newTestRand(1)
	for _, c := range []struct {
		word  string
		s     script
		table *unicode.RangeTable
	}{
		{"Abebe", latin, unicode.Latin}, {"Élodie", latin, unicode.Latin}, {"Gebre Medhin", latin, unicode.Latin},
		{"ተስፋዬ", ethiopic, unicode.Ethiopic}, {"ሐና", ethiopic, unicode.Ethiopic},
		{"عبد الله", arabic, unicode.Arabic}, {"فاطمة", arabic, unicode.Arabic},
	} {
		for range 200 {
			got := edit(r, c.word, c.s)
			if d := distance(strings.ToLower(c.word), strings.ToLower(got)); d != 1 {
				t.Errorf("edit(%q) = %q: %d edits", c.word, got, d)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("edit(%q) = %q: not NFC", c.word, got)
			}
			for _, r := range got {
				if r != ' ' && !unicode.Is(c.table, r) {
					t.Errorf("edit(%q) = %q: %q is not of its script", c.word, got, r)
				}
			}
			if c.s == latin && !capitalised(got) {
				t.Errorf("edit(%q) = %q: not capitalised", c.word, got)
			}
		}
	}
}

// capitalised tells whether each word of a name begins with a capital, and has no other.
func capitalised(s string) bool {
	for _, w := range strings.Split(s, " ") {
		for i, r := range []rune(w) {
			if (i == 0) != unicode.IsUpper(r) {
				return false
			}
		}
	}
	return true
}
