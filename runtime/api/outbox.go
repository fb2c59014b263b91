package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// outboxRoutes are the outbox's administration: what is pending, the messages parked after
// too many failed tries (with their last error), and a retry of one.
func (s *Server) outboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/outbox", s.authed(s.outboxState))
	mux.HandleFunc("POST /api/v1/outbox/{id}/retry", s.authed(s.outboxRetry))
}

// outboxAdmin: the outbox is the whole register's, and its messages hold informants' addresses:
// administrators of nationwide jurisdiction only.
func outboxAdmin(a *records.Actor) bool {
	return users.Administers(a) && a.Role.Jurisdiction == "nation"
}

type parkedView struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError"`
	Created   time.Time `json:"created"`
}

func (s *Server) outboxState(w http.ResponseWriter, r *http.Request, c *caller) {
	if !outboxAdmin(c.actor) {
		writeError(w, http.StatusForbidden, "", "forbidden", "only administrators of the whole country read the outbox")
		return
	}
	st := s.Records.Store
	pending, parked, err := st.OutboxPending(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, err := st.Parked(r.Context(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]parkedView, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, parkedView{m.ID, m.Kind, m.Target, m.Attempts, m.LastError, m.Created})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": pending, "parked": parked, "parkedMessages": out})
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request, c *caller) {
	if !outboxAdmin(c.actor) {
		writeError(w, http.StatusForbidden, "", "forbidden", "only administrators of the whole country retry the outbox's messages")
		return
	}
	err := s.Records.Store.OutboxRetry(r.Context(), r.PathValue("id"), time.Now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "", "not-found", "no parked message has this id")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Records.Store.AppendAudit(r.Context(), &store.AuditEntry{Time: time.Now(), User: c.actor.User.Username,
		Role: c.actor.User.Role, Kind: store.AuditUserAdmin, Action: "outbox-retry", Office: c.actor.Office.Code}); err != nil {
		s.Log.Error("an audit entry was not written", "kind", "outbox-retry", "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}
