package seal

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// QR codes are drawn by github.com/boombuler/barcode, the encoder fpdf's contrib/barcode uses:
// the PNG here and the code a PDF certificate prints come out of the same encoder, and a
// barcode.Barcode from QR can be handed to contrib/barcode.Register as it is.

// QRLevel is the error correction of certificates' QR codes: M restores 15% of the code, enough
// for a fold or a stain on paper while keeping the code small.
const QRLevel = qr.M

// quietZone is the white margin around a QR code, in modules, that ISO/IEC 18004 asks for.
const quietZone = 4

// QR encodes a seal as a QR code at error correction M in alphanumeric mode, which the Base45
// alphabet and the prefix fit exactly. The image is one pixel a module, without the margin:
// scale it, and leave four modules of white around it.
func QR(text string) (barcode.Barcode, error) {
	code, err := qr.Encode(text, QRLevel, qr.AlphaNumeric)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	return code, nil
}

// QRVersion returns the version (1 to 40) of a QR code: 17 + 4×version modules a side.
func QRVersion(code barcode.Barcode) int {
	return (code.Bounds().Dx() - 17) / 4
}

// QRPNG renders a seal as a PNG image: black modules of modulePixels pixels a side on white,
// with the four-module quiet zone around them, in two-colour grey.
func QRPNG(text string, modulePixels int) ([]byte, error) {
	if modulePixels < 1 {
		return nil, fmt.Errorf("QR code: %d pixels a module", modulePixels)
	}
	code, err := QR(text)
	if err != nil {
		return nil, err
	}
	n := code.Bounds().Dx()
	side := (n + 2*quietZone) * modulePixels
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := range n {
		for x := range n {
			if c, _, _, _ := code.At(x, y).RGBA(); c != 0 {
				continue // a light module
			}
			x0, y0 := (x+quietZone)*modulePixels, (y+quietZone)*modulePixels
			for dy := range modulePixels {
				row := img.Pix[(y0+dy)*img.Stride+x0:]
				for dx := range modulePixels {
					row[dx] = 0
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
