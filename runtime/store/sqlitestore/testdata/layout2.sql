-- The layout 2 of crvsctl.db, as crvsctl made it before layout 3 (the statistics cells and
-- their counts), with one record holding duplicate keys: TestLayout2 opens it.
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


CREATE TABLE IF NOT EXISTS record_keys (
	key    INTEGER NOT NULL, -- keyHash of the key
	record INTEGER NOT NULL, -- records.seq
	PRIMARY KEY (key, record)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS history (
	record  TEXT NOT NULL,
	version INTEGER NOT NULL,
	entry   BLOB NOT NULL,
	PRIMARY KEY (record, version)
) WITHOUT ROWID;

-- Documents by the address of their content, with their first upload; uploads holds every
-- user who uploaded each, with the name they gave it. The bytes are stored once, in a table
-- with a rowid (a WITHOUT ROWID table keeps whole rows in its B-tree, a poor home for
-- megabytes), and last in their row, so that the columns before them are read without them.
CREATE TABLE IF NOT EXISTS documents (
	id      TEXT NOT NULL UNIQUE, -- sha256:<hex> of data
	type    TEXT NOT NULL,
	size    INTEGER NOT NULL,
	user    TEXT NOT NULL,        -- the first uploader
	name    TEXT NOT NULL,
	created INTEGER NOT NULL,
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

CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE INDEX IF NOT EXISTS failures_at ON failures (at);

INSERT INTO records (seq, id, event, bundle, status, flags, office, areas, number, title, names, event_date, documents,
	keys, version, created, updated, created_by, idem_key, idem_hash, data)
	VALUES (65536000, 'A1', 'birth', 'b', 'registered', 'late', 'O1', 'D11 R1', 'N1', 'Ama Tarek', 'ama tarek', '2026-02-27', '',
	'["k1","k2"]', 2, 1000, 2000, 'amina', 'k1', 'sha256:01', '{"child.name":{"given":"Ama","family":"Tarek"}}');
INSERT INTO terms (rowid, words) VALUES (65536000, 'ama tarek _ _e6269727468 _s72656769737465726564 _o4f31 _a443131 _a5231 _f6c617465');
INSERT INTO name_words (word) VALUES ('ama'), ('tarek');
INSERT INTO record_keys (key, record) VALUES (7690443832738788232, 65536000), (98936718168600392, 65536000);
INSERT INTO history (record, version, entry) VALUES
	('A1', 1, '{"version":1,"action":"declare","user":"amina","role":"","office":"","at":"1970-01-01T00:00:01Z","status":"declared"}'),
	('A1', 2, '{"version":2,"action":"register","user":"amina","role":"","office":"","at":"1970-01-01T00:00:02Z","status":"registered","number":"N1"}');
INSERT INTO counters (name, value) VALUES ('number/birth', 1);
PRAGMA user_version = 2;
