package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// A second factor is a TOTP secret (RFC 6238: SHA-1, 6 digits, 30-second steps, the
// parameters every authenticator app takes from a QR code) shared with the user's app, and
// recovery codes for the day the app is lost. With one enrolled, Login checks the password
// and answers ErrSecondFactorRequired with a challenge instead of a session; CompleteLogin
// takes the challenge and a code (or a recovery code) and opens the session.
//
// The challenge is a pending login: a session in the store under a hash no token has
// ("2fa:" and the hash of the challenge), so that it grants nothing else, lasts
// ChallengeTTL, is shared by every server instance, pruned when expired and ended with
// the user's sessions.

var (
	// ErrSecondFactorRequired: the password was right and the user has a second factor:
	// Login returns a challenge for CompleteLogin instead of a session.
	ErrSecondFactorRequired = errors.New("the password is right; a code of the authenticator app is needed too")
	// ErrBadCode: the code is wrong, was used already, or the challenge is unknown or expired.
	ErrBadCode = errors.New("wrong or expired code")
	// ErrEnrolled: the user has a second factor already; it must be disabled or reset first.
	ErrEnrolled = errors.New("a second factor is enrolled already")
	// ErrNotEnrolled: the user has no second factor (or only one not confirmed yet).
	ErrNotEnrolled = errors.New("no second factor is enrolled")
)

const (
	// ChallengeTTL is how long a challenge waits for its code.
	ChallengeTTL = 5 * time.Minute
	// RecoveryCodes is how many recovery codes an enrolment gives.
	RecoveryCodes = 10
	// DefaultIssuer names the service in authenticator apps when Issuer is empty.
	DefaultIssuer = "crvsctl"

	challengePrefix = "2fa:"
	totpPeriod      = 30
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// step is the TOTP time step of t.
func step(t time.Time) int64 { return t.Unix() / totpPeriod }

// challenge opens a pending login for username: its token, and the session the store keeps.
func (a *Authenticator) challenge(ctx context.Context, username string, now time.Time) (string, *store.Session, error) {
	token := randomToken()
	sess := &store.Session{TokenHash: challengePrefix + TokenHash(token), User: username, Created: now, Expires: now.Add(ChallengeTTL)}
	if err := a.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("auth: creating a login challenge: %w", err)
	}
	return token, sess, ErrSecondFactorRequired
}

// needsCode tells whether username, whose password was right, must give a code too.
func (a *Authenticator) needsCode(ctx context.Context, username string) (bool, error) {
	f, err := a.Store.SecondFactor(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: reading the second factor of %q: %w", username, err)
	}
	return f.Enrolled, nil
}

// CompleteLogin is a login's second step: challenge is what Login returned with
// ErrSecondFactorRequired, code a code of the user's app or one of their recovery codes. It
// opens the session as Login does. ErrBadCode when the challenge is unknown or expired, or
// the code wrong or used already (the challenge stays, for another try, until it expires).
//
// Every try is counted, as logins are: under the address (MaxAddressAttempts), and under the
// user from every address (MaxFailures a FailureWindow; ErrRateLimited past it). The latter
// is not cleared by a right password, only by a right code, so that someone who knows the
// password cannot log in again and again to guess on: at most MaxFailures guesses a window,
// against three codes right of a million.
func (a *Authenticator) CompleteLogin(ctx context.Context, challenge, code, remoteAddr string) (token string, sess *store.Session, err error) {
	if len(challenge) != tokenLen {
		return "", nil, ErrBadCode
	}
	now, window := a.now(), a.failureWindow()
	pending, err := a.Store.Session(ctx, challengePrefix+TokenHash(challenge), now)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, ErrBadCode
	}
	if err != nil {
		return "", nil, fmt.Errorf("auth: reading a login challenge: %w", err)
	}
	user := pending.User
	defer func() { a.auditCode(ctx, user, addrKey(remoteAddr), err) }()
	for _, k := range []struct {
		key   string
		limit int
	}{{"addr:" + addrKey(remoteAddr), orDefault(a.MaxAddressAttempts, DefaultMaxAddressAttempts)}, {"code:" + user, a.maxFailures()}} {
		n, err := a.Store.AddFailure(ctx, k.key, now, window)
		if err != nil {
			return "", nil, fmt.Errorf("auth: counting a code: %w", err)
		}
		if n > k.limit {
			return "", nil, ErrRateLimited
		}
	}
	if ok, err := a.isUser(ctx, user); err != nil {
		return "", nil, fmt.Errorf("auth: reading the user %q: %w", user, err)
	} else if !ok {
		return "", nil, ErrBadCode
	}
	if err := a.CheckCode(ctx, user, code); err != nil {
		return "", nil, err
	}
	if err := a.Store.ClearFailures(ctx, "code:"+user); err != nil {
		return "", nil, fmt.Errorf("auth: clearing failed codes: %w", err)
	}
	if err := a.Store.DeleteSession(ctx, pending.TokenHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", nil, fmt.Errorf("auth: ending a login challenge: %w", err)
	}
	token, tokenHash := NewToken()
	sess = &store.Session{TokenHash: tokenHash, User: user, CSRF: randomToken(), Created: now, Expires: now.Add(a.sessionTTL())}
	if err := a.Store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("auth: creating the session: %w", err)
	}
	return token, sess, nil
}

