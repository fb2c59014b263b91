// Package sqlitestore is the embedded store: one SQLite file through the pure-Go
// modernc.org/sqlite, so that crvsctl serve needs no server installed and stays one static
// binary.
//
// Durability: the database is in WAL mode with synchronous=FULL. A transaction is in the
// write-ahead log, and the log synced to the disk (fsync), before its commit returns, so
// what the server acknowledged (a record, an action, a registration number drawn) survives a
// crash of the process (kill -9) and of the machine (a power loss), short of a disk that lies
// about its syncs; a crash never corrupts the file. Writes are group-committed (see commit):
// one sync serves every write of a batch, which is what makes syncing each commit cheap under
// load. They go through one connection, so they queue in the process instead of spinning on
// SQLite's lock; reads use a pool of their own and are not blocked by writes (WAL). Several
// processes may open the same file (busy_timeout makes them wait for each other's writes).
//
// Searches: an FTS5 index holds each record's name words and what else a search filters on
// (event, status, office, areas, flags, documents), keyed by an integer that orders records by creation;
// a search walks the records having all its words newest (or oldest) first and stops at the
// end of a page, so its cost follows the page, not the number of records that match.
package sqlitestore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Store is a store.Store in one SQLite file.
type Store struct {
	path string
	w    *sql.DB // the one writing connection
	r    *sql.DB // readers

	writes chan *write // to the committer: see commit
	// quit is closed by Close: the committer takes no more writes (a caller still waiting to
	// hand one over gets store.ErrClosed), finishes the batch it runs, and closes done.
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	// waiting counts the callers waiting to hand a write over (tests watch it).
	waiting atomic.Int64

	stmts map[string]*sql.Stmt // the writer's statements, prepared once

	// uploadedBy is a reader's statement, prepared once: it is run for every declaration
	// that attaches documents, and preparing it costs as much as running it.
	uploadedBy *sql.Stmt
	// counts are Counts' statements, prepared once: a range of stat_counts without an end,
	// and with one.
	counts [2]*sql.Stmt
	// searches are the searches' statements, prepared once by their SQL (see searchStmt).
	searches   sync.Map // string -> *sql.Stmt
	nSearches  atomic.Int64
	searchesMu sync.Mutex // held to prepare one, and by Close
}

// maxSearchStmts bounds the searches' statements kept: a search's SQL has one shape per set
// of conditions (and per number of name words or statuses), a few dozen in service; a shape
// past the bound is prepared each time, as before.
const maxSearchStmts = 256

// searchStmt is a search's statement, prepared once: every declaration of an event with
// duplicate rules runs the same search of keys, and preparing its SQL cost as much as running
// it (a third of a declaration's CPU).
func (s *Store) searchStmt(ctx context.Context, query string) (st *sql.Stmt, shared bool, err error) {
	if st, ok := s.searches.Load(query); ok {
		return st.(*sql.Stmt), true, nil
	}
	s.searchesMu.Lock()
	defer s.searchesMu.Unlock()
	if st, ok := s.searches.Load(query); ok {
		return st.(*sql.Stmt), true, nil
	}
	if st, err = s.r.PrepareContext(ctx, query); err != nil {
		return nil, false, err
	}
	if s.nSearches.Load() >= maxSearchStmts {
		return st, false, nil // the caller closes it
	}
	s.nSearches.Add(1)
	s.searches.Store(query, st)
	return st, true, nil
}

// write is one write of a caller, waiting to be committed.
type write struct {
	fn  func(context.Context, *sql.Tx) error
	err chan error
}

// maxBatch bounds how many writes share a commit.
const maxBatch = 256

var _ store.Store = (*Store)(nil)

// schemaVersion is the layout of the file, kept in PRAGMA user_version: a file of a later
// layout is refused rather than misread, one of an earlier layout brought up to this one (see
// create).
const schemaVersion = 5

const schema = `
CREATE TABLE IF NOT EXISTS records (
	seq        INTEGER PRIMARY KEY, -- created (Unix ms) * 65536 + n: the order of searches and pages
	id         TEXT NOT NULL UNIQUE,
	event      TEXT NOT NULL,
	bundle     TEXT NOT NULL,
	status     TEXT NOT NULL,
	flags      TEXT NOT NULL, -- "late urgent"
	office     TEXT NOT NULL,
	areas      TEXT NOT NULL, -- "D11 R1"
	number     TEXT UNIQUE,   -- NULL until registered
	title      TEXT NOT NULL,
	names      TEXT NOT NULL, -- "ama tarek"
	event_date TEXT NOT NULL,
	documents  TEXT NOT NULL, -- "sha256:... sha256:..."
	keys       TEXT NOT NULL DEFAULT '[]', -- the duplicate keys, a JSON array (see record_keys)
	stats      TEXT NOT NULL DEFAULT '[]', -- the statistics cells, a JSON array, sorted, each once (see stat_counts)
	registered INTEGER,       -- Unix milliseconds; NULL until registered
	indexed_by TEXT NOT NULL DEFAULT '', -- what gave it its keys and stats (store.Record.IndexedBy)
	version    INTEGER NOT NULL,
	created    INTEGER NOT NULL, -- Unix milliseconds
	updated    INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	idem_key   TEXT,          -- NULL when the client gave none
	idem_hash  TEXT,          -- of the declaration sent with idem_key
	data       BLOB NOT NULL  -- last: the other columns are read without its overflow pages
);
CREATE UNIQUE INDEX IF NOT EXISTS records_idem ON records (created_by, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_status ON records (status); -- (status, seq): queues in order

-- The words of each record, rowid = records.seq: its names, and tags for what else a search
-- filters on (see terms). FTS5 keeps, per word, the records that have it in rowid order, so a
-- search intersects those lists newest first and stops at a page; a prefix index answers
-- words of one to three letters without merging every word they begin.
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5 (
	words,
	content = '', contentless_delete = 1, detail = none, prefix = '1 2 3',
	-- Names come normalised (see store.NameKeys): letters and digits. Tags are "_" and
	-- [0-9a-z], so no name, nor the prefix of one, is a tag.
	tokenize = "ascii tokenchars '_'"
);
-- Every name word ever stored, to turn a longer prefix into the words it begins: FTS5 answers
-- a prefix it has no index for by merging all the records of those words before the first
-- one is returned (25 ms for a common name in a million records), and an OR of the words
-- themselves without doing so. A word no record has any more stays, and matches nothing.
CREATE TABLE IF NOT EXISTS name_words (word TEXT PRIMARY KEY) WITHOUT ROWID;

` + recordKeys + statCounts + bundles + `
CREATE TABLE IF NOT EXISTS history (
	record  TEXT NOT NULL,
	version INTEGER NOT NULL,
	entry   BLOB NOT NULL,
	PRIMARY KEY (record, version)
) WITHOUT ROWID;

-- Documents by the address of their content; uploads holds every user who uploaded each,
-- with the name they gave it and when. The content's row names no upload: user, name and
-- created are left empty (a file written before kept its first upload's there; never read).
-- The bytes are stored once, in a table with a rowid (a WITHOUT ROWID table keeps whole rows
-- in its B-tree, a poor home for megabytes), and last in their row, so that the columns before
-- them are read without them.
CREATE TABLE IF NOT EXISTS documents (
	id      TEXT NOT NULL UNIQUE, -- sha256:<hex> of data
	type    TEXT NOT NULL,
	size    INTEGER NOT NULL,
	user    TEXT NOT NULL,        -- '' (see above)
	name    TEXT NOT NULL,        -- ''
	created INTEGER NOT NULL,     -- 0
	data    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
	document TEXT NOT NULL,
	user     TEXT NOT NULL,
	name     TEXT NOT NULL,
	created  INTEGER NOT NULL,
	PRIMARY KEY (document, user)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS drafts (
	user    TEXT NOT NULL,
	id      TEXT NOT NULL,
	event   TEXT NOT NULL,
	data    BLOB NOT NULL,
	updated INTEGER NOT NULL,
	PRIMARY KEY (user, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS passwords (user TEXT PRIMARY KEY, hash TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY,
	user       TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
` + pruned

