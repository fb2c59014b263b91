package store

import (
	"slices"
	"testing"
)

func TestNameKeys(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want []string
	}{
		{[]string{"Ama", "Tarek-Müller"}, []string{"ama", "tarek", "muller"}},
		{[]string{"ÉLODIE  d'Arc"}, []string{"elodie", "d", "arc"}},
		{[]string{"Ama", "ama"}, []string{"ama"}},
		{[]string{"አበበ በቀለ"}, []string{"አበበ", "በቀለ"}},
		{[]string{"Łukasz Ørsted"}, []string{"łukasz", "ørsted"}},
		{[]string{"", "  ", "<b>"}, []string{"b"}},
	} {
		if got := NameKeys(c.in...); !slices.Equal(got, c.want) {
			t.Errorf("NameKeys(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
