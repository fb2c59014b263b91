package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of session and CSRF tokens: 256 bits, beyond guessing.
const tokenBytes = 32

// tokenLen is the length of a token as text: 32 bytes in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// NewToken makes a session token and the hash the store keeps of it. The client holds the
// token and the store only its hash, so that someone who reads the store (a backup, a
// replica) cannot take over the sessions in it. A plain sha256 is enough here, unlike for
// passwords: the token is random with 256 bits, so there is nothing to guess from the hash.
func NewToken() (token, hash string) {
	token = randomToken()
	return token, TokenHash(token)
}

// TokenHash is the hash of a session token as the store keeps it: hex sha256.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// randomToken is 32 random bytes in base64url without padding: safe in cookies, headers,
// URLs and form fields without escaping.
func randomToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand crashes the program rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// subtleEqual compares two strings in time that depends on their lengths only.
func subtleEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
