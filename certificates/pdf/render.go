package pdf

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/crvsctl/crvsctl/i18n"
	"github.com/go-text/typesetting/language"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"rsc.io/qr/coding"
)

// Renderer prints certificates of one template. Making it reads the fonts and images once;
// then Render and RenderBatch only lay out text, subset the fonts to the glyphs used and write.
// A Renderer is safe for concurrent use.
type Renderer struct {
	pageW, pageH float64 // points
	families     map[string]*family
	faces        []*face // a PDF font each, /F<index>
	images       []*pdfImage
	elements     []element
	background   int // index in images, -1 for none
	opacities    []float64
	lang         string
	rtl          bool              // the language is written right to left (as the web pages say, i18n.RightToLeft): alignment mirrors
	otLang       language.Language // for the shaper
	shapers      sync.Pool         // of *shaper, one per goroutine laying out shaped text
}

// family is a font of the template: regular and bold faces, and where missing characters go.
type family struct {
	name     string
	regular  *face
	bold     *face // nil: the regular, emboldened
	fallback *family
}

type face struct {
	index int
	font  *ttf
	bold  bool // the family's bold face
}

type element struct {
	Element
	color   rgb
	family  *family
	image   int // index in Renderer.images
	level   coding.Level
	opacity int // index in Renderer.opacities
}

// mm converts millimetres to points.
const mm = 72 / 25.4

