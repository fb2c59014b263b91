package rules

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// textFile is testdata/text.json: text answers and how they are stored (want) or which
// character refuses them, that CleanText (here) and rules.js's cleanText (rules/js) must both
// give.
type textFile struct {
	Vectors []struct {
		Name    string `json:"name"`
		In      string `json:"in"`
		Kind    string `json:"kind"`
		Want    string `json:"want"`
		Refused string `json:"refused"`
	} `json:"vectors"`
}

func TestTextVectors(t *testing.T) {
	var file textFile
	readJSON(t, "testdata/text.json", &file)
	if len(file.Vectors) < 50 {
		t.Errorf("only %d text vectors", len(file.Vectors))
	}
	for i, v := range file.Vectors {
		got, bad, ok := CleanText(v.In, v.Kind)
		switch {
		case v.Refused != "" && ok:
			t.Errorf("#%d %s: %+q kept as %+q, want refused for %s", i, v.Name, v.In, got, v.Refused)
		case v.Refused != "" && fmt.Sprintf("U+%04X", bad) != v.Refused:
			t.Errorf("#%d %s: %+q refused for U+%04X, want %s", i, v.Name, v.In, bad, v.Refused)
		case v.Refused == "" && !ok:
			t.Errorf("#%d %s: %+q refused for U+%04X, want %+q", i, v.Name, v.In, bad, v.Want)
		case v.Refused == "" && got != v.Want:
			t.Errorf("#%d %s: %+q stored as %+q, want %+q", i, v.Name, v.In, got, v.Want)
		}
	}
}

// Bytes that are not UTF-8 are refused, never replaced: JSON cannot carry them to the shared
// vectors.
func TestCleanTextInvalidUTF8(t *testing.T) {
	for _, s := range []string{"Ama\xff", "\xc3", "A\xed\xa0\x80ma" /* a surrogate in UTF-8 */, "\xe2\x80"} {
		for _, kind := range []string{TextLine, TextLines} {
			if got, bad, ok := CleanText(s, kind); ok || bad != utf8.RuneError {
				t.Errorf("%+q (%s): kept as %+q, refused for U+%04X", s, kind, got, bad)
			}
		}
	}
}

// FuzzCleanText: whatever is typed, CleanText refuses it or stores valid UTF-8 in NFC with no
// character it refuses, which it stores again unchanged.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"Ama Mensah", " a\u00a0 b ", "A\u200dma", "\u0639\u200c\u0631", "Jose\u0301", "a\r\nb", "\u202e", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []string{TextLine, TextLines} {
			got, _, ok := CleanText(s, kind)
			if !ok {
				continue
			}
			if !utf8.ValidString(got) {
				t.Fatalf("%+q (%s): stored %+q, not UTF-8", s, kind, got)
			}
			again, bad, ok := CleanText(got, kind)
			if !ok || again != got {
				t.Fatalf("%+q (%s): stored %+q, then %+q (refused for U+%04X)", s, kind, got, again, bad)
			}
			if strings.TrimFunc(got, unicode.IsSpace) != got {
				t.Fatalf("%+q (%s): stored %+q with white space around", s, kind, got)
			}
		}
	})
}
