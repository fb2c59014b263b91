package certificates

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates/pdf"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/pdftools"
	"github.com/crvsctl/crvsctl/rules"
)

var update = flag.Bool("update", false, "rewrite the golden texts of testdata/ from what is printed")

// nerovia is the example country's bundle, built once.
var nerovia = once(func() (*bundle.Bundle, error) {
	b, diags := compiler.Build("../countries/nerovia")
	if diags.HasErrors() {
		return nil, fmt.Errorf("%v", diags)
	}
	return b, nil
})

func once[T any](f func() (T, error)) func(testing.TB) T {
	var v T
	var err error
	var done bool
	return func(t testing.TB) T {
		t.Helper()
		if !done {
			v, err = f()
			done = true
		}
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func testKey(t testing.TB) *seal.PrivateKey {
	t.Helper()
	k, err := seal.GenerateKey("NV-TEST-1", "2026-01-01", "2030-12-31", "Civil Registration Office of Nerovia")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ring(t testing.TB, keys ...seal.PublicKey) *seal.Keyring {
	t.Helper()
	data, err := seal.MarshalKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := seal.ParseKeyring(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The records printed: a birth with both parents, an accented given name and an Amharic
// family name (a registrar types names as the family writes them), and a death.
var (
	birth = map[string]any{
		"child.name": map[string]any{"given": "Ama Éloïse", "family": "ታረቀ"}, "child.sex": "female",
		"child.dob": "2026-11-01", "child.birthDistrict": "NV0101",
		"mother.name":  map[string]any{"given": "Selam", "family": "Tarek"},
		"father.known": true, "father.name": map[string]any{"given": "Dawit", "family": "Bekele"},
	}
	death = map[string]any{
		"deceased.name": map[string]any{"given": "Jean-Baptiste", "family": "Okafor"}, "deceased.sex": "male",
		"death.date": "2026-10-30", "death.district": "NV0102", "death.ageAtDeath": float64(71),
	}
)

// Every certificate of the example country, in each of its languages, prints the names, the
// dates written out, the places by name, the choices by label, the number and the "scan to
// verify" caption with the verification address (golden text,
// testdata/<certificate>.txt: go test ./certificates -update rewrites it); its QR code, read
// back by zbarimg from the page pdftoppm renders, opens with the key's keyring to the payload
// sealed. The pages are kept for review (CRVSCTL_SCREENSHOTS, or go test -artifacts).
func TestNeroviaCertificates(t *testing.T) {
	// Beside the QR code, in each of the certificate's languages, where to check it.
	const (
		scanEn = "Scan the code to verify this certificate: verify.nerovia.example/verify"
		scanFr = "Scannez le code pour vérifier cet acte : verify.nerovia.example/verify"
		scanAm = "ይህን የምስክር ወረቀት ለማረጋገጥ ኮዱን ይቃኙ፦ verify.nerovia.example/verify"
	)
	key := testKey(t)
	p, err := New(nerovia(t), key)
	if err != nil {
		t.Fatal(err)
	}
	keys := ring(t, key.Public())
	for _, tc := range []struct {
		event, number string
		data          map[string]any
		want          map[string][]string // by certificate: texts that must be printed
	}{
		{"birth", "B-2026-CR0101-000001", birth, map[string][]string{
			"birth-certificate": {"Republic of Nerovia", "République de Nérovie", "Certificate of Birth", "Acte de naissance",
				"Ama Éloïse ታረቀ", "Female", "Féminin", "November 1, 2026", "1er novembre 2026", "Dawit Bekele", "Selam Tarek",
				"B-2026-CR0101-000001", "November 23, 2026", "23 novembre 2026", scanEn, scanFr},
			"birth-certificate-am": {"የኔሮቪያ ሪፐብሊክ", "የልደት የምስክር ወረቀት", "ሴት", "Female", "Ama Éloïse ታረቀ", "B-2026-CR0101-000001", scanAm, scanEn},
		}},
		{"death", "D-2026-CR0101-00001", death, map[string][]string{
			"death-certificate":    {"Certificate of Death", "Acte de décès", "Jean-Baptiste Okafor", "Male", "Masculin", "October 30, 2026", "30 octobre 2026", "71", scanEn, scanFr},
			"death-certificate-am": {"የሞት የምስክር ወረቀት", "Jean-Baptiste Okafor", "October 30, 2026", scanAm, scanEn},
		}},
	} {
		for _, tmpl := range p.Templates(tc.event) {
			t.Run(tmpl.ID, func(t *testing.T) {
				pg, err := p.Fill(tmpl, Certificate{Number: tc.number, Data: tc.data, Context: &rules.Context{},
					Serial: tc.number + "/1", Issued: "2026-11-23"})
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if err := tmpl.Render(&out, pg); err != nil {
					t.Fatal(err)
				}
				pdfPath := pdftools.Artifact(t, tmpl.ID+".pdf", out.Bytes())
				text := pdftools.Text(t, pdfPath, false)
				golden(t, filepath.Join("testdata", tmpl.ID+".txt"), text)
				for _, w := range tc.want[tmpl.ID] {
					if !strings.Contains(pdftools.Words(text), w) {
						t.Errorf("%q is not printed:\n%s", w, text)
					}
				}
				if strings.Contains(pdftools.Letters(pdftools.Text(t, pdfPath, true)), "CERTIFIEDCOPY") {
					t.Error("a first print carries the watermark")
				}

				codes := pdftools.ReadQR(t, pdftools.Artifact(t, tmpl.ID+".png", pdftools.PNG(t, pdfPath, 1, 150)))
				if len(codes) != 1 {
					t.Fatalf("zbarimg reads %d codes: %q", len(codes), codes)
				}
				got, keyID, err := seal.Open(codes[0], keys)
				if err != nil {
					t.Fatalf("the QR code does not open: %v", err)
				}
				want := pg.Seal
				want.Version, want.IssuerKeyID = seal.PayloadVersion, key.ID
				if got != want || keyID != key.ID {
					t.Errorf("the QR code says %+v\nwant %+v", got, want)
				}
			})
		}
	}
}

// golden compares a text with the file holding what it should be, or rewrites the file.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./certificates -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("the text printed differs from %s (go test ./certificates -update rewrites it):\n%s", path, got)
	}
}

// What the seal carries: the child's names split into given names and family name, the place
// by its name with its province, the dates as they are.
func TestSealContent(t *testing.T) {
	p, err := New(nerovia(t), testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := p.Template("birth", "birth-certificate")
	pg, err := p.Fill(tmpl, Certificate{Number: "B-1", Data: birth, Context: &rules.Context{}, Serial: "B-1/1", Issued: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	want := seal.Payload{RegistrationNumber: "B-1", Event: "birth", EventDate: "2026-11-01", EventPlace: pg.Seal.EventPlace,
		GivenNames: "Ama Éloïse", FamilyName: "ታረቀ", CertificateSerial: "B-1/1", IssueDate: "2026-11-23"}
	if pg.Seal != want || !strings.Contains(pg.Seal.EventPlace, ", ") {
		t.Errorf("seal %+v\nwant %+v (the place with its province)", pg.Seal, want)
	}
}

// A reprint carries the watermark; a condition that does not hold hides its elements (the
// father's name of a father not known).
func TestReprintAndConditions(t *testing.T) {
	p, err := New(nerovia(t), testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := p.Template("birth", "birth-certificate")
	data := map[string]any{}
	for k, v := range birth {
		data[k] = v
	}
	data["father.known"] = false
	pg, err := p.Fill(tmpl, Certificate{Number: "B-1", Data: data, Context: &rules.Context{}, Serial: "B-1/2", Issued: "2026-11-23", Reprint: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Render(&out, pg); err != nil {
		t.Fatal(err)
	}
	path := pdftools.Artifact(t, "reprint.pdf", out.Bytes())
	if raw := pdftools.Letters(pdftools.Text(t, path, true)); !strings.Contains(raw, "CERTIFIEDCOPY") {
		t.Errorf("a reprint lacks its watermark:\n%s", raw)
	}
	if text := pdftools.Text(t, path, false); strings.Contains(text, "Dawit") || strings.Contains(text, "Father") {
		t.Errorf("the father's name is printed for a father not known:\n%s", text)
	}
}

// Refusals: a record without a number; a name with a character no font has, named; a printer
// without a key asked for a certificate with a QR code. Nothing is printed.
func TestFillRefuses(t *testing.T) {
	p, err := New(nerovia(t), testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := p.Template("birth", "birth-certificate")
	if _, err := p.Fill(tmpl, Certificate{Data: birth, Context: &rules.Context{}, Serial: "x", Issued: "2026-11-23"}); err == nil || !strings.Contains(err.Error(), "register it") {
		t.Errorf("no number: %v", err)
	}
	data := map[string]any{}
	for k, v := range birth {
		data[k] = v
	}
	data["child.name"] = map[string]any{"given": "Ama 𓀀", "family": "Tarek"} // an Egyptian hieroglyph
	_, err = p.Fill(tmpl, Certificate{Number: "B-1", Data: data, Context: &rules.Context{}, Serial: "B-1/1", Issued: "2026-11-23"})
	var te *pdf.TextError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "U+13000") {
		t.Errorf("a character no font has: %v", err)
	}
	keyless, err := New(nerovia(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyless.Fill(tmpl, Certificate{Number: "B-1", Data: birth, Context: &rules.Context{}, Serial: "B-1/1", Issued: "2026-11-23"}); err == nil || !strings.Contains(err.Error(), "signing key") {
		t.Errorf("no key: %v", err)
	}
}

// Seals read from a printed certificate are refused when one character is changed, when the
// keyring has another key, and when the key had expired by the issue date.
func TestPrintedSealRefused(t *testing.T) {
	key := testKey(t)
	p, err := New(nerovia(t), key)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := p.Template("birth", "birth-certificate")
	pg, err := p.Fill(tmpl, Certificate{Number: "B-1", Data: birth, Context: &rules.Context{}, Serial: "B-1/1", Issued: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	text := qrText(tmpl, pg)
	other, _ := seal.GenerateKey("NV-TEST-1", "2026-01-01", "2030-12-31", "")
	expired := key.Public()
	expired.NotAfter = "2026-06-30"
	i, c := len(text)/2, "A" // another letter of Base45's alphabet
	if text[i] == 'A' {
		c = "B"
	}
	changed := text[:i] + c + text[i+1:]
	for _, tc := range []struct {
		name string
		text string
		ring *seal.Keyring
		want error
	}{
		{"one character changed", changed, ring(t, key.Public()), nil},
		{"another key", text, ring(t, other.Public()), seal.ErrBadSignature},
		{"expired", text, ring(t, expired), seal.ErrKeyExpired},
	} {
		_, _, err := seal.Open(tc.text, tc.ring)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// qrText is the seal a page's QR code prints.
func qrText(t *Template, pg *Page) string {
	for _, e := range t.elements {
		if e.source.QR {
			return pg.Values.Text[e.id]
		}
	}
	return ""
}
