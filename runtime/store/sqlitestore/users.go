package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// usersTables are the users administrators manage (see store.User) and the index that ends a
// user's sessions at once. They are made IF NOT EXISTS at every open, whatever the file's
// layout: new tables and an index only, which a crvsctl that does not know them leaves alone,
// so they need no layout of their own.
const usersTables = `
CREATE TABLE IF NOT EXISTS users (
	username      TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	role          TEXT NOT NULL,
	office        TEXT NOT NULL,
	email         TEXT NOT NULL,
	phone         TEXT NOT NULL,
	active        INTEGER NOT NULL,
	must_change   INTEGER NOT NULL,
	administered  INTEGER NOT NULL,
	sheet         INTEGER NOT NULL,
	version       INTEGER NOT NULL,
	updated       INTEGER NOT NULL, -- unix milliseconds
	updated_by    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
`

const userColumns = `username, name, role, office, email, phone, active, must_change, administered, sheet, version, updated, updated_by`

func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?)`,
			u.Username, u.Name, u.Role, u.Office, u.Email, u.Phone, u.Active, u.MustChangePassword, u.Administered, u.Sheet,
			millis(u.Updated), u.UpdatedBy)
		if isUnique(err) {
			return store.ErrDuplicate
		}
		return err
	})
}

func scanUser(r scanner) (*store.User, error) {
	var u store.User
	var updated int64
	err := r.Scan(&u.Username, &u.Name, &u.Role, &u.Office, &u.Email, &u.Phone, &u.Active, &u.MustChangePassword,
		&u.Administered, &u.Sheet, &u.Version, &updated, &u.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	u.Updated = fromMillis(updated)
	return &u, err
}

// userByName is the read of every request's caller, prepared once (see searchStmt): about
// half its cost is preparing it.
const userByName = `SELECT ` + userColumns + ` FROM users WHERE username = ?`

func (s *Store) User(ctx context.Context, username string) (*store.User, error) {
	st, shared, err := s.searchStmt(ctx, userByName)
	if err != nil {
		return nil, err
	}
	if !shared {
		defer st.Close()
	}
	return scanUser(st.QueryRowContext(ctx, username))
}

func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	out, err := scanAll(rows, err, scanUser)
	if out == nil && err == nil {
		out = []store.User{} // no users is an empty list, as in the other stores
	}
	return out, err
}

func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, office = ?, email = ?, phone = ?, active = ?,
			must_change = ?, administered = ?, sheet = ?, version = ?, updated = ?, updated_by = ? WHERE username = ? AND version = ?`,
			u.Name, u.Role, u.Office, u.Email, u.Phone, u.Active, u.MustChangePassword, u.Administered, u.Sheet, u.Version,
			millis(u.Updated), u.UpdatedBy, u.Username, u.Version-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return nil
		}
		var v int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM users WHERE username = ?`, u.Username).Scan(&v); errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		return store.ErrConflict
	})
}

func (s *Store) DeleteSessions(ctx context.Context, user string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user = ?`, user)
		return err
	})
}
