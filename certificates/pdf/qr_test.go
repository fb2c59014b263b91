package pdf

import (
	"bytes"
	"slices"
	"testing"

	"github.com/crvsctl/crvsctl/internal/pdftools"

	"rsc.io/qr/coding"
)

// naivePenalty is ISO/IEC 18004 §7.8.3.1 written plainly, to hold the fast one to.
func naivePenalty(c *coding.Code) int {
	n := c.Size
	dark := func(x, y int, transpose bool) bool {
		if transpose {
			x, y = y, x
		}
		if x < 0 || x >= n {
			return false // the quiet zone
		}
		return c.Black(x, y)
	}
	score, count := 0, 0
	for _, tr := range []bool{false, true} {
		for y := range n {
			for x := 0; x < n; {
				end := x
				for end < n && dark(end, y, tr) == dark(x, y, tr) {
					end++
				}
				if end-x >= 5 {
					score += 3 + end - x - 5
				}
				x = end
			}
			for x := -4; x < n+4; x++ {
				var bits []bool
				for i := range 11 {
					bits = append(bits, dark(x+i, y, tr))
				}
				finder := []bool{true, false, true, true, true, false, true}
				light := []bool{false, false, false, false}
				if slices.Equal(bits, append(slices.Clone(light), finder...)) || slices.Equal(bits, append(slices.Clone(finder), light...)) {
					score += 40
				}
			}
		}
	}
	for y := range n {
		for x := range n {
			if c.Black(x, y) {
				count++
			}
			if x+1 < n && y+1 < n {
				d := c.Black(x, y)
				if c.Black(x+1, y) == d && c.Black(x, y+1) == d && c.Black(x+1, y+1) == d {
					score += 3
				}
			}
		}
	}
	dev := count*100/(n*n) - 50
	if dev < 0 {
		dev = -dev
	}
	return score + 10*(dev/5)
}

func TestPenalty(t *testing.T) {
	for _, text := range []string{"1234567890", "HELLO WORLD", testPayload, "https://crvsctl.example/verify?c=Amara%20Selam"} {
		for _, level := range []coding.Level{coding.L, coding.M, coding.Q, coding.H} {
			best, err := encodeQR(text, level)
			if err != nil {
				t.Fatal(err)
			}
			v := coding.Version((best.Size - 17) / 4)
			var enc coding.Encoding = coding.String(text)
			if coding.Num(text).Check() == nil {
				enc = coding.Num(text)
			} else if coding.Alpha(text).Check() == nil {
				enc = coding.Alpha(text)
			}
			least := -1
			for m := range coding.Mask(8) {
				p, _ := coding.NewPlan(v, level, m)
				c, err := p.Encode(enc)
				if err != nil {
					t.Fatal(err)
				}
				fast, slow := penalty(c), naivePenalty(c)
				if fast != slow {
					t.Errorf("%q level %d mask %d: penalty %d, the plain computation says %d", text, level, m, fast, slow)
				}
				if least < 0 || slow < least {
					least = slow
				}
			}
			if got := naivePenalty(best); got != least {
				t.Errorf("%q level %d: the chosen mask scores %d, the best %d", text, level, got, least)
			}
		}
	}
}

// TestQRModes: a code in byte mode (lower case, a URL) and one at level H read back.
func TestQRModes(t *testing.T) {
	r, err := NewRenderer(Template{Page: A5, Elements: []Element{
		{ID: "url", Kind: QR, X: 10, Y: 10, W: 50},
		{ID: "h", Kind: QR, X: 80, Y: 10, W: 50, Level: "H"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	url := "https://crvsctl.example/verify?c=Amara%20Selam&l=fr"
	if err := r.Render(&out, Values{Text: map[string]string{"url": url, "h": "NRV-KRV-2026-000123"}}); err != nil {
		t.Fatal(err)
	}
	pdfPath := pdftools.Artifact(t, "qr.pdf", out.Bytes())
	got := pdftools.ReadQR(t, pdftools.Artifact(t, "qr.png", pdftools.PNG(t, pdfPath, 1, 100)))
	slices.Sort(got)
	if want := []string{"NRV-KRV-2026-000123", url}; !slices.Equal(got, want) {
		t.Errorf("zbarimg reads %q, want %q", got, want)
	}
}

func BenchmarkEncodeQR(b *testing.B) {
	for b.Loop() {
		if _, err := encodeQR(testPayload, coding.M); err != nil {
			b.Fatal(err)
		}
	}
}
