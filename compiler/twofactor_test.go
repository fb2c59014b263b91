package compiler

import "testing"

// A role's twoFactor reaches the bundle: nerovia's user administrators log in with a second
// factor, its registrars need not.
func TestTwoFactorRole(t *testing.T) {
	b, diags := Build("../countries/nerovia")
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	got := map[string]bool{}
	for _, r := range b.Roles {
		got[r.ID] = r.TwoFactor
	}
	if !got["user-admin"] || got["local-registrar"] {
		t.Errorf("twoFactor by role: %v", got)
	}
}
