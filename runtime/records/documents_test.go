package records

import (
	"path"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Magic numbers of files, for contents of each type.
const (
	pdfMagic  = "%PDF-1.4\n"
	pngMagic  = "\x89PNG\r\n\x1a\n"
	jpegMagic = "\xff\xd8\xff\xe0\x00\x10JFIF\x00"
)

func TestSniffDocument(t *testing.T) {
	for _, c := range []struct {
		name, content, want string
	}{
		{"a PDF", pdfMagic + "1 0 obj", "application/pdf"},
		{"a PNG", pngMagic + "\x00\x00\x00\rIHDR", "image/png"},
		{"a JPEG", jpegMagic, "image/jpeg"},
		{"a GIF", "GIF89a\x01\x00\x01\x00", ""},
		{"HTML", "<!DOCTYPE html><script>alert(1)</script>", ""},
		{"HTML after white space", "  \n<html><body>", ""},
		{"text", "just some words", ""},
		{"a PDF after junk", "junk" + pdfMagic, ""},
		{"a ZIP", "PK\x03\x04", ""},
		{"a Word file", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ""},
		{"an SVG", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, ""},
		{"nothing", "", ""},
	} {
		if got := SniffDocument([]byte(c.content)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for _, c := range []struct {
		name, typ, want string
	}{
		{"scan.pdf", "application/pdf", "scan.pdf"},
		{"Scan.PDF", "application/pdf", "Scan.pdf"},
		{"photo.jpeg", "image/jpeg", "photo.jpeg"},
		{"photo.JPG", "image/jpeg", "photo.jpg"},
		{"notification de naissance – Ama.pdf", "application/pdf", "notification de naissance – Ama.pdf"},
		{"የልደት ማስታወቂያ.pdf", "application/pdf", "የልደት ማስታወቂያ.pdf"},
		// The extension follows the content.
		{"photo.png", "image/jpeg", "photo.png.jpg"},
		{"page.html", "application/pdf", "page.html.pdf"},
		{"notes", "image/png", "notes.png"},
		{"archive.tar.gz", "application/pdf", "archive.tar.gz.pdf"},
		// Paths are dropped, of either kind.
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{`C:\Users\amina\Desktop\id card.png`, "image/png", "id card.png"},
		{"/", "application/pdf", "document.pdf"},
		// Hidden files, trailing dots and spaces, nothing left.
		{".htaccess", "application/pdf", "htaccess.pdf"},
		{"scan.pdf. . ", "application/pdf", "scan.pdf"},
		{"", "application/pdf", "document.pdf"},
		{"...", "image/png", "document.png"},
		{".pdf", "application/pdf", "pdf.pdf"},
		// Control and formatting characters, invalid UTF-8.
		{"a\x00b\r\nc.pdf", "application/pdf", "abc.pdf"},
		{"invoice\u202efdp.exe", "application/pdf", "invoicefdp.exe.pdf"},
		{"zero\u200bwidth.pdf", "application/pdf", "zerowidth.pdf"},
		{"bad\xff\xfeutf8.pdf", "application/pdf", "badutf8.pdf"},
		{"tab\there.pdf", "application/pdf", "tabhere.pdf"},
		{"no\u00a0break.pdf", "application/pdf", "no break.pdf"},
	} {
		if got := CleanName(c.name, c.typ); got != c.want {
			t.Errorf("CleanName(%q, %s) = %q, want %q", c.name, c.typ, got, c.want)
		}
	}
	// A long name is cut to maxNameBytes, on a character, keeping its extension.
	long := CleanName(strings.Repeat("ሀ", 300)+".pdf", "application/pdf")
	if len(long) > maxNameBytes || !utf8.ValidString(long) || !strings.HasSuffix(long, "ሀ.pdf") {
		t.Errorf("a long name: %d bytes, %q", len(long), long)
	}
}

// FuzzCleanName: whatever a client sends as a name, the name kept is short, valid UTF-8,
// without a path, a control or formatting character or a leading dot, and ends in an
// extension of the content's type.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"scan.pdf", "../x.html", `a\b.png`, "\u202e.pdf", "...", "", strings.Repeat("é", 150) + ".jpeg", "x.PDF", ".", "a/"} {
		f.Add(s)
	}
	types := DocumentTypes()
	f.Fuzz(func(t *testing.T, name string) {
		for _, typ := range types {
			got := CleanName(name, typ)
			switch {
			case len(got) > maxNameBytes:
				t.Fatalf("%q (%s): %d bytes", name, typ, len(got))
			case !utf8.ValidString(got):
				t.Fatalf("%q (%s): invalid UTF-8 %q", name, typ, got)
			case strings.ContainsAny(got, `/\`):
				t.Fatalf("%q (%s): a path %q", name, typ, got)
			case strings.HasPrefix(got, ".") || strings.HasPrefix(got, " "):
				t.Fatalf("%q (%s): %q begins with a dot or a space", name, typ, got)
			case strings.IndexFunc(got, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
				t.Fatalf("%q (%s): a control or formatting character in %q", name, typ, got)
			case !slices.Contains(documentTypes[typ], path.Ext(got)) || len(got) == len(path.Ext(got)):
				t.Fatalf("%q (%s): %q does not end in a name and an extension of its type", name, typ, got)
			}
			if again := CleanName(got, typ); again != got {
				t.Fatalf("%q (%s): cleaned %q, cleaned again %q", name, typ, got, again)
			}
		}
	})
}
