package names

// Arabic script is an abjad: it writes consonants and long vowels (ا و ي), and leaves short
// vowels to the reader (محمد is Muhammad, Mohamed, Mehmet). Transliteration libraries write
// what is there (Unidecode: محمد "mHmd", فاطمة "fTm@", عائشة "`y'sh@", ليلى "lyl~"); what they
// lose is what the comparison needs: which letters are vowels, so that a Latin spelling is
// held to the long vowels and not to the short ones (محمود Mahmoud has a و that محمد lacks).
// This table reads each letter as a consonant or a long vowel, by its place in the word.

func isArabic(r rune) bool {
	return r >= 0x0620 && r <= 0x06FF && r != 0x0640 || r >= 0x0750 && r <= 0x077F
}

// arabicVowelLetter reports a letter that writes a vowel: before one, و and ي are consonants
// (نوال Nawal, زكريا Zakariya).
func arabicVowelLetter(r rune) bool {
	switch r {
	case 'ا', 'أ', 'إ', 'آ', 'و', 'ي', 'ى', 'ة', 'ی':
		return true
	}
	return false
}

// arabicConsonants are the letters read as one Latin consonant, by code point from U+0600.
// ع and ء are left out: Latin spellings write them as a vowel, an apostrophe or nothing
// (علي Ali, سعيد Said, Saeed).
var arabicConsonants = func() (t [0x100]byte) {
	for r, c := range arabicConsonantList {
		t[r-0x600] = c
	}
	return t
}()

var arabicConsonantList = map[rune]byte{
	'ب': 'b', 'ت': 't', 'ث': 't', 'ج': 'j', 'ح': 'h', 'خ': 'k', 'د': 'd', 'ذ': 'd',
	'ر': 'r', 'ز': 'z', 'س': 's', 'ش': 'x', 'ص': 's', 'ض': 'd', 'ط': 't', 'ظ': 'z',
	'غ': 'g', 'ف': 'f', 'ق': 'k', 'ك': 'k', 'ل': 'l', 'م': 'm', 'ن': 'n', 'ه': 'h',
	// Persian, Urdu and Maghrebi letters.
	'پ': 'p', 'چ': 'x', 'ژ': 'j', 'ڤ': 'v', 'ک': 'k', 'گ': 'g', 'ڨ': 'g', 'ڭ': 'g', 'ە': 'h',
	'ٹ': 't', 'ڈ': 'd', 'ڑ': 'r',
}

func arabicConsonant(r rune) byte {
	if r >= 0x600 && r < 0x700 {
		return arabicConsonants[r-0x600]
	}
	return 0
}

// arabicSyms reads a word of Arabic letters (without its vowel marks).
func arabicSyms(dst []sym, w []rune) []sym {
	for i, r := range w {
		var prev, next rune
		if i > 0 {
			prev = w[i-1]
		}
		if i+1 < len(w) {
			next = w[i+1]
		}
		if c := arabicConsonant(r); c != 0 {
			// ه for ة at the end of a word is a common slip (فاطمه); a final ه after
			// a vowel letter or ل is a real h (وجيه Wajih, الله), but one that Latin
			// spellings often leave out (Abdulla).
			if r == 'ه' && next == 0 {
				if i >= 2 && !arabicVowelLetter(prev) && prev != 'ل' {
					dst = append(dst, sym{c: 'a'})
				} else {
					dst = append(dst, sym{c: 'h', f: weak})
				}
				continue
			}
			dst = append(dst, sym{c: c})
			continue
		}
		switch r {
		case 'ا', 'ٱ', 'أ', 'آ':
			switch {
			case i == 0:
				dst = append(dst, sym{c: 'a', f: anyVowel})
			case r == 'أ':
				dst = append(dst, sym{c: 'a', f: weak}) // مأمون Ma'mun
			default:
				dst = append(dst, sym{c: 'a', f: long})
			}
		case 'إ':
			dst = append(dst, sym{c: 'i', f: anyVowel})
		case 'ؤ':
			dst = append(dst, sym{c: 'u', f: weak})
		case 'ئ':
			if arabicVowelLetter(next) {
				dst = append(dst, sym{c: 'y'})
			} else {
				dst = append(dst, sym{c: 'i', f: weak}) // عائشة Aisha
			}
		case 'و':
			if i == 0 || arabicVowelLetter(next) {
				dst = append(dst, sym{c: 'w'})
			} else {
				dst = append(dst, sym{c: 'u', f: long})
			}
		case 'ي', 'ی', 'ى':
			switch {
			case i == 0 || arabicVowelLetter(next):
				dst = append(dst, sym{c: 'y'})
			case next == 0 && i > 0 && !arabicVowelLetter(prev):
				// A final ي (علي Ali) and alif maqsura ى (مصطفى Mustafa, ليلى Layla)
				// are typed one for the other.
				c := byte('i')
				if r == 'ى' {
					c = 'a'
				}
				dst = append(dst, sym{c: c, f: long | anyVowel})
			case r == 'ى':
				dst = append(dst, sym{c: 'a', f: long})
			default:
				dst = append(dst, sym{c: 'i', f: long})
			}
		case 'ة':
			// ta marbuta (فاطمة Fatima, Fatma, Fatimah).
			dst = append(dst, sym{c: 'a'})
		case 'ے':
			dst = append(dst, sym{c: 'e'})
		}
	}
	return dst
}

// arabicArticle is the article ال that starts a word (الخطيب al-Khatib, Alkhatib, El Khatib,
// Khatib): it is left out of the word, as Latin spellings often leave it out or write it
// apart, and assimilated to the next letter (الدين ad-Din, Eddine).
func arabicArticle(w []rune) []rune {
	if len(w) >= 4 && w[0] == 'ا' && w[1] == 'ل' {
		return w[2:]
	}
	return w
}

// arabicAbd splits عبد from the name it starts (عبدالله), to be joined again without the
// article.
func arabicAbd(w []rune) (rest []rune, ok bool) {
	if len(w) >= 5 && w[0] == 'ع' && w[1] == 'ب' && w[2] == 'د' {
		return w[3:], true
	}
	return w, false
}
