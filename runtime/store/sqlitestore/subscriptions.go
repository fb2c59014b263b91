package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// subscriptionsTable holds OSIA's subscriptions (store.Subscription), made IF NOT EXISTS at
// every open like the second factors: a new table, which needs no layout of its own.
const subscriptionsTable = `
CREATE TABLE IF NOT EXISTS subscriptions (
	id       TEXT PRIMARY KEY,
	owner    TEXT NOT NULL,
	topic    TEXT NOT NULL,
	protocol TEXT NOT NULL,
	address  TEXT NOT NULL,
	policy   TEXT NOT NULL,
	token    TEXT NOT NULL,
	active   INTEGER NOT NULL,
	created  INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_endpoint ON subscriptions (owner, topic, protocol, address);
CREATE INDEX IF NOT EXISTS subscriptions_topic ON subscriptions (topic, active);
`

const subscriptionColumns = `id, owner, topic, protocol, address, policy, token, active, created`

func scanSubscription(row scanner) (*store.Subscription, error) {
	var sub store.Subscription
	var created int64
	if err := row.Scan(&sub.ID, &sub.Owner, &sub.Topic, &sub.Protocol, &sub.Address, &sub.Policy, &sub.Token, &sub.Active, &created); err != nil {
		return nil, err
	}
	sub.Created = fromMillis(created)
	return &sub, nil
}

func (s *Store) AddSubscription(ctx context.Context, sub *store.Subscription) (*store.Subscription, error) {
	var out *store.Subscription
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
			WHERE owner = ? AND topic = ? AND protocol = ? AND address = ?`, sub.Owner, sub.Topic, sub.Protocol, sub.Address))
		if err == nil {
			out = old
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM subscriptions WHERE owner = ?`, sub.Owner).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxSubscriptions {
			return fmt.Errorf("%s keeps %d subscriptions: %w", sub.Owner, n, store.ErrTooManySubscriptions)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
			sub.ID, sub.Owner, sub.Topic, sub.Protocol, sub.Address, sub.Policy, sub.Token, sub.Active, millis(sub.Created)); err != nil {
			return err
		}
		kept := *sub
		kept.Created = fromMillis(millis(sub.Created))
		out = &kept
		return nil
	})
	return out, err
}

func (s *Store) Subscriptions(ctx context.Context, q store.SubscriptionQuery) ([]store.Subscription, error) {
	var where []string
	var args []any
	if q.Owner != "" {
		where, args = append(where, "owner = ?"), append(args, q.Owner)
	}
	if q.Topic != "" {
		where, args = append(where, "topic = ?"), append(args, q.Topic)
	}
	if q.ActiveOnly {
		where = append(where, "active = 1")
	}
	query := `SELECT ` + subscriptionColumns + ` FROM subscriptions`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, query+` ORDER BY created, id`, args...)
	return scanAll(rows, err, scanSubscription)
}

func (s *Store) DeleteSubscription(ctx context.Context, owner, id string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE owner = ? AND id = ?`, owner, id))
	})
}

func (s *Store) ConfirmSubscription(ctx context.Context, owner, token string) (*store.Subscription, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	var out *store.Subscription
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET active = 1 WHERE owner = ? AND token = ?`, owner, token); err != nil {
			return err
		}
		sub, err := scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE owner = ? AND token = ?`, owner, token))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		out = sub
		return err
	})
	return out, err
}
