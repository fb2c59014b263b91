// Package store is where the runtime keeps what must never be lost: records with their
// history, the documents attached to them, registration number sequences, drafts, users,
// password hashes, sessions and login failures. One interface, two implementations held to one conformance suite (storetest):
// sqlitestore, embedded, the default; mongostore, to grow past one machine.
//
// The interface is shaped so that MongoDB needs no multi-document transaction: a record's new
// state and its history entry are one atomic update guarded by the record's version, a
// sequence is one atomic counter, and uniqueness (tracking IDs, registration numbers,
// idempotency keys) is enforced by unique indexes. Everything server instances share lives
// here, so several instances can serve one store.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	// ErrNotFound: no such record, draft, password or session.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the record changed since it was read (its version is not the one expected).
	ErrConflict = errors.New("the record was changed by someone else")
	// ErrDuplicate: a unique value is taken: a tracking ID, a registration number, or an
	// idempotency key of the same user.
	ErrDuplicate = errors.New("already exists")
	// ErrClosed: the store was closed; nothing more is written.
	ErrClosed = errors.New("the store is closed")
	// ErrTooMany: a user who keeps MaxDrafts drafts already saves a new one.
	ErrTooMany = errors.New("too many drafts")
	// ErrTooManyKeys: a record holds more than MaxRecordKeys keys, or a query more than
	// MaxQueryKeys (see CheckRecordKeys).
	ErrTooManyKeys = errors.New("too many duplicate keys")
	// ErrTooManyStats: a record holds more than MaxRecordStats statistics cells, or Counts is
	// asked for more than MaxCountPrefixes prefixes (see CheckRecordStats).
	ErrTooManyStats = errors.New("too many statistics cells")
)

// Record is one declared event: its data, status, flags and append-only history. The fields
// besides Data are what the store indexes and searches; Data is kept as the JSON it was
// declared in (field ids hold dots, which MongoDB documents cannot query).
type Record struct {
	ID     string // the tracking ID
	Event  string // birth, death...
	Bundle string // the hash of the bundle it was declared under
	Status string
	Flags  []string // sorted
	Data   json.RawMessage

	// Office is where the record was declared, Areas that office's area and all its
	// ancestors: the record's place for jurisdictions.
	Office string
	Areas  []string

	Number    string   // the registration number; "" until registered
	Title     string   // how lists name it, such as the child's name
	Names     []string // normalised name words (see NameKeys), for search by name
	EventDate string   // YYYY-MM-DD, or ""
	// Keys find the record's possible duplicates (see runtime/duplicates): opaque strings,
	// replaced whole by each update, searched by Query.Keys.
	Keys []string
	// Stats are the cells of the vital statistics the record counts in (see runtime/stats):
	// opaque strings of UTF-8 without NUL, at most MaxRecordStats, replaced whole by each
	// update. They are a set: a record counts once in a cell it names twice, and reads them
	// back sorted, each once (see StatsSet). The store keeps a count per cell, moved by each
	// write of a record in the same atomic write (or, where it cannot, aggregated from the
	// records by index), read by Counts.
	Stats []string
	// Registered is when the record was given its registration number (zero before): set by
	// the action that numbers it and kept by every later update.
	Registered time.Time
	// IndexedBy says what gave the record its Keys and Stats: the stamp of the version served
	// and of the way keys and cells are made, as the runtime writes it (records.Service), ""
	// when none is known. A record written by another version has others to come
	// (Query.NotIndexedBy finds it).
	IndexedBy string
	// Documents are the IDs of the documents the record's data references, or referenced
	// in an earlier version or a proposal (sorted): who may read the record may read them
	// (see Query.Document).
	Documents []string

	Version        int64 // 1 when declared; each action adds one
	Created        time.Time
	Updated        time.Time
	CreatedBy      string
	IdempotencyKey string // set by the client that declared it, to send a declaration twice safely
	RequestHash    string // of the declaration sent with IdempotencyKey, to refuse the key with another

	History []Entry // oldest first; filled by Record, not by Search
}

