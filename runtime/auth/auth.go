// Package auth is how the runtime knows who is calling: password hashes (argon2id), session
// tokens, login with rate limiting, and CSRF tokens. It holds no state of its own: password
// hashes, sessions and login failures live in the store, so that several server instances
// sharing one store agree on who is logged in and how many guesses an attacker has left.
//
// The HTTP layer calls it. Of HTTP it knows what the pages and the API share about who is
// calling: the client's address behind trusted proxies, the Origin check, and the CSRF token
// of a browser before it has a session (http.go).
package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

var (
	// ErrBadCredentials: the username or the password is wrong. One error for an unknown
	// user, a user without a password and a wrong password, so that the answer does not
	// tell which usernames exist.
	ErrBadCredentials = errors.New("wrong username or password")
	// ErrRateLimited: too many login attempts from this address lately, or too many failed
	// ones for this user from this address; refused without looking at the password.
	ErrRateLimited = errors.New("too many failed logins; try again later")
	// ErrUnauthenticated: no session for this token, or it expired.
	ErrUnauthenticated = errors.New("not logged in")
)

// Defaults for an Authenticator's zero fields.
const (
	DefaultSessionTTL = 12 * time.Hour // a working day, so a clerk logs in once a day
	// DefaultMaxFailures: failed logins for one user from one address in a window.
	DefaultMaxFailures   = 5
	DefaultFailureWindow = 15 * time.Minute
	// DefaultMaxAddressAttempts: logins from one address in a window, successes included.
	DefaultMaxAddressAttempts = 300
	// DefaultDelayAfter: failed logins for one user, from every address, in a window, after
	// which each further attempt for that user waits before its password is checked.
	DefaultDelayAfter = 2 * DefaultMaxFailures
	// DefaultMaxDelay: the longest such wait.
	DefaultMaxDelay = 30 * time.Second
)

// maxUsernameLen bounds the usernames Login looks up, so that a hostile request cannot make
// the store keep failure counts under megabyte keys. No bundle has names that long.
const maxUsernameLen = 256

// Authenticator logs users in and out and finds their sessions. Its zero fields take the
// defaults above; Store and Active (or, without users in the store, Users) must be set. It is
// safe for concurrent use.
type Authenticator struct {
	Store store.Store
	Now   func() time.Time // time.Now when nil; tests set a clock
	// Sleep waits d or until ctx ends (a timer when nil; tests record the waits asked for).
	Sleep func(ctx context.Context, d time.Duration) error
	// SessionTTL is how long a session lasts from login (not from its last use).
	SessionTTL time.Duration
	// After MaxFailures failed logins within FailureWindow for one user from one address,
	// that address is refused for that user until the window has moved past them. The user
	// logging in from elsewhere is not refused.
	MaxFailures   int
	FailureWindow time.Duration
	// MaxAddressAttempts bounds the logins from one address within FailureWindow, whatever
	// the user. Successes count too (see Login), so it is far above MaxFailures: an office
	// of clerks behind one address must be able to log in every morning.
	MaxAddressAttempts int
	// After DelayAfter failed logins for one user within FailureWindow, from every address
	// together, each attempt for that user waits before its password is checked: a second
	// for the first attempt beyond, doubling with each failure, at most MaxDelay. A
	// success clears the count. It slows guessing at one account from many addresses
	// without locking its user out.
	DelayAfter int
	MaxDelay   time.Duration
	// Proxies are the reverse proxies whose X-Forwarded-For tells the client's address
	// (see ClientAddr). None by default: the address is the connection's.
	Proxies Proxies
	// Users tells whether a user is in the deployed bundle. A password left in the store for
	// a user removed from the bundle must not let them in, nor a session they still hold.
	// Nil lets nobody in: failing closed is the safe way to be misconfigured.
	Users func(username string) bool
	// Active, when set, is asked instead of Users: whether a user may log in and keep their
	// sessions (they exist, are active, and have a role and office of the bundle; see
	// runtime/users). An error fails closed.
	Active func(ctx context.Context, username string) (bool, error)
	// Audit, when set, writes logins, failed logins and logouts in the audit log;
	// AuditFailed hears of an entry that could not be written (a log line).
	Audit       AuditFunc
	AuditFailed func(e *store.AuditEntry, err error)
	// Issuer names the service in authenticator apps (the country's registry); DefaultIssuer
	// when empty. See secondfactor.go.
	Issuer string
}

func (a *Authenticator) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Authenticator) sessionTTL() time.Duration {
	if a.SessionTTL <= 0 {
		return DefaultSessionTTL
	}
	return a.SessionTTL
}

