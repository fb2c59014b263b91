package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// documentsDir holds the files testdata/birth.json attaches.
const documentsDir = "../testdata/documents"

// testDocument reads a file of documentsDir.
func testDocument(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(documentsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// documentView is what an upload answers.
type documentView struct {
	ID, Type, Name string
	Size           int64
}

// upload posts a file's bytes as a document of the session's user.
func (s *session) upload(t testing.TB, data []byte, contentType, name string) answer {
	t.Helper()
	return s.must(t, "POST", "/api/v1/documents?name="+url.QueryEscape(name), data, "Content-Type", contentType)
}

// uploadDocuments uploads every file of documentsDir as the session's user, as a client does
// before it declares testdata/birth.json (whose document answers name them).
func (s *session) uploadDocuments(t testing.TB) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(documentsDir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no documents in %s: %v", documentsDir, err)
	}
	for _, f := range files {
		a := s.upload(t, testDocument(t, filepath.Base(f)), "application/octet-stream", filepath.Base(f))
		if a.Status != http.StatusCreated && a.Status != http.StatusOK {
			t.Fatalf("upload of %s as %s: %s", f, s.user, a)
		}
	}
}

func contentAddress(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestDocuments: a document is stored once per content, answered to its uploader, and to the
// users who may read a record that references it; to anyone else it does not exist.
func TestDocuments(t *testing.T) {
	base, log := inProcess(t)
	lidya := login(t, base, "lidya.verhane")    // local registrar, CR0101 (area NV0101)
	saba := login(t, base, "saba.rinaldor")     // local registrar, CR0203: another district
	marta := login(t, base, "marta.oyelund")    // hospital clerk, HF001: her office only
	elsa := login(t, base, "elsa.marunde")      // certificate clerk, CR0101: reads its area's births
	national := login(t, base, "ilena.marvosa") // national registrar: reads every record

	pdf := testDocument(t, "birth-notification.pdf")
	id := contentAddress(pdf)
	a := lidya.upload(t, pdf, "application/pdf", "Notification (Ama).pdf")
	var d documentView
	a.decode(t, &d)
	if a.Status != http.StatusCreated || d != (documentView{id, "application/pdf", "Notification (Ama).pdf", int64(len(pdf))}) {
		t.Fatalf("upload: %s", a)
	}
	if loc := a.Header.Get("Location"); loc != "/api/v1/documents/"+id {
		t.Errorf("Location %q", loc)
	}
	// The same file again is the same document, uploaded before: 200 with the first name.
	again := lidya.upload(t, pdf, "application/pdf", "again.pdf")
	var d2 documentView
	again.decode(t, &d2)
	if again.Status != http.StatusOK || d2 != d {
		t.Errorf("the same file again: %s", again)
	}

	// The uploader reads it back, as an attachment that no browser runs.
	get := lidya.expect(t, http.StatusOK, "GET", "/api/v1/documents/"+id, nil)
	if !bytes.Equal(get.Body, pdf) {
		t.Errorf("read back %d bytes, not the %d uploaded", len(get.Body), len(pdf))
	}
	for h, want := range map[string]string{
		"Content-Type":            "application/pdf",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"Cache-Control":           "private, no-store",
		"ETag":                    `"` + id + `"`,
	} {
		if got := get.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if disp, params, err := mime.ParseMediaType(get.Header.Get("Content-Disposition")); err != nil || disp != "attachment" || params["filename"] != "Notification (Ama).pdf" {
		t.Errorf("Content-Disposition %q", get.Header.Get("Content-Disposition"))
	}
	if a := lidya.must(t, "GET", "/api/v1/documents/"+id, nil, "If-None-Match", `"`+id+`"`); a.Status != http.StatusNotModified {
		t.Errorf("If-None-Match with its ETag: %s", a)
	}

	// Nobody else reads it while no record references it, whatever their reach; and an id of
	// nothing, or no id at all, is answered the same.
	for _, s := range []*session{national, elsa, saba, marta} {
		if a := s.must(t, "GET", "/api/v1/documents/"+id, nil); a.Status != http.StatusNotFound || !contains(a.errorCodes(), "not-found") {
			t.Errorf("%s reads lidya's document before any record references it: %s", s.user, a)
		}
	}
	for _, other := range []string{contentAddress([]byte("nothing")), "sha256:" + strings.Repeat("g", 64), "..%2F..%2Fetc%2Fpasswd", strings.ToUpper(id)} {
		if a := lidya.must(t, "GET", "/api/v1/documents/"+other, nil); a.Status != http.StatusNotFound || !contains(a.errorCodes(), "not-found") {
			t.Errorf("GET /api/v1/documents/%s: %s", other, a)
		}
	}

	// A record that references it: who may read the record may read the document.
	lidya.uploadDocuments(t)
	var data map[string]any
	json.Unmarshal(birthJSON(t), &data)
	data["documents.birthNotification"] = map[string]any{"type": "birth-notification", "file": id}
	var r record
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", declaration(mustMarshal(t, data))).decode(t, &r)
	for _, c := range []struct {
		s    *session
		want int
	}{{national, 200}, {elsa, 200}, {saba, 404}, {marta, 404}} {
		a := c.s.must(t, "GET", "/api/v1/documents/"+id, nil)
		if a.Status != c.want {
			t.Errorf("%s reads the document of record %s: want %d, got %s", c.s.user, r.ID, c.want, a)
		}
		if a.Status == http.StatusOK && !bytes.Equal(a.Body, pdf) {
			t.Errorf("%s reads %d bytes", c.s.user, len(a.Body))
		}
		// Reading the document and reading the record go together.
		if rec := c.s.must(t, "GET", "/api/v1/records/"+r.ID, nil); rec.Status != c.want {
			t.Errorf("%s reads the document (%d) and the record (%d) differently", c.s.user, a.Status, rec.Status)
		}
	}

	// The same bytes from another user: one more upload of the same document, which saba
	// then reads as hers, under her name.
	a = saba.upload(t, pdf, "application/pdf", "saba.pdf")
	a.decode(t, &d)
	if a.Status != http.StatusCreated || d.ID != id || d.Name != "saba.pdf" {
		t.Errorf("saba uploads the same file: %s", a)
	}
	get = saba.expect(t, http.StatusOK, "GET", "/api/v1/documents/"+id, nil)
	if _, params, _ := mime.ParseMediaType(get.Header.Get("Content-Disposition")); params["filename"] != "saba.pdf" {
		t.Errorf("saba's Content-Disposition %q", get.Header.Get("Content-Disposition"))
	}

	if strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%s", log)
	}
}

func mustMarshal(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDocumentBadInput sends what a careless or hostile client would as a document: each is
// refused with the status the API documents, or kept as what its content is.
func TestDocumentBadInput(t *testing.T) {
	base, log := inProcess(t)
	lidya := login(t, base, "lidya.verhane")
	elsa := login(t, base, "elsa.marunde") // certificate clerk: prints, declares nothing
	pdf := testDocument(t, "birth-notification.pdf")
	png := testDocument(t, "national-id.png")

	for _, c := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"empty", "application/pdf", "", 400, "empty"},
		{"a GIF", "image/gif", "GIF89a\x01\x00\x01\x00\x80\x00\x00", 415, "unsupported-type"},
		{"HTML declared as a PDF", "application/pdf", "<!DOCTYPE html><script>alert(document.cookie)</script>", 415, "unsupported-type"},
		{"an SVG declared as a PNG", "image/png", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, 415, "unsupported-type"},
		{"text", "text/plain", "a birth notification, typed", 415, "unsupported-type"},
		{"a PDF after junk", "application/pdf", "junk" + string(pdf), 415, "unsupported-type"},
		{"a ZIP", "application/zip", "PK\x03\x04\x14\x00", 415, "unsupported-type"},
		{"a form", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n" + string(pdf) + "\r\n--x--\r\n", 415, "unsupported-type"},
		{"a URL-encoded form", "application/x-www-form-urlencoded", "file=" + url.QueryEscape(string(pdf)), 415, "unsupported-type"},
	} {
		a := lidya.upload(t, []byte(c.body), c.contentType, "x.pdf")
		if a.Status != c.status || !contains(a.errorCodes(), c.code) {
			t.Errorf("%s: want %d %s, got %s", c.name, c.status, c.code, a)
		}
	}

	// What the content is decides the type, and the name's extension follows it.
	for _, c := range []struct {
		name, contentType, fileName string
		body                        []byte
		wantType, wantName          string
	}{
		{"a PDF declared as a PNG", "image/png", "scan.png", pdf, "application/pdf", "scan.png.pdf"},
		{"a PNG declared as a JPEG", "image/jpeg", "id.jpg", png, "image/png", "id.jpg.png"},
		{"no Content-Type", "", "", png, "image/png", "document.png"},
		{"a path as the name", "application/pdf", "../../etc/passwd", pdf, "application/pdf", "passwd.pdf"},
		{"a name with quotes and accents", "application/pdf", `l'acte "Amélie" ሀ.pdf`, pdf, "application/pdf", `l'acte "Amélie" ሀ.pdf`},
		{"a right-to-left override", "application/pdf", "scan\u202efdp.exe", pdf, "application/pdf", "scanfdp.exe.pdf"},
	} {
		// Bytes of its own, each: the same bytes again would be the upload made first.
		c.body = append(slices.Clip(c.body), "\n% "+c.name...)
		a := lidya.upload(t, c.body, c.contentType, c.fileName)
		var d documentView
		a.decode(t, &d)
		if (a.Status != http.StatusCreated && a.Status != http.StatusOK) || d.Type != c.wantType || d.Name != c.wantName || d.ID != contentAddress(c.body) {
			t.Errorf("%s: want %s named %q, got %s", c.name, c.wantType, c.wantName, a)
			continue
		}
		get := lidya.expect(t, http.StatusOK, "GET", "/api/v1/documents/"+d.ID, nil)
		if _, params, err := mime.ParseMediaType(get.Header.Get("Content-Disposition")); err != nil || params["filename"] != d.Name {
			t.Errorf("%s: Content-Disposition %q for %q", c.name, get.Header.Get("Content-Disposition"), d.Name)
		}
	}

	// Size: up to store.MaxDocumentSize, and not a byte more, whether the client says its
	// length (refused before the body is read) or sends it in chunks (refused once the limit
	// is passed).
	largest := make([]byte, store.MaxDocumentSize)
	copy(largest, pdf)
	if a := lidya.upload(t, largest, "application/pdf", "large.pdf"); a.Status != http.StatusCreated {
		t.Errorf("a document of exactly %d bytes: %s", len(largest), a)
	}
	over := append(largest, '\n')
	if a := lidya.upload(t, over, "application/pdf", "larger.pdf"); a.Status != http.StatusRequestEntityTooLarge || !contains(a.errorCodes(), "too-large") {
		t.Errorf("a document of %d bytes, its length given: %s", len(over), a)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/documents", io.MultiReader(bytes.NewReader(over))) // no length: chunked
	req.Header.Set("Authorization", "Bearer "+lidya.token)
	req.Header.Set("Content-Type", "application/pdf")
	if res, err := httpClient.Do(req); err != nil {
		t.Errorf("a chunked document of %d bytes: %v", len(over), err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if a := (answer{res.StatusCode, res.Header, b}); a.Status != http.StatusRequestEntityTooLarge || !contains(a.errorCodes(), "too-large") {
			t.Errorf("a chunked document of %d bytes: %s", len(over), a)
		}
	}

	// Who may upload: a logged-in user whose role declares or edits records; a browser only
	// with its session's CSRF token.
	if a := elsa.upload(t, pdf, "application/pdf", "x.pdf"); a.Status != http.StatusForbidden || !contains(a.errorCodes(), "forbidden") {
		t.Errorf("a certificate clerk uploads: %s", a)
	}
	anon := &session{base: base}
	if a := anon.upload(t, pdf, "application/pdf", "x.pdf"); a.Status != http.StatusUnauthorized {
		t.Errorf("no token: %s", a)
	}
	if a := anon.must(t, "GET", "/api/v1/documents/"+contentAddress(pdf), nil); a.Status != http.StatusUnauthorized {
		t.Errorf("GET without a token: %s", a)
	}
	cookie := sessionCookie(t, base, "lidya.verhane")
	for _, csrf := range []string{"", cookie.csrf} {
		req, _ := http.NewRequest("POST", base+"/api/v1/documents?name=c.pdf", bytes.NewReader(pdf))
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie.token})
		req.Header.Set("Content-Type", "application/pdf")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		want := http.StatusCreated
		if csrf == "" {
			want = http.StatusForbidden
		}
		if res.StatusCode != want {
			t.Errorf("cookie, X-CSRF-Token %q: want %d, got %d", csrf, want, res.StatusCode)
		}
	}

	if strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%s", log)
	}
}
