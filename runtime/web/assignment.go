package web

import (
	"errors"
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// assignmentView is what the record page says of who holds the record (see
// records.Service.Assign), and the buttons to assign it to oneself or release it.
type assignmentView struct {
	Text    string // held by whom, until when; "" when nobody holds it
	Assign  bool   // "Assign to me"
	Release bool
}

// holdOf is the record's holder, and what the page shows of it; nil when the event's records
// are not assigned.
func (s *Server) holdOf(rq *request, r *store.Record) (*store.Assignment, *assignmentView, error) {
	if !s.Records.Assignable(r.Event) {
		return nil, nil, nil
	}
	a, err := s.Records.Holder(rq.r.Context(), r)
	if err != nil {
		return nil, nil, err
	}
	v := &assignmentView{}
	me := rq.actor.User.Username
	switch {
	case a == nil:
		v.Assign = s.Records.CanAssign(rq.r.Context(), rq.actor, r)
	case a.User == me:
		v.Text = s.Catalog.Text(rq.lang, "ui.assignment.heldByYou", "until", s.when(rq.lang, a.Until))
		v.Release = true
	default:
		v.Text = s.heldText(rq, "ui.assignment.heldBy", a)
		v.Release = s.Records.Supervises(rq.actor, r.Event)
	}
	if !v.Assign && !v.Release && v.Text == "" {
		return a, nil, nil // nothing to say: the user takes no action that needs it
	}
	return a, v, nil
}

// heldText is a text of key that names the holder and the end of their hold.
func (s *Server) heldText(rq *request, key string, a *store.Assignment) string {
	name := a.User
	if u, ok := s.Records.Model.Users[a.User]; ok && u.Name != "" {
		name = u.Name
	}
	return s.Catalog.Text(rq.lang, key, "name", name, "until", s.when(rq.lang, a.Until))
}

// locked is why an action the user may take is not open to them yet: it needs the record
// assigned to them, and it is not; "" when it is open.
func (s *Server) locked(rq *request, r *store.Record, a *store.Assignment, action string) string {
	switch {
	case !s.Records.NeedsAssignment(r.Event, action):
		return ""
	case a == nil:
		return s.Catalog.Text(rq.lang, "ui.assignment.needed")
	case a.User != rq.actor.User.Username:
		return s.heldText(rq, "ui.assignment.heldBy", a)
	}
	return ""
}

// assign assigns the record to the user, from the record page's button.
func (s *Server) assign(rq *request) {
	id := rq.r.PathValue("id")
	a, err := s.Records.Assign(rq.r.Context(), rq.actor, id)
	if err == nil {
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.assignment.assigned", "until", s.when(rq.lang, a.Until)))
		http.Redirect(rq.w, rq.r, "/records/"+id, http.StatusSeeOther)
		return
	}
	if !s.holdRefused(rq, id, err) {
		s.fail(rq, err)
	}
}

// release ends the hold on the record: the user's own, or another's for a supervisor.
func (s *Server) release(rq *request) {
	id := rq.r.PathValue("id")
	err := s.Records.Release(rq.r.Context(), rq.actor, id)
	if err == nil {
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.assignment.released"))
		http.Redirect(rq.w, rq.r, "/records/"+id, http.StatusSeeOther)
		return
	}
	if !s.holdRefused(rq, id, err) {
		s.fail(rq, err)
	}
}

// holdRefused answers a refusal because of who holds the record (an action or an assignment
// while another holds it, an action not assigned, a release of another's hold) with the
// record as it is and why, not an error page; false for any other error.
func (s *Server) holdRefused(rq *request, id string, err error) bool {
	if _, _, ok := holdRefusal(err); !ok {
		return false
	}
	cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
	if gerr != nil {
		s.fail(rq, gerr)
		return true
	}
	text, status, herr := s.holdProblem(rq, cur, err)
	if herr != nil {
		s.fail(rq, herr)
		return true
	}
	s.showRecord(rq, cur, status, text)
	return true
}

// holdRefusal tells a refusal because of who holds the record: its message key and kind.
func holdRefusal(err error) (key string, kind records.Kind, ok bool) {
	var re *records.Error
	if !errors.As(err, &re) || len(re.Details) == 0 {
		return "", 0, false
	}
	switch key = re.Details[0].Key; key {
	case "ui.problem.notAssigned", "ui.problem.assignedToOther", "ui.problem.releaseOthers":
		return key, re.Kind, true
	}
	return "", 0, false
}

// holdProblem is what the user reads of a refusal holdRefusal tells, naming who holds the
// record now, and the status to answer it with.
func (s *Server) holdProblem(rq *request, r *store.Record, err error) (string, int, error) {
	key, kind, _ := holdRefusal(err)
	status := http.StatusConflict
	if kind == records.Forbidden {
		status = http.StatusForbidden
	}
	text := s.Catalog.Text(rq.lang, "ui.problem.notAssigned")
	if key != "ui.problem.notAssigned" {
		a, herr := s.Records.Holder(rq.r.Context(), r)
		if herr != nil {
			return "", 0, herr
		}
		if a != nil { // else released since: nobody holds it now
			text = s.heldText(rq, key, a)
		}
	}
	return text, status, nil
}
