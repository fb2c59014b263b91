package records

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// printer writes JSON Schema errors in English: they concern the shape of a request, which
// integrators read, not registrars.
var printer = message.NewPrinter(language.English)

// Search finds records within the actor's jurisdiction, of the events the actor may read.
// q's Name is free text, normalised here.
func (s *Service) Search(ctx context.Context, actor *Actor, q store.Query, name string) (store.Page, error) {
	q.Name = store.NameKeys(name)
	if q.Event != "" && !actor.Role.Reads(q.Event) {
		return store.Page{}, nil
	}
	if !s.limit(actor, &q) {
		return store.Page{}, nil
	}
	p, err := s.Store.Search(ctx, q)
	if err != nil {
		return store.Page{}, searchError(err)
	}
	// Records of events the role does not read are dropped here: a role reads all events but
	// rarely, so filtering in the store would cost every search.
	p.Records = slices.DeleteFunc(p.Records, func(r store.Record) bool { return !actor.Role.Reads(r.Event) })
	return p, nil
}

// limit confines a query to the actor's jurisdiction: what is found is what the query asks
// for and the actor may see, both. It returns false when the two cannot meet (another
// office than an office role's own, an area outside an area role's): nothing is found, rather
// than the whole jurisdiction in place of what was asked for.
func (s *Service) limit(actor *Actor, q *store.Query) bool {
	switch actor.Role.Jurisdiction {
	case "nation":
	case "area":
		switch {
		case q.Area == "" || slices.Contains(s.Model.AreasOf(actor.Office.Area), q.Area):
			q.Area = actor.Office.Area // all of theirs, or theirs within a wider area asked for
		case !slices.Contains(s.Model.AreasOf(q.Area), actor.Office.Area):
			return false // an area outside theirs
		} // else an area within theirs: kept
	default:
		if q.Office != "" && q.Office != actor.Office.Code {
			return false
		}
		q.Office = actor.Office.Code
	}
	return true
}

// Queue is a work queue: the records of an event on which an action of the actor's role can be
// taken now, as far as their status and the action's condition say, oldest first.
type Queue struct {
	Event  string `json:"event"`
	Action string `json:"action"`
	Label  string `json:"label"` // the action's label key
}

// Queues lists the actor's work queues: one per action their role grants on existing records,
// event by event in the package's order, each event's in its workflow's order.
func (s *Service) Queues(actor *Actor) []Queue {
	var out []Queue
	for _, bev := range s.Model.Bundle.Events {
		ev := s.Model.Events[bev.ID]
		for _, a := range ev.ordered() {
			if len(a.From) > 0 && actor.Role.Grants(ev.ID, a.ID) {
				// Deciding about duplicates is one queue, the confirm action's: the same
				// records wait for either decision.
				if d := ev.Duplicates; d != nil && a.ID == d.Dismiss && actor.Role.Grants(ev.ID, d.Confirm) {
					continue
				}
				out = append(out, Queue{Event: ev.ID, Action: a.ID, Label: a.Label})
			}
		}
	}
	return out
}

// QueueRecords is one page of a queue.
func (s *Service) QueueRecords(ctx context.Context, actor *Actor, event, action, after string, limit int) (store.Page, error) {
	ev, ok := s.Model.Events[event]
	if !ok {
		return store.Page{}, refuse(NotFound, "/event", "unknown-event", "no event %q", event)
	}
	a, ok := ev.Actions[action]
	if !ok || a.Creating() || !actor.Role.Grants(event, action) {
		return store.Page{}, refuse(NotFound, "/action", "unknown-queue", "no queue %s for your role", action)
	}
	q := store.Query{Event: event, Statuses: a.From, Oldest: true, After: after, Limit: limit}
	// An action that applies a proposal waits for one: the flag its proposing action raised.
	if a.Applies != "" {
		q.Flags = ev.Actions[a.Applies].AddFlags
	}
	// An action that changes no status but raises flags waits for records without them: a
	// print raising "certified" leaves a queue of the records never printed.
	if a.To == "" && len(a.AddFlags) > 0 {
		q.NoFlags = a.AddFlags
	}
	// The review of possible duplicates waits for records flagged.
	if ev.reviews(action) {
		q.Flags = []string{ev.Duplicates.Flag}
	}
	if !s.limit(actor, &q) {
		return store.Page{}, nil
	}
	p, err := s.Store.Search(ctx, q)
	if err != nil {
		return store.Page{}, searchError(err)
	}
	// Records the action's condition refuses to this user are dropped here (a late birth
	// from a local registrar's register queue, every registered record without a pending
	// correction from the reject-correction queue): a condition is a rule, which the store
	// cannot query. A page may come out shorter than the limit; Next still goes on.
	if a.Cond != nil {
		rctx := &rules.Context{Today: s.today(s.now()), Role: actor.User.Role, Office: actor.Office.Code, Area: actor.Office.Area}
		p.Records = slices.DeleteFunc(p.Records, func(r store.Record) bool {
			var data map[string]any
			if json.Unmarshal(r.Data, &data) != nil {
				return false // shown, so that acting on it reports the problem
			}
			rctx.Status, rctx.Flags = r.Status, r.Flags
			return !a.Cond.Eval(data, rctx).IsTrue()
		})
	}
	return p, nil
}

// searchError is a bad cursor for the client to fix, or the store's failure for the server
// to log (its text is not the client's business).
func searchError(err error) error {
	if errors.Is(err, store.ErrBadCursor) {
		return refuse(BadRequest, "/after", "bad-cursor", "%v", err)
	}
	return err
}
