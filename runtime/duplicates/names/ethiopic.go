package names

// Ethiopic (Ge'ez script: Amharic, Tigrinya, Oromo and others written in it) is an abugida: each
// letter is a consonant with one of seven vowels ("orders"), in rows of eight code points from
// U+1200. Transliteration libraries (Unidecode's tables) follow a scholarly scheme that
// matches few names as people write them in Latin letters: the first order is "a" (አበበ ከበደ
// gives "'ababa kabada", not Abebe Kebede), the sixth is always "e" (ተስፋዬ "tasefaayee", not
// Tesfaye), the fourth and fifth are doubled ("aa", "ee"), the ejectives are "th", "ch", "ph"
// (ጥሩነሽ "therunashe", not Tirunesh) and ኀ is "x". This table follows instead the common way
// of writing Ethiopian names in Latin letters (Abebe Kebede, Tesfaye, Tirunesh): first order
// "e" (but "a" after the glottal and pharyngeal letters and h: Abebe, Haile), sixth order a
// vowel that may be left out (weak), ejectives as their plain consonant, ኘ as "gn" (Desalegn).
// TestTransliterationLibraries measures the difference on the fixture.

// ethiopicRows is the consonant of each row of eight, from U+1200 to U+1357: "" for the
// glottal and pharyngeal rows (አ, ዐ), which write only their vowel in Latin letters; a
// consonant followed by "w" for the labiovelar rows (ቈ, ኰ, ጐ...), laid out differently.
var ethiopicRows = [...]string{
	"h", "l", "h", "m", "s", "r", "s", "x", // ሀ ለ ሐ መ ሠ ረ ሰ ሸ
	"k", "kw", "k", "kw", "b", "v", "t", "x", // ቀ ቈ ቐ ቘ በ ቨ ተ ቸ
	"h", "hw", "n", "gn", "", "k", "kw", "h", // ኀ ኈ ነ ኘ አ ከ ኰ ኸ
	"hw", "w", "", "z", "j", "y", "d", "d", // ዀ ወ ዐ ዘ ዠ የ ደ ዸ
	"j", "g", "gw", "g", "t", "x", "p", "s", // ጀ ገ ጐ ጘ ጠ ጨ ጰ ጸ
	"s", "f", "p", // ፀ ፈ ፐ
}

// ethiopicOrders are the vowels of the seven orders and of the eighth form (a labialised "wa",
// ሏ ሟ ቧ). The first is "e" but "a" after a guttural and "o" after w, the sixth is special
// (see ethiopicSyms).
var ethiopicOrders = [8]byte{'e', 'u', 'i', 'a', 'e', 0, 'o', 'a'}

// labiovelarOrders: a labiovelar row has five forms, at offsets 0, 2, 3, 4 and 5 (ቈ ቊ ቋ ቌ ቍ).
var labiovelarOrders = [8]byte{'e', 0, 'i', 'a', 'e', 'u', 0, 0}

func isEthiopic(r rune) bool { return r >= 0x1200 && r <= 0x135A }

// ethiopicSyms transliterates a word of Ethiopic syllables.
func ethiopicSyms(dst []sym, w []rune) []sym {
	for i, r := range w {
		if r >= 0x1358 {
			// ፘ ፙ ፚ: rya, mya, fya.
			dst = append(dst, sym{c: "rmf"[r-0x1358]}, sym{c: 'y'}, sym{c: 'a'})
			continue
		}
		row, order := int(r-0x1200)/8, int(r-0x1200)%8
		cons := ethiopicRows[row]
		labio := len(cons) == 2 && cons[1] == 'w'
		var v byte
		if labio {
			v = labiovelarOrders[order]
			if v == 0 {
				continue // unassigned code point
			}
			if order == 5 {
				cons = cons[:1] // ቍ: kwə, written "ku"
			}
		} else {
			v = ethiopicOrders[order]
		}
		switch {
		case order == 0 && (cons == "" || cons == "h"):
			v = 'a'
		case order == 0 && cons == "w":
			v = 'o' // ወልደ Wolde, ወርቁ Worku, ወንድሙ Wondimu
		}
		for j := 0; j < len(cons); j++ {
			f := flag(0)
			if cons == "gn" && j == 0 {
				f = weak // ኝ: Desalegn, Desalen
			}
			dst = append(dst, sym{c: cons[j], f: f})
		}
		if order == 7 && !labio {
			dst = append(dst, sym{c: 'w'})
		}
		if v != 0 {
			f := flag(0)
			if order == 0 && !labio {
				f = short
			}
			dst = append(dst, sym{c: v, f: f})
			continue
		}
		// The sixth order is a consonant alone or with a short ə that Latin spellings write e
		// or i or leave out (ብርሃኑ Birhanu, Berhanu; ተስፋዬ Tesfaye; መስፍን Mesfin). At the end of
		// a word it is never written (ዳዊት Dawit), nor after y and w, which then close a
		// diphthong (ኃይሌ Haile). The glottal እ and pharyngeal ዕ write it at the start of a
		// word (እሸቱ Eshetu) and nothing inside one (ትዕግስት Tigist).
		switch {
		case i == len(w)-1, cons == "y", cons == "w":
		case cons == "":
			if i == 0 {
				dst = append(dst, sym{c: 'e', f: weak | short})
			}
		default:
			dst = append(dst, sym{c: 'e', f: weak | short})
		}
	}
	return dst
}
