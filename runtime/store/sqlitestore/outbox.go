package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxSchema is the outbox (see store.OutboxMessage): one row per message not yet
// delivered, deleted once it is. Made by Open when a file lacks it, outside the file's layout
// number, as the audit log's tables are: an earlier crvsctl still opens the file (and
// enqueues nothing).
const outboxSchema = `
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
	parked      INTEGER NOT NULL,
	payload     BLOB NOT NULL
) WITHOUT ROWID;
-- What Lease walks: the messages not parked, due first.
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_at) WHERE parked = 0;
-- Whether a message is the first left of its order.
CREATE INDEX IF NOT EXISTS outbox_order ON outbox (ord, seq);
CREATE INDEX IF NOT EXISTS outbox_parked ON outbox (created) WHERE parked = 1;
`

const (
	insertOutbox = `INSERT INTO outbox (id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, payload)
		VALUES (?,?,?,?,?,?,?,0,?,0,'','',0,?) ON CONFLICT DO NOTHING`
	// The messages due, each the first left of its order (an earlier one, leased or parked,
	// holds it back), oldest due first.
	dueOutbox = `SELECT id FROM outbox AS o INDEXED BY outbox_due
		WHERE parked = 0 AND next_at <= ?1 AND lease_until <= ?1
		AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.ord = o.ord AND e.seq < o.seq)
		ORDER BY next_at LIMIT ?2`
	leaseOutbox = `UPDATE outbox SET lease_until = ?, leased_by = ? WHERE id = ?
		RETURNING id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, payload`
)

const outboxColumns = `id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, payload`

// enqueue inserts msgs (completed) in tx.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, msgs []store.OutboxMessage) error {
	for _, m := range msgs {
		payload := []byte(m.Payload)
		if payload == nil {
			payload = []byte{}
		}
		if _, err := s.stmt(tx, insertOutbox).ExecContext(ctx, m.ID, m.Key, m.Kind, m.Target, m.Order, m.Seq,
			millis(m.Created), millis(m.NextAt), payload); err != nil {
			return err
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

func scanOutbox(sc scanner) (store.OutboxMessage, error) {
	var m store.OutboxMessage
	var created, next, lease int64
	var parked int
	var payload []byte
	if err := sc.Scan(&m.ID, &m.Key, &m.Kind, &m.Target, &m.Order, &m.Seq, &created, &m.Attempts, &next, &lease,
		&m.LeasedBy, &m.LastError, &parked, &payload); err != nil {
		return m, err
	}
	m.Created, m.NextAt = fromMillis(created), fromMillis(next)
	if lease != 0 {
		m.LeaseUntil = fromMillis(lease)
	}
	m.Parked = parked != 0
	m.Payload = payload
	return m, nil
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
			out = append(out, m)
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
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id)
		return outboxAffected(res, err)
	})
}

func outboxAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) OutboxFail(ctx context.Context, id, instance, reason string, retryAt time.Time, park bool) error {
	parked := 0
	if park {
		parked = 1
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
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, lease_until = 0, leased_by = '',
			next_at = ?, parked = ? WHERE id = ?`, reason, millis(retryAt), parked, id)
		return err
	})
}

func (s *Store) Parked(ctx context.Context, limit int) ([]store.OutboxMessage, error) {
	if limit <= 0 || limit > store.MaxOutboxLease {
		limit = store.MaxOutboxLease
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE parked = 1 ORDER BY created, id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) OutboxRetry(ctx context.Context, id string, now time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET parked = 0, attempts = 0, next_at = ?, lease_until = 0, leased_by = ''
			WHERE id = ? AND parked = 1`, millis(now), id)
		return outboxAffected(res, err)
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
