package compiler

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
)

// nerovia copies the example country into a directory of the test, with edits: each is an old
// text of a file and its replacement. A language added to the country gets a translations
// column (the English texts).
func nerovia(t *testing.T, addLanguage string, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../countries/nerovia")); err != nil {
		t.Fatal(err)
	}
	for file, e := range edits {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || !bytes.Contains(b, []byte(e[0])) {
			t.Fatalf("%s has no %q", file, e[0])
		}
		os.WriteFile(filepath.Join(dir, file), bytes.Replace(b, []byte(e[0]), []byte(e[1]), 1), 0o644)
	}
	if addLanguage != "" {
		country := filepath.Join(dir, "country.cue")
		b, _ := os.ReadFile(country)
		os.WriteFile(country, bytes.Replace(b, []byte(`languages: ["en", "fr", "am"]`), []byte(`languages: ["en", "fr", "am", "`+addLanguage+`"]`), 1), 0o644)
		f := filepath.Join(dir, "translations.csv")
		b, _ = os.ReadFile(f)
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			if i == 0 {
				rows[i] = append(rows[i], addLanguage)
			} else {
				rows[i] = append(rows[i], rows[i][2])
			}
		}
		var out bytes.Buffer
		csv.NewWriter(&out).WriteAll(rows)
		os.WriteFile(f, out.Bytes(), 0o644)
	}
	return dir
}

func errorsAbout(diags diag.List, about string) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == diag.Error && strings.Contains(d.Message, about) {
			out = append(out, d.String())
		}
	}
	return out
}

func TestCertificates(t *testing.T) {
	b, diags := Build("../countries/nerovia")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var certs []string
	for _, ev := range b.Events {
		for _, c := range ev.Certificates {
			certs = append(certs, ev.ID+"/"+c.ID)
		}
	}
	if strings.Join(certs, " ") != "birth/birth-certificate birth/birth-certificate-am death/death-certificate death/death-certificate-am" {
		t.Errorf("certificates %v", certs)
	}
	for _, f := range []string{"certificates/arms.png", "certificates/fonts/NotoSansEthiopic-Regular.ttf"} {
		if len(b.Files[f]) == 0 {
			t.Errorf("the bundle lacks %s", f)
		}
	}
}

// TestCertificateFonts: an Amharic certificate without a font that has Ethiopic letters is
// refused, naming the letters.
func TestCertificateFonts(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{"birth.cue": {"fonts: [_ethiopic]\n", "\n"}})
	got := errorsAbout(Validate(dir), "none of its fonts has")
	if len(got) != 1 || !strings.Contains(got[0], "certificate birth-certificate-am: none of its fonts has ጃ (U+1303)") || !strings.Contains(got[0], "its am texts") {
		t.Errorf("errors: %q", got)
	}
}

// TestCertificateOtherScripts: a certificate whose fonts lack the letters of another of the
// country's languages is warned about: a name written in them would not print.
func TestCertificateOtherScripts(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{"birth.cue": {"fonts: [_ethiopic] // for names written in Amharic", ""}})
	var got []string
	for _, d := range Validate(dir) {
		if strings.Contains(d.Message, "cannot be printed on it") {
			got = append(got, d.String())
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "certificate birth-certificate: its fonts lack letters of am") || !strings.Contains(got[0], "warning") {
		t.Errorf("warnings: %q", got)
	}
}

// TestCertificateScripts: a certificate in a language written in vertical lines (Mongolian in
// its own script) is refused; one in a language whose script is shaped is not refused for it.
func TestCertificateScripts(t *testing.T) {
	dir := nerovia(t, "mn-Mong", map[string][2]string{"birth.cue": {`languages: ["en", "fr"]`, `languages: ["en", "mn-Mong"]`}})
	got := errorsAbout(Validate(dir), "script")
	if len(got) != 1 || !strings.Contains(got[0], "certificate birth-certificate: mn-Mong cannot be printed: it is written in vertical lines") {
		t.Errorf("errors: %q", got)
	}
	dir = nerovia(t, "ar", map[string][2]string{"birth.cue": {`languages: ["en", "fr"]`, `languages: ["en", "ar"]`}})
	if got := errorsAbout(Validate(dir), "script"); len(got) != 0 {
		t.Errorf("errors: %q", got)
	}
}

