package seal

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// zbarimg returns the path of zbarimg (Debian's zbar-tools), the reader of QR codes the tests
// hold our codes to. Without it the test is skipped, or fails under CI (CI set), which must run
// it: .ci/run installs it.
func zbarimg(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("zbarimg not found (%v); CI must read the QR codes back: apt-get install -y --no-install-recommends zbar-tools", err)
		}
		t.Skipf("zbarimg not found (%v); to run this test: apt-get install -y --no-install-recommends zbar-tools", err)
	}
	return path
}

// readQR decodes the QR codes of an image with zbarimg and returns their texts.
func readQR(t *testing.T, zbar, path string) []string {
	t.Helper()
	cmd := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg %s: %v\n%s", path, err, stderr.Bytes())
	}
	// --raw prints each code's text and a new line; a seal may end with a space, so only the
	// new line is taken off.
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// Seals drawn as PNG at the sizes a certificate prints them (2 to 3 cm at 300 dpi is 3 to 4
// pixels a module for version 13) are read back by zbarimg to the same text, which opens.
func TestQRPNGReadsBack(t *testing.T) {
	zbar := zbarimg(t)
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
			got := readQR(t, zbar, path)
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
