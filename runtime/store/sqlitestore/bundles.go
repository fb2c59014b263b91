package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/crvsctl/crvsctl/runtime/store"
)

func (s *Store) KeepBundle(ctx context.Context, b store.BundleInfo, data []byte) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO bundles (hash, version, served, data) VALUES (?,?,?,?) ON CONFLICT (hash) DO NOTHING`,
			b.Hash, b.Version, millis(b.Served), data)
		return err
	})
}

func (s *Store) Bundles(ctx context.Context) ([]store.BundleInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT hash, version, served FROM bundles ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.BundleInfo
	for rows.Next() {
		var b store.BundleInfo
		var served int64
		if err := rows.Scan(&b.Hash, &b.Version, &served); err != nil {
			return nil, err
		}
		b.Served = fromMillis(served)
		out = append(out, b)
	}
	return out, rows.Err()
}

func (s *Store) BundleData(ctx context.Context, hash string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT data FROM bundles WHERE hash = ?`, hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return data, err
}
