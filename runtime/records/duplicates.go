package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Possible duplicates: when an action the event's duplicate rules name (Duplicates.On) is
// taken, the record is compared with the records that share a key with it (an index read of
// the store), and each that matches by a rule is a candidate. Candidates raise the package's
// flag, and the action's history entry lists them: {"duplicates": [candidate...]}. The
// package's conditions say what the flag blocks; its confirm action marks the record a
// duplicate of one candidate, its dismiss action says it is none of them, and both clear the
// flag.

// Candidate is a record that may be the same event as another, as the history keeps it: its
// office and areas are kept with it so that a page tells, without reading it, whether the
// user may see it.
type Candidate struct {
	Record string   `json:"record"`
	Rule   string   `json:"rule"`
	Office string   `json:"office,omitempty"`
	Areas  []string `json:"areas,omitempty"`
	// Outside: the record is outside the jurisdiction of the user reading (Record, Office
	// and Areas are then not shown).
	Outside bool `json:"outside,omitempty"`
}

// DuplicateDetails are what the entries of duplicates hold in their Details.
type DuplicateDetails struct {
	Duplicates    []Candidate `json:"duplicates,omitempty"`    // found by the action
	DuplicateOf   *Candidate  `json:"duplicateOf,omitempty"`   // confirmed: the record is a duplicate of this one
	NotDuplicates []Candidate `json:"notDuplicates,omitempty"` // dismissed: these are other events
}

// maxCandidates bounds what one check reads: a rule whose keys find more than this many
// records narrows too little (the compiler refuses rules with no narrowing matcher, not rules
// with a weak one), and the check stops there rather than read the register.
const maxCandidates = 2000

