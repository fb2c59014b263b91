package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxTable is the outbox (see store.OutboxMessage): one row per message not yet delivered,
// deleted once it is. Made by Open when a file lacks it (makeOutbox), outside the file's
// layout number, as the audit log's tables are: an earlier crvsctl still opens the file (and
// enqueues nothing).
const outboxTable = `
CREATE TABLE IF NOT EXISTS outbox (
	id          TEXT PRIMARY KEY,  -- store.OutboxID(key)
	key         TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL,
	target      TEXT NOT NULL,
	ord         TEXT NOT NULL,     -- Order: delivered one at a time, by seq
	seq         INTEGER NOT NULL,
	created     INTEGER NOT NULL,  -- Unix milliseconds
	attempts    INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	lease_until INTEGER NOT NULL,  -- 0: not leased
	leased_by   TEXT NOT NULL,
	last_error  TEXT NOT NULL,
	last_try    INTEGER NOT NULL DEFAULT 0, -- 0: none, or made by a crvsctl that kept no time
	parked      INTEGER NOT NULL,
	parked_at   INTEGER NOT NULL DEFAULT 0, -- 0: not parked, or parked by a crvsctl that kept no time
	head        INTEGER NOT NULL,  -- 1: the first left of its order (see enqueue, OutboxDone)
	payload     BLOB NOT NULL
) WITHOUT ROWID;
`

// outboxAdded are the outbox's columns a file made before them lacks, each with what adds it:
// ALTER TABLE puts them after payload, where a table made since has them before; their
// defaults are what the rows kept have, and what an earlier crvsctl, which names the columns
// it writes, gives those it enqueues. (That crvsctl neither sets nor clears parked_at: a
// message it retries and parks again keeps the time of its parking before.)
var outboxAdded = []struct{ column, add string }{
	{"last_try", `ALTER TABLE outbox ADD COLUMN last_try INTEGER NOT NULL DEFAULT 0`},
	{"parked_at", `ALTER TABLE outbox ADD COLUMN parked_at INTEGER NOT NULL DEFAULT 0`},
}

// outboxIndexes are the outbox's indexes, made once its columns are all there.
const outboxIndexes = `
-- What Lease walks: the first message left of each order, not parked, due first. Only heads
-- are in it, so that a lease never walks past the messages that wait behind others (a walk
-- past them made draining 100,000 messages of 20,000 records quadratic).
CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (next_at) WHERE parked = 0 AND head = 1;
-- The messages of an order, by seq: which one is its head.
CREATE INDEX IF NOT EXISTS outbox_order ON outbox (ord, seq);
-- What Parked walks, backwards: the parked messages by the time they were parked (the rows of
-- a table WITHOUT ROWID end with its key, id). It replaces outbox_parked, by created.
DROP INDEX IF EXISTS outbox_parked;
CREATE INDEX IF NOT EXISTS outbox_parked_at ON outbox (parked_at) WHERE parked = 1;
`