// CheckCode checks a code of user's enrolled second factor: a TOTP code of the current step
// or of the one before or after (clocks drift), later than the last one accepted; or a
// recovery code not used yet. The code is used up in the same write that accepts it,
// guarded by the second factor's version: two requests with one code, from any server
// instances, cannot both pass. ErrBadCode when it is wrong or used; ErrNotEnrolled.
func (a *Authenticator) CheckCode(ctx context.Context, user, code string) error {
	for range 3 { // again when another write came between the read and ours
		f, err := a.Store.SecondFactor(ctx, user)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !f.Enrolled) {
			return ErrNotEnrolled
		}
		if err != nil {
			return fmt.Errorf("auth: reading the second factor of %q: %w", user, err)
		}
		next := *f
		next.Version, next.Updated = f.Version+1, a.now()
		if s, ok := matchTOTP(f.Secret, code, a.now()); ok && s > f.LastStep {
			next.LastStep = s
		} else if i := recoveryIndex(f.Recovery, code); i >= 0 {
			next.Recovery = append(append([]string{}, f.Recovery[:i]...), f.Recovery[i+1:]...)
		} else {
			return ErrBadCode
		}
		err = a.Store.SaveSecondFactor(ctx, &next)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("auth: using a code of %q: %w", user, err)
		}
		return nil
	}
	return ErrBadCode
}

// matchTOTP finds the step, of those around now, whose code is code.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	found, ok := int64(0), false
	for _, s := range []int64{step(now) - 1, step(now), step(now) + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err == nil && subtleEqual(want, code) {
			found, ok = s, true
		}
	}
	return found, ok
}

// recoveryIndex is the index in hashes of code's hash, or -1.
func recoveryIndex(hashes []string, code string) int {
	h := recoveryHash(code)
	at := -1
	for i, x := range hashes {
		if subtleEqual(x, h) {
			at = i
		}
	}
	return at
}

// recoveryHash is the hash the store keeps of a recovery code, read as users type it: in
// any case, with or without its dashes and spaces.
func recoveryHash(code string) string {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(code))
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// newRecoveryCodes are n codes of 80 random bits, as xxxx-xxxx-xxxx-xxxx in lowercase
// base32, and their hashes.
func newRecoveryCodes(n int) (codes, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range n {
		b := make([]byte, 10)
		rand.Read(b)
		s := strings.ToLower(enc.EncodeToString(b))
		code := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		codes = append(codes, code)
		hashes = append(hashes, recoveryHash(code))
	}
	return codes, hashes
}

// Enrolment is a second factor being enrolled: the secret, to type into an app, and the
// otpauth:// URL its QR code carries.
type Enrolment struct {
	Secret string
	URL    string
}

func (a *Authenticator) issuer() string {
	if a.Issuer == "" {
		return DefaultIssuer
	}
	return a.Issuer
}

