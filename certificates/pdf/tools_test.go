package pdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The tests read what was printed back with real tools: pdftotext and pdftoppm (Debian's
// poppler-utils), zbarimg (zbar-tools). Without them a test skips, except under CI, where a
// missing tool fails it: CI must install them.

// envScreenshots names a directory for the rendered pages, as for the browser tests'
// screenshots; without it they go to t.ArtifactDir() (kept with go test -artifacts).
const envScreenshots = "CRVSCTL_SCREENSHOTS"

// needTool returns the path of a command, skipping the test when it is missing (failing it
// under CI).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: CI must install Debian's %s", name, pkg)
		}
		t.Skipf("%s not found: apt-get install %s", name, pkg)
	}
	return path
}

// artifact writes data to name in the screenshots directory or the test's artifact directory,
// logs and returns its path.
func artifact(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir != "" {
		name = safeName(t.Name()) + "-" + name
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = t.ArtifactDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
	return path
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// pdfText returns the text pdftotext reads from a PDF, pages separated by form feeds. raw keeps
// the order the text was drawn in, which is how a turned watermark reads back letter by letter.
func pdfText(t *testing.T, pdfPath string, raw bool) string {
	t.Helper()
	bin := needTool(t, "pdftotext", "poppler-utils")
	args := []string{"-enc", "UTF-8", pdfPath, "-"}
	if raw {
		args = append([]string{"-raw"}, args...)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// pdfPNG renders a page of a PDF at dpi and returns the PNG.
func pdfPNG(t *testing.T, pdfPath string, page, dpi int) []byte {
	t.Helper()
	bin := needTool(t, "pdftoppm", "poppler-utils")
	n := itoa(page)
	root := filepath.Join(t.TempDir(), "page")
	args := []string{"-png", "-r", itoa(dpi), "-f", n, "-l", n, "-singlefile"}
	msg, err := exec.Command(bin, append(args, pdfPath, root)...).CombinedOutput()
	if err != nil || len(msg) > 0 {
		t.Fatalf("pdftoppm: %v\n%s", err, msg)
	}
	out, err := os.ReadFile(root + ".png")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// letters removes all white space: text drawn turned reads back one letter a line.
func letters(s string) string { return strings.Join(strings.Fields(s), "") }

// readQR returns the QR codes zbarimg reads in a PNG; the test skips without zbarimg.
func readQR(t *testing.T, pngPath string) []string {
	t.Helper()
	bin := needTool(t, "zbarimg", "zbar-tools")
	out, err := exec.Command(bin, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", pngPath).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in %s: %v", pngPath, err)
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// words collapses every run of white space to one space, as text laid out in lines reads back.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func itoa(n int) string { return string(appendNum(nil, float64(n))) }
