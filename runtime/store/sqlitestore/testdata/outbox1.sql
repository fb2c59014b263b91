-- The outbox of crvsctl.db as crvsctl made it before it kept when a message was parked and
-- last tried (the columns parked_at and last_try), dumped from a file that crvsctl wrote:
-- A1/1 parked after its try at 09:00:01 (and A1/2 waiting behind it), A2/1 failed once and
-- due again at 09:00:30. TestOutboxParkedTime lays it over a file of this layout.
CREATE TABLE outbox (
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
	head        INTEGER NOT NULL,  -- 1: the first left of its order (see enqueue, OutboxDone)
	payload     BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX outbox_ready ON outbox (next_at) WHERE parked = 0 AND head = 1;
CREATE INDEX outbox_order ON outbox (ord, seq);
CREATE INDEX outbox_parked ON outbox (created) WHERE parked = 1;

INSERT INTO outbox (id, key, kind, target, ord, seq, created, attempts, next_at, lease_until, leased_by, last_error, parked, head, payload) VALUES
	('msg_4a064c9208d0a8945dc14d04', 'A1/1/sms/0', 'sms', '+999926619408', 'A1/sms', 1, 1772355600000, 1, 1772355602000, 0, '', 'the gateway answered 503', 1, 1, CAST('{"text":"A1"}' AS BLOB)),
	('msg_919bd7a95b7fee94f2046deb', 'A1/2/sms/0', 'sms', '+999926619408', 'A1/sms', 2, 1772355600000, 0, 1772355600000, 0, '', '', 0, 0, CAST('{"text":"A1 again"}' AS BLOB)),
	('msg_e760901bbab9d76c04471d52', 'A2/1/webhook/h', 'webhook', 'https://hooks.example.org/in', 'A2/webhook/h', 1, 1772355600000, 1, 1772355630000, 0, '', 'connection refused', 0, 1, CAST('{"record":"A2"}' AS BLOB));
