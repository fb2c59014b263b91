package records

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// The audit log (see store.AuditEntry, runtime/audit): every action on a record is written
// in it, by the store, in the record's own write where the store can (store.WithAudit);
// every certificate printed as a print; and the reads of a record's personal data by the
// roles the package marks audited (Read).

// auditDetails is what an action's audit entry says besides who, what and which record: the
// version it made and what it changed, by field name (never a value: the record keeps those,
// and the log is read by others).
type auditDetails struct {
	Version  int64    `json:"version"`
	Status   string   `json:"status,omitempty"`
	AddFlags []string `json:"addFlags,omitempty"`
	DelFlags []string `json:"removeFlags,omitempty"`
	Fields   []string `json:"fields,omitempty"`
	// A certificate printed: its template, serial, copies.
	Template string `json:"template,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Copies   int    `json:"copies,omitempty"`
	Reprint  bool   `json:"reprint,omitempty"`
}

// audited is ctx carrying the audit entry of the history entry e that user (acting as role;
// an actor may be nil, for crvsctl migrate) writes: the store appends it with the record.
func audited(ctx context.Context, user, role string, e *store.Entry) context.Context {
	d := auditDetails{Version: e.Version, Status: e.Status, AddFlags: e.AddFlags, DelFlags: e.DelFlags}
	for _, c := range e.Changes {
		d.Fields = append(d.Fields, c.Field)
	}
	kind := store.AuditAction
	if p, ok := PrintingOf(*e); ok {
		kind = store.AuditPrint
		d.Template, d.Serial, d.Copies, d.Reprint = p.Template, p.Serial, p.Copies, p.Reprint
	}
	details, _ := json.Marshal(d)
	return store.WithAudit(ctx, &store.AuditEntry{Time: e.At, User: user, Role: role, Kind: kind, Action: e.Action, Details: details})
}

func (s *Service) auditedBy(ctx context.Context, actor *Actor, e *store.Entry) context.Context {
	if s.Outbox != nil {
		// r is the record as the store writes it: its number drawn, for the action that
		// numbers it.
		ctx = store.WithOutbox(ctx, func(r *store.Record) []store.OutboxMessage { return s.Outbox(r, e) })
	}
	return audited(ctx, actor.User.Username, actor.User.Role, e)
}

// Read reads a record for a user to see its personal data (a record's page, the API's GET):
// Get, and, when the package marks the actor's role audited, an entry "read" in the audit
// log. A read that cannot be written in the log is refused: an audited role reads nothing
// unseen.
func (s *Service) Read(ctx context.Context, actor *Actor, id string) (*store.Record, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil || !actor.Role.Audited {
		return r, err
	}
	e := &store.AuditEntry{Time: s.now(), User: actor.User.Username, Role: actor.User.Role, Kind: store.AuditRead,
		Record: r.ID, Office: r.Office, Areas: r.Areas}
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		return nil, err
	}
	return r, nil
}

// AuditLog searches the audit log for an actor whose role the package lets read it
// (auditLog), within their jurisdiction as records are (an office role: entries placed at
// their office; an area role: within their area; nation: all). Forbidden otherwise.
func (s *Service) AuditLog(ctx context.Context, actor *Actor, q store.AuditQuery) (store.AuditPage, error) {
	if !actor.Role.AuditLog {
		return store.AuditPage{}, refuse(Forbidden, "", "forbidden", "role %s does not read the audit log", actor.User.Role)
	}
	rq := store.Query{Office: q.Office, Area: q.Area}
	if !s.limit(actor, &rq) {
		return store.AuditPage{}, nil
	}
	q.Office, q.Area = rq.Office, rq.Area
	return s.Store.AuditLog(ctx, q)
}

// AuditExported writes in the log that an actor exported it, with what they asked.
func (s *Service) AuditExported(ctx context.Context, actor *Actor, q store.AuditQuery, n int) error {
	d := map[string]any{"entries": n}
	for k, v := range map[string]string{"user": q.User, "record": q.Record, "kind": q.Kind, "office": q.Office, "area": q.Area} {
		if v != "" {
			d[k] = v
		}
	}
	if !q.From.IsZero() {
		d["from"] = q.From
	}
	if !q.To.IsZero() {
		d["to"] = q.To
	}
	details, _ := json.Marshal(d)
	return s.Store.AppendAudit(ctx, &store.AuditEntry{Time: s.now(), User: actor.User.Username, Role: actor.User.Role,
		Kind: store.AuditExport, Office: actor.Office.Code, Areas: s.Model.AreasOf(actor.Office.Area), Details: details})
}

// AuditQueryOf reads a search of the audit log from a form or a URL's query: user, record
// (a tracking ID, as typed), kind, office, area, from and to (dates YYYY-MM-DD in the
// country's time zone, both included), after (a page's cursor).
func (s *Service) AuditQueryOf(v url.Values) (store.AuditQuery, error) {
	q := store.AuditQuery{User: strings.TrimSpace(v.Get("user")), Kind: v.Get("kind"), Office: v.Get("office"), Area: v.Get("area"), After: v.Get("after")}
	if id := strings.TrimSpace(v.Get("record")); id != "" {
		q.Record = TrackingID(id)
	}
	for _, k := range []string{"from", "to"} {
		d := strings.TrimSpace(v.Get(k))
		if d == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d, s.Model.Loc)
		if err != nil {
			return q, refuse(BadRequest, "/"+k, "malformed", "%s must be a date written YYYY-MM-DD", k)
		}
		if k == "from" {
			q.From = t
		} else {
			q.To = t.AddDate(0, 0, 1)
		}
	}
	if a := q.After; a != "" {
		if _, err := strconv.ParseInt(a, 10, 64); err != nil {
			return q, refuse(BadRequest, "/after", "malformed", "after must be the next of a page")
		}
	}
	return q, nil
}
