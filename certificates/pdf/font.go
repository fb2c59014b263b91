package pdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	gofont "github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// ttf is a TrueType font read once: the tables a PDF embeds, the metrics a layout needs and the
// character map, so that a certificate costs no parsing, only a subset of the glyphs it uses.
type ttf struct {
	name        string // PostScript name, for the PDF's BaseFont
	tables      map[string][]byte
	cmap        *Cmap
	unitsPerEm  float64
	ascent      int // font units, from hhea
	descent     int // negative below the baseline
	capHeight   int
	bbox        [4]int // xMin, yMin, xMax, yMax in font units
	italicAngle float64
	fixedPitch  bool
	numGlyphs   int
	advances    []uint16     // advance width of each glyph, font units
	loca        []uint32     // numGlyphs+1 offsets into glyf
	id          string       // a hash of the file, for subset names
	ot          *gofont.Font // parsed for the shaper (shaping.go), safe for concurrent use
}

// parseTTF reads a TrueType font (glyf outlines). OpenType fonts with CFF outlines and font
// collections are refused: their embedding in PDF is another format this package does not write.
func parseTTF(data []byte) (*ttf, error) {
	if len(data) < 12 {
		return nil, errors.New("not a TrueType font: too short")
	}
	switch string(data[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, errors.New("an OpenType font with PostScript (CFF) outlines: only TrueType outlines (.ttf) are supported")
	case "ttcf":
		return nil, errors.New("a font collection (.ttc): give one font of it as a .ttf")
	default:
		return nil, errors.New("not a TrueType font")
	}
	f := &ttf{tables: map[string][]byte{}}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("damaged font: table directory cut short")
	}
	for i := range n {
		rec := data[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("damaged font: table %q beyond the end of the file", tag)
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("damaged font: no %q table", tag)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("damaged font: head, hhea or maxp table too short")
	}
	f.unitsPerEm = float64(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm < 16 {
		return nil, errors.New("damaged font: units per em")
	}
	for i := range 4 {
		f.bbox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1
	f.ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	numHMetrics := int(binary.BigEndian.Uint16(hhea[34:]))
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	if numHMetrics < 1 || numHMetrics > f.numGlyphs {
		return nil, errors.New("damaged font: number of horizontal metrics")
	}

	hmtx := f.tables["hmtx"]
	if len(hmtx) < 4*numHMetrics {
		return nil, errors.New("damaged font: hmtx table too short")
	}
	f.advances = make([]uint16, f.numGlyphs)
	for g := range f.numGlyphs {
		f.advances[g] = binary.BigEndian.Uint16(hmtx[4*min(g, numHMetrics-1):])
	}

	loca, glyf := f.tables["loca"], f.tables["glyf"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for g := range f.loca {
		if longLoca {
			if len(loca) < 4*(g+1) {
				return nil, errors.New("damaged font: loca table too short")
			}
			f.loca[g] = binary.BigEndian.Uint32(loca[4*g:])
		} else {
			if len(loca) < 2*(g+1) {
				return nil, errors.New("damaged font: loca table too short")
			}
			f.loca[g] = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		}
		if f.loca[g] > uint32(len(glyf)) || (g > 0 && f.loca[g] < f.loca[g-1]) {
			return nil, errors.New("damaged font: loca table out of order")
		}
	}

	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.italicAngle = float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536
		f.fixedPitch = binary.BigEndian.Uint32(post[12:]) != 0
	}

	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("damaged font: %v", err)
	}
	f.cmap, err = newCmap(sf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	name, _ := sf.Name(&buf, sfnt.NameIDPostScript)
	f.name = postScriptName(name)
	sum := sha256.Sum256(data)
	f.id = fmt.Sprintf("%x", sum[:8])
	ld, err := opentype.NewLoader(bytes.NewReader(data))
	if err == nil {
		f.ot, err = gofont.NewFont(ld)
	}
	if err != nil {
		return nil, fmt.Errorf("damaged font: %v", err)
	}
	return f, nil
}

// postScriptName keeps the characters a PDF name may hold without escapes.
func postScriptName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
			return r
		}
		return -1
	}, s)
	if s == "" {
		return "Font"
	}
	return s
}

// Cmap is a font's character map, read once with golang.org/x/image/font/sfnt, so that the
// compiler can check that a font covers every character a template prints.
type Cmap struct {
	bmp    []uint16 // glyph of each rune of the Basic Multilingual Plane, 0 for none
	astral map[rune]uint16
}

// ReadCmap reads the character map of a TrueType or OpenType font.
func ReadCmap(font []byte) (*Cmap, error) {
	sf, err := sfnt.Parse(font)
	if err != nil {
		return nil, fmt.Errorf("not a font: %v", err)
	}
	return newCmap(sf)
}

