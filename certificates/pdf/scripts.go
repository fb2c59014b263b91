package pdf

import (
	"fmt"
	"slices"
	"sort"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Text in most scripts prints one glyph a character, left to right, from the font's character
// map: Latin, Greek, Cyrillic, Ethiopic (its syllables are precomposed characters), Hangul once
// NFC has composed the jamo, Han and kana. The renderer prints those directly. The others go
// through the shaper (shaping.go): Arabic and the scripts whose letters join, written right to
// left and ordered by the Unicode Bidirectional Algorithm; Devanagari, Bengali and the Indic
// scripts whose vowel signs are reordered and whose consonant clusters combine into conjuncts;
// Thai, and any mark left uncomposed, placed by the font's mark positioning. What the shaper
// does is HarfBuzz's (the go-text port), with the font's OpenType tables: a font without them
// prints such a script as badly as it would anywhere.
//
// Refused still: scripts written in vertical lines (Mongolian, Phags-pa), which a certificate's
// horizontal text boxes cannot hold, and characters no Unicode version assigns.

// ScriptSupport says whether a script prints correctly, and why not.
type ScriptSupport struct {
	Script string // Unicode script name, as in unicode.Scripts ("Latin", "Ethiopic")
	OK     bool
	Shaped bool   // it prints through the shaper (joining, reordering, marks, right to left)
	Reason string // why not, for a message; empty when OK
}

// Reasons a script does not print.
const (
	reasonVertical = "it is written in vertical lines, which certificates' text boxes do not lay out"
)

// printable scripts: one glyph a character, left to right, no contextual forms. Ethiopic
// syllables are precomposed characters. Hangul prints once NFC has composed the jamo into
// syllables; Han and kana break lines anywhere, which the wrapping does for words too long.
var printable = []string{
	"Latin", "Greek", "Cyrillic", "Armenian", "Georgian", "Ethiopic", "Cherokee", "Canadian_Aboriginal",
	"Tifinagh", "Vai", "Bamum", "Osage", "Han", "Hiragana", "Katakana", "Bopomofo", "Hangul", "Yi",
	"Common",
}

var refused = map[string]string{
	"Mongolian": reasonVertical, "Phags_Pa": reasonVertical,
	"Unknown": "not an assigned Unicode character",
}

// Script tells whether a Unicode script, by its name in unicode.Scripts, prints correctly.
func Script(name string) ScriptSupport {
	if slices.Contains(printable, name) {
		return ScriptSupport{Script: name, OK: true}
	}
	if reason, ok := refused[name]; ok {
		return ScriptSupport{Script: name, Reason: reason}
	}
	if _, ok := unicode.Scripts[name]; !ok {
		return ScriptSupport{Script: name, Reason: "not a Unicode script"}
	}
	return ScriptSupport{Script: name, OK: true, Shaped: true}
}

// Language tells whether a language prints correctly, by the script it is written in: the
// script its BCP 47 tag names ("sr-Latn"), else the one it is most likely written in ("am" is
// written in Ethiopic, "ar" in Arabic, "hi" in Devanagari).
func Language(tag string) (ScriptSupport, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return ScriptSupport{}, fmt.Errorf("language %q: %v", tag, err)
	}
	s, conf := t.Script()
	if conf == language.No {
		return ScriptSupport{}, fmt.Errorf("language %q: its script is not known: name it, as in %s-Latn", tag, tag)
	}
	name, ok := iso15924[s.String()]
	if !ok {
		return ScriptSupport{Script: s.String(), OK: true, Shaped: true}, nil
	}
	return Script(name), nil
}

// iso15924 names the Unicode scripts of the ISO 15924 codes a language tag carries.
var iso15924 = map[string]string{
	"Latn": "Latin", "Grek": "Greek", "Cyrl": "Cyrillic", "Armn": "Armenian", "Geor": "Georgian",
	"Ethi": "Ethiopic", "Cher": "Cherokee", "Cans": "Canadian_Aboriginal", "Tfng": "Tifinagh",
	"Vaii": "Vai", "Bamu": "Bamum", "Osge": "Osage", "Hani": "Han", "Hans": "Han", "Hant": "Han",
	"Jpan": "Han", "Kore": "Hangul", "Hang": "Hangul", "Hira": "Hiragana", "Kana": "Katakana",
	"Bopo": "Bopomofo", "Yiii": "Yi",
	"Arab": "Arabic", "Syrc": "Syriac", "Nkoo": "Nko", "Mong": "Mongolian", "Adlm": "Adlam",
	"Hebr": "Hebrew", "Thaa": "Thaana", "Samr": "Samaritan", "Mand": "Mandaic", "Rohg": "Hanifi_Rohingya",
	"Deva": "Devanagari", "Beng": "Bengali", "Guru": "Gurmukhi", "Gujr": "Gujarati", "Orya": "Oriya",
	"Taml": "Tamil", "Telu": "Telugu", "Knda": "Kannada", "Mlym": "Malayalam", "Sinh": "Sinhala",
	"Tibt": "Tibetan", "Mymr": "Myanmar", "Khmr": "Khmer", "Java": "Javanese", "Bali": "Balinese",
	"Sund": "Sundanese", "Cakm": "Chakma", "Lana": "Tai_Tham", "Olck": "Ol_Chiki",
	"Thai": "Thai", "Laoo": "Lao", "Tavt": "Tai_Viet", "Phag": "Phags_Pa",
}

// ScriptProblem is a script in a text that does not print correctly.
type ScriptProblem struct {
	ScriptSupport
	Char rune // its first character in the text
}

func (p ScriptProblem) Error() string {
	return fmt.Sprintf("%q (%U) is in the %s script, which cannot be printed: %s", p.Char, p.Char, p.Script, p.Reason)
}

// CheckText returns the scripts of a text that do not print correctly, each once, in the order
// they first appear; none when the whole text prints. The text is taken as the renderer prints
// it, normalised to NFC, so a letter and its accent typed apart count as the accented letter.
func CheckText(text string) []ScriptProblem {
	var problems []ScriptProblem
	for _, r := range nfc(text) {
		if r < 0x250 || ignorable(r) { // Basic Latin to Latin Extended-B: all printable
			continue
		}
		name := scriptOf(r)
		if s := Script(name); !s.OK && !slices.ContainsFunc(problems, func(p ScriptProblem) bool { return p.Script == name }) {
			problems = append(problems, ScriptProblem{ScriptSupport: s, Char: r})
		}
	}
	return problems
}

// scriptNames lists unicode.Scripts' names in a fixed order, the printable ones first: they are
// the ones most text is in.
var scriptNames = func() []string {
	names := slices.Clone(printable)
	var rest []string
	for name := range unicode.Scripts {
		if !slices.Contains(names, name) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}()

// scriptOf returns the Unicode script of r, "Unknown" for an unassigned character.
func scriptOf(r rune) string {
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return "Unknown"
}

func nfc(s string) string {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return norm.NFC.String(s)
		}
	}
	return s
}
