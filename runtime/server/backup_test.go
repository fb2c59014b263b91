package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// TestBackupUnderLoad takes a backup with crvsctl backup while clients declare births to crvsctl
// serve as fast as it answers, restores it with crvsctl restore into a fresh directory, and
// finds there every declaration acknowledged before the backup began; the copy passes SQLite's
// integrity check, and declarations went on while it was taken.
//
// CRVSCTL_BACKUP_STORE=DIR serves the store in DIR instead of an empty one (seeded with
// go run ./internal/loadgen seed -data DIR -n 200000; the test declares into it) and logs the
// figures of README.md's "Backups": the backup's time and the declarations' rate before,
// during and after it.
func TestBackupUnderLoad(t *testing.T) {
	data, workers, warmup := t.TempDir(), 8, 2*time.Second
	big := os.Getenv("CRVSCTL_BACKUP_STORE")
	if big != "" {
		data, workers, warmup = big, 16, 10*time.Second
	}
	p := startServer(t, "serve", data)
	s := login(t, p.URL, "lidya.verhane")
	s.uploadDocuments(t)

	type acked struct {
		id string
		at time.Time
	}
	var (
		mu    sync.Mutex
		acks  []acked
		stop  atomic.Bool
		wg    sync.WaitGroup
		first = time.Now()
		// A store given in CRVSCTL_BACKUP_STORE is declared into again by the next run:
		// its keys are this run's.
		run = first.UnixNano()
	)
	for g := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				var d map[string]any
				json.Unmarshal(birthJSON(t), &d)
				d["child.name"] = map[string]any{"given": fmt.Sprintf("Backup%dn%d", g, i), "family": "Load"}
				// Six days apart or more: none of the load is a duplicate of another.
				d["child.dob"] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -6*((g*7+i)%50)).Format(time.DateOnly)
				raw, _ := json.Marshal(d)
				a, err := s.send("POST", "/api/v1/records", declaration(raw), "Idempotency-Key", fmt.Sprintf("backup-%d-%d-%d", run, g, i))
				if err != nil || a.Status != http.StatusCreated {
					t.Errorf("declare: %v %v", a, err)
					return
				}
				now := time.Now()
				var r record
				if json.Unmarshal(a.Body, &r) != nil || r.ID == "" {
					t.Errorf("declare: 201 without a record: %s", a.Body)
					return
				}
				mu.Lock()
				acks = append(acks, acked{r.ID, now})
				mu.Unlock()
			}
		})
	}
	time.Sleep(warmup)

	out := filepath.Join(t.TempDir(), "crvsctl.backup")
	begin := time.Now()
	cmd := exec.Command(crvsctlBinary(t), "backup", "--data", data, "-o", out)
	msg, err := cmd.CombinedOutput()
	end := time.Now()
	if err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("crvsctl backup: %v\n%s", err, msg)
	}
	t.Logf("%s", msg)
	time.Sleep(min(warmup, max(2*time.Second, end.Sub(begin))))
	stop.Store(true)
	wg.Wait()
	p.stop()
	if t.Failed() {
		t.FailNow()
	}

	var before, during, after []string
	var last time.Time
	for _, a := range acks {
		switch {
		case a.at.Before(begin):
			before = append(before, a.id)
		case a.at.Before(end):
			during = append(during, a.id)
		default:
			after = append(after, a.id)
			if a.at.After(last) {
				last = a.at
			}
		}
	}
	rate := func(n int, d time.Duration) string {
		return fmt.Sprintf("%d in %v (%.0f/s)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	t.Logf("declarations acknowledged: before the backup %s, during it %s, after it %s",
		rate(len(before), begin.Sub(first)), rate(len(during), end.Sub(begin)), rate(len(after), last.Sub(end)))
	if big != "" {
		// Second by second, the backup's seconds in brackets: the dip and how deep it goes.
		second := func(at time.Time) int { return int(math.Floor(at.Sub(begin).Seconds())) }
		perSecond := map[int]int{}
		for _, a := range acks {
			perSecond[second(a.at)]++
		}
		var line []string
		for sec := second(first); sec <= second(last); sec++ {
			n := strconv.Itoa(perSecond[sec])
			if sec >= 0 && begin.Add(time.Duration(sec)*time.Second).Before(end) {
				n = "[" + n + "]"
			}
			line = append(line, n)
		}
		t.Logf("declarations per second: %s", strings.Join(line, " "))
	}
	if len(during) == 0 {
		t.Errorf("no declaration acknowledged during the %v the backup took", end.Sub(begin))
	}

	fresh := filepath.Join(t.TempDir(), "restored")
	if msg, err := exec.Command(crvsctlBinary(t), "restore", out, "--data", fresh).CombinedOutput(); err != nil {
		t.Fatalf("crvsctl restore: %v\n%s", err, msg)
	} else {
		t.Logf("%s", msg)
	}
	ctx := context.Background()
	if _, err := sqlitestore.Check(ctx, filepath.Join(fresh, sqlitestore.FileName)); err != nil {
		t.Fatalf("the restored store: %v", err)
	}
	st, err := sqlitestore.Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range before {
		if _, err := st.Record(ctx, id); err != nil {
			t.Errorf("%s, acknowledged before the backup began: %v", id, err)
		}
	}
	// What was acknowledged after the backup ended is not in it: the copy is of one moment.
	for _, id := range after {
		if _, err := st.Record(ctx, id); err == nil {
			t.Errorf("%s, acknowledged after the backup ended, is in it", id)
		}
	}
}
