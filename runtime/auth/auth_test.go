package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// memStore is an in-memory store with real behaviour for passwords, sessions and login
// failures only: the rest of store.Store is not there. A test double is acceptable here
// because the real stores (sqlitestore, mongostore) are held to the same behaviour for these
// methods by their conformance suite, runtime/store/storetest (its Passwords, Sessions and
// Failures tests); what this file tests is auth's logic on top of that behaviour.
type memStore struct {
	store.Store // the methods not here: nil, so a call of one panics
	mu          sync.Mutex
	passwords   map[string]string
	sessions    map[string]store.Session
	failures    map[string][]time.Time
	factors     map[string]store.SecondFactor // see secondfactor_test.go
}

func newMemStore() *memStore {
	return &memStore{
		passwords: map[string]string{},
		sessions:  map[string]store.Session{},
		failures:  map[string][]time.Time{},
	}
}

func (m *memStore) SetPassword(_ context.Context, user, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.passwords[user] = hash
	return nil
}

func (m *memStore) Password(_ context.Context, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.passwords[user]
	if !ok {
		return "", store.ErrNotFound
	}
	return h, nil
}

func (m *memStore) CreateSession(_ context.Context, s *store.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.TokenHash]; ok {
		return store.ErrDuplicate
	}
	m.sessions[s.TokenHash] = *s
	return nil
}

func (m *memStore) Session(_ context.Context, tokenHash string, now time.Time) (*store.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[tokenHash]
	if !ok || !now.Before(s.Expires) {
		return nil, store.ErrNotFound
	}
	return &s, nil
}

func (m *memStore) DeleteSession(_ context.Context, tokenHash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, tokenHash)
	return nil
}

func (m *memStore) AddFailure(_ context.Context, key string, now time.Time, window time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := []time.Time{now}
	for _, t := range m.failures[key] {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	m.failures[key] = kept
	return len(kept), nil
}

func (m *memStore) ClearFailures(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, key)
	return nil
}

var _ store.Store = (*memStore)(nil)

var ctx = context.Background()

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not the PHC form with the OWASP parameters", h)
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsf", false},
		{"correct horse ", false},
		{"Correct horse", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, err := VerifyPassword(h, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tt.pw, ok, err, tt.want)
		}
	}
	// A random salt: two hashes of one password differ, and both verify.
	h2, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if ok, err := VerifyPassword(h2, "correct horse"); !ok || err != nil {
		t.Errorf("second hash: %v, %v", ok, err)
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw   string
		want error
	}{
		{"", ErrPasswordTooShort},
		{"1234567", ErrPasswordTooShort},
		{"kolo-mbe", nil},
		{"ማንነትዎ", ErrPasswordTooShort},             // 6 characters, 18 bytes
		{"ማንነትዎን ያረጋግጡ", nil},                      // 12 characters
		{"ﬁnd-the-ﬁsh", nil},                       // ligatures: NFKC makes them two letters
		{strings.Repeat("é", MaxPasswordLen), nil}, // characters, not bytes
		{strings.Repeat("x", MaxPasswordLen+1), ErrPasswordTooLong},
		{"12345678", ErrCommonPassword},
		{"Password", ErrCommonPassword},
		{"password123!", ErrCommonPassword},
		{"P@ssw0rd", ErrCommonPassword},
		{"iloveyou2", ErrCommonPassword},
		{"correct horse battery staple", nil}, // a passphrase: spaces welcome, no composition rules
	}
	for _, tt := range tests {
		if err := CheckPasswordRules(tt.pw); err != tt.want {
			t.Errorf("CheckPasswordRules(%d bytes) = %v, want %v", len(tt.pw), err, tt.want)
		}
		if _, err := HashPassword(tt.pw); err != tt.want {
			t.Errorf("HashPassword(%d bytes) = %v, want %v", len(tt.pw), err, tt.want)
		}
	}
}

