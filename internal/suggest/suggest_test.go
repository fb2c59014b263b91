package suggest

import "testing"

func TestClosest(t *testing.T) {
	fields := []string{"child.dob", "child.sex", "mother.dob", "mother.name", "informant.relation"}
	tests := []struct{ name, want string }{
		{"child.dobb", "child.dob"},
		{"chlid.dob", "child.dob"}, // transposition
		{"Child.Sex", "child.sex"}, // case
		{"mothr.name", "mother.name"},
		{"informant.relatoin", "informant.relation"},
		{"father.occupation", ""}, // nothing close
		{"x", ""},
		{"child.dob", ""}, // an exact name is not a suggestion of itself
	}
	for _, tt := range tests {
		if got := Closest(tt.name, fields); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"ab", "ba", 1}, {"née", "nee", 1}, {"same", "same", 0},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
