// Package breaking finds what a new version of a country package breaks for the records, the
// integrators and the users of the old one, as buf breaking does for protocol buffers: a field
// removed or retyped, an option value removed, a status records may be in removed, an action or
// a grant removed, a registration numbering that could give a number again, a language, a
// certificate or a place removed. Each change has a stable rule id (FIELD_REMOVED...), so that a
// change made on purpose can be allowed by its id.
package breaking

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/internal/suggest"
	"github.com/crvsctl/crvsctl/migration"
)

// The rules, by id. Their ids are part of crvsctl's interface: never renamed.
var Rules = []Rule{
	{"EVENT_REMOVED", "an event of the old version is not in the new one: its records have no form"},
	{"FIELD_REMOVED", "a field of the old form is not in the new one: records hold answers to it"},
	{"FIELD_TYPE_CHANGED", "a field asks for another kind of answer: the answers records hold no longer fit"},
	{"FIELD_PART_REMOVED", "a part of a name or address is gone: records hold answers to it"},
	{"FIELD_NOW_REQUIRED", "an answer is required that was not: records and integrators' declarations without it are refused"},
	{"FIELD_NARROWED", "a number's bounds or an identity number's pattern changed: answers records hold may not fit"},
	{"OPTION_REMOVED", "a value of a choice is gone: records hold it"},
	{"STATUS_REMOVED", "a status records may be in is gone"},
	{"FLAG_REMOVED", "a flag records may carry is gone"},
	{"ACTION_REMOVED", "an action users and integrators take is gone"},
	{"ROLE_REMOVED", "a role users hold is gone"},
	{"GRANT_REMOVED", "a role may no longer take an action it could take"},
	{"NUMBERING_CHANGED", "the registration number's format or scope changed so that a number could be given again"},
	{"LANGUAGE_REMOVED", "a language users read is gone"},
	{"CERTIFICATE_REMOVED", "a certificate records were printed on is gone: it cannot be printed again"},
	{"AREA_REMOVED", "an area records may name is gone"},
	{"OFFICE_REMOVED", "an office records were declared at, and users work at, is gone"},
	{"MIGRATION_MISMATCH", "the new version's migration does not fit the old one: it renames or removes a field the old form does not have, maps an option the old field does not offer, or renames a field to one of another kind"},
}

// Rule is a kind of breaking change.
type Rule struct {
	ID, Why string
}

// Change is one breaking change: its rule, where it is in the new package (a path as the
// package is written: "events", "birth", "form", "pages", 2, "fields", 3; for what was removed,
// the nearest thing that is still there), what it is, and how to avoid it.
type Change struct {
	Rule string
	// Subject is the id of what changed where it is one: the status, event, office or area
	// gone, the event whose numbering changed.
	Subject string
	Path    []any
	Message string
	Fix     string
}

