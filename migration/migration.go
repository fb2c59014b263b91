// Package migration moves a record's answers from one version of an event to the next, by the
// mapping the new version declares (bundle.Migration, written as an event's `migration` in the
// package): fields renamed, answers dropped on purpose, choices mapped to new values, and the
// answers records that lack one get. It is pure: the runtime reads every record with the
// bundle it was declared under, and calls Move, once for each later version in turn, when an
// action edits the record or when records are moved in bulk; a record Move refuses stays on
// its version, with the reasons.
//
// Move never drops an answer silently: every answer lands under its new field id, or its
// field is listed as removed, or Move fails and says why for each field. crvsctl diff (package
// breaking) reports, before a version is served, what the mapping leaves unmoved.
package migration

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
)

// The codes of the problems that keep a record on its version.
const (
	// An answer to a field the new form does not have, which the mapping neither renames
	// nor removes.
	Unmapped = "unmapped-field"
	// The new field (the same id, or the one it is renamed to) asks for another kind of
	// answer: a text where there was a date, an area of another level.
	KindChanged = "kind-changed"
	// A choice the new field does not offer, and that the mapping's options do not change.
	UnmappedOption = "unmapped-option"
	// Two answers of the record would move to the same field.
	Taken = "taken"
	// An answer, or a default, that the new field does not take otherwise: a part of a name
	// that is gone, a number outside the new bounds, a date that is not one.
	Invalid = "invalid-answer"
)

// Problem is one reason a record cannot move.
type Problem struct {
	// Field is the id of the field whose answer cannot move, as the record holds it (the old
	// id); for a default that does not fit, the new field's.
	Field   string
	Code    string
	Message string
}

// Error is every reason a record cannot move to the new version, in the order of the record's
// field ids. The record stays on its version.
type Error struct {
	Event    string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the %s record cannot move to the new version: ", e.Event)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "field %s: %s", p.Field, p.Message)
	}
	return b.String()
}

// Move brings a record's answers from an old version of an event to a new one by the new one's
// mapping (new.Migration): answers to renamed fields move to their new ids, answers to removed
// fields are dropped, choices are mapped to their new values, and then every field of the new
// form the record has no answer to gets the mapping's default for it, or else the field's own
// default, when there is one. Answers to fields whose id and kind are unchanged move as they
// are; with a nil Migration, only those move.
//
// data is the record's answers as the runtime holds them (decoded JSON: strings, float64,
// bools, []any, map[string]any; nil and "" are no answer); it is not changed, and the answers
// returned share no map or list with it or with the bundle. Move fails with an *Error listing
// every answer it cannot move: one to a field that is neither in the new form, nor renamed,
// nor removed; one whose new field asks for another kind of answer; a choice the new field
// does not offer and the mapping does not change; two answers moving to one field; an answer
// that is otherwise not one the new field takes (a part of a name that is gone, a number out of
// the new bounds).
//
// Move checks each answer's shape against its new field, but not what needs the bundle's
// places or the form's rules: a location's code, an identity number's pattern, what is
// required, shown or valid by the rules. The runtime validates the moved answers against the
// new form, as it does any edit, before it stores them; Missing says cheaply which answers the
// new version requires of every record and the moved one lacks.
func Move(old, new *bundle.Event, data map[string]any) (map[string]any, error) {
	return NewStep(old, new).Move(data)
}

// Project is a record's answers as the new version would hold them, for reading only: what
// Move would move, moved the same way, and what it cannot move left out rather than failing.
// The runtime deduplicates and counts every record in the terms of the version served
// (one register, one set of duplicate rules and statistics), whatever version it stays at;
// a record is never stored projected.
func Project(old, new *bundle.Event, data map[string]any) map[string]any {
	return NewStep(old, new).Project(data)
}

// Step is the move from one version of an event to the next, prepared once for the many
// records that take it (a pass over the register reads every record of an older version in
// the current version's terms).
type Step struct {
	new                  *bundle.Event
	m                    *bundle.Migration
	oldFields, newFields map[string]*bundle.Field
	form                 []*bundle.Field // the new form's fields, in its order
}

// NewStep prepares the move from old to new by new's mapping.
func NewStep(old, new *bundle.Event) *Step {
	m := new.Migration
	if m == nil {
		m = &bundle.Migration{}
	}
	return &Step{new: new, m: m, oldFields: fields(old), newFields: fields(new), form: formFields(new)}
}

// Move is Move of the step's two versions.
func (st *Step) Move(data map[string]any) (map[string]any, error) {
	out, e := st.move(data)
	if len(e.Problems) > 0 {
		return nil, e
	}
	return out, nil
}

// Project is Project of the step's two versions.
func (st *Step) Project(data map[string]any) map[string]any {
	out, _ := st.move(data)
	return out
}

