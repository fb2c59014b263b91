package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// secondFactorTable holds users' second factors (store.SecondFactor), made IF NOT EXISTS at
// every open like the users table: a new table, which needs no layout of its own.
const secondFactorTable = `
CREATE TABLE IF NOT EXISTS second_factors (
	user      TEXT PRIMARY KEY,
	secret    TEXT NOT NULL,
	enrolled  INTEGER NOT NULL,
	recovery  TEXT NOT NULL, -- JSON array of hex sha256
	last_step INTEGER NOT NULL,
	version   INTEGER NOT NULL,
	updated   INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
`

func (s *Store) SecondFactor(ctx context.Context, user string) (*store.SecondFactor, error) {
	var f store.SecondFactor
	var recovery string
	var updated int64
	err := s.r.QueryRowContext(ctx, `SELECT user, secret, enrolled, recovery, last_step, version, updated FROM second_factors WHERE user = ?`, user).
		Scan(&f.User, &f.Secret, &f.Enrolled, &recovery, &f.LastStep, &f.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(recovery), &f.Recovery); err != nil {
		return nil, err
	}
	f.Updated = fromMillis(updated)
	return &f, nil
}

func (s *Store) SaveSecondFactor(ctx context.Context, f *store.SecondFactor) error {
	recovery, err := json.Marshal(f.Recovery)
	if err != nil {
		return err
	}
	if f.Recovery == nil {
		recovery = []byte("[]")
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var res sql.Result
		var err error
		if f.Version <= 1 {
			res, err = tx.ExecContext(ctx, `INSERT INTO second_factors (user, secret, enrolled, recovery, last_step, version, updated)
				VALUES (?,?,?,?,?,1,?) ON CONFLICT (user) DO NOTHING`, f.User, f.Secret, f.Enrolled, string(recovery), f.LastStep, millis(f.Updated))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE second_factors SET secret = ?, enrolled = ?, recovery = ?, last_step = ?, version = ?, updated = ?
				WHERE user = ? AND version = ?`, f.Secret, f.Enrolled, string(recovery), f.LastStep, f.Version, millis(f.Updated), f.User, f.Version-1)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return store.ErrConflict
		}
		return nil
	})
}

func (s *Store) DeleteSecondFactor(ctx context.Context, user string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM second_factors WHERE user = ?`, user))
	})
}
