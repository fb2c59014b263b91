package rules

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrCharacters is the error of a text answer holding a character that no answer of its field
// holds: see CleanText. Like ErrRequired, it is a code, not a translation key.
const ErrCharacters = "characters"

// The kinds of text a field holds (FieldIR.Text): one line (names, addresses, short text,
// phone numbers, emails, identity numbers) or several (long text).
const (
	TextLine  = "line"
	TextLines = "lines"
)

// CleanText is a text answer as it is stored, and whether it may be: the browser's
// rules/js/rules.js cleanText gives the same answers (testdata/text.json holds both to them).
//
// Refused (ok false, bad the first character refused): what no person's name or answer
// holds, and what would print a name that is not the one in the register, or hide one name
// behind another: invalid UTF-8 and U+FFFD, the replacement character it becomes (a lone
// surrogate, in the browser); control characters (Cc) but, in text of several lines, tab and
// line breaks; formatting characters (Cf: the bidirectional overrides and isolates, the
// zero-width space, the byte order mark, the soft hyphen...), save ZWNJ and ZWJ where they
// shape a word (see joins); private-use (Co) and unassigned code points (Cn, by Go's Unicode
// tables); the line and paragraph separators (Zl, Zp).
//
// Cleaned, as harmless: the text is put in Unicode normalisation form C, so that one name is
// one sequence of code points however it was typed; its leading and trailing white space is
// dropped; in one line, the spaces that print as a plain space (no-break, en, em, thin...)
// become one, and runs of spaces one space; in several lines, CR LF and CR become LF.
func CleanText(s string, kind string) (clean string, bad rune, ok bool) {
	lines := kind == TextLines
	if r, found := refused(s, lines); found {
		return s, r, false
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if lines {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		return strings.TrimFunc(s, unicode.IsSpace), 0, true
	}
	return oneLine(s), 0, true
}

// refused is the first character of s that CleanText refuses.
func refused(s string, lines bool) (rune, bool) {
	var prev rune = -1 // the character before r
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return r, true // invalid UTF-8, or U+FFFD itself
		case r < 0x80 && r >= 0x20 && r != 0x7f:
			// printable ASCII: the common case
		case lines && (r == '\n' || r == '\r' || r == '\t'):
		case (r == zwnj || r == zwj) && joins(s[:i], s[i+utf8.RuneLen(r):], prev):
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp) || unassigned(r):
			return r, true
		}
		prev = r
	}
	return 0, false
}

const (
	zwnj = '\u200c'
	zwj  = '\u200d'
)

// unassigned tells a code point Unicode assigns no character (Cn), noncharacters included.
func unassigned(r rune) bool { return unicode.Is(unicode.Cn, r) }

// joinScripts are the scripts in which ZWNJ and ZWJ change how a word is written, and so may
// stand in a name: Persian names need ZWNJ (Alireza, علی\u200cرضا), Sinhala ones ZWJ (Sri,
// ශ්\u200dරී), and the other scripts of South Asia write conjuncts and half forms with them.
var joinScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya,
	unicode.Tamil, unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala,
}

// viramas are the signs that join two letters in a conjunct (canonical combining class 9) in
// the scripts of joinScripts. Bengali writes ra and the ya-phala with ZWJ before the virama
// (র\u200d্য, as in র\u200d্যাচেল, Rachel), so that the ra is not drawn as a reph.
const viramas = "\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d3b\u0d3c\u0d4d\u0dca"

// joins tells whether a ZWNJ or ZWJ between before and after shapes a word: it follows a
// letter or combining mark (prev), the nearest letter before it (past the combining marks) is
// of a script of joinScripts, and the character after it is a letter of the same script, or
// a virama of the same script followed by one.
// Anywhere else (between Latin letters, at the start, before a space, doubled) it is
// invisible: "Ama" and "A\u200dma" would print alike.
func joins(before, after string, prev rune) bool {
	if prev < 0 || !unicode.In(prev, unicode.L, unicode.M) {
		return false
	}
	var base rune = -1
	for i := len(before); i > 0; {
		r, size := utf8.DecodeLastRuneInString(before[:i])
		i -= size
		if !unicode.Is(unicode.M, r) {
			base = r
			break
		}
	}
	next, size := utf8.DecodeRuneInString(after)
	virama := rune(-1)
	if strings.ContainsRune(viramas, next) {
		virama = next
		next, _ = utf8.DecodeRuneInString(after[size:])
	}
	if base < 0 || !unicode.Is(unicode.L, base) || !unicode.Is(unicode.L, next) {
		return false
	}
	for _, sc := range joinScripts {
		if unicode.Is(sc, base) {
			return unicode.Is(sc, next) && (virama < 0 || unicode.Is(sc, virama))
		}
	}
	return false
}

// spaces are the spaces that print as a plain one; the others (the ideographic space, the
// narrow no-break space of Mongolian, the Ogham space mark) are kept.
func plainSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || (r >= '\u2000' && r <= '\u200a') || r == '\u205f'
}

// oneLine drops the white space around s and writes each run of plain spaces as one space.
func oneLine(s string) string {
	s = strings.TrimFunc(s, unicode.IsSpace)
	clean := true
	for i, r := range s {
		if plainSpace(r) && (r != ' ' || (i+1 < len(s) && s[i+1] == ' ')) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if plainSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DescribeRefused says what a character CleanText refused is, for messages.
func DescribeRefused(r rune) string {
	what := "a character no answer holds"
	switch {
	case r == utf8.RuneError:
		return "bytes that are not UTF-8 text (or U+FFFD, the character they are replaced with)"
	case r == zwnj || r == zwj:
		what = "an invisible joiner, kept only between two letters of a script it shapes"
	case unicode.Is(unicode.Cc, r):
		what = "a control character"
	case unicode.In(r, unicode.Zl, unicode.Zp):
		what = "a line break"
	case unicode.Is(unicode.Cf, r):
		what = "an invisible formatting character"
	case unicode.Is(unicode.Co, r):
		what = "a private-use character"
	case unassigned(r):
		what = "a code point Unicode does not assign"
	}
	return fmt.Sprintf("U+%04X, %s", r, what)
}

// textRefused tells whether a field's answer holds a text CleanText refuses: a string, or a
// part of a name or address.
func textRefused(v any, kind string) bool {
	lines := kind == TextLines
	switch v := v.(type) {
	case string:
		_, found := refused(v, lines)
		return found
	case map[string]any:
		for _, p := range v {
			if s, ok := p.(string); ok {
				if _, found := refused(s, lines); found {
					return true
				}
			}
		}
	}
	return false
}
