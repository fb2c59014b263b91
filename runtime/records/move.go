package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/crvsctl/crvsctl/migration"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// A record stays on the version of the package it was declared under until an action that
// edits its declaration runs (a correction asked for, a registrar's fix), or crvsctl migrate
// moves it: its answers then go through the mapping of each version the store kept after its
// own, in the order they were served (package migration), and must meet the current form as
// a declaration would. A record that cannot move (a new required field with no default, an
// answer the mapping does not place) stays on its version, and its page says why.

// Moved is what a record's history keeps of its move to another version (in the entry of the
// action that moved it, under "moved" in Details).
type Moved struct {
	From       string `json:"from"` // the version it was at
	FromBundle string `json:"fromBundle"`
	To         string `json:"to"`
	ToBundle   string `json:"toBundle"`
	// Changes are the answers the mapping changed: a field renamed is one taken away and
	// one given.
	Changes []store.Change `json:"changes,omitempty"`
}

type movedDetails struct {
	Moved *Moved `json:"moved"`
}

// MovedOf is the move a history entry records, if it is one.
func MovedOf(e store.Entry) (Moved, bool) {
	var d movedDetails
	if len(e.Details) == 0 || json.Unmarshal(e.Details, &d) != nil || d.Moved == nil {
		return Moved{}, false
	}
	return *d.Moved, true
}

// move is a record's answers moved from its version to the current one, checked against the
// current form, with what the history keeps of it; or why it cannot move (an *Error of
// Conflict, its details the problems, that the record's page shows).
func (s *Service) move(ctx context.Context, r *store.Record, from *Version, rctx *rules.Context) (map[string]any, *Moved, error) {
	cur := s.current()
	target := cur.Model.Events[r.Event]
	if target == nil {
		return nil, nil, refuse(Conflict, "/event", "cannot-move", "event %s is not in version %s", r.Event, cur.Model.Bundle.Version)
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, nil, fmt.Errorf("record %s: stored data: %w", r.ID, err)
	}
	before := maps.Clone(data)
	steps, err := s.versionsAfter(ctx, r.Bundle)
	if err != nil {
		return nil, nil, err
	}
	prev := from.Model.Events[r.Event]
	for _, v := range steps {
		next := v.Model.Events[r.Event]
		if next == nil {
			return nil, nil, refuse(Conflict, "/event", "cannot-move", "event %s is not in version %s", r.Event, v.Model.Bundle.Version)
		}
		moved, err := migration.Move(&prev.Event, &next.Event, data)
		if merr := (*migration.Error)(nil); errors.As(err, &merr) {
			out := &Error{Kind: Conflict}
			for _, p := range merr.Problems {
				out.Details = append(out.Details, Detail{Path: "/data/" + p.Field, Code: "cannot-move",
					Message: fmt.Sprintf("version %s: %s", v.Model.Bundle.Version, p.Message)})
			}
			return nil, nil, out
		}
		if err != nil {
			return nil, nil, err
		}
		data, prev = moved, next
	}
	raw, _ := json.Marshal(data)
	checked, verr := s.validate(target, raw)
	if verr != nil {
		return nil, nil, s.withRules(target, verr, checked, checked, rctx)
	}
	if err := s.evaluate(target, checked, maps.Clone(checked), rctx); err != nil {
		err.Kind = Conflict
		return nil, nil, err
	}
	return checked, &Moved{From: from.Model.Bundle.Version, FromBundle: from.Model.Bundle.Hash,
		To: cur.Model.Bundle.Version, ToBundle: cur.Model.Bundle.Hash, Changes: changes(before, checked)}, nil
}

// moved makes next the record moved to the current version with data, its answers there, and
// records the move in entry: what the store indexes of the record follows its new answers.
func (s *Service) moved(next *store.Record, entry *store.Entry, ev *Event, data map[string]any, m *Moved, rctx *rules.Context) {
	next.Bundle = s.Model.Bundle.Hash
	next.Data, _ = json.Marshal(data)
	s.describe(ev, next, data, rctx)
	next.Keys = s.keysOf(next, data, next.Keys)
	next.Documents = withDocuments(next.Documents, ev, data)
	entry.Details = withDetails(entry.Details, movedDetails{m})
}