// TestCertificateValues: a value straight from a field is marked with it in the bundle, so that
// the runtime prints a place's name and a choice's label; a computed one is not.
func TestCertificateValues(t *testing.T) {
	b, diags := Build("../countries/nerovia")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	fields := map[string]bool{}
	computed := 0
	for _, e := range b.Events[0].Certificates[0].Elements {
		switch {
		case e.Value != nil && e.Field != "":
			fields[e.Field] = true
		case e.Value != nil:
			computed++
		}
	}
	for _, f := range []string{"child.sex", "child.dob", "child.birthDistrict"} {
		if !fields[f] {
			t.Errorf("no value marked as straight from %s: %v", f, fields)
		}
	}
	if computed == 0 || fields["child.name"] {
		t.Errorf("the names (computed) were marked with a field: %v", fields)
	}
}

// TestPrintingAction: an action that prints needs a certificate of its event, and a record to
// print; the name on the seal must be a name field.
func TestPrintingAction(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{
		"death.cue": {"certificates: {", "_unused: {"},
		"birth.cue": {`nameField:  "child.name"`, `nameField:  "child.dob"`},
	})
	diags := Validate(dir)
	for _, want := range []string{
		"death.cue:326:20: action print prints a certificate, but event death has none; describe one under events.death.certificates",
		"birth.cue:27:14: nameField child.dob must be a name field, not a date field",
	} {
		found := false
		for _, d := range diags {
			found = found || strings.Contains(d.String(), want)
		}
		if !found {
			t.Errorf("no error %q in:\n%v", want, diags)
		}
	}
}

// TestCertificatePlaceNames: the names of the places a certificate prints are covered by its
// fonts, in each of its languages; a district named in letters no font has is refused, once,
// for the French certificates that print it.
func TestCertificatePlaceNames(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{"places/areas.csv": {"NV0102,Dravik,NV01,district,Dravik,", "NV0102,Dravik,NV01,district,დრავიკი,"}})
	got := errorsAbout(Validate(dir), "none of its fonts has")
	if len(got) != 2 || !strings.Contains(got[0], "certificate birth-certificate: none of its fonts has დ (U+10D3), რ (U+10E0), ა (U+10D0), ვ (U+10D5), ი (U+10D8), ..., which its fr texts print") ||
		!strings.Contains(got[1], "certificate death-certificate: none of its fonts has დ (U+10D3)") {
		t.Errorf("errors: %q", got)
	}
}

