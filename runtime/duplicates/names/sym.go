package names

// sym is one sound of a word as the comparison sees it: a letter of a small Latin alphabet in
// which the spellings of one sound in every script meet (sh, ch, ش and ሸ are all 'x'; c, q, k,
// ق and ቀ are 'k' or 's'), with what its script tells about it.
type sym struct {
	c byte
	f flag
}

type flag uint8

const (
	// long: a vowel written as a letter of its own, which an abjad writes too (Arabic ا و ي,
	// Latin "ee", "oo": Saeed, Mansoor). A Latin single vowel may be short, and Arabic leaves
	// short vowels unwritten, so only a long vowel missing from the Arabic spelling counts.
	long flag = 1 << iota
	// weak: a sound another spelling of the name often leaves out: the Ethiopic sixth order's
	// vowel (ብርሃኑ is Birhanu, Berhanu or Brhanu), the g of ኝ written "gn".
	weak
	// anyVowel: a vowel whose quality the script does not say (the alif or hamza that starts an
	// Arabic word: أحمد Ahmed, إبراهيم Ibrahim; a final ي or ى, which are typed one for the
	// other: مصطفى, مصطفي).
	anyVowel
	// short: a vowel known to be short, which an abjad would not write (Ethiopic's first
	// order: ሀሰን is Hassan, حسن, not Hussein, حسين).
	short
	// longish: a vowel that one spelling habit writes so when it is long and another when it
	// is short: French ou (Mahmoud, محمود; but Moustafa, مصطفى).
	longish
)

func isVowel(c byte) bool { return vowels[c] }

var vowels = [256]bool{'a': true, 'e': true, 'i': true, 'o': true, 'u': true}

// canonLatin turns the lower-case ASCII letters of a Latin (or unidecoded) word into syms:
// the digraphs of the European and African orthographies become one sym (sh, ch, sch, tch:
// x; ph: f; th: t; kh: k; dj: j; ts, tz: s), c and q become k or s, doubled vowels become
// long ones, and "ou" a longish u (a w before a vowel). The rules shared with the other
// scripts (diphthongs, semivowels, doubled letters) are applied by finish.
func canonLatin(dst []sym, s []byte) []sym {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for i := 0; i < len(s); i++ {
		c, n := s[i], at(i+1)
		switch {
		case c == 's' && n == 'c' && at(i+2) == 'h', c == 't' && n == 'c' && at(i+2) == 'h':
			dst = append(dst, sym{c: 'x'})
			i += 2
		case (c == 's' || c == 'c') && n == 'h':
			dst = append(dst, sym{c: 'x'})
			i++
		case c == 'p' && n == 'h':
			dst = append(dst, sym{c: 'f'})
			i++
		case (c == 't' || c == 'd' || c == 'k' || c == 'g') && n == 'h':
			// Arabic ث ذ خ غ written th, dh, kh, gh; English th.
			dst = append(dst, sym{c: c})
			i++
		case c == 'z' && n == 'h', c == 'd' && n == 'j':
			dst = append(dst, sym{c: 'j'})
			i++
		case c == 'c' && n == 'k':
			dst = append(dst, sym{c: 'k'})
			i++
		case c == 't' && (n == 's' || n == 'z'):
			// Ethiopic ጸ and ፀ (Tsehay), German tz.
			dst = append(dst, sym{c: 's'})
			i++
		case c == 'o' && n == 'u':
			// French ou: Moussa, Mahmoud; before a vowel the w of Ouattara, Oualid. It is
			// long but at the start of a word, where Arabic writes a hamza or ع (Oumar, عمر).
			switch {
			case isVowel(at(i + 2)):
				dst = append(dst, sym{c: 'w'})
			case i == 0:
				dst = append(dst, sym{c: 'u'})
			default:
				dst = append(dst, sym{c: 'u', f: longish})
			}
			i++
		case c == 'o' && n == 'o', c == 'u' && n == 'u':
			dst = append(dst, sym{c: 'u', f: long})
			i++
		case c == 'e' && n == 'e', c == 'i' && n == 'i':
			dst = append(dst, sym{c: 'i', f: long})
			i++
		case c == 'a' && n == 'a':
			dst = append(dst, sym{c: 'a', f: long})
			i++
		case c == 'c':
			if n == 'e' || n == 'i' || n == 'y' {
				dst = append(dst, sym{c: 's'})
			} else {
				dst = append(dst, sym{c: 'k'})
			}
		case c == 'q':
			dst = append(dst, sym{c: 'k'})
		case c == 'x':
			dst = append(dst, sym{c: 'k'}, sym{c: 's'})
		default:
			dst = append(dst, sym{c: c})
		}
	}
	// An h that ends a Latin word after a vowel may be left out: Sarah, Sara; Fatimah,
	// Fatima (Arabic ة is written a, ah or at).
	if n := len(dst); n >= 2 && dst[n-1].c == 'h' && isVowel(dst[n-2].c) {
		dst[n-1].f |= weak
	}
	return dst
}

// finish applies to a word's syms, whatever its script, the rules that make spellings meet:
// a diphthong ends in y (Haile, Hayle, ኃይሌ; Aisha, Aicha, عائشة; Hussein, Husayn); y and w
// are consonants at the start of a word, before a vowel and after one, and vowels after a
// consonant (Mary, Shiferaw); a sound written twice is one (Mohammed, Mohamed: Ethiopic and
// Arabic do not write doubling).
func finish(w []sym) []sym {
	out := w[:0]
	for i := 0; i < len(w); i++ {
		s := w[i]
		next := byte(0)
		if i+1 < len(w) {
			next = w[i+1].c
		}
		afterVowel := len(out) > 0 && isVowel(out[len(out)-1].c) && out[len(out)-1].f&weak == 0
		switch {
		case s.c == 'y' && len(out) > 0 && !isVowel(next) && !afterVowel:
			s = sym{c: 'i', f: s.f}
		case s.c == 'w' && len(out) > 0 && !isVowel(next) && !afterVowel:
			s = sym{c: 'u', f: s.f}
		case s.c == 'i' && afterVowel && !isVowel(next) && out[len(out)-1].c != 'i':
			s = sym{c: 'y', f: s.f &^ long}
		}
		if len(out) > 0 && out[len(out)-1].c == s.c {
			out[len(out)-1].f |= s.f & long
			if s.f&weak == 0 {
				out[len(out)-1].f &^= weak
			}
			continue
		}
		out = append(out, s)
	}
	return out
}
