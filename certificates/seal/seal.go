// Package seal makes and checks the signed text a certificate's QR code carries, so that anyone
// holding the country's public keys can check a certificate offline: a forged or altered one
// fails.
//
// The recipe is the EU digital COVID certificate's, with a prefix of its own:
//
//	Payload ─CBOR─▶ claims ─Ed25519, COSE_Sign1─▶ message ─zlib─▶ ─Base45─▶ "CRVS1:" + text
//
// where
//   - claims: a CBOR map with small integer keys and dates as day numbers, in core
//     deterministic encoding (see claims in payload.go);
//   - message: a tagged COSE_Sign1 (RFC 9052, tag 18) whose protected header holds the
//     algorithm (EdDSA, -8) and the key id (kid, label 4), so that both are signed;
//   - zlib at its best compression, then Base45 (RFC 9285), whose alphabet is the QR code's
//     alphanumeric set;
//   - the prefix names the format and its version: "CRVS1:".
//
// COSE comes from github.com/veraison/go-cose rather than being written here: building the
// Sig_structure by hand is twenty lines, but the library also validates headers (critical
// parameters, the algorithm against the key's), is fuzzed, is maintained by a team and used by
// others (Notary), and costs no more than the CBOR library we use anyway. Should it stop being
// kept, RFC 9052 section 4.4 is what to write in its place; the golden seal in the tests holds
// the bytes to the format.
//
// Sizes (TestSizeOfARealisticPayload, BenchmarkPayloadSize): a record with long names and a
// long place (37 + 32 + 54 characters) seals to 437 characters, a QR code of version 13 at
// error correction M (69 modules a side, 77 with the quiet zone: 0.32 mm a module at 2.5 cm);
// the same record with Amharic names, 462; a record with everyday names, 272 (version 10).
// Seal refuses a text over MaxLength, so that no certificate carries a code phones cannot read.
// zlib costs 7 bytes on Latin text (the signature's 64 random bytes do not compress) and saves
// 11 on Ethiopic (UTF-8 repeats its lead bytes): kept, as the recipe has it, for the scripts
// whose names grow.
package seal

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/veraison/go-cose"
)

// Prefix starts every seal; its number is the version of the whole format (the envelope), which
// changes only if Open could not read the new one.
const Prefix = "CRVS1:"

// The reasons Open refuses a text. Each error it returns wraps exactly one of them (test with
// errors.Is), with the detail after a colon.
var (
	// ErrNotSeal: the text does not start with a crvsctl prefix (another QR code, a URL).
	ErrNotSeal = errors.New("not a crvsctl seal")
	// ErrUnsupported: a seal of a format or payload version this crvsctl does not read.
	ErrUnsupported = errors.New("seal of a version this crvsctl does not read")
	// ErrDamaged: the text does not decode (Base45, zlib, COSE, the claims): misread, cut or
	// altered.
	ErrDamaged = errors.New("damaged seal")
	// ErrUnknownKey: the seal names a key that is not in the keyring, or none.
	ErrUnknownKey = errors.New("unknown key")
	// ErrBadSignature: the signature does not match the content and the named key: altered
	// or forged.
	ErrBadSignature = errors.New("bad signature")
	// ErrKeyExpired: the key was not valid on the seal's issue date.
	ErrKeyExpired = errors.New("key not valid on the issue date")
	// ErrKeyRevoked: the key was revoked; nothing it signed is trusted, whatever its date.
	ErrKeyRevoked = errors.New("key revoked")
)

// Code is a stable short name of the reason an error of Open wraps, for programs (verify
// --format json, the verification page): "not-a-seal", "unsupported", "damaged",
// "unknown-key", "bad-signature", "key-expired", "key-revoked"; "" for nil and "error" for an
// error that wraps none of them.
func Code(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrNotSeal, "not-a-seal"},
		{ErrUnsupported, "unsupported"},
		{ErrDamaged, "damaged"},
		{ErrUnknownKey, "unknown-key"},
		{ErrBadSignature, "bad-signature"},
		{ErrKeyExpired, "key-expired"},
		{ErrKeyRevoked, "key-revoked"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	if err == nil {
		return ""
	}
	return "error"
}

// MaxLength is the longest seal Seal writes: what a QR code of version 15 at error correction M
// holds in alphanumeric mode (77 modules a side), the largest that prints at 2 to 3 cm and that
// phones still read.
const MaxLength = 600

// Limits on outside input: a QR code holds at most 4,296 alphanumeric characters, and a
// message of a seal is a few hundred bytes; a zlib bomb stops at maxMessage.
const (
	maxText    = 4296
	maxMessage = 4096
)

