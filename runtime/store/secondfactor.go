package store

import "time"

// SecondFactor is a user's second factor for logging in: a TOTP secret (RFC 6238) their
// authenticator app holds too, and recovery codes for the day they lose it (see runtime/auth).
// A user has at most one; none when they never enrolled, or an administrator reset it.
type SecondFactor struct {
	User string
	// Secret is the TOTP secret, in base32. It is read by the server only: no page or API
	// answer shows it, but the enrolment page, once, before it is confirmed.
	Secret string
	// Enrolled: the user confirmed the secret with a code of their app. Until then the
	// second factor is an enrolment under way, and asks nothing at login.
	Enrolled bool
	// Recovery are the hex sha256 of the recovery codes not used yet: each lets its user in
	// once, instead of a code of the app. The codes are random with 80 bits, so a plain hash
	// is enough, as for session tokens.
	Recovery []string
	// LastStep is the TOTP time step (Unix time / 30 s) of the last code accepted: a code of
	// that step or an earlier one is refused, so that a code seen over a shoulder or in a
	// proxy's log cannot be used again.
	LastStep int64

	Version int64     // 1 when created; each update adds one
	Updated time.Time // when last changed
}