// Check lists what new breaks of old, in a stable order.
func Check(old, new *bundle.Bundle) []Change {
	var out []Change
	add := func(rule, fix string, path []any, format string, args ...any) {
		out = append(out, Change{Rule: rule, Path: path, Message: fmt.Sprintf(format, args...), Fix: fix})
	}

	newLangs := new.Country.Languages
	for _, l := range old.Country.Languages {
		if !slices.Contains(newLangs, l) {
			add("LANGUAGE_REMOVED", "keep it among country.languages while users read it", []any{"country", "languages"},
				"language %s is no longer one of the country's languages", l)
		}
	}

	newEvents := map[string]*bundle.Event{}
	for i := range new.Events {
		newEvents[new.Events[i].ID] = &new.Events[i]
	}
	for i := range old.Events {
		oe := &old.Events[i]
		ne := newEvents[oe.ID]
		if ne == nil {
			add("EVENT_REMOVED", "keep the event while records of it exist", []any{"events"}, "event %s is gone", oe.ID)
			out[len(out)-1].Subject = oe.ID
			continue
		}
		out = append(out, event(oe, ne)...)
	}

	newRoles := map[string]*bundle.Role{}
	for i := range new.Roles {
		newRoles[new.Roles[i].ID] = &new.Roles[i]
	}
	for _, or := range old.Roles {
		nr := newRoles[or.ID]
		if nr == nil {
			add("ROLE_REMOVED", "give its users another role, in the users sheet and, for those an administrator created or changed, on the users page; then allow ROLE_REMOVED",
				[]any{"roles"}, "role %s is gone", or.ID)
			continue
		}
		for _, ev := range slices.Sorted(maps.Keys(or.Grants)) {
			if newEvents[ev] == nil {
				continue // reported with the event
			}
			for _, a := range or.Grants[ev] {
				if !slices.Contains(nr.Grants[ev], a) && hasAction(newEvents[ev], a) {
					add("GRANT_REMOVED", "grant it again, or allow GRANT_REMOVED if the role is meant to lose it",
						[]any{"roles", or.ID, "grants", ev}, "role %s may no longer take action %s on %s records", or.ID, a, ev)
				}
			}
		}
	}

	newAreas := map[string]bool{}
	for _, a := range new.Areas {
		newAreas[a.Code] = true
	}
	for _, a := range old.Areas {
		if !newAreas[a.Code] {
			path := []any{"places", "areas"} // the sheet, or the row of the area it was in
			if a.Parent != "" && newAreas[a.Parent] {
				path = append(path, a.Parent)
			}
			add("AREA_REMOVED", "keep its row while records name it: an area split or merged away ends (validTo) and names the areas that took its place (successors)",
				path, "area %s (%s) is gone", a.Code, a.Name)
			out[len(out)-1].Subject = a.Code
		}
	}
	newOffices := map[string]bool{}
	for _, o := range new.Offices {
		newOffices[o.Code] = true
	}
	for _, o := range old.Offices {
		if !newOffices[o.Code] {
			add("OFFICE_REMOVED", "keep its row while records were declared at it and users work there",
				[]any{"places", "offices"}, "office %s (%s) is gone", o.Code, o.Name)
			out[len(out)-1].Subject = o.Code
		}
	}
	return out
}

func hasAction(ev *bundle.Event, id string) bool {
	return slices.ContainsFunc(ev.Actions, func(a bundle.Action) bool { return a.ID == id })
}