// makeOutbox makes the outbox, if the file lacks it, adds the columns a file made before them
// lacks, and the indexes, in one transaction of the writer: it holds the file's write lock
// from its start (_txlock=immediate), so two processes opening one file at once do not both
// add a column.
func makeOutbox(w *sql.DB) error {
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(outboxTable); err != nil {
		return err
	}
	has := map[string]bool{}
	rows, err := tx.Query(`SELECT name FROM pragma_table_info('outbox')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		has[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range outboxAdded {
		if has[c.column] {
			continue
		}
		if _, err := tx.Exec(c.add); err != nil {
			return fmt.Errorf("adding %s: %w", c.column, err)
		}
	}
	if _, err := tx.Exec(outboxIndexes); err != nil {
		return err
	}
	return tx.Commit()
}

const (
	// A message is its order's head when none of its order comes before it; one inserted
	// before the head (a lower seq, enqueued late) takes its place.
	insertOutbox = `INSERT INTO outbox (id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, head, payload)
		VALUES (?1,?2,?3,?4,?5,?6,?7,0,?8,0,'','',0, NOT EXISTS (SELECT 1 FROM outbox WHERE ord = ?5 AND seq < ?6), ?9)
		ON CONFLICT DO NOTHING RETURNING head`
	unhead = `UPDATE outbox SET head = 0 WHERE ord = ?1 AND seq > ?2 AND head = 1`
	// The next of an order becomes its head once the one before is delivered.
	nextHead = `UPDATE outbox SET head = 1 WHERE id = (SELECT id FROM outbox WHERE ord = ?1 ORDER BY seq LIMIT 1) AND head = 0`
	// The messages due, each the first left of its order (an earlier one, leased or parked,
	// holds it back), oldest due first.
	dueOutbox = `SELECT id FROM outbox INDEXED BY outbox_ready
		WHERE parked = 0 AND head = 1 AND next_at <= ?1 AND lease_until <= ?1
		ORDER BY next_at LIMIT ?2`
	leaseOutbox = `UPDATE outbox SET lease_until = ?, leased_by = ? WHERE id = ?
		RETURNING ` + outboxColumns
)

// deferOutbox puts a message off without a try counted, if instance holds it.
const deferOutbox = `UPDATE outbox SET lease_until = 0, leased_by = '', next_at = ? WHERE id = ? AND leased_by = ?`

// parkedOutbox lists the parked messages, most recently parked first, walking outbox_parked_at
// backwards (no sort: the index's rows are in (parked_at, id) order).
const parkedOutbox = `SELECT ` + outboxColumns + ` FROM outbox INDEXED BY outbox_parked_at
	WHERE parked = 1 ORDER BY parked_at DESC, id DESC LIMIT ?`

const outboxColumns = `id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, last_try, parked, parked_at, payload`

// enqueue inserts msgs (completed) in tx.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, msgs []store.OutboxMessage) error {
	for _, m := range msgs {
		payload := []byte(m.Payload)
		if payload == nil {
			payload = []byte{}
		}
		var head int
		err := s.stmt(tx, insertOutbox).QueryRowContext(ctx, m.ID, m.Key, m.Kind, m.Target, m.Order, m.Seq,
			millis(m.Created), millis(m.NextAt), payload).Scan(&head)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue // enqueued already
		case err != nil:
			return err
		case head == 1:
			if _, err := s.stmt(tx, unhead).ExecContext(ctx, m.Order, m.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) Enqueue(ctx context.Context, now time.Time, msgs []store.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	c := make([]store.OutboxMessage, len(msgs))
	for i, m := range msgs {
		store.CompleteOutbox(&m, now)
		c[i] = m
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.enqueue(ctx, tx, c) })
}

func scanOutbox(sc scanner) (*store.OutboxMessage, error) {
	var m store.OutboxMessage
	var created, next, lease, tried, parkedAt int64
	var parked int
	var payload []byte
	if err := sc.Scan(&m.ID, &m.Key, &m.Kind, &m.Target, &m.Order, &m.Seq, &created, &m.Attempts, &next, &lease,
		&m.LeasedBy, &m.LastError, &tried, &parked, &parkedAt, &payload); err != nil {
		return nil, err
	}
	m.Created, m.NextAt = fromMillis(created), fromMillis(next)
	m.LeaseUntil, m.LastTry, m.ParkedAt = orZero(lease), orZero(tried), orZero(parkedAt)
	m.Parked = parked != 0
	m.Payload = payload
	return &m, nil
}

// Lease chooses and leases in one write of the writer: writes take turns (one connection in
// this process, SQLite's write lock between processes), so no two instances choose one
// message.
func (s *Store) Lease(ctx context.Context, n int, now time.Time, ttl time.Duration, instance string) ([]store.OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	n = min(n, store.MaxOutboxLease)
	var out []store.OutboxMessage
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, dueOutbox, millis(now), n)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := millis(now.Add(ttl))
		for _, id := range ids {
			m, err := scanOutbox(tx.StmtContext(ctx, s.stmts[leaseOutbox]).QueryRowContext(ctx, until, instance, id))
			if err != nil {
				return err
			}
			out = append(out, *m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) OutboxDone(ctx context.Context, id string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var ord string
		err := tx.QueryRowContext(ctx, `DELETE FROM outbox WHERE id = ? RETURNING ord`, id).Scan(&ord)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = s.stmt(tx, nextHead).ExecContext(ctx, ord)
		return err
	})
}

// orZero is a time kept in Unix milliseconds, 0 standing for none.
func orZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

func (s *Store) OutboxFail(ctx context.Context, id, instance, reason string, now, retryAt time.Time, park bool) error {
	parked, parkedAt := 0, int64(0)
	if park {
		parked, parkedAt = 1, millis(now)
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var by string
		err := tx.QueryRowContext(ctx, `SELECT leased_by FROM outbox WHERE id = ?`, id).Scan(&by)
		switch {
		case err == sql.ErrNoRows:
			return store.ErrNotFound
		case err != nil:
			return err
		case by != instance:
			return store.ErrConflict
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_try = ?, lease_until = 0, leased_by = '',
			next_at = ?, parked = ?, parked_at = ? WHERE id = ?`, reason, millis(now), millis(retryAt), parked, parkedAt, id)
		return err
	})
}

// OutboxDefer is one transaction of the writer, one update per message.
func (s *Store) OutboxDefer(ctx context.Context, ids []string, instance string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st := s.stmt(tx, deferOutbox)
		at := millis(until)
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, at, id, instance); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) Parked(ctx context.Context, limit int) ([]store.OutboxMessage, error) {
	if limit <= 0 || limit > store.MaxOutboxLease {
		limit = store.MaxOutboxLease
	}
	rows, err := s.r.QueryContext(ctx, parkedOutbox, limit)
	return scanAll(rows, err, scanOutbox)
}

func (s *Store) OutboxRetry(ctx context.Context, id string, now time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET parked = 0, parked_at = 0, attempts = 0, next_at = ?, lease_until = 0, leased_by = ''
			WHERE id = ? AND parked = 1`, millis(now), id)
		return affected(res, err)
	})
}

func (s *Store) OutboxPending(ctx context.Context) (pending, parked int64, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(parked), 0) FROM outbox`).Scan(&pending, &parked)
	return pending, parked, err
}

// recordOutbox enqueues the messages the caller's context asks for the write of r (see
// store.WithOutbox), in the write's transaction.
func (s *Store) recordOutbox(ctx context.Context, tx *sql.Tx, actx context.Context, r *store.Record) error {
	msgs := store.OutboxOf(actx, r)
	if len(msgs) == 0 {
		return nil
	}
	return s.enqueue(ctx, tx, msgs)
}