// Planes 1 to 3 beyond the BMP are looked up at load: they hold scripts (Ethiopic Extended-B,
// historic scripts) and CJK extensions that names can use. Planes 4 and above hold no characters
// a certificate prints.
const lastCmapRune = 0x3FFFF

func newCmap(sf *sfnt.Font) (*Cmap, error) {
	var buf sfnt.Buffer
	c := &Cmap{bmp: make([]uint16, 0x10000), astral: map[rune]uint16{}}
	numGlyphs := sf.NumGlyphs()
	for r := rune(0); r <= lastCmapRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates are not characters
		}
		g, err := sf.GlyphIndex(&buf, r)
		if err != nil {
			return nil, fmt.Errorf("damaged font: character map: %v", err)
		}
		if g == 0 || int(g) >= numGlyphs {
			continue
		}
		if r < 0x10000 {
			c.bmp[r] = uint16(g)
		} else {
			c.astral[r] = uint16(g)
		}
	}
	return c, nil
}

// glyph returns the glyph of r, 0 when the font lacks it.
func (c *Cmap) glyph(r rune) uint16 {
	if r >= 0 && r < 0x10000 {
		return c.bmp[r]
	}
	return c.astral[r]
}

// Has tells whether the font has a glyph for r.
func (c *Cmap) Has(r rune) bool { return c.glyph(r) != 0 }

// Missing returns the characters of text the font has no glyph for, each once, in the order they
// first appear. Spaces and control characters are not counted: they print as space or not at
// all. The text is normalised to NFC first, as the renderer prints it.
func (c *Cmap) Missing(text string) []rune {
	var missing []rune
	for _, r := range nfc(text) {
		if ignorable(r) || c.Has(r) || slices.Contains(missing, r) {
			continue
		}
		missing = append(missing, r)
	}
	return missing
}

// ignorable runes need no glyph: they lay out as a space, or not at all (controls, and format
// characters: joiners, soft hyphens, direction marks).
func ignorable(r rune) bool {
	return r == ' ' || r == '\u00a0' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// Glyph flags of composite glyphs (the glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
	// haveInstructions: instructions follow the last component.
	haveInstructions = 0x0100
)

// subset returns a TrueType font holding only the glyphs used (and the components of composite
// ones), with every glyph keeping its number so that the PDF can name glyphs by number
// (CIDToGIDMap Identity). Unused glyphs are empty. The tables kept are those PDF asks for
// (head, hhea, maxp, hmtx, loca, glyf) and, small, those some viewers and printers still look
// for (OS/2, post without glyph names, a cmap of the characters used); not the name table nor
// the hinting (the glyphs' instructions and the cvt, fpgm and prep tables): PDF viewers and
// printers do not run TrueType hinting, and it is a third of a subset's size.
func (f *ttf) subset(used []uint16, chars map[uint16]rune) []byte {
	glyf := f.tables["glyf"]
	keep := make([]bool, f.numGlyphs)
	keep[0] = true // .notdef
	var stack []uint16
	for _, g := range used {
		if int(g) < f.numGlyphs && !keep[g] {
			keep[g] = true
			stack = append(stack, g)
		}
	}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		comps, _ := components(glyf[f.loca[g]:f.loca[g+1]])
		for _, c := range comps {
			if int(c) < f.numGlyphs && !keep[c] {
				keep[c] = true
				stack = append(stack, c)
			}
		}
	}

	var newGlyf []byte
	offsets := make([]int, f.numGlyphs+1)
	newHmtx := make([]byte, 4*f.numGlyphs)
	hmtx := f.tables["hmtx"]
	numHMetrics := int(binary.BigEndian.Uint16(f.tables["hhea"][34:]))
	for g := range f.numGlyphs {
		offsets[g] = len(newGlyf)
		if !keep[g] {
			continue
		}
		newGlyf = appendUnhinted(newGlyf, glyf[f.loca[g]:f.loca[g+1]])
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
		binary.BigEndian.PutUint16(newHmtx[4*g:], f.advances[g])
		if g < numHMetrics {
			copy(newHmtx[4*g+2:4*g+4], hmtx[4*g+2:])
		} else if off := 4*numHMetrics + 2*(g-numHMetrics); off+2 <= len(hmtx) {
			copy(newHmtx[4*g+2:4*g+4], hmtx[off:])
		}
	}
	offsets[f.numGlyphs] = len(newGlyf)

	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment, set by assembleFont
	var newLoca []byte
	if len(newGlyf) < 1<<17 { // short offsets, halved
		binary.BigEndian.PutUint16(head[50:], 0)
		newLoca = make([]byte, 2*len(offsets))
		for g, off := range offsets {
			binary.BigEndian.PutUint16(newLoca[2*g:], uint16(off/2))
		}
	} else {
		binary.BigEndian.PutUint16(head[50:], 1)
		newLoca = make([]byte, 4*len(offsets))
		for g, off := range offsets {
			binary.BigEndian.PutUint32(newLoca[4*g:], uint32(off))
		}
	}
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(f.numGlyphs))
	post := make([]byte, 32)
	copy(post, f.tables["post"])
	binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names
	tables := map[string][]byte{"head": head, "hhea": hhea, "maxp": f.tables["maxp"],
		"hmtx": newHmtx, "loca": newLoca, "glyf": newGlyf, "post": post, "cmap": cmapTable(chars)}
	if os2 := f.tables["OS/2"]; os2 != nil {
		tables["OS/2"] = os2
	}
	return assembleFont(tables)
}

