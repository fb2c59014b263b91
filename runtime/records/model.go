// Package records is the registration workflow: declaring events, taking the package's actions
// on records, reading and searching them — each allowed only to the roles, in the
// jurisdictions, statuses and conditions the bundle gives. It knows nothing of any country:
// everything it enforces comes from the bundle. The HTTP layer (runtime/api) only translates.
package records

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

// Model is a bundle made ready to serve: forms compiled, schemas compiled, lookups indexed.
// It is read-only and shared by every request.
type Model struct {
	Bundle  *bundle.Bundle
	Loc     *time.Location
	Events  map[string]*Event
	Users   map[string]bundle.User
	Roles   map[string]*Role
	Offices map[string]bundle.Office
	// Stats makes records' statistics cells and reads the counts back into tables.
	Stats *stats.Stats
	// Texts are the bundle's translations, for pages showing its forms and records.
	Texts  *i18n.Catalog
	parent map[string]string // area -> parent area
	level  map[string]string // area -> its level
	spans  map[string]span   // area -> the days it exists, for areas that have dates (overtime.go)
}

// Event is an event of the bundle, compiled.
type Event struct {
	bundle.Event
	Form    *rules.Form
	Schema  *jsonschema.Schema
	Title   *rules.Program
	Actions map[string]*Action
	// Texts are the translations of the bundle the event is of: a record declared under an
	// older version is shown with its labels.
	Texts          *i18n.Catalog
	nameField      []string              // fields of type name: their words are searched
	areaFields     []string              // fields of type location of areas: checked in time (overtime.go)
	documentFields []string              // fields of type document: their files are checked
	checks         map[string]fieldCheck // what the JSON Schema cannot check of an answer, by field
	texts          map[string]string     // the kind of text of each field of free text (rules.FieldIR.Text)
	dup            *duplicates.Checker   // nil: the event has no duplicate rules
}

// fieldCheck is what an answer must be beyond its JSON type: a date is a day of the calendar,
// an identity number matches its pattern, a location is a place of the bundle, of the level or
// office type asked for.
type fieldCheck struct {
	date    bool // a date of the calendar: the schema's pattern lets 2026-02-30 through
	pattern *regexp.Regexp
	of      string // "area" or "office" for a location
	level   string
	types   []string
}

// Action is an action of an event, with its condition compiled.
type Action struct {
	bundle.Action
	Cond  *rules.Program // nil: none
	parts []condition
}

// condition is a part of an action's condition that has a message.
type condition struct {
	cond    *rules.Program
	message string
}

// Holds tells whether the action's condition holds (an action without one always may be taken).
func (a *Action) Holds(data map[string]any, rctx *rules.Context) bool {
	return a.Cond == nil || a.Cond.Eval(data, rctx).IsTrue()
}

// Unmet is the translation key of the message that says why the action's condition does not
// hold: the package's, of the first part that does not; "" when the package gave none.
func (a *Action) Unmet(data map[string]any, rctx *rules.Context) string {
	for _, p := range a.parts {
		if !p.cond.Eval(data, rctx).IsTrue() {
			return p.message
		}
	}
	return ""
}

// Creating tells an action that creates a record (it has no statuses to start from).
func (a *Action) Creating() bool { return len(a.From) == 0 }

// Role is a role with its grants as sets.
type Role struct {
	bundle.Role
	grants map[string]map[string]bool // event -> action -> granted
}

// Grants tells whether the role may take an action on an event's records.
func (r *Role) Grants(event, action string) bool { return r.grants[event][action] }

// Reads tells whether the role may read an event's records (within its jurisdiction): those
// it may take some action on, and those the package says it reads.
func (r *Role) Reads(event string) bool {
	return len(r.grants[event]) > 0 || slices.Contains(r.Role.Reads, event)
}

