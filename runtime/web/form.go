package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/records"
)

// form is an event's form in one language, with a declaration's answers, the state the rules
// give each field (shown, enabled, required) and the problems found.
type form struct {
	s      *Server
	lang   string
	ev     *records.Event
	data   map[string]any
	raw    map[string]string // what was typed where it could not be read (a number "3,2")
	files  map[string]string // document id -> file name, of the documents attached
	draft  bool              // the answers are a draft's, saved on the server
	fresh  bool              // a new declaration's blank form: the package's defaults only
	state  map[string]rules.FieldState
	errors map[string][]string
	byID   map[string]bundle.Field
	// conflicts: the fields whose answer differs from the record's now, changed meanwhile by
	// someone else, with what it says (see editChanged).
	conflicts map[string]string
}

func (s *Server) newForm(lang string, ev *records.Event, data map[string]any, rctx *rules.Context) *form {
	f := &form{s: s, lang: lang, ev: ev, data: data, raw: map[string]string{}, files: map[string]string{}, state: map[string]rules.FieldState{},
		errors: map[string][]string{}, byID: map[string]bundle.Field{}, conflicts: map[string]string{}}
	if f.data == nil {
		f.data = map[string]any{}
	}
	for _, p := range ev.Pages {
		for _, fl := range p.Fields {
			f.byID[fl.ID] = fl
		}
	}
	if rctx != nil {
		var res rules.FormResult
		ev.Form.Evaluate(f.data, rctx, &res)
		for i, st := range res.Fields {
			f.state[ev.Rules.Fields[i].ID] = st
		}
	}
	return f
}

// t is a text in the form's language, as the version of the form has it (a record declared
// under an older version is shown with its labels).
func (f *form) t(key string, args ...string) string {
	if f.ev != nil && f.ev.Texts != nil {
		return f.ev.Texts.Text(f.lang, key, args...)
	}
	return f.s.Catalog.Text(f.lang, key, args...)
}

// label is a field's label in the form's language.
func (f *form) label(id string) string {
	if fl, ok := f.byID[id]; ok {
		return f.t(fl.Label)
	}
	return id
}

// shown is a stored answer (JSON) as a person reads it.
func (f *form) shown(id string, raw json.RawMessage) string {
	if len(raw) == 0 {
		return "—"
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	return f.text(f.byID[id], v)
}

// text is an answer as a person reads it: option labels, place names, Yes/No, name parts.
func (f *form) text(fl bundle.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return f.t("ui.form.yes")
		}
		return f.t("ui.form.no")
	case string:
		for _, o := range fl.Options {
			if o.Value == x {
				return f.t(o.Label)
			}
		}
		if fl.Type == "location" {
			return f.s.placeName(fl.Of, x, f.lang)
		}
		if fl.Type == "date" {
			return f.s.Catalog.LongDate(f.lang, x) // read, not typed: "12 mars 2024", not ISO
		}
		return x
	case float64:
		n := strconv.FormatFloat(x, 'f', -1, 64)
		s := i18n.FormatNumber(f.lang, n) // "3,2" in French
		if fl.Unit != "" {
			// A unit may be a plural message of n: "{n, plural, one {week} other {weeks}}".
			s += " " + f.t(fl.Unit, "n", n)
		}
		return s
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, f.text(fl, e))
		}
		if f.ev != nil && f.ev.Texts != nil {
			return f.ev.Texts.List(f.lang, "ui.list.items", parts)
		}
		return f.s.Catalog.List(f.lang, "ui.list.items", parts)
	case map[string]any:
		var parts []string
		for _, p := range fl.Parts {
			if s, ok := x[p].(string); ok && s != "" {
				parts = append(parts, s)
			}
		}
		if fl.Type == "document" {
			if n, ok := x["file"].(string); ok {
				parts = append(parts, n)
			}
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}

// pageView is a page of the form as the templates show it.
type pageView struct {
	ID, Title string
	Fields    []fieldView
	// Of is where the page is in the form ("page 3 of 7"), OfText the same with {n} and
	// {total} for the script, which counts only the pages shown.
	Of, OfText string
}

// fieldView is a field as the templates show it: for input, or (Text) an answer read.
type fieldView struct {
	ID, Type, Label, Hint, Unit string
	Required, Hidden, Disabled  bool
	Value                       string
	Options                     []optionView
	Parts                       []partView
	Min, Max, Step              string
	Of, Level, Types            string // location
	Text                        string // the answer, for reading
	Errors                      []string
	RequiredText, ChooseText    string
	Link                        string       // a document's, for reading
	Kind                        string       // a document's kind, when the field has one or none
	Kinds                       []optionView // the kinds to choose from, when it has several
	Conflict                    string       // differs from the record's answer now, which it says
}

type optionView struct {
	Value, Label string
	Checked      bool
}

