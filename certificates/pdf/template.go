package pdf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Template is the layout of a one-page certificate: the page, its background, the fonts and the
// elements placed on it. Lengths are in millimetres from the page's top-left corner; font sizes
// are in points. The caller resolves everything a country package says about a certificate
// (record fields, translations, dates written out, conditions) into Values: a template only
// places texts it is given.
type Template struct {
	Page      PageSize // A4 (the default), A5 or Letter
	Landscape bool

	// Background is drawn over the whole page, under everything: a PNG or JPEG of the country's
	// security artwork. A PDF background is not supported (it needs a PDF reader to import its
	// page); export the artwork as an image at 150 to 300 dpi.
	Background []byte

	// Fonts by name, for elements to name. The Go fonts (golang.org/x/image/font/gofont) are
	// always there as DefaultFont, and every other font falls back to them for the characters
	// it lacks (digits and Latin letters in an Ethiopic font, say).
	Fonts map[string]Font

	// Elements in drawing order: a later one is drawn over an earlier one. A watermark first
	// is under the content, last over it.
	Elements []Element

	// Lang is the document's main language (a BCP 47 tag), for screen readers; optional.
	Lang string
}

// DefaultFont names the Go fonts: an element with no font prints in them.
const DefaultFont = "go"

// Font is a TrueType font family: .ttf files with TrueType (glyf) outlines.
type Font struct {
	Regular []byte
	// Bold is optional: without it, bold text is the regular drawn with a thin outline.
	Bold []byte
	// Fallback names the font printing the characters this one lacks; DefaultFont when empty.
	Fallback string
}

// PageSize names a paper size.
type PageSize string

// The paper sizes.
const (
	A4     PageSize = "A4"
	A5     PageSize = "A5"
	Letter PageSize = "Letter"
)

// Millimetres is the width and height of a page of this size in millimetres, landscape or
// portrait; ok is false for a size crvsctl does not know.
func (p PageSize) Millimetres(landscape bool) (w, h float64, ok bool) {
	w, h, ok = p.mm()
	if landscape {
		w, h = h, w
	}
	return w, h, ok
}

// mm returns the width and height of a portrait page in millimetres.
func (p PageSize) mm() (w, h float64, ok bool) {
	switch p {
	case A4, "":
		return 210, 297, true
	case A5:
		return 148, 210, true
	case Letter:
		return 215.9, 279.4, true
	}
	return 0, 0, false
}

// Kind is what an element draws.
type Kind string

// The kinds of element.
const (
	// Text is a text box: the text wraps within W at spaces (a run of spaces prints as one, a
	// no-break space does not break, a line break breaks), lines of Size×LineHeight, aligned.
	Text Kind = "text"
	// Image draws a PNG or JPEG in the box X, Y, W, H; H 0 keeps the image's proportions.
	Image Kind = "image"
	// QR draws the text given as a QR code, a square of side W at X, Y, the four-module white
	// margin the standard asks for included.
	QR Kind = "qr"
	// Watermark draws its text large and light across the page, along the diagonal from the
	// bottom-left corner unless Angle says otherwise, centred on the page.
	Watermark Kind = "watermark"
)

// Align is how the lines of a text box are aligned.
type Align string

// The alignments.
const (
	Left   Align = "left"
	Center Align = "center"
	Right  Align = "right"
)

// Element is one thing placed on the page.
type Element struct {
	// ID names the element for Values; elements without one print their Text as it is.
	ID   string
	Kind Kind
	X, Y float64 // the top-left corner, mm
	W, H float64 // mm; see each Kind

	// Text is printed when Values give no text for the element (a label, a fixed title). For
	// a QR code it is the payload.
	Text string

	// Text and watermark.
	Font       string  // a name in Template.Fonts; DefaultFont when empty
	Size       float64 // points; 10 by default (a watermark fits the page's diagonal by default)
	Bold       bool
	Align      Align   // Left by default
	LineHeight float64 // times Size; 1.25 by default
	Color      string  // #rrggbb; black by default, grey for a watermark
	// Shrink lessens the size, down to half, until the text fits in H (a long name in a box).
	Shrink bool

	// Image: PNG or JPEG.
	Image []byte

	// QR: the error correction level, L, M (the default), Q or H.
	Level string

	// Watermark: its opacity, 0.15 by default, and its angle in degrees, counter-clockwise.
	Opacity float64
	Angle   float64
}

// Values are what one certificate prints.
type Values struct {
	// Text by element ID: the text of a text box or watermark, the payload of a QR code. An
	// element whose ID is not here prints its own Text.
	Text map[string]string
	// Hide lists the elements not drawn on this certificate: those whose condition is false, the
	// watermark on a first print.
	Hide map[string]bool
}

// text returns what element e prints, and whether it is drawn at all.
func (v Values) text(e *Element) (string, bool) {
	if e.ID != "" && v.Hide[e.ID] {
		return "", false
	}
	if t, ok := v.Text[e.ID]; ok && e.ID != "" {
		return t, true
	}
	return e.Text, true
}

type rgb [3]float64

func parseColor(s string) (rgb, error) {
	h, ok := strings.CutPrefix(s, "#")
	if !ok || (len(h) != 6 && len(h) != 3) {
		return rgb{}, fmt.Errorf("colour %q: write it #rrggbb", s)
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("colour %q: write it #rrggbb", s)
	}
	return rgb{float64(v>>16) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255}, nil
}

// check returns every mistake of an element's geometry and options, not those of its font or
// image, which loading finds.
func (e *Element) check(pageW, pageH float64) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, v := range []float64{e.X, e.Y, e.W, e.H, e.Size, e.LineHeight, e.Opacity, e.Angle} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad("a length or size is not a number")
			return errs
		}
	}
	if e.X < 0 || e.Y < 0 || e.X > pageW || e.Y > pageH {
		bad("x %g, y %g mm: off the %g×%g mm page", e.X, e.Y, pageW, pageH)
	}
	if e.W < 0 || e.H < 0 || e.Size < 0 || e.LineHeight < 0 {
		bad("a negative width, height, size or line height")
	}
	switch e.Kind {
	case Text:
		if e.W <= 0 {
			bad("a text box needs a width (w) to wrap its text in")
		}
		if e.Shrink && e.H <= 0 {
			bad("shrink needs a height (h) to fit the text in")
		}
		switch e.Align {
		case "", Left, Center, Right:
		default:
			bad("align %q: left, center or right", e.Align)
		}
	case Image:
		if e.W <= 0 {
			bad("an image needs a width (w)")
		}
		if len(e.Image) == 0 {
			bad("an image element without an image")
		}
	case QR:
		if e.W <= 0 {
			bad("a QR code needs a size (w)")
		}
		if _, err := qrLevel(e.Level); err != nil {
			errs = append(errs, err)
		}
	case Watermark:
		if e.Opacity < 0 || e.Opacity > 1 {
			bad("opacity %g: between 0 and 1", e.Opacity)
		}
	default:
		bad("kind %q: text, image, qr or watermark", e.Kind)
	}
	if e.Color != "" {
		if _, err := parseColor(e.Color); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