// TestSharedLayout: an element of the layout the certificates share (certificates.cue) that
// runs off the page is reported in the layout once for each certificate, each with where that
// certificate uses the layout, not four times the same line.
func TestSharedLayout(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{"certificates.cue": {"{x: 160, y: 240, width: 35, qr: true}", "{x: 190, y: 240, width: 35, qr: true}"}})
	var got []string
	for _, d := range Validate(dir) {
		if d.Code != CodePlacement {
			continue
		}
		if d.Pos.File != filepath.Join(dir, "certificates.cue") || d.Pos.Line != 49 || d.Pos.Column != 4 || d.Pos.EndLine != 49 || d.Pos.EndColumn != 39 {
			t.Errorf("%s: not the element's range in the layout (certificates.cue:49:4 to 49:39, its keys): %+v", d, d.Pos)
		}
		if len(d.Related) != 1 {
			t.Errorf("%s: no use", d)
			continue
		}
		got = append(got, strings.ReplaceAll(fmt.Sprintf("%s %s", d.Related[0].Pos, d.Related[0].Message), dir+string(filepath.Separator), ""))
	}
	want := []string{
		"birth.cue:688:4 used by certificate birth-certificate",
		"birth.cue:693:4 used by certificate birth-certificate-am",
		"death.cue:387:4 used by certificate death-certificate",
		"death.cue:392:4 used by certificate death-certificate-am",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("uses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInlineElements: an element written in the certificate itself has no use to name.
func TestInlineElements(t *testing.T) {
	dir := nerovia(t, "", map[string][2]string{"birth.cue": {"elements: _birthElements\n\t\t}\n\t\t\"birth-certificate-am\"", "elements: [{x: 300, y: 10, width: 10, text: \"country.name\"}]\n\t\t}\n\t\t\"birth-certificate-am\""}})
	n := 0
	for _, d := range Validate(dir) {
		if d.Code == CodePlacement {
			n++
			if len(d.Related) != 0 || d.Pos.File != filepath.Join(dir, "birth.cue") {
				t.Errorf("%s: %+v", d, d.Related)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d placement diagnostics, want 1", n)
	}
}

// TestCertificateConjuncts: a certificate in Hindi whose font has every Devanagari letter but
// not the conjuncts (its substitutions gone) is refused once its texts are shaped, naming the
// text and the conjuncts it lacks; with the font whole, it is not.
func TestCertificateConjuncts(t *testing.T) {
	devanagari, err := os.ReadFile("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must install Debian's fonts-noto-core", err)
		}
		t.Skipf("%v: apt-get install fonts-noto-core", err)
	}
	for _, c := range []struct {
		name string
		font []byte
		want string
	}{
		{"whole", devanagari, ""},
		{"no conjuncts", withoutGSUB(t, devanagari), `certificate birth-certificate: its fonts cannot print what its hi texts print, once shaped: "भारत गणराज्य": no conjunct for ज्य (it would print with a visible virama)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := nerovia(t, "hi", map[string][2]string{"birth.cue": {"languages: [\"en\", \"fr\"]\n\t\t\tfonts: [_ethiopic]", "languages: [\"en\", \"hi\"]\n\t\t\tfonts: [{regular: \"certificates/fonts/deva.ttf\"}, _ethiopic]"}})
			if err := os.WriteFile(filepath.Join(dir, "certificates/fonts/deva.ttf"), c.font, 0o644); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, "translations.csv")
			b, _ := os.ReadFile(f)
			b = bytes.Replace(b, []byte("Republic of Nerovia,République de Nérovie,የኔሮቪያ ሪፐብሊክ,Republic of Nerovia"), []byte("Republic of Nerovia,République de Nérovie,የኔሮቪያ ሪፐብሊክ,भारत गणराज्य"), 1)
			os.WriteFile(f, b, 0o644)
			got := errorsAbout(Validate(dir), "once shaped")
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("errors: %q", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("errors: %q, want %q", got, c.want)
			}
		})
	}
}

// withoutGSUB returns a font whose glyph substitutions are gone (its GSUB table renamed GSUA):
// it has every character still, but no conjunct.
func withoutGSUB(t testing.TB, font []byte) []byte {
	t.Helper()
	out := bytes.Clone(font)
	numTables := int(out[4])<<8 | int(out[5])
	i := bytes.Index(out[:12+16*numTables], []byte("GSUB"))
	if i < 0 {
		t.Fatal("no GSUB table")
	}
	copy(out[i:], "GSUA")
	return out
}

// TestBoldConjuncts: what a certificate prints in bold (nerovia's title) is shaped with the
// bold faces, which may lack the conjuncts of the regular ones: a bold face without them is
// refused, naming the bold text; the regular face's texts are not blamed on it.
func TestBoldConjuncts(t *testing.T) {
	devanagari, err := os.ReadFile("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must install Debian's fonts-noto-core", err)
		}
		t.Skipf("%v: apt-get install fonts-noto-core", err)
	}
	for _, c := range []struct {
		name string
		bold []byte
		want string
	}{
		{"whole", devanagari, ""},
		{"bold without conjuncts", withoutGSUB(t, devanagari), `certificate birth-certificate: its bold fonts cannot print what its hi texts print in bold, once shaped: "जन्म प्रमाणपत्र": no conjunct for`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := nerovia(t, "hi", map[string][2]string{"birth.cue": {"languages: [\"en\", \"fr\"]\n\t\t\tfonts: [_ethiopic]",
				"languages: [\"en\", \"hi\"]\n\t\t\tfonts: [{regular: \"certificates/fonts/deva.ttf\", bold: \"certificates/fonts/deva-bold.ttf\"}, _ethiopic]"}})
			for name, font := range map[string][]byte{"deva.ttf": devanagari, "deva-bold.ttf": c.bold} {
				if err := os.WriteFile(filepath.Join(dir, "certificates/fonts", name), font, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f := filepath.Join(dir, "translations.csv")
			b, _ := os.ReadFile(f)
			for _, r := range [][2]string{
				{"Republic of Nerovia,République de Nérovie,የኔሮቪያ ሪፐብሊክ,Republic of Nerovia", "Republic of Nerovia,République de Nérovie,የኔሮቪያ ሪፐብሊክ,भारत गणराज्य"},
				{"Certificate of Birth,Acte de naissance,የልደት የምስክር ወረቀት,Certificate of Birth", "Certificate of Birth,Acte de naissance,የልደት የምስክር ወረቀት,जन्म प्रमाणपत्र"},
			} {
				if !bytes.Contains(b, []byte(r[0])) {
					t.Fatalf("translations.csv has no %q", r[0])
				}
				b = bytes.Replace(b, []byte(r[0]), []byte(r[1]), 1)
			}
			os.WriteFile(f, b, 0o644)
			got := errorsAbout(Validate(dir), "once shaped")
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("errors: %q", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("errors: %q, want %q", got, c.want)
			}
		})
	}
}
