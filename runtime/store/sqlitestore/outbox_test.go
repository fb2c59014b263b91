package sqlitestore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestOutboxParkedTime: a file whose outbox crvsctl made before it kept when a message was
// parked and last tried (testdata/outbox1.sql, laid over a file of this layout) opens: its
// outbox gains the two columns, keeps its messages (the one parked, with no time of parking
// nor of its last try, listed after those parked since, and retried as before), and opens
// again as it is; an earlier crvsctl's insert, which names none of the new columns, still
// works.
func TestOutboxParkedTime(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ddl, err := os.ReadFile(filepath.Join("testdata", "outbox1.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE outbox`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ctx := context.Background()
	at := func(sec int) time.Time { return time.Date(2026, 3, 1, 9, 0, sec, 0, time.UTC) }
	a1, a2 := store.OutboxID("A1/1/sms/0"), store.OutboxID("A2/1/webhook/h")
	for open := range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("open %d: %v", open, err)
		}
		var columns, indexes []string
		rows, err := s.r.Query(`SELECT name FROM pragma_table_info('outbox')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			columns = append(columns, c)
		}
		rows.Close()
		if !slices.Contains(columns, "parked_at") || !slices.Contains(columns, "last_try") || len(columns) != 17 {
			t.Errorf("open %d: the outbox's columns %v", open, columns)
		}
		rows, err = s.r.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			indexes = append(indexes, c)
		}
		rows.Close()
		if want := []string{"outbox_order", "outbox_parked_at", "outbox_ready"}; !slices.Equal(indexes, want) {
			t.Errorf("open %d: the outbox's indexes %v, want %v", open, indexes, want)
		}
		if pending, parked, err := s.OutboxPending(ctx); err != nil || pending != 3 || parked != int64(1+open) {
			t.Errorf("open %d: pending %d, parked %d, %v", open, pending, parked, err)
		}
		p, err := s.Parked(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{a1}
		if open > 0 {
			want = []string{a2, a1} // parked since, at a time kept
		}
		if got := outboxIDs(p); !slices.Equal(got, want) {
			t.Fatalf("open %d: parked %v, want %v", open, got, want)
		}
		old := p[len(p)-1]
		if old.Key != "A1/1/sms/0" || !old.Parked || old.Attempts != 1 || old.LastError != "the gateway answered 503" ||
			!old.Created.Equal(at(0)) || !old.ParkedAt.IsZero() || !old.LastTry.IsZero() || string(old.Payload) != `{"text":"A1"}` {
			t.Errorf("open %d: the message parked before: %+v", open, old)
		}
		if open == 0 {
			// A2/1, due again at 9:00:30, fails at 9:00:31 and is parked.
			m, err := s.Lease(ctx, 10, at(30), time.Minute, "i1")
			if err != nil || len(m) != 1 || m[0].ID != a2 || m[0].LastError != "connection refused" || !m[0].LastTry.IsZero() {
				t.Fatalf("leased %+v, %v", m, err)
			}
			if err := s.OutboxFail(ctx, a2, "i1", "connection refused", at(31), at(90), true); err != nil {
				t.Fatal(err)
			}
			// An earlier crvsctl's insert, naming none of the new columns.
			if _, err := s.w.Exec(`INSERT INTO outbox (id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, head, payload)
				VALUES ('msg_x', 'x', 'sms', '+1', 'x', 1, 0, 0, 0, 0, '', '', 0, 1, x'')`); err != nil {
				t.Errorf("an earlier crvsctl's insert: %v", err)
			}
			if _, err := s.w.Exec(`DELETE FROM outbox WHERE id = 'msg_x'`); err != nil {
				t.Fatal(err)
			}
		} else {
			if !p[0].ParkedAt.Equal(at(31)) || !p[0].LastTry.Equal(at(31)) || p[0].Attempts != 2 {
				t.Errorf("A2/1 parked: %+v", p[0])
			}
			// A1/1 retried as before: due, and A1/2 behind it.
			if err := s.OutboxRetry(ctx, a1, at(40)); err != nil {
				t.Fatal(err)
			}
			m, err := s.Lease(ctx, 10, at(40), time.Minute, "i1")
			if err != nil || len(m) != 1 || m[0].ID != a1 || m[0].Parked || m[0].Attempts != 0 {
				t.Fatalf("after the retry, leased %+v, %v", m, err)
			}
			if err := s.OutboxDone(ctx, a1); err != nil {
				t.Fatal(err)
			}
			if m, err = s.Lease(ctx, 10, at(40), time.Minute, "i1"); err != nil || len(m) != 1 || m[0].Key != "A1/2/sms/0" {
				t.Fatalf("after A1/1, leased %+v, %v", m, err)
			}
		}
		s.Close()
	}
}

// TestParkedPlan: Parked walks the parked messages' index backwards, with no sort.
func TestParkedPlan(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+parkedOutbox, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if len(plan) != 1 || !strings.HasPrefix(plan[0], "SCAN outbox USING INDEX outbox_parked_at") {
		t.Errorf("%s:\n%s", parkedOutbox, strings.Join(plan, "\n"))
	}
}

func outboxIDs(msgs []store.OutboxMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}