// findDuplicates is the records rec may be the same event as, by the event's rules (ev is the
// event as the version served has it; rec's answers are in its terms, and so are each
// candidate's): rec itself, records already marked duplicates and pairs reviewed as distinct
// excluded. self is rec's tracking ID ("" for a new declaration), keys the links rec holds.
func (s *Service) findDuplicates(ctx context.Context, ev *Event, rec *duplicates.Record, self string, links []string) ([]Candidate, error) {
	lookup := ev.dup.Lookup(rec)
	var found []Candidate
	seen := map[string]bool{}
	read := 0
	for len(lookup) > 0 && read < maxCandidates {
		chunk := lookup[:min(len(lookup), store.MaxQueryKeys)]
		lookup = lookup[len(chunk):]
		q := store.Query{Event: ev.ID, Keys: chunk, Limit: 100}
		for read < maxCandidates {
			page, err := s.Store.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, c := range page.Records {
				read++
				if c.ID == self || seen[c.ID] || slices.Contains(links, duplicates.Distinct+c.ID) ||
					(self != "" && slices.Contains(c.Keys, duplicates.Distinct+self)) || hasPrefix(c.Keys, duplicates.DuplicateOf) {
					continue
				}
				seen[c.ID] = true
				data, err := s.candidateAnswers(ctx, ev, &c)
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					continue
				}
				if rule, ok := ev.dup.Match(rec, duplicates.Prepare(c.ID, data)); ok {
					found = append(found, Candidate{Record: c.ID, Rule: rule, Office: c.Office, Areas: c.Areas})
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	slices.SortFunc(found, func(a, b Candidate) int { return strings.Compare(a.Record, b.Record) })
	return found, nil
}

// FindDuplicates is the records a declaration of an event (its data as stored) may be the
// same event as, by the event's rules, wherever they are: what an action that runs the rules
// finds. For measuring, and for tools; it reads the store, never writes it.
func (s *Service) FindDuplicates(ctx context.Context, event string, data map[string]any) ([]Candidate, error) {
	ev := s.Model.Events[event]
	if ev == nil || ev.dup == nil {
		return nil, nil
	}
	return s.findDuplicates(ctx, ev, duplicates.Prepare("", data), "", nil)
}

// Rekey gives every record of an event the keys the served bundle's duplicate rules make of
// it and those that find its names with a typo (store.FuzzyKeys), and the statistics cells its
// statistics make of it — whatever version the record is at, its answers read in the served
// version's terms (index.go) — where it holds others: records stored
// before the event had rules (or statistics), or under rules whose blocks were other (a field
// renamed, a matcher added), would otherwise never be found as candidates, or counted, and a
// country would lose deduplication or statistics without a word. A record keeps its links,
// and a record marked a duplicate keeps only them. Only the records whose keys and cells
// another version made, or another way of making them (store.Record.IndexedBy), are read —
// none, when serve starts again with the version it served — a page at a time, oldest
// first, and each is stamped with this version's; one changed meanwhile is passed over (the
// action that changed it wrote its keys and cells). Returns how many records were read, and
// how many got new keys or cells.
func (s *Service) Rekey(ctx context.Context, event string) (read, changed int, err error) {
	cur := s.Model.Events[event]
	if cur == nil || (cur.dup == nil && cur.Statistics == nil && len(cur.nameField) == 0) {
		return 0, 0, nil
	}
	stamp := s.indexStamp()
	q := store.Query{Event: event, NotIndexedBy: stamp, Oldest: true, Limit: 100}
	for {
		page, err := s.Store.Search(ctx, q)
		if err != nil {
			return read, changed, err
		}
		// A page's records are indexed one after the other, and written all at once: the
		// store commits writes that wait together in one transaction (SQLite's committer), so
		// stamping a register a new version serves costs a commit a page, not one a record.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed error
		for _, r := range page.Records {
			read++
			keys, counted, err := s.index(ctx, cur, &r)
			if err != nil {
				if ctx.Err() != nil {
					wg.Wait()
					return read, changed, ctx.Err()
				}
				continue
			}
			same := slices.Equal(sortedCopy(keys), sortedCopy(r.Keys)) && slices.Equal(sortedCopy(counted), sortedCopy(r.Stats))
			wg.Go(func() {
				err := s.Store.SetIndex(ctx, r.ID, r.Version, keys, counted, stamp)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
				case err != nil:
					failed = err
				case !same:
					changed++
				}
			})
		}
		wg.Wait()
		if failed != nil {
			return read, changed, failed
		}
		if page.Next == "" {
			return read, changed, nil
		}
		q.After = page.Next
	}
}

// index is the keys and statistics cells a stored record should hold by the version served
// (cur, its event there): those an action would give it now. Only what they need of its
// answers is decoded: a record of the version served not counted is read for the answers the
// duplicate rules read.
func (s *Service) index(ctx context.Context, cur *Event, r *store.Record) (keys, counted []string, err error) {
	ver, err := s.VersionOf(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	counts := cur.Statistics != nil && (r.Number != "" || !r.Registered.IsZero())
	var data map[string]any
	switch {
	case ver.Model == s.Model && !counts && cur.dup != nil:
		data, err = cur.dup.Decode(r.Data)
	case ver.Model == s.Model && !counts:
		// Only the title's words are read.
	default:
		if err = json.Unmarshal(r.Data, &data); err == nil {
			data, err = s.inCurrentTerms(ctx, r.Event, ver, data)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return s.keysOf(r, data, r.Keys), cells(s.Model, r, data), nil
}

func sortedCopy(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return out
}

func hasPrefix(keys []string, prefix string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, prefix) })
}

// dupKeys are the keys a record with data is stored with: its rules' keys and the links it
// already holds.
func (ev *Event) dupKeys(id string, data map[string]any, old []string) []string {
	if ev.dup == nil {
		return nil
	}
	keys := append(ev.dup.Keys(duplicates.Prepare(id, data)), duplicates.Links(old)...)
	if len(keys) > store.MaxRecordKeys {
		keys = keys[:store.MaxRecordKeys] // rules' keys are sorted hashes: what is kept is arbitrary but stable
	}
	return keys
}

// runsDuplicates tells whether an action compares the record with the register.
func (ev *Event) runsDuplicates(action string) bool {
	return ev.dup != nil && slices.Contains(ev.Duplicates.On, action)
}

// withDetails adds details (of duplicates, of a move) to an entry's (a print's, say).
func withDetails(raw json.RawMessage, d any) json.RawMessage {
	out := map[string]any{}
	if len(raw) > 0 {
		json.Unmarshal(raw, &out)
	}
	b, _ := json.Marshal(d)
	var add map[string]any
	json.Unmarshal(b, &add)
	for k, v := range add {
		out[k] = v
	}
	merged, _ := json.Marshal(out)
	return merged
}

// DuplicatesIn is what a history entry says of possible duplicates, if anything.
func DuplicatesIn(e store.Entry) (DuplicateDetails, bool) {
	var d DuplicateDetails
	if len(e.Details) == 0 || json.Unmarshal(e.Details, &d) != nil {
		return d, false
	}
	return d, d.Duplicates != nil || d.DuplicateOf != nil || d.NotDuplicates != nil
}

// openCandidates are the candidates of the last check that found some, unless a review
// decided them since: what a reviewer decides about now.
func openCandidates(r *store.Record) []Candidate {
	for i := len(r.History) - 1; i >= 0; i-- {
		d, ok := DuplicatesIn(r.History[i])
		switch {
		case !ok:
		case d.DuplicateOf != nil || d.NotDuplicates != nil:
			return nil
		case d.Duplicates != nil:
			return d.Duplicates
		}
	}
	return nil
}

// duplicateFound is the refusal of an action that found possible duplicates whose flag
// blocks it: the record is kept flagged for review, as the history says.
func (s *Service) duplicateFound(actor *Actor, ev *Event, action string, found []Candidate) *Error {
	out := &Error{Kind: Conflict}
	for _, c := range found {
		d := Detail{Path: "/action", Code: "possible-duplicate"}
		if actor.InJurisdiction(c.Office, c.Areas) {
			d.Message = fmt.Sprintf("%s was not taken: record %s may be the same event (rule %s); a reviewer decides", action, c.Record, c.Rule)
		} else {
			d.Message = fmt.Sprintf("%s was not taken: a possible duplicate outside your jurisdiction was found (rule %s); %s decides", action, c.Rule, whoReviews(s.reviewers(ev, c)))
		}
		out.Details = append(out.Details, d)
	}
	return out
}

// Reviewer is who may review a possible duplicate: a role, at an office.
type Reviewer struct{ Role, Office string }

// reviewers are who may review a possible duplicate: the roles granted the event's confirm
// action whose users' jurisdiction holds the candidate, each with an office of such a user (a
// few: enough to know whom to ask).
func (s *Service) reviewers(ev *Event, c Candidate) []Reviewer {
	var out []Reviewer
	for _, u := range s.Model.Bundle.Users {
		actor, _ := s.Model.ActorFor(u.Username)
		if !actor.Role.Grants(ev.ID, ev.Duplicates.Confirm) || !actor.InJurisdiction(c.Office, c.Areas) ||
			slices.ContainsFunc(out, func(r Reviewer) bool { return r.Role == u.Role }) {
			continue
		}
		out = append(out, Reviewer{Role: u.Role, Office: u.Office})
	}
	return out
}

// whoReviews says who may review, in the messages of the API.
func whoReviews(rs []Reviewer) string {
	if len(rs) == 0 {
		return "no user of this register"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("a %s (at office %s)", r.Role, r.Office))
	}
	return strings.Join(parts, " or ")
}

// checkDuplicates runs an action's duplicate check on the record as the action leaves it
// (data, its answers at version ver): the candidates found raise the flag (in next.Flags: the
// caller lists the flags the entry adds) and are listed in the entry. blocked tells that the
// action's condition no longer holds with the flag raised. Whether the action runs the check,
// and the flag, are the record's version's (its workflow); the rules that find candidates are
// the version served's (see index.go).
func (s *Service) checkDuplicates(ctx context.Context, ev *Event, ver *Version, act *Action, next *store.Record, entry *store.Entry, data map[string]any, rctx *rules.Context) (found []Candidate, blocked bool, err error) {
	cur := s.Model.Events[ev.ID]
	if !ev.runsDuplicates(act.ID) || cur == nil || cur.dup == nil {
		return nil, false, nil
	}
	inCurrent, err := s.inCurrentTerms(ctx, ev.ID, ver, data)
	if err != nil {
		return nil, false, err
	}
	found, err = s.findDuplicates(ctx, cur, duplicates.Prepare(next.ID, inCurrent), next.ID, next.Keys)
	if err != nil || len(found) == 0 {
		return nil, false, err
	}
	next.Flags = sortedSet(next.Flags, []string{ev.Duplicates.Flag}, nil)
	entry.Details = withDetails(entry.Details, DuplicateDetails{Duplicates: found})
	if act.Cond != nil {
		c := *rctx
		c.Flags = next.Flags
		blocked = !act.Cond.Eval(data, &c).IsTrue()
	}
	return found, blocked, nil
}

// FoundAction is the history entry of a check that found possible duplicates and stopped the
// action that ran it (whose condition the flag makes fail): the record is flagged, and
// nothing else changes. Not an id a package can give an action (it holds a dot).
const FoundAction = "duplicates.found"

// flagFound stores what a check that blocked its action found: the flag and the candidates,
// on the record as it was.
func (s *Service) flagFound(ctx context.Context, actor *Actor, ev *Event, r *store.Record, found []Candidate, now time.Time) error {
	flagged := *r
	flagged.History = nil
	flagged.Version++
	flagged.Updated = now
	flagged.Flags = sortedSet(r.Flags, []string{ev.Duplicates.Flag}, nil)
	e := store.Entry{Version: flagged.Version, Action: FoundAction, User: actor.User.Username, Role: actor.User.Role,
		Office: actor.Office.Code, At: now, AddFlags: added(r.Flags, flagged.Flags), Details: withDetails(nil, DuplicateDetails{Duplicates: found})}
	return s.storeError(s.Store.UpdateRecord(s.auditedBy(ctx, actor, &e), &flagged, e))
}

// review is the confirm or dismiss action's part: the candidate chosen (confirm) or all of
// them (dismiss), each within the reviewer's jurisdiction; the record's links and entry
// record the decision, and the flag is cleared.
func (s *Service) review(actor *Actor, ev *Event, act *Action, r, next *store.Record, entry *store.Entry, duplicateOf string) error {
	open := openCandidates(r)
	if len(open) == 0 || !slices.Contains(r.Flags, ev.Duplicates.Flag) {
		return refuse(Conflict, "/action", "no-duplicates", "record %s has no possible duplicate to review", r.ID)
	}
	outside := func(c Candidate) error {
		return refuse(Forbidden, "/duplicateOf", "outside-jurisdiction",
			"a possible duplicate of this record is outside your jurisdiction: %s decides", whoReviews(s.reviewers(ev, c)))
	}
	links := duplicates.Links(r.Keys)
	d := DuplicateDetails{}
	if act.ID == ev.Duplicates.Confirm {
		if duplicateOf == "" {
			return refuse(BadRequest, "/duplicateOf", "required", "say which record this one is a duplicate of (duplicateOf)")
		}
		i := slices.IndexFunc(open, func(c Candidate) bool { return c.Record == duplicateOf })
		if i < 0 {
			return refuse(BadRequest, "/duplicateOf", "not-a-candidate", "record %s is not one of this record's possible duplicates", duplicateOf)
		}
		if !actor.InJurisdiction(open[i].Office, open[i].Areas) {
			return outside(open[i])
		}
		// A duplicate keeps only its links: it is never found as a candidate again, and the
		// original finds it by its link.
		next.Keys = store.WithFuzzyKeys(append(links, duplicates.DuplicateOf+duplicateOf), titleWords(next))
		d.DuplicateOf = &open[i]
	} else {
		if duplicateOf != "" {
			return refuse(BadRequest, "/duplicateOf", "not-allowed", "action %s says the record is none of its possible duplicates: send no duplicateOf", act.ID)
		}
		for _, c := range open {
			if !actor.InJurisdiction(c.Office, c.Areas) {
				return outside(c)
			}
			next.Keys = append(next.Keys, duplicates.Distinct+c.Record)
		}
		slices.Sort(next.Keys)
		next.Keys = slices.Compact(next.Keys)
		d.NotDuplicates = open
	}
	next.Flags = sortedSet(next.Flags, nil, []string{ev.Duplicates.Flag})
	entry.Details = withDetails(entry.Details, d)
	return nil
}

// reviews tells an action that decides about possible duplicates.
func (ev *Event) reviews(action string) bool {
	return ev.Duplicates != nil && (action == ev.Duplicates.Confirm || action == ev.Duplicates.Dismiss)
}

// Redact is a record's history as the actor may read it: the possible duplicates outside the
// actor's jurisdiction are said to be there, not named.
func (s *Service) Redact(actor *Actor, history []store.Entry) []store.Entry {
	out := slices.Clone(history)
	for i, e := range out {
		var d DuplicateDetails
		if len(e.Details) == 0 || json.Unmarshal(e.Details, &d) != nil || (d.Duplicates == nil && d.DuplicateOf == nil && d.NotDuplicates == nil) {
			continue
		}
		hide := func(c *Candidate) {
			if !actor.InJurisdiction(c.Office, c.Areas) {
				*c = Candidate{Rule: c.Rule, Outside: true}
				return
			}
			c.Office, c.Areas = "", nil
		}
		for j := range d.Duplicates {
			hide(&d.Duplicates[j])
		}
		for j := range d.NotDuplicates {
			hide(&d.NotDuplicates[j])
		}
		if d.DuplicateOf != nil {
			hide(d.DuplicateOf)
		}
		out[i].Details = withDetails(e.Details, d)
	}
	return out
}

// ReviewItem is one possible duplicate of a record as a reviewer sees it: the record, when
// the reviewer may read it; else who may review it.
type ReviewItem struct {
	Candidate
	Record    *store.Record
	Reviewers []Reviewer
}

// Candidates are a record's open possible duplicates, for the page that compares them.
func (s *Service) Candidates(ctx context.Context, actor *Actor, r *store.Record) ([]ReviewItem, error) {
	ev := s.Model.Events[r.Event]
	if ev == nil || ev.Duplicates == nil {
		return nil, nil
	}
	var out []ReviewItem
	for _, c := range openCandidates(r) {
		item := ReviewItem{Candidate: c}
		if actor.InJurisdiction(c.Office, c.Areas) {
			rec, err := s.Get(ctx, actor, c.Record)
			if err != nil {
				if e, ok := err.(*Error); !ok || e.Kind != NotFound {
					return nil, err
				}
			}
			item.Record = rec
		}
		if item.Record == nil {
			item.Candidate = Candidate{Rule: c.Rule, Outside: true}
			item.Reviewers = s.reviewers(ev, c)
		}
		out = append(out, item)
	}
	return out, nil
}

// DuplicatesOf are the records marked duplicates of a record, that the actor may read.
func (s *Service) DuplicatesOf(ctx context.Context, actor *Actor, r *store.Record) ([]store.Record, error) {
	ev := s.Model.Events[r.Event]
	if ev == nil || ev.Duplicates == nil {
		return nil, nil
	}
	q := store.Query{Event: r.Event, Keys: []string{duplicates.DuplicateOf + r.ID}, Limit: 100}
	if !s.limit(actor, &q) {
		return nil, nil
	}
	p, err := s.Store.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return p.Records, nil
}
