package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// An action that edits the declaration (a registrar fixing it while validating, a correction
// asked for) is taken on the record's form, filled with its answers: what the registrar
// changes is sent with the action, which the service checks with the form's rules again.

type editView struct {
	view
	Record          recordLine
	Action, Label   string
	Version         int64
	CommentRequired bool
	Comment         string
	Form            template.HTML
	Problems        int
	General         []string
	Config          template.JS
	// Changed: the record changed since the user's form was shown (see editChanged).
	Changed *changedView
	// Final: the action cannot be undone, and asks to be confirmed (see final).
	Final bool
}

// editable finds a record and an action of it that edits its declaration, which the user may
// take now.
func (s *Server) editable(rq *request) (*store.Record, *records.Action, bool) {
	r, err := s.Records.Read(rq.r.Context(), rq.actor, rq.r.PathValue("id"))
	if err != nil {
		s.fail(rq, err)
		return nil, nil, false
	}
	if a := s.editAction(rq, r, rq.r.PathValue("action")); a != nil {
		return r, a, true
	}
	// An action of the record's that it is past (a link on a page of an older version):
	// the record as it is now, saying so.
	if ev, _, err := s.Records.EventOf(rq.r.Context(), r); err == nil {
		if a := ev.Actions[rq.r.PathValue("action")]; a != nil && a.Edits != "" {
			s.showRecord(rq, r, http.StatusConflict, s.Catalog.Text(rq.lang, "ui.conflict.notNow", "action", ev.Texts.Text(rq.lang, a.Label)))
			return nil, nil, false
		}
	}
	s.problem(rq, http.StatusConflict, "ui.error.conflict")
	return nil, nil, false
}

func (s *Server) editPage(rq *request) {
	r, a, ok := s.editable(rq)
	if !ok {
		return
	}
	// A record of an older version that the action moves is edited on the current form.
	ev, data, err := s.Records.Editing(rq.r.Context(), rq.actor, r, a.ID)
	if err != nil {
		s.fail(rq, err)
		return
	}
	f := s.newForm(rq.lang, ev, data, s.Records.RuleContext(rq.actor, r))
	s.showEdit(rq, r, a, f, http.StatusOK, "", nil, nil)
}

func (s *Server) showEdit(rq *request, r *store.Record, a *records.Action, f *form, status int, comment string, general []string, changed *changedView) {
	var b bytes.Buffer
	if err := s.pages["edit"].ExecuteTemplate(&b, "pages", f.inputs()); err != nil {
		s.fail(rq, err)
		return
	}
	cfg, _ := json.Marshal(s.config(rq, f, r))
	label := f.t(a.Label)
	s.render(rq.w, rq.r, status, "edit", editView{
		view:   s.newView(rq.lang, label+" · "+r.Title, rq),
		Record: s.lines(rq.lang, store.Page{Records: []store.Record{*r}})[0], Action: a.ID, Label: label, Version: r.Version,
		CommentRequired: a.CommentRequired, Comment: comment, Form: template.HTML(b.String()),
		Problems: f.count() + len(general), General: general, Config: template.JS(cfg),
		Changed: changed, Final: final(f.ev, a)})
}

// edit takes the action with the answers changed on the form. A form of an older version of
// the record (changed by someone else since it was shown) is answered with the record as it
// is now, the user's answers kept (see editChanged).
func (s *Server) edit(rq *request) {
	r, err := s.Records.Get(rq.r.Context(), rq.actor, rq.r.PathValue("id"))
	if err != nil {
		s.fail(rq, err)
		return
	}
	version, verr := strconv.ParseInt(rq.r.PostFormValue("version"), 10, 64)
	a := s.editAction(rq, r, rq.r.PathValue("action"))
	stale := verr == nil && version != r.Version
	if verr != nil || (a == nil && !stale) {
		s.problem(rq, http.StatusConflict, "ui.error.conflict")
		return
	}
	ev, old, err := s.Records.Editing(rq.r.Context(), rq.actor, r, rq.r.PathValue("action"))
	if err != nil {
		s.fail(rq, err)
		return
	}
	f, ok := s.posted(rq, ev)
	if !ok {
		return
	}
	comment := strings.TrimSpace(rq.r.PostForm.Get("comment"))
	if stale {
		s.editChanged(rq, r, rq.r.PathValue("action"), version, f, comment)
		return
	}
	rctx := s.Records.RuleContext(rq.actor, r)
	before := s.newForm(rq.lang, ev, old, rctx)

	back := func(status int, general []string) {
		shown := s.newForm(rq.lang, ev, f.data, rctx)
		shown.raw, shown.errors, shown.files = f.raw, f.errors, f.files
		if general == nil {
			general = []string{}
		}
		s.showEdit(rq, r, a, shown, status, comment, general, nil)
	}
	if f.count() > 0 {
		back(http.StatusUnprocessableEntity, nil)
		return
	}
	// An action that cannot be undone is taken only when the user ticked its box.
	if final(ev, a) && rq.r.PostFormValue("confirm") != "yes" {
		back(http.StatusUnprocessableEntity, []string{s.Catalog.Text(rq.lang, "ui.record.confirmFirst", "action", ev.Texts.Text(rq.lang, a.Label))})
		return
	}
	// What changed: the answers that differ from the record's, and those taken away. A field
	// the form shows disabled to this user is not sent (its input posts nothing), and keeps
	// its value.
	changed := map[string]any{}
	for _, id := range before.postable() {
		was, _ := json.Marshal(old[id])
		now, _ := json.Marshal(f.data[id])
		if !bytes.Equal(was, now) {
			changed[id] = f.data[id] // nil: taken away
		}
	}
	req := records.ActionRequest{Action: a.ID, Version: version, Comment: comment}
	if len(changed) > 0 || a.Edits == "proposal" {
		req.Data, _ = json.Marshal(changed)
	}
	next, err := s.Records.Act(rq.r.Context(), rq.actor, r.ID, req)
	if staleVersion(err) {
		// Changed since it was read above.
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, r.ID)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		s.editChanged(rq, cur, a.ID, version, f, comment)
		return
	}
	var re *records.Error
	if errors.As(err, &re) && (re.Kind == records.Invalid || re.Kind == records.BadRequest) {
		shown := s.newForm(rq.lang, ev, f.data, rctx)
		shown.files = f.files
		var general []string
		for _, d := range shown.refused(re) {
			switch d.Path {
			case "/comment":
				general = append(general, s.Catalog.Text(rq.lang, "ui.record.commentRequired"))
			case "/data":
				general = append(general, s.Catalog.Text(rq.lang, "ui.form.nothingChanged"))
			default:
				general = append(general, shown.general(d))
			}
		}
		s.showEdit(rq, r, a, shown, http.StatusUnprocessableEntity, comment, general, nil)
		return
	}
	if _, _, held := holdRefusal(err); held {
		// The action needs the record assigned to the user: the form again, their answers
		// kept, with why.
		text, status, herr := s.holdProblem(rq, r, err)
		if herr != nil {
			s.fail(rq, herr)
			return
		}
		shown := s.newForm(rq.lang, ev, f.data, rctx)
		shown.files = f.files
		s.showEdit(rq, r, a, shown, status, comment, []string{text}, nil)
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	flash(rq.w, s.Catalog.Text(rq.lang, "ui.record.done", "action", ev.Texts.Text(rq.lang, a.Label)))
	http.Redirect(rq.w, rq.r, "/records/"+next.ID, http.StatusSeeOther)
}
