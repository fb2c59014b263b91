package pdf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/shaping"
)

// FontChain is a certificate's fonts in the order the renderer falls back through them, the Go
// fonts last, for checking what its texts print once shaped: the compiler's check that a
// template's fonts cover what it prints, in glyphs rather than characters. A font may have every
// character of a word and still lack a glyph the shaper asks for: a conjunct of two consonants,
// which then prints as the first with a visible virama and the second beside it.
type FontChain struct {
	r   *Renderer
	fam *family
}

// NewFontChain reads fonts (TrueType files, the first tried first) for a certificate in lang.
func NewFontChain(lang string, fonts ...[]byte) (*FontChain, error) {
	t := Template{Lang: lang, Fonts: map[string]Font{}}
	next := DefaultFont
	for i := len(fonts) - 1; i >= 0; i-- {
		name := "font" + strconv.Itoa(i+1)
		t.Fonts[name] = Font{Regular: fonts[i], Fallback: next}
		next = name
	}
	r, err := NewRenderer(t)
	if err != nil {
		return nil, err
	}
	return &FontChain{r: r, fam: r.families[next]}, nil
}

// Unprinted is what of a text its fonts cannot print: characters none has, and clusters shaped
// without the glyph the script asks for.
type Unprinted struct {
	Text      string
	Missing   []rune   // characters no font has
	Conjuncts []string // consonant clusters printed with a visible virama: the font has no conjunct for them
}

func (u *Unprinted) Error() string {
	var parts []string
	if len(u.Missing) > 0 {
		var cs []string
		for _, c := range u.Missing {
			cs = append(cs, fmt.Sprintf("%q (%U)", c, c))
		}
		parts = append(parts, "no glyph for "+strings.Join(cs, ", "))
	}
	if len(u.Conjuncts) > 0 {
		parts = append(parts, "no conjunct for "+strings.Join(u.Conjuncts, ", ")+" (it would print with a visible virama)")
	}
	return fmt.Sprintf("%q: %s", u.Text, strings.Join(parts, "; "))
}

// Check shapes a text as a certificate prints it and says what would not print; nil when all
// does. A text that needs no shaping is checked character by character.
func (c *FontChain) Check(text string) *Unprinted {
	text = nfc(text)
	u := &Unprinted{Text: text}
	for _, r := range text {
		if ignorable(r) || r == '\n' || r == '\t' || slices.Contains(u.Missing, r) {
			continue
		}
		if _, ok := c.fam.glyph(r, false); !ok {
			u.Missing = append(u.Missing, r)
		}
	}
	if len(u.Missing) == 0 && needsShaping(text) {
		s := c.r.getShaper()
		paras := s.shapeText([]rune(text), c.fam, false, c.r.otLang, c.r.rtl)
		for _, p := range paras {
			for _, run := range p.runs {
				c.conjuncts(s, p, run, u)
			}
		}
		c.r.shapers.Put(s)
	}
	if len(u.Missing) == 0 && len(u.Conjuncts) == 0 {
		return nil
	}
	return u
}

// conjuncts finds the viramas a run prints visibly between two consonants of a cluster, where
// the writer asked for no such thing (a zero-width non-joiner after the virama asks for it).
func (c *FontChain) conjuncts(s *shaper, p shapedPara, run shaping.Output, u *Unprinted) {
	fc := s.owner[run.Face]
	if fc == nil {
		return
	}
	for _, g := range run.Glyphs {
		start, n := g.TextIndex(), g.RunesCount()
		if start < 0 || start+n > len(p.runes) {
			continue
		}
		for i := start + 1; i < start+n && i+1 < len(p.runes); i++ {
			r := p.runes[i]
			if !isVirama(r) || !unicode.IsLetter(p.runes[i+1]) {
				continue
			}
			if vg := fc.font.cmap.glyph(r); vg != 0 && uint16(g.GlyphID) == vg {
				conj := string(p.runes[i-1 : i+2])
				if !slices.Contains(u.Conjuncts, conj) {
					u.Conjuncts = append(u.Conjuncts, conj)
				}
			}
		}
	}
}

// isVirama: the sign that joins two consonants into a conjunct in the Indic scripts (Unicode's
// canonical combining class 9 among them).
func isVirama(r rune) bool {
	switch r {
	case 0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D4D, 0x0DCA, 0x1039, 0x17D2, 0x1B44, 0xA9C0, 0x11046:
		return true
	}
	return false
}
