// Package pdftools reads printed certificates back with real tools, for tests: pdftotext and
// pdftoppm (Debian's poppler-utils), zbarimg (zbar-tools). Without a tool a test skips, except
// under CI (CI set), where a missing tool fails it: .ci/run installs them.
package pdftools

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// EnvScreenshots names a directory for the rendered pages, as for the browser tests'
// screenshots; without it they go to t.ArtifactDir() (kept with go test -artifacts).
const EnvScreenshots = "CRVSCTL_SCREENSHOTS"

// Need returns the path of a command, skipping the test when it is missing (failing it under
// CI); pkg is the Debian package that has it.
func Need(t testing.TB, name, pkg string) string {
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

// Artifact writes data to name in the screenshots directory or the test's artifact directory,
// logs and returns its path.
func Artifact(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv(EnvScreenshots)
	if dir != "" {
		name = unsafeChars.ReplaceAllString(t.Name(), "_") + "-" + name
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

// Text returns the text pdftotext reads from a PDF, pages separated by form feeds. raw keeps
// the order the text was drawn in, which is how a turned watermark reads back letter by letter.
func Text(t testing.TB, pdfPath string, raw bool) string {
	t.Helper()
	bin := Need(t, "pdftotext", "poppler-utils")
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

// PNG renders a page of a PDF at dpi and returns the PNG.
func PNG(t testing.TB, pdfPath string, page, dpi int) []byte {
	t.Helper()
	bin := Need(t, "pdftoppm", "poppler-utils")
	n := strconv.Itoa(page)
	root := filepath.Join(t.TempDir(), "page")
	args := []string{"-png", "-r", strconv.Itoa(dpi), "-f", n, "-l", n, "-singlefile"}
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

// ReadQR returns the texts of the QR codes zbarimg reads in an image.
func ReadQR(t testing.TB, imagePath string) []string {
	t.Helper()
	bin := Need(t, "zbarimg", "zbar-tools")
	cmd := exec.Command(bin, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", imagePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in %s: %v\n%s", imagePath, err, stderr.Bytes())
	}
	// --raw prints each code's text and a new line; a seal may end with a space, so only the
	// new line is taken off.
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// Words collapses every run of white space to one space, as text laid out in lines reads back.
func Words(s string) string { return strings.Join(strings.Fields(s), " ") }

// Letters removes all white space: text drawn turned reads back one letter a line.
func Letters(s string) string { return strings.Join(strings.Fields(s), "") }
