package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

var (
	secretShown   = regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`)
	recoveryShown = regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`)
)

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolPage enrols the user's second factor through the pages: the QR code and the key,
// a wrong code refused, the right one, the recovery codes shown once. It returns the secret
// and the recovery codes.
func (u *user) enrolPage(t *testing.T) (string, []string) {
	t.Helper()
	u.get("/second-factor")
	u.post("/second-factor/start", url.Values{"csrf": {u.csrf()}})
	m := secretShown.FindStringSubmatch(u.page)
	if u.status != 200 || m == nil || !strings.Contains(u.page, "<svg") {
		t.Fatalf("enrolment page: %d at %s\n%s", u.status, u.at, u.page)
	}
	secret := m[1]
	u.post("/second-factor/confirm", url.Values{"csrf": {u.csrf()}, "code": {"000000"}})
	if u.status != 422 || !strings.Contains(u.page, secret) {
		t.Fatalf("a wrong code: %d, the QR code again wanted", u.status)
	}
	u.has("The code is wrong or was used already.")
	u.post("/second-factor/confirm", url.Values{"csrf": {u.csrf()}, "code": {totpCode(t, secret, time.Now())}})
	var codes []string
	for _, m := range recoveryShown.FindAllStringSubmatch(u.page, -1) {
		codes = append(codes, m[1])
	}
	if u.status != 200 || len(codes) != 10 {
		t.Fatalf("confirmed: %d, %d recovery codes\n%s", u.status, len(codes), u.page)
	}
	u.get("/second-factor")
	u.lacks(secret, codes[0])
	u.has("Recovery codes left: 10.")
	return secret, codes
}

// password posts the login form and returns where it led.
func (u *user) password(username string) {
	u.get("/login")
	u.post("/login", url.Values{"username": {username}, "password": {password}, "next": {"/work"}, "csrf": {u.csrf()}})
}

func TestSecondFactorPages(t *testing.T) {
	s := newSite(t)
	// nadia.ferrow is a user-admin, a role that requires a second factor: every page sends
	// her to enrol one.
	nadia := s.browser("en")
	nadia.password("nadia.ferrow")
	if !strings.HasSuffix(nadia.at, "/second-factor") {
		t.Fatalf("first login ends at %s, want /second-factor", nadia.at)
	}
	nadia.has("Your role requires two-step login")
	for _, p := range []string{"/users", "/work", "/search", "/users/lidya.verhane"} {
		nadia.get(p)
		if !strings.HasSuffix(nadia.at, "/second-factor") {
			t.Errorf("%s before enrolment: at %s", p, nadia.at)
		}
	}
	secret, recovery := nadia.enrolPage(t)
	nadia.lacks("Turn off two-step login")
	nadia.post("/second-factor/disable", url.Values{"csrf": {nadia.csrf()}, "code": {recovery[9]}})
	if nadia.status != 403 {
		t.Errorf("disable, for a role that requires it: %d", nadia.status)
	}
	nadia.get("/users")
	if nadia.status != 200 || !strings.HasSuffix(nadia.at, "/users") {
		t.Fatalf("after enrolment: %d at %s", nadia.status, nadia.at)
	}

	// Her next login asks for a code: a wrong one and the one already used are refused, a
	// recovery code lets her in once.
	again := s.browser("en")
	again.password("nadia.ferrow")
	if !strings.Contains(again.at, "/login/code") {
		t.Fatalf("login with a second factor ends at %s", again.at)
	}
	again.post("/login/code", url.Values{"csrf": {again.csrf()}, "code": {"000000"}, "next": {"/users"}})
	if again.status != 401 {
		t.Fatalf("a wrong code: %d at %s", again.status, again.at)
	}
	again.has("The code is wrong or was used already.")
	again.post("/login/code", url.Values{"csrf": {again.csrf()}, "code": {totpCode(t, secret, time.Now())}, "next": {"/users"}})
	if again.status != 401 {
		t.Fatalf("the code used at enrolment, again: %d at %s", again.status, again.at)
	}
	again.get("/work")
	if !strings.Contains(again.at, "/login") {
		t.Fatalf("no session before the code: at %s", again.at)
	}
	again.get("/login/code?next=/users")
	again.post("/login/code", url.Values{"csrf": {again.csrf()}, "code": {recovery[0]}, "next": {"/users"}})
	if again.status != 200 || !strings.HasSuffix(again.at, "/users") {
		t.Fatalf("a recovery code: %d at %s", again.status, again.at)
	}
	third := s.browser("en")
	third.password("nadia.ferrow")
	third.post("/login/code", url.Values{"csrf": {third.csrf()}, "code": {recovery[0]}, "next": {"/work"}})
	if third.status != 401 {
		t.Fatalf("a recovery code used again: %d at %s", third.status, third.at)
	}

	// Lidya, a local registrar, enrols of her own will; nadia resets it: Lidya's session
	// ends and her password alone logs her in again.
	lidya := s.login("lidya.verhane", "en")
	lidya.enrolPage(t)
	lidya.has("Turn off two-step login")
	again.get("/users/lidya.verhane")
	again.has("Reset two-step login")
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(again.page)[1]
	again.post("/users/lidya.verhane", url.Values{"csrf": {again.csrf()}, "version": {version}, "op": {"reset-second-factor"}})
	if again.status != 200 || !strings.HasSuffix(again.at, "/users/lidya.verhane") {
		t.Fatalf("reset: %d at %s", again.status, again.at)
	}
	again.has("Two-step login reset")
	lidya.get("/work")
	if !strings.Contains(lidya.at, "/login") {
		t.Fatalf("Lidya's session after the reset: at %s", lidya.at)
	}
	s.login("lidya.verhane", "en")

	// A registrar cannot reset anyone's.
	fenna := s.login("fenna.albrecq", "en")
	fenna.get("/users/tomas.ekwaro")
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(fenna.page)[1]
	fenna.post("/users/tomas.ekwaro", url.Values{"csrf": {fenna.csrf()}, "version": {version}, "op": {"reset-second-factor"}})
	if fenna.status != 200 {
		t.Fatalf("a district registrar resets a local registrar's: %d", fenna.status)
	}
	lidya2 := s.login("lidya.verhane", "en")
	lidya2.get("/users/tomas.ekwaro")
	if lidya2.status != 403 {
		t.Fatalf("a local registrar at a user's page: %d", lidya2.status)
	}
}
