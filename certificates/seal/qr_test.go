package seal

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/crvsctl/crvsctl/internal/pdftools"
)

// Seals drawn as PNG at the sizes a certificate prints them (2 to 3 cm at 300 dpi is 3 to 4
// pixels a module for version 13) are read back by zbarimg to the same text, which opens.
func TestQRPNGReadsBack(t *testing.T) {
	key := testKey(t, "NV-2026-1", 1)
	ring := testRing(t, key.Public())
	short := realistic()
	short.GivenNames, short.FamilyName, short.EventPlace = "Abebe", "Kebede", "Kessa Health Centre"
	dir := t.ArtifactDir()
	for _, tc := range []struct {
		name   string
		p      Payload
		pixels int
	}{
		{"latin-3px", realistic(), 3},
		{"latin-4px", realistic(), 4},
		{"ethiopic-4px", ethiopic(), 4},
		{"short-3px", short, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, err := key.Seal(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := QRPNG(text, tc.pixels)
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := png.Decode(bytes.NewReader(img))
			if err != nil {
				t.Fatal(err)
			}
			code, _ := QR(text)
			if want := (code.Bounds().Dx() + 2*quietZone) * tc.pixels; decoded.Bounds().Dx() != want {
				t.Errorf("PNG %d pixels wide, want %d", decoded.Bounds().Dx(), want)
			}
			path := filepath.Join(dir, tc.name+".png")
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d characters, QR version %d, %d×%d pixels, %d bytes of PNG", path, len(text), QRVersion(code), decoded.Bounds().Dx(), decoded.Bounds().Dy(), len(img))
			got := pdftools.ReadQR(t, path)
			if len(got) != 1 || got[0] != text {
				t.Fatalf("zbarimg read %q\nwant %q", got, text)
			}
			p, keyID, err := Open(got[0], ring)
			if err != nil || keyID != key.ID || p.RegistrationNumber != tc.p.RegistrationNumber {
				t.Fatalf("the text read back does not open: %+v, %q, %v", p, keyID, err)
			}
		})
	}
}

func TestQRRefuses(t *testing.T) {
	if _, err := QRPNG(Prefix+"000", 0); err == nil {
		t.Error("QRPNG took 0 pixels a module")
	}
	if _, err := QR("lower case"); err == nil {
		t.Error("QR took text outside the alphanumeric set")
	}
}
