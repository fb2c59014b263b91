package auth

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Logins, their failures (and why) and logouts reach the audit log through Audit, with the
// client's address; a store's error is not a user's failure and is not written.
func TestAuditedLogins(t *testing.T) {
	a, c := newAuth(t)
	var mu sync.Mutex
	var got []string
	a.Audit = func(_ context.Context, e *store.AuditEntry) error {
		mu.Lock()
		defer mu.Unlock()
		var d struct{ Address, Reason string }
		json.Unmarshal(e.Details, &d)
		if !e.Time.Equal(c.Now()) {
			t.Errorf("entry at %v, want %v", e.Time, c.Now())
		}
		got = append(got, strings.TrimSpace(e.Kind+" "+e.User+" "+d.Address+" "+d.Reason))
		return nil
	}
	token, _, err := a.Login(ctx, "amina", "amina-password", "192.0.2.1:5555")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, token); err != nil { // logged out already: nothing to write
		t.Fatal(err)
	}
	a.Login(ctx, "zeynep", "x", "192.0.2.2:1")
	for range DefaultMaxFailures {
		a.Login(ctx, "bob", "wrong", "192.0.2.3:1")
	}
	a.Login(ctx, "", "x", "192.0.2.3:1")                       // no such user can exist: not written
	a.Login(ctx, strings.Repeat("a", 300), "x", "192.0.2.3:1") // too long to be one: not written
	want := []string{
		"login amina 192.0.2.1",
		"logout amina",
		"login-failed zeynep 192.0.2.2 bad-credentials",
		"login-failed bob 192.0.2.3 bad-credentials",
		"login-failed bob 192.0.2.3 bad-credentials",
		"login-failed bob 192.0.2.3 bad-credentials",
		"login-failed bob 192.0.2.3 bad-credentials",
		"login-failed bob 192.0.2.3 bad-credentials",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = nil
	a.Login(ctx, "bob", "bob-password", "192.0.2.3:1") // past the limit at that address
	if len(got) != 1 || got[0] != "login-failed bob 192.0.2.3 rate-limited" {
		t.Errorf("a refused login: %v", got)
	}
}