// NewRenderer checks a template and reads its fonts and images. Its error lists every mistake
// found, each naming the element or font it is about.
func NewRenderer(t Template) (*Renderer, error) {
	w, h, ok := t.Page.mm()
	if !ok {
		return nil, fmt.Errorf("page size %q: A4, A5 or Letter", t.Page)
	}
	if t.Landscape {
		w, h = h, w
	}
	r := &Renderer{pageW: w * mm, pageH: h * mm, families: map[string]*family{}, background: -1, lang: t.Lang,
		rtl: t.Lang != "" && i18n.RightToLeft(t.Lang), otLang: language.NewLanguage(t.Lang)}
	var errs []error

	goFont, err := r.addFamily(DefaultFont, Font{Regular: goregular.TTF, Bold: gobold.TTF})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(t.Fonts))
	for name := range t.Fonts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == DefaultFont {
			errs = append(errs, fmt.Errorf("font %q: the name of the Go fonts, which are always there: choose another", name))
			continue
		}
		if _, err := r.addFamily(name, t.Fonts[name]); err != nil {
			errs = append(errs, fmt.Errorf("font %q: %w", name, err))
		}
	}
	for _, name := range names {
		fam := r.families[name]
		if fam == nil {
			continue
		}
		fb := t.Fonts[name].Fallback
		if fb == "" {
			fb = DefaultFont
		}
		fam.fallback = r.families[fb]
		if fam.fallback == nil {
			errs = append(errs, fmt.Errorf("font %q: fallback %q is not a font of the template", name, fb))
		}
	}
	for _, name := range names { // a chain of fallbacks must end
		seen := map[*family]bool{}
		for fam := r.families[name]; fam != nil && fam != goFont; fam = fam.fallback {
			if seen[fam] {
				errs = append(errs, fmt.Errorf("font %q: its fallbacks make a loop", name))
				break
			}
			seen[fam] = true
		}
	}

	if len(t.Background) > 0 {
		if img, err := loadImage(t.Background); err != nil {
			errs = append(errs, fmt.Errorf("background: %w", err))
		} else {
			r.background = len(r.images)
			r.images = append(r.images, img)
		}
	}

	ids := map[string]bool{}
	for i := range t.Elements {
		e := element{Element: t.Elements[i], image: -1}
		name := fmt.Sprintf("element %d", i+1)
		if e.ID != "" {
			name = fmt.Sprintf("element %q", e.ID)
			if ids[e.ID] {
				errs = append(errs, fmt.Errorf("%s: a second element with this id", name))
			}
			ids[e.ID] = true
		}
		if problems := e.check(w, h); len(problems) > 0 {
			for _, err := range problems {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			continue
		}
		if err := r.prepare(&e); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		r.elements = append(r.elements, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Renderer) addFamily(name string, f Font) (*family, error) {
	if len(f.Regular) == 0 {
		return nil, errors.New("no regular (.ttf) file")
	}
	fam := &family{name: name}
	var err error
	if fam.regular, err = r.addFace(f.Regular); err != nil {
		return nil, fmt.Errorf("regular: %w", err)
	}
	if len(f.Bold) > 0 {
		if fam.bold, err = r.addFace(f.Bold); err != nil {
			return nil, fmt.Errorf("bold: %w", err)
		}
		fam.bold.bold = true
	}
	r.families[name] = fam
	return fam, nil
}

func (r *Renderer) addFace(data []byte) (*face, error) {
	f, err := parseTTF(data)
	if err != nil {
		return nil, err
	}
	fc := &face{index: len(r.faces), font: f}
	r.faces = append(r.faces, fc)
	return fc, nil
}

// prepare resolves what an element names: its font, colour, image.
func (r *Renderer) prepare(e *element) error {
	switch e.Kind {
	case Text, Watermark:
		name := e.Font
		if name == "" {
			name = DefaultFont
		}
		if e.family = r.families[name]; e.family == nil {
			return fmt.Errorf("font %q is not a font of the template", name)
		}
		if e.LineHeight == 0 {
			e.LineHeight = 1.25
		}
		if e.Align == "" {
			e.Align = Left
		}
		if e.Kind == Text && e.Size == 0 {
			e.Size = 10
		}
	case Image:
		img, err := loadImage(e.Image)
		if err != nil {
			return err
		}
		if e.H == 0 {
			e.H = e.W * float64(img.h) / float64(img.w)
		}
		e.image = len(r.images)
		r.images = append(r.images, img)
	case QR:
		e.level, _ = qrLevel(e.Level)
	}
	color := e.Color
	if color == "" && e.Kind == Watermark {
		color = "#808080"
	}
	if color != "" {
		e.color, _ = parseColor(color)
	}
	if e.Kind == Watermark {
		if e.Opacity == 0 {
			e.Opacity = 0.15
		}
		if e.Angle == 0 {
			e.Angle = math.Atan2(r.pageH, r.pageW) * 180 / math.Pi
		}
		e.opacity = slices.Index(r.opacities, e.Opacity)
		if e.opacity < 0 {
			e.opacity = len(r.opacities)
			r.opacities = append(r.opacities, e.Opacity)
		}
	}
	return nil
}

// Missing returns the characters of text that the named font, with its fallbacks, cannot print,
// each once: what the compiler reports when a template's font does not cover its texts.
func (r *Renderer) Missing(font, text string) []rune {
	if font == "" {
		font = DefaultFont
	}
	fam := r.families[font] // nil for a font the template does not have: nothing prints
	var missing []rune
	for _, c := range nfc(text) {
		if ignorable(c) || slices.Contains(missing, c) {
			continue
		}
		if _, ok := fam.glyph(c, false); !ok {
			missing = append(missing, c)
		}
	}
	return missing
}

// TextError is text a certificate cannot print: characters no font of the element has, or in a
// script that needs shaping. Nothing is printed rather than a garbled certificate.
type TextError struct {
	Element string // its ID, or its position "element 3"
	Missing []rune
	Scripts []ScriptProblem
}

func (e *TextError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		var cs []string
		for _, c := range e.Missing {
			cs = append(cs, fmt.Sprintf("%q (%U)", c, c))
		}
		parts = append(parts, "no glyph in its fonts for "+strings.Join(cs, ", "))
	}
	for _, p := range e.Scripts {
		parts = append(parts, p.Error())
	}
	return fmt.Sprintf("%s: %s", e.Element, strings.Join(parts, "; "))
}

// Render writes one certificate as a one-page PDF.
func (r *Renderer) Render(w io.Writer, v Values) error {
	return r.RenderBatch(w, []Values{v})
}

// Check lays a certificate out without writing it: nil when Render would print it, else the
// error Render would give (a *TextError for text the fonts cannot print). Printing a
// certificate the caller records first (a print in a register's history) checks it so, and
// renders only once the record is stored.
func (r *Renderer) Check(v Values) error {
	p := r.layout(v)
	if p.content != nil {
		release(p.content)
	}
	return p.err
}

// batchChunk is how many pages of a batch are laid out at once, in parallel, before they are
// written in order: it bounds the memory a batch holds.
const batchChunk = 64

// RenderBatch writes certificates as the pages of one PDF, one a page, in order: a print queue
// printed at once. Pages are laid out on every core; fonts are embedded once, with the glyphs
// of every page. An error about one certificate names its page; nothing usable has been
// written then.
func (r *Renderer) RenderBatch(w io.Writer, vs []Values) error {
	if len(vs) == 0 {
		return errors.New("no certificate to print")
	}
	d := &document{r: r, pw: newWriter(w), fonts: make([]*fontUse, len(r.faces)),
		images: make([]int, len(r.images)), opacities: make([]bool, len(r.opacities))}
	d.catalog, d.pages, d.resources, d.info = d.pw.alloc(), d.pw.alloc(), d.pw.alloc(), d.pw.alloc()
	workers := min(runtime.GOMAXPROCS(0), len(vs))
	done := make([]*page, min(batchChunk, len(vs)))
	for start := 0; start < len(vs); start += batchChunk {
		chunk := vs[start:min(start+batchChunk, len(vs))]
		if workers == 1 {
			for i, v := range chunk {
				done[i] = r.layout(v)
			}
		} else {
			var next atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for i := int(next.Add(1) - 1); i < len(chunk); i = int(next.Add(1) - 1) {
						done[i] = r.layout(chunk[i])
					}
				})
			}
			wg.Wait()
		}
		for i, p := range done[:len(chunk)] {
			if p.err != nil {
				if len(vs) > 1 {
					return fmt.Errorf("certificate %d: %w", start+i+1, p.err)
				}
				return p.err
			}
			d.add(p)
		}
	}
	return d.finish()
}

