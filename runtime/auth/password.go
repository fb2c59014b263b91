package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters of new hashes: the first of OWASP's equivalent recommendations
// (Password Storage Cheat Sheet), 19 MiB of memory, 2 passes, 1 lane. They cost tens of
// milliseconds a login, which a person does not notice but which makes guessing against a
// stolen store slow, and the memory makes guessing on GPUs dear. They are written into each
// hash, so raising them later does not invalidate the hashes already stored.
const (
	HashMemory  = 19 * 1024 // KiB
	HashTime    = 2         // passes over the memory
	HashThreads = 1         // lanes
	SaltLen     = 16        // bytes, random per hash so that equal passwords hash differently
	KeyLen      = 32        // bytes of argon2id output kept
)

// Limits on the parameters VerifyPassword accepts from a stored hash. A hash comes from the
// store, which the server trusts less than itself: an entry asking for 64 GiB or a million
// passes would let whoever wrote it stop the server at the next login of that user. The
// limits are far above what HashPassword writes, to leave room for raising the cost.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 100
	maxThreads = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// Password length rules, in characters (code points after NFKC; see rules.go). The maximum is
// there because every login hashes the password given, and hashing megabytes on request is a
// cheap way to load the server, not because long passwords are bad: 256 characters hold any
// passphrase, and 800-63B asks at least 64.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
	// maxPasswordBytes bounds the bytes of a password of MaxPasswordLen characters or fewer
	// (a character is at most 4 bytes of UTF-8).
	maxPasswordBytes = 4 * MaxPasswordLen
)

var (
	// ErrPasswordTooShort and ErrPasswordTooLong are CheckPasswordRules's answers; their text
	// is written to be shown to the user setting the password.
	ErrPasswordTooShort = fmt.Errorf("the password is too short: it needs at least %d characters", MinPasswordLen)
	ErrPasswordTooLong  = fmt.Errorf("the password is too long: it may have at most %d characters", MaxPasswordLen)
	// ErrMalformedHash: a stored hash VerifyPassword cannot or will not check (not a PHC
	// argon2id string, or with parameters beyond the limits). It means the store holds
	// something HashPassword did not write: an operator's problem, not a wrong password.
	ErrMalformedHash = errors.New("malformed password hash")
)

// HashPassword hashes a password for the store, with argon2id and a new random salt, in the
// PHC string format ($argon2id$v=19$m=19456,t=2,p=1$salt$hash) that other tools can read too.
// It refuses passwords that break CheckPasswordRules. The password is hashed in NFKC
// (VerifyPassword normalises the same way).
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	pw = NormalizePassword(pw)
	salt := make([]byte, SaltLen)
	rand.Read(salt) // never fails (crypto/rand crashes the program rather than return short)
	p := params{memory: HashMemory, time: HashTime, threads: HashThreads}
	return p.encode(salt, argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, KeyLen)), nil
}

// VerifyPassword tells whether pw is the password hash was made from. The hash is parsed
// strictly: anything but the canonical PHC form HashPassword writes, or parameters beyond
// sane limits, is ErrMalformedHash rather than a false, so that a damaged store is noticed.
// The comparison takes the same time wherever the hashes differ.
func VerifyPassword(hash, pw string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	check := func(pw string) bool {
		got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
		return subtle.ConstantTimeCompare(got, key) == 1
	}
	if len(pw) > maxPasswordBytes {
		return check(pw), nil // no password of the rules: matches nothing, not worth normalising
	}
	// Hashes are of the NFKC form; one stored before passwords were normalised is of the
	// password as typed, which is tried too when it differs (never for ASCII).
	n := NormalizePassword(pw)
	return check(n) || n != pw && check(pw), nil
}

type params struct {
	memory, time uint32
	threads      uint8
}

var b64 = base64.RawStdEncoding.Strict()

func (p params) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseHash reads a PHC argon2id string. It accepts only the canonical form (the one encode
// writes): the string is re-encoded from what was read and must come out the same, which
// rejects leading zeros, signs, padding, reordered or extra parameters in one place.
func parseHash(hash string) (p params, salt, key []byte, err error) {
	bad := func(why string) (params, []byte, []byte, error) {
		return params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(hash) > 512 {
		return bad("too long")
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("not a PHC string $id$v=..$params$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("not version 19")
	}
	kvs := strings.Split(parts[3], ",")
	if len(kvs) != 3 {
		return bad("parameters are not m=..,t=..,p=..")
	}
	var v [3]uint64 // m, t, p
	for i, name := range []string{"m=", "t=", "p="} {
		val, ok := strings.CutPrefix(kvs[i], name)
		if !ok {
			return bad("parameters are not m=..,t=..,p=..")
		}
		if v[i], err = strconv.ParseUint(val, 10, 32); err != nil {
			return bad("parameter " + name[:1] + " is not a number")
		}
	}
	m, t, th := v[0], v[1], v[2]
	switch {
	case t < 1 || t > maxTime:
		return bad("t out of range")
	case th < 1 || th > maxThreads:
		return bad("p out of range")
	case m < 8*th || m > maxMemory: // argon2 needs 8 KiB a lane
		return bad("m out of range")
	}
	p = params{memory: uint32(m), time: uint32(t), threads: uint8(th)}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return bad("bad salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return bad("bad hash")
	}
	if p.encode(salt, key) != hash {
		return bad("not in canonical form")
	}
	return p, salt, key, nil
}