// event lists what the new version of an event breaks.
func event(oe, ne *bundle.Event) []Change {
	var out []Change
	base := []any{"events", ne.ID}
	at := func(path ...any) []any { return append(slices.Clip(base), path...) }
	add := func(rule, fix string, path []any, format string, args ...any) {
		out = append(out, Change{Rule: rule, Path: path, Message: fmt.Sprintf(format, args...), Fix: fix})
	}

	// Fields, where they are in the new form.
	fieldsOf := func(ev *bundle.Event) map[string]fieldAt {
		out := map[string]fieldAt{}
		for _, f := range orderedFields(ev) {
			out[f.f.ID] = f
		}
		return out
	}
	oldFields, newFields := fieldsOf(oe), fieldsOf(ne)
	m := ne.Migration
	if m == nil {
		m = &bundle.Migration{}
	}
	mismatch := func(subject, fix string, path []any, format string, args ...any) {
		add("MIGRATION_MISMATCH", fix, path, format, args...)
		out[len(out)-1].Subject = subject
	}
	// What the new form has that the old did not, which a field gone may have become.
	covered := map[string]bool{}
	for id := range oldFields {
		covered[id] = true
	}
	for _, to := range m.Renamed {
		covered[to] = true
	}
	for _, op := range orderedFields(oe) {
		of := op.f
		nid, renamed := m.Renamed[of.ID]
		if !renamed {
			nid = of.ID
		}
		np, ok := newFields[nid]
		switch {
		case !ok && renamed:
			mismatch(of.ID, "rename it to a field of the new form", at("migration", "renamed", of.ID),
				"field %s is renamed to %s, which is not a field of the new form", of.ID, nid)
			continue
		case !ok && slices.Contains(m.Removed, of.ID):
			continue // its answers are dropped on purpose
		case !ok:
			fix := "keep the field (it may be hidden) while records hold answers to it, or drop its answers on purpose: " + removedFix(of.ID)
			if to := becameOf(of, ne, covered); to != "" {
				fix = fmt.Sprintf("keep the field (it may be hidden) while records hold answers to it; if it is %s now, say so: migration: renamed: {%q: %q}; or drop its answers on purpose: %s",
					to, of.ID, to, removedFix(of.ID))
			}
			add("FIELD_REMOVED", fix, pageOf(oe, ne, op.page, at), "field %s of %s is gone", of.ID, ne.ID)
			continue
		}
		nf := np.f
		name := of.ID
		if renamed {
			name = of.ID + " (renamed " + nid + ")"
		}
		path := at("form", "pages", np.page, "fields", np.at)
		if !migration.Holds(nf, of) {
			if renamed {
				mismatch(of.ID, "rename it to a field of the same kind, or drop its answers on purpose: "+removedFix(of.ID)+" instead of the rename", at("migration", "renamed", of.ID),
					"field %s is renamed to %s, which asks for %s, not %s as %s did", of.ID, nid, migration.Kind(nf), migration.Kind(of), of.ID)
				continue
			}
			add("FIELD_TYPE_CHANGED", "give the new kind of answer a new field id, and keep the old field while records hold answers to it (or drop them on purpose: "+removedFix(of.ID)+")", append(path, "type"),
				"field %s asks for %s, not %s as before", of.ID, migration.Kind(nf), migration.Kind(of))
			continue
		}
		for _, part := range of.Parts {
			if !slices.Contains(nf.Parts, part) {
				add("FIELD_PART_REMOVED", "keep the part while records hold it", append(path, "parts"),
					"field %s has no part %s any more", name, part)
			}
		}
		newValues := map[string]bool{}
		for _, o := range nf.Options {
			newValues[o.Value] = true
		}
		oldValues := map[string]bool{}
		for _, o := range of.Options {
			oldValues[o.Value] = true
		}
		for _, o := range of.Options {
			if to, mapped := m.Options[nid][o.Value]; newValues[o.Value] || mapped && newValues[to] {
				continue
			}
			add("OPTION_REMOVED", fmt.Sprintf("keep the option (records hold it), or say what it becomes when records move: migration: options: {%q: {%q: %s}}",
				nid, o.Value, optionFor(o.Value, nf, oldValues)), append(path, "options"),
				"option %s of field %s is gone", o.Value, name)
		}
		// Each narrowing on its own: a field whose min and max both close in says both.
		if of.Min == nil && nf.Min != nil || of.Min != nil && nf.Min != nil && *nf.Min > *of.Min {
			add("FIELD_NARROWED", "keep the old min, or check that no record holds an answer below the new one, then allow FIELD_NARROWED", append(path, "min"),
				"field %s: its min changed from %s to %v", name, bound(of.Min), *nf.Min)
		}
		if of.Max == nil && nf.Max != nil || of.Max != nil && nf.Max != nil && *nf.Max < *of.Max {
			add("FIELD_NARROWED", "keep the old max, or check that no record holds an answer above the new one, then allow FIELD_NARROWED", append(path, "max"),
				"field %s: its max changed from %s to %v", name, bound(of.Max), *nf.Max)
		}
		if !of.Integer && nf.Integer {
			add("FIELD_NARROWED", "keep decimals allowed, or check that no record holds one, then allow FIELD_NARROWED", append(path, "integer"),
				"field %s takes whole numbers only now", name)
		}
		if of.Pattern != nf.Pattern && nf.Pattern != "" && !widens(of.Pattern, nf.Pattern) {
			fix := "check that every identity number records hold matches the new pattern, then allow FIELD_NARROWED"
			if of.Pattern != "" {
				fix = fmt.Sprintf("let the old numbers match too (pattern: %q), or ", of.Pattern+"|"+nf.Pattern) + fix
			}
			add("FIELD_NARROWED", fix, append(path, "pattern"),
				"field %s: its pattern changed from %q to %q", name, of.Pattern, nf.Pattern)
		}
		if np.required && !op.required && !hasDefault(nf, m) {
			add("FIELD_NOW_REQUIRED", "give records without an answer a default ("+defaultFix(nf)+"), or "+requireFrom(ne), append(path, "required"),
				"field %s is required now: records without an answer, and integrators that do not send one, are refused", name)
		}
	}
	for _, np := range orderedFields(ne) {
		if !covered[np.f.ID] && np.required && !hasDefault(np.f, m) {
			add("FIELD_NOW_REQUIRED", "give records without an answer a default ("+defaultFix(np.f)+"), or "+requireFrom(ne),
				at("form", "pages", np.page, "fields", np.at, "required"),
				"new field %s is required: records without an answer, and integrators that do not send one, are refused", np.f.ID)
		}
	}

	// The mapping against the old version: what it names must be there.
	gone := func() []string { // old fields the new form does not have, for hints
		var ids []string
		for _, op := range orderedFields(oe) {
			if _, ok := newFields[op.f.ID]; !ok {
				ids = append(ids, op.f.ID)
			}
		}
		return ids
	}
	for _, id := range slices.Sorted(maps.Keys(m.Renamed)) {
		if _, ok := oldFields[id]; !ok {
			mismatch(id, notInOld("renamed", id, gone()), at("migration", "renamed", id),
				"field %s is renamed, but the old version has no field %s", id, id)
		}
	}
	for i, id := range m.Removed {
		if _, ok := oldFields[id]; !ok {
			mismatch(id, notInOld("removed", id, gone()), at("migration", "removed", i),
				"field %s is removed, but the old version has no field %s", id, id)
		}
	}
	for _, nid := range slices.Sorted(maps.Keys(m.Options)) {
		src := nid // the old field whose answers move to nid
		for _, old := range slices.Sorted(maps.Keys(m.Renamed)) {
			if m.Renamed[old] == nid {
				src = old
				break
			}
		}
		op, ok := oldFields[src]
		if !ok {
			mismatch(nid, "map the options of a field the old version has (options are mapped by the new field's id)", at("migration", "options", nid),
				"options of field %s are mapped, but the old version has no field %s, nor one renamed to it", nid, nid)
			continue
		}
		for _, from := range slices.Sorted(maps.Keys(m.Options[nid])) {
			if !slices.ContainsFunc(op.f.Options, func(o bundle.Option) bool { return o.Value == from }) {
				mismatch(nid, "map the values the old field offers ("+strings.Join(optionValues(op.f), ", ")+")"+hint(from, optionValues(op.f)), at("migration", "options", nid, from),
					"option %s of field %s is mapped, but the old version's field %s does not offer it", from, nid, src)
			}
		}
	}

	for i, s := range oe.Statuses {
		if !slices.ContainsFunc(ne.Statuses, func(x bundle.Status) bool { return x.ID == s.ID }) {
			add("STATUS_REMOVED", "keep the status while records are in it (an action may move them on)", at("workflow", "statuses"),
				"status %s is gone (status %d of the old workflow): records in it would be stranded", s.ID, i+1)
			out[len(out)-1].Subject = s.ID
		}
	}
	for _, f := range oe.Flags {
		if !slices.ContainsFunc(ne.Flags, func(x bundle.Flag) bool { return x.ID == f.ID }) {
			add("FLAG_REMOVED", "keep the flag while records carry it", at("flags"), "flag %s is gone", f.ID)
		}
	}
	for _, a := range oe.Actions {
		if !hasAction(ne, a.ID) {
			add("ACTION_REMOVED", "keep the action, or allow ACTION_REMOVED when nobody and nothing takes it any more", at("workflow", "actions"),
				"action %s is gone", a.ID)
		}
	}
	for _, c := range oe.Certificates {
		if !slices.ContainsFunc(ne.Certificates, func(x bundle.Certificate) bool { return x.ID == c.ID }) {
			add("CERTIFICATE_REMOVED", "keep the certificate while records printed on it may be reprinted", at("certificates"),
				"certificate %s is gone", c.ID)
		}
	}
	if c := numbering(oe.ID, oe.Numbering, ne.Numbering); c != nil {
		out = append(out, *c)
	}
	return out
}

