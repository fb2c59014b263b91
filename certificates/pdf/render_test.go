package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/internal/pdftools"
)

// TestCertificates prints the certificate in English, in French and in English and Amharic
// side by side, and reads each one back: every text with pdftotext, the page as a PNG for
// review, the QR code with zbarimg.
func TestCertificates(t *testing.T) {
	cases := []struct {
		name      string
		main      certificateTexts
		second    *certificateTexts
		bilingual bool
	}{
		{"en", english, nil, false},
		{"fr", french, nil, false},
		{"en-am", english, &amharic, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRenderer(testTemplate(t, c.bilingual, true))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := r.Render(&out, testValues(c.main, c.second)); err != nil {
				t.Fatal(err)
			}
			pdfPath := pdftools.Artifact(t, "certificate.pdf", out.Bytes())
			text := pdftools.Words(pdftools.Text(t, pdfPath, false))
			want := map[string]string{}
			for k, v := range c.main.values {
				want[k] = v
			}
			if c.second != nil {
				for k, v := range c.second.values {
					want[c.second.lang+"."+k] = v
				}
			}
			delete(want, "payload")
			if raw := pdftools.Letters(pdftools.Text(t, pdfPath, true)); !strings.Contains(raw, pdftools.Letters(want["watermark"])) {
				t.Errorf("pdftotext -raw does not find the watermark %q in:\n%s", want["watermark"], raw)
			}
			delete(want, "watermark")
			want["footer"] = "Republic of Nerovia · Civil Registration Office"
			for k, v := range want {
				if !strings.Contains(text, pdftools.Words(v)) {
					t.Errorf("pdftotext does not find %s %q in:\n%s", k, v, text)
				}
			}

			// The QR code is read back from the page at 100 dpi: 2.3 pixels a module, blurrier
			// than a phone's camera sees paper.
			qrPath := pdftools.Artifact(t, "certificate.png", pdftools.PNG(t, pdfPath, 1, 100))
			if got := pdftools.ReadQR(t, qrPath); !slices.Equal(got, []string{testPayload}) {
				t.Errorf("zbarimg reads %q, want the payload %q", got, testPayload)
			}
		})
	}
}

// TestBatch prints three certificates in one PDF: three pages, each with its own name, the
// fonts embedded once.
func TestBatch(t *testing.T) {
	r, err := NewRenderer(testTemplate(t, true, false))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Amara Selam", "Noé Ångström", "Zoë Łukasiewicz"}
	var vs []Values
	for i, n := range names {
		v := testValues(english, &amharic)
		v.Text["name"] = n
		if i == 1 {
			v.Hide = map[string]bool{"watermark": true, "payload": true}
		}
		vs = append(vs, v)
	}
	var out bytes.Buffer
	if err := r.RenderBatch(&out, vs); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out.Bytes(), []byte("/Subtype/Type0")); n != 3 {
		t.Errorf("%d fonts embedded, want 3 (Go regular and bold, Noto Sans Ethiopic), once each", n)
	}
	pdfPath := pdftools.Artifact(t, "batch.pdf", out.Bytes())
	pages := strings.Split(pdftools.Text(t, pdfPath, true), "\f")
	if len(pages) != 4 || strings.TrimSpace(pages[3]) != "" { // a form feed ends every page
		t.Fatalf("pdftotext reads %d pages, want 3", len(pages)-1)
	}
	for i, n := range names {
		page := pdftools.Words(pages[i])
		if !strings.Contains(page, n) {
			t.Errorf("page %d: no %q in %q", i+1, n, page)
		}
		if has := strings.Contains(pdftools.Letters(page), "CERTIFIEDCOPY"); has != (i != 1) {
			t.Errorf("page %d: watermark printed %v, hidden on page 2 only", i+1, has)
		}
	}
}

// TestDeterministic: the same certificate is the same bytes, so that a printed PDF can be
// reproduced and compared.
func TestDeterministic(t *testing.T) {
	r, err := NewRenderer(testTemplate(t, true, true))
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := r.Render(&a, testValues(english, &amharic)); err != nil {
		t.Fatal(err)
	}
	if err := r.Render(&b, testValues(english, &amharic)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of one certificate differ")
	}
}

