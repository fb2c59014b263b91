package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// recordLine is a record in a list: a queue, search results.
type recordLine struct {
	ID, Title, Event, Status, Number, EventDate, Declared string
	Flags                                                 []string
}

func (s *Server) lines(lang string, p store.Page) []recordLine {
	var out []recordLine
	for _, r := range p.Records {
		ev := s.Records.Model.Events[r.Event]
		l := recordLine{ID: r.ID, Title: r.Title, Number: r.Number, EventDate: s.Catalog.LongDate(lang, r.EventDate), Declared: s.when(lang, r.Created)}
		if ev != nil {
			l.Event = s.Catalog.Text(lang, ev.Label)
			l.Status = s.Catalog.Text(lang, "status."+r.Status)
			for _, f := range ev.Flags {
				if slices.Contains(r.Flags, f.ID) {
					l.Flags = append(l.Flags, s.Catalog.Text(lang, f.Label))
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// draftLine is a declaration in progress the user saved on the server, to take up again.
type draftLine struct {
	ID, Event, Label, Title, Updated string
}

type queueView struct {
	Label, Event, Action string
	// Count is how many records wait in the queue ("100+" past queueCountMax).
	Count   string
	Records []recordLine
	Next    string
	// Certificates: the queue's action prints one of these, and the queue can be printed at once.
	Certificates []certificateOption
}

// work is the user's work queues, each with its oldest records.
func (s *Server) work(rq *request) {
	s.showWork(rq, http.StatusOK, "")
}

// showWork is the work page, with a problem to tell when one is given.
func (s *Server) showWork(rq *request, status int, problem string) {
	var queues []queueView
	after := rq.r.URL.Query()
	for _, q := range s.Records.Queues(rq.actor) {
		// An action that needs a reason (reject, ask for a correction) is the exception taken on
		// a record of another queue, offered on its page: its own queue would repeat that one.
		if s.Records.Model.Events[q.Event].Actions[q.Action].CommentRequired {
			continue
		}
		p, err := s.Records.QueueRecords(rq.r.Context(), rq.actor, q.Event, q.Action, after.Get(q.Event+"/"+q.Action), 10)
		if err != nil {
			s.fail(rq, err)
			return
		}
		// An empty queue is not shown: the page is what there is to do.
		if len(p.Records) == 0 && p.Next == "" {
			continue
		}
		// One page is the whole queue, or the queue is counted (up to queueCountMax).
		n, more := len(p.Records), false
		if p.Next != "" {
			if n, more, err = s.Records.QueueCount(rq.r.Context(), rq.actor, q.Event, q.Action, queueCountMax); err != nil {
				s.fail(rq, err)
				return
			}
		}
		if n == 0 {
			continue
		}
		count := fmt.Sprint(n)
		if more {
			count += "+"
		}
		qv := queueView{Label: s.Catalog.Text(rq.lang, s.Records.Model.Events[q.Event].Label) + " · " + s.Catalog.Text(rq.lang, q.Label),
			Event: q.Event, Action: q.Action, Count: count, Records: s.lines(rq.lang, p)}
		if s.Records.Model.Events[q.Event].Actions[q.Action].Prints && len(p.Records) > 0 {
			qv.Certificates = s.certificateOptions(rq.lang, q.Event, s.Records.Current())
		}
		if p.Next != "" {
			qv.Next = "?" + q.Event + "/" + q.Action + "=" + p.Next
		}
		queues = append(queues, qv)
	}
	saved, err := s.Records.Store.Drafts(rq.r.Context(), rq.actor.User.Username)
	if err != nil {
		s.fail(rq, err)
		return
	}
	var drafts []draftLine
	for _, d := range saved {
		ev := s.Records.Model.Events[d.Event]
		if ev == nil {
			continue
		}
		var data map[string]any
		json.Unmarshal(d.Data, &data)
		title := ""
		if ev.Title != nil {
			if v := ev.Title.Eval(data, s.Records.RuleContext(rq.actor, nil)); v.Kind() == rules.String {
				title = v.Str()
			}
		}
		drafts = append(drafts, draftLine{ID: d.ID, Event: d.Event, Label: s.Catalog.Text(rq.lang, ev.Label), Title: title, Updated: s.when(rq.lang, d.Updated)})
	}
	sent, err := s.Records.SentBy(rq.r.Context(), rq.actor, sentShown)
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.render(rq.w, rq.r, status, "work", struct {
		view
		Problem string
		Drafts  []draftLine
		Queues  []queueView
		// Sent: the user's own declarations, newest first, with where each stands.
		Sent []recordLine
	}{s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.nav.work"), rq), problem, drafts, queues, s.lines(rq.lang, store.Page{Records: sent})})
}

// queueCountMax is the most records a queue's count counts; sentShown the most of the user's
// own declarations the work page lists.
const (
	queueCountMax = 100
	sentShown     = 20
)

type statusOption struct {
	ID, Label string
	Selected  bool
}

// search finds records by name, tracking ID or number, and status, within the jurisdiction.
func (s *Server) search(rq *request) {
	v := rq.r.URL.Query()
	name, id, status := strings.TrimSpace(v.Get("name")), strings.TrimSpace(v.Get("id")), v.Get("status")
	var statuses []statusOption
	seen := map[string]bool{}
	for _, ev := range s.Records.Model.Bundle.Events {
		for _, st := range ev.Statuses {
			if !seen[st.ID] {
				seen[st.ID] = true
				statuses = append(statuses, statusOption{st.ID, s.Catalog.Text(rq.lang, st.Label), st.ID == status})
			}
		}
	}
	var found []recordLine
	next := ""
	asked := name != "" || id != "" || status != ""
	if asked {
		q := store.Query{After: v.Get("after")}
		if status != "" {
			q.Statuses = []string{status}
		}
		// One box for both, in any case: what reads as a tracking ID is looked for as one,
		// then as a number if no record has it; anything else is a number.
		isID := records.IsTrackingID(id)
		if isID {
			q.ID = id
		} else {
			q.Number = id
		}
		p, err := s.Records.Search(rq.r.Context(), rq.actor, q, name)
		if err == nil && isID && len(p.Records) == 0 {
			q.ID, q.Number = "", id
			p, err = s.Records.Search(rq.r.Context(), rq.actor, q, name)
		}
		if err != nil {
			s.fail(rq, err)
			return
		}
		found = s.lines(rq.lang, p)
		if p.Next != "" {
			nv := v
			nv.Set("after", p.Next)
			next = "?" + nv.Encode()
		}
	}
	s.render(rq.w, rq.r, http.StatusOK, "search", struct {
		view
		Name, ID string
		Statuses []statusOption
		Asked    bool
		Found    []recordLine
		Next     string
	}{s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.nav.search"), rq), name, id, statuses, asked, found, next})
}

// actionView is an action offered on a record: a button, and for one that edits the
// declaration a link to the form it is taken on (only the link, for a correction proposed).
type actionView struct {
	ID, Label       string
	CommentRequired bool
	Edits           string
	Button          bool
	// Certificates: the action prints one of these.
	Certificates []certificateOption
	// Final: the action cannot be undone (it registers, or refuses with a reason): it asks
	// to be confirmed, and looks dangerous.
	Final bool
	// Comment: what the user wrote for it, shown again when it was not taken.
	Comment string
	// Locked: why the action is not open to the user yet (it needs the record assigned to
	// them): shown beside it, disabled.
	Locked string
}

// final tells an action that cannot be undone: the one that gives the registration number,
// and those that change a record's status for a reason (a rejection, a revocation).
func final(ev *records.Event, a *records.Action) bool {
	return a.ID == ev.Numbering.Action || (a.CommentRequired && a.To != "")
}

type entryView struct {
	Text    string
	Comment string
	Changes []string
}

// record shows a record: its data page by page, status, flags, history, and the actions the
// user may take on it now.
func (s *Server) record(rq *request) {
	r, err := s.Records.Read(rq.r.Context(), rq.actor, rq.r.PathValue("id"))
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.showRecord(rq, r, http.StatusOK, "")
}

func (s *Server) showRecord(rq *request, r *store.Record, status int, problem string) {
	s.showRecordWith(rq, r, status, problem, nil)
}

// showRecordWith shows a record with what changed since the user's page of it (changed, when
// not nil: see conflict.go), the comment they wrote for the action they took kept.
func (s *Server) showRecordWith(rq *request, r *store.Record, status int, problem string, changed *changedView) {
	// The record's own version: its form, labels and certificates as it was declared.
	ev, ver, err := s.Records.EventOf(rq.r.Context(), r)
	if err != nil {
		s.fail(rq, err)
		return
	}
	var data map[string]any
	json.Unmarshal(r.Data, &data)
	f := s.newForm(rq.lang, ev, data, nil)
	held, assignment, err := s.holdOf(rq, r)
	if err != nil {
		s.fail(rq, err)
		return
	}
	var actions []actionView
	for _, a := range s.Records.Available(rq.r.Context(), rq.actor, r) {
		if d := ev.Duplicates; d != nil && (a.ID == d.Confirm || a.ID == d.Dismiss) {
			continue // taken on the comparison page, with the candidates in view
		}
		av := actionView{ID: a.ID, Label: ev.Texts.Text(rq.lang, a.Label), CommentRequired: a.CommentRequired,
			Edits: a.Edits, Button: a.Edits != "proposal", Final: final(ev, a)}
		if a.Prints {
			av.Certificates = s.certificateOptions(rq.lang, r.Event, ver)
		}
		if changed != nil && changed.Action == a.ID {
			av.Comment = changed.Comment
		}
		av.Locked = s.locked(rq, r, held, a.ID)
		actions = append(actions, av)
	}
	var history []entryView
	for _, e := range s.Records.Redact(rq.actor, r.History) {
		he := entryView{Comment: e.Comment}
		label := e.Action
		if a := ev.Actions[e.Action]; a != nil {
			label = ev.Texts.Text(rq.lang, a.Label)
		} else if e.Action == records.FoundAction {
			label = s.Catalog.Text(rq.lang, "ui.duplicates.found")
		} else if e.Action == records.MoveAction {
			label = s.Catalog.Text(rq.lang, "ui.history.moved")
		} else if key, ok := hookEntryKeys[e.Action]; ok {
			if d := records.HookDetailOf(e); d != nil {
				label = s.Catalog.Text(rq.lang, key, "action", s.actionLabel(rq, r, d.Action), "system", d.System)
			}
		}
		office := s.officeName(e.Office, rq.lang)
		user := s.nameOf(rq, e.User)
		he.Text = s.Catalog.Text(rq.lang, "ui.history.by", "action", label, "user", user, "office", office, "at", s.when(rq.lang, e.At))
		for _, c := range e.Changes {
			he.Changes = append(he.Changes, s.Catalog.Text(rq.lang, "ui.record.changed", "field", f.label(c.Field),
				"old", f.shown(c.Field, c.Old), "new", f.shown(c.Field, c.New)))
		}
		he.Changes = append(he.Changes, s.movedText(rq.lang, e, f)...)
		he.Changes = append(he.Changes, s.printingText(rq.lang, e, r.Event, ver)...)
		he.Changes = append(he.Changes, s.duplicatesText(rq.lang, e, r.Event)...)
		history = append(history, he)
	}
	var waiting []string
	if w, ok := s.Records.WaitingOn(rq.r.Context(), r); ok {
		waiting = append(waiting, s.Catalog.Text(rq.lang, "ui.record.hookWaiting", "action", s.actionLabel(rq, r, w.Action),
			"system", w.System, "at", s.when(rq.lang, w.Since)))
	}
	for _, w := range s.Records.Waiting(rq.r.Context(), rq.actor, r) {
		var roles []string
		for _, role := range w.Roles {
			roles = append(roles, s.Catalog.Text(rq.lang, role.Label))
		}
		actionLabel := ev.Texts.Text(rq.lang, w.Action.Label)
		// The roles are a count for the text's grammar ("du rôle X", "de l'un de ces rôles : X ou
		// Y"), so that no article is left to agree with a role's name.
		text := s.Catalog.Text(rq.lang, "ui.record.waiting", "action", actionLabel,
			"roles", s.Catalog.List(rq.lang, "ui.list.or", roles), "count", strconv.Itoa(len(roles)))
		if w.Why != "" {
			text = s.Catalog.Text(rq.lang, "ui.record.waitingWhy", "waiting", text, "why", ev.Texts.Text(rq.lang, w.Why))
		}
		waiting = append(waiting, text)
	}
	review, of, err := s.reviewOf(rq, r)
	if err != nil {
		s.fail(rq, err)
		return
	}
	office := s.officeName(r.Office, rq.lang)
	s.render(rq.w, rq.r, status, "record", struct {
		view
		Record  recordLine
		Version int64
		Office  string
		Pages   []pageView
		Actions []actionView
		// Waiting: what the record waits for from others, and from whom.
		Waiting []string
		History []entryView
		Problem string
		// Review: the record has possible duplicates to compare; DuplicatesOf: records
		// marked duplicates of it.
		Review       string
		DuplicatesOf []recordLine
		Changed      *changedView
		// Versioned: the record is of an older version of the package, and what the next
		// action that edits it does about that.
		Versioned string
		// Assignment: who holds the record, and the buttons to assign or release it; nil
		// when the user has nothing to do with it.
		Assignment *assignmentView
	}{s.newView(rq.lang, r.Title, rq), s.lines(rq.lang, store.Page{Records: []store.Record{*r}})[0], r.Version, office,
		f.answered(), actions, waiting, history, problem, review, of, changed, s.versioned(rq, r, ver, f), assignment})
}

// hookProblems are the refusals of an action for its hook (see records/hooks.go), by code,
// with the status of the page that tells them.
var hookProblems = map[string]int{"refused-by-system": http.StatusConflict, "system-unavailable": http.StatusServiceUnavailable,
	"system-answer": http.StatusBadGateway, "waiting": http.StatusConflict}

// hookEntryKeys are the labels of the history entries of a hook's system, by their action.
var hookEntryKeys = map[string]string{records.HookWaitingAction: "ui.history.hookWaiting",
	records.HookRefusedAction: "ui.history.hookRefused", records.HookFailedAction: "ui.history.hookFailed"}

// act takes an action from the record page's buttons. A page of an older version of the
// record (changed by someone else since it was shown) is answered with the record as it is
// now, the change told (see actChanged); an action that cannot be undone, not confirmed, with
// the record and a request to confirm it: either way nothing is done.
func (s *Server) act(rq *request) {
	id, action := rq.r.PathValue("id"), rq.r.PathValue("action")
	var version int64
	if err := json.Unmarshal([]byte(rq.r.PostFormValue("version")), &version); err != nil {
		s.problem(rq, http.StatusBadRequest, "ui.error.conflict")
		return
	}
	cur, err := s.Records.Get(rq.r.Context(), rq.actor, id)
	if err != nil {
		s.fail(rq, err)
		return
	}
	comment := strings.TrimSpace(rq.r.PostFormValue("comment"))
	if version != cur.Version {
		s.actChanged(rq, cur, action, version, comment)
		return
	}
	if ev, _, err := s.Records.EventOf(rq.r.Context(), cur); err == nil && rq.r.PostFormValue("confirm") != "yes" {
		// Only an action the user may take now: any other is refused by the service, as ever.
		for _, a := range s.Records.Available(rq.r.Context(), rq.actor, cur) {
			if a.ID == action && final(ev, a) {
				s.showRecordWith(rq, cur, http.StatusUnprocessableEntity, s.Catalog.Text(rq.lang, "ui.record.confirmFirst",
					"action", ev.Texts.Text(rq.lang, a.Label)), &changedView{Action: action, Comment: comment})
				return
			}
		}
	}
	r, err := s.Records.Act(rq.r.Context(), rq.actor, id, records.ActionRequest{Action: action, Version: version,
		Comment: comment, DuplicateOf: rq.r.PostFormValue("duplicateOf")})
	if staleVersion(err) {
		// Changed since it was read above.
		if cur, err = s.Records.Get(rq.r.Context(), rq.actor, id); err != nil {
			s.fail(rq, err)
			return
		}
		s.actChanged(rq, cur, action, version, comment)
		return
	}
	if records.Refused(err, "prints") {
		s.print(rq, id, action, version)
		return
	}
	var re *records.Error
	if errors.As(err, &re) && len(re.Details) > 0 && re.Details[0].Code == "possible-duplicate" {
		// The action found possible duplicates, and their flag stops it: the record, now
		// flagged, says so and leads to the comparison.
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		s.showRecord(rq, cur, http.StatusConflict, s.Catalog.Text(rq.lang, "ui.duplicates.blocked", "action", s.actionLabel(rq, cur, action)))
		return
	}
	if errors.As(err, &re) && re.Kind == records.BadRequest && len(re.Details) > 0 && re.Details[0].Path == "/comment" {
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		s.showRecord(rq, cur, http.StatusUnprocessableEntity, s.Catalog.Text(rq.lang, "ui.record.commentRequired"))
		return
	}
	if errors.As(err, &re) && re.Kind == records.Conflict && len(re.Details) > 0 && re.Details[0].Code == "not-allowed" && re.Details[0].Key != "" {
		// The action's condition does not hold: the record, with why in the package's words
		// (a correction pending stops printing), not an error page.
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		s.showRecord(rq, cur, http.StatusConflict, s.recordText(rq, cur, re.Details[0].Key))
		return
	}
	if s.holdRefused(rq, id, err) {
		return
	}
	if errors.As(err, &re) && len(re.Details) > 0 && hookProblems[re.Details[0].Code] != 0 {
		// The action's hook: its system refused the action, failed, or the record waits for
		// it. The record as it is, with why in the user's language.
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		d := re.Details[0]
		var args []string
		for _, k := range slices.Sorted(maps.Keys(d.Args)) {
			args = append(args, k, d.Args[k])
		}
		s.showRecord(rq, cur, hookProblems[d.Code], s.Catalog.Text(rq.lang, d.Key, args...))
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	if w, ok := s.Records.WaitingOn(rq.r.Context(), r); ok {
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.record.sentToSystem", "action", s.actionLabel(rq, r, action), "system", w.System))
		http.Redirect(rq.w, rq.r, "/records/"+r.ID, http.StatusSeeOther)
		return
	}
	flash(rq.w, s.Catalog.Text(rq.lang, "ui.record.done", "action", s.actionLabel(rq, r, action)))
	http.Redirect(rq.w, rq.r, "/records/"+r.ID, http.StatusSeeOther)
}

// recordText is a text of the package in the user's language as the record's version has it
// (a condition's message, an action's label), or as the current one does when that version
// cannot be read.
func (s *Server) recordText(rq *request, r *store.Record, key string) string {
	if ev, _, err := s.Records.EventOf(rq.r.Context(), r); err == nil {
		return ev.Texts.Text(rq.lang, key)
	}
	return s.Catalog.Text(rq.lang, key)
}

// actionLabel is the label of an action of a record's event, in the user's language.
func (s *Server) actionLabel(rq *request, r *store.Record, action string) string {
	if ev, _, err := s.Records.EventOf(rq.r.Context(), r); err == nil {
		if a := ev.Actions[action]; a != nil {
			return ev.Texts.Text(rq.lang, a.Label)
		}
	}
	return action
}

// versioned says that a record is of an older version of the package than the one served, and
// whether the next action that edits it moves it to the current one or why it stays; "" for a
// record of the current version.
func (s *Server) versioned(rq *request, r *store.Record, ver *records.Version, f *form) string {
	cur := s.Records.Current().Model.Bundle
	if ver.Model.Bundle.Hash == cur.Hash {
		return ""
	}
	text := s.Catalog.Text(rq.lang, "ui.record.version", "version", ver.Model.Bundle.Version, "current", cur.Version)
	ok, why, err := s.Records.Movable(rq.r.Context(), rq.actor, r)
	switch {
	case err != nil:
		s.Log.Error("whether a record can move to the current version", "record", r.ID, "err", err)
		return text
	case ok:
		return text + " " + s.Catalog.Text(rq.lang, "ui.record.moves", "current", cur.Version)
	}
	var reasons []string
	for _, d := range why {
		reasons = append(reasons, f.label(strings.TrimPrefix(d.Path, "/data/"))+": "+f.general(d))
	}
	return text + " " + s.Catalog.Text(rq.lang, "ui.record.stays", "version", ver.Model.Bundle.Version,
		"why", s.Catalog.List(rq.lang, "ui.list.items", reasons))
}

// movedText is a record's move to another version, as its history tells it.
func (s *Server) movedText(lang string, e store.Entry, f *form) []string {
	m, ok := records.MovedOf(e)
	if !ok {
		return nil
	}
	out := []string{s.Catalog.Text(lang, "ui.record.moved", "from", m.From, "to", m.To)}
	for _, c := range m.Changes {
		out = append(out, s.Catalog.Text(lang, "ui.record.changed", "field", f.label(c.Field),
			"old", f.shown(c.Field, c.Old), "new", f.shown(c.Field, c.New)))
	}
	return out
}
