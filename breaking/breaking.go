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
			add("ROLE_REMOVED", "give its users another role first (users sheet), then remove it", []any{"roles"}, "role %s is gone", or.ID)
			continue
		}
		for _, ev := range slices.Sorted(maps.Keys(or.Grants)) {
			if newEvents[ev] == nil {
				continue // reported with the event
			}
			for _, a := range or.Grants[ev] {
				if !slices.Contains(nr.Grants[ev], a) && hasAction(newEvents[ev], a) {
					add("GRANT_REMOVED", "grant it again, or allow GRANT_REMOVED if the role is meant to lose it",
						[]any{"roles", or.ID, "grants"}, "role %s may no longer take action %s on %s records", or.ID, a, ev)
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
			add("AREA_REMOVED", "keep the area while records name it (an area merged away stays, with its successor named)",
				[]any{"places", "areas"}, "area %s (%s) is gone", a.Code, a.Name)
			out[len(out)-1].Subject = a.Code
		}
	}
	newOffices := map[string]bool{}
	for _, o := range new.Offices {
		newOffices[o.Code] = true
	}
	for _, o := range old.Offices {
		if !newOffices[o.Code] {
			add("OFFICE_REMOVED", "keep the office while records were declared at it and users work there",
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
	for _, op := range orderedFields(oe) {
		of := op.f
		np, ok := newFields[of.ID]
		if !ok {
			add("FIELD_REMOVED", "keep the field (it may be hidden) while records hold answers to it", at("form"),
				"field %s of %s is gone", of.ID, ne.ID)
			continue
		}
		nf := np.f
		path := at("form", "pages", np.page, "fields", np.at)
		if kind(of) != kind(nf) {
			add("FIELD_TYPE_CHANGED", "give the new kind of answer a new field id, and keep the old field while records hold it", append(path, "type"),
				"field %s asks for %s, not %s as before", of.ID, kind(nf), kind(of))
			continue
		}
		for _, part := range of.Parts {
			if !slices.Contains(nf.Parts, part) {
				add("FIELD_PART_REMOVED", "keep the part while records hold it", append(path, "parts"),
					"field %s has no part %s any more", of.ID, part)
			}
		}
		newValues := map[string]bool{}
		for _, o := range nf.Options {
			newValues[o.Value] = true
		}
		for _, o := range of.Options {
			if !newValues[o.Value] {
				add("OPTION_REMOVED", "keep the option (records hold it), or map it to another when records move", append(path, "options"),
					"option %s of field %s is gone", o.Value, of.ID)
			}
		}
		switch {
		case of.Min == nil && nf.Min != nil, of.Min != nil && nf.Min != nil && *nf.Min > *of.Min:
			add("FIELD_NARROWED", "keep the old bounds, or check that no record holds an answer outside the new ones", append(path, "min"),
				"field %s: min %v was %s", of.ID, *nf.Min, bound(of.Min))
		case of.Max == nil && nf.Max != nil, of.Max != nil && nf.Max != nil && *nf.Max < *of.Max:
			add("FIELD_NARROWED", "keep the old bounds, or check that no record holds an answer outside the new ones", append(path, "max"),
				"field %s: max %v was %s", of.ID, *nf.Max, bound(of.Max))
		case !of.Integer && nf.Integer:
			add("FIELD_NARROWED", "keep decimals allowed while records may hold them", append(path, "integer"),
				"field %s takes whole numbers only now", of.ID)
		case of.Pattern != nf.Pattern && nf.Pattern != "":
			add("FIELD_NARROWED", "check that every identity number records hold matches the new pattern, then allow FIELD_NARROWED", append(path, "pattern"),
				"field %s: its pattern changed from %q to %q", of.ID, of.Pattern, nf.Pattern)
		}
		if np.required && !op.required {
			add("FIELD_NOW_REQUIRED", "give it a default, or make it required only for new declarations (a rule)", append(path, "required"),
				"field %s is required now: records without an answer, and integrators that do not send one, are refused", of.ID)
		}
	}
	for _, np := range orderedFields(ne) {
		if _, existed := oldFields[np.f.ID]; !existed && np.required && np.f.Default == nil {
			add("FIELD_NOW_REQUIRED", "give it a default, or make it required by a rule that new declarations meet",
				at("form", "pages", np.page, "fields", np.at, "required"),
				"new field %s is required: records without an answer, and integrators that do not send one, are refused", np.f.ID)
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
			add("CERTIFICATE_REMOVED", "keep the template while records printed on it may be reprinted", at("certificates"),
				"certificate %s is gone", c.ID)
		}
	}
	if o, n := oe.Numbering, ne.Numbering; o.Format != n.Format || o.Scope != n.Scope {
		if why := collides(oe.ID, o, n); why != "" {
			add("NUMBERING_CHANGED", "keep the format and scope, or change the format's fixed text (a new prefix, \"B2-\") so that no new number can be an old one",
				at("numbering", "format"), "registration numbers %s (scope %s) become %s (scope %s): %s",
				o.Format, o.Scope, n.Format, n.Scope, why)
			out[len(out)-1].Subject = ne.ID
		}
	}
	return out
}

func bound(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

// kind is what a field asks for, as its answers are stored: a location's of and level count.
func kind(f *bundle.Field) string {
	switch f.Type {
	case "location":
		if f.Of == "office" {
			return "an office"
		}
		if f.Level != "" {
			return "an area at level " + f.Level
		}
		return "an area"
	case "text", "longtext", "phone", "email", "idnumber":
		return "a text (" + f.Type + ")"
	case "select", "radio":
		return "one choice"
	case "checkboxes":
		return "several choices"
	}
	return "a " + f.Type
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