// NewModel compiles a bundle (already decoded and checked against its hash).
func NewModel(b *bundle.Bundle) (*Model, error) {
	loc, err := time.LoadLocation(b.Country.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %s: %w", b.Country.TimeZone, err)
	}
	m := &Model{Bundle: b, Loc: loc, Events: map[string]*Event{}, Users: map[string]bundle.User{},
		Roles: map[string]*Role{}, Offices: map[string]bundle.Office{}, parent: map[string]string{}, level: map[string]string{}}
	for _, a := range b.Areas {
		m.parent[a.Code] = a.Parent
		m.level[a.Code] = a.Level
	}
	m.spans = areaSpans(b)
	for _, o := range b.Offices {
		m.Offices[o.Code] = o
	}
	for _, u := range b.Users {
		m.Users[u.Username] = u
	}
	for _, r := range b.Roles {
		role := &Role{Role: r, grants: map[string]map[string]bool{}}
		for ev, actions := range r.Grants {
			role.grants[ev] = map[string]bool{}
			for _, a := range actions {
				role.grants[ev][a] = true
			}
		}
		m.Roles[r.ID] = role
	}
	for _, ev := range b.Events {
		e := &Event{Event: ev, Actions: map[string]*Action{}, checks: map[string]fieldCheck{}, texts: map[string]string{}}
		for _, f := range ev.Rules.Fields {
			if f.Text != "" && f.Calc == nil {
				e.texts[f.ID] = f.Text
			}
		}
		if e.Form, err = rules.CompileForm(ev.Rules); err != nil {
			return nil, fmt.Errorf("event %s: form: %w", ev.ID, err)
		}
		if ev.Title != nil {
			if e.Title, err = rules.Compile(ev.Title); err != nil {
				return nil, fmt.Errorf("event %s: title: %w", ev.ID, err)
			}
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ev.PayloadSchema))
		if err != nil {
			return nil, fmt.Errorf("event %s: payload schema: %w", ev.ID, err)
		}
		c := jsonschema.NewCompiler()
		url := "urn:crvsctl:payload:" + ev.ID
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("event %s: payload schema: %w", ev.ID, err)
		}
		if e.Schema, err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("event %s: payload schema: %w", ev.ID, err)
		}
		for _, a := range ev.Actions {
			act := &Action{Action: a}
			if a.If != nil {
				if act.Cond, err = rules.Compile(a.If); err != nil {
					return nil, fmt.Errorf("event %s: action %s: %w", ev.ID, a.ID, err)
				}
			}
			for _, c := range a.Conditions {
				p, err := rules.Compile(c.If)
				if err != nil {
					return nil, fmt.Errorf("event %s: action %s: %w", ev.ID, a.ID, err)
				}
				act.parts = append(act.parts, condition{p, c.Message})
			}
			e.Actions[a.ID] = act
		}
		for _, p := range ev.Pages {
			for _, f := range p.Fields {
				if f.Type == "name" {
					e.nameField = append(e.nameField, f.ID)
				}
				if f.Type == "document" {
					e.documentFields = append(e.documentFields, f.ID)
				}
				if f.Pattern != "" {
					re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
					if err != nil {
						return nil, fmt.Errorf("event %s: field %s: pattern: %w", ev.ID, f.ID, err)
					}
					e.checks[f.ID] = fieldCheck{pattern: re}
				}
				if f.Type == "date" {
					e.checks[f.ID] = fieldCheck{date: true}
				}
				if f.Type == "location" {
					e.checks[f.ID] = fieldCheck{of: f.Of, level: f.Level, types: f.Types}
					if f.Of == "area" {
						e.areaFields = append(e.areaFields, f.ID)
					}
				}
			}
		}
		e.dup = duplicates.New(&e.Event, m)
		m.Events[ev.ID] = e
	}
	if m.Stats, err = stats.New(b); err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	m.setTexts(i18n.New(b.Country.Languages, b.Country.DefaultLanguage, b.Translations))
	for _, u := range b.Users {
		if _, ok := m.Roles[u.Role]; !ok {
			return nil, fmt.Errorf("user %s: no role %s", u.Username, u.Role)
		}
		if _, ok := m.Offices[u.Office]; !ok {
			return nil, fmt.Errorf("user %s: no office %s", u.Username, u.Office)
		}
	}
	return m, nil
}

// setTexts gives the model and its events the translations its pages show.
func (m *Model) setTexts(c *i18n.Catalog) {
	m.Texts = c
	for _, e := range m.Events {
		e.Texts = c
	}
}

// AreaAt is the area of a level that a place (an area, or an office: its area) is in, or "".
func (m *Model) AreaAt(place, level string) string {
	if o, ok := m.Offices[place]; ok {
		place = o.Area
	}
	for _, a := range m.AreasOf(place) {
		if m.level[a] == level {
			return a
		}
	}
	return ""
}

// AreasOf is an area and its ancestors, nearest first.
func (m *Model) AreasOf(area string) []string {
	var out []string
	for a := area; a != "" && len(out) <= len(m.parent); a = m.parent[a] {
		out = append(out, a)
	}
	return out
}

// Actor is a user acting: who they are, their role, and where they work.
type Actor struct {
	User   bundle.User
	Role   *Role
	Office bundle.Office
}

// ActorFor makes the actor of a user of the bundle.
func (m *Model) ActorFor(username string) (*Actor, bool) {
	u, ok := m.Users[username]
	if !ok {
		return nil, false
	}
	return &Actor{User: u, Role: m.Roles[u.Role], Office: m.Offices[u.Office]}, true
}

// InJurisdiction tells whether a record declared at office, in areas, is within the actor's
// jurisdiction: the actor's own office, the area of the actor's office (and every area below
// it; the nation for a national office), or the whole nation.
func (a *Actor) InJurisdiction(office string, areas []string) bool {
	switch a.Role.Jurisdiction {
	case "nation":
		return true
	case "area":
		// An office without an area is national (headquarters, an embassy): its area is the
		// nation's, as search and statistics read it.
		return a.Office.Area == "" || slices.Contains(areas, a.Office.Area)
	default:
		return office == a.Office.Code
	}
}
