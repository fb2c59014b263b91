package web

import (
	"strings"
	"testing"
)

// TestLocalPath: what a browser may be redirected to after login or a language chosen. Each
// refused value is another site to some browser (tabs and newlines dropped, backslashes read
// as slashes, control characters and spaces trimmed), or could be after one more decoding.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"/", "/work", "/search?name=ama+tarek&status=declared", "/records/AB12CD34EF", "/declare/birth?draft=DRAFT42",
		"/search?name=%C3%A9lise", "/a/b/../c", "/records/x#history", "/search?q=a%2Fb", "/%255c/still-a-path",
	} {
		if !localPath(p) {
			t.Errorf("localPath(%q) = false, want true", p)
		}
	}
	for _, p := range []string{
		"", "work", "evil.example", "//evil.example", "///evil.example", `/\evil.example`, `\\evil.example`, `\/evil.example`,
		"/\t/evil.example", "\t//evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example", " //evil.example",
		"/ /evil.example", "/%09/evil.example", "/%0a/evil.example", "/%0D/evil.example", "/%00", "/%7f/x",
		"/%5c/evil.example", "/%5C/evil.example", "/%5cevil.example", "/a%5c/b", "/%2f/evil.example", "/%2F%2Fevil.example",
		"http://evil.example/", "https:evil.example", "http:/evil.example", "javascript:alert(1)", "data:text/html,x",
		"/\x00/evil.example", "/\x1b[31m", "/\x7f", "/\u00a0/evil.example", "/\u2028/evil.example", "/é",
		"/" + strings.Repeat("a", 2000),
	} {
		if localPath(p) {
			t.Errorf("localPath(%q) = true, want false", p)
		}
	}
	if localOr("/\t/evil.example") != "/work" || localOr("/search") != "/search" {
		t.Errorf("localOr does not fall back on /work")
	}
}
