package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

var userCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"UsersRoundTrip", testUsersRoundTrip},
	{"UserUpdatedAtOnce", testUserUpdatedAtOnce},
	{"UserSessionsDeleted", testUserSessionsDeleted},
}

func init() { extraCases = append(extraCases, userCases...) }

// A user is created at version 1, read back whole, listed by username; a second with the same
// username is refused; an update at the wrong version is refused stale and changes nothing.
func testUsersRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	if _, err := s.User(ctx, "amina"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unknown user: %v, want ErrNotFound", err)
	}
	if got, err := s.Users(ctx); err != nil || len(got) != 0 {
		t.Fatalf("no users: %v, %v", got, err)
	}
	u := store.User{Username: "zola", Name: "Zola Émile", Role: "clerk", Office: "HF1", Email: "z@example.org",
		Phone: "+260 97 111 1111", Active: true, Sheet: true, Updated: at}
	must(t, s.CreateUser(ctx, &u))
	a := store.User{Username: "amina", Name: "Amina", Role: "registrar", Office: "CR1", Active: true,
		MustChangePassword: true, Administered: true, Updated: at, UpdatedBy: "admin"}
	must(t, s.CreateUser(ctx, &a))
	if err := s.CreateUser(ctx, &store.User{Username: "amina", Name: "Other", Role: "clerk", Office: "X", Updated: at}); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("a username taken: %v, want ErrDuplicate", err)
	}
	got, err := s.User(ctx, "zola")
	must(t, err)
	u.Version = 1
	if !reflect.DeepEqual(*got, u) {
		t.Errorf("read back\n %+v\nwant\n %+v", *got, u)
	}
	all, err := s.Users(ctx)
	must(t, err)
	a.Version = 1
	if len(all) != 2 || !reflect.DeepEqual(all[0], a) || all[1].Username != "zola" {
		t.Errorf("Users = %+v", all)
	}

	next := u
	next.Version, next.Office, next.Active, next.Administered, next.UpdatedBy = 2, "HF2", false, true, "admin"
	next.Updated = at.Add(time.Hour)
	must(t, s.UpdateUser(ctx, &next))
	stale := u
	stale.Version, stale.Name = 2, "Stale"
	if err := s.UpdateUser(ctx, &stale); !errors.Is(err, store.ErrConflict) {
		t.Errorf("an update from version 1 of a user at 2: %v, want ErrConflict", err)
	}
	if got, err := s.User(ctx, "zola"); err != nil || !reflect.DeepEqual(*got, next) {
		t.Errorf("after updates: %+v, %v; want %+v", got, err, next)
	}
	if err := s.UpdateUser(ctx, &store.User{Username: "nobody", Version: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an update of no user: %v, want ErrNotFound", err)
	}
}

// Two administrators update one user from the same version at once: one wins, the other is
// refused stale, and the user holds the winner's change.
func testUserUpdatedAtOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	must(t, s.CreateUser(ctx, &store.User{Username: "amina", Name: "Amina", Role: "clerk", Office: "HF1", Active: true, Updated: at}))
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdateUser(ctx, &store.User{Username: "amina", Name: "Amina", Role: "clerk", Office: "HF" + string(rune('A'+i)),
				Active: true, Administered: true, Version: 2, Updated: at, UpdatedBy: "admin"})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("updates %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("update %d: %v, want ErrConflict", i, err)
		}
	}
	got, err := s.User(ctx, "amina")
	must(t, err)
	if won < 0 || got.Version != 2 || got.Office != "HF"+string(rune('A'+won)) {
		t.Errorf("after: %+v (winner %d)", got, won)
	}
}

// DeleteSessions ends every session of one user, and no other's.
func testUserSessionsDeleted(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for i, u := range []string{"amina", "amina", "bob"} {
		must(t, s.CreateSession(ctx, &store.Session{TokenHash: string(rune('a' + i)), User: u, CSRF: "c", Created: now, Expires: now.Add(time.Hour)}))
	}
	must(t, s.DeleteSessions(ctx, "amina"))
	must(t, s.DeleteSessions(ctx, "nobody"))
	for i, want := range []bool{false, false, true} {
		_, err := s.Session(ctx, string(rune('a'+i)), now)
		if got := err == nil; got != want {
			t.Errorf("session %d: kept %v, want %v (%v)", i, got, want, err)
		}
	}
}
