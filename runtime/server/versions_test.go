package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// nerovia2 writes the next version of nerovia into a new directory: the mother's occupation
// renamed her profession, the traditional birth attendant no longer an answer (mapped to
// "other"), a new required question with a default for the records of before, and the birth
// certificate's title changed, with the migration that moves records to it.
func nerovia2(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(nerovia)); err != nil {
		t.Fatal(err)
	}
	edit := func(name string, pairs ...string) { t.Helper(); editFile(t, dir, name, pairs...) }
	edit("country.cue", `version: "1.0.0"`, `version: "2.0.0"`)
	edit("birth.cue",
		`{id: "mother.occupation", type: "text"},`, `{id: "mother.profession", type: "text"},`,
		"\t\t\t\t\t{value: \"traditional-birth-attendant\"},\n", "",
		`{id: "child.sex", type: "select", optionList: "sex", required: true},`,
		`{id: "child.sex", type: "select", optionList: "sex", required: true},
			{id: "child.foundling", type: "yesno", required: true},`,
		"events: birth: {\n", `events: birth: {
	migration: {
		renamed: {"mother.occupation": "mother.profession"}
		options: {"child.attendant": {"traditional-birth-attendant": "other"}}
		defaults: {"child.foundling": false}
	}
`)
	edit("translations.csv",
		"birth.mother.occupation,Field label,Occupation,", "birth.mother.profession,Field label,Profession of the mother,",
		"certificate.birth.title,The title of the birth certificate,Certificate of Birth,", "certificate.birth.title,The title of the birth certificate,Extract of the Register of Births,")
	f, err := os.OpenFile(filepath.Join(dir, "translations.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("birth.child.foundling,Field label,Found abandoned,Enfant trouvé,የተገኘ ሕፃን\n")
	f.Close()
	return dir
}

// versionsStore is an embedded store for serving versions one after the other, closed when the
// test ends, and the key their certificates are sealed with.
func versionsStore(t *testing.T) (*sqlitestore.Store, *seal.PrivateKey) {
	t.Helper()
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := seal.GenerateKey("NV-TEST-1", "2020-01-01", "2099-12-31", "Nerovia")
	if err != nil {
		t.Fatal(err)
	}
	return st, key
}

// editFile replaces, in the file of dir, each first text of pairs by the text after it, each
// of which must be there.
func editFile(t testing.TB, dir, name string, pairs ...string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%s has no %q to change", name, pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// served is a server of a package over a store, kept by Admit as crvsctl serve does.
func served(t *testing.T, st store.Store, dir string, key *seal.PrivateKey) (*bundle.Bundle, string, func(), *server.Server) {
	t.Helper()
	b, diags := compiler.Build(dir)
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building %s:\n%s", dir, sb.String())
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := server.Admit(ctx, st, b, data, server.Admission{Now: time.Now()}); err != nil {
		t.Fatalf("admitting %s: %v", b.Version, err)
	}
	if _, err := server.SeedPasswords(ctx, st, b, devPassword); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Signing{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	return b, hs.URL, hs.Close, srv
}

// TestRecordsKeepTheirVersion serves version 1, declares and registers births, then serves
// version 2 (a field renamed, an option removed, a new required field, a new certificate
// title): the old records open with their own form and print version 1's certificate; a
// correction moves one to version 2 through the mapping, in its history; crvsctl migrate's
// MoveAll moves the other; a version 3 that removes a status records are in is refused.
func TestRecordsKeepTheirVersion(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	st, key := versionsStore(t)

	v1, base, stop, _ := served(t, st, nerovia, key)
	lidya := login(t, base, "lidya.verhane")
	lidya.uploadDocuments(t)
	var ids []string
	for range 2 {
		var d map[string]any
		json.Unmarshal(birthJSON(t), &d)
		d["mother.occupation"] = "Weaver"
		d["child.attendant"] = "traditional-birth-attendant"
		var r record
		lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": d}).decode(t, &r)
		lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+r.ID+"/actions/validate", map[string]any{"version": 1})
		lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+r.ID+"/actions/register", map[string]any{"version": 2}).decode(t, &r)
		if r.Number == "" {
			t.Fatalf("record %s registered without a number", r.ID)
		}
		ids = append(ids, r.ID)
	}
	stop()

	v2, base, stop, _ := served(t, st, nerovia2(t), key)
	defer stop()
	if v2.Hash == v1.Hash {
		t.Fatal("version 2 is version 1")
	}
	lidya, fenna := login(t, base, "lidya.verhane"), login(t, base, "fenna.albrecq")

	// Read with its own form: the answers of version 1, and the page's labels of version 1.
	var old struct {
		Bundle  string
		Version int64
		Data    map[string]any
	}
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+ids[0], nil).decode(t, &old)
	if old.Bundle != v1.Hash || old.Data["mother.occupation"] != "Weaver" || old.Data["child.attendant"] != "traditional-birth-attendant" {
		t.Fatalf("record of version 1 read as %s with %v", old.Bundle, old.Data)
	}
	page := webPage(t, base, "lidya.verhane", "/records/"+ids[0])
	for _, want := range []string{"Occupation", "Weaver", "version 1.0.0", "version 2.0.0"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page of a record of version 1 does not say %q", want)
		}
	}
	if strings.Contains(page, "Profession of the mother") {
		t.Error("the page of a record of version 1 shows version 2's label")
	}

	// Its form's schema, for a client editing it on its own version.
	if a := lidya.expect(t, http.StatusOK, "GET", "/api/v1/events/birth/schema?bundle="+v1.Hash, nil); !bytes.Contains(a.Body, []byte(`"mother.occupation"`)) {
		t.Error("the schema of version 1 has no mother.occupation")
	}
	if a := lidya.expect(t, http.StatusOK, "GET", "/api/v1/events/birth/schema", nil); !bytes.Contains(a.Body, []byte(`"mother.profession"`)) {
		t.Error("the current schema has no mother.profession")
	}
	lidya.expect(t, http.StatusNotFound, "GET", "/api/v1/events/birth/schema?bundle=sha256:00", nil)

	// Printed on version 1's certificate.
	a := lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[0]+"/actions/print", map[string]any{"version": old.Version, "language": "en"})
	if text := pdfText(t, a.Body); !strings.Contains(text, "Certificate of Birth") || strings.Contains(text, "Extract of the Register") {
		t.Errorf("a record of version 1 is not printed on version 1's certificate:\n%s", text)
	}

	// A correction moves it: asked for in version 2's terms, approved, in its history.
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+ids[0], nil).decode(t, &old)
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[0]+"/actions/request-correction", map[string]any{
		"version": old.Version, "comment": "the mother's profession, from her ID card", "data": map[string]any{"mother.profession": "Potter"}})
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+ids[0], nil).decode(t, &old)
	fenna.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[0]+"/assign", nil) // nerovia's corrections are decided by the registrar who holds the record
	fenna.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[0]+"/actions/approve-correction", map[string]any{"version": old.Version})
	var moved struct {
		Bundle  string
		Version int64
		Data    map[string]any
		History []struct {
			Action  string
			Details json.RawMessage
		}
	}
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+ids[0], nil).decode(t, &moved)
	if moved.Bundle != v2.Hash {
		t.Fatalf("the corrected record is at %s, not version 2 (%s)", moved.Bundle, v2.Hash)
	}
	want := map[string]any{"mother.profession": "Potter", "child.attendant": "other", "child.foundling": false}
	for k, v := range want {
		if moved.Data[k] != v {
			t.Errorf("moved record: %s = %v, want %v", k, moved.Data[k], v)
		}
	}
	if _, ok := moved.Data["mother.occupation"]; ok {
		t.Error("the moved record still answers mother.occupation")
	}
	if h := moved.History; len(h) < 2 || h[len(h)-2].Action != "request-correction" || !bytes.Contains(h[len(h)-2].Details, []byte(`"to":"2.0.0"`)) {
		t.Errorf("the move is not in the history of the action that moved it: %+v", h)
	}
	a = lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[0]+"/actions/print", map[string]any{"version": moved.Version, "language": "en"})
	if text := pdfText(t, a.Body); !strings.Contains(text, "Extract of the Register of Births") {
		t.Errorf("a record moved to version 2 is not printed on version 2's certificate:\n%s", text)
	}

	// crvsctl migrate moves the other, in an entry of its own.
	m, err := records.NewModel(v2)
	if err != nil {
		t.Fatal(err)
	}
	svc := &records.Service{Model: m, Store: st, Versions: &records.Versions{Store: st, Current: &records.Version{Model: m}}}
	n, stayed, err := svc.MoveAll(context.Background(), "", "operator")
	if err != nil || n != 1 || len(stayed) != 0 {
		t.Fatalf("MoveAll: %d moved, %v stayed, %v; want the one record left on version 1 moved", n, stayed, err)
	}
	moved.Data, moved.History = nil, nil
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+ids[1], nil).decode(t, &moved)
	if h := moved.History; moved.Bundle != v2.Hash || moved.Data["mother.profession"] != "Weaver" || h[len(h)-1].Action != records.MoveAction {
		t.Errorf("record moved by MoveAll: at %s, %v, history %+v", moved.Bundle, moved.Data, h)
	}
	if n, _, _ := svc.MoveAll(context.Background(), "", "operator"); n != 0 {
		t.Errorf("MoveAll again moved %d records", n)
	}

	// A version that removes a status records are in is refused, with the diagnostic.
	v3, _ := version(t, func(b *bundle.Bundle) {
		*b = *v2
		b.Version = "3.0.0"
		dropStatus("birth", "registered")(b)
	})
	data3, err := v3.Encode()
	if err != nil {
		t.Fatal(err)
	}
	v3.Hash = ""
	v3, err = bundle.Decode(data3)
	if err != nil {
		t.Fatal(err)
	}
	_, err = server.Admit(context.Background(), st, v3, data3, server.Admission{Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "STATUS_REMOVED") || !strings.Contains(err.Error(), "registered") {
		t.Errorf("a version removing a status records are in: %v", err)
	}
}