// document is one PDF being written.
type document struct {
	r                               *Renderer
	pw                              *writer
	catalog, pages, resources, info int
	kids                            []int
	fonts                           []*fontUse // by face index; nil when unused
	images                          []int      // object number by image index; 0 when unused
	opacities                       []bool     // ExtGState used, by index
}

// fontUse is a font a document uses: its object number and the glyphs used, with the character
// each stands for (for copying and searching the text).
type fontUse struct {
	obj       int
	glyphs    map[uint16]rune
	ligatures map[uint16]string // glyphs standing for several characters
}

// add writes a page laid out, and notes the fonts, images and transparency it uses.
func (d *document) add(p *page) {
	for i, glyphs := range p.glyphs {
		if glyphs == nil {
			continue
		}
		u := d.fonts[i]
		if u == nil {
			u = &fontUse{obj: d.pw.alloc(), glyphs: map[uint16]rune{}}
			for range 4 { // the descendant font, descriptor, font file and ToUnicode follow it
				d.pw.alloc()
			}
			d.fonts[i] = u
		}
		for g, c := range glyphs {
			if _, ok := u.glyphs[g]; !ok {
				u.glyphs[g] = c
			}
		}
		if p.ligatures != nil {
			for g, t := range p.ligatures[i] {
				if _, ok := u.ligatures[g]; !ok {
					if u.ligatures == nil {
						u.ligatures = map[uint16]string{}
					}
					u.ligatures[g] = t
				}
			}
		}
	}
	for i, used := range p.images {
		if used && d.images[i] == 0 {
			d.images[i] = d.pw.alloc()
			if d.r.images[i].alpha != nil {
				d.pw.alloc()
			}
		}
	}
	for i, used := range p.opacities {
		d.opacities[i] = d.opacities[i] || used
	}
	c, n := d.pw.alloc(), d.pw.alloc()
	d.pw.stream(c, "/Filter/FlateDecode", p.content.Bytes())
	release(p.content)
	d.pw.object(n, fmt.Sprintf("<</Type/Page/Parent %d 0 R/Resources %d 0 R/MediaBox[0 0 %s %s]/Contents %d 0 R>>",
		d.pages, d.resources, num(d.r.pageW), num(d.r.pageH), c))
	d.kids = append(d.kids, n)
}

// page is one certificate laid out: its content stream, compressed, and what it uses.
type page struct {
	r         *Renderer
	content   *bytes.Buffer
	glyphs    []map[uint16]rune // by face index: glyph → the character it prints
	images    []bool
	opacities []bool
	err       error
	shaper    *shaper             // taken from the Renderer's pool for the first shaped text
	ligatures []map[uint16]string // by face index: a glyph standing for several characters
}

var contentPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// layout lays out one certificate; it touches nothing shared, pages are laid out in parallel.
func (r *Renderer) layout(v Values) *page {
	p := &page{r: r, glyphs: make([]map[uint16]rune, len(r.faces)), images: make([]bool, len(r.images)),
		opacities: make([]bool, len(r.opacities))}
	buf := contentPool.Get().(*[]byte)
	b, err := p.draw((*buf)[:0], v)
	if p.err = err; err == nil {
		p.content = deflate(b)
	}
	*buf = b[:0]
	contentPool.Put(buf)
	if p.shaper != nil {
		r.shapers.Put(p.shaper)
	}
	return p
}

