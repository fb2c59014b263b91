package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Key files are JSON, so that a person can read and merge them and a browser can load them.
//
// A public key file (a keyring) lists the keys a verifier trusts:
//
//	{
//	  "keys": [
//	    {
//	      "id": "NV-2026-1",                 // the COSE kid; letters, digits, ".", "_", "-"
//	      "algorithm": "Ed25519",            // the only one
//	      "publicKey": "base64 of 32 bytes", // RFC 8032 public key, standard base64
//	      "notBefore": "2026-01-01",         // the first issue date it may sign
//	      "notAfter": "2030-12-31",          // the last issue date it may sign
//	      "issuer": "Civil Registration Office of Nerovia", // optional, shown by verify
//	      "revoked": "2027-05-04"            // optional: the day it was revoked
//	    }
//	  ]
//	}
//
// (without the comments: the files are plain JSON). A key signs certificates issued from
// notBefore to notAfter; a certificate stays valid after its key's notAfter, since the key was
// valid on the day the certificate was issued. A revoked key (lost, stolen) is distrusted for
// everything it signed, whatever the issue date: the date is only as trustworthy as the key.
// Unknown members, members in another case and members given twice are refused, so that a
// misspelt "notAfter" does not leave a key valid for ever. A country's keyring is the keys of every public key file made by `crvsctl keys
// generate`, in one "keys" array.
//
// A private key file holds one key with its id and validity, so that the signer cannot seal a
// certificate its verifiers would refuse:
//
//	{
//	  "id": "NV-2026-1",
//	  "algorithm": "Ed25519",
//	  "privateKey": "base64 of 32 bytes",  // the RFC 8032 private key (Go's seed)
//	  "publicKey": "base64 of 32 bytes",   // checked against the private key
//	  "notBefore": "2026-01-01",
//	  "notAfter": "2030-12-31",
//	  "issuer": "..."                      // optional
//	}
//
// It is written with mode 0600 and never printed.

// Algorithm is the one signature algorithm of key files.
const Algorithm = "Ed25519"

// PublicKey is one key of a keyring, as its file holds it.
type PublicKey struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
	// PublicKey is the standard base64 of the 32-byte Ed25519 public key.
	PublicKey string `json:"publicKey"`
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
	Issuer    string `json:"issuer,omitempty"`
	Revoked   string `json:"revoked,omitempty"`

	publicKey ed25519.PublicKey
}

// Keyring is the set of public keys a verifier trusts, by id.
type Keyring struct {
	keys map[string]*PublicKey
	ids  []string // in the order of the files
}

// keyringFile is the JSON of a public key file.
type keyringFile struct {
	Keys []*PublicKey `json:"keys"`
}

// keyringJSON is keyringFile as read: each key checked on its own.
type keyringJSON struct {
	Keys []json.RawMessage `json:"keys"`
}

// Keys returns the keys of the ring, in the order they were read.
func (r *Keyring) Keys() []PublicKey {
	if r == nil {
		return nil
	}
	out := make([]PublicKey, 0, len(r.ids))
	for _, id := range r.ids {
		out = append(out, *r.keys[id])
	}
	return out
}

// Key returns the key of an id.
func (r *Keyring) Key(id string) (PublicKey, bool) {
	k, ok := r.lookup(id)
	if !ok {
		return PublicKey{}, false
	}
	return *k, true
}

func (r *Keyring) lookup(id string) (*PublicKey, bool) {
	if r == nil {
		return nil, false
	}
	k, ok := r.keys[id]
	return k, ok
}

// Add puts a key in the ring after checking it; an id already there is refused.
func (r *Keyring) Add(k PublicKey) error {
	if err := k.check(); err != nil {
		return err
	}
	if r.keys == nil {
		r.keys = map[string]*PublicKey{}
	}
	if _, dup := r.keys[k.ID]; dup {
		return fmt.Errorf("key %q is listed twice", k.ID)
	}
	r.keys[k.ID] = &k
	r.ids = append(r.ids, k.ID)
	return nil
}

