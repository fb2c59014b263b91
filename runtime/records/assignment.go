package records

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Record assignment (the event's bundle.Assignment): before taking one of the actions it
// names, a user assigns the record to themselves; meanwhile the others see who holds it and
// cannot take those actions. The holder releases it, or a user of one of its releasedBy roles
// (a supervisor), or it ends by itself after its time. The current version's assignment
// applies to every record of the event, as who may act is the current version's.
//
// An assignment is kept beside the record (store.Assignment): assigning or releasing changes
// neither the record's version nor its history, so that the page another user has open is not
// made stale by it (their action is refused by the hold, with who holds it, not by a version).
// Prepare checks the hold; commit does not look again, so an action whose hold ends between
// the two is still taken: the hold is a courtesy between users, the version guards the data.

// assignmentOf is the assignment of an event's records; nil: they are not assigned.
func (s *Service) assignmentOf(event string) *bundle.Assignment {
	if ev := s.Model.Events[event]; ev != nil {
		return ev.Assignment
	}
	return nil
}

// NeedsAssignment tells whether an action on an event's records needs the record assigned to
// the user who takes it.
func (s *Service) NeedsAssignment(event, action string) bool {
	a := s.assignmentOf(event)
	return a != nil && slices.Contains(a.Actions, action)
}

// Assignable tells whether an event's records are assigned.
func (s *Service) Assignable(event string) bool { return s.assignmentOf(event) != nil }

// Holder is who holds a record now: nil when nobody does, or the hold has ended.
func (s *Service) Holder(ctx context.Context, r *store.Record) (*store.Assignment, error) {
	if s.assignmentOf(r.Event) == nil {
		return nil, nil
	}
	a, err := s.Store.Assignment(ctx, r.ID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !a.Live(s.now()) {
		return nil, nil
	}
	return a, err
}

// CanAssign tells whether the actor may assign the record to themselves: the event's records
// are assigned, and one of the actions that need it is one the actor may take on the record
// now (Available: granted, within their jurisdiction, in its status, under its condition).
func (s *Service) CanAssign(ctx context.Context, actor *Actor, r *store.Record) bool {
	asg := s.assignmentOf(r.Event)
	if asg == nil {
		return false
	}
	for _, a := range s.Available(ctx, actor, r) {
		if slices.Contains(asg.Actions, a.ID) {
			return true
		}
	}
	return false
}

// Supervises tells whether the actor may release another user's assignment of an event's
// records (within their jurisdiction): their role is one of its releasedBy.
func (s *Service) Supervises(actor *Actor, event string) bool {
	asg := s.assignmentOf(event)
	return asg != nil && slices.Contains(asg.ReleasedBy, actor.User.Role)
}

// Assign assigns a record to the actor until the event's expiresAfter from now: a record
// nobody holds, or theirs (the hold starts again), or one whose hold has ended. Held by
// another: Conflict, "assigned-to-other", naming them and until when.
func (s *Service) Assign(ctx context.Context, actor *Actor, id string) (*store.Assignment, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	asg := s.assignmentOf(r.Event)
	if asg == nil {
		return nil, refuse(BadRequest, "/id", "not-assignable", "records of event %s are not assigned", r.Event)
	}
	if !s.CanAssign(ctx, actor, r) {
		return nil, refuse(Forbidden, "/id", "forbidden", "role %s may take none of the actions %v on this %s record now: it may not assign it",
			actor.User.Role, asg.Actions, r.Status)
	}
	now := s.now()
	a, err := s.Store.Assign(ctx, r.ID, actor.User.Username, now, now.Add(asg.Expires()))
	if errors.Is(err, store.ErrConflict) {
		return nil, s.heldBy(a)
	}
	return a, err
}

// Release ends the hold on a record: the actor's own, or, for a user of one of the
// assignment's releasedBy roles, another's. Nobody holding it (or a hold that has ended) is
// nothing to release: no error.
func (s *Service) Release(ctx context.Context, actor *Actor, id string) error {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if s.assignmentOf(r.Event) == nil {
		return refuse(BadRequest, "/id", "not-assignable", "records of event %s are not assigned", r.Event)
	}
	a, err := s.Store.Assignment(ctx, r.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case a.User != actor.User.Username && !a.Live(s.now()):
		return nil // it holds nothing; whoever assigns it next takes it over
	case a.User != actor.User.Username && !s.Supervises(actor, r.Event):
		d := s.heldBy(a).Details[0]
		d.Code, d.Key = "forbidden", "ui.problem.releaseOthers"
		d.Message = "record " + r.ID + " is assigned to " + a.User + ": only they, or a supervisor, may release it"
		return &Error{Kind: Forbidden, Details: []Detail{d}}
	}
	// The hold read, and no other: one taken since (released and assigned again) stays.
	err = s.Store.Release(ctx, r.ID, a.User, false)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// releaseIfDone releases the actor's hold on a record once an action that needed it leaves
// none of the assignment's actions open to them (a correction decided): others are no longer
// told it is held. A release that fails leaves the hold to end by itself. (Actions that print
// keep the hold: none of nerovia's needs one.)
func (s *Service) releaseIfDone(ctx context.Context, actor *Actor, r *store.Record, action string) {
	if !s.NeedsAssignment(r.Event, action) || s.CanAssign(ctx, actor, r) {
		return
	}
	s.Store.Release(ctx, r.ID, actor.User.Username, false)
}

// checkAssigned refuses an action that needs the record assigned when the actor does not
// hold it (see prepare).
func (s *Service) checkAssigned(ctx context.Context, actor *Actor, r *store.Record, action string, now time.Time) error {
	if !s.NeedsAssignment(r.Event, action) {
		return nil
	}
	a, err := s.Store.Assignment(ctx, r.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil || !a.Live(now) {
		return &Error{Kind: Conflict, Details: []Detail{{Path: "/action", Code: "not-assigned", Key: "ui.problem.notAssigned",
			Message: "action " + action + " needs the record assigned to you: assign it to yourself first"}}}
	}
	if a.User != actor.User.Username {
		return s.heldBy(a)
	}
	return nil
}

// heldBy is the refusal of a record another user holds: Conflict, "assigned-to-other",
// with their name and the end of the hold in the country's time zone as Args.
func (s *Service) heldBy(a *store.Assignment) *Error {
	name := a.User
	if u, ok := s.Model.Users[a.User]; ok && u.Name != "" {
		name = u.Name
	}
	until := a.Until.In(s.Model.Loc).Format("2006-01-02 15:04")
	return &Error{Kind: Conflict, Details: []Detail{{Path: "/action", Code: "assigned-to-other", Key: "ui.problem.assignedToOther",
		Message: "the record is assigned to " + name + " (" + a.User + ") until " + until,
		Args:    map[string]string{"user": a.User, "name": name, "until": until}}}}
}