// move is Move, the answers it could move and the problems of the others.
func (st *Step) move(data map[string]any) (map[string]any, *Error) {
	new, m, oldFields, newFields := st.new, st.m, st.oldFields, st.newFields
	out := make(map[string]any, len(data))
	from := map[string]string{} // new id -> the old id whose answer moved there
	e := &Error{Event: new.ID}
	problem := func(field, code, format string, args ...any) {
		e.Problems = append(e.Problems, Problem{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	for _, id := range slices.Sorted(maps.Keys(data)) {
		v := data[id]
		if slices.Contains(m.Removed, id) {
			continue
		}
		target, renamed := m.Renamed[id]
		if !renamed {
			target = id
		}
		nf := newFields[target]
		if !answered(v) {
			if _, moved := out[id]; nf != nil && !renamed && !moved {
				out[id] = v // as it was: unanswered
			}
			continue
		}
		switch {
		case nf == nil && renamed:
			problem(id, Unmapped, "renamed to %s, which is not a field of the new form", target)
			continue
		case nf == nil:
			problem(id, Unmapped, "not a field of the new form, and the migration neither renames nor removes it")
			continue
		case from[target] != "":
			problem(id, Taken, "its answer and the answer to %s would both move to %s", from[target], target)
			continue
		}
		if of := oldFields[id]; of != nil && !Holds(nf, of) {
			to := ""
			if renamed {
				to = " (renamed " + target + ")"
			}
			problem(id, KindChanged, "the new field%s asks for %s, not %s as before", to, Kind(nf), Kind(of))
			continue
		}
		v = clone(v)
		if isChoice(nf) {
			var unmapped []string
			v, unmapped = mapChoices(v, m.Options[target], nf)
			if len(unmapped) > 0 {
				problem(id, UnmappedOption, "%s %s not an option of %s, and the migration maps %s to none", strings.Join(unmapped, ", "),
					isAre(len(unmapped)), target, itThem(len(unmapped)))
				continue
			}
		}
		if err := Fits(nf, v); err != nil {
			problem(id, Invalid, "%v", err)
			continue
		}
		out[target], from[target] = v, id
	}
	for _, f := range st.form {
		if answered(out[f.ID]) {
			continue
		}
		var v any
		if raw, ok := m.Defaults[f.ID]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				problem(f.ID, Invalid, "its default %s is not JSON: %v", raw, err)
				continue
			}
		} else if f.Default != nil && isNew(f.ID, oldFields, m) {
			// The field's own default answers only a field the old form did not ask: an
			// answer a record left blank on purpose stays blank.
			v = clone(f.Default)
		} else {
			continue
		}
		if err := Fits(f, v); err != nil {
			problem(f.ID, Invalid, "its default: %v", err)
			continue
		}
		out[f.ID] = v
	}
	return out, e
}

// Missing lists, in the form's order, the fields of ev every record must answer (required
// always, shown always, not calculated) that data leaves unanswered: after Move, the answers
// a record moved to ev still lacks. What is required under a condition is left to the
// runtime's validation of the form, which has the rules' evaluator.
func Missing(ev *bundle.Event, data map[string]any) []string {
	if ev.Rules == nil {
		return nil
	}
	var out []string
	req := map[string]bool{}
	for _, f := range ev.Rules.Fields {
		req[f.ID] = f.Required != nil && f.Required.Always && f.Shown == nil && f.Calc == nil
	}
	for _, f := range formFields(ev) {
		if req[f.ID] && !answered(data[f.ID]) {
			out = append(out, f.ID)
		}
	}
	return out
}

// Kind is what a field asks for, as its answers are stored: two fields of one kind hold the same
// answers (a location's of and level count; text, long text, phone, email and identity number are
// told apart).
func Kind(f *bundle.Field) string {
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

// Holds says whether every answer a field of old's kind holds is an answer of nf's kind, so that
// it moves as it is: the same kind; or a wider one — one line of text (a phone number, an
// email, an identity number) into a text or a long text, an area at a level into an area at
// any level. The answer is still checked against the new field (Fits).
func Holds(nf, old *bundle.Field) bool {
	if Kind(nf) == Kind(old) {
		return true
	}
	switch {
	case nf.Type == "longtext":
		return slices.Contains([]string{"text", "phone", "email", "idnumber"}, old.Type)
	case nf.Type == "text":
		return slices.Contains([]string{"phone", "email", "idnumber"}, old.Type)
	case nf.Type == "location" && old.Type == "location":
		return nf.Of != "office" && old.Of != "office" && nf.Level == ""
	}
	return false
}

// documentID is a document's id as the runtime gives it on upload.
var documentID = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Fits says what keeps v from being an answer to f as a record holds it, or nil. v is decoded
// JSON (int and int64 are numbers too, as the compiler decodes a package's values). It checks
// the answer's shape, options, parts, bounds and dates; not a location's code nor an identity
// number's pattern, which need the bundle's places and a compiled expression.
func Fits(f *bundle.Field, v any) error {
	switch f.Type {
	case "heading", "paragraph":
		return fmt.Errorf("a %s takes no answer", f.Type)
	case "text", "longtext", "phone", "email", "idnumber", "location":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s is not a text", show(v))
		}
	case "date":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s is not a date (YYYY-MM-DD)", show(v))
		}
		if _, ok := rules.ParseDate(s); !ok {
			return fmt.Errorf("%s is not a day of the calendar (YYYY-MM-DD)", s)
		}
	case "number":
		n, ok := number(v)
		if !ok {
			return fmt.Errorf("%s is not a number", show(v))
		}
		switch {
		case f.Min != nil && n < *f.Min:
			return fmt.Errorf("%v is less than the field's min, %v", n, *f.Min)
		case f.Max != nil && n > *f.Max:
			return fmt.Errorf("%v is more than the field's max, %v", n, *f.Max)
		case f.Integer && n != math.Trunc(n):
			return fmt.Errorf("%v is not a whole number", n)
		}
	case "yesno":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s is not yes or no (true or false)", show(v))
		}
	case "select", "radio":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s is not one of the options", show(v))
		}
		if !hasOption(f, s) {
			return fmt.Errorf("%s is not one of the options (%s)", s, strings.Join(optionValues(f), ", "))
		}
	case "checkboxes":
		list, ok := stringList(v)
		if !ok {
			return fmt.Errorf("%s is not a list of options", show(v))
		}
		for i, s := range list {
			if !hasOption(f, s) {
				return fmt.Errorf("%s is not one of the options (%s)", s, strings.Join(optionValues(f), ", "))
			}
			if slices.Contains(list[:i], s) {
				return fmt.Errorf("%s is chosen twice", s)
			}
		}
	case "name", "address":
		parts, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not a %s's parts", show(v), f.Type)
		}
		for _, p := range slices.Sorted(maps.Keys(parts)) {
			if !slices.Contains(f.Parts, p) {
				return fmt.Errorf("part %s is not one of the field's parts (%s)", p, strings.Join(f.Parts, ", "))
			}
			if _, ok := parts[p].(string); !ok && parts[p] != nil {
				return fmt.Errorf("part %s: %s is not a text", p, show(parts[p]))
			}
		}
	case "document":
		doc, ok := v.(map[string]any)
		kind, _ := doc["type"].(string)
		file, _ := doc["file"].(string)
		if !ok || len(doc) != 2 || kind == "" || !documentID.MatchString(file) {
			return fmt.Errorf("%s is not a document ({\"type\": ..., \"file\": \"sha256:...\"})", show(v))
		}
		if len(f.DocumentTypes) > 0 && !slices.Contains(f.DocumentTypes, kind) {
			return fmt.Errorf("document type %s is not one of the field's (%s)", kind, strings.Join(f.DocumentTypes, ", "))
		}
	default:
		return fmt.Errorf("a field of type %s is unknown to this crvsctl", f.Type)
	}
	return nil
}

