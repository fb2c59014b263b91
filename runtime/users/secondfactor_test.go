package users_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// TestResetSecondFactor: an administrator removes the second factor of a user they
// administer; the user's sessions end, the hook hears reset-second-factor, and an
// administrator of other roles cannot.
func TestResetSecondFactor(t *testing.T) {
	ctx := context.Background()
	b := nerovia(t)
	st := open(t)
	d := directory(t, b, st)
	if _, err := d.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	var changes []users.Change
	d.OnAdmin = func(_ context.Context, c users.Change) { changes = append(changes, c) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.SaveSecondFactor(ctx, &store.SecondFactor{User: "tomas.ekwaro", Secret: "S", Enrolled: true, Version: 1}))
	must(st.CreateSession(ctx, &store.Session{TokenHash: "t1", User: "tomas.ekwaro", Created: time.Now(), Expires: time.Now().Add(time.Hour)}))

	// lidya.verhane administers nobody; fenna.albrecq, tomas's district registrar, does.
	lidya, _, _ := d.Actor(ctx, "lidya.verhane")
	if _, err := d.ResetSecondFactor(ctx, lidya, "tomas.ekwaro", 1); err == nil {
		t.Fatal("a local registrar reset a second factor")
	}
	fenna, _, _ := d.Actor(ctx, "fenna.albrecq")
	if _, err := d.ResetSecondFactor(ctx, fenna, "tomas.ekwaro", 7); err == nil {
		t.Fatal("a reset at a stale version")
	}
	u, err := d.ResetSecondFactor(ctx, fenna, "tomas.ekwaro", 1)
	must(err)
	if u.Version != 2 || u.UpdatedBy != "fenna.albrecq" {
		t.Errorf("after the reset: %+v", u)
	}
	if _, err := st.SecondFactor(ctx, "tomas.ekwaro"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the second factor after the reset: %v", err)
	}
	if _, err := st.Session(ctx, "t1", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session after the reset: %v", err)
	}
	if len(changes) != 1 || !slices.Equal(changes[0].Ops, []string{"reset-second-factor"}) || changes[0].Admin != "fenna.albrecq" {
		t.Errorf("the hook heard %+v", changes)
	}
	for name, want := range map[string]bool{"nadia.ferrow": true, "tomas.ekwaro": false} {
		u, err := st.User(ctx, name)
		must(err)
		if d.RequiresSecondFactor(u) != want {
			t.Errorf("%s (%s) requires a second factor: %v", name, u.Role, !want)
		}
	}
}