// ReadKeyring reads public key files into one keyring.
func ReadKeyring(paths ...string) (*Keyring, error) {
	ring := &Keyring{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := ring.add(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return ring, nil
}

// ParseKeyring reads the JSON of a public key file.
func ParseKeyring(data []byte) (*Keyring, error) {
	ring := &Keyring{}
	if err := ring.add(data); err != nil {
		return nil, err
	}
	return ring, nil
}

func (r *Keyring) add(data []byte) error {
	var f keyringJSON
	if err := decodeStrict(data, &f); err != nil {
		return err
	}
	if f.Keys == nil {
		return errors.New(`no "keys" array`)
	}
	var problems []error
	for i, raw := range f.Keys {
		var k PublicKey
		if err := decodeStrict(raw, &k); err != nil {
			problems = append(problems, fmt.Errorf("keys[%d]: %w", i, err))
			continue
		}
		if err := r.Add(k); err != nil {
			problems = append(problems, fmt.Errorf("keys[%d]: %w", i, err))
		}
	}
	return errors.Join(problems...)
}

// MarshalKeyring writes keys as a public key file.
func MarshalKeyring(keys ...PublicKey) ([]byte, error) {
	f := keyringFile{Keys: []*PublicKey{}}
	for _, k := range keys {
		if err := k.check(); err != nil {
			return nil, err
		}
		f.Keys = append(f.Keys, &k)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	return append(data, '\n'), err
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkKeyID(id string) error {
	if !keyIDPattern.MatchString(id) {
		return fmt.Errorf("key id %q: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// check validates a key and decodes its public key.
func (k *PublicKey) check() error {
	if err := checkKeyID(k.ID); err != nil {
		return err
	}
	if k.Algorithm != Algorithm {
		return fmt.Errorf("key %q: algorithm %q, not %q", k.ID, k.Algorithm, Algorithm)
	}
	pub, err := decodeKeyBytes(k.PublicKey, ed25519.PublicKeySize)
	if err != nil {
		return fmt.Errorf("key %q: publicKey: %w", k.ID, err)
	}
	k.publicKey = pub
	if err := checkValidity(k.NotBefore, k.NotAfter); err != nil {
		return fmt.Errorf("key %q: %w", k.ID, err)
	}
	if k.Revoked != "" {
		if _, err := parseDay(k.Revoked); err != nil {
			return fmt.Errorf("key %q: revoked: %w", k.ID, err)
		}
	}
	return nil
}

func checkValidity(notBefore, notAfter string) error {
	from, err := parseDay(notBefore)
	if err != nil {
		return fmt.Errorf("notBefore: %w", err)
	}
	until, err := parseDay(notAfter)
	if err != nil {
		return fmt.Errorf("notAfter: %w", err)
	}
	if until < from {
		return fmt.Errorf("notAfter %s is before notBefore %s", notAfter, notBefore)
	}
	return nil
}

func decodeKeyBytes(s string, size int) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not standard base64")
	}
	if len(b) != size {
		return nil, fmt.Errorf("%d bytes, not %d", len(b), size)
	}
	return b, nil
}

// decodeStrict decodes one JSON object into v, refusing what encoding/json lets through: a
// member name in another case than the field's ("notafter" for "notAfter"), a name given twice
// (the last would win), an unknown name, and anything after the object. Nested objects are
// checked by their own decodeStrict, on the json.RawMessage fields that hold them.
func decodeStrict(data []byte, v any) error {
	if err := checkMembers(data, jsonNames(v)); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// jsonNames returns the member names of the struct v points to, from its json tags.
func jsonNames(v any) map[string]bool {
	names := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		if tag, ok := t.Field(i).Tag.Lookup("json"); ok {
			names[strings.Split(tag, ",")[0]] = true
		}
	}
	return names
}

// checkMembers checks that data is one JSON object whose member names are all in names, each
// once.
func checkMembers(data []byte, names map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string) // a member name, the decoder made sure
		switch {
		case !names[name]:
			return fmt.Errorf("unknown member %q", name)
		case seen[name]:
			return fmt.Errorf("member %q given twice", name)
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

// PrivateKey is a signing key with its id and validity, as its file holds it.
type PrivateKey struct {
	ID        string
	Key       ed25519.PrivateKey
	NotBefore string
	NotAfter  string
	Issuer    string
}

type privateKeyFile struct {
	ID         string `json:"id"`
	Algorithm  string `json:"algorithm"`
	PrivateKey string `json:"privateKey"`
	PublicKey  string `json:"publicKey"`
	NotBefore  string `json:"notBefore"`
	NotAfter   string `json:"notAfter"`
	Issuer     string `json:"issuer,omitempty"`
}

// GenerateKey makes a new key pair with an id and the issue dates it may sign (YYYY-MM-DD).
func GenerateKey(id, notBefore, notAfter, issuer string) (*PrivateKey, error) {
	if err := checkKeyID(id); err != nil {
		return nil, err
	}
	if err := checkValidity(notBefore, notAfter); err != nil {
		return nil, err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{ID: id, Key: key, NotBefore: notBefore, NotAfter: notAfter, Issuer: issuer}, nil
}

// Public returns the public half of the key, for a keyring.
func (k *PrivateKey) Public() PublicKey {
	pub := k.Key.Public().(ed25519.PublicKey)
	return PublicKey{
		ID:        k.ID,
		Algorithm: Algorithm,
		PublicKey: base64.StdEncoding.EncodeToString(pub),
		NotBefore: k.NotBefore,
		NotAfter:  k.NotAfter,
		Issuer:    k.Issuer,
		publicKey: pub,
	}
}

// Seal seals a payload with the key, after checking that the key may sign on its issue date.
func (k *PrivateKey) Seal(p Payload) (string, error) {
	if p.IssueDate < k.NotBefore || p.IssueDate > k.NotAfter {
		return "", fmt.Errorf("seal: key %q signs issue dates from %s to %s, not %s", k.ID, k.NotBefore, k.NotAfter, p.IssueDate)
	}
	return Seal(p, k.Key, k.ID)
}

// MarshalPrivateKey writes the private key file of a key.
func MarshalPrivateKey(k *PrivateKey) ([]byte, error) {
	if err := checkKeyID(k.ID); err != nil {
		return nil, err
	}
	if len(k.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("key %q: not an Ed25519 private key", k.ID)
	}
	data, err := json.MarshalIndent(privateKeyFile{
		ID:         k.ID,
		Algorithm:  Algorithm,
		PrivateKey: base64.StdEncoding.EncodeToString(k.Key.Seed()),
		PublicKey:  base64.StdEncoding.EncodeToString(k.Key.Public().(ed25519.PublicKey)),
		NotBefore:  k.NotBefore,
		NotAfter:   k.NotAfter,
		Issuer:     k.Issuer,
	}, "", "  ")
	return append(data, '\n'), err
}

// ParsePrivateKey reads the JSON of a private key file. Its errors never quote the key.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	var f privateKeyFile
	if err := decodeStrict(data, &f); err != nil {
		// encoding/json's errors name types and members, never values.
		return nil, err
	}
	if err := checkKeyID(f.ID); err != nil {
		return nil, err
	}
	if f.Algorithm != Algorithm {
		return nil, fmt.Errorf("key %q: algorithm %q, not %q", f.ID, f.Algorithm, Algorithm)
	}
	seed, err := decodeKeyBytes(f.PrivateKey, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("key %q: privateKey: %w", f.ID, err)
	}
	pub, err := decodeKeyBytes(f.PublicKey, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("key %q: publicKey: %w", f.ID, err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	if !slices.Equal(key.Public().(ed25519.PublicKey), pub) {
		return nil, fmt.Errorf("key %q: publicKey is not the public half of privateKey", f.ID)
	}
	if err := checkValidity(f.NotBefore, f.NotAfter); err != nil {
		return nil, fmt.Errorf("key %q: %w", f.ID, err)
	}
	return &PrivateKey{ID: f.ID, Key: key, NotBefore: f.NotBefore, NotAfter: f.NotAfter, Issuer: f.Issuer}, nil
}

// ReadPrivateKey reads a private key file.
func ReadPrivateKey(path string) (*PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
