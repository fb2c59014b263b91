package names

import (
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no name, however typed, makes Parse, Keys or Similarity panic,
// that keys are deduplicated short ASCII words within the budget, and that Similarity stays
// in [0, 1], symmetric, and 1 for a name against itself.
func FuzzParse(f *testing.F) {
	for _, seed := range [][2]string{
		{"Abebe Kebede", "አበበ ከበደ"},
		{"عبد الله حسن", "Abdallah Hasan"},
		{"Ngũgĩ wa Thiong'o", "Jean-Pierre O'Brien"},
		{"ﻣﺤﻤﺪ مُحَمَّد", "Al-  -El ـ ፡ ፘ ቍ ኧ"},
		{"", "\xff\xfe"},
		{"a b c d e f g h i j k l m", "ababababababababababababababababababababab"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := Parse(a), Parse(b)
		for _, n := range []Name{x, y} {
			keys := n.Keys()
			if len(keys) > 2*len(n.words) {
				t.Errorf("%d keys for %d words: %q", len(keys), len(n.words), keys)
			}
			seen := map[string]bool{}
			for _, k := range keys {
				if k == "" || len(k) > keyLen || !utf8.ValidString(k) || seen[k] {
					t.Errorf("key %q of %q", k, keys)
				}
				seen[k] = true
				for _, c := range []byte(k) {
					if c < 'a' || c > 'z' {
						t.Errorf("key %q is not lower-case ASCII letters", k)
					}
				}
			}
			if !n.Empty() && Similarity(n, n) != 1 {
				t.Errorf("Similarity(%q, itself) = %v", n, Similarity(n, n))
			}
		}
		s := Similarity(x, y)
		if s < 0 || s > 1 || math.IsNaN(s) {
			t.Errorf("Similarity(%q, %q) = %v", a, b, s)
		}
		if r := Similarity(y, x); r != s {
			t.Errorf("Similarity(%q, %q) = %v, but %v the other way round", a, b, s, r)
		}
	})
}
