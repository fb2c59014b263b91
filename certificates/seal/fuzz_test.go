package seal

import (
	"os"
	"strings"
	"testing"
)

// FuzzOpen feeds Open what a QR code reader might hand it: it must never panic, must refuse
// with exactly one of its reasons, and must never return the payload of a refused seal.
func FuzzOpen(f *testing.F) {
	key := testKey(f, "NV-2026-1", 1)
	ring := testRing(f, key.Public())
	golden, err := os.ReadFile("testdata/golden-seal.txt")
	if err != nil {
		f.Fatal(err)
	}
	text := strings.TrimSuffix(string(golden), "\n")
	f.Add(text)
	f.Add(text[:len(text)/2])
	f.Add(Prefix)
	f.Add("CRVS9:" + text[len(Prefix):])
	f.Add(Prefix + base45Encode([]byte{0x78, 0xda, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})) // zlib of nothing
	for _, p := range []Payload{ethiopic(), {RegistrationNumber: "1", Event: "death", EventDate: "1900-01-01", CertificateSerial: "1", IssueDate: "2026-01-01"}} {
		s, err := key.Seal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, keyID, err := Open(text, ring)
		if err == nil {
			// Only a seal of the test key opens; then it names the key and the payload is whole.
			if keyID != key.ID || p.IssuerKeyID != key.ID || p.RegistrationNumber == "" || p.Version != PayloadVersion {
				t.Fatalf("opened %q: %+v, %q", text, p, keyID)
			}
			return
		}
		if Code(err) == "error" {
			t.Fatalf("Open(%q) = %v, which wraps none of the reasons", text, err)
		}
		if p != (Payload{}) {
			t.Fatalf("Open(%q) refused (%v) but returned %+v", text, err, p)
		}
	})
}

// FuzzParseKeyring feeds the reader of key files: no panic, and a ring it accepts writes back
// to a file that reads the same.
func FuzzParseKeyring(f *testing.F) {
	f.Add([]byte(goodKeyring))
	f.Add([]byte(`{"keys": []}`))
	f.Add([]byte(`{"keys": [{"id": "K", "id": "L"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ring, err := ParseKeyring(data)
		if err != nil {
			return
		}
		again, err := MarshalKeyring(ring.Keys()...)
		if err != nil {
			t.Fatalf("an accepted ring does not write back: %v", err)
		}
		ring2, err := ParseKeyring(again)
		if err != nil {
			t.Fatalf("a written ring does not read back: %v\n%s", err, again)
		}
		if len(ring2.Keys()) != len(ring.Keys()) {
			t.Fatalf("%d keys, then %d", len(ring.Keys()), len(ring2.Keys()))
		}
	})
}