func (p *page) useFont(f *face) map[uint16]rune {
	g := p.glyphs[f.index]
	if g == nil {
		g = map[uint16]rune{}
		p.glyphs[f.index] = g
	}
	return g
}

// draw writes a certificate's content stream.
func (p *page) draw(b []byte, v Values) ([]byte, error) {
	r := p.r
	if r.background >= 0 {
		p.images[r.background] = true
		b = append(b, "q "...)
		b = appendNums(b, "cm", r.pageW, 0, 0, r.pageH, 0, 0)
		b = fmt.Appendf(b, "/Im%d Do Q\n", r.background)
	}
	var errs []error
	for i := range r.elements {
		e := &r.elements[i]
		text, shown := v.text(&e.Element)
		if !shown {
			continue
		}
		name := e.ID
		if name == "" {
			name = "element " + strconv.Itoa(i+1)
		}
		var err error
		switch e.Kind {
		case Text:
			b, err = p.textBox(b, e, name, text)
		case Watermark:
			b, err = p.watermark(b, e, name, text)
		case Image:
			p.images[e.image] = true
			b = append(b, "q "...)
			b = appendNums(b, "cm", e.W*mm, 0, 0, e.H*mm, e.X*mm, r.pageH-(e.Y+e.H)*mm)
			b = fmt.Appendf(b, "/Im%d Do Q\n", e.image)
		case QR:
			if text == "" {
				continue
			}
			b, err = appendQR(b, text, e.level, e.X*mm, r.pageH-e.Y*mm, e.W*mm)
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return b, errors.Join(errs...)
}

// placed is a character laid out: its glyph, in which face, and its advance in ems.
type placed struct {
	face    *face
	glyph   uint16
	char    rune
	advance float64
	embold  bool // bold asked for, the family has no bold: drawn with an outline
}

// advance returns the advance width of glyph g in ems.
func (f *ttf) advance(g uint16) float64 {
	return float64(f.advances[g]) / f.unitsPerEm
}

// glyph finds the face printing c, through the family's fallbacks.
func (fam *family) glyph(c rune, bold bool) (placed, bool) {
	for f := fam; f != nil; f = f.fallback {
		fc, embold := f.regular, false
		if bold {
			if f.bold != nil {
				fc = f.bold
			} else {
				embold = true
			}
		}
		if g := fc.font.cmap.glyph(c); g != 0 {
			return placed{face: fc, glyph: g, char: c, advance: fc.font.advance(g), embold: embold}, true
		}
	}
	return placed{}, false
}

// shape maps a text's characters to glyphs, one each (no shaping: see scripts.go). A line
// break is a placed with no face; spaces are kept for wrapping.
func shape(text string, fam *family, bold bool, element string) ([]placed, error) {
	var out []placed
	var missing []rune
	for _, c := range nfc(text) {
		switch {
		case c == '\n':
			out = append(out, placed{char: '\n'})
			continue
		case c == '\t':
			c = ' '
		case c != ' ' && c != '\u00a0' && ignorable(c):
			continue
		}
		p, ok := fam.glyph(c, bold)
		if !ok && c == '\u00a0' {
			p, ok = fam.glyph(' ', bold)
			p.char = c
		}
		if !ok {
			if !slices.Contains(missing, c) && Script(scriptOf(c)).OK { // else a script problem below
				missing = append(missing, c)
			}
			continue
		}
		out = append(out, p)
	}
	scripts := CheckText(text)
	if len(missing) > 0 || len(scripts) > 0 {
		return nil, &TextError{Element: element, Missing: missing, Scripts: scripts}
	}
	return out, nil
}

func width(ps []placed) float64 {
	var w float64
	for _, p := range ps {
		w += p.advance
	}
	return w
}

// isSpace tells where a line may break: at a space, not at a no-break space.
func isSpace(p placed) bool { return p.char == ' ' }

// wrap breaks placed characters into lines no wider than maxW ems: at spaces, at line breaks,
// and inside a word only when the word alone is wider than a line.
func wrap(ps []placed, maxW float64) [][]placed {
	var lines [][]placed
	for {
		end := slices.IndexFunc(ps, func(p placed) bool { return p.face == nil })
		para := ps
		if end >= 0 {
			para = ps[:end]
		}
		lines = append(lines, wrapParagraph(para, maxW)...)
		if end < 0 {
			break
		}
		ps = ps[end+1:]
	}
	return lines
}

func wrapParagraph(ps []placed, maxW float64) [][]placed {
	var lines [][]placed
	var line []placed
	lineW := 0.0
	for i := 0; i < len(ps); {
		if isSpace(ps[i]) {
			i++
			continue
		}
		j := i
		for j < len(ps) && !isSpace(ps[j]) {
			j++
		}
		word := ps[i:j]
		ww := width(word)
		if len(line) > 0 {
			sp := ps[i-1] // the space before the word
			if lineW+sp.advance+ww <= maxW {
				line = append(line, sp)
				line = append(line, word...)
				lineW += sp.advance + ww
				i = j
				continue
			}
			lines = append(lines, line)
			line, lineW = nil, 0
		}
		for ww > maxW && len(word) > 1 { // a word longer than the line: break it where it fills one
			k, w := 1, word[0].advance
			for k < len(word) && w+word[k].advance <= maxW {
				w += word[k].advance
				k++
			}
			lines = append(lines, word[:k:k])
			word = word[k:]
			ww -= w
		}
		line = append(line[:0:0], word...)
		lineW = ww
		i = j
	}
	if len(line) > 0 || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// textBox lays out a text box: wrapped within W, shrunk to fit H if asked, aligned.
func (p *page) textBox(b []byte, e *element, name, text string) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return b, nil
	}
	if text = nfc(text); needsShaping(text) {
		return p.shapedBox(b, e, name, text)
	}
	ps, err := shape(text, e.family, e.Bold, name)
	if err != nil {
		return b, err
	}
	return layOut(p, b, e, func(maxW float64) [][]placed { return wrap(ps, maxW) }, width, p.show), nil
}

// layOut writes a text box's lines, whether of placed glyphs (textBox) or shaped ones
// (shapedBox): wrapAt breaks the text into lines no wider than W (given in ems), at smaller
// sizes until they fit H when the box shrinks (to half its size at the most); each line is
// aligned by widthOf (in ems) and drawn by show. One function for both, so that a box is laid
// out alike whether or not its text needed shaping.
func layOut[L any](p *page, b []byte, e *element, wrapAt func(maxW float64) []L, widthOf func(L) float64,
	show func(b []byte, line L, x, baseline, size float64) []byte) []byte {
	size := e.Size
	maxW := e.W * mm
	lines := wrapAt(maxW / size)
	if e.Shrink {
		for float64(len(lines))*size*e.LineHeight > e.H*mm && size > e.Size/2 {
			size = max(size*0.95, e.Size/2)
			lines = wrapAt(maxW / size)
		}
	}
	f := e.family.regular.font
	lh := size * e.LineHeight
	asc, desc := float64(f.ascent)/f.unitsPerEm, float64(f.descent)/f.unitsPerEm
	top := p.r.pageH - e.Y*mm
	b = append(b, "BT\n"...)
	b = appendNums(b, "rg", e.color[0], e.color[1], e.color[2])
	if e.Bold {
		b = appendNums(b, "RG", e.color[0], e.color[1], e.color[2])
	}
	for i, line := range lines {
		baseline := top - float64(i)*lh - (lh-(asc-desc)*size)/2 - asc*size
		b = show(b, line, e.X*mm+p.r.indent(e.Align, maxW, widthOf(line)*size), baseline, size)
	}
	return append(b, "ET\n"...)
}

// show writes a line of glyphs from x on the baseline, a run for each face.
func (p *page) show(b []byte, line []placed, x, baseline, size float64) []byte {
	for len(line) > 0 {
		n := 1
		for n < len(line) && line[n].face == line[0].face && line[n].embold == line[0].embold {
			n++
		}
		run := line[:n]
		u := p.useFont(run[0].face)
		b = fmt.Appendf(b, "/F%d ", run[0].face.index)
		b = appendNums(b, "Tf", size)
		if run[0].embold {
			b = appendNums(b, "w 2 Tr", size*0.03)
		}
		b = appendNums(b, "Tm", 1, 0, 0, 1, x, baseline)
		b = append(b, '<')
		for _, g := range run {
			b = appendHex16(b, g.glyph)
			if _, ok := u[g.glyph]; !ok {
				u[g.glyph] = g.char
			}
		}
		b = append(b, "> Tj\n"...)
		if run[0].embold {
			b = append(b, "0 Tr\n"...)
		}
		x += width(run) * size
		line = line[n:]
	}
	return b
}

// watermark draws one line of text across the page, centred, turned and translucent.
// indent is where a line lw wide starts in a box maxW wide, aligned: left and right are the
// start and end sides, mirrored for a language written right to left.
func (r *Renderer) indent(align Align, maxW, lw float64) float64 {
	switch {
	case align == Center:
		return (maxW - lw) / 2
	case (align == Right) != r.rtl:
		return maxW - lw
	}
	return 0
}

func (p *page) watermark(b []byte, e *element, name, text string) ([]byte, error) {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return b, nil
	}
	if text = nfc(text); needsShaping(text) {
		return p.shapedWatermark(b, e, name, text)
	}
	ps, err := shape(text, e.family, e.Bold, name)
	if err != nil {
		return b, err
	}
	w := width(ps)
	if w == 0 {
		return b, nil
	}
	return p.placeWatermark(b, e, w, func(b []byte, x, baseline, size float64) []byte {
		return p.show(b, ps, x, baseline, size)
	}), nil
}

