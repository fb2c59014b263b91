package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/crvsctl/crvsctl/runtime/auth"
)

// enrolled is what a user's enrolment showed them once.
type enrolled struct {
	secret   string
	recovery []string
	used     int64 // the last TOTP step used
}

// code is a code of secret for the step at.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol enrols user's second factor through the API with their session, as their app would.
func (s *adminSite) enrol(user, token string) *enrolled {
	s.t.Helper()
	w := s.do(token, "POST", "/api/v1/me/second-factor", nil)
	var e struct{ Secret, URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 200 || e.Secret == "" || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		s.t.Fatalf("enrolment of %s: %d %s", user, w.Code, w.Body)
	}
	now := time.Now()
	w = s.do(token, "POST", "/api/v1/me/second-factor/confirm", map[string]string{"code": code(s.t, e.Secret, now)})
	var c struct{ RecoveryCodes []string }
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || w.Code != 200 || len(c.RecoveryCodes) != 10 {
		s.t.Fatalf("confirming the enrolment of %s: %d %s", user, w.Code, w.Body)
	}
	if s.secrets == nil {
		s.secrets = map[string]*enrolled{}
	}
	en := &enrolled{secret: e.Secret, recovery: c.RecoveryCodes, used: now.Unix() / 30}
	s.secrets[user] = en
	return en
}

// answerChallenge completes user's login with a code not used yet: of the next step when
// this one's was (the server takes a step either side), else a recovery code.
func (s *adminSite) answerChallenge(user, challenge string) loginAnswer {
	s.t.Helper()
	en := s.secrets[user]
	if en == nil {
		s.t.Fatalf("%s has a second factor this test did not enrol", user)
	}
	c := ""
	if step := time.Now().Unix() / 30; step > en.used {
		c, en.used = code(s.t, en.secret, time.Now()), step
	} else if step+1 > en.used {
		c, en.used = code(s.t, en.secret, time.Now().Add(30*time.Second)), step+1
	} else {
		c, en.recovery = en.recovery[0], en.recovery[1:]
	}
	w := s.do("", "POST", "/api/v1/login/code", map[string]string{"challenge": challenge, "code": c})
	var l loginAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || w.Code != 200 || l.Token == "" {
		s.t.Fatalf("the code of %s: %d %s", user, w.Code, w.Body)
	}
	return l
}

