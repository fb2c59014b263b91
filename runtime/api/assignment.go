package api

import (
	"context"
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// assign assigns a record to the caller (records.Service.Assign) and answers with the record,
// its assignedTo and assignedUntil the caller's.
func (s *Server) assign(w http.ResponseWriter, r *http.Request, c *caller) {
	a, err := s.Records.Assign(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerHeld(w, r, c, a)
}

// release ends the hold on a record (the caller's, or another's for a supervisor) and answers
// with the record, held by nobody.
func (s *Server) release(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := s.Records.Release(r.Context(), c.actor, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerHeld(w, r, c, nil)
}

func (s *Server) answerHeld(w http.ResponseWriter, r *http.Request, c *caller, a *store.Assignment) {
	rec, err := s.Records.Get(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(c, rec)
	if a != nil {
		v.AssignedTo, v.AssignedUntil = a.User, &a.Until
	}
	writeJSON(w, http.StatusOK, v)
}

// withHolder sets who holds the record, and until when, in its view.
func (s *Server) withHolder(ctx context.Context, v *recordView, rec *store.Record) error {
	a, err := s.Records.Holder(ctx, rec)
	if err == nil && a != nil {
		v.AssignedTo, v.AssignedUntil = a.User, &a.Until
	}
	return err
}
