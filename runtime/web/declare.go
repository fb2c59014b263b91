package web

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// pluralForms are the texts of a plural message by plural category ("one", "other", "=0"),
// with the plural's number left as {arg}.
type pluralForms struct {
	Arg   string            `json:"arg"`
	Forms map[string]string `json:"forms"`
}

// formConfig is what the form's script needs: the rules, the texts of their messages in the
// page's language, and what the rules read besides the declaration.
type formConfig struct {
	Event    string            `json:"event"`
	Draft    bool              `json:"draft"` // the form takes up a draft saved on the server
	RulesURL string            `json:"rulesURL"`
	Rules    any               `json:"rules"`
	Messages map[string]string `json:"messages"`
	Context  map[string]any    `json:"context"`
	Texts    map[string]string `json:"texts"`
	// Plurals: of each plural message among Texts and Messages, its texts by plural category
	// and the argument whose number picks one (see i18n.Catalog.PluralForms): the script picks
	// with Intl.PluralRules (app.js format).
	Plurals map[string]pluralForms `json:"plurals,omitempty"`
	// Creating is the actions that create a record the user's role may take, with their
	// conditions: when none holds for the answers typed, the form says why at once (a late
	// birth at a hospital), not after every page is filled. Empty on a record's form.
	Creating []creatingAction `json:"creating,omitempty"`
	// DateField is the event's date field, when some area of the package begins or ends: the
	// place search is asked for the places of the date typed there (see Server.places).
	DateField string `json:"dateField,omitempty"`
}

type creatingAction struct {
	ID         string             `json:"id"`
	If         *rules.Node        `json:"if,omitempty"`
	Conditions []bundle.Condition `json:"conditions,omitempty"`
}

type declareView struct {
	view
	Event    string
	Key      string        // the declaration's idempotency key: sent twice, it is stored once
	Form     template.HTML // the pages, rendered (see formHTML)
	Problems int           // on fields
	General  []string      // about no field (an action's condition that does not hold)
	Config   template.JS   // formConfig as JSON: encoding/json escapes <, > and &, so it cannot end the script
	Review   *reviewView   // the declaration read back before it is sent (see review)
}