// TestPasswordContext: the username and the service's names are refused, alone or with digits
// and symbols around them; a password that only holds them among other words is not.
func TestPasswordContext(t *testing.T) {
	ctx := []string{"amina.tarek", "Nerovia", "crvsctl"}
	for pw, want := range map[string]error{
		"amina.tarek":          ErrCommonPassword,
		"Amina.Tarek2026!":     ErrCommonPassword,
		"aminatarek":           ErrCommonPassword,
		"nerovia2026":          ErrCommonPassword,
		"CRVSCTL!!!":           ErrCommonPassword,
		"amina-password":       nil,
		"nerovia by the river": nil,
		"web-test-password":    nil,
	} {
		if err := CheckPasswordRules(pw, ctx...); err != want {
			t.Errorf("CheckPasswordRules(%q) = %v, want %v", pw, err, want)
		}
	}
}

// TestNormalisedPassword: a password typed in another Unicode form is the same password.
func TestNormalisedPassword(t *testing.T) {
	h, err := HashPassword("caf\u00e9 au lait chaud") // é precomposed
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "cafe\u0301 au lait chaud"); err != nil || !ok { // e and a combining accent
		t.Errorf("the decomposed form: %v, %v", ok, err)
	}
}

// TestMalformedHash checks that VerifyPassword refuses, without panicking or computing for
// long, every damaged or hostile stored hash: each part tampered with, and parameters that
// would exhaust the server.
func TestMalformedHash(t *testing.T) {
	t.Parallel()
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	ok := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	if _, err := VerifyPassword(ok, "whatever"); err != nil {
		t.Fatalf("the well-formed hash the cases derive from: %v", err)
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"no leading $", "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key},
		{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"param missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"param extra", "$argon2id$v=19$m=19456,t=2,p=1,k=1$" + salt + "$" + key},
		{"param not a number", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key},
		{"param signed", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key},
		{"param leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key},
		{"param overflows", "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key},
		{"m over 1 GiB", "$argon2id$v=19$m=1048577,t=2,p=1$" + salt + "$" + key},
		{"m below 8p", "$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + key},
		{"t zero", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"t over 100", "$argon2id$v=19$m=19456,t=101,p=1$" + salt + "$" + key},
		{"p zero", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"p over 255", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"p over the limit", "$argon2id$v=19$m=19456,t=2,p=65$" + salt + "$" + key},
		{"salt empty", "$argon2id$v=19$m=19456,t=2,p=1$$" + key},
		{"salt short", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key},
		{"salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$c2Fsd!NhbHRzYWx0c2FsdA$" + key},
		{"salt padded", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"salt url alphabet", "$argon2id$v=19$m=19456,t=2,p=1$c2Fsd-NhbHRzYWx0c2FsdA$" + key},
		{"salt trailing bits", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdB$" + key},
		{"hash empty", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
		{"hash short", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$aGFzaA"},
		{"hash long", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 100)},
		{"hash not base64", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:10] + "*" + key[11:]},
		{"extra part", ok + "$x"},
		{"trailing space", ok + " "},
		{"huge", ok + strings.Repeat("A", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyPassword(tt.hash, "whatever")
			if got || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("VerifyPassword = %v, %v; want false, ErrMalformedHash", got, err)
			}
		})
	}
}

// clock is a settable time for the authenticator under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newAuth makes an authenticator over a fresh store where amina and bob have passwords,
// carol is in the bundle without one, and mallory has a password but left the bundle.
func newAuth(t testing.TB) (*Authenticator, *clock) {
	t.Helper()
	s := newMemStore()
	for user, pw := range map[string]string{"amina": "amina-password", "bob": "bob-password", "mallory": "mallory-password"} {
		h, err := HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, user, h); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	inBundle := map[string]bool{"amina": true, "bob": true, "carol": true}
	// The address limit as low as the user's, to test both with the same few attempts.
	return &Authenticator{Store: s, Now: c.Now, Users: func(u string) bool { return inBundle[u] }, MaxAddressAttempts: DefaultMaxFailures}, c
}

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, pw string
		want           error
	}{
		{"success", "amina", "amina-password", nil},
		{"wrong password", "amina", "bob-password", ErrBadCredentials},
		{"unknown user", "zeynep", "amina-password", ErrBadCredentials},
		{"no password set", "carol", "amina-password", ErrBadCredentials},
		{"left the bundle", "mallory", "mallory-password", ErrBadCredentials},
		{"empty username", "", "amina-password", ErrBadCredentials},
		{"huge username", strings.Repeat("a", 1<<20), "amina-password", ErrBadCredentials},
		{"huge password", "amina", strings.Repeat("a", 1<<20), ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, c := newAuth(t)
			token, sess, err := a.Login(ctx, tt.user, tt.pw, "192.0.2.1:5555")
			if err != tt.want {
				t.Fatalf("Login = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				if token != "" || sess != nil {
					t.Errorf("a failed login returned a token or session")
				}
				return
			}
			if len(token) != 43 || strings.ContainsAny(token, "+/=") {
				t.Errorf("token %q is not 32 bytes of unpadded base64url", token)
			}
			if len(sess.CSRF) != 43 || sess.CSRF == token {
				t.Errorf("CSRF token %q", sess.CSRF)
			}
			if sess.TokenHash != TokenHash(token) || sess.User != tt.user ||
				!sess.Created.Equal(c.Now()) || !sess.Expires.Equal(c.Now().Add(DefaultSessionTTL)) {
				t.Errorf("session %+v", sess)
			}
			got, err := a.Session(ctx, token)
			if err != nil || *got != *sess {
				t.Errorf("Session = %+v, %v; want %+v", got, err, sess)
			}
		})
	}
}

// TestRateLimit: after MaxFailures failures within the window for one user from one address,
// or MaxAddressAttempts attempts from one address, even the right password is refused from
// that address, until the window has passed; the user from another address is not refused.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// the five wrong attempts: user and address of each
		users []string
		addrs []string
		// the sixth, with amina's right password, from this address
		addr string
	}{
		{"by user at an address", []string{"amina", "amina", "amina", "amina", "amina"},
			[]string{"192.0.2.1:1", "192.0.2.1:2", "192.0.2.1:3", "192.0.2.1:4", "192.0.2.1:5"}, "192.0.2.1:6"},
		{"by address", []string{"bob", "carol", "zeynep", "bob", "carol"},
			[]string{"192.0.2.1:1", "192.0.2.1:2", "192.0.2.1:3", "192.0.2.1:4", "192.0.2.1:5"}, "192.0.2.1:6"},
		{"by IPv6 /64", []string{"bob", "carol", "zeynep", "bob", "carol"},
			[]string{"[2001:db8::1]:1", "[2001:db8::2]:1", "[2001:db8::3]:1", "[2001:db8::4]:1", "[2001:db8::5]:1"}, "[2001:db8::ffff]:1"},
		{"by user at an IPv6 /64", []string{"amina", "amina", "amina", "amina", "amina"},
			[]string{"[2001:db8::1]:1", "[2001:db8::2]:1", "[2001:db8::3]:1", "[2001:db8::4]:1", "[2001:db8::5]:1"}, "[2001:db8::ffff]:1"},
		{"IPv4-mapped is IPv4", []string{"bob", "carol", "zeynep", "bob", "carol"},
			[]string{"192.0.2.1:1", "[::ffff:192.0.2.1]:1", "192.0.2.1:3", "[::ffff:192.0.2.1]:1", "192.0.2.1:5"}, "[::ffff:192.0.2.1]:6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, c := newAuth(t)
			for i := range tt.users {
				if _, _, err := a.Login(ctx, tt.users[i], "wrong-password", tt.addrs[i]); err != ErrBadCredentials {
					t.Fatalf("wrong attempt %d: %v", i+1, err)
				}
				c.Add(time.Minute)
			}
			if _, _, err := a.Login(ctx, "amina", "amina-password", tt.addr); err != ErrRateLimited {
				t.Fatalf("6th attempt, right password: %v, want ErrRateLimited", err)
			}
			// The user from another address is not refused, nor another user.
			if _, _, err := a.Login(ctx, "amina", "amina-password", "198.51.100.9:1"); err != nil {
				t.Errorf("the user from another address: %v", err)
			}
			if _, _, err := a.Login(ctx, "bob", "bob-password", "198.51.100.10:1"); err != nil {
				t.Errorf("another user from another address: %v", err)
			}
			// Once the window has moved past the failures, the right password works again.
			c.Add(DefaultFailureWindow)
			if _, _, err := a.Login(ctx, "amina", "amina-password", tt.addr); err != nil {
				t.Errorf("after the window: %v", err)
			}
		})
	}
}

