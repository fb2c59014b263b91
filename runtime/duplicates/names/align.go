package names

// The distance between two words is a weighted Damerau–Levenshtein distance (optimal string
// alignment) over their syms. It is weighted because names vary in known ways that plain edit
// distances (go-edlib's, for one) count as much as a wrong letter: vowels drift between
// spellings (Mohammed, Muhammad), a consonant of the same class replaces another (Hamid,
// Hamed; Tadesse, Tadese), and an abjad leaves short vowels out (محمد, Mohammed) while a
// Latin long vowel it lacks (Mahmoud, محمد) is a real difference. TestWordMeasures compares
// this with go-edlib's Jaro–Winkler and Damerau–Levenshtein on the fixture.

// Costs are in twentieths of an edit, so that the alignment works in integers (and is
// exactly symmetric).
const edit = 20

// pairCost is the cost of writing one letter for another, where it is less than a full edit.
var pairCost [26][26]uint8

func init() {
	for i := range pairCost {
		for j := range pairCost[i] {
			if i != j {
				pairCost[i][j] = edit
			}
		}
	}
	for _, p := range []struct {
		pair string
		cost uint8
	}{
		// Consonants of one class: voiced and voiceless, and the letters spellings trade.
		{"bp", 4}, {"dt", 4}, {"fv", 4}, {"sz", 4}, {"gj", 6}, {"kg", 10}, {"kh", 10}, {"sx", 10},
		{"jx", 10}, {"ts", 10}, {"dz", 10}, {"lr", 10}, {"mn", 12}, {"wv", 10}, {"fp", 16},
		{"jy", 10}, {"kx", 12},
		// Vowels: o and u, e and i, e and a are spellings of one sound in many names.
		{"ou", 4}, {"ei", 6}, {"ae", 6}, {"ao", 12}, {"ai", 12}, {"au", 14}, {"eo", 12},
		{"eu", 12}, {"iu", 12}, {"io", 14},
		// Semivowels and their vowels.
		{"yi", 6}, {"wu", 6}, {"wo", 8},
	} {
		a, b := p.pair[0]-'a', p.pair[1]-'a'
		pairCost[a][b], pairCost[b][a] = p.cost, p.cost
	}
}

// abjadMatch says whether a Latin vowel can write a long vowel of an abjad.
func abjadMatch(abjad, l byte) bool {
	switch abjad {
	case 'a':
		return l == 'a' || l == 'e'
	case 'i':
		return l == 'i' || l == 'e'
	case 'u':
		return l == 'u' || l == 'o'
	}
	return false
}

// delCost is the cost of a sym of a word of script mine that a word of script other lacks.
func delCost(s sym, mine, other script) int {
	if isVowel(s.c) {
		switch {
		case s.f&weak != 0:
			return 3
		case mine == arabic && other == arabic:
			return abjadLong // a letter of its own
		case other == arabic:
			// An abjad leaves out short vowels, not long ones (ee, oo: Saeed, Mansoor).
			switch {
			case s.f&long != 0:
				return 18
			case s.f&longish != 0:
				return 10
			}
			return 2
		case mine == arabic:
			return abjadLong
		}
		return 10
	}
	switch {
	case s.f&weak != 0:
		return 6
	case s.c == 'h' && mine == latin:
		return 14 // silent in French
	case s.c == 'y' || s.c == 'w':
		return 14
	}
	return edit
}

// subCost is the cost of writing x (of script xs) where the other spelling has y (of ys).
func subCost(x, y sym, xs, ys script) int {
	if x.c == y.c {
		return 0
	}
	if x.f|y.f == 0 && xs == ys && xs != arabic {
		return int(pairCost[x.c-'a'][y.c-'a'])
	}
	if isVowel(x.c) && isVowel(y.c) {
		switch {
		case x.f&(weak|anyVowel) != 0 || y.f&(weak|anyVowel) != 0:
			return 2
		case (xs == arabic) != (ys == arabic):
			if xs == arabic && y.f&short != 0 || ys == arabic && x.f&short != 0 {
				return 14 // a long vowel where the other script writes a short one
			}
			if xs == arabic && abjadMatch(x.c, y.c) || ys == arabic && abjadMatch(y.c, x.c) {
				return 0
			}
			return abjadMismatch
		case x.f&short != 0 && y.f&(long|longish) != 0 || y.f&short != 0 && x.f&(long|longish) != 0:
			return abjadMismatch // ä where the other writes a long vowel (መሐመድ, Mahmoud)
		case x.f&short != 0 || y.f&short != 0:
			// Ethiopic's first order is ä, which Latin spellings write e, a or o
			// (መሐመድ Mohammed, Mehammed).
			return 4
		}
	}
	// An abjad's long i or u where the other spelling writes a diphthong's y or w (حسين
	// Husayn, Hussein).
	if xs == arabic && ys != arabic && (x.c == 'i' && y.c == 'y' || x.c == 'u' && y.c == 'w') ||
		ys == arabic && xs != arabic && (y.c == 'i' && x.c == 'y' || y.c == 'u' && x.c == 'w') {
		return 2
	}
	return int(pairCost[x.c-'a'][y.c-'a'])
}

// abjadLong is the cost of a long vowel of an abjad that the other spelling lacks, and
// abjadMismatch of one it writes with a vowel of another quality. They are about a whole
// letter's (on the fixture, anything from 18 to 28 for the one and 14 to 22 for the other
// decides as many pairs rightly, within one): Arabic names are consonant roots in vowel patterns
// (ح-م-د gives Muhammad محمد, Mahmud محمود, Ahmad أحمد, Hamid حامد; ح-س-ن gives Hasan حسن and
// Husayn حسين), and the blocking keys, being consonants, bring exactly these together.
const (
	abjadLong     = edit
	abjadMismatch = 18
)

// transCost is the cost of two neighbours typed in the wrong order.
const transCost = 12

// maxAlign bounds the syms of a word that are aligned.
const maxAlign = 40

// weight is what deleting the whole word would cost: the scale of its distances.
func weight(s []sym, mine, other script) int {
	w := 0
	for _, x := range s {
		w += delCost(x, mine, other)
	}
	return w
}

// align is the weighted optimal-string-alignment distance between a and b.
func align(a, b []sym, as, bs script) int {
	if len(a) > maxAlign {
		a = a[:maxAlign]
	}
	if len(b) > maxAlign {
		b = b[:maxAlign]
	}
	// Three rows of the matrix: two back for transpositions.
	var r0, r1, r2 [maxAlign + 1]int
	prev2, prev, cur := r0[:len(b)+1], r1[:len(b)+1], r2[:len(b)+1]
	var bDel [maxAlign]int
	prev[0] = 0
	for j := range b {
		bDel[j] = delCost(b[j], bs, as)
		prev[j+1] = prev[j] + bDel[j]
	}
	for i := range a {
		aDel := delCost(a[i], as, bs)
		cur[0] = prev[0] + aDel
		for j := range b {
			best := prev[j+1] + aDel
			if c := cur[j] + bDel[j]; c < best {
				best = c
			}
			if c := prev[j] + subCost(a[i], b[j], as, bs); c < best {
				best = c
			}
			if i > 0 && j > 0 && a[i].c == b[j-1].c && a[i-1].c == b[j].c && a[i].c != a[i-1].c {
				if c := prev2[j-1] + transCost; c < best {
					best = c
				}
			}
			cur[j+1] = best
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
