package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// The audit log's endpoints (routed in Routes): a search, a page at a time, and an export in
// CSV of every entry the search finds; both for roles the package lets read the log
// (auditLog), within their jurisdiction (403 for others).

// auditPage is a page of the log as the API shows it: the store's entries, with their hashes.
type auditPage struct {
	Entries []store.AuditEntry `json:"entries"`
	Next    string             `json:"next,omitempty"`
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, c *caller) {
	q, err := s.Records.AuditQueryOf(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Limit, err = limitParam(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	p, err := s.Records.AuditLog(r.Context(), c.actor, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Entries == nil {
		p.Entries = []store.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, auditPage{p.Entries, p.Next})
}

func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, c *caller) {
	q, err := s.Records.AuditQueryOf(r.URL.Query())
	if err == nil {
		// Refused before anything is written: the first page is read first.
		_, err = s.Records.AuditLog(r.Context(), c.actor, store.AuditQuery{Limit: 1})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ExportAudit(w, r, s.Records, c.actor, q, s.Log)
}

// ExportAudit answers with the entries q finds (within the actor's jurisdiction), in CSV, as
// an attachment, and writes the export itself in the log. The pages and the API share it.
func ExportAudit(w http.ResponseWriter, r *http.Request, rs *records.Service, actor *records.Actor, q store.AuditQuery, log *slog.Logger) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", "attachment; filename=audit.csv")
	q.Limit = store.MaxAuditPage
	n, err := audit.WriteCSV(r.Context(), w, func(after string) (store.AuditPage, error) {
		q.After = after
		return rs.AuditLog(r.Context(), actor, q)
	})
	if err != nil {
		// Headers are sent: the client gets a file cut short.
		log.Error("exporting the audit log", "user", actor.User.Username, "err", err)
		return
	}
	if err := rs.AuditExported(context.WithoutCancel(r.Context()), actor, q, n); err != nil {
		log.Error("an audit entry was not written", "kind", store.AuditExport, "user", actor.User.Username, "err", err)
	}
}
