package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The password rules are NIST SP 800-63B's (revision 4, 3.1.1.2): a minimum length and a
// generous maximum, any Unicode character (spaces included: passphrases are welcome), no
// composition rules (no "a digit and a symbol"), no periodic change, and a refusal of the
// passwords attackers try first: the common ones of breach corpuses, and words of the context
// (the username, the service's name). Lengths are counted in characters (Unicode code points)
// after NFKC normalisation, which is also how a password is hashed, so that the same password
// typed on two keyboards that encode an accented letter differently is the same.
//
// The minimum is 8, 800-63B's for a password used with a second factor. Revision 4 asks 15 of
// a password that is the only factor; crvsctl's login is single-factor until two-factor login
// (TOTP) comes, and keeps 8 until then so that the counter staff of offices where typing is
// slow are not pushed to write passwords down: the list of common passwords, the rate limits of
// Login and argon2id carry the rest. Raise MinPasswordLen to 15 for a single-factor
// deployment that can.

// ErrCommonPassword: the password is one of the common passwords attackers try first, or a
// word of the context (the username, the service's name), with at most digits and symbols
// around it.
var ErrCommonPassword = errors.New("the password is too common: it is one attackers try first; choose another, such as a few unrelated words")

//go:embed commonpasswords/passwords.txt.gz
var commonGz []byte

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

// commonPasswords reads the embedded list once, at the first check (47,023 words: about 3 MB
// in memory, read in some 20 ms).
func commonPasswords() map[string]struct{} {
	commonOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(commonGz))
		if err != nil {
			panic("auth: the embedded list of common passwords: " + err.Error())
		}
		common = make(map[string]struct{}, 48000)
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if w := strings.TrimSpace(sc.Text()); w != "" {
				common[w] = struct{}{}
			}
		}
		if err := sc.Err(); err != nil {
			panic("auth: the embedded list of common passwords: " + err.Error())
		}
	})
	return common
}

// NormalizePassword is the form of a password that is counted, checked and hashed: NFKC.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// core is a password in lower case without the digits, symbols and spaces at its ends:
// "Password123!" is "password".
func core(pw string) string {
	return strings.TrimFunc(strings.ToLower(pw), func(r rune) bool { return !unicode.IsLetter(r) })
}

// letters is a word's letters and digits alone, in lower case: "amina.tarek" is "aminatarek".
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// CheckPasswordRules tells whether pw may be set as a password: long enough and not too long,
// in characters after NFKC, and not a common password (as it is, or in lower case, or without
// the digits and symbols at its ends). context are the words of the context a password must
// not be (the username, the country's and the service's names): refused as they are, and with
// digits and symbols added ("amina.tarek2024!" for amina.tarek).
func CheckPasswordRules(pw string, context ...string) error {
	pw = NormalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return ErrPasswordTooShort
	case n > MaxPasswordLen || len(pw) > maxPasswordBytes:
		return ErrPasswordTooLong
	}
	list := commonPasswords()
	lower := strings.ToLower(pw)
	for _, w := range []string{lower, core(pw), letters(pw)} {
		if _, bad := list[w]; bad && w != "" {
			return ErrCommonPassword
		}
	}
	l := letters(pw)
	for _, c := range context {
		if c := letters(c); len(c) >= 3 && (l == c || letters(core(pw)) == c || strings.TrimFunc(l, unicode.IsDigit) == c) {
			return ErrCommonPassword
		}
	}
	return nil
}