// Entry is one action in a record's history.
type Entry struct {
	Version int64     `json:"version"` // the version the action made
	Action  string    `json:"action"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Office  string    `json:"office"`
	At      time.Time `json:"at"`
	// What changed: the status, flags, number, and each field whose value changed.
	Status   string   `json:"status,omitempty"` // the status after, when it changed
	AddFlags []string `json:"addFlags,omitempty"`
	DelFlags []string `json:"removeFlags,omitempty"`
	Number   string   `json:"number,omitempty"` // the registration number it gave
	Changes  []Change `json:"changes,omitempty"`
	Comment  string   `json:"comment,omitempty"`
	// Details an action records besides, such as the copies printed.
	Details json.RawMessage `json:"details,omitempty"`
}

// Change is one field's change: the old and new values as JSON (absent: unanswered).
type Change struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old,omitempty"`
	New   json.RawMessage `json:"new,omitempty"`
}

// Query selects records. Empty fields select everything; the conditions are joined by "and".
type Query struct {
	Event    string
	ID       string   // a tracking ID
	Number   string   // a registration number
	Name     []string // normalised words, each a prefix of one of the record's Names
	Statuses []string // any of
	Flags    []string // all of
	NoFlags  []string // none of
	// Jurisdiction: records declared at this office, or within this area.
	Office string
	Area   string
	// Event date range, YYYY-MM-DD, inclusive.
	From, To string
	// Document: records whose Documents hold this document ID.
	Document string
	// NotIndexedBy: records whose IndexedBy is not this stamp (see Record.IndexedBy), those
	// whose keys and cells another version made: what serve brings up to date at start.
	NotIndexedBy string
	// Keys: records holding at least one of these keys (at most MaxQueryKeys), through an
	// index: how possible duplicates are found among millions of records.
	Keys []string

	Oldest bool   // oldest first (a work queue), rather than newest first (a search)
	Limit  int    // at most this many (the store caps it at 100)
	After  string // the Next of the previous page
}

// BundleInfo is a bundle served: its hash, its package's version, when it was first served.
type BundleInfo struct {
	Hash    string
	Version string
	Served  time.Time
}

// MaxRecordStats is the most statistics cells a record holds, MaxCountPrefixes the most
// prefixes one Counts reads.
const (
	MaxRecordStats   = 256
	MaxCountPrefixes = 1024
)

// CheckRecordStats refuses statistics cells that are more than MaxRecordStats (with an
// error that wraps ErrTooManyStats), or one that is not UTF-8 or holds a NUL; CheckPrefixes
// refuses the prefixes of a Counts in the same way, more than MaxCountPrefixes. A store checks
// before it writes or reads anything, so that what it refuses changes nothing.
func CheckRecordStats(id string, stats []string) error {
	if len(stats) > MaxRecordStats {
		return fmt.Errorf("record %s holds %d statistics cells, at most %d: %w", id, len(stats), MaxRecordStats, ErrTooManyStats)
	}
	for _, c := range stats {
		if !validCell(c) {
			return fmt.Errorf("record %s: statistics cell %q is not UTF-8 text without NUL", id, c)
		}
	}
	return nil
}

func CheckPrefixes(prefixes []string) error {
	if len(prefixes) > MaxCountPrefixes {
		return fmt.Errorf("counts of %d prefixes, at most %d: %w", len(prefixes), MaxCountPrefixes, ErrTooManyStats)
	}
	for _, p := range prefixes {
		if !validCell(p) {
			return fmt.Errorf("statistics prefix %q is not UTF-8 text without NUL", p)
		}
	}
	return nil
}

func validCell(c string) bool { return utf8.ValidString(c) && !strings.Contains(c, "\x00") }

// StatsSet is how a store keeps a record's cells: sorted, each once; nil for none.
func StatsSet(stats []string) []string {
	if len(stats) == 0 {
		return nil
	}
	out := slices.Clone(stats)
	slices.Sort(out)
	return slices.Compact(out)
}

