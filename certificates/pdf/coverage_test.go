package pdf

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// systemFont reads a font of Debian's fonts-noto-core, skipping the test without it (failing it
// under CI, which installs it).
func systemFont(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("/usr/share/fonts/truetype/noto/" + name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must install Debian's fonts-noto-core", err)
		}
		t.Skipf("%v: apt-get install fonts-noto-core", err)
	}
	return b
}

// withoutGSUB returns a font whose glyph substitutions are gone (its GSUB table renamed GSUA,
// which keeps the tables sorted): it has every character still, but no conjunct.
func withoutGSUB(t testing.TB, font []byte) []byte {
	t.Helper()
	out := slices.Clone(font)
	numTables := int(out[4])<<8 | int(out[5])
	i := bytes.Index(out[:12+16*numTables], []byte("GSUB"))
	if i < 0 {
		t.Fatal("no GSUB table")
	}
	copy(out[i:], "GSUA")
	return out
}

// TestFontChain: the corpus prints whole in the Noto fonts; in a Devanagari font without its
// substitutions, words with conjuncts are named with the conjuncts they lack, words without
// print; a character no font has is named.
func TestFontChain(t *testing.T) {
	bengali, _ := os.ReadFile("testdata/NotoSansBengali-Regular.ttf")
	arabic, _ := os.ReadFile("testdata/NotoSansArabic-Regular.ttf")
	devanagari := systemFont(t, "NotoSansDevanagari-Regular.ttf")
	chain, err := NewFontChain("bn", bengali, devanagari, arabic)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range readCorpus(t) {
		n++
		if u := chain.Check(c.text); u != nil {
			t.Errorf("%s: %v", c.lang, u)
		}
	}
	t.Logf("%d corpus strings print whole", n)

	bare, err := NewFontChain("hi", withoutGSUB(t, devanagari))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text      string
		conjuncts []string
	}{
		{"जन्म प्रमाणपत्र", []string{"न्म", "प्र", "त्र"}},
		{"लक्ष्मी बाई", []string{"क्ष", "ष्म"}},
		{"पटना", nil},
		{"राम\u094d\u200cजी", nil}, // a virama the writer asked for (ZWNJ)
	} {
		u := bare.Check(c.text)
		var got []string
		if u != nil {
			got = u.Conjuncts
			if !strings.Contains(u.Error(), c.text) {
				t.Errorf("%q: the error does not name the text: %v", c.text, u)
			}
		}
		if !slices.Equal(got, c.conjuncts) {
			t.Errorf("%q: conjuncts %q, want %q", c.text, got, c.conjuncts)
		}
	}
	if u := chain.Check("Ama 𓀀"); u == nil || !slices.Equal(u.Missing, []rune{'𓀀'}) {
		t.Errorf("a hieroglyph: %v", u)
	}
}
