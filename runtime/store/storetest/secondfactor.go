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

var secondFactorCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"SecondFactorRoundTrip", testSecondFactorRoundTrip},
	{"SecondFactorUsedAtOnce", testSecondFactorUsedAtOnce},
}

func init() { extraCases = append(extraCases, secondFactorCases...) }

// A second factor is created at version 1 (a second creation is refused), read back whole,
// updated only from the version before, and deleted.
func testSecondFactorRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	if _, err := s.SecondFactor(ctx, "amina"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no second factor: %v, want ErrNotFound", err)
	}
	f := store.SecondFactor{User: "amina", Secret: "JBSWY3DPEHPK3PXP", Version: 1, Updated: at}
	must(t, s.SaveSecondFactor(ctx, &f))
	if err := s.SaveSecondFactor(ctx, &store.SecondFactor{User: "amina", Secret: "OTHER", Version: 1}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second creation: %v, want ErrConflict", err)
	}
	got, err := s.SecondFactor(ctx, "amina")
	must(t, err)
	if got.Secret != f.Secret || got.Enrolled || len(got.Recovery) != 0 || got.Version != 1 || !got.Updated.Equal(at) {
		t.Fatalf("read back %+v, want %+v", got, f)
	}
	next := *got
	next.Enrolled, next.Recovery, next.LastStep, next.Version = true, []string{"aa", "bb"}, 59_000_000, 2
	next.Updated = at.Add(time.Minute)
	must(t, s.SaveSecondFactor(ctx, &next))
	stale := next
	stale.Recovery = nil
	if err := s.SaveSecondFactor(ctx, &stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale update: %v, want ErrConflict", err)
	}
	if err := s.SaveSecondFactor(ctx, &store.SecondFactor{User: "nobody", Version: 2}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an update of none: %v, want ErrConflict", err)
	}
	got, err = s.SecondFactor(ctx, "amina")
	must(t, err)
	got.Updated = got.Updated.UTC()
	next.Updated = next.Updated.UTC()
	if !reflect.DeepEqual(*got, next) {
		t.Fatalf("read back %+v, want %+v", got, next)
	}
	if _, err := s.SecondFactor(ctx, "zola"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user's: %v, want ErrNotFound", err)
	}
	must(t, s.DeleteSecondFactor(ctx, "amina"))
	if _, err := s.SecondFactor(ctx, "amina"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSecondFactor(ctx, "amina"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted again: %v, want ErrNotFound", err)
	}
	// Enrolled again after a reset: version 1 once more.
	must(t, s.SaveSecondFactor(ctx, &store.SecondFactor{User: "amina", Secret: "NEW", Version: 1, Updated: at}))
}

// Ten logins use one code at once, each writing the version after the one read: one wins.
func testSecondFactorUsedAtOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.SaveSecondFactor(ctx, &store.SecondFactor{User: "amina", Secret: "S", Enrolled: true, Version: 1}))
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.SaveSecondFactor(ctx, &store.SecondFactor{User: "amina", Secret: "S", Enrolled: true, LastStep: int64(100 + i), Version: 2})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("a loser: %v, want ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d won, want 1", won)
	}
}
