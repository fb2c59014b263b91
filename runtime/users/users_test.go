package users_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
	"github.com/crvsctl/crvsctl/runtime/users"
)

func nerovia(t *testing.T) *bundle.Bundle {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building nerovia:\n%s", sb.String())
	}
	return b
}

func directory(t *testing.T, b *bundle.Bundle, st store.Store) *users.Directory {
	m, err := records.NewModel(b)
	if err != nil {
		t.Fatal(err)
	}
	return &users.Directory{Model: m, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func open(t *testing.T) store.Store {
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSeedWhichWins: the users sheet seeds the store and keeps updating the users no
// administrator changed; a user an administrator changed keeps the store's record whatever a
// later sheet says; a user removed from the sheet is deactivated unless an administrator
// changed them; seeding again changes nothing.
func TestSeedWhichWins(t *testing.T) {
	ctx := context.Background()
	b := nerovia(t)
	st := open(t)
	d := directory(t, b, st)
	var changes []users.Change
	d.OnAdmin = func(_ context.Context, c users.Change) { changes = append(changes, c) }
	rep, err := d.Seed(ctx)
	if err != nil || rep.Created != len(b.Users) || rep.Updated+rep.Deactivated != 0 {
		t.Fatalf("first seed: %+v, %v", rep, err)
	}
	if len(changes) != len(b.Users) || changes[0].Admin != "" || changes[0].Ops[0] != "sheet-create" {
		t.Errorf("the hook saw %d changes, first %+v", len(changes), changes[0])
	}
	if rep, err := d.Seed(ctx); err != nil || rep.Created+rep.Updated+rep.Deactivated+len(rep.Ignored) != 0 {
		t.Errorf("seeding again: %+v, %v", rep, err)
	}

	// An administrator moves tomas.ekwaro (and so takes him over from the sheet).
	admin, _, err := d.Actor(ctx, "nadia.ferrow")
	if err != nil {
		t.Fatal(err)
	}
	office := "CR0203"
	if _, err := d.Update(ctx, admin, "tomas.ekwaro", 1, users.Edit{Office: &office}); err != nil {
		t.Fatal(err)
	}

	// A later bundle: tomas.ekwaro's row says another name, lidya.verhane's too, and
	// abel.kostuna and kidan.obrevic are gone (an administrator had changed kidan).
	if _, err := d.Update(ctx, admin, "kidan.obrevic", 1, users.Edit{Details: &users.Details{Name: "Kidan O."}}); err != nil {
		t.Fatal(err)
	}
	later := *b
	later.Users = nil
	for _, u := range b.Users {
		switch u.Username {
		case "tomas.ekwaro", "lidya.verhane":
			u.Name = "Renamed " + u.Name
		case "abel.kostuna", "kidan.obrevic":
			continue
		}
		later.Users = append(later.Users, u)
	}
	d2 := directory(t, &later, st)
	rep, err = d2.Seed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 1 || rep.Deactivated != 1 || !slices.Equal(rep.Ignored, []string{"tomas.ekwaro"}) {
		t.Errorf("later seed: %+v", rep)
	}
	check := func(name string, f func(u *store.User) bool) {
		t.Helper()
		u, err := st.User(ctx, name)
		if err != nil || !f(u) {
			t.Errorf("%s: %+v, %v", name, u, err)
		}
	}
	check("tomas.ekwaro", func(u *store.User) bool {
		return u.Office == "CR0203" && !strings.HasPrefix(u.Name, "Renamed") && u.Administered
	})
	check("lidya.verhane", func(u *store.User) bool { return strings.HasPrefix(u.Name, "Renamed") && !u.Administered && u.Active })
	check("abel.kostuna", func(u *store.User) bool { return !u.Active && !u.Sheet })
	check("kidan.obrevic", func(u *store.User) bool { return u.Active && u.Name == "Kidan O." })

	// abel.kostuna back in the sheet: active again.
	rep, err = d.Seed(ctx)
	if err != nil || rep.Updated < 2 {
		t.Errorf("seeding the first sheet again: %+v, %v", rep, err)
	}
	check("abel.kostuna", func(u *store.User) bool { return u.Active && u.Sheet })
}

// TestSeedAtOnce: several instances starting together on one store seed it once between them.
func TestSeedAtOnce(t *testing.T) {
	ctx := context.Background()
	b := nerovia(t)
	st := open(t)
	var wg sync.WaitGroup
	reps := make([]users.SeedReport, 4)
	errs := make([]error, 4)
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = directory(t, b, st).Seed(ctx)
		}()
	}
	wg.Wait()
	created := 0
	for i := range reps {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i, errs[i])
		}
		created += reps[i].Created
	}
	all, _ := st.Users(ctx)
	if created != len(b.Users) || len(all) != len(b.Users) {
		t.Errorf("created %d, stored %d, want %d", created, len(all), len(b.Users))
	}
}

// TestOfficeJurisdiction: an administrator of office jurisdiction manages the users of their
// own office only.
func TestOfficeJurisdiction(t *testing.T) {
	ctx := context.Background()
	b := nerovia(t)
	for i := range b.Roles {
		if b.Roles[i].ID == "certificate-clerk" {
			b.Roles[i].Jurisdiction = "office"
			b.Roles[i].Administers = []string{"hospital-clerk"}
		}
	}
	st := open(t)
	d := directory(t, b, st)
	if _, err := d.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	admin, _, err := d.Actor(ctx, "elsa.marunde") // certificate clerk at CR0101
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Create(ctx, admin, users.New{Username: "a.clerk", Name: "A Clerk", Role: "hospital-clerk", Office: "CR0101"}); err != nil {
		t.Errorf("at their office: %v", err)
	}
	if _, _, err := d.Create(ctx, admin, users.New{Username: "b.clerk", Name: "B Clerk", Role: "hospital-clerk", Office: "HF001"}); err == nil {
		t.Error("at another office of the area: allowed")
	}
	list, err := d.List(ctx, admin, "")
	if err != nil || len(list) != 1 || list[0].Username != "a.clerk" {
		t.Errorf("list: %+v, %v", list, err)
	}
}

// TestStaleUserFixed: a user left with a role the bundle no longer has cannot log in, and an
// administrator of their office gives them another.
func TestStaleUserFixed(t *testing.T) {
	ctx := context.Background()
	b := nerovia(t)
	st := open(t)
	d := directory(t, b, st)
	if _, err := d.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := st.User(ctx, "tomas.ekwaro")
	u.Role, u.Version = "old-role", u.Version+1
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Active(ctx, "tomas.ekwaro"); ok || err != nil {
		t.Errorf("a user of a role not in the bundle is active: %v, %v", ok, err)
	}
	admin, _, _ := d.Actor(ctx, "fenna.albrecq")
	role := "local-registrar"
	if _, err := d.Update(ctx, admin, "tomas.ekwaro", u.Version, users.Edit{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Active(ctx, "tomas.ekwaro"); !ok || err != nil {
		t.Errorf("given a role of the bundle: %v, %v", ok, err)
	}
}