// placeWatermark writes a watermark, one line w ems wide, whether of placed glyphs
// (watermark) or shaped ones (shapedWatermark): centred on the page and turned by its angle,
// at its size or, without one, filling 80% of the diagonal; show draws the line from x on
// the baseline. One function for both, as layOut is for text boxes.
func (p *page) placeWatermark(b []byte, e *element, w float64, show func(b []byte, x, baseline, size float64) []byte) []byte {
	r := p.r
	size := e.Size
	if size == 0 { // fill 80% of the diagonal
		size = 0.8 * math.Hypot(r.pageW, r.pageH) / w
	}
	f := e.family.regular.font
	capH := float64(f.capHeight) / f.unitsPerEm * size
	a := e.Angle * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	p.opacities[e.opacity] = true
	b = fmt.Appendf(b, "q /GS%d gs\n", e.opacity)
	b = appendNums(b, "cm", cos, sin, -sin, cos, r.pageW/2, r.pageH/2)
	b = append(b, "BT\n"...)
	b = appendNums(b, "rg", e.color[0], e.color[1], e.color[2])
	if e.Bold {
		b = appendNums(b, "RG", e.color[0], e.color[1], e.color[2])
	}
	b = show(b, -w*size/2, -capH/2, size)
	return append(b, "ET Q\n"...)
}

