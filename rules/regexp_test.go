package rules

import (
	"strings"
	"testing"
)

func TestTranslateRegexp(t *testing.T) {
	tests := []struct{ pattern, js string }{
		{`[a-z]+`, `^(?:[a-z])+$`},
		{`\d{8,15}`, `^(?:[0-9]){8,15}$`},
		{`\+?\d{3,}`, `^(?:\u{2B})?(?:[0-9]){3,}$`},
		{`a|bc`, `^(?:a|bc)$`},
		{`(ab)*?c`, `^(?:(?:ab))*?c$`},
		{`\s`, `^[\u{9}-\u{A}\u{C}-\u{D} ]$`},    // RE2's \s, not JavaScript's
		{`(?i)k`, `^[Kk\u{212A}]$`},              // the Kelvin sign folds to k in RE2
		{`.`, `^[^\u{A}]$`},                      // any character but a newline
		{`(?s).`, `^[\u{0}-\u{10FFFF}]$`},        // any character at all
		{`\bx\B`, `^\bx\B$`},                     // ASCII word boundaries on both sides
		{`[^a]`, `^[\u{0}-\u{60}b-\u{10FFFF}]$`}, // negation written out
		{`a/b`, `^a\u{2F}b$`},                    // no character is taken for syntax
	}
	for _, tt := range tests {
		got, err := translateRegexp(tt.pattern)
		if err != nil || got != tt.js {
			t.Errorf("translateRegexp(%q) = %q, %v; want %q", tt.pattern, got, err, tt.js)
		}
	}
	// \p{L} is written out as ranges: long, but the same letters as Go's tables.
	if got, _ := translateRegexp(`\p{L}`); !strings.HasPrefix(got, `^[A-Za-z\u{AA}`) || len(got) < 1000 {
		t.Errorf(`translateRegexp(\p{L}) = %.60q...`, got)
	}
	for _, bad := range []string{`(?m)^a$`, `[a-`, `a{1001}`, `\C`, `(?P<x`} {
		if _, err := translateRegexp(bad); err == nil {
			t.Errorf("translateRegexp(%q) succeeded, want an error", bad)
		}
	}
}
