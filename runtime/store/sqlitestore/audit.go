package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// auditSchema is the audit log: one row per entry, by its Seq, each with the hash of the one
// before (see store.AuditHash). Rows are inserted, never updated nor deleted, by this store.
// The tables are made by Open when a file lacks them, outside the file's layout number: a
// file from before them gains them, and an earlier crvsctl, which knows nothing of them,
// still opens the file (its writes are then not audited).
const auditSchema = `
CREATE TABLE IF NOT EXISTS audit (
	seq     INTEGER PRIMARY KEY, -- 1, 2, 3...
	time    INTEGER NOT NULL,    -- Unix milliseconds
	user    TEXT NOT NULL,
	role    TEXT NOT NULL,
	office  TEXT NOT NULL,
	areas   TEXT NOT NULL,       -- a JSON array, in the entry's order (it is hashed)
	kind    TEXT NOT NULL,
	record  TEXT NOT NULL,
	action  TEXT NOT NULL,
	details BLOB,                -- the JSON as given, byte for byte (it is hashed)
	prev    TEXT NOT NULL,
	hash    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_user ON audit (user, seq);
CREATE INDEX IF NOT EXISTS audit_record ON audit (record, seq) WHERE record != '';
CREATE TABLE IF NOT EXISTS audit_checkpoints (
	seq       INTEGER NOT NULL,
	key_id    TEXT NOT NULL,
	hash      TEXT NOT NULL,
	time      INTEGER NOT NULL,
	signature TEXT NOT NULL,
	PRIMARY KEY (seq, key_id)
) WITHOUT ROWID;
`

// The statements of an append, prepared once with the writer's (preparing one costs as much
// as running it, and every action runs both).
const (
	auditHead   = `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`
	insertAudit = `INSERT INTO audit (seq, time, user, role, office, areas, kind, record, action, details, prev, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`
)

// appendAudit appends e in the transaction tx, after the head it reads there: the writer's
// transactions take turns (one connection in this process, SQLite's write lock between
// processes), so no two entries get one Seq.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, e *store.AuditEntry) error {
	var head store.AuditEntry
	err := s.stmt(tx, auditHead).QueryRowContext(ctx).Scan(&head.Seq, &head.Hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.Chain(nil)
	case err != nil:
		return err
	default:
		e.Chain(&head)
	}
	areas := "[]"
	if len(e.Areas) > 0 {
		b, err := json.Marshal(e.Areas)
		if err != nil {
			return err
		}
		areas = string(b)
	}
	var details any
	if e.Details != nil {
		details = []byte(e.Details)
	}
	_, err = s.stmt(tx, insertAudit).ExecContext(ctx, e.Seq, millis(e.Time), e.User, e.Role, e.Office, areas, e.Kind, e.Record, e.Action, details, e.Prev, e.Hash)
	return err
}

func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	c := *e
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.appendAudit(ctx, tx, &c) })
	if err == nil {
		*e = c
	}
	return err
}

func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if q.User != "" {
		add(`user = ?`, q.User)
	}
	if q.Record != "" {
		add(`record = ?`, q.Record)
	}
	if q.Kind != "" {
		add(`kind = ?`, q.Kind)
	}
	if q.Office != "" {
		add(`office = ?`, q.Office)
	}
	if q.Area != "" {
		// The areas are a JSON array of codes: a code quoted is one element.
		add(`instr(areas, json_quote(?)) > 0`, q.Area)
	}
	if !q.From.IsZero() {
		add(`time >= ?`, millis(q.From))
	}
	if !q.To.IsZero() {
		add(`time < ?`, millis(q.To))
	}
	order := "DESC"
	if q.Oldest {
		order = "ASC"
	}
	if q.After != "" {
		after, err := strconv.ParseInt(q.After, 10, 64)
		if err != nil {
			return store.AuditPage{}, errors.New("audit: a malformed page cursor")
		}
		if q.Oldest {
			add(`seq > ?`, after)
		} else {
			add(`seq < ?`, after)
		}
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxAuditPage {
		limit = store.MaxAuditPage
	}
	query := `SELECT seq, time, user, role, office, areas, kind, record, action, details, prev, hash FROM audit`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY seq ` + order + ` LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return store.AuditPage{}, err
	}
	defer rows.Close()
	var page store.AuditPage
	for rows.Next() {
		var e store.AuditEntry
		var t int64
		var areas string
		var details []byte
		if err := rows.Scan(&e.Seq, &t, &e.User, &e.Role, &e.Office, &areas, &e.Kind, &e.Record, &e.Action, &details, &e.Prev, &e.Hash); err != nil {
			return store.AuditPage{}, err
		}
		e.Time = fromMillis(t)
		e.Areas = areaList(areas)
		if details != nil {
			e.Details = details
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return store.AuditPage{}, err
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.Next = strconv.FormatInt(page.Entries[limit-1].Seq, 10)
	}
	return page, nil
}

func (s *Store) AddAuditCheckpoint(ctx context.Context, c *store.AuditCheckpoint) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, key_id, hash, time, signature) VALUES (?,?,?,?,?)
			ON CONFLICT (seq, key_id) DO NOTHING`, c.Seq, c.KeyID, c.Hash, millis(c.Time), c.Signature)
		return err
	})
}

func (s *Store) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, key_id, hash, time, signature FROM audit_checkpoints ORDER BY seq, key_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AuditCheckpoint
	for rows.Next() {
		var c store.AuditCheckpoint
		var t int64
		if err := rows.Scan(&c.Seq, &c.KeyID, &c.Hash, &t, &c.Signature); err != nil {
			return nil, err
		}
		c.Time = fromMillis(t)
		out = append(out, c)
	}
	return out, rows.Err()
}

// recordAudit appends the audit entry the caller's context carries for the write of r (see
// store.WithAudit), in the write's transaction.
func (s *Store) recordAudit(ctx context.Context, tx *sql.Tx, e *store.AuditEntry) error {
	if e == nil {
		return nil
	}
	return s.appendAudit(ctx, tx, e)
}

// areaList reads the areas column: a JSON array of codes, as appendAudit wrote it. Codes
// without quotes or backslashes, as areas' codes are, are split without a JSON decoder (a
// tenth of a verification of a million entries went to it).
func areaList(areas string) []string {
	if areas == "[]" {
		return nil
	}
	if inner, ok := strings.CutPrefix(areas, `["`); ok && strings.HasSuffix(inner, `"]`) && !strings.Contains(areas, `\`) {
		inner = inner[:len(inner)-2]
		if parts := strings.Split(inner, `","`); !slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(p, `"`) }) {
			return parts
		}
	}
	var out []string
	if err := json.Unmarshal([]byte(areas), &out); err != nil {
		return []string{areas} // kept as read: the hash tells it was changed
	}
	return out
}
