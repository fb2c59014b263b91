package seal

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-seal.txt")

// testKey is a fixed key, so that seals are the same from run to run.
func testKey(t testing.TB, id string, seed byte) *PrivateKey {
	t.Helper()
	return &PrivateKey{
		ID:        id,
		Key:       ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)),
		NotBefore: "2026-01-01",
		NotAfter:  "2030-12-31",
		Issuer:    "Civil Registration Office of Nerovia",
	}
}

func testRing(t testing.TB, keys ...PublicKey) *Keyring {
	t.Helper()
	ring := &Keyring{}
	for _, k := range keys {
		if err := ring.Add(k); err != nil {
			t.Fatal(err)
		}
	}
	return ring
}

// realistic is a birth record with long names and a long place, larger than most: what a
// certificate's QR code must hold.
func realistic() Payload {
	return Payload{
		RegistrationNumber: "NV-KES-04-2026-0012345",
		Event:              "birth",
		EventDate:          "2026-10-28",
		EventPlace:         "Saint-Aubin-sur-Mer District Hospital, Kessa-Lowenberg",
		GivenNames:         "Marie-Christine Oluwaseun Alexandrine",
		FamilyName:         "Van der Berghe-Oyelund Abernathy",
		CertificateSerial:  "NV-C-2026-00098765",
		IssueDate:          "2026-11-03",
	}
}

// ethiopic is a record in Amharic: three bytes a character in UTF-8.
func ethiopic() Payload {
	p := realistic()
	p.GivenNames = "ወለተሥላሴ ኃይለማርያም"
	p.FamilyName = "ገብረመድኅን ወልደጊዮርጊስ"
	p.EventPlace = "የቀበና ጤና ጣቢያ፣ አዲስ ከተማ ክፍለ ከተማ"
	return p
}

func TestRoundTrip(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	ring := testRing(t, key.Public())
	for _, p := range []Payload{realistic(), ethiopic(), {
		// the least a seal holds: no names, no place; a death on the day it is certified
		RegistrationNumber: "D1", Event: "death", EventDate: "1969-12-31",
		CertificateSerial: "1", IssueDate: "2026-01-01",
	}} {
		text, err := key.Seal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, Prefix) {
			t.Fatalf("seal %q lacks the prefix", text)
		}
		got, keyID, err := Open(text, ring)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		want := p
		want.Version = PayloadVersion
		want.IssuerKeyID = key.ID
		if got != want || keyID != key.ID {
			t.Errorf("Open = %+v, %q; want %+v", got, keyID, want)
		}
		again, _ := key.Seal(p)
		if again != text {
			t.Errorf("sealing twice made two texts")
		}
	}
}

