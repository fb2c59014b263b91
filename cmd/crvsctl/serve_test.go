package main

import (
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/compiler"
)

// TestDemoUsers: the banner of crvsctl serve --dev-password names one user of each role, and
// for the example country those the README tells newcomers to log in as.
func TestDemoUsers(t *testing.T) {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	got := demoUsers(b)
	for _, want := range []string{"lidya.verhane (local-registrar)", "marta.oyelund (hospital-clerk)", "elsa.marunde (certificate-clerk)"} {
		if !strings.Contains(got, want) {
			t.Errorf("the banner's users %q lack %q", got, want)
		}
	}
	if n := strings.Count(got, "("); n != len(b.Roles) {
		t.Errorf("%d users named for %d roles: %s", n, len(b.Roles), got)
	}
}