// recordKeys indexes the records' duplicate keys (layout 2): one row per key of a record, by
// key, so that the records holding any of a few dozen keys are found with one seek per key
// among millions of records (see Search). A key is indexed by its hash (see keyHash), 8 bytes
// whatever its length: a row is then 16 bytes of content, about 24 on disk against about 40
// for the key's text (measured with a million records of 20 keys). The records' keys column
// holds the keys themselves, which Search compares to tell a hash's rare collision from a key
// held; which rows a record has, to replace them, is read from that column too, so the table
// needs no second index, by record.
const recordKeys = `
CREATE TABLE IF NOT EXISTS record_keys (
	key    INTEGER NOT NULL, -- keyHash of the key
	record INTEGER NOT NULL, -- records.seq
	PRIMARY KEY (key, record)
) WITHOUT ROWID;
`

// statCounts are the counts of the statistics cells (layout 3): for each cell some record
// holds, how many hold it; a cell no record holds has no row. Every write of a record moves
// them in its own transaction (see moveCounts), by the difference between the cells it held
// and those it holds, so they are always those of the records. Keyed by the cell, in the byte
// order of UTF-8: the cells that begin with a prefix are one range of the key, which Counts
// reads, so that its time grows with the cells read and never with the records.
const statCounts = `
CREATE TABLE IF NOT EXISTS stat_counts (
	cell TEXT PRIMARY KEY, -- Record.Stats
	n    INTEGER NOT NULL  -- the records holding it, > 0
) WITHOUT ROWID;
`

// bundles are the bundles served (layout 4), by their hash, each with the order it was first
// served in (seq), so that a record declared under an old one can be read with it and a new
// one compared with the last.
const bundles = `
CREATE TABLE IF NOT EXISTS bundles (
	seq     INTEGER PRIMARY KEY, -- the order first served
	hash    TEXT NOT NULL UNIQUE,
	version TEXT NOT NULL,
	served  INTEGER NOT NULL,    -- first served, unix milliseconds
	data    BLOB NOT NULL        -- as bundle.Encode wrote it
);
`

// pruned are the indexes Prune deletes by, added after layout 1 was first made: made for a
// file of layout 1 that lacks them, too.
const pruned = `
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
`

// Open opens (creating it if need be) the store in the directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	// temp_store(MEMORY): each write of a group commit runs in a savepoint (see commit), whose
	// journal of the pages it changes is then kept in memory rather than written to a
	// temporary file, two system calls a page: a declaration's duplicate keys change a page
	// each. Nothing durable is in that journal; the log is.
	dsn := func(extra string) string {
		return dsn(path, "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"+extra)
	}
	// The writer keeps up to 256 MiB of pages (SQLite's default is 2 MiB): a declaration's
	// duplicate keys land on random pages of their index, which a register of a million
	// records no longer holds in 2 MiB (HTTP declarations into 1,000,000 records: 180-200/s
	// with the default, 230-280/s with this).
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate&_pragma=cache_size(-262144)"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := create(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := makeAssignments(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The tables made IF NOT EXISTS at every open, outside the file's layout number: a file
	// from before them gains them, and an earlier crvsctl still opens it.
	for _, t := range []struct{ what, schema string }{
		{"users", usersTables}, {"the audit log's tables", auditSchema}, {"second factors", secondFactorTable},
		{"subscriptions", subscriptionsTable},
	} {
		if _, err := w.Exec(t.schema); err != nil {
			w.Close()
			return nil, fmt.Errorf("%s: %s: %w", path, t.what, err)
		}
	}
	if err := makeOutbox(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: the outbox: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s := &Store{path: path, w: w, r: r, writes: make(chan *write), quit: make(chan struct{}), done: make(chan struct{}), stmts: map[string]*sql.Stmt{}}
	for _, q := range []string{insertRecord, insertTerms, indexRead, indexWrite, insertWord, insertHistory, insertKeys, deleteKeys, addCounts, subtractCounts, dropCounts, auditHead, insertAudit, insertOutbox, leaseOutbox, unhead, nextHead, deferOutbox} {
		st, err := w.Prepare(q)
		if err != nil {
			w.Close()
			r.Close()
			return nil, err
		}
		s.stmts[q] = st
	}
	if s.uploadedBy, err = r.Prepare(`SELECT document FROM uploads WHERE user = ? AND document IN (SELECT value FROM json_each(?))`); err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	for i, q := range []string{countsFrom, countsBetween} {
		if s.counts[i], err = r.Prepare(q); err != nil {
			w.Close()
			r.Close()
			return nil, err
		}
	}
	go s.commit()
	return s, nil
}