// The golden seal holds the format to its bytes: a change that would make old certificates
// unreadable fails here (go test -update rewrites it, for a new format version only).
func TestGolden(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	text, err := key.Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden-seal.txt")
	if *update {
		if err := os.WriteFile(path, []byte(text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := strings.TrimSuffix(string(want), "\n")
	if text != golden {
		t.Errorf("seal changed:\n got %s\nwant %s", text, golden)
	}
	// and the golden text still opens, whatever the encoder does today
	if _, _, err := Open(golden, testRing(t, key.Public())); err != nil {
		t.Errorf("golden seal: %v", err)
	}
}

// Every character of a seal changed to every other character of the alphabet: each text is
// refused, and never with the payload.
func TestEveryCharacterChanged(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	ring := testRing(t, key.Public())
	text, err := key.Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	tried := 0
	for i := 0; i < len(text); i++ {
		alphabet := base45Alphabet
		if i < len(Prefix) {
			alphabet += "abcdefghijklmnopqrstuvwxyz"
		}
		for _, c := range []byte(alphabet) {
			if c == text[i] {
				continue
			}
			changed := text[:i] + string(c) + text[i+1:]
			p, _, err := Open(changed, ring)
			tried++
			if err == nil || p != (Payload{}) {
				t.Fatalf("character %d changed to %q: opened, %+v", i, c, p)
			}
			reasons[Code(err)]++
		}
	}
	t.Logf("%d characters, %d texts tried, all refused: %v", len(text), tried, reasons)
	// cut at every length, too
	for n := range len(text) {
		if _, _, err := Open(text[:n], ring); err == nil {
			t.Fatalf("cut to %d characters: opened", n)
		}
	}
}

func TestRefusals(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	other := testKey(t, "NV-2026-1", 2) // the same id, another key: a forger's
	text, err := key.Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := testKey(t, "NV-2031-1", 1).Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}

	expired := key.Public()
	expired.NotAfter = "2026-10-31" // retired before the issue date
	notYet := key.Public()
	notYet.NotBefore = "2026-11-04"
	revoked := key.Public()
	revoked.Revoked = "2027-05-04"

	for _, tc := range []struct {
		name  string
		text  string
		ring  *Keyring
		want  error
		keyID string
	}{
		{"a wrong key", text, testRing(t, other.Public()), ErrBadSignature, "NV-2026-1"},
		{"a forged seal", forged, testRing(t, key.Public()), ErrBadSignature, "NV-2026-1"},
		{"an unknown key id", unknown, testRing(t, key.Public()), ErrUnknownKey, "NV-2031-1"},
		{"an empty keyring", text, &Keyring{}, ErrUnknownKey, "NV-2026-1"},
		{"no keyring", text, nil, ErrUnknownKey, "NV-2026-1"},
		{"a key expired on the issue date", text, testRing(t, expired), ErrKeyExpired, "NV-2026-1"},
		{"a key not yet valid on the issue date", text, testRing(t, notYet), ErrKeyExpired, "NV-2026-1"},
		{"a revoked key", text, testRing(t, revoked), ErrKeyRevoked, "NV-2026-1"},
		{"a damaged prefix", "CRVS!:" + text[len(Prefix):], testRing(t, key.Public()), ErrNotSeal, ""},
		{"a lower-case prefix", "crvs1:" + text[len(Prefix):], testRing(t, key.Public()), ErrNotSeal, ""},
		{"the EU's prefix", "HC1:" + text[len(Prefix):], testRing(t, key.Public()), ErrNotSeal, ""},
		{"a URL", "https://example.org/", testRing(t, key.Public()), ErrNotSeal, ""},
		{"nothing", "", testRing(t, key.Public()), ErrNotSeal, ""},
		{"a later format", "CRVS2:" + text[len(Prefix):], testRing(t, key.Public()), ErrUnsupported, ""},
		{"not Base45", Prefix + "abc", testRing(t, key.Public()), ErrDamaged, ""},
		{"not zlib", Prefix + base45Encode([]byte("hello")), testRing(t, key.Public()), ErrDamaged, ""},
		{"a newline after it", text + "\n", testRing(t, key.Public()), ErrDamaged, ""},
		{"too long", Prefix + strings.Repeat("000", 2000), testRing(t, key.Public()), ErrDamaged, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, keyID, err := Open(tc.text, tc.ring)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			if p != (Payload{}) {
				t.Errorf("a refused seal returned its payload: %+v", p)
			}
			if keyID != tc.keyID {
				t.Errorf("key id %q, want %q", keyID, tc.keyID)
			}
			t.Log(err)
		})
	}
}

// seal builds a seal by hand from a message's parts, to test what Seal would never write.
func handSeal(t *testing.T, key *PrivateKey, protected cose.ProtectedHeader, unprotected cose.UnprotectedHeader, content []byte) string {
	t.Helper()
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, key.Key)
	if err != nil {
		t.Fatal(err)
	}
	msg := cose.Sign1Message{Headers: cose.Headers{Protected: protected, Unprotected: unprotected}, Payload: content}
	if err := msg.Sign(nil, nil, signer); err != nil {
		t.Fatal(err)
	}
	message, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	return Prefix + base45Encode(deflate(t, message))
}