func (a *Authenticator) maxFailures() int {
	if a.MaxFailures <= 0 {
		return DefaultMaxFailures
	}
	return a.MaxFailures
}

func (a *Authenticator) failureWindow() time.Duration {
	if a.FailureWindow <= 0 {
		return DefaultFailureWindow
	}
	return a.FailureWindow
}

// delay is how long an attempt waits when it is the nth for its user, from every address, in
// the window: nothing up to DelayAfter, then a second, doubling, at most MaxDelay.
func (a *Authenticator) delay(n int) time.Duration {
	over := n - orDefault(a.DelayAfter, DefaultDelayAfter)
	if over <= 0 {
		return 0
	}
	limit := a.MaxDelay
	if limit <= 0 {
		limit = DefaultMaxDelay
	}
	if over > 30 {
		return limit
	}
	return min(time.Second<<(over-1), limit)
}

func (a *Authenticator) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (a *Authenticator) isUser(ctx context.Context, username string) (bool, error) {
	if a.Active != nil {
		return a.Active(ctx, username)
	}
	return a.Users != nil && a.Users(username), nil
}

// dummyHash is what Login checks the password against when the user has none: a hash with
// the parameters of real ones, so that a wrong username takes as long as a wrong password.
var dummyHash = params{memory: HashMemory, time: HashTime, threads: HashThreads}.
	encode(make([]byte, SaltLen), make([]byte, KeyLen))

// hashSlots bounds the argon2 computations Login runs at once to the number of CPUs. Each
// takes HashMemory of RAM; without a bound, a burst of logins (or an attacker's) would need
// it a hundredfold and could take the server down, where with one they wait their turn.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// Login checks a user's password and opens a session: it returns the session token (for the
// client's cookie; the store keeps only its hash) and the session. A user with a second
// factor gets ErrSecondFactorRequired instead, with a challenge for CompleteLogin in place of
// the token, and the pending login in place of the session (it grants nothing). remoteAddr is the
// client's address ("host:port" or a bare IP; see ClientAddr behind a proxy).
//
// The limits take the lockout-avoiding techniques of OWASP ASVS 4.0.3 2.2.1 (soft lockouts,
// rate limiting, ever increasing delays, address restrictions) and NIST SP 800-63B 5.2.2
// (waits that increase): they slow the guesser and never lock the user out. Every attempt is
// first counted, in this order, and refused with ErrRateLimited when a count goes past its
// limit:
//
//   - under the address: every attempt, successes included, MaxAddressAttempts a window;
//   - under the user at that address: MaxFailures a window, so that a guesser at one
//     address is stopped while the user, logging in from anywhere else, is not;
//   - under the user, from every address: never refused, but past DelayAfter each attempt
//     waits, a second doubling up to MaxDelay, before its password is checked.
//
// Only then is the password checked, and a success clears the user's counts (at that address
// and overall). Counting before deciding means that many guessers at once cannot all slip in
// under a limit: the store's count is atomic, so at most MaxFailures guesses a window are
// checked for one user from one address. The price is that successful logins count under
// their address too (its count is never cleared, or an attacker holding one account could
// reset their address between guesses at others): many users behind one address can use up
// its allowance.
//
// What is not bounded: guessing at one account from many addresses at once (a botnet). Each
// address has MaxFailures guesses a window; the growing wait slows each guess but, being a
// wait and not a refusal, not many of them in parallel. ASVS's "at most 100 failed attempts
// an hour on one account" holds against guessers from fewer than five addresses; bounding it
// for more would take a hard per-account limit, which is the lockout this avoids.
//
// A wrong password, an unknown user and a user without a password are all ErrBadCredentials,
// and all cost one argon2 computation, so neither the answer nor its time tells whether a
// username exists. Other errors are the store's, or ErrMalformedHash for a damaged stored
// hash: the HTTP layer should log them and answer with a generic failure.
func (a *Authenticator) Login(ctx context.Context, username, password, remoteAddr string) (token string, sess *store.Session, err error) {
	defer func() { a.auditLogin(ctx, username, addrKey(remoteAddr), err) }()
	if username == "" || len(username) > maxUsernameLen {
		return "", nil, ErrBadCredentials // no such user can exist; nothing to count
	}
	now, window := a.now(), a.failureWindow()
	addr := addrKey(remoteAddr)
	userKey, pairKey := "user:"+username, fmt.Sprintf("user-addr:%d:%s:%s", len(addr), addr, username)
	for _, k := range []struct {
		key   string
		limit int
	}{{"addr:" + addr, orDefault(a.MaxAddressAttempts, DefaultMaxAddressAttempts)}, {pairKey, a.maxFailures()}} {
		n, err := a.Store.AddFailure(ctx, k.key, now, window)
		if err != nil {
			return "", nil, fmt.Errorf("auth: counting a login attempt: %w", err)
		}
		if n > k.limit {
			return "", nil, ErrRateLimited
		}
	}
	n, err := a.Store.AddFailure(ctx, userKey, now, window)
	if err != nil {
		return "", nil, fmt.Errorf("auth: counting a login attempt: %w", err)
	}
	if d := a.delay(n); d > 0 {
		if err := a.sleep(ctx, d); err != nil {
			return "", nil, err
		}
	}
	if len(password) > MaxPasswordLen {
		// No password this long can have been set; hashing it would only load the server.
		// Answering sooner tells nothing about the username.
		return "", nil, ErrBadCredentials
	}

	// The store is asked even for users not in the bundle, so that they take as long.
	hash, err := a.Store.Password(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", nil, fmt.Errorf("auth: reading the password of %q: %w", username, err)
	}
	isUser, uerr := a.isUser(ctx, username)
	if uerr != nil {
		return "", nil, fmt.Errorf("auth: reading the user %q: %w", username, uerr)
	}
	known := err == nil && isUser
	if !known {
		hash = dummyHash
	}
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
	ok, err := VerifyPassword(hash, password)
	<-hashSlots
	if err != nil {
		return "", nil, fmt.Errorf("auth: the stored password of %q: %w", username, err)
	}
	if !ok || !known {
		return "", nil, ErrBadCredentials
	}

	for _, key := range []string{pairKey, userKey} {
		if err := a.Store.ClearFailures(ctx, key); err != nil {
			return "", nil, fmt.Errorf("auth: clearing failed logins: %w", err)
		}
	}
	// A user with a second factor gets a challenge, not a session (see CompleteLogin).
	if need, err := a.needsCode(ctx, username); err != nil {
		return "", nil, err
	} else if need {
		return a.challenge(ctx, username, now)
	}
	token, tokenHash := NewToken()
	sess = &store.Session{
		TokenHash: tokenHash,
		User:      username,
		CSRF:      randomToken(),
		Created:   now,
		Expires:   now.Add(a.sessionTTL()),
	}
	if err := a.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("auth: creating the session: %w", err)
	}
	return token, sess, nil
}

