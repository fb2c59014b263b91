package certificates

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/pdftools"
	"github.com/crvsctl/crvsctl/rules"
)

// sonadesh is the Bengali example country's bundle, built once.
var sonadesh = once(func() (*bundle.Bundle, error) {
	b, diags := compiler.Build("../countries/sonadesh")
	if diags.HasErrors() {
		return nil, fmt.Errorf("%v", diags)
	}
	return b, nil
})

// TestSonadeshCertificate: the Bengali birth certificate of the second example prints the
// names as typed, the place by its Bengali name, the date written out in Bengali, and the
// English beneath: pdftotext reads every text back as typed, conjuncts and reordered vowel
// signs included.
func TestSonadeshCertificate(t *testing.T) {
	p, err := New(sonadesh(t), testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, ok := p.Template("birth", "birth-certificate")
	if !ok {
		t.Fatal("no birth certificate")
	}
	data := map[string]any{
		"child.name": map[string]any{"given": "শ্রাবন্তী", "family": "চক্রবর্তী"}, "child.sex": "female",
		"child.dob": "2026-03-14", "child.place": "H2",
		"mother.name": map[string]any{"given": "লক্ষ্মী", "family": "চক্রবর্তী"},
	}
	pg, err := p.Fill(tmpl, Certificate{Number: "B2026O1000001", Data: data, Context: &rules.Context{}, Serial: "B2026O1000001/1", Issued: "2026-04-02"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Render(&out, pg); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes", out.Len())
	pdfPath := pdftools.Artifact(t, "sonadesh-birth.pdf", out.Bytes())
	pdftools.Artifact(t, "sonadesh-birth.png", pdftools.PNG(t, pdfPath, 1, 100))
	text := pdftools.Words(pdftools.Text(t, pdfPath, false))
	for _, w := range []string{"গণপ্রজাতন্ত্রী সোনাদেশ", "জন্ম নিবন্ধন সনদ", "Certificate of Birth", "শিশুর নাম", "Name of the child",
		"শ্রাবন্তী চক্রবর্তী", "লক্ষ্মী চক্রবর্তী", "মহিলা", "১৪ মার্চ ২০২৬", "২ এপ্রিল ২০২৬", "লক্ষ্মীগঞ্জ প্রসূতি ক্লিনিক", "B2026O1000001"} {
		if !strings.Contains(text, w) {
			t.Errorf("%q is not printed:\n%s", w, text)
		}
	}
}