// create lays out a new file, or checks that an existing one has this layout.
func create(w *sql.DB) error {
	tx, err := w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version, tables int
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if err := tx.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&tables); err != nil {
		return err
	}
	// Each layout's upgrade to the next, from the earliest the file has.
	upgrades := map[int][]string{
		// Layout 2 adds the records' duplicate keys: their column (after data, where ALTER
		// TABLE puts it; a new file has it before) and their index. The records kept have no
		// keys until the runtime gives them some; an earlier crvsctl, which would update
		// records without their keys, refuses the file from now on.
		1: {pruned, `ALTER TABLE records ADD COLUMN keys TEXT NOT NULL DEFAULT '[]'`, recordKeys},
		// Layout 3 adds the records' statistics cells and registration time (columns after
		// data, as above) and the cells' counts. The records kept hold no cells until the
		// runtime gives them some (records.Service.Rekey, through SetIndex, which moves the
		// counts), so the counts, empty, are theirs; an earlier crvsctl, which would update
		// records without moving the counts, refuses the file from now on.
		2: {`ALTER TABLE records ADD COLUMN stats TEXT NOT NULL DEFAULT '[]'`, `ALTER TABLE records ADD COLUMN registered INTEGER`, statCounts},
		// Layout 4 keeps the bundles served. A file of an earlier layout has served some,
		// which were not kept: the next one served is the first the file knows.
		3: {bundles},
		// Layout 5 says what gave each record its keys and cells, so that serve brings up to
		// date only the records another version indexed. The records kept say nothing: serve
		// indexes each once more. An earlier crvsctl, which would write records without
		// saying, refuses the file from now on.
		4: {`ALTER TABLE records ADD COLUMN indexed_by TEXT NOT NULL DEFAULT ''`},
	}
	switch {
	case version == schemaVersion:
		return nil
	case version >= 1 && version < schemaVersion:
		// Layout 1 grew documents before any release: a file of a development build made
		// earlier lacks them, and is told so rather than failing at the first declaration.
		var documents int
		if err := tx.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'documents'`).Scan(&documents); err != nil {
			return err
		}
		if version == 1 && documents == 0 {
			return fmt.Errorf("the store was made by a development build of crvsctl from before documents: remove it and start again")
		}
		for from := version; from < schemaVersion; from++ {
			for _, q := range upgrades[from] {
				if _, err := tx.Exec(q); err != nil {
					return fmt.Errorf("bringing layout %d to layout %d: %w", from, from+1, err)
				}
			}
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
			return err
		}
		return tx.Commit()
	case version > schemaVersion:
		return fmt.Errorf("the store has layout %d, made by a newer crvsctl (this one knows layout %d)", version, schemaVersion)
	case tables > 0:
		return fmt.Errorf("the store has layout %d, made by an earlier crvsctl; this one reads layouts 1 to %d only", version, schemaVersion)
	}
	if _, err := tx.Exec(schema); err != nil {
		return err
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the file, checkpointing the log into it. It may be called while other
// goroutines still write (the handlers of a server whose shutdown timed out): it stops taking
// writes, lets the batch being committed finish, and only then closes the file. A write
// after that is refused with store.ErrClosed, a read fails; neither panics. Closing again
// does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.done
		for _, st := range s.stmts {
			st.Close()
		}
		s.uploadedBy.Close()
		for _, st := range s.counts {
			st.Close()
		}
		s.searchesMu.Lock()
		s.searches.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
		s.searchesMu.Unlock()
		s.closeErr = errors.Join(s.r.Close(), s.w.Close())
	})
	return s.closeErr
}

// commit runs the writes of every caller, group-committed: the writes waiting when a
// transaction starts share it, each in a savepoint of its own, so that one refused write
// (a duplicate, a stale version) is rolled back alone. A caller hears back only after the
// commit, so nothing is acknowledged before it is on disk (synchronous=FULL: the log is
// synced once per commit). Under load this turns a commit per declaration into a commit per
// batch: the cost of a commit is mostly its system calls and its sync.
//
// The writes run with the committer's context, never their callers': a caller that gives up
// (a client that hangs up) must not interrupt a statement of the shared transaction, which
// would roll the whole batch back and fail every other caller's write with it. A write
// handed over completes or fails on its own merits; its caller, who may have gone, hears
// which.
func (s *Store) commit() {
	defer close(s.done)
	ctx := context.Background()
	for {
		var first *write
		select {
		case first = <-s.writes:
		case <-s.quit:
			return
		}
		batch := []*write{first}
	more:
		for len(batch) < maxBatch {
			select {
			case w := <-s.writes:
				batch = append(batch, w)
			default:
				break more
			}
		}
		errs := make([]error, len(batch))
		tx, err := s.w.BeginTx(ctx, nil)
		if err == nil {
			for i, w := range batch {
				if _, err = tx.Exec(`SAVEPOINT w`); err != nil {
					break
				}
				if errs[i] = w.fn(ctx, tx); errs[i] != nil {
					if _, err = tx.Exec(`ROLLBACK TO w`); err != nil {
						break
					}
				}
				if _, err = tx.Exec(`RELEASE w`); err != nil {
					break
				}
			}
			if err == nil {
				err = tx.Commit()
			} else {
				tx.Rollback()
			}
		}
		for i, w := range batch {
			if err != nil {
				w.err <- err // the whole batch failed: nobody's write is in
			} else {
				w.err <- errs[i]
			}
		}
	}
}

func millis(t time.Time) int64 { return t.UnixMilli() }
func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// terms are the words of a record's row in terms: its names, and tags for what else a search
// filters on: its event, status, office, areas, flags and documents, each as "_", a letter for
// its kind and the value in hex, so that any value is one token and none is a name. "_" is every
// record's: a search must name a word to find, and one that only excludes flags finds "_".
func terms(r *store.Record) string {
	t := append(slices.Clone(r.Names), "_", tag('e', r.Event), tag('s', r.Status), tag('o', r.Office))
	for _, a := range r.Areas {
		t = append(t, tag('a', a))
	}
	for _, f := range r.Flags {
		t = append(t, tag('f', f))
	}
	for _, d := range r.Documents {
		t = append(t, tag('d', d))
	}
	return strings.Join(t, " ")
}

func tag(kind byte, value string) string {
	return "_" + string(kind) + hex.EncodeToString([]byte(value))
}

// match writes a term of an FTS5 query: a word in double quotes, the one character that
// needs escaping there doubled, so that a search's words are only ever words.
func match(word string) string { return `"` + strings.ReplaceAll(word, `"`, `""`) + `"` }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// isUnique tells a unique constraint's refusal.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// tx runs fn in a write transaction, shared with other callers' writes (see commit); fn's
// changes are committed, or rolled back when it returns an error, before tx returns. fn is
// given the context to run its statements with, the committer's: its parameter shadows the
// caller's ctx, which must not reach the shared transaction. Until the write is handed over,
// ctx may cancel it; after, it runs to its end.
func (s *Store) tx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	w := &write{fn: fn, err: make(chan error, 1)}
	s.waiting.Add(1)
	select {
	case s.writes <- w:
		s.waiting.Add(-1)
	case <-s.quit:
		s.waiting.Add(-1)
		return store.ErrClosed
	case <-ctx.Done():
		s.waiting.Add(-1)
		return ctx.Err()
	}
	// Once handed over, the write is waited for whatever ctx says: the caller must learn
	// whether it was committed.
	return <-w.err
}

