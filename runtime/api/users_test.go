package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// adminSite is nerovia served over the embedded store, for user administration.
type adminSite struct {
	t  *testing.T
	h  http.Handler
	st store.Store
	// secrets are the TOTP secrets of users login enrolled (user-admin requires one).
	secrets map[string]*enrolled
}

const adminPassword = "test-password"

func newAdminSite(t *testing.T) *adminSite {
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
	t.Cleanup(func() { st.Close() })
	if _, err := server.SeedPasswords(ctx, st, b, adminPassword); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	return &adminSite{t: t, h: srv.Handler(), st: st}
}

func (s *adminSite) do(token, method, path string, body any) *httptest.ResponseRecorder {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			s.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}

type loginAnswer struct {
	Token                         string
	PasswordChangeRequired        bool
	SecondFactorEnrolmentRequired bool
	SecondFactorRequired          bool
	Challenge                     string
}

// login logs user in, answering or enrolling a second factor as their role requires
// (secondfactor_test.go).
func (s *adminSite) login(user, pw string) loginAnswer {
	s.t.Helper()
	w := s.do("", "POST", "/api/v1/login", map[string]string{"username": user, "password": pw})
	var l loginAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &l); err == nil && l.SecondFactorRequired {
		l = s.answerChallenge(user, l.Challenge)
	} else if err != nil || l.Token == "" {
		s.t.Fatalf("login of %s: %d %s", user, w.Code, w.Body)
	}
	if l.SecondFactorEnrolmentRequired && !l.PasswordChangeRequired {
		s.enrol(user, l.Token)
	}
	return l
}

// target puts a user straight into the store, as the users sheet or an administrator left them.
func (s *adminSite) target(username, role, office string) {
	s.t.Helper()
	if err := s.st.CreateUser(context.Background(), &store.User{Username: username, Name: "T " + username, Role: role,
		Office: office, Active: true, Updated: time.Now()}); err != nil {
		s.t.Fatal(err)
	}
}

// TestAdministrationMatrix asserts the server's answer to every administration request: for
// each administering role (and one that administers nobody), each target role, a target office
// within and outside the administrator's jurisdiction, and each operation. The expected answer
// is worked out here from what the package says (roles.cue) and where the offices are
// (places), not from the server's code.
func TestAdministrationMatrix(t *testing.T) {
	s := newAdminSite(t)
	allRoles := []string{"hospital-clerk", "registration-agent", "local-registrar", "district-registrar", "national-registrar",
		"certificate-clerk", "performance-manager", "district-statistician", "user-admin"}
	admins := []struct {
		user       string
		administer []string        // roles.cue
		in         map[string]bool // offices within the jurisdiction, of those the matrix uses
	}{
		{"nadia.ferrow", allRoles, map[string]bool{"CR0101": true, "CR010102": true, "CR0203": true, "HF001": true}},
		{"fenna.albrecq", []string{"local-registrar", "registration-agent", "hospital-clerk", "certificate-clerk", "district-statistician"},
			// CR0101's area is the district NV0101: its communes' offices, its hospitals, and
			// headquarters (in NV0101 too); not another district's.
			map[string]bool{"CR0101": true, "CR010102": true, "HF001": true, "CR0203": false}},
		{"lidya.verhane", nil, map[string]bool{"CR0101": true, "CR010102": true, "HF001": true, "CR0203": false}},
	}
	const inOffice, outOffice, otherIn = "CR010102", "CR0203", "HF001"
	ops := []string{"get", "details", "move-in", "move-out", "role-allowed", "role-refused", "deactivate", "reactivate", "reset", "create"}
	n := 0
	for ai, a := range admins {
		token := s.login(a.user, adminPassword).Token
		for _, role := range allRoles {
			for _, office := range []string{inOffice, outOffice} {
				for _, op := range ops {
					n++
					name := fmt.Sprintf("m%d.%s.%s.%s", ai, role, strings.ToLower(office), op)
					administers := slices.Contains(a.administer, role)
					visible := administers && a.in[office]
					isAdmin := len(a.administer) > 0
					path := "/api/v1/users/" + name
					var w *httptest.ResponseRecorder
					want := http.StatusOK
					if op != "create" {
						s.target(name, role, office)
						if !visible {
							want = http.StatusNotFound
						}
						if !isAdmin {
							want = http.StatusForbidden
						}
					}
					switch op {
					case "get":
						w = s.do(token, "GET", path, nil)
					case "details":
						w = s.do(token, "PATCH", path, map[string]any{"version": 1, "name": "New Name", "phone": "+999 911 111 111"})
					case "move-in", "move-out":
						to := otherIn
						if op == "move-out" {
							to = outOffice
						}
						if want == http.StatusOK && !a.in[to] {
							want = http.StatusForbidden
						}
						w = s.do(token, "PATCH", path, map[string]any{"version": 1, "office": to})
					case "role-allowed", "role-refused":
						to := "hospital-clerk" // administered by both administrators
						if op == "role-refused" {
							to = "national-registrar" // by the national one only
						}
						if want == http.StatusOK && !slices.Contains(a.administer, to) {
							want = http.StatusForbidden
						}
						if role == to {
							to = "registration-agent"
						}
						w = s.do(token, "PATCH", path, map[string]any{"version": 1, "role": to})
					case "deactivate":
						w = s.do(token, "PATCH", path, map[string]any{"version": 1, "active": false})
					case "reactivate":
						w = s.do(token, "PATCH", path, map[string]any{"version": 1, "active": false})
						if want == http.StatusOK {
							w = s.do(token, "PATCH", path, map[string]any{"version": 2, "active": true})
						}
					case "reset":
						w = s.do(token, "POST", path+"/reset-password", map[string]any{"version": 1})
					case "create":
						want = http.StatusCreated
						if !visible {
							want = http.StatusForbidden
						}
						w = s.do(token, "POST", "/api/v1/users", map[string]any{"username": name, "name": "New " + name,
							"role": role, "office": office, "email": "x@example.org"})
					}
					if w.Code != want {
						t.Errorf("%s (%s administers %s at %s: %v) %s: %d %s, want %d", a.user, a.user, role, office, visible, op,
							w.Code, strings.TrimSpace(w.Body.String()), want)
					}
				}
			}
		}
	}
	t.Logf("%d cells", n)
}

