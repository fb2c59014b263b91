package names

import (
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-unidecode"
	"golang.org/x/text/unicode/norm"
)

// Name is a person's name prepared for comparison (parse once, compare many times).
type Name struct {
	words []word
}

// word is one word of a name, as syms.
type word struct {
	s      []sym
	script script
	// minor: a particle (bin, ben, wa, van, de) or an initial: compared only as part of a
	// neighbour (Ben Ali with Benali), never alone, and a name without it loses nothing.
	minor bool
}

type script uint8

const (
	latin    script = iota // and every other script Unidecode reads: vowels written
	ethiopic               // vowels written, but the sixth order's may be left out
	arabic                 // short vowels unwritten
)

// maxWordRunes bounds the letters of a word that are read: no name's word is longer, and the
// bound keeps the work of a comparison bounded too.
const maxWordRunes = 32

// maxWords bounds the words of a name that are compared (the others are ignored).
const maxWords = 8

// Parse prepares a name from its parts as typed (given names, family name, in any order,
// any script; empty parts ignored). Cheap enough to call per candidate (< 2 µs for a 3-word name).
func Parse(parts ...string) Name {
	p := parser{syms: make([]sym, 0, 32), words: make([]word, 0, 4)}
	for _, part := range parts {
		p.part(norm.NFKC.String(part))
	}
	p.flushArticle()
	p.flushAbd()
	return Name{words: p.words}
}

// Empty reports a name without any word.
func (n Name) Empty() bool { return len(n.words) == 0 }

// String is the name as compared, for tests and logs: its words' syms, minor words in
// brackets.
func (n Name) String() string {
	var b []byte
	for i, w := range n.words {
		if i > 0 {
			b = append(b, ' ')
		}
		if w.minor {
			b = append(b, '[')
		}
		for _, s := range w.s {
			b = append(b, s.c)
		}
		if w.minor {
			b = append(b, ']')
		}
	}
	return string(b)
}

type parser struct {
	syms  []sym
	words []word
	// article is a Latin article (al, el; ad-, ash-... before a hyphen) waiting for the word
	// it belongs to: it is dropped then, as Arabic's ال is.
	article []byte
	// abd is the abd waiting for the name it starts.
	abd    []sym
	runes  [maxWordRunes]rune
	n      int
	script script
}

// part splits one part of a name into words: at anything that is neither a letter nor a mark,
// and where the script changes; apostrophes (N'Diaye, Sa'id, Thiong'o) and the Arabic tatweel
// join rather than split.
func (p *parser) part(s string) {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z'):
			p.letter(r, latin)
		case isEthiopic(r):
			p.letter(r, ethiopic)
		case r >= 0x0621 && r <= 0x064A && r != 0x0640:
			p.letter(r, arabic) // the letters of Arabic itself, without a table lookup
		case isApostrophe(r), r == 0x0640, r >= utf8.RuneSelf && unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
			continue
		case unicode.IsLetter(r):
			sc := latin
			if isArabic(r) {
				sc = arabic
			}
			p.letter(r, sc)
		default:
			p.flush(r == '-' || r == '\u2010' || r == '\u2011')
		}
	}
	p.flush(false)
}

