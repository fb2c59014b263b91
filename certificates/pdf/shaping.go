package pdf

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	gtbidi "github.com/go-text/typesetting/bidi"
	"github.com/go-text/typesetting/di"
	gofont "github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// Text in a script whose letters change with their neighbours (Arabic, the Indic scripts), that
// is written right to left, or that has marks to place, goes through a shaper: the HarfBuzz
// port of github.com/go-text/typesetting. A text is cut into paragraphs at line breaks; each is
// ordered by the Unicode Bidirectional Algorithm, cut into runs of one direction, script and
// font, each run shaped with its font (OpenType GSUB and GPOS: conjuncts, reordering, joining
// forms, marks), and the glyphs wrapped at the break opportunities of UAX #14 on their shaped
// widths. The PDF names glyphs by number, with the shaper's advances and offsets, and each line
// carries its text (ActualText) so that copying and searching give the text as typed, in logical
// order, whatever glyphs stand for it.
//
// Text all in the scripts that print one glyph a character left to right (Latin, Ethiopic...)
// keeps the direct path of render.go: it is several times faster, and prints the same.

// shapeScale is the scale text is shaped at, in units per em: advances and offsets are exact to
// 1/64 of it, and the same for fonts of different units per em.
const shapeScale = 4096

// needsShaping tells whether a text, as printed (NFC), needs the shaper: a character outside
// the scripts that print one glyph each, a mark left uncomposed, or a right-to-left character
// or direction control.
func needsShaping(text string) bool {
	for _, r := range text {
		if r < 0x300 {
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			return true
		}
		if p, _ := bidi.LookupRune(r); rtlClass(p.Class()) {
			return true
		}
		if r >= 0x2000 && r <= 0x206F { // punctuation, spaces, format characters: Common
			continue
		}
		if !simpleScript(scriptOf(r)) {
			return true
		}
	}
	return false
}

func rtlClass(c bidi.Class) bool {
	return c == bidi.R || c == bidi.AL || c == bidi.AN || c == bidi.Control || c >= bidi.LRO
}

// simpleScript: one glyph a character, left to right, no contextual forms.
func simpleScript(name string) bool { return slices.Contains(printable, name) }

// shaper is what shaping needs per goroutine: go-text's faces cache glyphs and are not safe for
// concurrent use, so each holds its own, over the fonts parsed once.
type shaper struct {
	faces []*gofont.Face // by face index
	owner map[*gofont.Face]*face
	hb    shaping.HarfbuzzShaper
	seg   shaping.Segmenter
	wrap  shaping.LineWrapper
	bidi  gtbidi.Paragraph
	fmap  fontmap
}

func (r *Renderer) getShaper() *shaper {
	if s, ok := r.shapers.Get().(*shaper); ok {
		return s
	}
	s := &shaper{faces: make([]*gofont.Face, len(r.faces)), owner: map[*gofont.Face]*face{}}
	for i, f := range r.faces {
		s.faces[i] = gofont.NewFace(f.font.ot)
		s.owner[s.faces[i]] = f
	}
	s.fmap.s = s
	return s
}

// fontmap chooses the face of a character as the direct path does: the family's, else its
// fallbacks'.
type fontmap struct {
	s    *shaper
	fam  *family
	bold bool
}

func (m *fontmap) faceOf(f *family) *face {
	if m.bold && f.bold != nil {
		return f.bold
	}
	return f.regular
}

func (m *fontmap) ResolveFace(r rune) *gofont.Face {
	for f := m.fam; f != nil; f = f.fallback {
		fc := m.faceOf(f)
		if fc.font.cmap.glyph(r) != 0 {
			return m.s.faces[fc.index]
		}
	}
	return m.s.faces[m.faceOf(m.fam).index]
}

// shapedGlyph is a glyph the shaper placed; lengths in ems.
type shapedGlyph struct {
	face    *face
	embold  bool
	glyph   uint16
	char    rune   // the character it stands for, 0 for none alone
	text    string // the characters a ligature stands for
	advance float64
	dx, dy  float64
	// span is the text of a cluster of several glyphs this glyph begins (a syllable with its
	// vowel signs reordered, a letter and its marks): it is marked with it (ActualText), as no
	// glyph of it stands for one character alone. spanEnd: the glyph ends such a cluster.
	span    string
	spanEnd bool
}