// pdfText is a PDF's text, as pdftotext reads it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// webPage is a page of the web pages as a user logged in there sees it, in English.
func webPage(t *testing.T, base, user, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(method, path string, form url.Values) string {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Accept-Language", "en")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d\n%s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get("GET", "/login", nil))
	if m == nil {
		t.Fatal("no csrf token on the login page")
	}
	get("POST", "/login", url.Values{"username": {user}, "password": {devPassword}, "next": {path}, "csrf": {m[1]}})
	return html.UnescapeString(get("GET", path, nil))
}

// BenchmarkStart is what a server's start costs (Admit, then New) over a store that kept one
// version of the package, and one that kept twenty: older versions are read only when a
// record needs one, so the two should cost the same. heap-MB is the live heap once started.
// Then twenty old records, one per version, read one after the other: at most
// DefaultKeepVersions stay parsed (heap-MB-after-reads).
func BenchmarkStart(b *testing.B) {
	for _, versions := range []int{1, 20} {
		b.Run(fmt.Sprintf("versions=%d", versions), func(b *testing.B) {
			st, err := sqlitestore.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			base, diags := compiler.Build(nerovia)
			if base == nil {
				b.Fatalf("nerovia: %v", diags)
			}
			ctx := context.Background()
			var last *bundle.Bundle
			var lastData []byte
			var hashes []string
			for i := range versions {
				v := *base
				v.Version = fmt.Sprintf("1.%d.0", i)
				v.Hash = ""
				data, err := v.Encode()
				if err != nil {
					b.Fatal(err)
				}
				if last, err = bundle.Decode(data); err != nil {
					b.Fatal(err)
				}
				lastData = data
				hashes = append(hashes, last.Hash)
				if _, err := server.Admit(ctx, st, last, data, server.Admission{Now: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
			// A record of each version, as served then.
			for i, h := range hashes {
				r := &store.Record{ID: fmt.Sprintf("R%09d", i), Event: "birth", Bundle: h, Status: "declared", Data: birthJSON(b),
					Office: "CR0101", Areas: []string{"NV0101", "NV01"}, Version: 1, Created: time.Now(), Updated: time.Now(), CreatedBy: "lidya.verhane",
					History: []store.Entry{{Version: 1, Action: "declare", User: "lidya.verhane", At: time.Now()}}}
				if err := st.CreateRecord(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			var srv *server.Server
			b.ResetTimer()
			for b.Loop() {
				if _, err := server.Admit(ctx, st, last, lastData, server.Admission{Now: time.Now()}); err != nil {
					b.Fatal(err)
				}
				if srv, err = server.New(last, st, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Signing{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(liveHeapMB(), "heap-MB")
			svc := srv.Records()
			for i := range hashes {
				r, err := st.Record(ctx, fmt.Sprintf("R%09d", i))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.VersionOf(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(liveHeapMB(), "heap-MB-after-reads")
			runtime.KeepAlive(srv)
		})
	}
}

// liveHeapMB is the heap in use after a collection, in MB.
func liveHeapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}