// cmapTable writes a character map (Windows, Unicode BMP, format 4) of the characters used: a
// segment each, and the final one format 4 asks for. A character printed by several glyphs
// (Arabic's joining forms) maps to the lowest of them, its nominal form in the fonts we know,
// so that one certificate is always the same bytes.
func cmapTable(chars map[uint16]rune) []byte {
	type pair struct{ c, g uint16 }
	var pairs []pair
	for _, g := range slices.Sorted(maps.Keys(chars)) {
		c := chars[g]
		if c > 0 && c < 0xFFFF && !slices.ContainsFunc(pairs, func(p pair) bool { return p.c == uint16(c) }) {
			pairs = append(pairs, pair{uint16(c), g})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return int(a.c) - int(b.c) })
	pairs = append(pairs, pair{0xFFFF, 1}) // 0xFFFF + 1 wraps to glyph 0
	n := len(pairs)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := 2 << entrySelector
	sub := make([]byte, 16+8*n)
	be := binary.BigEndian
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*n))
	be.PutUint16(sub[8:], uint16(searchRange))
	be.PutUint16(sub[10:], uint16(entrySelector))
	be.PutUint16(sub[12:], uint16(2*n-searchRange))
	for i, p := range pairs {
		be.PutUint16(sub[14+2*i:], p.c)         // endCode
		be.PutUint16(sub[16+2*n+2*i:], p.c)     // startCode, after reservedPad
		be.PutUint16(sub[16+4*n+2*i:], p.g-p.c) // idDelta, modulo 65536
		be.PutUint16(sub[16+6*n+2*i:], 0)       // idRangeOffset
	}
	head := make([]byte, 12)
	be.PutUint16(head[2:], 1)  // one subtable
	be.PutUint16(head[4:], 3)  // Windows
	be.PutUint16(head[6:], 1)  // Unicode BMP
	be.PutUint32(head[8:], 12) // its offset
	return append(head, sub...)
}

// appendUnhinted appends a glyph without its hinting instructions.
func appendUnhinted(out, data []byte) []byte {
	if len(data) < 10 {
		return append(out, data...)
	}
	if contours := int(int16(binary.BigEndian.Uint16(data))); contours >= 0 {
		p := 10 + 2*contours // the instructions' length, after the contours' end points
		if p+2 > len(data) {
			return append(out, data...)
		}
		n := int(binary.BigEndian.Uint16(data[p:]))
		if p+2+n > len(data) {
			return append(out, data...)
		}
		out = append(out, data[:p]...)
		out = append(out, 0, 0)
		return append(out, data[p+2+n:]...)
	}
	_, end := components(data)
	start := len(out)
	out = append(out, data[:end]...)
	for p := start + 10; p+4 <= len(out); { // clear WE_HAVE_INSTRUCTIONS in every component
		flags := binary.BigEndian.Uint16(out[p:])
		binary.BigEndian.PutUint16(out[p:], flags&^haveInstructions)
		p += componentSize(flags)
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}

// components returns the glyphs a composite glyph is made of, none for a simple glyph, and
// where its components end (its instructions, if any, follow).
func components(data []byte) ([]uint16, int) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil, len(data)
	}
	var out []uint16
	p := 10
	for p+4 <= len(data) {
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, binary.BigEndian.Uint16(data[p+2:]))
		p += componentSize(flags)
		if flags&moreComponents == 0 {
			break
		}
	}
	return out, min(p, len(data))
}

// componentSize is the size of a composite glyph's component record with these flags.
func componentSize(flags uint16) int {
	size := 4 + 2 // flags, glyph index, two byte arguments
	if flags&argsAreWords != 0 {
		size += 2
	}
	switch {
	case flags&haveScale != 0:
		size += 2
	case flags&haveXYScale != 0:
		size += 4
	case flags&haveTwoByTwo != 0:
		size += 8
	}
	return size
}

// assembleFont writes a TrueType file of the given tables, with their checksums and the head
// table's checkSumAdjustment.
func assembleFont(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	size := 12 + 16*n
	for _, tag := range tags {
		size += (len(tables[tag]) + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-searchRange))
	headAt := 0
	for i, tag := range tags {
		t := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(t))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
		if tag == "head" {
			headAt = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
