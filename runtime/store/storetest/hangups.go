package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Clients that hang up mid-request beside clients that do not: a write whose caller gives up
// is its caller's business alone. The writes of the others, which may share a transaction
// with it (the SQLite store's group commit), never fail for it; and a write the store
// acknowledged, to anyone, is stored.
func testHangUps(t *testing.T, s store.Store) {
	const steady, hasty, each = 8, 8, 200
	for i := range steady + hasty {
		must(t, s.CreateRecord(ctx, record(fmt.Sprint("U", i), 1)))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{} // records whose creation the store acknowledged
	for w := range steady + hasty {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			current := record(fmt.Sprint("U", w), 1)
			for i := range each {
				c, cancel := ctx, context.CancelFunc(func() {})
				if w >= steady {
					// A client that hangs up at some moment of its request: before it is
					// handed over, while it waits for its batch, or while it runs.
					c, cancel = context.WithCancel(ctx)
					time.AfterFunc(time.Duration(rnd.IntN(400))*time.Microsecond, cancel)
				}
				var err error
				var created string
				switch i % 4 {
				case 0:
					created = fmt.Sprint("H", w, "-", i)
					err = s.CreateRecord(c, record(created, 2))
				case 1:
					u, e := next(current, "validate", "validated", 3)
					u.Title = fmt.Sprint("writer ", w, " action ", i)
					if err = s.UpdateRecord(c, u, e); err == nil {
						current = u
					} else if w >= steady && !errors.Is(err, store.ErrConflict) {
						// Cancelled: it may or may not have been stored; read what is.
						if got, rerr := s.Record(ctx, current.ID); rerr == nil {
							current = got
							current.History = nil
						}
					}
				case 2:
					_, _, err = s.SaveDocument(c, upload(fmt.Sprint("user", w), "scan.pdf", pdfBytes(fmt.Sprint(w, "-", i)), 1))
				case 3:
					_, err = s.AddFailure(c, fmt.Sprint("user:u", w), at(0).Add(time.Duration(i)*time.Second), time.Hour)
				}
				cancel()
				if w < steady && err != nil {
					t.Errorf("writer %d, write %d, never hung up: %v", w, i, err)
				}
				if err == nil && created != "" {
					mu.Lock()
					acked[created] = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for id := range acked {
		if _, err := s.Record(ctx, id); err != nil {
			t.Errorf("record %s was acknowledged: %v", id, err)
		}
	}
	// The steady writers' records carry every one of their actions.
	for w := range steady {
		got, err := s.Record(ctx, fmt.Sprint("U", w))
		must(t, err)
		if want := int64(1 + each/4); got.Version != want || len(got.History) != int(want) {
			t.Errorf("U%d: version %d, %d entries, want %d", w, got.Version, len(got.History), want)
		}
	}
}
