package bundle

import (
	"net/mail"
	"regexp"
	"strings"
)

// The checks of a user's username, email and phone, shared by the compiler (the users sheet)
// and the runtime (users created and edited by an administrator), so that both accept the
// same.

var (
	// usernamePattern is what can be typed at a login on any keyboard and read aloud without doubt.
	usernamePattern = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*$`)
	// phonePattern is an international number: a plus, then digits, with the spaces, hyphens
	// and brackets people write them with.
	phonePattern = regexp.MustCompile(`^\+[0-9][0-9 ()-]{5,20}[0-9]$`)
)

// MaxUsernameLen bounds usernames; no login needs longer.
const MaxUsernameLen = 64

// ValidUsername tells whether u can be a username: lower-case letters and digits, joined by
// dots, hyphens or underscores (amina.tarek).
func ValidUsername(u string) bool { return len(u) <= MaxUsernameLen && usernamePattern.MatchString(u) }

// ValidEmail tells whether e is an email address written alone (amina@example.org).
func ValidEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e
}

// NormalPhone reads a phone number in international form: as written when it is, or as
// dialled within the country (a leading 0) with callingCode ("+251") in its place. ok is false
// when it is neither.
func NormalPhone(p, callingCode string) (string, bool) {
	if phonePattern.MatchString(p) {
		return p, true
	}
	if rest, ok := strings.CutPrefix(p, "0"); ok && callingCode != "" && phonePattern.MatchString(callingCode+rest) {
		return callingCode + " " + rest, true
	}
	return p, false
}