// letter adds a letter of script sc to the word being read, which it ends first if it is of
// another script.
func (p *parser) letter(r rune, sc script) {
	if p.n > 0 && sc != p.script {
		p.flush(false)
	}
	p.script = sc
	if p.n < len(p.runes) {
		p.runes[p.n] = r
		p.n++
	}
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02BC', '\u02BB', '\u02BF', '\u02BE', '`', '\u00B4':
		return true
	}
	return false
}

// flush ends the word being read; hyphen says a hyphen ended it.
func (p *parser) flush(hyphen bool) {
	if p.n == 0 {
		return
	}
	w := p.runes[:p.n]
	p.n = 0
	switch {
	case !ownTables && p.script != latin:
		var buf [2 * maxWordRunes]byte
		b, sc := unidecodeLetters(buf[:0], w), p.script
		p.add(sc, false, func(dst []sym) []sym { return canonLatin(dst, b) })
	case p.script == ethiopic:
		p.add(ethiopic, false, func(dst []sym) []sym { return ethiopicSyms(dst, w) })
	case p.script == arabic:
		p.arabicWord(w)
	default:
		p.latinWord(w, hyphen)
	}
}

// add appends the word that fill writes, after the abd waiting for it.
func (p *parser) add(sc script, minor bool, fill func([]sym) []sym) {
	if len(p.words) >= maxWords {
		return
	}
	start := len(p.syms)
	p.syms = append(p.syms, p.abd...)
	p.abd = nil
	p.syms = fill(p.syms)
	s := finish(p.syms[start:])
	p.syms = p.syms[:start+len(s)]
	if len(s) == 0 {
		return
	}
	p.article = nil
	p.words = append(p.words, word{s: s[:len(s):len(s)], script: sc, minor: minor})
}

// The name that follows عبد, Abd, Abdel or Abdul is one word with it, whether written apart or
// not, and without the vowel and the article that link them: عبد الله, عبدالله, Abdullah,
// Abdallah, Abd Allah and Abdulla are all abd + l(l)ah; عبد الرحمن, Abdelrahman,
// Abdurrahman and Abd al-Rahman abd + rahman.
var (
	arabicAbdSyms = arabicSyms(nil, []rune("عبد"))
	latinAbdSyms  = canonLatin(nil, []byte("abd"))
)

func (p *parser) arabicWord(w []rune) {
	// An article inside a word starts a second one written without a space (نورالدين is
	// نور الدين, Nour al-Din, Noureddine).
	for i := 3; i+5 <= len(w); i++ {
		if w[i] == 'ا' && w[i+1] == 'ل' {
			p.arabicWord(w[:i])
			p.arabicWord(w[i:])
			return
		}
	}
	switch {
	case runesAre(w, "بن"), runesAre(w, "بنت"), runesAre(w, "ابن"):
		p.add(arabic, true, func(dst []sym) []sym { return arabicSyms(dst, w) })
		return
	case runesAre(w, "عبد"):
		p.flushAbd()
		p.abd = arabicAbdSyms
		return
	}
	if rest, ok := arabicAbd(w); ok {
		p.flushAbd()
		p.abd = arabicAbdSyms
		w = rest
	}
	w = arabicArticle(w)
	p.add(arabic, false, func(dst []sym) []sym { return arabicSyms(dst, w) })
}

// latinArticles are dropped before the word they belong to; the assimilated forms only when a
// hyphen joins them to it (Abd ar-Rahman, Nasr ad-Din), as they are words of other languages too.
var (
	latinArticles       = []string{"al", "el"}
	latinHyphenArticles = []string{"ad", "ar", "as", "ash", "at", "ath", "az", "an", "ed", "er", "es", "et", "ez", "en", "ul"}
	latinMinor          = []string{"ben", "bin", "ibn", "bint", "ould", "ag", "wa", "wad", "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "dos", "das"}
)

// ownTables is false only in TestTransliterationLibraries, which reads Ethiopic and Arabic
// words with Unidecode's tables instead of this package's, to measure what they gain.
var ownTables = true

// unidecodeLetters is a word in lower-case ASCII letters: Latin letters without their marks
// (ü, é), others (ß, ø, ł, þ) as Unidecode writes them, and other scripts transliterated.
func unidecodeLetters(b []byte, w []rune) []byte {
	ascii := true
	for _, r := range w {
		if r >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for _, r := range w {
			b = append(b, lower(byte(r)))
		}
		return b
	}
	for _, c := range []byte(unidecode.Unidecode(string(w))) {
		if c = lower(c); c >= 'a' && c <= 'z' && len(b) < cap(b) {
			b = append(b, c)
		}
	}
	return b
}

func (p *parser) latinWord(w []rune, hyphen bool) {
	var buf [2 * maxWordRunes]byte
	b := unidecodeLetters(buf[:0], w)
	if len(b) == 0 {
		return
	}
	if in(b, latinArticles) || hyphen && in(b, latinHyphenArticles) {
		p.flushArticle()
		p.article = append([]byte(nil), b...)
		return
	}
	if string(b) == "abd" || isAbdLink(b) {
		p.flushAbd()
		p.abd = latinAbdSyms
		return
	}
	if rest, ok := latinAbd(b); ok {
		p.flushAbd()
		p.abd = latinAbdSyms
		b = rest
	}
	minor := len(b) == 1 || in(b, latinMinor)
	p.add(latin, minor, func(dst []sym) []sym { return canonLatin(dst, b) })
}

// flushAbd keeps as a word of its own an abd that no name followed.
func (p *parser) flushAbd() {
	if a := p.abd; a != nil {
		p.abd = nil
		p.add(latin, false, func(dst []sym) []sym { return append(dst, a...) })
	}
}

// flushArticle keeps as a word of its own an article that no word followed.
func (p *parser) flushArticle() {
	if a := p.article; a != nil {
		p.article = nil
		p.add(latin, true, func(dst []sym) []sym { return canonLatin(dst, a) })
	}
}

// latinAbd splits the Abd- of a Latin spelling from the name it starts, with the vowels and
// the article's l that link them: Abdullah, Abdallah, Abdulla are abd + lah, la; Abdelrahman,
// Abdurrahman, Abdirahman are abd + rahman. Abdi and Abdou, names of their own, stay whole.
// Abdoulaye is abd + aye, and so far from Abdullah: see the package documentation.
func latinAbd(b []byte) (rest []byte, ok bool) {
	if len(b) < 5 || string(b[:3]) != "abd" || !isVowel(b[3]) {
		return b, false
	}
	j := 3
	for j < len(b) && isVowel(b[j]) {
		j++
	}
	if j < len(b) && b[j] == 'l' {
		j++
	}
	if len(b)-j < 2 {
		return b, false
	}
	return b[j:], true
}

// isAbdLink reports Abdel, Abdul, Abdoul written apart from the name that follows (Abdel
// Nasser): the abd of the name.
func isAbdLink(b []byte) bool {
	if len(b) < 4 || string(b[:3]) != "abd" || b[len(b)-1] != 'l' {
		return false
	}
	for _, c := range b[3 : len(b)-1] {
		if !isVowel(c) {
			return false
		}
	}
	return true
}

// runesAre reports whether w is s, without converting either.
func runesAre(w []rune, s string) bool {
	i := 0
	for _, r := range s {
		if i >= len(w) || w[i] != r {
			return false
		}
		i++
	}
	return i == len(w)
}

func in(b []byte, list []string) bool {
	for _, s := range list {
		if string(b) == s {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
