package records

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"maps"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// printer writes JSON Schema errors in English: they concern the shape of a request, which
// integrators read, not registrars.
var printer = message.NewPrinter(language.English)

// Search finds records within the actor's jurisdiction, of the events the actor may read.
// q's Name is free text, normalised here; the records whose names match it but for one typo
// come after those that match it (store.SearchNames). A tracking ID and a registration number
// match whatever their case and the spaces around them.
func (s *Service) Search(ctx context.Context, actor *Actor, q store.Query, name string) (store.Page, error) {
	q.Name = store.NameKeys(name)
	if q.ID != "" {
		q.ID = TrackingID(q.ID)
	}
	if q.Number != "" {
		q.Number = s.Model.Number(q.Number)
	}
	if q.Event != "" && !actor.Role.Reads(q.Event) {
		return store.Page{}, nil
	}
	if !s.limit(actor, &q) {
		return store.Page{}, nil
	}
	p, err := store.SearchNames(ctx, s.Store.Search, q)
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
	// A record that waits for a hook's system takes no action until it answers.
	for _, h := range ev.Hooks {
		if h.Waiting != "" && !slices.Contains(q.NoFlags, h.Waiting) {
			q.NoFlags = append(slices.Clip(q.NoFlags), h.Waiting)
		}
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

// TrackingID is a tracking ID as typed (lower case, spaces around it, an O for a 0 or an I or L
// for a 1: letters the alphabet leaves out as they read as these digits, as Crockford's base
// 32) written as drawn.
func TrackingID(typed string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'O':
			return '0'
		case 'I', 'L':
			return '1'
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(typed)))
}

// IsTrackingID tells whether typed reads as a tracking ID (see TrackingID).
func IsTrackingID(typed string) bool {
	id := TrackingID(typed)
	return len(id) == 10 && strings.Trim(id, trackingAlphabet) == ""
}

// Number is a registration number as typed (any case, spaces around it) written as the
// package's format writes it: its literal parts, the event's id and the office's and area's
// codes as the bundle spells them. A text no format reads is only trimmed.
func (m *Model) Number(typed string) string {
	typed = strings.TrimSpace(typed)
	for _, ev := range m.Bundle.Events {
		if ev.Numbering.Format == "" {
			continue
		}
		if n, ok := m.numberIn(ev.Numbering.Format, ev.ID, typed); ok {
			return n
		}
	}
	return typed
}

// numberIn reads typed as a number of format, of event: the number as written, or false.
func (m *Model) numberIn(format, event, typed string) (string, bool) {
	// The format as a pattern ignoring case: one group per part.
	var pattern strings.Builder
	pattern.WriteString("(?i)^")
	var parts []string // the parts in order: a part's name, or "" for literal text
	var literals []string
	last := 0
	for _, loc := range numberPart.FindAllStringSubmatchIndex(format, -1) {
		lit := format[last:loc[0]]
		pattern.WriteString("(" + regexp.QuoteMeta(lit) + ")")
		parts, literals = append(parts, ""), append(literals, lit)
		name := format[loc[2]:loc[3]]
		switch name {
		case "event":
			pattern.WriteString("(" + regexp.QuoteMeta(event) + ")")
		case "year", "seq":
			pattern.WriteString("([0-9]+)")
		case "office":
			pattern.WriteString("(" + alternatives(maps.Keys(m.Offices)) + ")")
		case "area":
			pattern.WriteString("(" + alternatives(maps.Keys(m.level)) + ")")
		}
		parts, literals = append(parts, name), append(literals, "")
		last = loc[1]
	}
	pattern.WriteString("(" + regexp.QuoteMeta(format[last:]) + ")$")
	parts, literals = append(parts, ""), append(literals, format[last:])
	re, err := regexp.Compile(pattern.String())
	if err != nil {
		return "", false
	}
	match := re.FindStringSubmatch(typed)
	if match == nil {
		return "", false
	}
	var out strings.Builder
	for i, part := range parts {
		v := match[i+1]
		switch part {
		case "":
			v = literals[i]
		case "event":
			v = event
		case "office":
			if v = m.code(v, true); v == "" {
				return "", false
			}
		case "area":
			if v = m.code(v, false); v == "" {
				return "", false
			}
		}
		out.WriteString(v)
	}
	return out.String(), true
}

// code is the code of an office (or an area) as the bundle writes it, whatever the case of
// typed, or "".
func (m *Model) code(typed string, office bool) string {
	if office {
		for c := range m.Offices {
			if strings.EqualFold(c, typed) {
				return c
			}
		}
		return ""
	}
	for c := range m.level {
		if strings.EqualFold(c, typed) {
			return c
		}
	}
	return ""
}

// alternatives is a pattern of any of codes, the longest first.
func alternatives(codes iter.Seq[string]) string {
	quoted := slices.SortedFunc(codes, func(a, b string) int { return len(b) - len(a) })
	for i, c := range quoted {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return strings.Join(quoted, "|")
}

// titleWords are the words a record is found by with a typo: its title's (the person it is
// about, such as the child), not every name it holds — the mother's, the father's, the
// informant's words would each add their neighbourhood of keys to every declaration (some 60
// keys a birth, half again the cost of storing it) for searches that name the person.
func titleWords(r *store.Record) []string { return store.NameKeys(r.Title) }
