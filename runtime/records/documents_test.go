package records

import (
	"path"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
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
		{"private\ue000use\U000f0001.pdf", "application/pdf", "privateuse.pdf"},
		{"unassigned\u0378\ufdd0.pdf", "application/pdf", "unassigned.pdf"},
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
			case !textOK(got):
				_, bad, _ := rules.CleanText(got, rules.TextLine)
				t.Fatalf("%q (%s): %q holds U+%04X, which a text answer may not", name, typ, got, bad)
			case !slices.Contains(documentTypes[typ], path.Ext(got)) || len(got) == len(path.Ext(got)):
				t.Fatalf("%q (%s): %q does not end in a name and an extension of its type", name, typ, got)
			}
			if again := CleanName(got, typ); again != got {
				t.Fatalf("%q (%s): cleaned %q, cleaned again %q", name, typ, got, again)
			}
		}
	})
}

// bare is a user who has uploaded nothing (e.actor uploads the fixture's files).
func (e *env) bare(username string) *Actor {
	e.t.Helper()
	a, ok := e.m.ActorFor(username)
	if !ok {
		e.t.Fatalf("no user %s", username)
	}
	return a
}

// uploadAs saves a file of its own (a PDF whose bytes say what) as the user's, and returns
// its answer to attach.
func (e *env) uploadAs(a *Actor, kind, what string) map[string]any {
	e.t.Helper()
	d, _, err := e.svc.SaveDocument(e.ctx, a, what+".pdf", []byte(pdfMagic+"% "+what+"\n"))
	if err != nil {
		e.t.Fatalf("upload %s as %s: %v", what, a.User.Username, err)
	}
	return map[string]any{"type": kind, "file": d.ID}
}

func fileOf(t testing.TB, ans any) string {
	t.Helper()
	m, ok := ans.(map[string]any)
	if !ok {
		t.Fatalf("not a document answer: %v", ans)
	}
	return m["file"].(string)
}

// A declaration attaches the documents its user uploaded, or those of records the user may
// read; any other id is refused where it is, whether it names nothing or someone else's file.
func TestDeclareChecksDocuments(t *testing.T) {
	e := newEnv(t)
	marta := e.actor("marta.oyelund") // hospital clerk, HF001; has uploaded the fixture's files
	r := e.declare(marta, "birth", completeData("birth"))
	d := completeData("birth")
	var want []string
	for _, f := range []string{"documents.birthNotification", "documents.motherId", "documents.fatherId", "documents.marriageCertificate"} {
		want = append(want, fileOf(t, d[f]))
	}
	slices.Sort(want)
	if !slices.Equal(r.Documents, want) || !slices.Equal(e.get(r.ID).Documents, want) {
		t.Errorf("documents %v, want %v", r.Documents, want)
	}

	// selin (hospital clerk, HF002) has uploaded none of them, and reads none of HF001's
	// records: each answer is refused.
	selin := e.bare("selin.abravan")
	before := e.count("birth")
	_, _, err := e.svc.Declare(e.ctx, selin, Declaration{Event: "birth", Data: mustJSON(t, completeData("birth"))})
	re := refusal(t, err, Invalid)
	if !slices.Equal(paths(re), []string{"/data/documents.birthNotification", "/data/documents.fatherId", "/data/documents.marriageCertificate", "/data/documents.motherId"}) {
		t.Errorf("paths %v", paths(re))
	}
	for _, det := range re.Details {
		if det.Code != "unknown-document" {
			t.Errorf("%s: code %s", det.Path, det.Code)
		}
	}

	// A file uploaded by nobody, one by someone else, and a hidden answer (dropped unread).
	lidya := e.bare("lidya.verhane") // local registrar, CR0101: reads HF001's records
	lidya2 := e.uploadAs(lidya, "national-id", "lidya's scan")
	martas := e.uploadAs(marta, "national-id", "marta's own scan")
	nobody := map[string]any{"type": "national-id", "file": "sha256:" + strings.Repeat("0", 64)}
	for _, c := range []struct {
		name   string
		by     *Actor
		answer map[string]any
		ok     bool
	}{
		{"a file of nobody", lidya, nobody, false},
		{"marta's file, in no record", lidya, martas, false},
		{"lidya's own file", lidya, lidya2, true},
	} {
		d := completeData("birth")
		for _, f := range []string{"documents.birthNotification", "documents.fatherId", "documents.marriageCertificate"} {
			d[f] = lidya2
		}
		d["documents.motherId"] = c.answer
		_, _, err := e.svc.Declare(e.ctx, c.by, Declaration{Event: "birth", Data: mustJSON(t, d)})
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok {
			if re := refusal(t, err, Invalid); !slices.Equal(paths(re), []string{"/data/documents.motherId"}) {
				t.Errorf("%s: paths %v", c.name, paths(re))
			}
		}
	}
	// Once a record lidya may read attaches marta's file, lidya may attach it too; selin,
	// who reads no record of HF001, still may not.
	d = completeData("birth")
	d["documents.motherId"] = martas
	e.declare(marta, "birth", d)
	for _, c := range []struct {
		by *Actor
		ok bool
	}{{lidya, true}, {selin, false}} {
		d := completeData("birth")
		for _, f := range []string{"documents.birthNotification", "documents.fatherId", "documents.marriageCertificate"} {
			d[f] = e.uploadAs(c.by, "proof", c.by.User.Username+" "+f)
		}
		d["documents.motherId"] = martas
		_, _, err := e.svc.Declare(e.ctx, c.by, Declaration{Event: "birth", Data: mustJSON(t, d)})
		if (err == nil) != c.ok {
			t.Errorf("%s attaches marta's file of a record of HF001: %v", c.by.User.Username, err)
		}
	}
	if n := e.count("birth"); n != before+3 {
		t.Errorf("%d records stored, want %d", n, before+3)
	}

	// An answer the rules hide is dropped before any document is looked for.
	d = completeData("birth")
	d["mother.maritalStatus"] = "single"
	delete(d, "mother.marriageDate")
	d["documents.marriageCertificate"] = nobody
	r = e.declare(marta, "birth", d)
	if _, kept := dataOf(t, r)["documents.marriageCertificate"]; kept || slices.Contains(r.Documents, fileOf(t, nobody)) {
		t.Errorf("a hidden document answer kept: %v", r.Documents)
	}
}

