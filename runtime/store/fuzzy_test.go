package store

import (
	"slices"
	"testing"
)

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"dubreuil", "dubreuil", true},
		{"dubreil", "dubreuil", true},   // a letter dropped
		{"dubreuill", "dubreuil", true}, // one added
		{"dubreuol", "dubreuil", true},  // one changed
		{"dubrueil", "dubreuil", true},  // two neighbours swapped
		{"udbreuil", "dubreuil", true},  // at the start
		{"dubreuli", "dubreuil", true},  // at the end
		{"dubrel", "dubreuil", false},   // two dropped
		{"ubreilz", "dubreil", false},   // one dropped, one added: they share a key, not a match
		{"dubriel", "dubreuil", false},  // swapped and dropped
		{"dbureuli", "dubreuil", false}, // two swaps
		{"ከበደ", "ከበዴ", true},            // any script
		{"", "a", true},
		{"", "ab", false},
	}
	for _, tt := range tests {
		if got := WithinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("WithinOneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := WithinOneEdit(tt.b, tt.a); got != tt.want {
			t.Errorf("WithinOneEdit(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// TestNeighbourhoodsMeet: a word searched finds through the keys every record's word one edit
// from it, and the keys of a word keep only those of its names.
func TestNeighbourhoodsMeet(t *testing.T) {
	record := FuzzyKeys([]string{"marc", "dubreuil", "al"})
	for _, typed := range []string{"dubreuil", "dubreil", "dubreuill", "dubreuol", "dubrueil", "dubreuli", "marck", "mrac"} {
		if !slices.ContainsFunc(neighbourhood(typed), func(k string) bool { return slices.Contains(record, k) }) {
			t.Errorf("%q does not meet the keys of dubreuil or marc", typed)
		}
	}
	for _, typed := range []string{"dupont", "dubr", "marta"} {
		if slices.ContainsFunc(neighbourhood(typed), func(k string) bool { return slices.Contains(record, k) }) {
			t.Errorf("%q meets the keys of marc dubreuil", typed)
		}
	}
	// Words shorter than three letters hold none.
	if len(FuzzyKeys([]string{"al", "o"})) != 0 {
		t.Error("keys for words of one or two letters")
	}
	keys := WithFuzzyKeys([]string{"distinct:X", FuzzyPrefix + "old"}, []string{"marc"})
	if keys[0] != "distinct:X" || slices.Contains(keys, FuzzyPrefix+"old") || len(keys) != 1+5 {
		t.Errorf("WithFuzzyKeys keeps %v", keys)
	}
	full := make([]string, MaxRecordKeys-2)
	if got := len(WithFuzzyKeys(full, []string{"dubreuil"})); got != MaxRecordKeys {
		t.Errorf("%d keys, at most %d", got, MaxRecordKeys)
	}
}