// Session finds the session of a token: ErrUnauthenticated when there is none, it expired,
// or its user may no longer log in (Active: deactivated, or of a role or office the bundle
// lacks), so that a deactivation shuts them out at once, not when their session ends.
func (a *Authenticator) Session(ctx context.Context, token string) (*store.Session, error) {
	if len(token) != tokenLen {
		return nil, ErrUnauthenticated // not a token NewToken made; no need to ask the store
	}
	now := a.now()
	sess, err := a.Store.Session(ctx, TokenHash(token), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("auth: reading a session: %w", err)
	}
	// The store filters expired sessions already; checking again costs nothing and does
	// not depend on every store getting the boundary right.
	if !now.Before(sess.Expires) {
		return nil, ErrUnauthenticated
	}
	if ok, err := a.isUser(ctx, sess.User); err != nil {
		return nil, fmt.Errorf("auth: reading the user of a session: %w", err)
	} else if !ok {
		return nil, ErrUnauthenticated
	}
	return sess, nil
}

// Logout ends the session of a token. Ending a session that does not exist (expired, or
// logged out already, say from another tab) is not an error: the user is logged out either
// way.
func (a *Authenticator) Logout(ctx context.Context, token string) error {
	if len(token) != tokenLen {
		return nil
	}
	if a.Audit != nil {
		if sess, err := a.Store.Session(ctx, TokenHash(token), a.now()); err == nil {
			defer a.auditLogout(ctx, sess.User)
		}
	}
	err := a.Store.DeleteSession(ctx, TokenHash(token))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("auth: deleting a session: %w", err)
	}
	return nil
}

// CheckCSRF tells whether given is the session's CSRF token, in constant time so that the
// time of a refusal does not tell how much of a guess was right. A session without a CSRF
// token matches nothing, not the empty string.
func CheckCSRF(sess *store.Session, given string) bool {
	if sess == nil || sess.CSRF == "" {
		return false
	}
	return subtleEqual(sess.CSRF, given)
}
