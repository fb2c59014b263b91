package pdf

import (
	"encoding/binary"
	"os"
	"slices"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// ethiopicFont is Noto Sans Ethiopic (OFL, testdata/OFL.txt): Amharic's script.
var ethiopicFont = func() []byte {
	b, err := os.ReadFile("testdata/NotoSansEthiopic-Regular.ttf")
	if err != nil {
		panic(err)
	}
	return b
}()

func TestCmapMissing(t *testing.T) {
	goFont, err := ReadCmap(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	noto, err := ReadCmap(ethiopicFont)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cmap *Cmap
		text string
		want []rune
	}{
		{goFont, "Anaïs Hélène Lefèvre-Bœuf, 2026 — Иван Αλέξανδρος", nil},
		{goFont, "Amara\tSelam\n\u00a0\u200d", nil}, // white space and format characters need no glyph
		{goFont, "Ade\u0301wale", nil},              // NFC: é
		{goFont, "ስም Name ስም ꯃ", []rune{'ስ', 'ም', 'ꯃ'}},
		{noto, "የልጁ ስም ፳፻፲፰", nil},
		{noto, "ስም 12 AB", []rune{'1', '2', 'A', 'B'}},
	} {
		if got := c.cmap.Missing(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Missing(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if _, err := ReadCmap([]byte("not a font")); err == nil {
		t.Error("ReadCmap of no font: no error")
	}
}

// TestSubset: a subset is a sound TrueType font (checksums, tables sfnt reads), keeps the glyphs
// used and the components of composite ones, empties the others and drops the hinting.
func TestSubset(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		text string
	}{
		{"Go", goregular.TTF, "Anaïs Hélène Bœuf 2026"},
		{"Noto Sans Ethiopic", ethiopicFont, "የልደት ምስክር ወረቀት"},
	} {
		f, err := parseTTF(c.data)
		if err != nil {
			t.Fatal(err)
		}
		var used []uint16
		chars := map[uint16]rune{}
		for _, r := range c.text {
			if g := f.cmap.glyph(r); g != 0 {
				used = append(used, g)
				chars[g] = r
			}
		}
		// A composite glyph, with its components, if the font has any.
		composite := -1
		for g := range f.numGlyphs {
			if comps, _ := components(f.tables["glyf"][f.loca[g]:f.loca[g+1]]); len(comps) > 0 {
				composite = g
				used = append(used, uint16(g))
				break
			}
		}
		sub := f.subset(used, chars)
		if len(sub) >= len(c.data)/2 {
			t.Errorf("%s: subset of %d bytes, the font is %d", c.name, len(sub), len(c.data))
		}
		if sum := checksum(sub); sum != 0xB1B0AFBA {
			t.Errorf("%s: font checksum %#x, want 0xB1B0AFBA", c.name, sum)
		}
		sf, err := sfnt.Parse(sub)
		if err != nil {
			t.Fatalf("%s: the subset does not parse: %v", c.name, err)
		}
		if sf.NumGlyphs() != f.numGlyphs {
			t.Errorf("%s: %d glyphs, want %d, each keeping its number", c.name, sf.NumGlyphs(), f.numGlyphs)
		}
		var buf sfnt.Buffer
		for g, r := range chars { // the subset's cmap has the characters used
			if got, err := sf.GlyphIndex(&buf, r); err != nil || got != sfnt.GlyphIndex(g) {
				t.Errorf("%s: the subset's cmap maps %q to %d (%v), want %d", c.name, r, got, err, g)
			}
		}
		kept := map[uint16]bool{}
		for _, g := range used {
			kept[g] = true
		}
		if composite >= 0 {
			comps, _ := components(f.tables["glyf"][f.loca[composite]:f.loca[composite+1]])
			for _, g := range comps {
				kept[g] = true
			}
		}
		loca := subsetLoca(sub)
		for g := range f.numGlyphs {
			size := loca[g+1] - loca[g]
			if !kept[uint16(g)] && g != 0 {
				if size != 0 {
					t.Errorf("%s: glyph %d unused but kept (%d bytes)", c.name, g, size)
				}
				continue
			}
			segs, err := sf.LoadGlyph(&buf, sfnt.GlyphIndex(g), fixed.I(1000), nil)
			if err != nil {
				t.Errorf("%s: glyph %d: %v", c.name, g, err)
				continue
			}
			orig := f.loca[g+1] - f.loca[g]
			if orig > 0 && len(segs) == 0 && g != 0 {
				t.Errorf("%s: glyph %d kept without its outline", c.name, g)
			}
		}
	}
}

// subsetLoca reads the glyph offsets of a subset.
func subsetLoca(font []byte) []int {
	n := int(binary.BigEndian.Uint16(font[4:]))
	tables := map[string][]byte{}
	for i := range n {
		rec := font[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		tables[string(rec[:4])] = font[off : off+length]
	}
	long := binary.BigEndian.Uint16(tables["head"][50:]) == 1
	var out []int
	for i := 0; ; i++ {
		if long {
			if 4*i+4 > len(tables["loca"]) {
				return out
			}
			out = append(out, int(binary.BigEndian.Uint32(tables["loca"][4*i:])))
		} else {
			if 2*i+2 > len(tables["loca"]) {
				return out
			}
			out = append(out, 2*int(binary.BigEndian.Uint16(tables["loca"][2*i:])))
		}
	}
}

func TestAppendUnhinted(t *testing.T) {
	f, err := parseTTF(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	g := f.cmap.glyph('A')
	data := f.tables["glyf"][f.loca[g]:f.loca[g+1]]
	contours := int(binary.BigEndian.Uint16(data))
	p := 10 + 2*contours
	if binary.BigEndian.Uint16(data[p:]) == 0 {
		t.Skip("Go Regular's A has no instructions to drop")
	}
	out := appendUnhinted(nil, data)
	if n := binary.BigEndian.Uint16(out[p:]); n != 0 {
		t.Errorf("instructions left: %d bytes", n)
	}
	if len(out) >= len(data) {
		t.Errorf("%d bytes unhinted, %d hinted", len(out), len(data))
	}
}
