package names

// skeletonClass is the class of a consonant in a skeleton: the consonants that spellings of
// one name trade (b and p, d and t, s and z, g and j, f and v; Ethiopic ejectives and Arabic
// emphatics were already made their plain consonant) share one. Vowels, y and w are left out:
// an abjad does not write short vowels, an abugida's transliteration guesses them, and y and w
// are as often vowels as consonants. 0 leaves the letter out.
var skeletonClass = func() (t [26]byte) {
	for c := byte('a'); c <= 'z'; c++ {
		t[c-'a'] = c
	}
	for _, v := range "aeiouyw" {
		t[v-'a'] = 0
	}
	for _, p := range []string{"bp", "dt", "fv", "sz", "gj"} {
		t[p[1]-'a'] = p[0]
	}
	return t
}()

// skeleton appends the consonant classes of a word, without its weak syms, neighbours of one
// class once (Tadesse is "dds": t and d are one class, ss one sound). A word with fewer than
// two (Ali, Aya, Hawa) keeps its y and w as well.
func skeleton(dst []byte, s []sym) []byte {
	start := len(dst)
	for pass := 0; pass < 2; pass++ {
		dst = dst[:start]
		adjacent := false // the last sym read was the last class appended, or weak after it
		for _, x := range s {
			k := skeletonClass[x.c-'a']
			if pass == 1 && (x.c == 'y' || x.c == 'w') {
				k = x.c // even weak: the y of ئ in عائشة, Aisha
			} else if x.f&weak != 0 {
				continue
			}
			if k == 0 {
				adjacent = false
				continue
			}
			if adjacent && dst[len(dst)-1] == k {
				continue
			}
			dst = append(dst, k)
			adjacent = true
		}
		if len(dst)-start >= 2 {
			break
		}
	}
	return dst
}

// keyLen is the length of a key: three consonant classes tell most names apart, and are
// few enough that a typo in a long word leaves one of its two keys whole.
const keyLen = 3

// Keys are short blocking keys of the name's words: two names that are the same person's
// (by the tolerances above) share at least one key in the great majority of cases,
// including across scripts; unrelated common names share few. Deterministic, script-neutral
// (ASCII), deduplicated, at most a handful per word (used as database index keys: ~2 per word is the budget).
//
// A word's keys are the first and the last three classes of its consonant skeleton (one key
// when it has three or fewer): Mohammed, Muhammad, محمد and መሐመድ are all "mhmd", keys "mhm"
// and "hmd". A minor word (bin, van) has none of its own, but gives the keys of itself joined
// to the word after it (Ben Ali, Benali: "bnl").
func (n Name) Keys() []string {
	var keys []string
	var buf [2 * maxAlign]byte
	add := func(k []byte) {
		for _, have := range keys {
			if have == string(k) {
				return
			}
		}
		keys = append(keys, string(k))
	}
	major := false
	for _, w := range n.words {
		major = major || !w.minor
	}
	var joined [2 * maxAlign]sym
	for i, w := range n.words {
		if w.minor && major {
			if len(w.s) == 1 || i+1 == len(n.words) || n.words[i+1].minor {
				continue // an initial, or a particle without a word after it
			}
			w.s = finish(append(append(joined[:0], w.s...), n.words[i+1].s...))
		}
		sk := skeleton(buf[:0], w.s)
		switch {
		case len(sk) == 0:
		case len(sk) <= keyLen:
			add(sk)
		default:
			add(sk[:keyLen])
			add(sk[len(sk)-keyLen:])
		}
	}
	return keys
}
