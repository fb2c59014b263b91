package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// A page is of one version of its record, sent back with what the user posts. When someone
// else changed the record meanwhile, the service refuses the action (stale): the user lands
// on the record as it is now, told who changed what and when, with what they typed kept.
// Nothing is taken on their behalf: the page carries the new version, so sending again is
// their decision, made with the change in view.

// changedView is what changed on a record since the version a user's page showed.
type changedView struct {
	Entries []changedEntry
	// Unsaved: the answers the user changed that could not be kept on a form (the action
	// cannot be taken any more), as "field: value"; UnsavedText introduces them.
	UnsavedText string
	Unsaved     []string
	// Kept says what became of what the user sent.
	Kept string
	// Action and Comment: the action the user took on the record page, and the comment they
	// wrote for it, put back in its box.
	Action, Comment string
}

type changedEntry struct {
	Text    string
	Comment string
	Changes []string
}

// changedSince is the entries of r's history after version, told in the user's language.
func (s *Server) changedSince(rq *request, r *store.Record, version int64) []changedEntry {
	ev, _, err := s.Records.EventOf(rq.r.Context(), r)
	if err != nil {
		return nil
	}
	f := s.newForm(rq.lang, ev, nil, nil)
	var out []changedEntry
	for _, e := range s.Records.Redact(rq.actor, r.History) {
		if e.Version <= version {
			continue
		}
		label := e.Action
		if a := ev.Actions[e.Action]; a != nil {
			label = ev.Texts.Text(rq.lang, a.Label)
		} else if e.Action == records.FoundAction {
			label = s.Catalog.Text(rq.lang, "ui.duplicates.found")
		}
		user := s.nameOf(rq, e.User)
		ce := changedEntry{Comment: e.Comment,
			Text: s.Catalog.Text(rq.lang, "ui.conflict.by", "user", user, "at", s.when(rq.lang, e.At), "action", label)}
		for _, c := range e.Changes {
			ce.Changes = append(ce.Changes, s.Catalog.Text(rq.lang, "ui.record.changed", "field", f.label(c.Field),
				"old", f.shown(c.Field, c.Old), "new", f.shown(c.Field, c.New)))
		}
		out = append(out, ce)
	}
	return out
}

// openedData is the record's answers as they were at version, undoing the changes of the
// later entries (those of a proposal changed nothing: they wait for their approval).
func openedData(ev *records.Event, now map[string]any, history []store.Entry, version int64) map[string]any {
	out := maps.Clone(now)
	for i := len(history) - 1; i >= 0 && history[i].Version > version; i-- {
		e := history[i]
		if a := ev.Actions[e.Action]; a != nil && a.Edits == "proposal" {
			continue
		}
		for _, c := range e.Changes {
			if len(c.Old) == 0 {
				delete(out, c.Field)
				continue
			}
			var v any
			json.Unmarshal(c.Old, &v)
			out[c.Field] = v
		}
	}
	return out
}

// staleVersion tells the service's refusal of an action on a version of the record that is
// not its latest.
func staleVersion(err error) bool {
	var re *records.Error
	return errors.As(err, &re) && re.Kind == records.Conflict && len(re.Details) == 1 &&
		re.Details[0].Code == "stale" && re.Details[0].Path == "/version"
}

func sameAnswer(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// editAction is the action of r named id that edits its declaration, if the actor may take
// it now; else nil.
func (s *Server) editAction(rq *request, r *store.Record, id string) *records.Action {
	for _, a := range s.Records.Available(rq.r.Context(), rq.actor, r) {
		if a.ID == id && a.Edits != "" {
			return a
		}
	}
	return nil
}

// editChanged answers a form posted for version when the record (cur) is at another: the
// form again at cur's version, with the user's answers where they changed them (the
// record's now where they did not: the other user's changes are kept), those that differ
// from the record marked with its value. When the action cannot be taken any more, the
// record's page, with the user's changes listed.
func (s *Server) editChanged(rq *request, cur *store.Record, action string, version int64, f *form, comment string) {
	ev, now, err := s.Records.Editing(rq.r.Context(), rq.actor, cur, action)
	if err != nil {
		s.fail(rq, err)
		return
	}
	if now == nil {
		now = map[string]any{}
	}
	opened := openedData(ev, now, cur.History, version)
	rctx := s.Records.RuleContext(rq.actor, cur)
	// A field the user's form showed disabled posted nothing: not theirs to change.
	before := s.newForm(rq.lang, ev, opened, rctx)
	kept := maps.Clone(now)
	var mine []string
	for _, id := range before.postable() {
		_, typed := f.raw[id]
		if !typed && sameAnswer(f.data[id], opened[id]) {
			continue
		}
		mine = append(mine, id)
		if v, ok := f.data[id]; ok {
			kept[id] = v
		} else {
			delete(kept, id)
		}
	}
	changed := &changedView{Entries: s.changedSince(rq, cur, version)}
	a := s.editAction(rq, cur, action)
	if a == nil {
		label := action
		if ea := ev.Actions[action]; ea != nil {
			label = s.Catalog.Text(rq.lang, ea.Label)
		}
		for _, id := range mine {
			text := f.text(f.byID[id], f.data[id])
			if raw, ok := f.raw[id]; ok {
				text = raw
			}
			changed.Unsaved = append(changed.Unsaved, s.Catalog.Text(rq.lang, "ui.record.answer", "field", f.label(id), "value", text))
		}
		if len(changed.Unsaved) > 0 {
			changed.UnsavedText = s.Catalog.Text(rq.lang, "ui.conflict.unsaved", "action", label)
		}
		changed.Kept = s.Catalog.Text(rq.lang, "ui.conflict.again")
		s.showRecordWith(rq, cur, http.StatusConflict, "", changed)
		return
	}
	shown := s.newForm(rq.lang, ev, kept, rctx)
	shown.raw, shown.errors, shown.files = f.raw, f.errors, f.files
	for _, id := range mine {
		if _, typed := f.raw[id]; typed || !sameAnswer(kept[id], now[id]) {
			raw, _ := json.Marshal(now[id])
			if now[id] == nil {
				raw = nil
			}
			shown.conflicts[id] = s.Catalog.Text(rq.lang, "ui.conflict.field", "value", shown.shown(id, raw))
		}
	}
	changed.Kept = s.Catalog.Text(rq.lang, "ui.conflict.kept")
	s.showEdit(rq, cur, a, shown, http.StatusConflict, comment, nil, changed)
}

// actChanged answers an action posted from the record's page of version when the record
// (cur) is at another: its page as it is now, with the change told and the comment kept.
func (s *Server) actChanged(rq *request, cur *store.Record, action string, version int64, comment string) {
	s.showRecordWith(rq, cur, http.StatusConflict, "", &changedView{Entries: s.changedSince(rq, cur, version),
		Kept: s.Catalog.Text(rq.lang, "ui.conflict.again"), Action: action, Comment: comment})
}