// Numbering lists the events whose registration numbers under new could be numbers old gave
// (NUMBERING_CHANGED). Check tells them with the rest; a server that kept older versions than
// the last one asks it of each, since a format given up and taken again would repeat the
// numbers it gave before.
func Numbering(old, new *bundle.Bundle) []Change {
	var out []Change
	for _, oe := range old.Events {
		for _, ne := range new.Events {
			if ne.ID == oe.ID {
				if c := numbering(oe.ID, oe.Numbering, ne.Numbering); c != nil {
					out = append(out, *c)
				}
			}
		}
	}
	return out
}

func numbering(event string, o, n bundle.Numbering) *Change {
	if o.Format == n.Format && o.Scope == n.Scope {
		return nil
	}
	why := collides(event, o, n)
	if why == "" {
		return nil
	}
	fix := "keep the format and scope, or change the format's fixed text so that no new number can be an old one"
	if f := apartFormat(event, o, n); f != "" {
		fix += fmt.Sprintf(" (such as format: %q)", f)
	}
	changed := "format"
	if o.Format == n.Format {
		changed = "scope"
	}
	return &Change{Rule: "NUMBERING_CHANGED", Subject: event, Path: []any{"events", event, "numbering", changed},
		Message: fmt.Sprintf("registration numbers %s (scope %s) become %s (scope %s): %s", o.Format, o.Scope, n.Format, n.Scope, why),
		Fix:     fix}
}

