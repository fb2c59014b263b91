package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Kinds of audit entries.
const (
	AuditLogin       = "login"
	AuditLoginFailed = "login-failed"
	AuditLogout      = "logout"
	AuditAction      = "action"     // an action on a record (declare, validate, register...)
	AuditPrint       = "print"      // an action that printed certificates
	AuditRead        = "read"       // a read of a record's personal data by an audited role
	AuditUserAdmin   = "user-admin" // a change to a user: created, role, password reset, 2FA...
	AuditExport      = "export"     // an export of the audit log itself
)

// AuditEntry is one entry of the audit log: who did what, when, where. Entries are
// appended, never changed: each carries the hash of the one before (Prev) and its own
// (Hash, see AuditHash), so that an entry altered or removed breaks the chain.
type AuditEntry struct {
	Seq  int64     `json:"seq"` // 1, 2, 3... with no gaps
	Time time.Time `json:"time"`
	User string    `json:"user"`
	Role string    `json:"role,omitempty"`
	// Office and Areas place the entry for jurisdictions: for an entry about a record, the
	// record's office and areas; else the user's office and its area with its ancestors.
	Office  string          `json:"office,omitempty"`
	Areas   []string        `json:"areas,omitempty"`
	Kind    string          `json:"kind"`
	Record  string          `json:"record,omitempty"` // a tracking ID
	Action  string          `json:"action,omitempty"` // the record's action, the admin's change
	Details json.RawMessage `json:"details,omitempty"`
	Prev    string          `json:"prev"` // the hash of entry Seq-1; "" for the first
	Hash    string          `json:"hash"`
}

// AuditHash is the hex of the sha256 of an entry's canonical encoding: every field but
// Hash, each as its length in bytes then its bytes (so no two entries encode alike), the
// time in Unix milliseconds, Prev included.
func AuditHash(e *AuditEntry) string {
	// One buffer on the stack for most entries: a million are hashed in a verification.
	var stack [512]byte
	buf := stack[:0]
	var num [20]byte
	buf = field(buf, "crvsctl-audit-1")
	buf = field(buf, string(strconv.AppendInt(num[:0], e.Seq, 10)))
	buf = field(buf, string(strconv.AppendInt(num[:0], e.Time.UnixMilli(), 10)))
	buf = field(buf, e.User)
	buf = field(buf, e.Role)
	buf = field(buf, e.Office)
	buf = binary.AppendUvarint(buf, uint64(len(e.Areas)))
	for _, a := range e.Areas {
		buf = field(buf, a)
	}
	buf = field(buf, e.Kind)
	buf = field(buf, e.Record)
	buf = field(buf, e.Action)
	buf = field(buf, string(e.Details))
	buf = field(buf, e.Prev)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// field appends a field of the canonical encoding: its length, then its bytes.
func field(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// Chain makes e the entry after head (nil: the first): its Seq, Prev and Hash, its time
// to the millisecond the stores keep. What a store calls to append.
func (e *AuditEntry) Chain(head *AuditEntry) {
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	if e.Time.IsZero() {
		e.Time = time.Now().UTC().Truncate(time.Millisecond)
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	e.Seq, e.Prev = 1, ""
	if head != nil {
		e.Seq, e.Prev = head.Seq+1, head.Hash
	}
	e.Hash = AuditHash(e)
}

// AuditQuery selects audit entries. Empty fields select everything; conditions are joined
// by "and".
type AuditQuery struct {
	User   string
	Record string
	Kind   string
	// Jurisdiction: entries placed at this office, or within this area.
	Office string
	Area   string
	// Time range: From inclusive, To exclusive; zero: unbounded.
	From, To time.Time
	// Oldest: oldest first, by Seq (an export, a verification); else newest first.
	Oldest bool
	// After is the Next of the previous page.
	After string
	Limit int // at most this many; the store caps it at MaxAuditPage
}

// MaxAuditPage is the most entries one AuditLog returns.
const MaxAuditPage = 1000

// AuditPage is one page of audit entries and the cursor to the next ("" at the end).
type AuditPage struct {
	Entries []AuditEntry
	Next    string
}

// AuditCheckpoint is the head of the chain signed by a server: the entry Seq had Hash at
// Time. KeyID names the key (certificates/seal); Signature is the standard base64 of the
// Ed25519 signature of CheckpointMessage.
type AuditCheckpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"keyId"`
	Signature string    `json:"signature"`
}

// CheckpointMessage is what a checkpoint's signature signs.
func CheckpointMessage(c *AuditCheckpoint) []byte {
	return []byte("crvsctl-audit-checkpoint-1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		strconv.FormatInt(c.Time.UnixMilli(), 10) + "\n" + c.KeyID)
}

// auditKey carries an audit entry to a record's write.
type auditKey struct{}

// WithAudit asks the store to append e to the audit log with the record write the context
// is given to (CreateRecord, UpdateRecord, NumberRecord): its Record is the record's ID,
// and, when e has none, its Office and Areas the record's. The SQLite store appends it in
// the same transaction as the record; MongoDB, which has no transaction across two
// documents, right after the record's write succeeded (a crash between the two loses the
// entry). nil takes away an entry the context carries.
func WithAudit(ctx context.Context, e *AuditEntry) context.Context {
	return context.WithValue(ctx, auditKey{}, e)
}

// AuditOf is the entry WithAudit put in ctx (a copy), completed for the record r; nil when
// none.
func AuditOf(ctx context.Context, r *Record, number string) *AuditEntry {
	e, _ := ctx.Value(auditKey{}).(*AuditEntry)
	if e == nil {
		return nil
	}
	c := *e
	c.Record = r.ID
	if c.Office == "" && len(c.Areas) == 0 {
		c.Office, c.Areas = r.Office, r.Areas
	}
	if number != "" {
		// The registration number given, only known once drawn.
		var d map[string]any
		if json.Unmarshal(c.Details, &d) != nil || d == nil {
			d = map[string]any{}
		}
		d["number"] = number
		c.Details, _ = json.Marshal(d)
	}
	return &c
}