// TestAttackerDoesNotLockUserOut: a stranger failing at one user's password again and again
// from one address is refused there, and the user logs in from their own address at once,
// without waiting.
func TestAttackerDoesNotLockUserOut(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	a.MaxAddressAttempts = DefaultMaxAddressAttempts
	var waits []time.Duration
	a.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	limited := 0
	for i := range 50 {
		_, _, err := a.Login(ctx, "amina", "guess-"+fmt.Sprint(i), "203.0.113.66:4444")
		switch {
		case err == ErrRateLimited:
			limited++
		case err != ErrBadCredentials:
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if limited != 50-DefaultMaxFailures {
		t.Errorf("%d of 50 guesses refused unchecked, want %d", limited, 50-DefaultMaxFailures)
	}
	if _, _, err := a.Login(ctx, "amina", "amina-password", "198.51.100.7:1"); err != nil {
		t.Fatalf("the user from their own address: %v", err)
	}
	if len(waits) != 0 {
		t.Errorf("waits asked for: %v", waits)
	}
}

// TestIncreasingDelay: failures for one user from many addresses (each within its own limit)
// make each further attempt for that user wait, longer and longer up to MaxDelay, and never
// refuse it; the user's success ends the waits.
func TestIncreasingDelay(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	a.DelayAfter, a.MaxDelay = 3, 5*time.Second // fewer guesses to hash than with the defaults
	var waits []time.Duration
	a.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	for i := range 8 {
		if _, _, err := a.Login(ctx, "amina", "wrong-password", fmt.Sprintf("203.0.113.%d:1", i+1)); err != ErrBadCredentials {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if fmt.Sprint(waits) != "[1s 2s 4s 5s 5s]" {
		t.Errorf("waits %v, want [1s 2s 4s 5s 5s]", waits)
	}
	waits = nil
	if _, _, err := a.Login(ctx, "amina", "amina-password", "198.51.100.7:1"); err != nil {
		t.Fatalf("the user, from another address: %v", err)
	}
	if fmt.Sprint(waits) != "[5s]" {
		t.Errorf("the user waited %v, want [5s]", waits)
	}
	waits = nil
	if _, _, err := a.Login(ctx, "amina", "wrong-password", "203.0.113.99:1"); err != ErrBadCredentials || len(waits) != 0 {
		t.Errorf("a failure after the success: %v, waits %v", err, waits)
	}
	// The wait ends with the request: a client that hangs up does not hold the server.
	a.Sleep = nil
	for i := range a.DelayAfter {
		a.Login(ctx, "bob", "wrong-password", fmt.Sprintf("203.0.113.%d:1", 100+i))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := a.Login(cancelled, "bob", "bob-password", "198.51.100.8:1"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled login while it waits: %v", err)
	}
}

// TestDefaultDelays: with the defaults, a user's account waits from the 11th failure in the
// window (from more addresses than one), a second doubling to 30 seconds.
func TestDefaultDelays(t *testing.T) {
	t.Parallel()
	a := &Authenticator{}
	s := time.Second
	for n, want := range map[int]time.Duration{1: 0, 10: 0, 11: s, 12: 2 * s, 13: 4 * s, 15: 16 * s, 16: 30 * s, 100: 30 * s, 1 << 30: 30 * s} {
		if got := a.delay(n); got != want {
			t.Errorf("delay(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestSuccessClearsUser: a success forgets the user's failures, so a user who mistypes
// now and then is never locked out by old mistakes.
func TestSuccessClearsUser(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	// Each from its own address, so that only the user's count matters.
	addr := func(i int) string { return fmt.Sprintf("192.0.2.%d:1", i+1) }
	login := func(i int, pw string) error {
		_, _, err := a.Login(ctx, "amina", pw, addr(i))
		return err
	}
	for i := range 4 {
		if err := login(i, "wrong-password"); err != ErrBadCredentials {
			t.Fatalf("wrong attempt %d: %v", i+1, err)
		}
	}
	if err := login(4, "amina-password"); err != nil {
		t.Fatalf("5th attempt, right password: %v", err)
	}
	for i := range 4 {
		if err := login(5+i%3, "wrong-password"); err != ErrBadCredentials {
			t.Fatalf("wrong attempt %d after the success: %v (the success did not clear the count)", i+1, err)
		}
	}
	if err := login(8, "amina-password"); err != nil {
		t.Errorf("right password after 4 more failures: %v", err)
	}
}

// TestAddressCountsSuccesses documents a limitation of counting before deciding: successes
// count under their address too, so that with an address limit of 5 the sixth user to log in
// from one address (an office behind NAT) within the window is refused. That is why the
// default address limit (DefaultMaxAddressAttempts) is far above the user's.
func TestAddressCountsSuccesses(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	for i := range 5 {
		if _, _, err := a.Login(ctx, []string{"amina", "bob"}[i%2], []string{"amina-password", "bob-password"}[i%2], "192.0.2.1:1"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	if _, _, err := a.Login(ctx, "bob", "bob-password", "192.0.2.1:1"); err != ErrRateLimited {
		t.Errorf("6th login from one address: %v (if the store learnt to read counts, update this test)", err)
	}
}

// TestConcurrentGuesses: guessers at once from one address cannot overshoot the limit,
// because each attempt is counted before its password is checked.
func TestConcurrentGuesses(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	a.MaxAddressAttempts = DefaultMaxAddressAttempts
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		checked int
	)
	for i := range 20 {
		wg.Go(func() {
			_, _, err := a.Login(ctx, "amina", "wrong-password", fmt.Sprintf("192.0.2.1:%d", i+1))
			mu.Lock()
			defer mu.Unlock()
			switch err {
			case ErrBadCredentials:
				checked++
			case ErrRateLimited:
			default:
				t.Errorf("attempt: %v", err)
			}
		})
	}
	wg.Wait()
	if checked != DefaultMaxFailures {
		t.Errorf("%d passwords checked out of 20 concurrent guesses, want %d", checked, DefaultMaxFailures)
	}
}

func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		after time.Duration // time since login
		do    func(a *Authenticator, token string) error
		want  error
	}{
		{"fresh", 0, nil, nil},
		{"just before expiry", 2*time.Hour - time.Nanosecond, nil, nil},
		{"expired", 2 * time.Hour, nil, ErrUnauthenticated},
		{"logged out", 0, func(a *Authenticator, token string) error { return a.Logout(ctx, token) }, ErrUnauthenticated},
		{"logged out twice", 0, func(a *Authenticator, token string) error {
			if err := a.Logout(ctx, token); err != nil {
				return err
			}
			return a.Logout(ctx, token)
		}, ErrUnauthenticated},
		{"another token logged out", 0, func(a *Authenticator, _ string) error {
			other, _ := NewToken()
			return a.Logout(ctx, other)
		}, nil},
		{"removed from the bundle", 0, func(a *Authenticator, _ string) error {
			a.Users = func(string) bool { return false }
			return nil
		}, ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, c := newAuth(t)
			a.SessionTTL = 2 * time.Hour
			token, _, err := a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
			if err != nil {
				t.Fatal(err)
			}
			c.Add(tt.after)
			if tt.do != nil {
				if err := tt.do(a, token); err != nil {
					t.Fatalf("action: %v", err)
				}
			}
			sess, err := a.Session(ctx, token)
			if err != tt.want {
				t.Fatalf("Session = %v, want %v", err, tt.want)
			}
			if err == nil && sess.User != "amina" {
				t.Errorf("session of %q", sess.User)
			}
		})
	}
}

func TestSessionBadTokens(t *testing.T) {
	t.Parallel()
	a, _ := newAuth(t)
	token, _, err := a.Login(ctx, "amina", "amina-password", "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewToken()
	for _, tok := range []string{"", "x", token[:42], token + "x", TokenHash(token), other, strings.Repeat("a", 1<<20)} {
		if _, err := a.Session(ctx, tok); err != ErrUnauthenticated {
			t.Errorf("Session(%.50q) = %v, want ErrUnauthenticated", tok, err)
		}
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	sess := &store.Session{CSRF: "abcDEF123_-abcDEF123_-abcDEF123_-abcDEF123_"}
	tests := []struct {
		name  string
		sess  *store.Session
		given string
		want  bool
	}{
		{"right", sess, sess.CSRF, true},
		{"empty", sess, "", false},
		{"prefix", sess, sess.CSRF[:42], false},
		{"longer", sess, sess.CSRF + "x", false},
		{"one character off", sess, sess.CSRF[:42] + "`", false},
		{"nil session", nil, "", false},
		{"session without CSRF", &store.Session{}, "", false},
	}
	for _, tt := range tests {
		if got := CheckCSRF(tt.sess, tt.given); got != tt.want {
			t.Errorf("%s: CheckCSRF = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		token, hash := NewToken()
		if len(token) != 43 || strings.ContainsAny(token, "+/=") {
			t.Fatalf("token %q is not 32 bytes of unpadded base64url", token)
		}
		if hash != TokenHash(token) || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
			t.Fatalf("hash %q of %q", hash, token)
		}
		if seen[token] {
			t.Fatalf("token %q twice", token)
		}
		seen[token] = true
	}
	// A known value, so that the store's hashes stay readable if this code changes.
	if got := TokenHash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("TokenHash(abc) = %s", got)
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"192.0.2.1:443", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:443", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"2001:db8::1", "2001:db8::/64"},
		{"@", "@"},
		{"", ""},
		{strings.Repeat("x", 1000), strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		if got := addrKey(tt.in); got != tt.want {
			t.Errorf("addrKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkHashPassword measures what a login costs the server (verifying costs the same):
// with the OWASP parameters, tens of milliseconds and 19 MiB.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/hash")
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		p      Proxies
		remote string
		xff    []string
		want   string
	}{
		{"no proxy trusted: the header is ignored", nil, "198.51.100.1:5000", []string{"203.0.113.9"}, "198.51.100.1:5000"},
		{"an untrusted peer's header is ignored", proxies, "198.51.100.1:5000", []string{"203.0.113.9"}, "198.51.100.1:5000"},
		{"a trusted proxy names the client", proxies, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a single trusted address", proxies, "192.0.2.10:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"the next address is not trusted", proxies, "192.0.2.11:80", []string{"203.0.113.9"}, "192.0.2.11:80"},
		{"what the client wrote at the left is skipped", proxies, "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops skipped from the right", proxies, "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several headers are one list", proxies, "10.1.2.3:5000", []string{"1.2.3.4", "203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"IPv6 through an IPv6 proxy", proxies, "[2001:db8:ffff::1]:443", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
		{"a hop with a port", proxies, "10.1.2.3:5000", []string{"[2001:db8:1::7]:5555"}, "2001:db8:1::7"},
		{"IPv4-mapped proxy", proxies, "[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"nonsense ends the reading at the last trusted hop", proxies, "10.1.2.3:5000", []string{"203.0.113.9, bogus, 10.9.9.9"}, "10.9.9.9"},
		{"no header: the proxy", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"every hop trusted: the leftmost", proxies, "10.1.2.3:5000", []string{"10.7.7.7, 10.8.8.8"}, "10.7.7.7"},
	}
	for _, tt := range tests {
		if got := tt.p.ClientAddr(tt.remote, tt.xff); got != tt.want {
			t.Errorf("%s: ClientAddr(%q, %q) = %q, want %q", tt.name, tt.remote, tt.xff, got, tt.want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "10.0.0.1/8/8"} {
		if _, err := ParseProxies([]string{bad}); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}