// An edit attaches what its user may attach; the documents a record has already cost nothing
// and need not be the editor's; a correction's new document is readable by who decides it.
func TestEditsCheckDocuments(t *testing.T) {
	e := newEnv(t)
	marta := e.actor("marta.oyelund")
	lidya := e.bare("lidya.verhane") // uploaded none of the record's files
	r := e.declare(marta, "birth", completeData("birth"))
	old := fileOf(t, completeData("birth")["documents.motherId"])

	// An edit of another field keeps marta's documents: no check, no refusal.
	r = e.act(lidya, r, "validate", map[string]any{"child.weight": 3.3})
	// A document lidya never uploaded is refused; one she did is attached, and the record
	// keeps both the old and the new.
	_, err := e.svc.Act(e.ctx, lidya, r.ID, ActionRequest{Action: "register", Version: r.Version,
		Data: mustJSON(t, map[string]any{"documents.motherId": map[string]any{"type": "national-id", "file": store.DocumentID([]byte("x"))}})})
	refusal(t, err, BadRequest) // register edits nothing: refused before any document is read
	r2 := e.recordIn("birth", "HF001", declared)
	_, err = e.svc.Act(e.ctx, lidya, r2.ID, ActionRequest{Action: "validate", Version: r2.Version,
		Data: mustJSON(t, map[string]any{"documents.motherId": map[string]any{"type": "national-id", "file": store.DocumentID([]byte("x"))}})})
	if re := refusal(t, err, Invalid); !slices.Equal(paths(re), []string{"/data/documents.motherId"}) || re.Details[0].Code != "unknown-document" {
		t.Errorf("validate with a document never uploaded: %v", re)
	}
	scan := e.uploadAs(lidya, "national-id", "a better scan")
	r2 = e.act(lidya, r2, "validate", map[string]any{"documents.motherId": scan})
	if !slices.Contains(r2.Documents, old) || !slices.Contains(r2.Documents, fileOf(t, scan)) {
		t.Errorf("documents after the edit: %v", r2.Documents)
	}

	// A correction proposes a new document; the district registrar, who uploaded nothing,
	// reads it before deciding, and approving it attaches it.
	r = e.act(lidya, r, "register", nil)
	fix := e.uploadAs(lidya, "national-id", "the corrected card")
	r = e.act(lidya, r, "request-correction", map[string]any{"documents.motherId": fix})
	fenna := e.bare("fenna.albrecq") // district registrar, CR0101
	if _, err := e.svc.Document(e.ctx, fenna, fileOf(t, fix)); err != nil {
		t.Errorf("the district registrar reads the proposed document: %v", err)
	}
	r = e.act(fenna, r, "approve-correction", nil)
	if got := fileOf(t, dataOf(t, r)["documents.motherId"]); got != fileOf(t, fix) {
		t.Errorf("after the approval, mother's id is %s", got)
	}
	// Who cannot read the record cannot read its documents.
	if _, err := e.svc.Document(e.ctx, e.bare("saba.rinaldor"), fileOf(t, fix)); outcomeOf(err) != notFound {
		t.Errorf("saba (CR0203) reads a document of a record of HF001: %v", err)
	}
}

// textOK tells whether a text is one the rules take as one line of text.
func textOK(s string) bool {
	_, _, ok := rules.CleanText(s, rules.TextLine)
	return ok
}