func (s *Server) declarePage(rq *request) {
	ev := s.Records.Model.Events[rq.r.PathValue("event")]
	if ev == nil {
		s.problem(rq, http.StatusNotFound, "ui.error.notFound")
		return
	}
	if !s.Records.CanDeclare(rq.actor, ev.ID) {
		s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
		return
	}
	// A declaration in progress saved on the server (from this device or another) is taken up
	// again under its id, which is also its idempotency key.
	if id := rq.r.URL.Query().Get("draft"); id != "" {
		d, err := s.Records.Store.Draft(rq.r.Context(), rq.actor.User.Username, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && d.Event != ev.ID {
			s.problem(rq, http.StatusNotFound, "ui.error.notFound")
			return
		}
		if err != nil {
			s.fail(rq, err)
			return
		}
		var data map[string]any
		json.Unmarshal(d.Data, &data)
		f := s.newForm(rq.lang, ev, data, s.Records.RuleContext(rq.actor, nil))
		f.draft = true
		s.showDeclare(rq, f, http.StatusOK, d.ID, nil)
		return
	}
	// A new declaration starts from the package's defaults (a single birth...), shown as
	// answers the user may change; the rules read them as they read any answer.
	f := s.newForm(rq.lang, ev, defaults(ev), s.Records.RuleContext(rq.actor, nil))
	f.fresh = true
	s.showDeclare(rq, f, http.StatusOK, rand.Text(), nil)
}

// defaults is the answers a new declaration of ev starts with: each field's default in the
// package. Never those of a draft or of a record edited: there, an answer left empty is the
// user's.
func defaults(ev *records.Event) map[string]any {
	data := map[string]any{}
	for _, p := range ev.Pages {
		for _, fl := range p.Fields {
			if fl.Default != nil {
				data[fl.ID] = fl.Default
			}
		}
	}
	return data
}

// blankKey is what a blank form's pages depend on: the event, the language, and what its
// rules read besides the declaration (the user's role, office and area, today).
type blankKey struct{ event, lang, role, office, area, today string }

// formHTML renders a form's pages. A blank form (a new declaration's, with the package's
// defaults only) is rendered once per blankKey and kept: most of a declaration page is its form
// (70 fields for a birth), the same for every registrar of an office on a given day, and
// rendering it is most of a page's time.
func (s *Server) formHTML(rq *request, f *form) (template.HTML, error) {
	blank := f.fresh && f.count() == 0
	key := blankKey{f.ev.ID, f.lang, rq.actor.User.Role, rq.actor.Office.Code, rq.actor.Office.Area, s.Records.Today()}
	if blank {
		s.blankMu.Lock()
		h, ok := s.blankForms[key]
		s.blankMu.Unlock()
		if ok {
			return h, nil
		}
	}
	var b bytes.Buffer
	if err := s.pages["declare"].ExecuteTemplate(&b, "pages", f.inputs()); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	if blank {
		s.blankMu.Lock()
		if len(s.blankForms) >= maxBlank || s.blankForms == nil {
			s.blankForms = map[blankKey]template.HTML{}
		}
		s.blankForms[key] = h
		s.blankMu.Unlock()
	}
	return h, nil
}

// config is what a form's script needs (see formConfig); r is the record edited, if any.
func (s *Server) config(rq *request, f *form, r *store.Record) formConfig {
	c := formConfig{Event: f.ev.ID, RulesURL: "/static/" + s.statics["rules.js"].versioned, Rules: f.ev.Rules, Messages: map[string]string{},
		Context: map[string]any{"today": s.Records.Today(),
			"user": map[string]string{"role": rq.actor.User.Role, "office": rq.actor.Office.Code, "area": rq.actor.Office.Area}},
		Texts: map[string]string{}}
	if ix := s.placeIndex(); ix != nil && ix.dated {
		c.DateField = f.ev.DateField
	}
	if r != nil {
		c.Context["record"] = map[string]any{"status": r.Status, "flags": r.Flags}
	} else {
		for _, a := range f.ev.Event.Actions {
			if len(a.From) == 0 && rq.actor.Role.Grants(f.ev.ID, a.ID) {
				c.Creating = append(c.Creating, creatingAction{a.ID, a.If, a.Conditions})
				for _, cond := range a.Conditions {
					c.Messages[cond.Message] = s.Catalog.Text(rq.lang, cond.Message)
				}
			}
		}
	}
	for _, fl := range f.ev.Rules.Fields {
		for _, ch := range fl.Checks {
			c.Messages[ch.Message] = s.Catalog.Text(rq.lang, ch.Message)
		}
	}
	for _, k := range []string{"ui.form.requiredAnswer", "ui.form.characters", "ui.form.saved", "ui.form.offline", "ui.form.sent", "ui.form.notNumber", "ui.form.required", "ui.form.errors",
		"ui.form.next", "ui.form.back", "ui.form.review", "ui.form.attached", "ui.form.uploadFailed", "ui.form.fileKept",
		"ui.form.change", "ui.form.missing", "ui.list.items"} {
		c.Texts[k] = s.Catalog.Text(rq.lang, k)
	}
	// What the server may refuse, for the script to say it in the page's language.
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, "ui.problem.") {
			c.Texts[k] = s.Catalog.Text(rq.lang, k)
		}
	}
	for _, texts := range []map[string]string{c.Texts, c.Messages} {
		for k := range texts {
			if arg := s.Catalog.PluralArg(rq.lang, k); arg != "" {
				if c.Plurals == nil {
					c.Plurals = map[string]pluralForms{}
				}
				c.Plurals[k] = pluralForms{Arg: arg, Forms: s.Catalog.PluralForms(rq.lang, k, arg)}
			}
		}
	}
	return c
}

func (s *Server) showDeclare(rq *request, f *form, status int, key string, general []string) {
	c := s.config(rq, f, nil)
	c.Draft = f.draft
	cfg, _ := json.Marshal(c)
	pages, err := s.formHTML(rq, f)
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.render(rq.w, rq.r, status, "declare", declareView{
		view: s.newView(rq.lang, s.Catalog.Text(rq.lang, f.ev.Label), rq), Event: f.ev.ID, Key: key,
		Form: pages, Problems: f.count(), General: general, Config: template.JS(cfg)})
}