// StartEnrolment makes user a new TOTP secret, kept unconfirmed (it asks nothing at login)
// until ConfirmEnrolment: a secret of an enrolment begun before is replaced. ErrEnrolled
// when the user has a second factor already.
func (a *Authenticator) StartEnrolment(ctx context.Context, user string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.issuer(), AccountName: user, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return nil, fmt.Errorf("auth: making a TOTP secret: %w", err)
	}
	f := &store.SecondFactor{User: user, Secret: key.Secret(), Version: 1, Updated: a.now()}
	old, err := a.Store.SecondFactor(ctx, user)
	switch {
	case err == nil && old.Enrolled:
		return nil, ErrEnrolled
	case err == nil:
		f.Version = old.Version + 1
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("auth: reading the second factor of %q: %w", user, err)
	}
	if err := a.Store.SaveSecondFactor(ctx, f); err != nil {
		return nil, fmt.Errorf("auth: saving the second factor of %q: %w", user, err)
	}
	return &Enrolment{Secret: key.Secret(), URL: totpURL(a.issuer(), user, key.Secret())}, nil
}

// PendingEnrolment is the enrolment of user begun and not confirmed: ErrNotEnrolled when
// there is none, ErrEnrolled when it is confirmed (its secret is never shown again).
func (a *Authenticator) PendingEnrolment(ctx context.Context, user string) (*Enrolment, error) {
	f, err := a.pendingFactor(ctx, user)
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: f.Secret, URL: totpURL(a.issuer(), user, f.Secret)}, nil
}

// pendingFactor is user's second factor while its enrolment waits to be confirmed:
// ErrNotEnrolled when none is begun, ErrEnrolled when it is confirmed already.
func (a *Authenticator) pendingFactor(ctx context.Context, user string) (*store.SecondFactor, error) {
	f, err := a.Store.SecondFactor(ctx, user)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotEnrolled
	case err != nil:
		return nil, fmt.Errorf("auth: reading the second factor of %q: %w", user, err)
	case f.Enrolled:
		return nil, ErrEnrolled
	}
	return f, nil
}

// totpURL is the otpauth:// URL of a secret, as authenticator apps read it from a QR code
// (Key URI Format), with the parameters CheckCode checks by.
func totpURL(issuer, user, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + user,
		RawQuery: strings.ReplaceAll(v.Encode(), "+", "%20")}
	return u.String()
}

// ConfirmEnrolment completes user's enrolment with a code of their app, proving it holds
// the secret, and returns the recovery codes: shown to the user this once, only their
// hashes kept. ErrBadCode when the code is wrong, ErrNotEnrolled when no enrolment is under
// way, ErrEnrolled when it is done already.
func (a *Authenticator) ConfirmEnrolment(ctx context.Context, user, code string) ([]string, error) {
	f, err := a.pendingFactor(ctx, user)
	if err != nil {
		return nil, err
	}
	s, ok := matchTOTP(f.Secret, code, a.now())
	if !ok {
		return nil, ErrBadCode
	}
	codes, hashes := newRecoveryCodes(RecoveryCodes)
	next := *f
	next.Enrolled, next.Recovery, next.LastStep, next.Version, next.Updated = true, hashes, s, f.Version+1, a.now()
	if err := a.Store.SaveSecondFactor(ctx, &next); errors.Is(err, store.ErrConflict) {
		return nil, ErrBadCode // another confirmation, or a new enrolment, came first
	} else if err != nil {
		return nil, fmt.Errorf("auth: saving the second factor of %q: %w", user, err)
	}
	return codes, nil
}

// Enrolled tells whether user has a confirmed second factor, and how many recovery codes
// they have left.
func (a *Authenticator) Enrolled(ctx context.Context, user string) (enrolled bool, recovery int, err error) {
	f, err := a.Store.SecondFactor(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("auth: reading the second factor of %q: %w", user, err)
	}
	return f.Enrolled, len(f.Recovery), nil
}

// DisableSecondFactor removes user's second factor, once they prove they hold it with a
// code (CheckCode). Whether their role lets them go without is the caller's to decide.
func (a *Authenticator) DisableSecondFactor(ctx context.Context, user, code string) error {
	if err := a.CheckCode(ctx, user, code); err != nil {
		return err
	}
	if err := a.Store.DeleteSecondFactor(ctx, user); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("auth: removing the second factor of %q: %w", user, err)
	}
	return nil
}