// Seal signs a payload with an Ed25519 private key whose id is keyID, and returns the text for
// the QR code. The same payload and key always make the same text. It refuses a payload with
// a required part missing or a date that is not YYYY-MM-DD, and a payload whose IssuerKeyID is
// set to another id than keyID.
func Seal(p Payload, key ed25519.PrivateKey, keyID string) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("seal: an Ed25519 private key is %d bytes, not %d", ed25519.PrivateKeySize, len(key))
	}
	if err := checkKeyID(keyID); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	if p.IssuerKeyID != "" && p.IssuerKeyID != keyID {
		return "", fmt.Errorf("seal: the payload names key %q, not %q", p.IssuerKeyID, keyID)
	}
	content, err := encodeClaims(p)
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, key)
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{
			Protected: cose.ProtectedHeader{
				cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA,
				cose.HeaderLabelKeyID:     []byte(keyID),
			},
		},
		Payload: content,
	}
	// Ed25519 needs no randomness: the signature is a function of the key and the content.
	if err := msg.Sign(nil, nil, signer); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	message, err := msg.MarshalCBOR()
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	var z bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(&z)
	zw.Write(message) // a bytes.Buffer does not fail
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	if n := len(Prefix) + base45EncodedLen(z.Len()); n > MaxLength {
		return "", fmt.Errorf("seal: %d characters, over the %d a QR code of version 15-M holds: shorten the place or the names", n, MaxLength)
	}
	return Prefix + base45Encode(z.Bytes()), nil
}

// Open checks a seal against a keyring and returns its payload (IssuerKeyID filled in) and the
// id of the key that signed it. The id is returned whenever the seal could be read that far,
// even with an error (to say which key is unknown, revoked or expired); the payload only when
// the seal is valid: content whose signature failed is never handed out.
//
// The checks, in order: the prefix (ErrNotSeal, ErrUnsupported), Base45, zlib and COSE
// (ErrDamaged), the key id (ErrUnknownKey), the signature (ErrBadSignature), the claims
// (ErrDamaged, ErrUnsupported), the key's revocation (ErrKeyRevoked) and its validity on the
// issue date (ErrKeyExpired).
func Open(text string, ring *Keyring) (Payload, string, error) {
	body, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		if v, ok := otherVersion(text); ok {
			return Payload{}, "", fmt.Errorf("%w: the prefix says format %s; this crvsctl reads %s", ErrUnsupported, v, Prefix)
		}
		return Payload{}, "", fmt.Errorf("%w: the text does not start with %q", ErrNotSeal, Prefix)
	}
	if len(body) > maxText {
		return Payload{}, "", fmt.Errorf("%w: %d characters, more than a QR code holds", ErrDamaged, len(body))
	}
	compressed, err := base45Decode(body)
	if err != nil {
		return Payload{}, "", fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	message, err := inflate(compressed)
	if err != nil {
		return Payload{}, "", fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(message); err != nil {
		return Payload{}, "", fmt.Errorf("%w: not a COSE_Sign1 message: %w", ErrDamaged, err)
	}
	// Nothing outside the signature is taken: an unprotected header could be changed by anyone.
	if len(msg.Headers.Unprotected) > 0 {
		return Payload{}, "", fmt.Errorf("%w: the seal carries unsigned header parameters", ErrDamaged)
	}
	kid, ok := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if !ok || len(kid) == 0 {
		return Payload{}, "", fmt.Errorf("%w: the seal names no key in its signed header", ErrUnknownKey)
	}
	keyID := string(kid)
	key, ok := ring.lookup(keyID)
	if !ok {
		return Payload{}, keyID, fmt.Errorf("%w: %q is not in the keyring", ErrUnknownKey, keyID)
	}
	verifier, err := cose.NewVerifier(cose.AlgorithmEdDSA, key.publicKey)
	if err != nil {
		return Payload{}, keyID, fmt.Errorf("%w: key %q: %w", ErrBadSignature, keyID, err)
	}
	if err := msg.Verify(nil, verifier); err != nil {
		return Payload{}, keyID, fmt.Errorf("%w: the content was altered, or not signed by key %q", ErrBadSignature, keyID)
	}
	p, err := decodeClaims(msg.Payload)
	if errors.Is(err, errVersion) {
		return Payload{}, keyID, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if err != nil {
		return Payload{}, keyID, fmt.Errorf("%w: signed claims unreadable: %w", ErrDamaged, err)
	}
	p.IssuerKeyID = keyID
	if key.Revoked != "" {
		return Payload{}, keyID, fmt.Errorf("%w: key %q was revoked on %s", ErrKeyRevoked, keyID, key.Revoked)
	}
	if p.IssueDate < key.NotBefore || p.IssueDate > key.NotAfter {
		return Payload{}, keyID, fmt.Errorf("%w: key %q signs from %s to %s, and the seal says it was issued on %s", ErrKeyExpired, keyID, key.NotBefore, key.NotAfter, p.IssueDate)
	}
	return p, keyID, nil
}

// zlibWriters keeps compressors between seals: a new one allocates 800 KB, four fifths of the
// time of a seal (a batch prints thousands).
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestCompression) // the level is valid
	return zw
}}

// otherVersion recognises the prefix of another version of the format, "CRVS<n>:", and
// returns it.
func otherVersion(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "CRVS")
	if !ok {
		return "", false
	}
	i := 0
	for i < len(rest) && i < 4 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(rest) || rest[i] != ':' {
		return "", false
	}
	return text[:len("CRVS")+i+1], true
}

// inflate undoes zlib, refusing more than maxMessage bytes and anything after the stream.
func inflate(compressed []byte) ([]byte, error) {
	in := bytes.NewReader(compressed)
	zr, err := zlib.NewReader(in)
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxMessage+1))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if len(out) > maxMessage {
		return nil, fmt.Errorf("zlib: the message inflates past %d bytes", maxMessage)
	}
	if in.Len() > 0 {
		return nil, fmt.Errorf("zlib: %d bytes after the end of the stream", in.Len())
	}
	return out, nil
}