// removedFix is the mapping that drops a field's answers on purpose.
func removedFix(id string) string { return fmt.Sprintf("migration: removed: [%q]", id) }

// pageOf is where a field of the old form's page p was: the fields of the new form's page of
// the same id, else the form.
func pageOf(oe, ne *bundle.Event, p int, at func(...any) []any) []any {
	for i := range ne.Pages {
		if ne.Pages[i].ID == oe.Pages[p].ID {
			return at("form", "pages", i, "fields")
		}
	}
	return at("form")
}

// becameOf is the field of the new form an old field may have become: one that is new (not
// in the old form, no rename's target) and of the same kind, the closest by name, or the only
// one; "" when there is none to tell.
func becameOf(of *bundle.Field, ne *bundle.Event, covered map[string]bool) string {
	var ids []string
	for _, np := range orderedFields(ne) {
		if !covered[np.f.ID] && migration.Kind(np.f) == migration.Kind(of) {
			ids = append(ids, np.f.ID)
		}
	}
	if c := suggest.Closest(of.ID, ids); c != "" {
		return c
	}
	if len(ids) == 1 {
		return ids[0]
	}
	return ""
}

// optionFor is the value of a new field an old value may have become: the closest of the
// values the old field did not have by name, else of them all, else the one value added.
// Else a placeholder listing the values: a record's answer is not to be changed to a value
// picked at random (an unknown sex to female).
func optionFor(value string, nf *bundle.Field, oldValues map[string]bool) string {
	var added []string
	for _, o := range nf.Options {
		if !oldValues[o.Value] {
			added = append(added, o.Value)
		}
	}
	values := optionValues(nf)
	for _, c := range []string{suggest.Closest(value, added), suggest.Closest(value, values)} {
		if c != "" {
			return fmt.Sprintf("%q", c)
		}
	}
	if len(added) == 1 {
		return fmt.Sprintf("%q", added[0])
	}
	return oneOf(values)
}

// oneOf is a placeholder for one of a field's values, for a fix to fill in.
func oneOf(values []string) string {
	switch len(values) {
	case 0:
		return "<a value>"
	case 1:
		return "<" + values[0] + " or a new option>"
	}
	return "<one of " + strings.Join(values, ", ") + ">"
}

