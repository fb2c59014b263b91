package compiler

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLanguageWithoutTheRuntimesTexts: a package language crvsctl does not ship its own texts
// in (the pages' menus and buttons) is warned about, with the keys to add; nerovia's are not.
func TestLanguageWithoutTheRuntimesTexts(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../countries/nerovia")); err != nil {
		t.Fatal(err)
	}
	for _, d := range Validate("../countries/nerovia") {
		if strings.Contains(d.Message, "crvsctl's pages") {
			t.Errorf("nerovia: %s", d)
		}
	}
	// Swahili besides, every package text given in it.
	country := filepath.Join(dir, "country.cue")
	b, _ := os.ReadFile(country)
	os.WriteFile(country, bytes.Replace(b, []byte(`languages: ["en", "fr", "am"]`), []byte(`languages: ["en", "fr", "am", "sw"]`), 1), 0o644)
	f := filepath.Join(dir, "translations.csv")
	b, _ = os.ReadFile(f)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if i == 0 {
			rows[i] = append(rows[i], "sw")
		} else {
			rows[i] = append(rows[i], rows[i][2])
		}
	}
	var out bytes.Buffer
	csv.NewWriter(&out).WriteAll(rows)
	os.WriteFile(f, out.Bytes(), 0o644)

	var found []string
	for _, d := range Validate(dir) {
		if strings.Contains(d.Message, "crvsctl's pages") {
			found = append(found, d.String())
		}
	}
	if len(found) != 1 || !strings.Contains(found[0], "no sw translation") || !strings.Contains(found[0], "country.cue:") {
		t.Errorf("warnings: %q", found)
	}
}
