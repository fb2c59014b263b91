package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxRoutes are the outbox's administration: what is pending, the messages parked after
// too many failed tries (with their last error and when they were parked, most recently
// parked first), and a retry of one.
func (s *Server) outboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/outbox", s.authed(s.outboxState))
	mux.HandleFunc("POST /api/v1/outbox/{id}/retry", s.authed(s.outboxRetry))
}

// parkedView is a parked message as the API shows it (the schema Outbox of openapi.go).
// LastTry and ParkedAt are left out when unknown: a message parked by a crvsctl that kept no
// such time.
type parkedView struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	Record    string    `json:"record,omitempty"` // the tracking ID of the record it is about
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError"`
	LastTry   time.Time `json:"lastTry,omitzero"`
	ParkedAt  time.Time `json:"parkedAt,omitzero"`
	Created   time.Time `json:"created"`
}

func (s *Server) outboxState(w http.ResponseWriter, r *http.Request, c *caller) {
	if !outbox.Administers(c.actor) {
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
		out = append(out, parkedView{m.ID, m.Kind, m.Target, outbox.RecordOf(&m), m.Attempts, m.LastError, m.LastTry, m.ParkedAt, m.Created})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": pending, "parked": parked, "parkedMessages": out})
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request, c *caller) {
	// outbox.Retry refuses anyone else (403) and writes the audit entry, as the pages' retry.
	err := outbox.Retry(r.Context(), s.Records, c.actor, r.PathValue("id"), time.Now(), s.Log)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "", "not-found", "no parked message has this id")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