// stmt is a prepared statement of the writer, for use in tx.
func (s *Store) stmt(tx *sql.Tx, q string) *sql.Stmt { return tx.Stmt(s.stmts[q]) }

const (
	// A record's seq is its created time in milliseconds, times 65536, plus the records
	// already created in that millisecond: pages follow creation, in one integer the terms
	// index orders by.
	insertRecord = `INSERT INTO records
			(seq, id, event, bundle, status, flags, office, areas, number, title, names, event_date, documents, keys, stats, registered,
				indexed_by, version, created, updated, created_by, idem_key, idem_hash, data)
			VALUES ((SELECT coalesce(max(seq) + 1, ?1) FROM records WHERE seq >= ?1 AND seq < ?1 + 65536),
				?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			RETURNING seq`
	insertTerms = `INSERT INTO terms (rowid, words) VALUES (?, ?)`
	// SetIndex's read and write, prepared once: serve's pass over the register at start
	// makes one of each for every record a new version indexes.
	indexRead     = `SELECT seq, version, keys, stats, indexed_by FROM records WHERE id = ?`
	indexWrite    = `UPDATE records SET keys = ?, stats = ?, indexed_by = ? WHERE seq = ?`
	insertWord    = `INSERT OR IGNORE INTO name_words (word) VALUES (?)`
	insertHistory = `INSERT INTO history (record, version, entry) VALUES (?, ?, ?)`
	// A record's rows of record_keys are written and deleted by one statement each, given
	// the hashes as a JSON array. Its keys may repeat one (or two of them share a hash): one
	// row holds both.
	insertKeys = `INSERT OR IGNORE INTO record_keys (key, record) SELECT value, ?1 FROM json_each(?2)`
	deleteKeys = `DELETE FROM record_keys WHERE record = ?1 AND key IN (SELECT value FROM json_each(?2))`
	// The counts of cells a record comes to hold go up by one, those of cells it no longer
	// holds down by one, given the cells as a JSON array (each once): a count that would
	// fall to 0 is deleted first, so that stat_counts holds no cell nobody holds. ("WHERE
	// true": an upsert's SELECT needs a WHERE before its ON CONFLICT.)
	addCounts = `INSERT INTO stat_counts (cell, n) SELECT value, 1 FROM json_each(?1) WHERE true
		ON CONFLICT (cell) DO UPDATE SET n = n + 1`
	dropCounts     = `DELETE FROM stat_counts WHERE cell IN (SELECT value FROM json_each(?1)) AND n <= 1`
	subtractCounts = `UPDATE stat_counts SET n = n - 1 WHERE cell IN (SELECT value FROM json_each(?1))`
)

// index is what a record's write stores of its keys and cells, checked against the limits
// before anything is written: the keys column (keyList), the cells as a set (store.StatsSet)
// and its column.
type index struct {
	keys  string
	cells []string
	stats string
}

func indexOf(r *store.Record) (index, error) {
	return makeIndex(r.ID, r.Keys, r.Stats)
}

func makeIndex(id string, keys, stats []string) (index, error) {
	if err := store.CheckRecordKeys(&store.Record{ID: id, Keys: keys}); err != nil {
		return index{}, err
	}
	if err := store.CheckRecordStats(id, stats); err != nil {
		return index{}, err
	}
	var ix index
	var err error
	if ix.keys, err = keyList(keys); err != nil {
		return index{}, err
	}
	ix.cells = store.StatsSet(stats)
	if ix.stats, err = keyList(ix.cells); err != nil {
		return index{}, err
	}
	return ix, nil
}

// moveCounts moves the counts of stat_counts from a record's cells old to its cells now (each
// a set, sorted): the cells only now holds count one more record, those only old holds one
// fewer; those both hold are not written.
func (s *Store) moveCounts(tx *sql.Tx, old, now []string) error {
	var add, del []string
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		switch {
		case j == len(now) || i < len(old) && old[i] < now[j]:
			del = append(del, old[i])
			i++
		case i == len(old) || now[j] < old[i]:
			add = append(add, now[j])
			j++
		default:
			i++
			j++
		}
	}
	for _, c := range []struct {
		cells []string
		qs    []string
	}{{del, []string{dropCounts, subtractCounts}}, {add, []string{addCounts}}} {
		if len(c.cells) == 0 {
			continue
		}
		list, err := json.Marshal(c.cells)
		if err != nil {
			return err
		}
		for _, q := range c.qs {
			if _, err := s.stmt(tx, q).Exec(string(list)); err != nil {
				return err
			}
		}
	}
	return nil
}

// cellsOf reads a record's stats column.
func cellsOf(id, list string) ([]string, error) {
	if list == "[]" {
		return nil, nil
	}
	var cells []string
	if err := json.Unmarshal([]byte(list), &cells); err != nil {
		return nil, fmt.Errorf("record %s: statistics cells: %w", id, err)
	}
	return cells, nil
}

// nullTime is a time's column: Unix milliseconds, or NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return millis(t)
}

func (s *Store) CreateRecord(ctx context.Context, r *store.Record) error {
	return s.writeRecord(ctx, r, func(ctx context.Context, tx *sql.Tx, ix index) error { return s.create(tx, r, ix) })
}

// writeRecord runs write, CreateRecord's or UpdateRecord's, in one transaction with the
// outbox's messages and the audit entry the caller's context asks for: all are written, or
// none. write is given the transaction's context and indexOf(r).
func (s *Store) writeRecord(ctx context.Context, r *store.Record, write func(ctx context.Context, tx *sql.Tx, ix index) error) error {
	ix, err := indexOf(r)
	if err != nil {
		return err
	}
	ae := store.AuditOf(ctx, r, "")
	actx := ctx // the caller's, carrying the outbox's messages; the write runs with the committer's
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := write(ctx, tx, ix); err != nil {
			return err
		}
		if err := s.recordOutbox(ctx, tx, actx, r); err != nil {
			return err
		}
		return s.recordAudit(ctx, tx, ae)
	})
}