// postable are the ids of the fields the user may change through the form as it was shown:
// those that take an answer and that it did not show disabled (a disabled input posts
// nothing, so its field keeps its value), in the order of the pages.
func (f *form) postable() []string {
	var out []string
	for _, p := range f.ev.Pages {
		for _, fl := range p.Fields {
			if fl.Type == "heading" || fl.Type == "paragraph" {
				continue
			}
			if st, ok := f.state[fl.ID]; ok && !st.Enabled {
				continue
			}
			out = append(out, fl.ID)
		}
	}
	return out
}

type partView struct{ Name, Label, Value string }

// answered is the pages with the fields that have an answer, for the record page.
func (f *form) answered() []pageView {
	var out []pageView
	for _, p := range f.ev.Pages {
		pv := pageView{ID: p.ID, Title: f.t(p.Title)}
		for _, fl := range p.Fields {
			v, ok := f.data[fl.ID]
			if !ok || fl.Type == "heading" || fl.Type == "paragraph" {
				continue
			}
			fv := fieldView{ID: fl.ID, Label: f.t(fl.Label), Text: f.text(fl, v)}
			if doc, ok := v.(map[string]any); ok && fl.Type == "document" {
				if file, ok := doc["file"].(string); ok {
					fv.Link, fv.Text = "/api/v1/documents/"+url.PathEscape(file), f.t("ui.record.document")
				}
			}
			pv.Fields = append(pv.Fields, fv)
		}
		if len(pv.Fields) > 0 {
			out = append(out, pv)
		}
	}
	return out
}

// inputs is the pages for input, with the answers so far and their problems.
func (f *form) inputs() []pageView {
	var out []pageView
	for i, p := range f.ev.Pages {
		pv := pageView{ID: p.ID, Title: f.t(p.Title), Of: f.t("ui.form.pageOf", "n", fmt.Sprint(i+1), "total", fmt.Sprint(len(f.ev.Pages))),
			OfText: f.t("ui.form.pageOf", "n", "{n}", "total", "{total}")}
		for _, fl := range p.Fields {
			pv.Fields = append(pv.Fields, f.input(fl))
		}
		out = append(out, pv)
	}
	return out
}

func (f *form) input(fl bundle.Field) fieldView {
	st, evaluated := f.state[fl.ID]
	v := fieldView{ID: fl.ID, Type: fl.Type, Label: f.t(fl.Label), Of: fl.Of, Level: fl.Level, Types: strings.Join(fl.Types, " "),
		RequiredText: f.t("ui.form.required"), ChooseText: f.t("ui.form.choose"), Conflict: f.conflicts[fl.ID]}
	if fl.Hint != "" {
		v.Hint = f.t(fl.Hint)
	}
	if fl.Unit != "" {
		v.Unit = f.t(fl.Unit)
	}
	if evaluated {
		v.Required, v.Hidden, v.Disabled = st.Required, !st.Shown, !st.Enabled
	}
	if fl.Min != nil {
		v.Min = strconv.FormatFloat(*fl.Min, 'f', -1, 64)
	}
	if fl.Max != nil {
		v.Max = strconv.FormatFloat(*fl.Max, 'f', -1, 64)
	}
	v.Step = "any"
	if fl.Integer {
		v.Step = "1"
	}
	answer := f.data[fl.ID]
	switch x := answer.(type) {
	case string:
		v.Value = x
		if fl.Type == "location" {
			v.Text = f.s.placeName(fl.Of, x, f.lang)
		}
	case float64:
		v.Value = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		v.Value = strconv.FormatBool(x)
	}
	if raw, ok := f.raw[fl.ID]; ok {
		v.Value, v.Text = raw, raw
	}
	options := fl.Options
	if fl.Type == "yesno" {
		options = []bundle.Option{{Value: "true", Label: "ui.form.yes"}, {Value: "false", Label: "ui.form.no"}}
	}
	for _, o := range options {
		checked := o.Value == v.Value
		if list, ok := answer.([]any); ok {
			checked = slices.Contains(list, any(o.Value))
		}
		v.Options = append(v.Options, optionView{Value: o.Value, Label: f.t(o.Label), Checked: checked})
	}
	if fl.Type == "document" {
		doc, _ := answer.(map[string]any)
		file, _ := doc["file"].(string)
		kind, _ := doc["type"].(string)
		v.Value = file
		if file != "" {
			name := f.files[file]
			if name == "" {
				name = f.t("ui.record.document")
			}
			v.Text = f.t("ui.form.attached", "name", name)
		}
		if len(fl.DocumentTypes) > 1 {
			for _, k := range fl.DocumentTypes {
				v.Kinds = append(v.Kinds, optionView{Value: k, Label: f.t("document." + k), Checked: k == kind})
			}
		} else {
			v.Kind = documentKind(fl)
		}
		v.Errors = f.errors[fl.ID]
		return v
	}
	parts, _ := answer.(map[string]any)
	for _, p := range fl.Parts {
		s, _ := parts[p].(string)
		v.Parts = append(v.Parts, partView{Name: p, Label: f.t("part." + p), Value: s})
	}
	v.Errors = f.errors[fl.ID]
	return v
}