func deflate(t *testing.T, b []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// Seals signed with the right key but not as Seal writes them.
func TestRefusesOddSignedContent(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	ring := testRing(t, key.Public())
	good, err := encodeClaims(realistic())
	if err != nil {
		t.Fatal(err)
	}
	header := func() cose.ProtectedHeader {
		return cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA, cose.HeaderLabelKeyID: []byte(key.ID)}
	}
	claimsWith := func(change func(m map[int]any)) []byte {
		var m map[int]any
		if err := cbor.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		b, err := cbor.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		text string
		want error
	}{
		{"as Seal writes it", handSeal(t, key, header(), nil, good), nil},
		{"the key id unprotected", handSeal(t, key, cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA}, cose.UnprotectedHeader{cose.HeaderLabelKeyID: []byte(key.ID)}, good), ErrDamaged},
		{"an unprotected header", handSeal(t, key, header(), cose.UnprotectedHeader{cose.HeaderLabelContentType: "text/plain"}, good), ErrDamaged},
		{"claims that are not CBOR", handSeal(t, key, header(), nil, []byte("hello")), ErrDamaged},
		{"claims without a serial", handSeal(t, key, header(), nil, claimsWith(func(m map[int]any) { delete(m, 8) })), ErrDamaged},
		{"claims of version 2", handSeal(t, key, header(), nil, claimsWith(func(m map[int]any) { m[1] = 2 })), ErrUnsupported},
		{"a date as text", handSeal(t, key, header(), nil, claimsWith(func(m map[int]any) { m[4] = "2026-10-28" })), ErrDamaged},
		{"a date past 9999", handSeal(t, key, header(), nil, claimsWith(func(m map[int]any) { m[9] = 1 << 40 })), ErrDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Open(tc.text, ring)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
}

func TestSealRefuses(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	for _, tc := range []struct {
		name   string
		change func(p *Payload)
		want   string
	}{
		{"no registration number", func(p *Payload) { p.RegistrationNumber = "" }, "registration number is empty"},
		{"no serial", func(p *Payload) { p.CertificateSerial = "" }, "certificate serial is empty"},
		{"a date not YYYY-MM-DD", func(p *Payload) { p.EventDate = "28/10/2026" }, `event date: "28/10/2026" is not a date`},
		{"a day that does not exist", func(p *Payload) { p.EventDate = "2026-02-30" }, "event date"},
		{"issued before the event", func(p *Payload) { p.IssueDate = "2026-10-27" }, "before the event date"},
		{"a name that is not UTF-8", func(p *Payload) { p.GivenNames = "Mar\xffie" }, "given names is not valid UTF-8"},
		{"a name too long", func(p *Payload) { p.FamilyName = strings.Repeat("x", 201) }, "over 200"},
		{"another key's id", func(p *Payload) { p.IssuerKeyID = "NV-2025-1" }, `names key "NV-2025-1"`},
		{"another version", func(p *Payload) { p.Version = 2 }, "payload version 2"},
		{"a seal too long for a QR code", func(p *Payload) {
			p.EventPlace = noise(190, 1) // text zlib cannot shorten
			p.GivenNames = noise(190, 2)
		}, "over the 600 a QR code of version 15-M holds"},
		{"an issue date outside the key's validity", func(p *Payload) { p.IssueDate = "2031-01-01" }, "signs issue dates from 2026-01-01 to 2030-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := realistic()
			tc.change(&p)
			_, err := key.Seal(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Seal = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := Seal(realistic(), key.Key, "bad id"); err == nil {
		t.Error("Seal took a key id with a space")
	}
	if _, err := Seal(realistic(), key.Key[:10], key.ID); err == nil {
		t.Error("Seal took a short key")
	}
}

// noise returns n letters that do not repeat in any way zlib could use.
func noise(n int, seed uint32) string {
	b := make([]byte, n)
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = 'a' + byte(seed>>24)%26
	}
	return string(b)
}

func TestCode(t *testing.T) {
	if Code(nil) != "" || Code(errors.New("x")) != "error" || Code(ErrKeyRevoked) != "key-revoked" {
		t.Error("Code")
	}
}

// The figure the package comment quotes: the length of a realistic seal and the QR code it
// needs. A realistic record must fit version 15 at error correction M at most.
func TestSizeOfARealisticPayload(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	for _, tc := range []struct {
		name string
		p    Payload
	}{{"latin", realistic()}, {"ethiopic", ethiopic()}} {
		text, err := key.Seal(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := encodeClaims(tc.p)
		code, err := QR(text)
		if err != nil {
			t.Fatal(err)
		}
		v := QRVersion(code)
		t.Logf("%s: claims %d bytes, seal %d characters, QR version %d-M (%d modules a side)", tc.name, len(content), len(text), v, code.Bounds().Dx())
		if len(text) > MaxLength || v > 15 {
			t.Errorf("%s: a realistic seal needs QR version %d, over 15", tc.name, v)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	key := testKey(b, "NV-2026-1", 1)
	p := realistic()
	var text string
	for b.Loop() {
		var err error
		if text, err = key.Seal(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(text)), "chars")
}

func BenchmarkOpen(b *testing.B) {
	key := testKey(b, "NV-2026-1", 1)
	ring := testRing(b, key.Public())
	text, err := key.Seal(realistic())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Open(text, ring); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(text)), "chars")
}

// BenchmarkPayloadSize reports the sizes at each step of a realistic seal: claims (CBOR), COSE
// message, zlib, Base45 text and QR version.
func BenchmarkPayloadSize(b *testing.B) {
	key := testKey(b, "NV-2026-1", 1)
	for _, tc := range []struct {
		name string
		p    Payload
	}{{"latin", realistic()}, {"ethiopic", ethiopic()}} {
		b.Run(tc.name, func(b *testing.B) {
			var text string
			for b.Loop() {
				text, _ = key.Seal(tc.p)
			}
			content, _ := encodeClaims(tc.p)
			raw, _ := base45Decode(text[len(Prefix):])
			message, _ := inflate(raw)
			code, _ := QR(text)
			b.ReportMetric(float64(len(content)), "claims-bytes")
			b.ReportMetric(float64(len(message)), "cose-bytes")
			b.ReportMetric(float64(len(raw)), "zlib-bytes")
			b.ReportMetric(float64(len(text)), "chars")
			b.ReportMetric(float64(QRVersion(code)), "qr-version")
		})
	}
}
