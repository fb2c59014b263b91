package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// The second factor of memStore: the behaviour storetest holds both stores to (a version
// guard on every write).
func (m *memStore) SecondFactor(_ context.Context, user string) (*store.SecondFactor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.factors[user]
	if !ok {
		return nil, store.ErrNotFound
	}
	f.Recovery = append([]string(nil), f.Recovery...)
	return &f, nil
}

func (m *memStore) SaveSecondFactor(_ context.Context, f *store.SecondFactor) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.factors == nil {
		m.factors = map[string]store.SecondFactor{}
	}
	old, ok := m.factors[f.User]
	if (f.Version <= 1 && ok) || (f.Version > 1 && (!ok || old.Version != f.Version-1)) {
		return store.ErrConflict
	}
	n := *f
	n.Version = max(f.Version, 1)
	m.factors[f.User] = n
	return nil
}

func (m *memStore) DeleteSecondFactor(_ context.Context, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.factors[user]; !ok {
		return store.ErrNotFound
	}
	delete(m.factors, user)
	return nil
}

// enrol enrols user and returns their secret and recovery codes.
func enrol(t *testing.T, a *Authenticator, c *clock, user string) (string, []string) {
	t.Helper()
	e, err := a.StartEnrolment(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(e.URL)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != e.Secret || u.Query().Get("issuer") != DefaultIssuer {
		t.Fatalf("URL %q, secret %q", e.URL, e.Secret)
	}
	if _, _, err := a.Login(ctx, user, user+"-password", "192.0.2.1:1"); err != nil {
		t.Fatalf("an enrolment not confirmed asks nothing at login: %v", err)
	}
	if _, err := a.ConfirmEnrolment(ctx, user, "000000"); !errors.Is(err, ErrBadCode) && !errors.Is(err, ErrEnrolled) {
		t.Fatalf("confirmed with a wrong code: %v", err)
	}
	codes, err := a.ConfirmEnrolment(ctx, user, code(t, e.Secret, c.Now()))
	if err != nil || len(codes) != RecoveryCodes {
		t.Fatalf("ConfirmEnrolment = %v, %v", codes, err)
	}
	if _, err := a.StartEnrolment(ctx, user); !errors.Is(err, ErrEnrolled) {
		t.Fatalf("enrolling again: %v, want ErrEnrolled", err)
	}
	if _, err := a.PendingEnrolment(ctx, user); !errors.Is(err, ErrEnrolled) {
		t.Fatalf("the secret shown after enrolment: %v, want ErrEnrolled", err)
	}
	return e.Secret, codes
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSecondFactorLogin(t *testing.T) {
	a, c := newAuth(t)
	a.MaxAddressAttempts = 1000
	secret, recovery := enrol(t, a, c, "amina")
	c.t = c.t.Add(time.Minute) // past the step the enrolment used

	challenge, pending, err := a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
	if !errors.Is(err, ErrSecondFactorRequired) || challenge == "" || pending == nil {
		t.Fatalf("Login = %q, %v, %v; want a challenge", challenge, pending, err)
	}
	if _, err := a.Session(ctx, challenge); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a challenge used as a session: %v", err)
	}
	if _, _, err := a.CompleteLogin(ctx, challenge, "123456", "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a wrong code: %v", err)
	}
	good := code(t, secret, c.Now())
	token, sess, err := a.CompleteLogin(ctx, challenge, good, "192.0.2.1:1")
	if err != nil || sess.User != "amina" {
		t.Fatalf("CompleteLogin = %v, %v", sess, err)
	}
	if _, err := a.Session(ctx, token); err != nil {
		t.Fatalf("the session: %v", err)
	}
	if _, _, err := a.CompleteLogin(ctx, challenge, good, "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a challenge used twice: %v", err)
	}

	// The same code again, in its step, through a new challenge: a replay.
	challenge, _, _ = a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
	if _, _, err := a.CompleteLogin(ctx, challenge, good, "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a replayed code: %v", err)
	}
	// A recovery code works once, as typed in capitals without dashes.
	typed := ""
	for _, r := range recovery[3] {
		if r != '-' {
			typed += string(r)
		}
	}
	if _, _, err := a.CompleteLogin(ctx, challenge, strings.ToUpper(typed), "192.0.2.1:1"); err != nil {
		t.Fatalf("a recovery code: %v", err)
	}
	challenge, _, _ = a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
	if _, _, err := a.CompleteLogin(ctx, challenge, recovery[3], "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("a recovery code used again: %v", err)
	}
	if ok, left, _ := a.Enrolled(ctx, "amina"); !ok || left != RecoveryCodes-1 {
		t.Fatalf("Enrolled = %v, %d left", ok, left)
	}
	// The next step's code, once the clock moves on.
	c.t = c.t.Add(30 * time.Second)
	if _, _, err := a.CompleteLogin(ctx, challenge, code(t, secret, c.Now()), "192.0.2.1:1"); err != nil {
		t.Fatalf("the next code: %v", err)
	}
	// A challenge expires.
	challenge, _, _ = a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
	c.t = c.t.Add(ChallengeTTL + time.Minute)
	if _, _, err := a.CompleteLogin(ctx, challenge, code(t, secret, c.Now()), "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("an expired challenge: %v", err)
	}
}

// Wrong codes are counted under the user from every address, and a right password does not
// clear them: logging in again gives no more guesses.
func TestSecondFactorGuessesLimited(t *testing.T) {
	a, c := newAuth(t)
	a.MaxAddressAttempts = 1000
	secret, _ := enrol(t, a, c, "amina")
	c.t = c.t.Add(time.Minute)
	for i := range DefaultMaxFailures {
		challenge, _, err := a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
		if !errors.Is(err, ErrSecondFactorRequired) {
			t.Fatal(err)
		}
		if _, _, err := a.CompleteLogin(ctx, challenge, "000000", "192.0.2.1:1"); !errors.Is(err, ErrBadCode) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	challenge, _, _ := a.Login(ctx, "amina", "amina-password", "198.51.100.7:1")
	if _, _, err := a.CompleteLogin(ctx, challenge, code(t, secret, c.Now()), "198.51.100.7:1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("past the limit, from elsewhere: %v, want ErrRateLimited", err)
	}
	c.t = c.t.Add(DefaultFailureWindow + time.Minute)
	challenge, _, _ = a.Login(ctx, "amina", "amina-password", "198.51.100.7:1")
	if _, _, err := a.CompleteLogin(ctx, challenge, code(t, secret, c.Now()), "198.51.100.7:1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestDisableSecondFactor(t *testing.T) {
	a, c := newAuth(t)
	secret, _ := enrol(t, a, c, "bob")
	if err := a.DisableSecondFactor(ctx, "bob", "000000"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("disabled with a wrong code: %v", err)
	}
	c.t = c.t.Add(time.Minute)
	if err := a.DisableSecondFactor(ctx, "bob", code(t, secret, c.Now())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Login(ctx, "bob", "bob-password", "192.0.2.1:1"); err != nil {
		t.Fatalf("login without a second factor: %v", err)
	}
}