// create is CreateRecord's write, in a transaction; ix is indexOf(r). The record's cells
// count one more record each.
func (s *Store) create(tx *sql.Tx, r *store.Record, ix index) error {
	var seq int64
	err := s.stmt(tx, insertRecord).QueryRow(
		millis(r.Created)<<16, r.ID, r.Event, r.Bundle, r.Status, strings.Join(r.Flags, " "), r.Office, strings.Join(r.Areas, " "),
		nullable(r.Number), r.Title, strings.Join(r.Names, " "), r.EventDate, strings.Join(r.Documents, " "), ix.keys, ix.stats, nullTime(r.Registered),
		r.IndexedBy, r.Version, millis(r.Created), millis(r.Updated),
		r.CreatedBy, nullable(r.IdempotencyKey), nullable(r.RequestHash), []byte(r.Data)).Scan(&seq)
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return err
	}
	if err := s.insertTerms(tx, seq, r); err != nil {
		return err
	}
	if err := s.indexKeys(tx, seq, nil, r.Keys); err != nil {
		return err
	}
	if err := s.moveCounts(tx, nil, ix.cells); err != nil {
		return err
	}
	for _, e := range r.History {
		if err := s.insertEntry(tx, r.ID, e); err != nil {
			return err
		}
	}
	return nil
}

// keyHash is how record_keys holds a key: the first 8 bytes of its SHA-256, as an integer.
// Two keys that share one are told apart by the records' keys column (see Search); a hash
// made to collide with a given key's would take 2^64 tries, so no record can be made to
// slow another's search down.
func keyHash(key string) int64 {
	sum := sha256.Sum256([]byte(key))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// keyList is the records' keys column of keys: a JSON array, [] for none.
func keyList(keys []string) (string, error) {
	if len(keys) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(keys)
	return string(b), err
}

// indexKeys brings a record's rows of record_keys from its keys old to its keys now: it
// deletes the rows of hashes that only old has and inserts those that only now has, so that
// an update that keeps its keys, as most do, writes none.
func (s *Store) indexKeys(tx *sql.Tx, seq int64, old, now []string) error {
	if slices.Equal(old, now) {
		return nil
	}
	was := make(map[int64]bool, len(old))
	for _, k := range old {
		was[keyHash(k)] = true
	}
	is := make(map[int64]bool, len(now))
	var add, del []int64
	for _, k := range now {
		h := keyHash(k)
		if is[h] {
			continue
		}
		is[h] = true
		if !was[h] {
			add = append(add, h)
		}
	}
	for h := range was {
		if !is[h] {
			del = append(del, h)
		}
	}
	for _, c := range []struct {
		q      string
		hashes []int64
	}{{insertKeys, add}, {deleteKeys, del}} {
		if len(c.hashes) == 0 {
			continue
		}
		list, err := json.Marshal(c.hashes)
		if err != nil {
			return err
		}
		if _, err := s.stmt(tx, c.q).Exec(seq, string(list)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) insertTerms(tx *sql.Tx, seq int64, r *store.Record) error {
	if _, err := s.stmt(tx, insertTerms).Exec(seq, terms(r)); err != nil {
		return err
	}
	for _, w := range r.Names {
		if _, err := s.stmt(tx, insertWord).Exec(w); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) insertEntry(tx *sql.Tx, id string, e store.Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = s.stmt(tx, insertHistory).Exec(id, e.Version, b)
	if isUnique(err) {
		return store.ErrConflict
	}
	return err
}

func (s *Store) UpdateRecord(ctx context.Context, r *store.Record, e store.Entry) error {
	return s.writeRecord(ctx, r, func(ctx context.Context, tx *sql.Tx, ix index) error { return s.update(ctx, tx, r, e, ix) })
}

// basedOn checks that r, a record's next version, is based on the version the store holds
// (version, read with err): ErrConflict when another write came first, ErrNotFound when there
// is no such record.
func basedOn(r *store.Record, version int64, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	case version != r.Version-1:
		return store.ErrConflict
	}
	return nil
}

// update is UpdateRecord's write, in a transaction; ix is indexOf(r). The record's version
// is checked, and its keys and cells read, in the transaction, before it is written: they say
// which rows of record_keys to replace and which counts to move.
func (s *Store) update(ctx context.Context, tx *sql.Tx, r *store.Record, e store.Entry, ix index) error {
	var seq, version int64
	var was, wasStats string
	err := tx.QueryRowContext(ctx, `SELECT seq, version, keys, stats FROM records WHERE id = ?`, r.ID).Scan(&seq, &version, &was, &wasStats)
	if err := basedOn(r, version, err); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE records SET event=?, bundle=?, status=?, flags=?, office=?, areas=?,
		number=?, title=?, names=?, event_date=?, documents=?, keys=?, stats=?, registered=?, indexed_by=?, version=?, updated=?, data=? WHERE seq=?`,
		r.Event, r.Bundle, r.Status, strings.Join(r.Flags, " "), r.Office, strings.Join(r.Areas, " "), nullable(r.Number),
		r.Title, strings.Join(r.Names, " "), r.EventDate, strings.Join(r.Documents, " "), ix.keys, ix.stats, nullTime(r.Registered),
		r.IndexedBy, r.Version, millis(r.Updated), []byte(r.Data), seq)
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM terms WHERE rowid = ?`, seq); err != nil {
		return err
	}
	if err := s.insertTerms(tx, seq, r); err != nil {
		return err
	}
	if err := s.reindex(tx, r.ID, seq, was, wasStats, r.Keys, ix); err != nil {
		return err
	}
	return s.insertEntry(tx, r.ID, e)
}

// reindex brings a record's rows of record_keys and the counts of its cells from its keys and
// stats columns as they were (was, wasStats) to ix (of keys), writing nothing for what did not
// change.
func (s *Store) reindex(tx *sql.Tx, id string, seq int64, was, wasStats string, keys []string, ix index) error {
	if was != ix.keys {
		var old []string
		if err := json.Unmarshal([]byte(was), &old); err != nil {
			return fmt.Errorf("record %s: keys: %w", id, err)
		}
		if err := s.indexKeys(tx, seq, old, keys); err != nil {
			return err
		}
	}
	if wasStats != ix.stats {
		old, err := cellsOf(id, wasStats)
		if err != nil {
			return err
		}
		if err := s.moveCounts(tx, old, ix.cells); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) SetIndex(ctx context.Context, id string, version int64, keys, stats []string, by string) error {
	ix, err := makeIndex(id, keys, stats)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var seq, v int64
		var was, wasStats, wasBy string
		err := s.stmt(tx, indexRead).QueryRowContext(ctx, id).Scan(&seq, &v, &was, &wasStats, &wasBy)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return err
		case v != version:
			return store.ErrConflict
		case was == ix.keys && wasStats == ix.stats && wasBy == by:
			return nil
		}
		if _, err := s.stmt(tx, indexWrite).ExecContext(ctx, ix.keys, ix.stats, by, seq); err != nil {
			return err
		}
		return s.reindex(tx, id, seq, was, wasStats, keys, ix)
	})
}