// finish writes what the pages use — fonts subset to the glyphs printed, images, transparency
// — then the page tree, the catalog and the cross-reference table.
func (d *document) finish() error {
	r, pw := d.r, d.pw
	var res strings.Builder
	res.WriteString("<<")
	if slices.ContainsFunc(d.fonts, func(u *fontUse) bool { return u != nil }) {
		res.WriteString("/Font<<")
		for i, u := range d.fonts {
			if u != nil {
				d.writeFont(r.faces[i].font, u)
				fmt.Fprintf(&res, "/F%d %d 0 R", i, u.obj)
			}
		}
		res.WriteString(">>")
	}
	if slices.ContainsFunc(d.images, func(n int) bool { return n != 0 }) {
		res.WriteString("/XObject<<")
		for i, n := range d.images {
			if n == 0 {
				continue
			}
			img := r.images[i]
			dict := img.dict
			if img.alpha != nil {
				pw.stream(n+1, img.alpha.dict, img.alpha.data)
				dict += fmt.Sprintf("/SMask %d 0 R", n+1)
			}
			pw.stream(n, dict, img.data)
			fmt.Fprintf(&res, "/Im%d %d 0 R", i, n)
		}
		res.WriteString(">>")
	}
	if slices.Contains(d.opacities, true) {
		res.WriteString("/ExtGState<<")
		for i, used := range d.opacities {
			if used {
				fmt.Fprintf(&res, "/GS%d<</Type/ExtGState/ca %s/CA %s>>", i, num(r.opacities[i]), num(r.opacities[i]))
			}
		}
		res.WriteString(">>")
	}
	res.WriteString("/ProcSet[/PDF/Text/ImageB/ImageC]>>")
	pw.object(d.resources, res.String())

	var kids strings.Builder
	for _, k := range d.kids {
		fmt.Fprintf(&kids, "%d 0 R ", k)
	}
	pw.object(d.pages, fmt.Sprintf("<</Type/Pages/Kids[%s]/Count %d>>", strings.TrimSpace(kids.String()), len(d.kids)))
	catalog := fmt.Sprintf("<</Type/Catalog/Pages %d 0 R", d.pages)
	if r.lang != "" {
		catalog += "/Lang" + pdfString(r.lang)
	}
	pw.object(d.catalog, catalog+">>")
	pw.object(d.info, "<</Producer(crvsctl)>>")
	return pw.finish(d.catalog, d.info)
}

