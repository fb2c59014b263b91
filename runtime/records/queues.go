package records

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// workflowOrder sorts an event's actions as its workflow runs: by the first status (in the
// package's order of statuses) each is taken from, then by the status it leads to (an action
// that changes no status after those that do), then by id. The package's own order of its
// actions would be the better last key, but the bundle does not keep it: the compiler
// decodes the workflow's actions into a map and lists them by id (compiler/build.go), so
// the statuses' order, which the bundle keeps, is the order queues come in, and the id only
// breaks the ties between actions from and to the same statuses.
func workflowOrder(statuses []string, actions []*Action) {
	pos := func(s string) int {
		if i := slices.Index(statuses, s); i >= 0 {
			return i
		}
		return len(statuses)
	}
	from := func(a *Action) int {
		m := len(statuses) + 1
		for _, f := range a.From {
			m = min(m, pos(f))
		}
		return m
	}
	to := func(a *Action) int {
		if a.To == "" {
			return len(statuses) + 1
		}
		return pos(a.To)
	}
	slices.SortStableFunc(actions, func(a, b *Action) int {
		return cmp.Or(cmp.Compare(from(a), from(b)), cmp.Compare(to(a), to(b)), cmp.Compare(a.ID, b.ID))
	})
}

// ordered is an event's actions in workflow order (see workflowOrder).
func (e *Event) ordered() []*Action {
	var statuses []string
	for _, s := range e.Statuses {
		statuses = append(statuses, s.ID)
	}
	var out []*Action
	for _, a := range e.Event.Actions {
		out = append(out, e.Actions[a.ID])
	}
	workflowOrder(statuses, out)
	return out
}

// QueueCount counts a queue's records, up to max: more tells there are more than max.
// It reads the queue as QueueRecords does, the action's condition included.
func (s *Service) QueueCount(ctx context.Context, actor *Actor, event, action string, max int) (n int, more bool, err error) {
	after := ""
	for {
		p, err := s.QueueRecords(ctx, actor, event, action, after, 100)
		if err != nil {
			return 0, false, err
		}
		n += len(p.Records)
		if n > max {
			return max, true, nil
		}
		if p.Next == "" {
			return n, false, nil
		}
		after = p.Next
	}
}

// sentScan is how many of its office's latest records SentBy looks through.
const sentScan = 500

// SentBy is the records the actor declared, newest first, at most limit: among the latest
// records of the actor's office (a declaration is the office's where it was made), those
// the actor created.
func (s *Service) SentBy(ctx context.Context, actor *Actor, limit int) ([]store.Record, error) {
	q := store.Query{Office: actor.Office.Code, Limit: 100}
	if !s.limit(actor, &q) {
		return nil, nil
	}
	var out []store.Record
	for seen := 0; seen < sentScan; {
		p, err := s.Store.Search(ctx, q)
		if err != nil {
			return nil, searchError(err)
		}
		for _, r := range p.Records {
			if r.CreatedBy == actor.User.Username && actor.Role.Reads(r.Event) {
				out = append(out, r)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		seen += len(p.Records)
		if p.Next == "" || len(p.Records) == 0 {
			break
		}
		q.After = p.Next
	}
	return out, nil
}

// Wait is an action a record waits for that the actor cannot take: the roles whose users
// may take it, as the bundle's grants, jurisdictions and the action's condition say.
type Wait struct {
	Action *Action
	Roles  []*Role // in the bundle's order
	// Why is the translation key of why the actor may not take it though their role grants
	// it: the package's message for the part of its condition that fails for them ("" if none).
	Why string
}

// Waiting is what a record waits for from others: the actions its status leads to that the
// actor cannot take now and some other user of the bundle can. Actions taken only as an
// exception (those needing a reason: a rejection, a revocation) are not waited for, nor the
// dismissal of a duplicate (the same decision as its confirmation).
func (s *Service) Waiting(ctx context.Context, actor *Actor, r *store.Record) []Wait {
	ev, _, err := s.EventOf(ctx, r)
	if err != nil {
		return nil
	}
	var data map[string]any
	if json.Unmarshal(r.Data, &data) != nil {
		return nil
	}
	mine := map[string]bool{}
	for _, a := range s.Available(ctx, actor, r) {
		mine[a.ID] = true
	}
	var out []Wait
	for _, a := range ev.ordered() {
		if a.Creating() || mine[a.ID] || a.CommentRequired || !slices.Contains(a.From, r.Status) {
			continue
		}
		if d := ev.Duplicates; d != nil && a.ID == d.Dismiss {
			continue
		}
		var roles []*Role
		for _, u := range s.Model.Bundle.Users {
			other, ok := s.Model.ActorFor(u.Username)
			if !ok || u.Username == actor.User.Username || slices.Contains(roles, other.Role) ||
				!other.Role.Grants(r.Event, a.ID) || !other.InJurisdiction(r.Office, r.Areas) {
				continue
			}
			if a.Cond != nil {
				rctx := &rules.Context{Today: s.today(s.now()), Status: r.Status, Flags: r.Flags, Role: u.Role, Office: other.Office.Code, Area: other.Office.Area}
				if !a.Cond.Eval(data, rctx).IsTrue() {
					continue
				}
			}
			roles = append(roles, other.Role)
		}
		if len(roles) > 0 {
			// In the bundle's order of roles, whatever the order of its users.
			slices.SortStableFunc(roles, func(x, y *Role) int {
				return cmp.Compare(s.roleIndex(x.ID), s.roleIndex(y.ID))
			})
			w := Wait{Action: a, Roles: roles}
			if actor.Role.Grants(r.Event, a.ID) {
				w.Why = a.Unmet(data, s.RuleContext(actor, r))
			}
			out = append(out, w)
		}
	}
	return out
}

func (s *Service) roleIndex(id string) int {
	return slices.IndexFunc(s.Model.Bundle.Roles, func(r bundle.Role) bool { return r.ID == id })
}