// A role that requires a second factor: the first login's session may enrol and nothing
// else; once enrolled, a login takes a code; a wrong code and a replayed one are refused, a
// recovery code works once; an administrator's reset ends the sessions and asks for a new
// enrolment.
func TestSecondFactorThroughTheAPI(t *testing.T) {
	s := newAdminSite(t)
	w := s.do("", "POST", "/api/v1/login", map[string]string{"username": "nadia.ferrow", "password": adminPassword})
	var l loginAnswer
	json.Unmarshal(w.Body.Bytes(), &l)
	if w.Code != 200 || !l.SecondFactorEnrolmentRequired || l.Token == "" {
		t.Fatalf("first login: %d %s", w.Code, w.Body)
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/events", "/api/v1/records"} {
		if w := s.do(l.Token, "GET", path, nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "second-factor-enrolment-required") {
			t.Fatalf("%s before enrolment: %d %s", path, w.Code, w.Body)
		}
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/second-factor/disable", map[string]string{"code": "000000"}); w.Code != http.StatusForbidden {
		t.Fatalf("disable before enrolment: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "GET", "/api/v1/me", nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"secondFactorEnrolmentRequired":true`) {
		t.Fatalf("me before enrolment: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/second-factor", nil); w.Code != 200 {
		t.Fatalf("start: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/second-factor/confirm", map[string]string{"code": "abcdef"}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong code confirms: %d %s", w.Code, w.Body)
	}
	en := s.enrol("nadia.ferrow", l.Token)
	if w := s.do(l.Token, "GET", "/api/v1/users", nil); w.Code != 200 {
		t.Fatalf("after enrolment: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "POST", "/api/v1/me/second-factor", nil); w.Code != http.StatusConflict || strings.Contains(w.Body.String(), en.secret) {
		t.Fatalf("enrolling again: %d %s", w.Code, w.Body)
	}
	if w := s.do(l.Token, "GET", "/api/v1/me/second-factor", nil); !strings.Contains(w.Body.String(), `"enrolled":true`) || strings.Contains(w.Body.String(), en.secret) {
		t.Fatalf("the state: %d %s", w.Code, w.Body)
	}

	// A login now takes a code.
	challenge := func() string {
		t.Helper()
		w := s.do("", "POST", "/api/v1/login", map[string]string{"username": "nadia.ferrow", "password": adminPassword})
		var l loginAnswer
		json.Unmarshal(w.Body.Bytes(), &l)
		if w.Code != 200 || !l.SecondFactorRequired || l.Challenge == "" || l.Token != "" {
			t.Fatalf("login with a second factor: %d %s", w.Code, w.Body)
		}
		return l.Challenge
	}
	c := challenge()
	if w := s.do(c, "GET", "/api/v1/me", nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("the challenge as a token: %d", w.Code)
	}
	if w := s.do("", "POST", "/api/v1/login/code", map[string]string{"challenge": c, "code": "000000"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("a wrong code: %d %s", w.Code, w.Body)
	}
	// The code the enrolment used, replayed.
	if w := s.do("", "POST", "/api/v1/login/code", map[string]string{"challenge": c, "code": code(t, en.secret, time.Unix(en.used*30, 0))}); w.Code != http.StatusUnauthorized {
		t.Fatalf("a replayed code: %d %s", w.Code, w.Body)
	}
	rc := en.recovery[0]
	if w := s.do("", "POST", "/api/v1/login/code", map[string]string{"challenge": c, "code": rc}); w.Code != 200 {
		t.Fatalf("a recovery code: %d %s", w.Code, w.Body)
	}
	c = challenge()
	if w := s.do("", "POST", "/api/v1/login/code", map[string]string{"challenge": c, "code": rc}); w.Code != http.StatusUnauthorized {
		t.Fatalf("a recovery code again: %d %s", w.Code, w.Body)
	}
	en.recovery = en.recovery[1:]
	tok := s.answerChallenge("nadia.ferrow", c).Token
	if w := s.do(tok, "GET", "/api/v1/users", nil); w.Code != 200 {
		t.Fatalf("logged in with a code: %d %s", w.Code, w.Body)
	}

	// A second administrator resets nadia's second factor: her sessions end, and her next
	// login asks for a new enrolment.
	s.target("second.admin", "user-admin", "CRHQ")
	s.setPassword("second.admin")
	admin := s.login("second.admin", adminPassword).Token
	w = s.do(admin, "GET", "/api/v1/users/nadia.ferrow", nil)
	var u struct{ Version int64 }
	json.Unmarshal(w.Body.Bytes(), &u)
	if w := s.do(admin, "POST", "/api/v1/users/nadia.ferrow/reset-second-factor", map[string]any{"version": u.Version}); w.Code != 200 {
		t.Fatalf("reset: %d %s", w.Code, w.Body)
	}
	if w := s.do(tok, "GET", "/api/v1/users", nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("a session after the reset: %d", w.Code)
	}
	w = s.do("", "POST", "/api/v1/login", map[string]string{"username": "nadia.ferrow", "password": adminPassword})
	l = loginAnswer{}
	json.Unmarshal(w.Body.Bytes(), &l)
	if w.Code != 200 || !l.SecondFactorEnrolmentRequired || l.Token == "" {
		t.Fatalf("login after the reset: %d %s", w.Code, w.Body)
	}
	// A registrar, whose role does not administer users, cannot reset anyone's.
	reg := s.login("lidya.verhane", adminPassword).Token
	if w := s.do(reg, "POST", "/api/v1/users/second.admin/reset-second-factor", map[string]any{"version": 1}); w.Code != http.StatusForbidden {
		t.Fatalf("a reset by a registrar: %d %s", w.Code, w.Body)
	}
}

// A user whose role does not require a second factor may enrol one, and disable it with a code.
func TestVoluntarySecondFactor(t *testing.T) {
	s := newAdminSite(t)
	tok := s.login("lidya.verhane", adminPassword).Token
	if w := s.do(tok, "GET", "/api/v1/me/second-factor", nil); !strings.Contains(w.Body.String(), `"required":false`) {
		t.Fatalf("state: %s", w.Body)
	}
	en := s.enrol("lidya.verhane", tok)
	tok = s.login("lidya.verhane", adminPassword).Token // through a code
	if w := s.do(tok, "POST", "/api/v1/me/second-factor/disable", map[string]string{"code": "000000"}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("disable with a wrong code: %d %s", w.Code, w.Body)
	}
	if w := s.do(tok, "POST", "/api/v1/me/second-factor/disable", map[string]string{"code": en.recovery[len(en.recovery)-1]}); w.Code != http.StatusNoContent {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	if l := s.login("lidya.verhane", adminPassword); l.Token == "" {
		t.Fatal("login without a second factor")
	}
}

// setPassword gives a user put in the store with target the test password.
func (s *adminSite) setPassword(user string) {
	s.t.Helper()
	h, err := auth.HashPassword(adminPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.st.SetPassword(context.Background(), user, h); err != nil {
		s.t.Fatal(err)
	}
}