// mapChoices maps a choice answer (a string, or a list of them) by options, and lists the values
// the field does not offer that options do not map. A list that two values map into one keeps
// it once.
func mapChoices(v any, options map[string]string, f *bundle.Field) (any, []string) {
	var unmapped []string
	one := func(s string) string {
		if to, ok := options[s]; ok {
			return to
		}
		if !hasOption(f, s) && !slices.Contains(unmapped, s) {
			unmapped = append(unmapped, s)
		}
		return s
	}
	switch x := v.(type) {
	case string:
		return one(x), unmapped
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			s, ok := item.(string)
			if !ok {
				return v, nil // not a list of choices: Fits says so
			}
			if s = one(s); !slices.Contains(out, any(s)) {
				out = append(out, s)
			}
		}
		return out, unmapped
	}
	return v, nil
}

func isChoice(f *bundle.Field) bool {
	return f.Type == "select" || f.Type == "radio" || f.Type == "checkboxes"
}

func hasOption(f *bundle.Field, value string) bool {
	return slices.ContainsFunc(f.Options, func(o bundle.Option) bool { return o.Value == value })
}

func optionValues(f *bundle.Field) []string {
	out := make([]string, len(f.Options))
	for i, o := range f.Options {
		out[i] = o.Value
	}
	return out
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// answered: nil and "" are no answer, as the rules read them.
func answered(v any) bool { return v != nil && v != "" }

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// stringList is a list of strings, as JSON decodes it or as Go writes it.
func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, len(x))
		for i, item := range x {
			s, ok := item.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// clone is a deep copy of a decoded JSON value, so that a moved record shares nothing with the
// old one nor with the bundle.
func clone(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = clone(item)
		}
		return out
	case []string:
		return slices.Clone(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = clone(item)
		}
		return out
	}
	return v
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// fields are an event's fields by id; formFields, in the form's order.
func fields(ev *bundle.Event) map[string]*bundle.Field {
	out := map[string]*bundle.Field{}
	for _, f := range formFields(ev) {
		out[f.ID] = f
	}
	return out
}

func formFields(ev *bundle.Event) []*bundle.Field {
	if ev == nil {
		return nil
	}
	var out []*bundle.Field
	for p := range ev.Pages {
		for i := range ev.Pages[p].Fields {
			out = append(out, &ev.Pages[p].Fields[i])
		}
	}
	return out
}

// isNew tells a field of the new form that the old one did not ask, under its id or another
// renamed to it.
func isNew(id string, oldFields map[string]*bundle.Field, m *bundle.Migration) bool {
	if oldFields[id] != nil {
		return false
	}
	for _, to := range m.Renamed {
		if to == id {
			return false
		}
	}
	return true
}
