package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// A JSON body is read as sent or refused: bytes that are not UTF-8 and escapes of lone
// surrogates anywhere in it are refused (400), not read as U+FFFD; a name holding a control
// or invisible character is refused at its field (422).
func TestDeclareRefusesWhatIsNotText(t *testing.T) {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building nerovia:\n%s", sb.String())
	}
	if _, err := b.Encode(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := server.SeedPasswords(ctx, st, b, "test-password"); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	do := func(method, path, token string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	w := do("POST", "/api/v1/login", "", []byte(`{"username":"lidya.verhane","password":"test-password"}`))
	var l struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || l.Token == "" {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	files, _ := filepath.Glob("../testdata/documents/*")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if w := do("POST", "/api/v1/documents?name="+filepath.Base(file), l.Token, body); w.Code != http.StatusCreated {
			t.Fatalf("upload of %s: %d %s", file, w.Code, w.Body)
		}
	}
	valid, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	declare := func(given, comment string) *httptest.ResponseRecorder {
		data := strings.Replace(string(valid), `"given": "Ama"`, `"given": "`+given+`"`, 1)
		return do("POST", "/api/v1/records", l.Token, []byte(`{"event":"birth","data":`+data+`,"comment":"`+comment+`"}`))
	}
	type problem struct{ Path, Code string }
	answer := func(w *httptest.ResponseRecorder) []problem {
		var body struct{ Errors []problem }
		json.Unmarshal(w.Body.Bytes(), &body)
		return body.Errors
	}
	for _, tc := range []struct {
		name, given, comment string
		status               int
		path, code           string
	}{
		{"invalid UTF-8 in a name", "Ama\xff", "", 400, "", "malformed"},
		{"invalid UTF-8 in the comment", "Ama", "at the counter\xc3", 400, "", "malformed"},
		{"a lone surrogate in a name", `Ama\ud800`, "", 400, "", "malformed"},
		{"a lone surrogate in the comment", "Ama", `at \udfff the counter`, 400, "", "malformed"},
		{"NUL in a name", `Ama\u0000`, "", 422, "/data/child.name", "characters"},
		{"a right-to-left override in a name", `Ama\u202e`, "", 422, "/data/child.name", "characters"},
		{"a zero-width space in a name", `A\u200bma`, "", 422, "/data/child.name", "characters"},
		{"a line break in a name", `Ama\nTarek`, "", 422, "/data/child.name", "characters"},
		{"an override in the comment", "Ama", `at the counter\u202e`, 422, "/comment", "characters"},
	} {
		w := declare(tc.given, tc.comment)
		got := answer(w)
		if w.Code != tc.status || len(got) != 1 || got[0].Code != tc.code || (tc.path != "" && got[0].Path != tc.path) {
			t.Errorf("%s: %d %s, want %d %s at %q", tc.name, w.Code, w.Body, tc.status, tc.code, tc.path)
		}
	}
	// A pair of surrogates is one character, and a name in NFD is stored in NFC.
	w = declare(`Jose\u0301 \ud835\udc00`, "")
	if w.Code != http.StatusCreated {
		t.Fatalf("a valid name: %d %s", w.Code, w.Body)
	}
	var rec struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || !strings.Contains(string(rec.Data["child.name"]), "Jos\u00e9 \U0001d400") {
		t.Errorf("stored %s (%v)", rec.Data["child.name"], err)
	}
}
