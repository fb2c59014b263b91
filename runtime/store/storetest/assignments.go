package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

var assignmentCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"Assignments", testAssignments},
	{"AssignAtOnce", testAssignAtOnce},
}

// wantHeld checks who holds a record, and until when; user "" is nobody.
func wantHeld(t *testing.T, s store.Store, id, user string, until time.Time) {
	t.Helper()
	a, err := s.Assignment(ctx, id)
	if user == "" {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("record %s is held: %+v, %v; want nobody (ErrNotFound)", id, a, err)
		}
		return
	}
	if err != nil || a.Record != id || a.User != user || !a.Until.Equal(until) {
		t.Errorf("record %s: %+v, %v; want held by %s until %v", id, a, err, user, until)
	}
}

// A record is held by one user at a time: assigned when nobody holds it, held by the same
// user (extended), or held until a time now past; released by its holder or by force.
func testAssignments(t *testing.T, s store.Store) {
	wantHeld(t, s, "R1", "", time.Time{})
	if err := s.Release(ctx, "R1", "amina", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Release of a record nobody holds: %v, want ErrNotFound", err)
	}

	a, err := s.Assign(ctx, "R1", "amina", at(0), at(60))
	if err != nil || a.User != "amina" || !a.Until.Equal(at(60)) || a.Record != "R1" {
		t.Fatalf("Assign: %+v, %v", a, err)
	}
	wantHeld(t, s, "R1", "amina", at(60))

	// Another user, while it holds: refused, told who holds it and until when.
	a, err = s.Assign(ctx, "R1", "bruno", at(10), at(70))
	if !errors.Is(err, store.ErrConflict) || a == nil || a.User != "amina" || !a.Until.Equal(at(60)) {
		t.Errorf("Assign by another: %+v, %v; want ErrConflict with amina's", a, err)
	}
	wantHeld(t, s, "R1", "amina", at(60))
	// Other records are free.
	if _, err := s.Assign(ctx, "R2", "bruno", at(10), at(70)); err != nil {
		t.Errorf("Assign of another record: %v", err)
	}

	// The holder again: the assignment now ends at the new time.
	if a, err := s.Assign(ctx, "R1", "amina", at(20), at(120)); err != nil || !a.Until.Equal(at(120)) {
		t.Errorf("Assign by the holder: %+v, %v", a, err)
	}
	wantHeld(t, s, "R1", "amina", at(120))

	// Released by another without force: refused, nothing changes.
	if err := s.Release(ctx, "R1", "bruno", false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Release by another: %v, want ErrConflict", err)
	}
	wantHeld(t, s, "R1", "amina", at(120))

	// Once its time is past (at its very end too), another takes it over.
	if _, err := s.Assign(ctx, "R1", "bruno", at(119), at(200)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Assign a minute before the end: %v, want ErrConflict", err)
	}
	if a, err := s.Assign(ctx, "R1", "bruno", at(120), at(200)); err != nil || a.User != "bruno" {
		t.Errorf("Assign once ended: %+v, %v", a, err)
	}
	wantHeld(t, s, "R1", "bruno", at(200))

	// Released by the one it was taken from: refused; by force: gone.
	if err := s.Release(ctx, "R1", "amina", false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Release by the former holder: %v, want ErrConflict", err)
	}
	must(t, s.Release(ctx, "R1", "amina", true))
	wantHeld(t, s, "R1", "", time.Time{})

	// Released by its holder, even once ended (read as it was: the caller tells the time).
	must(t, s.Release(ctx, "R2", "bruno", false))
	wantHeld(t, s, "R2", "", time.Time{})
	if _, err := s.Assign(ctx, "R3", "chen", at(0), at(1)); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, s, "R3", "chen", at(1))
	must(t, s.Release(ctx, "R3", "chen", false))
	if err := s.Release(ctx, "R3", "chen", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Release again: %v, want ErrNotFound", err)
	}
}

// Users assigning one record at once: exactly one gets it, the others are told who did; the
// same once that assignment has ended.
func testAssignAtOnce(t *testing.T, s store.Store) {
	for round, now := range []time.Time{at(0), at(100)} {
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, lost := []string{}, []string{}
		for i := range n {
			user := fmt.Sprintf("user%d-%d", round, i)
			wg.Go(func() {
				a, err := s.Assign(context.Background(), "R1", user, now, now.Add(time.Hour))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && a.User == user:
					won = append(won, user)
				case errors.Is(err, store.ErrConflict) && a != nil && a.User != user:
					lost = append(lost, a.User)
				default:
					t.Errorf("Assign by %s: %+v, %v", user, a, err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 || len(lost) != n-1 {
			t.Fatalf("round %d: %d assigned, %d refused; want 1 and %d", round, len(won), len(lost), n-1)
		}
		for _, holder := range lost {
			if holder != won[0] {
				t.Errorf("round %d: a refusal names %s, but %s holds it", round, holder, won[0])
			}
		}
		wantHeld(t, s, "R1", won[0], now.Add(time.Hour))
	}
}

func (p *alternate) Assign(ctx context.Context, id, user string, now, until time.Time) (*store.Assignment, error) {
	return p.next().Assign(ctx, id, user, now, until)
}

func (p *alternate) Release(ctx context.Context, id, user string, force bool) error {
	return p.next().Release(ctx, id, user, force)
}

func (p *alternate) Assignment(ctx context.Context, id string) (*store.Assignment, error) {
	return p.next().Assignment(ctx, id)
}
