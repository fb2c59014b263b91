// Package pdf prints certificates: it lays out a one-page Template — a background, text boxes,
// images, a QR code, a watermark — with the texts of each certificate (Values), and writes PDF.
//
// The caller resolves everything else: record fields, translations, dates written out,
// conditions (an element hidden). A Renderer is made once per template: it reads the fonts and
// images then, so that a certificate costs only its layout, a QR code, and font subsets of the
// glyphs it prints. Render writes one certificate, RenderBatch a print queue into one PDF.
//
// # Why not fpdf
//
// codeberg.org/go-pdf/fpdf v0.12.0 was measured first. Through its API every document pays
// for each UTF-8 font what no cache can spare: AddUTF8FontFromBytes parses the font and hashes
// its definition as JSON, a 65,536-entry width table (def.go, generateFontID); writing it builds
// a 128 KB CID-to-glyph map and compresses it and the subset with a new zlib writer each. A
// certificate in two fonts (regular and bold) took 9.5 ms, 159 a second on both cores, half the
// 300 asked for, before any image or QR code; its parsed fonts cannot be shared between
// documents (they are unexported and changed while writing). So this package writes PDF itself,
// which a certificate needs little of: Type 0 fonts with Identity-H glyph numbers, TrueType
// subsets and ToUnicode maps (text is searchable and copies as written), PNG and JPEG images,
// rectangles, transparency. Fonts are parsed once; a subset keeps glyph numbers, so it is cut
// without parsing; the output is deterministic (the same certificate is the same bytes).
//
// # Scripts
//
// Text in the scripts that print one glyph a character left to right (Latin, Greek, Cyrillic,
// Ethiopic, Han...) is placed straight from the font's character map. Any other text — Arabic,
// Hebrew, Bengali, Devanagari and the Indic scripts, Thai, marks left uncomposed — is shaped
// with the HarfBuzz port of github.com/go-text/typesetting: ordered by the Unicode
// Bidirectional Algorithm, shaped run by run with the font's OpenType tables, wrapped at UAX #14
// break opportunities, and placed glyph by glyph, its text kept for copying and searching
// (ToUnicode, ActualText); see shaping.go. Script, Language and CheckText say what cannot print
// (scripts written in vertical lines); Cmap.Missing and Renderer.Missing say what a font lacks.
// Render refuses text it cannot print correctly (a TextError) rather than print a garbled
// certificate.
package pdf