// NumberRecord checks the record's version, draws the number and updates the record in one
// write of the shared transaction: a request that loses the race draws nothing, and a crash
// takes the draw back with the update, so SQLite skips no number at all.
func (s *Store) NumberRecord(ctx context.Context, r *store.Record, e store.Entry, counter string, number func(int64) string) error {
	ix, err := indexOf(r)
	if err != nil {
		return err
	}
	next := *r
	actx := ctx // the caller's, carrying the audit entry; the write runs with the committer's
	err = s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var version int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM records WHERE id = ?`, r.ID).Scan(&version)
		if err := basedOn(r, version, err); err != nil {
			return err
		}
		for range maxTaken {
			var seq int64
			if err := tx.QueryRowContext(ctx, nextValue, counter).Scan(&seq); err != nil {
				return err
			}
			next.Number = number(seq)
			e.Number = next.Number
			err := s.update(ctx, tx, &next, e, ix)
			if err == nil {
				if err := s.recordOutbox(ctx, tx, actx, &next); err != nil {
					return err
				}
				return s.recordAudit(ctx, tx, store.AuditOf(actx, &next, next.Number))
			}
			if !errors.Is(err, store.ErrDuplicate) {
				return err
			}
		}
		return fmt.Errorf("record %s: %d registration numbers in a row were taken (counter %s)", r.ID, maxTaken, counter)
	})
	if err == nil {
		r.Number = next.Number
	}
	return err
}

// maxTaken is how many numbers NumberRecord passes over, taken by other records (a counter
// reset by hand, two formats that meet), before it gives up.
const maxTaken = 5

const nextValue = `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`

const columns = `r.id, r.event, r.bundle, r.status, r.flags, r.office, r.areas, r.number, r.title, r.names,
	r.event_date, r.documents, r.keys, r.stats, r.registered, r.indexed_by, r.version, r.created, r.updated, r.created_by, r.idem_key, r.idem_hash, r.data`

type scanner interface{ Scan(...any) error }

// scanAll reads every row of a listing with scan, the scanner of its type, and closes rows:
// the one loop of the store's listings. rows and err are a query's answer as QueryContext
// gives them.
func scanAll[T any](rows *sql.Rows, err error, scan func(scanner) (*T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

func scanRecord(sc scanner) (*store.Record, error) {
	var r store.Record
	var flags, areas, names, documents, keys, stats string
	var data []byte
	var number, key, hash sql.NullString
	var created, updated int64
	var registered sql.NullInt64
	err := sc.Scan(&r.ID, &r.Event, &r.Bundle, &r.Status, &flags, &r.Office, &areas, &number, &r.Title, &names,
		&r.EventDate, &documents, &keys, &stats, &registered, &r.IndexedBy, &r.Version, &created, &updated, &r.CreatedBy, &key, &hash, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.Flags, r.Areas, r.Names, r.Documents = strings.Fields(flags), strings.Fields(areas), strings.Fields(names), strings.Fields(documents)
	if r.Flags == nil {
		r.Flags = []string{}
	}
	if keys != "[]" {
		if err := json.Unmarshal([]byte(keys), &r.Keys); err != nil {
			return nil, fmt.Errorf("record %s: keys: %w", r.ID, err)
		}
	}
	if r.Stats, err = cellsOf(r.ID, stats); err != nil {
		return nil, err
	}
	if registered.Valid {
		r.Registered = fromMillis(registered.Int64)
	}
	r.Data = data
	r.Number, r.IdempotencyKey, r.RequestHash = number.String, key.String, hash.String
	r.Created, r.Updated = fromMillis(created), fromMillis(updated)
	return &r, nil
}

func (s *Store) Record(ctx context.Context, id string) (*store.Record, error) {
	return s.recordWhere(ctx, `r.id = ?`, id)
}

func (s *Store) RecordByIdempotencyKey(ctx context.Context, user, key string) (*store.Record, error) {
	return s.recordWhere(ctx, `r.created_by = ? AND r.idem_key = ?`, user, key)
}

// recordWhere reads one record and its history in one read transaction, so the two agree.
func (s *Store) recordWhere(ctx context.Context, where string, args ...any) (*store.Record, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM records r WHERE `+where, args...))
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT entry FROM history WHERE record = ? ORDER BY version`, r.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var e store.Entry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("record %s: history: %w", r.ID, err)
		}
		r.History = append(r.History, e)
	}
	return r, rows.Err()
}

// maxWords is the most words a prefix is turned into (see name_words).
const maxWords = 64

// prefix is the FTS5 query of the names that begin with w: the prefix itself when the prefix
// index has it (three letters or fewer) or when it begins too many words, else the words.
func (s *Store) prefix(ctx context.Context, w string) (string, error) {
	if utf8.RuneCountInString(w) <= 3 {
		return match(w) + "*", nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT word FROM name_words WHERE word >= ? AND word < ? LIMIT ?`,
		w, w+string(utf8.MaxRune), maxWords+1)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var words []string
	for rows.Next() {
		var word string
		if err := rows.Scan(&word); err != nil {
			return "", err
		}
		words = append(words, match(word))
	}
	switch {
	case rows.Err() != nil:
		return "", rows.Err()
	case len(words) > maxWords:
		return match(w) + "*", nil
	case len(words) == 0:
		return match(w), nil // no record has it
	}
	return "(" + strings.Join(words, " OR ") + ")", nil
}

// Search finds records through terms whenever the query names a word (a name, the event, a
// status, a flag, an office, an area, a document): FTS5 walks the records that have them all in seq order
// and the first page ends the walk, however many records match. A tracking ID or a number
// finds its one record by index; the event date is checked in the records found. Keys find
// their records through record_keys (see keysQuery).
func (s *Store) Search(ctx context.Context, q store.Query) (store.Page, error) {
	query, args, err := s.searchQuery(ctx, q)
	if err != nil {
		return store.Page{}, err
	}
	limit := store.PageLimit(q)
	st, shared, err := s.searchStmt(ctx, query)
	if err != nil {
		return store.Page{}, err
	}
	if !shared {
		defer st.Close()
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return store.Page{}, err
	}
	defer rows.Close()
	var p store.Page
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return store.Page{}, err
		}
		p.Records = append(p.Records, *r)
	}
	if err := rows.Err(); err != nil {
		return store.Page{}, err
	}
	if len(p.Records) > limit {
		p.Records = p.Records[:limit]
		last := p.Records[limit-1]
		p.Next = store.Cursor{Created: millis(last.Created), ID: last.ID}.String()
	}
	return p, nil
}