// shapedLine is a line of shaped glyphs in visual order, left to right, and its text in logical
// order.
type shapedLine struct {
	glyphs []shapedGlyph
	width  float64 // ems
}

// shapedPara is a paragraph shaped, ready to be wrapped at any width.
type shapedPara struct {
	runes  []rune
	levels []gtbidi.Level // the embedding level of each rune
	dir    di.Direction
	runs   []shaping.Output
}

// shapeText shapes the paragraphs of a text. rtl is the direction of a paragraph with no strong
// character (digits alone): the certificate language's.
func (s *shaper) shapeText(text []rune, fam *family, bold bool, lang language.Language, rtl bool) []shapedPara {
	var paras []shapedPara
	s.fmap.fam, s.fmap.bold = fam, bold
	for len(text) > 0 || paras == nil {
		end := slices.Index(text, '\n')
		para := text
		if end >= 0 {
			para = text[:end]
		}
		p := shapedPara{runes: para, dir: di.DirectionLTR}
		if paragraphRTL(para, rtl) {
			p.dir = di.DirectionRTL
		}
		if len(para) > 0 {
			def := gtbidi.LeftToRight
			if p.dir == di.DirectionRTL {
				def = gtbidi.RightToLeft
			}
			levels := s.bidi.Segment(para, def)
			p.levels = make([]gtbidi.Level, len(para))
			for i := range levels.NumRuns() {
				run := levels.Run(i)
				for j := run.Start; j < run.End; j++ {
					p.levels[j] = run.Level
				}
			}
			in := shaping.Input{Text: para, RunStart: 0, RunEnd: len(para), Direction: p.dir,
				Size: fixed.I(shapeScale), Language: lang}
			for _, run := range s.seg.Split(in, &s.fmap) {
				p.runs = append(p.runs, s.hb.Shape(run))
			}
		}
		paras = append(paras, p)
		if end < 0 {
			break
		}
		text = text[end+1:]
	}
	return paras
}