// attach stores the files a form sent without its script (multipart) as the user's documents,
// each then carried by its id in <field>.file, as the script sends it. A file refused (its type,
// its size) is a problem of its field.
func (s *Server) attach(rq *request, ev *records.Event, f *form, post url.Values) error {
	if rq.r.MultipartForm == nil {
		return nil
	}
	for _, p := range ev.Pages {
		for _, fl := range p.Fields {
			if fl.Type != "document" {
				continue
			}
			heads := rq.r.MultipartForm.File[fl.ID]
			if len(heads) == 0 || heads[0].Size == 0 {
				continue
			}
			h := heads[0]
			file, err := h.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(file, store.MaxDocumentSize+1))
			file.Close()
			if err != nil {
				return err
			}
			doc, _, err := s.Records.SaveDocument(rq.r.Context(), rq.actor, h.Filename, data)
			var re *records.Error
			if errors.As(err, &re) && re.Kind != records.Forbidden {
				f.errors[fl.ID] = append(f.errors[fl.ID], f.t("ui.form.badFile", "name", h.Filename))
				continue
			}
			if err != nil {
				return err
			}
			post.Set(fl.ID+".file", doc.ID)
			f.files[doc.ID] = doc.Name
		}
	}
	return nil
}

// posted reads the answers a form sent, its files stored first (see attach); false when it
// failed and the page is written.
func (s *Server) posted(rq *request, ev *records.Event) (*form, bool) {
	f := s.newForm(rq.lang, ev, nil, nil)
	if err := s.attach(rq, ev, f, rq.r.PostForm); err != nil {
		s.fail(rq, err)
		return nil, false
	}
	f.read(rq.r.PostForm)
	return f, true
}

// declare takes a declaration sent by the form without its script (with it, the script sends
// it to the API): read, checked by the service, and shown again with every problem in place,
// or stored and shown.
func (s *Server) declare(rq *request) {
	ev := s.Records.Model.Events[rq.r.PathValue("event")]
	if ev == nil {
		s.problem(rq, http.StatusNotFound, "ui.error.notFound")
		return
	}
	key := rq.r.PostFormValue("key")
	if key == "" || len(key) > 100 {
		key = rand.Text()
	}
	f, ok := s.posted(rq, ev)
	if !ok {
		return
	}
	if rq.r.PostFormValue("review") != "" {
		s.review(rq, ev, f, key)
		return
	}
	rctx := s.Records.RuleContext(rq.actor, nil)
	if f.count() > 0 {
		// What the form could not read is told with every other problem of the declaration,
		// not one round after: the service's, on the fields not already refused.
		shown := s.newForm(rq.lang, ev, f.data, rctx)
		shown.raw, shown.files = f.raw, f.files
		data, _ := json.Marshal(f.data)
		var general []string
		if re := s.Records.Problems(rq.actor, ev.ID, data); re != nil {
			for _, d := range shown.refused(re) {
				general = append(general, shown.general(d))
			}
		}
		for id, errs := range f.errors {
			shown.errors[id] = errs // in place of "required": the answer is there, unread
		}
		s.showDeclare(rq, shown, http.StatusUnprocessableEntity, key, general)
		return
	}
	data, _ := json.Marshal(f.data)
	r, _, err := s.Records.Declare(rq.r.Context(), rq.actor, records.Declaration{Event: ev.ID, Data: data, IdempotencyKey: key})
	var re *records.Error
	// Refused for its answers, or because no action the user may take applies to them (a late
	// birth at a hospital): shown again with what to do, the answers kept.
	if errors.As(err, &re) && (re.Kind == records.Invalid || re.Kind == records.BadRequest || re.Kind == records.Conflict) {
		shown := s.newForm(rq.lang, ev, f.data, rctx)
		shown.files = f.files
		var general []string
		for _, d := range shown.refused(re) {
			general = append(general, shown.general(d))
		}
		s.showDeclare(rq, shown, http.StatusUnprocessableEntity, key, general)
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	// The draft it was, if it was one, is done with.
	if err := s.Records.Store.DeleteDraft(rq.r.Context(), rq.actor.User.Username, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.Log.Error("draft not deleted", "user", rq.actor.User.Username, "draft", key, "err", err)
	}
	flash(rq.w, s.Catalog.Text(rq.lang, "ui.form.sent", "id", r.ID))
	http.Redirect(rq.w, rq.r, "/records/"+r.ID, http.StatusSeeOther)
}
