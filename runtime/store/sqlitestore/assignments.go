package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// assignments are the records' holds (store.Assignment), by record: one row for a record
// someone holds, none for one nobody does. A table of its own, made on any layout: nothing
// else reads it, and a crvsctl that does not know it leaves it alone (a hold is a courtesy
// between users, which an older server does not enforce). An expired row stays until the
// record is assigned again or released.
const assignments = `
CREATE TABLE IF NOT EXISTS assignments (
	record TEXT PRIMARY KEY, -- the tracking ID
	user   TEXT NOT NULL,
	until  INTEGER NOT NULL  -- unix milliseconds
) WITHOUT ROWID;
`

// makeAssignments makes the table of assignments, if the file lacks it.
func makeAssignments(w *sql.DB) error {
	_, err := w.Exec(assignments)
	return err
}

func (s *Store) Assign(ctx context.Context, id, user string, now, until time.Time) (*store.Assignment, error) {
	var held *store.Assignment
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO assignments (record, user, until) VALUES (?1, ?2, ?3)
			ON CONFLICT (record) DO UPDATE SET user = excluded.user, until = excluded.until
			WHERE assignments.user = excluded.user OR assignments.until <= ?4`, id, user, millis(until), millis(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		held, err = assignment(ctx, tx, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrConflict
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return nil, err
	}
	return held, err
}

func (s *Store) Release(ctx context.Context, id, user string, force bool) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM assignments WHERE record = ?1 AND (?3 OR user = ?2)`, id, user, force)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		if _, err := assignment(ctx, tx, id); err != nil {
			return err // ErrNotFound: nobody holds it
		}
		return store.ErrConflict
	})
}

func (s *Store) Assignment(ctx context.Context, id string) (*store.Assignment, error) {
	return assignment(ctx, s.r, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func assignment(ctx context.Context, q querier, id string) (*store.Assignment, error) {
	a := store.Assignment{Record: id}
	var until int64
	err := q.QueryRowContext(ctx, `SELECT user, until FROM assignments WHERE record = ?`, id).Scan(&a.User, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a.Until = fromMillis(until)
	return &a, nil
}
