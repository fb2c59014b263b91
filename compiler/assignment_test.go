package compiler

import (
	"slices"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/schema"
)

// Nerovia's births and deaths are assigned before a correction is decided: the bundle holds
// the assignment as written, bundle.schema.json accepts it, and it lasts eight hours.
func TestNeroviaAssignment(t *testing.T) {
	b, diags := Build("../countries/nerovia")
	mustBeClean(t, "../countries/nerovia", diags)
	for _, ev := range b.Events {
		a := ev.Assignment
		if a == nil {
			t.Fatalf("event %s has no assignment", ev.ID)
		}
		if !slices.Equal(a.Actions, []string{"approve-correction", "reject-correction"}) || a.Expires() != 8*time.Hour ||
			!slices.Equal(a.ReleasedBy, []string{"district-registrar", "national-registrar"}) {
			t.Errorf("event %s: assignment %+v", ev.ID, a)
		}
	}
	data, _ := b.Encode()
	if err := compileSchema(t, "bundle.schema.json", schema.BundleSchema).Validate(jsonValue(t, string(data))); err != nil {
		t.Errorf("the bundle does not satisfy bundle.schema.json: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"45m": 45 * time.Minute, "8h": 8 * time.Hour, "2d": 48 * time.Hour,
		"1d12h": 36 * time.Hour, "1h30m": 90 * time.Minute, "366d": 366 * 24 * time.Hour} {
		if got, err := bundle.ParseDuration(s); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0m", "0d0h", "8", "h", "8 h", "30s", "1m1h", "-1h", "367d", "99999999999999999999d"} {
		if d, err := bundle.ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d)
		}
	}
}