// versionsAfter are the versions the store kept after the one with the hash, in the order they
// were served, up to the current one (which ends the list). A hash the store does not list
// (a store that kept no bundles when the record was declared) goes straight to the current.
func (s *Service) versionsAfter(ctx context.Context, hash string) ([]*Version, error) {
	hashes, err := s.Versions.after(ctx, hash)
	if err != nil {
		return nil, err
	}
	out := make([]*Version, 0, len(hashes))
	for _, h := range hashes {
		v, err := s.Versions.Get(ctx, h)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Movable says whether a record of an older version would move to the current one with the
// next action that edits it, and if not, why (the problems, in the words of Detail). ok is
// true for a record already at the current version.
func (s *Service) Movable(ctx context.Context, actor *Actor, r *store.Record) (ok bool, why []Detail, err error) {
	ver, err := s.VersionOf(ctx, r)
	if err != nil || ver.Model == s.Model {
		return err == nil, nil, err
	}
	_, _, err = s.move(ctx, r, ver, s.RuleContext(actor, r))
	var re *Error
	if errors.As(err, &re) {
		return false, re.Details, nil
	}
	return err == nil, nil, err
}

// MoveAction is the history entry of a record moved by crvsctl migrate rather than by an
// action of the package.
const MoveAction = "version.moved"

// Move moves a record of an older version to the current one (crvsctl migrate), in an entry of
// its own by user, when it can; when it cannot, it stays and why says why. A record already
// at the current version is left as it is (moved false, why nil).
func (s *Service) Move(ctx context.Context, id, user string) (moved bool, why []Detail, err error) {
	r, err := s.Store.Record(ctx, id)
	if err != nil {
		return false, nil, err
	}
	ver, err := s.VersionOf(ctx, r)
	if err != nil || ver.Model == s.Model {
		return false, nil, err
	}
	now := s.now()
	rctx := &rules.Context{Today: s.today(now), Status: r.Status, Flags: r.Flags}
	data, m, err := s.move(ctx, r, ver, rctx)
	var stays *Error
	if errors.As(err, &stays) {
		return false, stays.Details, nil
	}
	if err != nil {
		return false, nil, err
	}
	next := *r
	next.History = nil
	next.Version++
	next.Updated = now
	entry := store.Entry{Version: next.Version, Action: MoveAction, User: user, At: now}
	s.moved(&next, &entry, s.Model.Events[r.Event], data, m, rctx)
	s.reindex(&next, data)
	if err := s.Store.UpdateRecord(audited(ctx, user, "", &entry), &next, entry); err != nil {
		return false, nil, s.storeError(err)
	}
	return true, nil, nil
}

// Stayed is a record that could not move to the current version, and why.
type Stayed struct {
	ID  string
	Why []Detail
}

// MoveAll moves every record of an event ("" every event) of an older version to the current
// one that can move, oldest first; those that cannot stay, listed with why. A record changed
// meanwhile by someone is passed over (it is listed as stayed, to be moved again).
func (s *Service) MoveAll(ctx context.Context, event, user string) (moved int, stayed []Stayed, err error) {
	q := store.Query{Event: event, Oldest: true, Limit: 100}
	for {
		page, err := s.Store.Search(ctx, q)
		if err != nil {
			return moved, stayed, err
		}
		for _, r := range page.Records {
			if r.Bundle == s.Model.Bundle.Hash {
				continue
			}
			ok, why, err := s.Move(ctx, r.ID, user)
			var re *Error
			switch {
			case errors.As(err, &re):
				stayed = append(stayed, Stayed{ID: r.ID, Why: re.Details})
			case err != nil:
				return moved, stayed, err
			case ok:
				moved++
			case why != nil:
				stayed = append(stayed, Stayed{ID: r.ID, Why: why})
			}
		}
		if page.Next == "" {
			return moved, stayed, nil
		}
		q.After = page.Next
	}
}

// Editing is the form an action that edits a record is taken on, and the record's answers on
// it: the current version's, with the answers moved, when the action moves the record (see
// prepare); else the record's own version's. What an edit sends is in the terms of this form.
func (s *Service) Editing(ctx context.Context, actor *Actor, r *store.Record, action string) (*Event, map[string]any, error) {
	ev, ver, err := s.EventOf(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, nil, fmt.Errorf("record %s: stored data: %w", r.ID, err)
	}
	cur := s.Model.Events[r.Event]
	if a := ev.Actions[action]; ver.Model == s.Model || a == nil || a.Edits == "" || cur == nil || cur.Actions[action] == nil {
		return ev, data, nil
	}
	moved, _, err := s.move(ctx, r, ver, s.RuleContext(actor, r))
	var stays *Error
	if errors.As(err, &stays) {
		return ev, data, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return cur, moved, nil
}