// searchQuery is the SQL of a search and its arguments.
func (s *Store) searchQuery(ctx context.Context, q store.Query) (string, []any, error) {
	if err := store.CheckQueryKeys(q); err != nil {
		return "", nil, err
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	from, seq := `records r`, `r.seq`
	var fromArgs []any // the arguments of from, before those of where
	if len(q.Keys) > 0 {
		var err error
		if from, seq, fromArgs, err = keysQuery(q, add); err != nil {
			return "", nil, err
		}
	} else if err := s.termsQuery(ctx, q, add, &from, &seq); err != nil {
		return "", nil, err
	}
	if q.ID != "" {
		add(`r.id = ?`, q.ID)
	}
	if q.Number != "" {
		add(`r.number = ?`, q.Number)
	}
	if q.NotIndexedBy != "" {
		add(`r.indexed_by <> ?`, q.NotIndexedBy)
	}
	if q.From != "" {
		add(`r.event_date >= ? AND r.event_date <> ''`, q.From)
	}
	if q.To != "" {
		add(`r.event_date <= ? AND r.event_date <> ''`, q.To)
	}
	order := `DESC`
	if q.Oldest {
		order = `ASC`
	}
	if q.After != "" {
		c, err := store.ParseCursor(q.After)
		if err != nil {
			return "", nil, err
		}
		// The cursor names the last record of the page before; its seq is where to go on from,
		// and agrees with the cursor's time unless the cursor was made up.
		var after int64
		err = s.r.QueryRowContext(ctx, `SELECT seq FROM records WHERE id = ?`, c.ID).Scan(&after)
		if errors.Is(err, sql.ErrNoRows) || err == nil && after>>16 != c.Created {
			return "", nil, store.ErrBadCursor
		}
		if err != nil {
			return "", nil, err
		}
		if q.Oldest {
			add(seq+` > ?`, after)
		} else {
			add(seq+` < ?`, after)
		}
	}
	query := `SELECT ` + columns + ` FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if len(q.Keys) == 0 {
		query += ` ORDER BY ` + seq + ` ` + order
	}
	query += ` LIMIT ?`
	args = append(append(fromArgs, args...), store.PageLimit(q)+1) // one more tells whether there is a next page
	return query, args, nil
}

// termsQuery adds to a search what it asks of the words of terms, and walks the records in
// seq order through terms when there are words to match (the records found then looked up
// one by one: CROSS JOIN keeps that order), else through records themselves, or from the one
// record an ID or a number names.
func (s *Store) termsQuery(ctx context.Context, q store.Query, add func(string, ...any), from, seq *string) error {
	// The FTS5 query: every word quoted (see match), names as prefixes.
	var terms []string
	for _, w := range q.Name {
		t, err := s.prefix(ctx, w)
		if err != nil {
			return err
		}
		terms = append(terms, t)
	}
	if q.Event != "" {
		terms = append(terms, match(tag('e', q.Event)))
	}
	if len(q.Statuses) > 0 {
		var either []string
		for _, st := range q.Statuses {
			either = append(either, match(tag('s', st)))
		}
		terms = append(terms, "("+strings.Join(either, " OR ")+")")
	}
	for _, f := range q.Flags {
		terms = append(terms, match(tag('f', f)))
	}
	if q.Office != "" {
		terms = append(terms, match(tag('o', q.Office)))
	}
	if q.Area != "" {
		terms = append(terms, match(tag('a', q.Area)))
	}
	if q.Document != "" {
		terms = append(terms, match(tag('d', q.Document)))
	}
	if len(q.NoFlags) > 0 {
		if len(terms) == 0 {
			terms = append(terms, match("_"))
		}
		var none []string
		for _, f := range q.NoFlags {
			none = append(none, match(tag('f', f)))
		}
		terms = []string{"(" + strings.Join(terms, " AND ") + ") NOT (" + strings.Join(none, " OR ") + ")"}
	}
	if len(terms) == 0 {
		return nil
	}
	if q.ID != "" || q.Number != "" {
		*from = `records r CROSS JOIN terms t ON t.rowid = r.seq`
	} else {
		*from, *seq = `terms t CROSS JOIN records r ON r.seq = t.rowid`, `t.rowid`
	}
	add(`terms MATCH ?`, strings.Join(terms, " AND "))
	return nil
}

// keysQuery is the search of records holding any of q.Keys: each key's hash is sought in
// record_keys, the records found are looked up by seq (a record holding several of the keys
// once), and those whose keys hold none of them (another key's hash) are left out. Keys are
// few and each held by few records, so the records found are few: what else the query asks
// is checked in each of them, from its columns, rather than through terms (a status or an
// event would have FTS5 walk a large part of the register). It returns the FROM clause, the
// column that orders the records, and the FROM clause's arguments.
func keysQuery(q store.Query, add func(string, ...any)) (from, seq string, args []any, err error) {
	hashes := make([]int64, len(q.Keys))
	for i, k := range q.Keys {
		hashes[i] = keyHash(k)
	}
	h, err := json.Marshal(hashes)
	if err != nil {
		return "", "", nil, err
	}
	keys, err := json.Marshal(q.Keys)
	if err != nil {
		return "", "", nil, err
	}
	// The records found come in the page's order (the LIMIT keeps the subquery's ORDER BY,
	// and CROSS JOIN the order of its rows; searchQuery adds no ORDER BY of its own), so that
	// records are read only until the page is full: a common key (a name's, searched with a
	// typo) finds thousands, which were all read, then sorted.
	order := `DESC`
	if q.Oldest {
		order = `ASC`
	}
	from = `(SELECT DISTINCT k.record FROM json_each(?) h CROSS JOIN record_keys k ON k.key = h.value ORDER BY k.record ` + order + ` LIMIT -1) k
		CROSS JOIN records r ON r.seq = k.record`
	// A list of the record's columns (words separated by one space) holds a value.
	holds := func(column string) string { return `instr(' ' || r.` + column + ` || ' ', ' ' || ? || ' ') > 0` }
	for _, w := range q.Name {
		add(`instr(' ' || r.names, ' ' || ?) > 0`, w) // begins one of the names
	}
	if q.Event != "" {
		add(`r.event = ?`, q.Event)
	}
	if len(q.Statuses) > 0 {
		statuses, err := json.Marshal(q.Statuses)
		if err != nil {
			return "", "", nil, err
		}
		add(`r.status IN (SELECT value FROM json_each(?))`, string(statuses))
	}
	for _, f := range q.Flags {
		add(holds("flags"), f)
	}
	for _, f := range q.NoFlags {
		add(`NOT `+holds("flags"), f)
	}
	if q.Office != "" {
		add(`r.office = ?`, q.Office)
	}
	if q.Area != "" {
		add(holds("areas"), q.Area)
	}
	if q.Document != "" {
		add(holds("documents"), q.Document)
	}
	// Last: reading the record's keys costs more than the other conditions, which drop most
	// of the records a common key finds (a name searched with a typo, the other words).
	add(`EXISTS (SELECT 1 FROM json_each(r.keys) held WHERE held.value IN (SELECT value FROM json_each(?)))`, string(keys))
	return from, `k.record`, []any{string(h)}, nil
}

func (s *Store) SaveDocument(ctx context.Context, d *store.Document) (*store.Document, bool, error) {
	id, data := store.DocumentID(d.Data), d.Data
	if data == nil {
		data = []byte{} // a blob of nothing, not NULL
	}
	var saved *store.Document
	var created bool
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// The bytes once, whoever sent them first, and nothing of their upload; then this
		// user's upload, unless they uploaded these bytes before; then the upload as stored,
		// the first of this user's.
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, type, size, user, name, created, data) VALUES (?,?,?,'','',0,?)
			ON CONFLICT (id) DO NOTHING`, id, d.Type, len(data), data); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO uploads (document, user, name, created) VALUES (?,?,?,?)
			ON CONFLICT (document, user) DO NOTHING`, id, d.User, d.Name, millis(d.Created))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		saved, err = upload(tx.QueryRowContext(ctx, selectUpload, id, d.User))
		return err
	})
	return saved, created, err
}

const selectUpload = `SELECT u.document, u.user, d.type, u.name, d.size, u.created
	FROM uploads u JOIN documents d ON d.id = u.document WHERE u.document = ? AND u.user = ?`

func upload(sc scanner) (*store.Document, error) {
	var d store.Document
	var created int64
	err := sc.Scan(&d.ID, &d.User, &d.Type, &d.Name, &d.Size, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.Created = fromMillis(created)
	return &d, nil
}

func (s *Store) Document(ctx context.Context, id string) (*store.Document, error) {
	var d store.Document
	err := s.r.QueryRowContext(ctx, `SELECT id, type, size, data FROM documents WHERE id = ?`, id).
		Scan(&d.ID, &d.Type, &d.Size, &d.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func (s *Store) DocumentUpload(ctx context.Context, id, user string) (*store.Document, error) {
	return upload(s.r.QueryRowContext(ctx, selectUpload, id, user))
}

func (s *Store) UploadedBy(ctx context.Context, user string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.uploadedBy.QueryContext(ctx, user, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, nextValue, name).Scan(&n)
	})
	return n, err
}

// SaveDraft replaces the draft, or counts the user's drafts and adds it: one write of the
// committer, so the count holds however many save at once.
func (s *Store) SaveDraft(ctx context.Context, d *store.Draft) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE drafts SET event = ?, data = ?, updated = ? WHERE user = ? AND id = ?`,
			d.Event, []byte(d.Data), millis(d.Updated), d.User, d.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE user = ?`, d.User).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxDrafts {
			return store.ErrTooMany
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO drafts (user, id, event, data, updated) VALUES (?,?,?,?,?)`,
			d.User, d.ID, d.Event, []byte(d.Data), millis(d.Updated))
		return err
	})
}