// Prefixes are the prefixes a Counts reads, each once: sorted, without those that a shorter
// one of them begins (its cells are read with the shorter one's).
func Prefixes(prefixes []string) []string {
	sorted := slices.Clone(prefixes)
	slices.Sort(sorted)
	var out []string
	for _, p := range sorted {
		// Sorted, a prefix comes right after the shorter ones that begin it, and after
		// every string it is a prefix of: the last one kept is the one to compare with.
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// PrefixEnd is the least string greater than every string that begins with prefix (a valid
// UTF-8 string, as prefix is): the cells that begin with prefix are those from prefix up to it,
// in the byte order of UTF-8 (which is that of code points, and that of both stores'
// comparisons). Its last character is the one after prefix's last character that is not
// utf8.MaxRune, the characters after it dropped: "a\x1fb" ends at "a\x1fc", "é" at "ê",
// "a\U0010FFFF" at "b". ok is false when there is no such string (prefix is "", or all
// utf8.MaxRune): every cell from prefix on begins with it.
func PrefixEnd(prefix string) (end string, ok bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		if r == utf8.MaxRune || r == utf8.RuneError && size < 2 {
			continue // nothing after it: the one before it grows
		}
		r++
		if r >= 0xD800 && r <= 0xDFFF { // surrogates are no characters
			r = 0xE000
		}
		return prefix + string(r), true
	}
	return "", false
}

// MaxQueryKeys is the most keys a query may hold; a record holds at most MaxRecordKeys.
const (
	MaxQueryKeys  = 1024
	MaxRecordKeys = 512
)

// CheckRecordKeys refuses a record holding more than MaxRecordKeys keys, CheckQueryKeys a
// query holding more than MaxQueryKeys, with an error that wraps ErrTooManyKeys. A store checks
// before it writes or searches anything, so that what it refuses changes nothing.
func CheckRecordKeys(r *Record) error {
	if len(r.Keys) > MaxRecordKeys {
		return fmt.Errorf("record %s holds %d duplicate keys, at most %d: %w", r.ID, len(r.Keys), MaxRecordKeys, ErrTooManyKeys)
	}
	return nil
}

func CheckQueryKeys(q Query) error {
	if len(q.Keys) > MaxQueryKeys {
		return fmt.Errorf("a search for %d duplicate keys, at most %d: %w", len(q.Keys), MaxQueryKeys, ErrTooManyKeys)
	}
	return nil
}

// Page is one page of a search: records without their history, and the cursor to the next
// page ("" at the end).
type Page struct {
	Records []Record
	Next    string
}

// A user keeps at most MaxDrafts drafts, each of at most MaxDraftSize bytes of data (the
// runtime refuses a larger one): a declaration in progress is a few kilobytes, and what a
// user may keep is bounded, as the store is shared by every user.
const (
	MaxDrafts    = 50
	MaxDraftSize = 256 << 10
)

// Draft is a declaration in progress, saved incomplete; only its author sees it.
type Draft struct {
	ID      string
	User    string
	Event   string
	Data    json.RawMessage
	Updated time.Time
}

// MaxDocumentSize is the largest document the runtime accepts, in bytes: a scan or a photo
// of a paper, a PDF of a few pages. Every store holds one this large (the conformance suite
// saves one); the API refuses a larger body before reading it whole.
const MaxDocumentSize = 10 << 20

// Document is a file attached to declarations: a birth notification, the scan of an identity
// card. Its ID is the address of its content, so the same bytes are stored once however often
// and by whomever they are uploaded; each upload is its uploader's own, with the name they gave
// the file and its time, since who may attach a document to a declaration, or read it, follows
// from who uploaded it (see Store.SaveDocument). The content has no name: a user never learns
// the name another gave the same bytes, nor that anyone did.
type Document struct {
	ID      string    // DocumentID(Data)
	User    string    // who uploaded it; "" when read as content (Store.Document)
	Type    string    // its MIME type, found from its content
	Name    string    // the file's name as User gave it, cleaned; "" when read as content
	Size    int64     // len(Data)
	Data    []byte    // nil when read without its bytes
	Created time.Time // when User uploaded it; zero when read as content
}

// DocumentID is the address of a document's content: "sha256:" and the hex of its sha256.
func DocumentID(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Session is a logged-in user, by the sha256 of their token (the token itself is never
// stored, so reading the store does not give a way in).
type Session struct {
	TokenHash string
	User      string
	CSRF      string // the form token of this session
	Created   time.Time
	Expires   time.Time
}

// Store is the runtime's storage. Every method is safe for concurrent use, by any number of
// server instances sharing the store.
type Store interface {
	// CreateRecord stores a new record (Version 1, one history entry). ErrDuplicate when its
	// ID is taken, or its creator already used its idempotency key.
	CreateRecord(ctx context.Context, r *Record) error
	// Record reads a record with its history.
	Record(ctx context.Context, id string) (*Record, error)
	// RecordByIdempotencyKey finds the record a user declared with a key.
	RecordByIdempotencyKey(ctx context.Context, user, key string) (*Record, error)
	// UpdateRecord replaces a record's state (every field but ID, Created, CreatedBy and
	// IdempotencyKey) and appends e to its history, atomically, if the stored version is
	// r.Version-1: else ErrConflict, and nothing changes. ErrDuplicate when r.Number is
	// another record's.
	UpdateRecord(ctx context.Context, r *Record, e Entry) error
	// Search finds records, a page at a time.
	Search(ctx context.Context, q Query) (Page, error)
	// SetIndex replaces a record's keys and statistics cells, and its IndexedBy with by, if it
	// is at version: those the bundle served gives it, when they differ from those it was
	// stored with (see records.Service.Rekey). Keys and cells are an index of the record, not part of it: its
	// version and history stay as they are, and the counts move with its cells in the same
	// atomic write. ErrConflict when the record changed since version (the action that
	// changed it wrote its keys and cells), ErrNotFound when there is none; ErrTooManyKeys or
	// ErrTooManyStats past the limits, and nothing changes.
	SetIndex(ctx context.Context, id string, version int64, keys, stats []string, by string) error

	// Counts are the number of records holding each statistics cell (Record.Stats) that
	// starts with one of prefixes (at most MaxCountPrefixes: else ErrTooManyStats); cells no
	// record holds are left out, and prefixes that overlap count a cell once. The counts are
	// exact, those of one moment: every write of a record moves them with it. In SQLite its
	// time grows with the cells read, not with the records (a count per cell, kept by each
	// write): the national page of a register of millions reads it. MongoDB cannot write a
	// second document with the record atomically, and aggregates the records' cells through
	// their index instead: its time grows with the records holding cells of the prefixes.
	Counts(ctx context.Context, prefixes []string) (map[string]int64, error)

	// NextSequence returns the next value of a named counter, from 1. A value is never given
	// twice, even across a crash; some may be skipped.
	NextSequence(ctx context.Context, name string) (int64, error)
	// NumberRecord is UpdateRecord for the update that gives a record its registration
	// number, drawn from the named counter (as NextSequence draws) and written by number
	// into r.Number and e.Number. The value is drawn only once the record is known to be at
	// version r.Version-1 and held for this update, so that requests that lose the race for
	// the record (a second click, from any server instance) draw nothing: ErrConflict, and
	// the counter is as it was. A number another record holds is passed over and the next
	// one drawn. A value is skipped only when a crash (or, in MongoDB, a write stalled past
	// the hold's lease) comes between the draw and the update.
	NumberRecord(ctx context.Context, r *Record, e Entry, counter string, number func(seq int64) string) error

	// SaveDraft creates or replaces a draft of its user. A new draft of a user who keeps
	// MaxDrafts already is refused with ErrTooMany; replacing one is not. (MongoDB: new
	// drafts of one user saved at the same moment may each pass the count.)
	SaveDraft(ctx context.Context, d *Draft) error
	Draft(ctx context.Context, user, id string) (*Draft, error)
	Drafts(ctx context.Context, user string) ([]Draft, error) // newest first
	DeleteDraft(ctx context.Context, user, id string) error

	// SaveDocument stores d.Data under its content address and records d.User as an uploader
	// of it, with d.Name and d.Created; the returned document has the ID and Size of the bytes
	// (d.ID and d.Size are not read), not the bytes themselves. Bytes already stored are not
	// stored again: the same user saving them again changes nothing and gets the upload stored
	// first (its name and time), and created false; another user becomes one more uploader of
	// them. The type stored first is kept, being the content's.
	SaveDocument(ctx context.Context, d *Document) (saved *Document, created bool, err error)
	// Document reads a document's content: its ID, Type, Size and bytes, and nothing of any
	// upload of it (User, Name and Created are empty): the name a reader sees is that of an
	// upload (DocumentUpload), never one the first uploader gave the same bytes.
	Document(ctx context.Context, id string) (*Document, error)
	// DocumentUpload reads a document as user uploaded it, without its bytes: ErrNotFound
	// when user never uploaded it. A small read, for the checks of who may read it.
	DocumentUpload(ctx context.Context, id, user string) (*Document, error)
	// UploadedBy is those of ids that user uploaded, in one read: what a declaration may
	// attach.
	UploadedBy(ctx context.Context, user string, ids []string) ([]string, error)

	// SetPassword stores a user's password hash; Password reads it (ErrNotFound when unset).
	SetPassword(ctx context.Context, user, hash string) error
	Password(ctx context.Context, user string) (string, error)

	CreateSession(ctx context.Context, s *Session) error
	// Session reads a session that has not expired.
	Session(ctx context.Context, tokenHash string, now time.Time) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error

	// AddFailure counts a failed login under key (a user, an address) and returns how many
	// were counted in the window ending now; ClearFailures forgets them after a success.
	AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	ClearFailures(ctx context.Context, key string) error

	// KeepBundle keeps a bundle the server serves, by its hash (data as bundle.Encode wrote
	// it): kept again, nothing changes, its first serving included.
	KeepBundle(ctx context.Context, b BundleInfo, data []byte) error
	// Bundles are the bundles kept, in the order they were first served.
	Bundles(ctx context.Context) ([]BundleInfo, error)
	// BundleData is a kept bundle as it was written; ErrNotFound when none has the hash.
	BundleData(ctx context.Context, hash string) ([]byte, error)

	// Prune forgets what nothing reads any more: sessions expired at now, and the login
	// failures counted at failuresBefore or earlier (no window reaches back that far). The
	// server runs it every few minutes, so that neither grows without end.
	Prune(ctx context.Context, now, failuresBefore time.Time) error

	// Close stops taking writes, lets those under way end, and closes the store; a write
	// after it fails (ErrClosed, or the driver's error), never panics. Closing again does
	// nothing.
	Close() error

	// Assign gives record id to user until until (see Assignment), in one atomic write: when
	// nobody holds it, when user does (the assignment then ends at until instead), or when the
	// one who does held it until now or earlier. Else ErrConflict, and the assignment that
	// holds it. The store does not read the record: the caller did.
	Assign(ctx context.Context, id, user string, now, until time.Time) (*Assignment, error)
	// Release ends user's assignment of record id, expired or not; with force, anyone's.
	// ErrNotFound when nobody holds it; ErrConflict when another user does (without force),
	// and nothing changes.
	Release(ctx context.Context, id, user string, force bool) error
	// Assignment reads who holds record id, until when, even when that time is past (the
	// caller compares it with its clock); ErrNotFound when nobody does.
	Assignment(ctx context.Context, id string) (*Assignment, error)
	// CreateUser stores a new user, at Version 1: ErrDuplicate when the username is taken.
	CreateUser(ctx context.Context, u *User) error
	// User reads a user by username, in one indexed read (every request reads its caller):
	// ErrNotFound when there is none.
	User(ctx context.Context, username string) (*User, error)
	// Users reads every user, sorted by username.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser replaces a user's state (every field but Username) if the stored version is
	// u.Version-1: else ErrConflict (two administrators editing one user: the second is
	// refused, stale), ErrNotFound when there is none; nothing changes then.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteSessions ends every session of a user at once (a user deactivated, a password
	// reset), through an index by user.
	DeleteSessions(ctx context.Context, user string) error
	// AppendAudit appends e to the audit log: the store gives it the next Seq, the hash of
	// the entry before as Prev, and its Hash (AuditEntry.Chain), so that the log is one
	// chain however many writers (goroutines, server instances) append at once. e's time is
	// kept to the millisecond. (Record writes carry theirs: see WithAudit.)
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditLog reads audit entries, a page at a time, as they were appended.
	AuditLog(ctx context.Context, q AuditQuery) (AuditPage, error)
	// AddAuditCheckpoint keeps a signed head of the chain; AuditCheckpoints reads those
	// kept, by Seq.
	AddAuditCheckpoint(ctx context.Context, c *AuditCheckpoint) error
	AuditCheckpoints(ctx context.Context) ([]AuditCheckpoint, error)

	// SecondFactor reads a user's second factor (ErrNotFound when they have none).
	SecondFactor(ctx context.Context, user string) (*SecondFactor, error)
	// SaveSecondFactor writes a user's second factor if the stored one is at f.Version-1
	// (f.Version 1: if they have none), in one atomic write: else ErrConflict, and nothing
	// changes. Two logins with one code, or one recovery code, race here: one wins.
	SaveSecondFactor(ctx context.Context, f *SecondFactor) error
	// DeleteSecondFactor removes a user's second factor (ErrNotFound when they have none).
	DeleteSecondFactor(ctx context.Context, user string) error

	// AddSubscription keeps a new subscription (runtime/osia), unless its owner has one to
	// the same topic, protocol and address: then that one is returned, unchanged, and sub is
	// not kept. ErrTooManySubscriptions when the owner keeps MaxSubscriptions already.
	AddSubscription(ctx context.Context, sub *Subscription) (*Subscription, error)
	// Subscriptions reads the subscriptions q selects, oldest first.
	Subscriptions(ctx context.Context, q SubscriptionQuery) ([]Subscription, error)
	// DeleteSubscription removes an owner's subscription (ErrNotFound when they have none
	// with that ID).
	DeleteSubscription(ctx context.Context, owner, id string) error
	// ConfirmSubscription makes active the owner's subscription whose token this is, and
	// returns it (ErrNotFound when the owner has none with that token).
	ConfirmSubscription(ctx context.Context, owner, token string) (*Subscription, error)
	// Enqueue adds messages to the outbox (see OutboxMessage), each completed as
	// CompleteOutbox does with now; one whose Key a message not yet delivered holds is left
	// out, silently. Messages of a record's action ride in its write instead (WithOutbox).
	Enqueue(ctx context.Context, now time.Time, msgs []OutboxMessage) error
	// Lease gives instance up to n messages (at most MaxOutboxLease) due at now: not parked,
	// NextAt at or before now, leased by nobody or by a lease that ended at now or before, and
	// the first left of their Order. Each is leased to instance until now+ttl in the same
	// atomic write that chooses it, so that two instances never hold one message, and a
	// message of an Order is leased only once those before it are done. Oldest due first.
	Lease(ctx context.Context, n int, now time.Time, ttl time.Duration, instance string) ([]OutboxMessage, error)
	// OutboxDone forgets a delivered message, whoever holds it. ErrNotFound when there is none (another instance, whose lease it outlived, did).
	OutboxDone(ctx context.Context, id string) error
	// OutboxFail records a try of the message instance holds, made at now, that failed:
	// Attempts one more, LastError reason and LastTry now, the lease ended, and either due
	// again at retryAt or, with park, parked, ParkedAt now (to the millisecond). ErrConflict
	// when instance no longer holds it (its lease ended and another took it), ErrNotFound when
	// there is none; nothing changes then.
	OutboxFail(ctx context.Context, id, instance, reason string, now, retryAt time.Time, park bool) error
	// Parked are the parked messages, most recently parked first (by ParkedAt, then by ID,
	// both descending: those parked by a crvsctl that kept no time, ParkedAt zero, last), at
	// most limit (capped at MaxOutboxLease).
	Parked(ctx context.Context, limit int) ([]OutboxMessage, error)
	// OutboxRetry unparks a parked message: due at now, its tries counted from 0, ParkedAt
	// zero, its last error and LastTry kept until the next try. ErrNotFound when no parked
	// message has id.
	OutboxRetry(ctx context.Context, id string, now time.Time) error
	// OutboxPending counts the messages not yet delivered, parked or not.
	OutboxPending(ctx context.Context) (pending, parked int64, err error)
	// OutboxDefer puts off messages instance holds without counting a try (their receiver
	// was not tried: a dispatcher's circuit breaker holds it as down): the leases ended, due
	// again at until, Attempts, LastError and LastTry unchanged, in one write. Ids instance no
	// longer holds (delivered, or their lease ended and another took them) are left alone.
	OutboxDefer(ctx context.Context, ids []string, instance string, until time.Time) error
}