// writeFont writes a font as PDF wants a TrueType font printing any character: a Type 0 font
// whose character codes are glyph numbers (Identity-H), the subset embedded, and a ToUnicode
// map for copying and searching the text.
func (d *document) writeFont(f *ttf, u *fontUse) {
	pw := d.pw
	glyphs := make([]uint16, 0, len(u.glyphs))
	for g := range u.glyphs {
		glyphs = append(glyphs, g)
	}
	slices.Sort(glyphs)

	h := sha256.New()
	h.Write([]byte(f.id))
	for _, g := range glyphs {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := string(tag) + "+" + f.name
	k := 1000 / f.unitsPerEm

	var widths []byte
	widths = append(widths, '[')
	for i := 0; i < len(glyphs); {
		j := i + 1
		for j < len(glyphs) && glyphs[j] == glyphs[j-1]+1 {
			j++
		}
		widths = strconv.AppendInt(widths, int64(glyphs[i]), 10)
		widths = append(widths, '[')
		for _, g := range glyphs[i:j] {
			widths = appendNum(widths, float64(f.advances[g])*k)
			widths = append(widths, ' ')
		}
		widths[len(widths)-1] = ']'
		i = j
	}
	widths = append(widths, ']')

	flags := 4 // symbolic: glyphs are named by number, not by a standard character set
	if f.fixedPitch {
		flags |= 1
	}
	if f.italicAngle != 0 {
		flags |= 64
	}
	n := u.obj
	pw.object(n, fmt.Sprintf("<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>",
		base, n+1, n+4))
	pw.object(n+1, fmt.Sprintf("<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/CIDToGIDMap/Identity/DW %s/W%s>>",
		base, n+2, num(float64(f.advances[0])*k), widths))
	pw.object(n+2, fmt.Sprintf("<</Type/FontDescriptor/FontName/%s/Flags %d/FontBBox[%s %s %s %s]/ItalicAngle %s/Ascent %s/Descent %s/CapHeight %s/StemV 80/FontFile2 %d 0 R>>",
		base, flags, num(float64(f.bbox[0])*k), num(float64(f.bbox[1])*k), num(float64(f.bbox[2])*k), num(float64(f.bbox[3])*k),
		num(f.italicAngle), num(float64(f.ascent)*k), num(float64(f.descent)*k), num(float64(f.capHeight)*k), n+3))
	sub := f.subset(glyphs, u.glyphs)
	pw.deflated(n+3, "/Length1 "+strconv.Itoa(len(sub)), sub)
	pw.deflated(n+4, "", toUnicode(glyphs, u.glyphs, u.ligatures))
}

// toUnicode writes the CMap telling which character each glyph stands for.
func toUnicode(glyphs []uint16, chars map[uint16]rune, ligatures map[uint16]string) []byte {
	glyphs = slices.DeleteFunc(slices.Clone(glyphs), func(g uint16) bool { // a glyph of no character alone: the line's ActualText has it
		_, lig := ligatures[g]
		return chars[g] == 0 && !lig
	})
	var b []byte
	b = append(b, "/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n"+
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n"+
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n"+
		"1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n"...)
	for i := 0; i < len(glyphs); i += 100 {
		chunk := glyphs[i:min(i+100, len(glyphs))]
		b = strconv.AppendInt(b, int64(len(chunk)), 10)
		b = append(b, " beginbfchar\n"...)
		for _, g := range chunk {
			b = append(b, '<')
			b = appendHex16(b, g)
			b = append(b, "><"...)
			if t, ok := ligatures[g]; ok {
				for _, c := range t {
					b = appendUTF16Hex(b, c)
				}
			} else {
				b = appendUTF16Hex(b, chars[g])
			}
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
	}
	return append(b, "endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n"...)
}

func num(v float64) string { return string(appendNum(nil, v)) }