// TestConcurrent renders from many goroutines with one Renderer (go test -race checks it).
func TestConcurrent(t *testing.T) {
	r, err := NewRenderer(testTemplate(t, true, false))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := r.Render(&want, testValues(french, &amharic)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				var out bytes.Buffer
				if err := r.Render(&out, testValues(french, &amharic)); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(out.Bytes(), want.Bytes()) {
					errs <- errors.New("a certificate rendered concurrently differs")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSize: a one-language certificate, fonts subset, no background, stays under 30 KB.
func TestSize(t *testing.T) {
	for _, c := range []struct {
		name      string
		bilingual bool
		v         Values
		max       int
	}{
		{"en", false, testValues(english, nil), 30 << 10},
		{"fr", false, testValues(french, nil), 30 << 10},
		{"en-am", true, testValues(english, &amharic), 45 << 10},
	} {
		r, err := NewRenderer(testTemplate(t, c.bilingual, false))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := r.Render(&out, c.v); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", c.name, out.Len())
		if out.Len() > c.max {
			t.Errorf("%s: %d bytes, more than %d", c.name, out.Len(), c.max)
		}
	}
}

// TestRefusesWhatItCannotPrint: a name with a character no font has, or in a script written in
// vertical lines, is an error naming the element, not a garbled certificate.
func TestRefusesWhatItCannotPrint(t *testing.T) {
	r, err := NewRenderer(testTemplate(t, true, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		element, text string
		missing       []rune
		script        string
	}{
		{"name", "أمارة سلام", []rune("أمارةسل"), ""}, // shaped, but no font has Arabic letters
		{"name", "अमारा", []rune("अमार"), ""},
		{"name", "Amara 😀", []rune{'😀'}, ""},
		{"am.name", "አማራ ꯃ", []rune{'ꯃ'}, ""},
		{"name", "Amara \ua7b5", []rune{'\ua7b5'}, ""}, // a Latin letter the Go fonts lack
		{"name", "Amara \u05e9\u05dc\u05d5\u05dd", []rune("שלום"), ""},
		{"name", "Amara ᠮᠣᠩᠭᠣᠯ", nil, "Mongolian"},
	} {
		v := testValues(english, &amharic)
		v.Text[c.element] = c.text
		var out bytes.Buffer
		err := r.Render(&out, v)
		var te *TextError
		if !errors.As(err, &te) {
			t.Errorf("%q: error %v, want a TextError", c.text, err)
			continue
		}
		if te.Element != c.element || !slices.Equal(te.Missing, c.missing) {
			t.Errorf("%q: error on %q missing %q, want %q missing %q", c.text, te.Element, te.Missing, c.element, c.missing)
		}
		if c.script != "" && (len(te.Scripts) != 1 || te.Scripts[0].Script != c.script) {
			t.Errorf("%q: scripts %v, want %s", c.text, te.Scripts, c.script)
		}
		t.Log(err)
	}
}

// TestTemplateMistakes: every mistake of a template is reported at once, naming its element.
func TestTemplateMistakes(t *testing.T) {
	_, err := NewRenderer(Template{Page: "A3"})
	if err == nil || !strings.Contains(err.Error(), `page size "A3"`) {
		t.Errorf("page A3: %v", err)
	}
	tpl := Template{
		Background: []byte("%PDF-1.7 ..."),
		Fonts: map[string]Font{
			"broken": {Regular: []byte("not a font")},
			"a":      {Regular: ethiopicFont, Fallback: "b"},
			"b":      {Regular: ethiopicFont, Fallback: "a"},
			"c":      {Regular: ethiopicFont, Fallback: "nowhere"},
		},
		Elements: []Element{
			{ID: "x", Kind: Text, X: 10, Y: 10},
			{ID: "x", Kind: Text, X: 10, Y: 10, W: 50, Font: "unknown"},
			{ID: "y", Kind: Text, X: 10, Y: 400, W: 50, Color: "red", Align: "justify"},
			{ID: "z", Kind: "circle"},
			{ID: "q", Kind: QR, X: 10, Y: 10, W: 30, Level: "X"},
			{ID: "i", Kind: Image, X: 10, Y: 10, W: 30, Image: []byte("GIF89a")},
		},
	}
	_, err = NewRenderer(tpl)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`font "broken": regular: not a TrueType font`,
		`font "a": its fallbacks make a loop`,
		`font "c": fallback "nowhere" is not a font of the template`,
		`background: a PDF: only PNG and JPEG`,
		`element "x": a text box needs a width`,
		`element "x": a second element with this id`,
		`element "x": font "unknown" is not a font of the template`,
		`element "y": x 10, y 400 mm: off the 210×297 mm page`,
		`element "y": align "justify"`,
		`element "y": colour "red"`,
		`element "z": kind "circle"`,
		`element "q": QR level "X"`,
		`element "i": neither PNG nor JPEG`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no %q in:\n%v", want, err)
		}
	}
}

func TestPageSizes(t *testing.T) {
	for _, c := range []struct {
		page      PageSize
		landscape bool
		box       string
	}{
		{"", false, "/MediaBox[0 0 595.276 841.89]"},
		{A4, true, "/MediaBox[0 0 841.89 595.276]"},
		{A5, false, "/MediaBox[0 0 419.528 595.276]"},
		{Letter, false, "/MediaBox[0 0 612 792]"},
	} {
		r, err := NewRenderer(Template{Page: c.page, Landscape: c.landscape})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := r.Render(&out, Values{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out.Bytes(), []byte(c.box)) {
			t.Errorf("%q landscape %v: no %s", c.page, c.landscape, c.box)
		}
	}
}

func TestMissingWithFallbacks(t *testing.T) {
	r, err := NewRenderer(testTemplate(t, true, false))
	if err != nil {
		t.Fatal(err)
	}
	// Noto Sans Ethiopic has no digits nor Latin letters: the Go fonts print them.
	if m := r.Missing("ethiopic", "ቁጥር 123 NRV"); len(m) != 0 {
		t.Errorf("ethiopic with the Go fonts misses %q", m)
	}
	if m := r.Missing("", "Name ስም ስም ꯃ"); !slices.Equal(m, []rune{'ስ', 'ም', 'ꯃ'}) {
		t.Errorf("the Go fonts miss %q, want ስ, ም, ꯃ", m)
	}
}

// TestPDFChecks runs qpdf --check on a certificate: the file's structure (cross-references,
// streams) is sound, beyond what poppler forgives. It skips without qpdf, except under CI.
func TestPDFChecks(t *testing.T) {
	bin := pdftools.Need(t, "qpdf", "qpdf")
	r, err := NewRenderer(testTemplate(t, true, true))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := r.RenderBatch(&out, []Values{testValues(english, &amharic), testValues(french, &amharic)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(bin, "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, msg)
	}
}

func ExampleRenderer_Render() {
	r, err := NewRenderer(Template{
		Page: A5, Landscape: true,
		Elements: []Element{
			{Kind: Text, X: 15, Y: 15, W: 180, Size: 18, Bold: true, Align: Center, Text: "Certificate of Birth"},
			{ID: "name", Kind: Text, X: 15, Y: 40, W: 120, Size: 12},
			{ID: "seal", Kind: QR, X: 155, Y: 90, W: 40},
			{ID: "copy", Kind: Watermark, Text: "CERTIFIED COPY"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var pdf bytes.Buffer
	err = r.Render(&pdf, Values{
		Text: map[string]string{"name": "Amara Selam Tesfaye", "seal": "NV1:EXAMPLE"},
		Hide: map[string]bool{"copy": true}, // a first print
	})
	fmt.Println(err, pdf.Len() < 30<<10)
	// Output: <nil> true
}

func TestWrap(t *testing.T) {
	r, err := NewRenderer(Template{})
	if err != nil {
		t.Fatal(err)
	}
	fam := r.families[DefaultFont]
	lineText := func(ps []placed) string {
		var b strings.Builder
		for _, p := range ps {
			b.WriteRune(p.char)
		}
		return b.String()
	}
	for _, c := range []struct {
		text string
		ems  float64 // the width to wrap in
		want []string
	}{
		{"Amara Selam Tesfaye", 100, []string{"Amara Selam Tesfaye"}},
		{"Amara Selam Tesfaye", 6, []string{"Amara", "Selam", "Tesfaye"}},
		{"Amara  Selam\t Tesfaye ", 100, []string{"Amara Selam Tesfaye"}},        // runs of spaces print as one
		{"Amara\u00a0Selam Tesfaye", 8, []string{"Amara\u00a0Selam", "Tesfaye"}}, // no break at a no-break space
		{"First line\nsecond\n\nfourth", 100, []string{"First line", "second", "", "fourth"}},
		{"Mmmmmmmmmmmm", 3, []string{"Mmm", "mmm", "mmm", "mmm"}}, // a word longer than the line breaks where it fills one
		{"", 10, []string{""}},
	} {
		ps, err := shape(c.text, fam, false, "x")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range wrap(ps, c.ems) {
			got = append(got, lineText(l))
			if width(l) > c.ems && len(l) > 1 {
				t.Errorf("%q in %g ems: line %q is %.2f ems wide", c.text, c.ems, lineText(l), width(l))
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q in %g ems: %q, want %q", c.text, c.ems, got, c.want)
		}
	}
}