// read turns a posted form into a declaration: each field's inputs into the JSON its type
// takes. What cannot be read (a number that is not one, a place that is not known) is kept as
// typed and reported, so that the registrar sees it again to fix it.
func (f *form) read(post url.Values) {
	for _, p := range f.ev.Pages {
		for _, fl := range p.Fields {
			f.readField(fl, post)
		}
	}
}

func (f *form) readField(fl bundle.Field, post url.Values) {
	id := fl.ID
	one := strings.TrimSpace(post.Get(id))
	switch fl.Type {
	case "heading", "paragraph":
		return
	case "document":
		// A file attached earlier (the form sent back with its problems) is carried by its id;
		// a file sent with this form was stored by the caller (see declare) under the same name.
		if file := strings.TrimSpace(post.Get(id + ".file")); file != "" {
			kind := documentKind(fl)
			if len(fl.DocumentTypes) > 1 {
				kind = post.Get(id + ".type")
			}
			f.data[id] = map[string]any{"type": kind, "file": file}
		}
	case "number":
		if one == "" {
			return
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(one, ",", "."), 64)
		if err != nil {
			f.raw[id] = one
			f.errors[id] = append(f.errors[id], f.t("ui.form.notNumber"))
			return
		}
		f.data[id] = n
	case "yesno":
		switch one {
		case "true":
			f.data[id] = true
		case "false":
			f.data[id] = false
		}
	case "checkboxes":
		var list []any
		for _, v := range post[id] {
			list = append(list, v)
		}
		if len(list) > 0 {
			f.data[id] = list
		}
	case "name", "address":
		parts := map[string]any{}
		for _, p := range fl.Parts {
			if s := strings.TrimSpace(post.Get(id + "." + p)); s != "" {
				parts[p] = s
			}
		}
		if len(parts) > 0 {
			f.data[id] = parts
		}
	case "location":
		if one == "" {
			return
		}
		// The places of the event's date, as the server checks them (records.placesInTime).
		code, problem := f.s.resolvePlaceOn(fl, one, f.lang, strings.TrimSpace(post.Get(f.ev.DateField)))
		if problem != "" {
			f.raw[id] = one
			f.errors[id] = append(f.errors[id], problem)
			return
		}
		f.data[id] = code
	default:
		if one != "" {
			f.data[id] = one
		}
	}
}

// refused puts a refusal's problems on the fields they are about, in the form's language, and
// returns those about no field. A problem is told by its key, the package's message or
// crvsctl's; never by the English the API gives with it (JSON Schema's "maximum: got 9, want 7").
func (f *form) refused(re *records.Error) []records.Detail {
	var general []records.Detail
	for _, d := range re.Details {
		id, onField := strings.CutPrefix(d.Path, "/data/")
		id, _, _ = strings.Cut(id, "/") // a part of a name or address: its field
		if !onField || f.byID[id].ID == "" {
			general = append(general, d)
			continue
		}
		msg := f.problem(d)
		if !slices.Contains(f.errors[id], msg) {
			f.errors[id] = append(f.errors[id], msg)
		}
	}
	return general
}

// problem is a refusal's problem in the form's language: by its key, with its arguments; a
// problem on a field without one (none is, today) is said in general words.
func (f *form) problem(d records.Detail) string {
	switch {
	case d.Code == "required":
		return f.t("ui.form.requiredAnswer")
	case d.Code == "characters":
		return f.t("ui.form.characters")
	case d.Key != "":
		var args []string
		for _, k := range slices.Sorted(maps.Keys(d.Args)) {
			args = append(args, k, d.Args[k])
		}
		return f.t(d.Key, args...)
	}
	return f.t("ui.problem.invalid")
}

// general is a problem about no field of the form in the form's language when it has a key
// (an answer to a field the form does not have), else as the service said it.
func (f *form) general(d records.Detail) string {
	if d.Key != "" {
		return f.problem(d)
	}
	return d.Message
}

// count is the number of problems on fields.
func (f *form) count() int {
	n := 0
	for _, e := range f.errors {
		n += len(e)
	}
	return n
}

// documentKind is the kind of paper a document answer names when the registrar is not asked:
// the field's only kind, or "document" when the field names none.
func documentKind(fl bundle.Field) string {
	if len(fl.DocumentTypes) > 0 {
		return fl.DocumentTypes[0]
	}
	return "document"
}
