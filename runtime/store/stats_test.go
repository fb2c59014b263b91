package store

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"a\x1fb", "a\x1fc", true},
		{"a\x1f", "a\x20", true},
		{"é", "ê", true},
		{"ÿ", "Ā", true}, // C3 BF to C4 80: not the last byte plus one
		{"\ud7ff", "\ue000", true},
		{"a\U0010FFFF", "b", true},
		{"a\U0010FFFF\U0010FFFF", "b", true},
		{"\U0010FFFF", "", false},
		{"日本", "日札", true},
	} {
		end, ok := PrefixEnd(c.prefix)
		if end != c.end || ok != c.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", c.prefix, end, ok, c.end, c.ok)
		}
	}
}

// TestPrefixRange: a valid UTF-8 string begins with a prefix if and only if it is from the
// prefix up to its PrefixEnd, for strings made of characters at the edges of UTF-8's lengths.
func TestPrefixRange(t *testing.T) {
	alphabet := []rune{'\x01', '\x1f', 'a', 'b', 0x7f, 0x80, 0xbf, 0xff, 0x100, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10fffe, utf8.MaxRune}
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var b strings.Builder
		for range rnd.IntN(4) {
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		p, c := word(), word()
		if rnd.IntN(2) == 0 {
			c = p + c
		}
		end, ok := PrefixEnd(p)
		in := c >= p && (!ok || c < end)
		if in != strings.HasPrefix(c, p) {
			t.Fatalf("prefix %q, end %q %v: %q in the range %v", p, end, ok, c, in)
		}
	}
}

func TestPrefixes(t *testing.T) {
	got := Prefixes([]string{"b", "a\x1fb\x1fc", "a\x1fb", "a\x1fbc", "a\x1fc", "b", "", "c"})
	if want := []string{""}; !slices.Equal(got, want) {
		t.Errorf("with the empty prefix: %q", got)
	}
	got = Prefixes([]string{"b", "a\x1fb\x1fc", "a\x1fb", "a\x1fbc", "a\x1fc", "b", "c"})
	if want := []string{"a\x1fb", "a\x1fc", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Prefixes: %q, want %q", got, want)
	}
	if got := StatsSet([]string{"b", "a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("StatsSet: %q", got)
	}
	if err := CheckRecordStats("A", []string{"ok", "a\x00"}); err == nil {
		t.Error("a cell holding NUL passed")
	}
}
