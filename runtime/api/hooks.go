package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

// HookResultPath is where a system that answered 202 to an action's hook posts its result;
// {system} is its name (crvsctl serve --hook NAME=...).
const HookResultPath = "/api/v1/hooks/{system}/result"

// hookResultView is the answer to a system's result: what came of it.
type hookResultView struct {
	Record  string `json:"record"`
	Version int64  `json:"version"`
	Status  string `json:"status"`
	Outcome string `json:"outcome"` // taken, refused, failed, already
	Reason  string `json:"reason,omitempty"`
}

// hookResult takes a system's result, authenticated by its signature with the system's secret
// (Standard Webhooks' headers), not by a session: the system is no user.
func (s *Server) hookResult(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("system")
	sys := s.Records.Systems[name]
	if sys == nil {
		writeError(w, http.StatusNotFound, "/system", "not-found", "no system "+name+" is configured on this server")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return // the system went away
	}
	if len(body) > MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "", "too-large", "the request body is larger than this endpoint takes")
		return
	}
	res, ans, err := sys.ReadResult(r.Header, body, time.Now())
	if errors.Is(err, webhooksig.ErrSignature) {
		writeError(w, http.StatusUnauthorized, "", "signature", err.Error())
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "", "malformed", err.Error())
		return
	}
	actorOf := func(username string) (*records.Actor, error) {
		if s.Users != nil {
			a, _, err := s.Users.Actor(r.Context(), username)
			return a, err
		}
		if a, ok := s.Records.Model.ActorFor(username); ok {
			return a, nil
		}
		return nil, errors.New("no such user")
	}
	rec, outcome, reason, err := s.Records.HookResult(r.Context(), name, res, ans, actorOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hookResultView{Record: rec.ID, Version: rec.Version, Status: rec.Status, Outcome: string(outcome), Reason: reason})
}
