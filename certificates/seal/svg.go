package seal

import (
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// QRSVG draws any text (an otpauth:// URL for an authenticator app, say) as a QR code in SVG,
// with the encoder certificates' codes come from: one path of unit squares, one a dark module,
// on white with the quiet zone around, scaled by the page (width and height are left to CSS
// through the viewBox). Its markup holds numbers only, never the text: safe to put in a page
// as it is.
func QRSVG(text string) (string, error) {
	code, err := qr.Encode(text, QRLevel, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	n := code.Bounds().Dx()
	side := n + 2*quietZone
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		side, side, side*5, side*5)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, side, side)
	for y := range n {
		for x := range n {
			if c, _, _, _ := code.At(x, y).RGBA(); c == 0 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
