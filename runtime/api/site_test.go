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

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// site is the whole server in process (nerovia, the embedded store), with a local
// registrar logged in who has uploaded the files testdata/birth.json attaches, as a client
// does before declaring.
type site struct {
	tb     testing.TB
	bundle *bundle.Bundle
	h      http.Handler
	token  string // lidya.verhane's
}

func newSite(tb testing.TB) *site {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		tb.Fatalf("building nerovia:\n%s", sb.String())
	}
	if _, err := b.Encode(); err != nil { // gives the bundle its hash, as crvsctl serve does
		tb.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, tb.TempDir(), "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := server.SeedPasswords(ctx, st, b, "test-password"); err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{})
	if err != nil {
		tb.Fatal(err)
	}
	s := &site{tb: tb, bundle: b, h: srv.Handler()}
	w := s.do("POST", "/api/v1/login", []byte(`{"username":"lidya.verhane","password":"test-password"}`))
	var l struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || l.Token == "" {
		tb.Fatalf("login: %d %s", w.Code, w.Body)
	}
	s.token = l.Token
	files, _ := filepath.Glob("../testdata/documents/*")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		if w := s.do("POST", "/api/v1/documents?name="+filepath.Base(file), body); w.Code != http.StatusCreated {
			tb.Fatalf("upload of %s: %d %s", file, w.Code, w.Body)
		}
	}
	return s
}

// do sends a JSON request as the logged-in registrar (before login, as nobody).
func (s *site) do(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}
