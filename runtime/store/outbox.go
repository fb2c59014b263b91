package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Kinds of outbox messages.
const (
	OutboxWebhook = "webhook"
	OutboxEmail   = "email"
	OutboxSMS     = "sms"
)

// OutboxMessage is one message the register owes the outside world: a webhook call, an email,
// an SMS. It is written in the same atomic write as the action that causes it (see WithOutbox),
// leased by one server instance at a time (Lease), and deleted once delivered (OutboxDone), so
// that it is delivered at least once, and, its Key being unique, enqueued once per action.
type OutboxMessage struct {
	// ID is OutboxID(Key): the same for every try, so that a receiver can drop a repeat
	// (the webhook-id of Standard Webhooks).
	ID string
	// Key is unique among the messages not yet delivered: a second one is not enqueued (the
	// record's ID, its version and the target, for messages of an action, which the record's
	// version guard lets be written once).
	Key    string
	Kind   string // OutboxWebhook, OutboxEmail, OutboxSMS
	Target string // the subscriber's name, the address or phone number
	// Order and Seq: the messages of one Order (a record and a target) are delivered one at a
	// time, by Seq: one is leased only when none of its Order with a lower Seq is left.
	Order   string
	Seq     int64
	Payload json.RawMessage

	Created time.Time
	// Attempts are the failed tries; NextAt is when the next may be made.
	Attempts int
	NextAt   time.Time
	// LeaseUntil and LeasedBy: the instance delivering it, until when (zero: nobody).
	LeaseUntil time.Time
	LeasedBy   string
	// LastError is why the last try failed, LastTry when it was made (zero before the first
	// failed try, and for a message last tried by a crvsctl that kept no such time).
	LastError string
	LastTry   time.Time
	// Parked: it failed too often; it waits for an administrator (OutboxRetry), holding back
	// the messages after it of its Order. ParkedAt is when: the time of the try that parked
	// it, so LastTry too; zero when it is not parked, and for a message parked by a crvsctl
	// that kept no such time.
	Parked   bool
	ParkedAt time.Time
}

// OutboxID is the ID of the message of key: "msg_" and the first 24 hex digits of its sha256.
func OutboxID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "msg_" + hex.EncodeToString(sum[:12])
}

// MaxOutboxLease is the most messages one Lease returns.
const MaxOutboxLease = 1000

// outboxKey carries the messages of a record's write.
type outboxKey struct{}

// WithOutbox asks the store to enqueue the messages fn makes of the record as written, with
// the record write the context is given to (CreateRecord, UpdateRecord, NumberRecord): fn is
// given the record as stored (its number drawn, for NumberRecord) and runs once the write is
// known to succeed. The SQLite store enqueues them in the same transaction as the record, so a
// crash loses neither or both; MongoDB, which has no transaction across two documents, right
// after the record's write succeeded (a crash between the two loses the messages).
func WithOutbox(ctx context.Context, fn func(r *Record) []OutboxMessage) context.Context {
	return context.WithValue(ctx, outboxKey{}, fn)
}

// OutboxOf are the messages WithOutbox asks for the record r, completed: ID from Key, Created
// and NextAt at r.Updated when unset. nil when none.
func OutboxOf(ctx context.Context, r *Record) []OutboxMessage {
	fn, _ := ctx.Value(outboxKey{}).(func(*Record) []OutboxMessage)
	if fn == nil {
		return nil
	}
	msgs := fn(r)
	at := r.Updated
	if at.IsZero() {
		at = time.Now()
	}
	for i := range msgs {
		CompleteOutbox(&msgs[i], at)
	}
	return msgs
}

// CompleteOutbox gives m its ID, and Created and NextAt when unset (at), to the millisecond
// the stores keep; what a store calls before it enqueues.
func CompleteOutbox(m *OutboxMessage, at time.Time) {
	m.ID = OutboxID(m.Key)
	if m.Order == "" {
		m.Order = m.Key
	}
	if m.Created.IsZero() {
		m.Created = at
	}
	if m.NextAt.IsZero() {
		m.NextAt = m.Created
	}
	m.Created = m.Created.UTC().Truncate(time.Millisecond)
	m.NextAt = m.NextAt.UTC().Truncate(time.Millisecond)
	m.Attempts, m.LeaseUntil, m.LeasedBy, m.LastError, m.LastTry, m.Parked, m.ParkedAt = 0, time.Time{}, "", "", time.Time{}, false, time.Time{}
}