func optionValues(f *bundle.Field) []string {
	out := make([]string, len(f.Options))
	for i, o := range f.Options {
		out[i] = o.Value
	}
	return out
}

// hasDefault: records that lack an answer to f get one when they move, from the migration or
// the field's own default.
func hasDefault(f *bundle.Field, m *bundle.Migration) bool {
	_, ok := m.Defaults[f.ID]
	return ok || f.Default != nil
}

// defaultFix is the mapping that gives records a default answer to f: a choice's option that
// says the answer is not known, when it has one; else a placeholder saying what kind of answer.
// Never an answer of its own (a choice's first option, no): records that never answered
// would say what nobody said.
func defaultFix(f *bundle.Field) string {
	v := "<" + migration.Kind(f) + ">"
	switch {
	case f.Type == "select" || f.Type == "radio":
		v = oneOf(optionValues(f))
		for _, o := range f.Options {
			if unknown[strings.ToLower(o.Value)] {
				v = fmt.Sprintf("%q", o.Value)
				break
			}
		}
	case f.Type == "yesno":
		v = "<true or false>"
	}
	return fmt.Sprintf("migration: defaults: {%q: %s}", f.ID, v)
}

// unknown are the values of an option that says the answer is not known.
var unknown = map[string]bool{"unknown": true, "not-known": true, "not-stated": true, "unspecified": true, "not-recorded": true}

// requireFrom is the other way to require an answer: of the events from a day on, which
// records of the old version, and late declarations of earlier events, are not.
func requireFrom(ev *bundle.Event) string {
	if ev.DateField == "" {
		return "require it by a rule that records without an answer do not meet"
	}
	return fmt.Sprintf("require it only of events from the day it applies (required: \"%s >= date('YYYY-MM-DD')\")", ev.DateField)
}

// notInOld is the fix of a mapping that names a field the old version does not have.
func notInOld(key, id string, gone []string) string {
	return "name a field of the old version (a migration maps the version before it), or take it out of " + key + hint(id, gone)
}

func hint(name string, candidates []string) string {
	if c := suggest.Closest(name, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %s?)", c)
	}
	return ""
}

// widens tells whether pattern new matches every number old does, as far as their text tells:
// each alternative of old is one of new's ("[0-9]{10}" -> "[0-9]{10}|[0-9]{12}").
func widens(old, new string) bool {
	if old == "" {
		return false
	}
	alts := alternatives(new)
	for _, a := range alternatives(old) {
		if !slices.Contains(alts, a) {
			return false
		}
	}
	return true
}

// alternatives splits a pattern at its top-level |s: those outside groups and classes.
func alternatives(pattern string) []string {
	var out []string
	depth, class, start := 0, false, 0
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
			if strings.HasPrefix(pattern[i+1:], "]") || strings.HasPrefix(pattern[i+1:], "^]") {
				i += strings.Index(pattern[i+1:], "]") + 1 // a ] first in a class is one of its characters
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, pattern[start:i])
			start = i + 1
		}
	}
	return append(out, pattern[start:])
}

func bound(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

type fieldAt struct {
	f        *bundle.Field
	page, at int
	required bool // of every declaration, and answered by the user (not calculated)
}

// orderedFields are an event's fields in the form's order, each with whether every declaration
// must answer it.
func orderedFields(ev *bundle.Event) []fieldAt {
	req := map[string]bool{}
	if ev.Rules != nil {
		for _, f := range ev.Rules.Fields {
			req[f.ID] = f.Required != nil && f.Required.Always && f.Shown == nil && f.Calc == nil
		}
	}
	var out []fieldAt
	for p := range ev.Pages {
		for i := range ev.Pages[p].Fields {
			f := &ev.Pages[p].Fields[i]
			out = append(out, fieldAt{f, p, i, req[f.ID]})
		}
	}
	return out
}

// Describe is a rule's explanation, for --help and the README.
func Describe() string {
	var b strings.Builder
	for _, r := range Rules {
		fmt.Fprintf(&b, "  %-20s %s\n", r.ID, r.Why)
	}
	return b.String()
}