// TestDeactivationEndsSessions: a user deactivated is refused at their very next request, and
// their sessions are gone from the store; reactivated, they log in again.
func TestDeactivationEndsSessions(t *testing.T) {
	s := newAdminSite(t)
	admin := s.login("nadia.ferrow", adminPassword).Token
	user := s.login("tomas.ekwaro", adminPassword).Token
	if w := s.do(user, "GET", "/api/v1/me", nil); w.Code != http.StatusOK {
		t.Fatalf("me: %d %s", w.Code, w.Body)
	}
	w := s.do(admin, "GET", "/api/v1/users/tomas.ekwaro", nil)
	var u struct{ Version int64 }
	json.Unmarshal(w.Body.Bytes(), &u)
	if w := s.do(admin, "PATCH", "/api/v1/users/tomas.ekwaro", map[string]any{"version": u.Version, "active": false}); w.Code != http.StatusOK {
		t.Fatalf("deactivate: %d %s", w.Code, w.Body)
	}
	if w := s.do(user, "GET", "/api/v1/me", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("a deactivated user's session: %d, want 401", w.Code)
	}
	if w := s.do("", "POST", "/api/v1/login", map[string]string{"username": "tomas.ekwaro", "password": adminPassword}); w.Code != http.StatusUnauthorized {
		t.Errorf("a deactivated user's login: %d, want 401", w.Code)
	}
	if w := s.do(admin, "PATCH", "/api/v1/users/tomas.ekwaro", map[string]any{"version": u.Version, "active": true}); w.Code != http.StatusConflict {
		t.Errorf("a stale version: %d %s, want 409", w.Code, w.Body)
	}
	if w := s.do(admin, "PATCH", "/api/v1/users/tomas.ekwaro", map[string]any{"version": u.Version + 1, "active": true}); w.Code != http.StatusOK {
		t.Fatalf("reactivate: %d %s", w.Code, w.Body)
	}
	s.login("tomas.ekwaro", adminPassword)
}

// TestResetPassword: a reset ends the user's sessions; at the next login, with the temporary
// password, only the change of password answers; once changed, everything does.
func TestResetPassword(t *testing.T) {
	s := newAdminSite(t)
	admin := s.login("fenna.albrecq", adminPassword).Token
	old := s.login("tomas.ekwaro", adminPassword).Token
	w := s.do(admin, "POST", "/api/v1/users/tomas.ekwaro/reset-password", map[string]any{"version": 1})
	var reset struct{ TemporaryPassword string }
	if json.Unmarshal(w.Body.Bytes(), &reset); w.Code != http.StatusOK || len(reset.TemporaryPassword) < 16 {
		t.Fatalf("reset: %d %s", w.Code, w.Body)
	}
	if w := s.do(old, "GET", "/api/v1/me", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("a session from before the reset: %d, want 401", w.Code)
	}
	l := s.login("tomas.ekwaro", reset.TemporaryPassword)
	if !l.PasswordChangeRequired {
		t.Error("the login after a reset does not say a change is required")
	}
	if w := s.do(l.Token, "GET", "/api/v1/events", nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "password-change-required") {
		t.Errorf("another endpoint before the change: %d %s", w.Code, w.Body)
	}
	for pw, code := range map[string]string{"short": "too-short", "password1234": "common-password", "Tomas.Ekwaro2026": "common-password"} {
		w := s.do(l.Token, "POST", "/api/v1/me/password", map[string]string{"current": reset.TemporaryPassword, "new": pw})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), code) {
			t.Errorf("new password %q: %d %s, want 422 %s", pw, w.Code, w.Body, code)
		}
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/password", map[string]string{"current": "wrong", "new": "a river of green tea"}); w.Code != http.StatusForbidden {
		t.Errorf("a wrong current password: %d, want 403", w.Code)
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/password", map[string]string{"current": reset.TemporaryPassword, "new": "a river of green tea"}); w.Code != http.StatusNoContent {
		t.Fatalf("change: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "GET", "/api/v1/events", nil); w.Code != http.StatusOK {
		t.Errorf("after the change: %d %s", w.Code, w.Body)
	}
	s.login("tomas.ekwaro", "a river of green tea")
}

