package server_test

import (
	"context"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/server"
)

// TestOpenStoreAtOnce opens one new embedded store from several goroutines at once, as
// instances started together on a new data directory do (the connections of one process lock
// the file against each other as those of several processes do). SQLite refuses one of two
// connections that turn a new file to WAL mode at the same moment, at once and whatever the
// busy timeout. Without OpenStore's retry this fails in its first rounds.
func TestOpenStoreAtOnce(t *testing.T) {
	ctx := context.Background()
	for round := range 50 {
		dir := t.TempDir()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := server.OpenStore(ctx, dir, "")
				if err == nil {
					err = st.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