// paragraphRTL finds a paragraph's direction by its first strong character (rules P2 and P3 of
// the Unicode Bidirectional Algorithm), else the default.
func paragraphRTL(text []rune, def bool) bool {
	for _, r := range text {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return def
}

// lines wraps shaped paragraphs into lines no wider than maxW ems.
func (s *shaper) lines(paras []shapedPara, maxW float64) []shapedLine {
	var out []shapedLine
	limit := fixed.Int26_6(min(maxW*shapeScale*64, 1<<30))
	for _, p := range paras {
		if len(p.runs) == 0 {
			out = append(out, shapedLine{})
			continue
		}
		runs := make([]shaping.Output, len(p.runs)) // wrapping trims trailing spaces in place
		for i, o := range p.runs {
			runs[i] = o
			runs[i].Glyphs = slices.Clone(o.Glyphs)
		}
		wrapped, _ := s.wrap.WrapParagraphF(shaping.WrapConfig{Direction: p.dir}, limit, p.runes, shaping.NewSliceIterator(runs))
		for _, l := range wrapped {
			out = append(out, s.line(p, l))
		}
	}
	return out
}

// line turns a wrapped line into glyphs in visual order.
func (s *shaper) line(p shapedPara, l shaping.Line) shapedLine {
	var sl shapedLine
	for _, run := range visualOrder(p, l) {
		fc := s.owner[run.Face]
		embold := s.fmap.bold && fc != nil && !fc.bold
		rtl := run.Direction.Progression() == di.TowardTopLeft
		for i, g := range run.Glyphs {
			sg := shapedGlyph{face: fc, embold: embold, glyph: uint16(g.GlyphID),
				advance: ems(g.Advance), dx: ems(g.XOffset), dy: ems(g.YOffset)}
			if c := g.TextIndex(); c >= 0 && c+g.RunesCount() <= len(p.runes) {
				cluster := p.runes[c : c+g.RunesCount()]
				switch {
				case g.GlyphsCount() == 1 && len(cluster) == 1:
					sg.char = cluster[0]
					if rtl && mirrored(sg.char) { // "(" drawn as ")": its glyph says ")"
						sg.span, sg.spanEnd = string(sg.char), true
					}
				case g.GlyphsCount() == 1:
					sg.text = readingText(cluster, rtl)
				default: // a cluster of several glyphs: a glyph a character of it maps to
					if i == 0 || run.Glyphs[i-1].TextIndex() != c {
						sg.span = readingText(cluster, rtl)
					}
					sg.spanEnd = i == len(run.Glyphs)-1 || run.Glyphs[i+1].TextIndex() != c
					for _, r := range cluster {
						if fc != nil && fc.font.cmap.glyph(r) == sg.glyph {
							sg.char = r
							break
						}
					}
				}
			}
			sl.glyphs = append(sl.glyphs, sg)
			sl.width += sg.advance
		}
	}
	return sl
}

// visualOrder orders the runs of a line for display by rule L2 of the Bidirectional
// Algorithm: from the highest embedding level to the lowest odd one, each sequence of runs at
// that level or higher is reversed. (go-text's wrapper orders two levels only, so a number in a
// Latin name inside Arabic text would land on the wrong side.) Glyphs within a run are already
// in visual order.
func visualOrder(p shapedPara, l shaping.Line) []shaping.Output {
	runs := slices.Clone(l)
	slices.SortFunc(runs, func(a, b shaping.Output) int { return a.Runes.Offset - b.Runes.Offset })
	level := func(o shaping.Output) gtbidi.Level {
		if o.Runes.Offset < len(p.levels) {
			return p.levels[o.Runes.Offset]
		}
		return 0
	}
	var high, lowOdd gtbidi.Level = 0, 127
	for _, o := range runs {
		lv := level(o)
		high = max(high, lv)
		if lv%2 == 1 {
			lowOdd = min(lowOdd, lv)
		}
	}
	for lv := high; lv >= lowOdd && lv > 0; lv-- {
		for i := 0; i < len(runs); {
			if level(runs[i]) < lv {
				i++
				continue
			}
			j := i
			for j < len(runs) && level(runs[j]) >= lv {
				j++
			}
			slices.Reverse(runs[i:j])
			i = j
		}
	}
	return runs
}

// mirrored tells whether a character is drawn mirrored in right-to-left text: brackets, and the
// comparison and quotation signs that point.
func mirrored(r rune) bool {
	if p, _ := bidi.LookupRune(r); p.IsBracket() {
		return true
	}
	return strings.ContainsRune("<>«»‹›≤≥", r)
}

// readingText is the text of a glyph or cluster standing for several characters, as readers
// take it: poppler (pdftotext) and pdf.js lay such a text out left to right over the glyphs, then
// order a right-to-left line as they do its characters, reversing it. So it is written reversed
// in a right-to-left run (لا of the lam-alef ligature as ال), to read back as typed.
func readingText(cluster []rune, rtl bool) string {
	if !rtl {
		return string(cluster)
	}
	r := slices.Clone(cluster)
	slices.Reverse(r)
	return string(r)
}

func ems(v fixed.Int26_6) float64 { return float64(v) / 64 / shapeScale }

// shapedText shapes the text of an element, or says what it cannot print.
func (p *page) shapedText(e *element, name, text string) ([]shapedPara, error) {
	var missing []rune
	runes := make([]rune, 0, len(text))
	for _, c := range text {
		switch {
		case c == '\t':
			c = ' '
		case c == '\n' || c == ' ' || c == '\u00a0':
		case ignorable(c):
			if !unicode.Is(unicode.Cf, c) { // joiners and direction marks go to the shaper
				continue
			}
		default:
			if _, ok := e.family.glyph(c, e.Bold); !ok && !slices.Contains(missing, c) && Script(scriptOf(c)).OK {
				missing = append(missing, c)
			}
		}
		runes = append(runes, c)
	}
	scripts := CheckText(text)
	if len(missing) > 0 || len(scripts) > 0 {
		return nil, &TextError{Element: name, Missing: missing, Scripts: scripts}
	}
	if p.shaper == nil {
		p.shaper = p.r.getShaper()
	}
	return p.shaper.shapeText(runes, e.family, e.Bold, p.r.otLang, p.r.rtl), nil
}

// shapedBox is textBox for text that needs shaping.
func (p *page) shapedBox(b []byte, e *element, name, text string) ([]byte, error) {
	paras, err := p.shapedText(e, name, text)
	if err != nil {
		return b, err
	}
	return layOut(p, b, e, func(maxW float64) []shapedLine { return p.shaper.lines(paras, maxW) },
		func(l shapedLine) float64 { return l.width }, p.showShaped), nil
}

// shapedWatermark is watermark for text that needs shaping.
func (p *page) shapedWatermark(b []byte, e *element, name, text string) ([]byte, error) {
	paras, err := p.shapedText(e, name, text)
	if err != nil {
		return b, err
	}
	lines := p.shaper.lines(paras, 1e6)
	if len(lines) == 0 || lines[0].width == 0 {
		return b, nil
	}
	return p.placeWatermark(b, e, lines[0].width, func(b []byte, x, baseline, size float64) []byte {
		return p.showShaped(b, lines[0], x, baseline, size)
	}), nil
}

// showShaped writes a shaped line from x on the baseline: a run of glyphs for each face, each
// glyph moved by the shaper's advance (TJ adjustments where it differs from the font's) and
// offset. A glyph stands for its character, or the characters of a ligature, in the font's
// ToUnicode map; a cluster of several glyphs is marked with its text (ActualText). Either way
// copying and searching give the text as typed, and a reader orders right-to-left text itself
// from the characters, as it does for any PDF.
func (p *page) showShaped(b []byte, line shapedLine, x, baseline, size float64) []byte {
	gs := line.glyphs
	for len(gs) > 0 {
		n := 1
		for n < len(gs) && gs[n].face == gs[0].face && gs[n].embold == gs[0].embold {
			n++
		}
		run := gs[:n]
		fc := run[0].face
		u := p.useFont(fc)
		b = fmt.Appendf(b, "/F%d ", fc.index)
		b = appendNums(b, "Tf", size)
		if run[0].embold {
			b = appendNums(b, "w 2 Tr", size*0.03)
		}
		open := false // a TJ array is open, the pen where the text matrix says
		for _, g := range run {
			if _, ok := u[g.glyph]; !ok {
				u[g.glyph] = g.char
			}
			if g.text != "" {
				if p.ligatures == nil {
					p.ligatures = make([]map[uint16]string, len(p.glyphs))
				}
				if p.ligatures[fc.index] == nil {
					p.ligatures[fc.index] = map[uint16]string{}
				}
				if _, ok := p.ligatures[fc.index][g.glyph]; !ok {
					p.ligatures[fc.index][g.glyph] = g.text
				}
			}
			offset := g.dx != 0 || g.dy != 0
			if (offset || g.span != "") && open {
				b = append(b, "]TJ\n"...)
				open = false
			}
			if g.span != "" {
				b = append(b, "/Span<</ActualText<FEFF"...)
				for _, c := range g.span {
					b = appendUTF16Hex(b, c)
				}
				b = append(b, ">>>BDC\n"...)
			}
			if !open {
				b = appendNums(b, "Tm", 1, 0, 0, 1, x+g.dx*size, baseline+g.dy*size)
				b = append(b, '[')
				open = true
			}
			b = append(b, '<')
			b = appendHex16(b, g.glyph)
			b = append(b, '>')
			x += g.advance * size
			if offset || g.spanEnd {
				b = append(b, "]TJ\n"...)
				open = false
				if g.spanEnd {
					b = append(b, "EMC\n"...)
				}
				continue
			}
			if adj := (fc.font.advance(g.glyph) - g.advance) * 1000; math.Abs(adj) >= 0.0005 {
				b = appendNum(b, adj)
			}
		}
		if open {
			b = append(b, "]TJ\n"...)
		}
		if run[0].embold {
			b = append(b, "0 Tr\n"...)
		}
		gs = gs[n:]
	}
	return b
}

// NeedsShaping tells whether a text goes through the shaper when printed: the compiler checks
// those texts in glyphs, once shaped, and the others character by character.
func NeedsShaping(text string) bool { return needsShaping(nfc(text)) }
