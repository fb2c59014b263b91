package compiler

import (
	"crypto/ed25519"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/crvsctl/crvsctl/certificates/pdf"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/diag"
)

// CodePlacement is a certificate element off its page, or a QR code too small to scan.
const CodePlacement = "placement"

// minModule is the smallest QR module, in millimetres, that a phone reads reliably from a
// printed page: office printers blur a module of a quarter millimetre, and cameras at arm's
// length lose it; a third of a millimetre is the usual floor of print guidance.
const minModule = 0.33

// sealModules is the number of modules across the QR code of a sealed certificate with long
// names and places (the payload crvsctl signs; see certificates/seal): what a code's width is
// divided into. Worked out once, with a throwaway key (a signature is always as long).
var sealModules = sync.OnceValues(func() (int, error) {
	p := seal.Payload{RegistrationNumber: "B-2026-CR010102-000001", Event: "birth", EventDate: "2026-12-31",
		EventPlace: strings.Repeat("Place ", 7), GivenNames: strings.Repeat("Given ", 7), FamilyName: strings.Repeat("Family ", 4),
		CertificateSerial: "XXXXXXXXXXXXXXXX", IssueDate: "2026-12-31"}
	text, err := seal.Seal(p, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), "KEY-ID-0001")
	if err != nil {
		return 0, err
	}
	return pdf.QRModules(text, "")
})

// placement checks that an element of a certificate (number i, from 1) lies on its page, and
// that a QR code is large enough to be read once printed.
func (c *checker) placement(cert certificate, name string, i int, e certElement, pos diag.Pos) {
	if e.Watermark != "" {
		return // laid across the page by the renderer
	}
	pw, ph, ok := pdf.PageSize(cert.Page.Size).Millimetres(cert.Page.Orientation == "landscape")
	if !ok {
		return // reported by the schema
	}
	page := fmt.Sprintf("the page (%s %s, %s × %s mm)", or(cert.Page.Size, "A4"), or(cert.Page.Orientation, "portrait"), mmText(pw), mmText(ph))
	h := e.Height
	switch {
	case e.QR:
		h = e.Width
	case e.Image == "":
		h = e.Size * 25.4 / 72 // a line of text, at least
		if h == 0 {
			h = 10 * 25.4 / 72
		}
	}
	switch {
	case e.X < 0 || e.Y < 0 || e.X >= pw || e.Y >= ph:
		c.l.Errorf(pos, CodePlacement, "x and y are millimetres from the page's top-left corner",
			"certificate %s: element %d starts outside the page, at x %s mm, y %s mm of %s", name, i, mmText(e.X), mmText(e.Y), page)
	case e.X+e.Width > pw+0.05:
		c.l.Errorf(pos, CodePlacement, fmt.Sprintf("make it at most %s mm wide, or move it left", mmText(pw-e.X)),
			"certificate %s: element %d runs off the page's right edge: x %s + width %s = %s mm, on %s", name, i, mmText(e.X), mmText(e.Width), mmText(e.X+e.Width), page)
	case e.Y+h > ph+0.05:
		c.l.Errorf(pos, CodePlacement, "move it up, or make it smaller",
			"certificate %s: element %d runs off the page's bottom edge: y %s + height %s = %s mm, on %s", name, i, mmText(e.Y), mmText(h), mmText(e.Y+h), page)
	}
	if e.QR && e.Width > 0 {
		n, err := sealModules()
		if err != nil {
			return
		}
		if module := e.Width / float64(n); module < minModule {
			c.l.Errorf(pos, CodePlacement, fmt.Sprintf("make it at least %s mm wide", mmText(math.Ceil(minModule*float64(n)))),
				"certificate %s: the QR code is %s mm wide, so each of the %d modules across a sealed certificate's code is %.2f mm: under %.2f mm a phone may not read it once printed",
				name, mmText(e.Width), n, module, minModule)
		}
	}
}

// mmText writes a length in millimetres without needless decimals.
func mmText(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
}