// TestRoleChangeAppliesAtNextRequest: a user given another role acts with it at their next
// request, without logging in again; one given a role the bundle lacks is refused.
func TestRoleChangeAppliesAtNextRequest(t *testing.T) {
	s := newAdminSite(t)
	admin := s.login("nadia.ferrow", adminPassword).Token
	user := s.login("tomas.ekwaro", adminPassword).Token
	if w := s.do(admin, "PATCH", "/api/v1/users/tomas.ekwaro", map[string]any{"version": 1, "role": "certificate-clerk"}); w.Code != http.StatusOK {
		t.Fatalf("role: %d %s", w.Code, w.Body)
	}
	w := s.do(user, "GET", "/api/v1/me", nil)
	if !strings.Contains(w.Body.String(), `"role":"certificate-clerk"`) {
		t.Errorf("me after the role changed: %s", w.Body)
	}
	ctx := context.Background()
	u, err := s.st.User(ctx, "tomas.ekwaro")
	if err != nil {
		t.Fatal(err)
	}
	u.Role, u.Version = "gone-role", u.Version+1
	if err := s.st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if w := s.do(user, "GET", "/api/v1/me", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("a user of a role not in the bundle: %d, want 401", w.Code)
	}
}

// TestCreateValidates: a new user's username, email and phone are checked as the users sheet's.
func TestCreateValidates(t *testing.T) {
	s := newAdminSite(t)
	admin := s.login("nadia.ferrow", adminPassword).Token
	w := s.do(admin, "POST", "/api/v1/users", map[string]any{"username": "Bad Name", "name": "", "role": "hospital-clerk",
		"office": "HF001", "email": "not an email", "phone": "0911"})
	for _, p := range []string{"/username", "/name", "/email", "/phone"} {
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"path":"`+p+`"`) {
			t.Errorf("%s not refused: %d %s", p, w.Code, w.Body)
		}
	}
	if w := s.do(admin, "POST", "/api/v1/users", map[string]any{"username": "tomas.ekwaro", "name": "Again", "role": "hospital-clerk",
		"office": "HF001"}); w.Code != http.StatusConflict {
		t.Errorf("a username taken: %d %s, want 409", w.Code, w.Body)
	}
	w = s.do(admin, "POST", "/api/v1/users", map[string]any{"username": "new.clerk", "name": "New Clerk", "role": "hospital-clerk",
		"office": "HF001", "phone": "+999 911 222 333"})
	var c struct{ TemporaryPassword string }
	if json.Unmarshal(w.Body.Bytes(), &c); w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	if l := s.login("new.clerk", c.TemporaryPassword); !l.PasswordChangeRequired {
		t.Error("a new user need not change the temporary password")
	}
}

// TestUsersInOpenAPI: the document describes user administration.
func TestUsersInOpenAPI(t *testing.T) {
	s := newAdminSite(t)
	w := s.do("", "GET", "/api/openapi.json", nil)
	var doc struct{ Paths map[string]any }
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/v1/users", "/api/v1/users/{username}", "/api/v1/users/{username}/reset-password", "/api/v1/me/password"} {
		if doc.Paths[p] == nil {
			t.Errorf("no %s", p)
		}
	}
}

// TestChangePasswordGuessing: a session that keeps giving a wrong current password ends.
func TestChangePasswordGuessing(t *testing.T) {
	s := newAdminSite(t)
	token := s.login("tomas.ekwaro", adminPassword).Token
	for i := 1; i <= 5; i++ {
		w := s.do(token, "POST", "/api/v1/me/password", map[string]string{"current": fmt.Sprint("guess ", i), "new": "a river of green tea"})
		if w.Code != http.StatusForbidden {
			t.Fatalf("guess %d: %d %s", i, w.Code, w.Body)
		}
	}
	if w := s.do(token, "GET", "/api/v1/me", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("after 5 wrong current passwords the session goes on: %d", w.Code)
	}
	s.login("tomas.ekwaro", adminPassword) // the login itself is not locked
}
