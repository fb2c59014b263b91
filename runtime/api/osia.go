package api

import (
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/osia"
)

// osiaRoutes serves OSIA's Data Access and Notification interfaces (runtime/osia) under
// /osia/v1 when the server has them: authenticated as every API call (a bearer token), with
// the caller's rights.
func (s *Server) osiaRoutes(mux *http.ServeMux) {
	if s.OSIA == nil {
		return
	}
	o := s.OSIA
	mux.HandleFunc("GET /osia/v1/persons/{uin}", s.osiaAuthed(o.ReadPersonAttributes))
	mux.HandleFunc("POST /osia/v1/persons/{uin}/match", s.osiaAuthed(o.MatchPersonAttributes))
	mux.HandleFunc("POST /osia/v1/persons/{uin}/verify", s.osiaAuthed(o.VerifyPersonAttributes))
	mux.HandleFunc("GET /osia/v1/topics", s.osiaAuthed(o.ListTopics))
	mux.HandleFunc("POST /osia/v1/subscriptions", s.osiaAuthed(o.Subscribe))
	mux.HandleFunc("GET /osia/v1/subscriptions", s.osiaAuthed(o.ListSubscriptions))
	mux.HandleFunc("GET /osia/v1/subscriptions/confirm", s.osiaAuthed(o.Confirm))
	mux.HandleFunc("DELETE /osia/v1/subscriptions/{uuid}", s.osiaAuthed(o.Unsubscribe))
}

func (s *Server) osiaAuthed(h osia.Handler) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, c *caller) { h(w, r, c.actor) })
}
