package pdf

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/internal/browsertest"
	"github.com/crvsctl/crvsctl/internal/pdftools"
)

// chromiumWords are drawn by the renderer and by Chromium (its own HarfBuzz, Skia), each in its
// font, and compared as pictures.
var chromiumWords = []struct{ font, text string }{
	{"testdata/NotoSansBengali-Regular.ttf", "ব্রাহ্মণবাড়িয়া"},
	{"testdata/NotoSansBengali-Regular.ttf", "লক্ষ্মীপুর"},
	{"testdata/NotoSansBengali-Regular.ttf", "রবীন্দ্রনাথ ঠাকুর"},
	{"testdata/NotoSansBengali-Regular.ttf", "কৃষ্ণ দাস"},
	{"/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf", "त्र्यंबकेश्वर"},
	{"/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf", "पृथ्वीनारायण शाह"},
	{"testdata/NotoSansArabic-Regular.ttf", "عبد الرحمن"},
	{"testdata/NotoSansArabic-Regular.ttf", "مكة المكرمة"},
	{"testdata/NotoSansArabic-Regular.ttf", "فَاطِمَة"},
	{"testdata/NotoSansArabic-Regular.ttf", "اسلام آباد"},
}

// rowPx is the height of a word's row, in CSS pixels (1/96 in); words are 30 pt.
const rowPx = 90

