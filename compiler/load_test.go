package compiler

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected diagnostics in testdata")

// TestValidate validates each package of testdata/packages and compares its diagnostics with
// the package's want.txt (go test ./compiler -update rewrites them; review the diff).
func TestValidate(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/packages/*")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			diags := Validate(dir)
			var got bytes.Buffer
			diags.WriteText(&got)
			want, _ := os.ReadFile(filepath.Join(dir, "want.txt"))
			if *update {
				os.WriteFile(filepath.Join(dir, "want.txt"), got.Bytes(), 0o644)
				return
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}

// FuzzLoadCUE: a package's CUE is outside input. Loading any file must not panic, and every
// diagnostic must say where it is.
func FuzzLoadCUE(f *testing.F) {
	for _, dir := range []string{"valid", "broken", "syntax"} {
		files, _ := filepath.Glob(filepath.Join("testdata/packages", dir, "*.cue"))
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "country.cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		_, diags := loadCUE(dir)
		for _, d := range diags {
			if d.Pos.File == "" || d.Message == "" || d.Code == "" {
				t.Fatalf("diagnostic without a place or a message: %+v", d)
			}
		}
	})
}
