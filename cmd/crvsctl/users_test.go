package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestUsersList: once a server has seeded the store, users list shows each user with who keeps
// them: the users sheet, or administrators once one changed them.
func TestUsersList(t *testing.T) {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := server.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{}); err != nil {
		t.Fatal(err)
	}
	u, err := st.User(ctx, "tomas.ekwaro")
	if err != nil {
		t.Fatal(err)
	}
	u.Active, u.Administered, u.Version, u.Updated = false, true, u.Version+1, time.Now()
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetArgs([]string{"users", "list", "--data", dir})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(b.Users)+1 {
		t.Errorf("%d lines for %d users:\n%s", len(lines), len(b.Users), out.String())
	}
	for _, want := range []string{"lidya.verhane", "tomas.ekwaro", "deactivated", "administrators"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("users list lacks %q:\n%s", want, out.String())
		}
	}
}

// TestResetSecondFactor: the operator removes a user's second factor from the store.
func TestResetSecondFactor(t *testing.T) {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := server.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSecondFactor(ctx, &store.SecondFactor{User: "nadia.ferrow", Secret: "JBSWY3DPEHPK3PXP", Enrolled: true, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		root := newRootCommand()
		root.SetOut(&out)
		root.SetErr(io.Discard)
		root.SetArgs(append([]string{"users", "reset-second-factor", "--data", dir}, args...))
		err := root.Execute()
		return out.String(), err
	}
	if out, err := run("nadia.ferrow"); err != nil || !strings.Contains(out, "second factor of nadia.ferrow removed") {
		t.Fatalf("reset: %q, %v", out, err)
	}
	if out, err := run("nadia.ferrow"); err != nil || !strings.Contains(out, "had no second factor") {
		t.Fatalf("reset again: %q, %v", out, err)
	}
	if _, err := run("nobody.here"); err == nil {
		t.Fatal("an unknown user: no error")
	}
	st, err = server.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SecondFactor(ctx, "nadia.ferrow"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the reset: %v", err)
	}
}