func scanDraft(sc scanner) (*store.Draft, error) {
	var d store.Draft
	var data []byte
	var updated int64
	err := sc.Scan(&d.User, &d.ID, &d.Event, &data, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	d.Data, d.Updated = data, fromMillis(updated)
	return &d, err
}

func (s *Store) Draft(ctx context.Context, user, id string) (*store.Draft, error) {
	return scanDraft(s.r.QueryRowContext(ctx, `SELECT user, id, event, data, updated FROM drafts WHERE user = ? AND id = ?`, user, id))
}

func (s *Store) Drafts(ctx context.Context, user string) ([]store.Draft, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT user, id, event, data, updated FROM drafts WHERE user = ? ORDER BY updated DESC, id`, user)
	return scanAll(rows, err, scanDraft)
}

func (s *Store) DeleteDraft(ctx context.Context, user, id string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM drafts WHERE user = ? AND id = ?`, user, id))
	})
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) SetPassword(ctx context.Context, user, hash string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO passwords (user, hash) VALUES (?, ?)
			ON CONFLICT (user) DO UPDATE SET hash = excluded.hash`, user, hash)
		return err
	})
}

func (s *Store) Password(ctx context.Context, user string) (string, error) {
	var h string
	err := s.r.QueryRowContext(ctx, `SELECT hash FROM passwords WHERE user = ?`, user).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return h, err
}

func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user, csrf, created, expires) VALUES (?,?,?,?,?)`,
			ss.TokenHash, ss.User, ss.CSRF, millis(ss.Created), millis(ss.Expires))
		if isUnique(err) {
			return store.ErrDuplicate
		}
		return err
	})
}

func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (*store.Session, error) {
	var ss store.Session
	var created, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT token_hash, user, csrf, created, expires FROM sessions WHERE token_hash = ? AND expires > ?`,
		tokenHash, millis(now)).Scan(&ss.TokenHash, &ss.User, &ss.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	ss.Created, ss.Expires = fromMillis(created), fromMillis(expires)
	return &ss, err
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

func (s *Store) AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		since := millis(now.Add(-window))
		if _, err := tx.ExecContext(ctx, `DELETE FROM failures WHERE key = ? AND at <= ?`, key, since); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO failures (key, at) VALUES (?, ?)`, key, millis(now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM failures WHERE key = ? AND at > ? AND at <= ?`, key, since, millis(now)).Scan(&n)
	})
	return n, err
}

func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM failures WHERE key = ?`, key)
		return err
	})
}

func (s *Store) Prune(ctx context.Context, now, failuresBefore time.Time) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, millis(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM failures WHERE at <= ?`, millis(failuresBefore))
		return err
	})
}

// Counts' statements: the counts of one prefix's cells, a range of stat_counts' key from the
// prefix up to store.PrefixEnd of it, or to the end when it has none.
const (
	countsFrom    = `SELECT cell, n FROM stat_counts WHERE cell >= ?1`
	countsBetween = `SELECT cell, n FROM stat_counts WHERE cell >= ?1 AND cell < ?2`
)

// Counts reads, for each prefix, the range of stat_counts' key that holds the cells beginning
// with it (prefixes that a shorter one begins are read with it), all in one read
// transaction, so that the counts are those of one moment: a seek and the cells read, never
// the records.
func (s *Store) Counts(ctx context.Context, prefixes []string) (map[string]int64, error) {
	if err := store.CheckPrefixes(prefixes); err != nil {
		return nil, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := map[string]int64{}
	for _, p := range store.Prefixes(prefixes) {
		var rows *sql.Rows
		if end, ok := store.PrefixEnd(p); ok {
			rows, err = tx.StmtContext(ctx, s.counts[1]).QueryContext(ctx, p, end)
		} else {
			rows, err = tx.StmtContext(ctx, s.counts[0]).QueryContext(ctx, p)
		}
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var cell string
			var n int64
			if err := rows.Scan(&cell, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[cell] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