// TestMatchesChromium draws words of Bengali, Devanagari and Arabic in the renderer (rasterised
// by pdftoppm at 96 dpi) and in Chromium at the same size, crops each to its ink and compares
// them pixel by pixel: the ink boxes are the same size to 2 pixels, and the pixels that differ
// (anti-aliasing apart, the drawings thresholded) are a small part of the ink. The same words
// drawn unshaped — the Indic ones in their font without its substitutions (no conjuncts, vowel
// signs where typed), the Arabic ones with their letters kept apart (a zero-width non-joiner
// between each: HarfBuzz joins Arabic from a font's presentation forms even without its
// substitutions) — differ well beyond that, which shows the comparison sees a word shaped
// wrong. Skipped without Chromium; failed under CI, which installs it.
func TestMatchesChromium(t *testing.T) {
	browser, err := browsertest.FindBrowser()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	fonts := map[string][]byte{}
	for _, w := range chromiumWords {
		if fonts[w.font] == nil {
			if dir, name := filepath.Split(w.font); dir == "testdata/" {
				fonts[w.font] = mustRead(t, w.font)
			} else {
				fonts[w.font] = systemFont(t, name)
			}
		}
	}
	dir := t.TempDir()

	// Chromium: one page, a row a word.
	var page strings.Builder
	page.WriteString("<!doctype html><meta charset=utf-8><style>body{margin:0;background:#fff}div{position:absolute;left:20px;white-space:nowrap;font-size:30pt;line-height:1;color:#000}")
	for i, w := range chromiumWords {
		abs, _ := filepath.Abs(w.font)
		fmt.Fprintf(&page, "@font-face{font-family:f%d;src:url(file://%s)}", i, abs)
	}
	page.WriteString("</style>")
	for i, w := range chromiumWords {
		fmt.Fprintf(&page, "<div style='top:%dpx;font-family:f%d'>%s</div>", 10+rowPx*i, i, html.EscapeString(w.text))
	}
	htmlPath := filepath.Join(dir, "words.html")
	os.WriteFile(htmlPath, []byte(page.String()), 0o644)
	shot := filepath.Join(dir, "chromium.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--force-device-scale-factor=1", "--font-render-hinting=none", fmt.Sprintf("--window-size=794,%d", rowPx*len(chromiumWords)+20),
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "file://"+htmlPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	chrome := readPNG(t, shot)
	pdftools.Artifact(t, "chromium.png", mustRead(t, shot))

	render := func(name string, unshaped bool) image.Image {
		tpl := Template{Fonts: map[string]Font{}}
		for i, w := range chromiumWords {
			font, text := fonts[w.font], w.text
			if unshaped && strings.Contains(w.font, "Arabic") {
				text = strings.Join(strings.Split(text, ""), "\u200c")
			} else if unshaped {
				font = withoutGSUB(t, font)
			}
			f := fmt.Sprintf("f%d", i)
			tpl.Fonts[f] = Font{Regular: font}
			tpl.Elements = append(tpl.Elements, Element{Kind: Text, X: 5, Y: float64(10+rowPx*i) * 25.4 / 96, W: 200, Size: 30, Font: f, Text: text})
		}
		r, err := NewRenderer(tpl)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := r.Render(&out, Values{}); err != nil {
			t.Fatal(err)
		}
		pdfPath := filepath.Join(dir, name+".pdf")
		os.WriteFile(pdfPath, out.Bytes(), 0o644)
		b := pdftools.PNG(t, pdfPath, 1, 96)
		pdftools.Artifact(t, name+".png", b)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	ours, unshaped := render("renderer", false), render("unshaped", true)

	const maxDiff = 0.05 // of the ink's pixels: measured, 0 to 0.4%; unshaped, 23 to 57%
	for i, w := range chromiumWords {
		row := image.Rect(0, rowPx*i, 794, rowPx*(i+1))
		want := ink(chrome, row)
		got := ink(ours, row)
		diff, sizeOK := compareInk(got, want)
		bad, _ := compareInk(ink(unshaped, row), want)
		t.Logf("%s: %.1f%% of the ink differs from Chromium's (unshaped: %.1f%%)", w.text, 100*diff, 100*bad)
		if !sizeOK || diff > maxDiff {
			t.Errorf("%s: drawn %v, Chromium %v: %.1f%% of the ink differs", w.text, got.Bounds().Size(), want.Bounds().Size(), 100*diff)
		}
		if bad <= 2*maxDiff {
			t.Errorf("%s: unshaped, it differs by %.1f%% only: the comparison would not see it", w.text, 100*bad)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(mustRead(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// ink thresholds the part of an image in r (dark is ink) and crops it to its ink.
func ink(img image.Image, r image.Rectangle) *image.Alpha {
	r = r.Intersect(img.Bounds())
	box := image.Rectangle{}
	dark := func(x, y int) bool {
		c, _, _, _ := img.At(x, y).RGBA()
		return c < 0x8000
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if dark(x, y) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	out := image.NewAlpha(image.Rect(0, 0, box.Dx(), box.Dy()))
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if dark(x, y) {
				out.Pix[(y-box.Min.Y)*out.Stride+x-box.Min.X] = 0xff
			}
		}
	}
	return out
}

// compareInk returns the share of ink pixels that are ink in one drawing and not in the other,
// forgiving a pixel's shift (anti-aliasing and rounding), and whether the ink boxes are the
// same size to 2 pixels.
func compareInk(a, b *image.Alpha) (float64, bool) {
	sa, sb := a.Bounds().Size(), b.Bounds().Size()
	sizeOK := abs(sa.X-sb.X) <= 2 && abs(sa.Y-sb.Y) <= 2
	on := func(m *image.Alpha, x, y int) bool {
		return image.Pt(x, y).In(m.Bounds()) && m.Pix[y*m.Stride+x] != 0
	}
	near := func(m *image.Alpha, x, y int) bool {
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if on(m, x+dx, y+dy) {
					return true
				}
			}
		}
		return false
	}
	inkPx, differ := 0, 0
	for _, p := range [][2]*image.Alpha{{a, b}, {b, a}} {
		m, other := p[0], p[1]
		for y := 0; y < m.Bounds().Dy(); y++ {
			for x := 0; x < m.Bounds().Dx(); x++ {
				if on(m, x, y) {
					inkPx++
					if !near(other, x, y) {
						differ++
					}
				}
			}
		}
	}
	if inkPx == 0 {
		return 1, sizeOK
	}
	return float64(differ) / float64(inkPx), sizeOK
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
