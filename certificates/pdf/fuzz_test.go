package pdf

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
)

// FuzzFont: a package's font file, whatever its bytes, is refused with an error or read and
// usable, never a panic: the compiler reads it (ReadCmap) and the runtime renders with it.
func FuzzFont(f *testing.F) {
	f.Add(goregular.TTF)
	if noto, err := os.ReadFile("testdata/NotoSansEthiopic-Regular.ttf"); err == nil {
		f.Add(noto)
	}
	f.Add([]byte("\x00\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cmap, err := ReadCmap(data)
		if err != nil {
			return
		}
		cmap.Missing("Ama ታረቀ 2026")
		r, err := NewRenderer(Template{Fonts: map[string]Font{"f": {Regular: data}},
			Elements: []Element{{ID: "t", Kind: Text, X: 10, Y: 10, W: 100, Font: "f"}}})
		if err != nil {
			return
		}
		var out bytes.Buffer
		_ = r.Render(&out, Values{Text: map[string]string{"t": "Ama Tarek 2026"}})
	})
}
