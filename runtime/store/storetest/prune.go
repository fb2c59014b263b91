package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Prune forgets expired sessions and old failures, and nothing else.
func testPrune(t *testing.T, s store.Store) {
	now := at(30)
	must(t, s.CreateSession(ctx, &store.Session{TokenHash: "live", User: "amina", CSRF: "c1", Created: at(0), Expires: now.Add(time.Hour)}))
	must(t, s.CreateSession(ctx, &store.Session{TokenHash: "ended", User: "amina", CSRF: "c2", Created: at(0), Expires: now.Add(-time.Minute)}))
	must(t, s.CreateSession(ctx, &store.Session{TokenHash: "ending", User: "bob", CSRF: "c3", Created: at(0), Expires: now}))
	// One key with old failures only, one with old and recent, one with recent only.
	for _, f := range []struct {
		key    string
		minute int
	}{{"user:old", 1}, {"user:old", 2}, {"user:both", 3}, {"user:both", 20}, {"user:new", 25}} {
		if _, err := s.AddFailure(ctx, f.key, at(f.minute), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.Prune(ctx, now, at(10)))

	if _, err := s.Session(ctx, "live", now); err != nil {
		t.Errorf("a live session was pruned: %v", err)
	}
	// Asked as of a time before they expired: they are gone, not merely expired.
	for _, h := range []string{"ended", "ending"} {
		if _, err := s.Session(ctx, h, at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s, expired, is still stored: %v", h, err)
		}
	}
	// A window reaching back past the pruned failures counts only those kept, and the new one.
	for key, want := range map[string]int{"user:old": 1, "user:both": 2, "user:new": 2} {
		n, err := s.AddFailure(ctx, key, now, time.Hour)
		must(t, err)
		if n != want {
			t.Errorf("%s after pruning counts %d, want %d", key, n, want)
		}
	}
	// Pruning again, or with nothing to prune, is fine.
	must(t, s.Prune(ctx, now, at(10)))
	must(t, s.Prune(ctx, at(0), at(0)))
}

// A user keeps at most MaxDrafts drafts: a new one past them is refused, replacing one is
// not, and another user is not counted with them.
func testDraftLimit(t *testing.T, s store.Store) {
	draft := func(user string, i, minute int) *store.Draft {
		return &store.Draft{ID: fmt.Sprint("d", i), User: user, Event: "birth", Data: []byte(`{}`), Updated: at(minute)}
	}
	for i := range store.MaxDrafts {
		must(t, s.SaveDraft(ctx, draft("amina", i, 1)))
	}
	if err := s.SaveDraft(ctx, draft("amina", store.MaxDrafts, 2)); !errors.Is(err, store.ErrTooMany) {
		t.Errorf("draft %d of one user: %v", store.MaxDrafts+1, err)
	}
	if _, err := s.Draft(ctx, "amina", fmt.Sprint("d", store.MaxDrafts)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused draft was stored: %v", err)
	}
	must(t, s.SaveDraft(ctx, draft("amina", 7, 3)))
	must(t, s.SaveDraft(ctx, draft("bob", 0, 3)))
	list, err := s.Drafts(ctx, "amina")
	must(t, err)
	if len(list) != store.MaxDrafts || list[0].ID != "d7" {
		t.Errorf("%d drafts, the newest %v", len(list), list[0].ID)
	}
	// Once one is deleted, a new one is taken.
	must(t, s.DeleteDraft(ctx, "amina", "d0"))
	must(t, s.SaveDraft(ctx, draft("amina", store.MaxDrafts, 4)))
}
