package web

import (
	"net/http"
	"strconv"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// The review of possible duplicates: a record and each of its candidates side by side, field
// by field, the answers that differ marked, with the two decisions the package gives (the
// record is a duplicate of one candidate; it is none of them). A candidate outside the
// reviewer's jurisdiction is said to be there, with who may review it, and never shown.

// compareColumn is a record in the comparison: this one, or a candidate.
type compareColumn struct {
	ID, Title, Status, Office, Rule string
	Outside                         bool
	Reviewers                       string
}

type compareCell struct {
	Text    string
	Differs bool // from this record's answer
}

type compareRow struct {
	Label   string
	Cells   []compareCell
	Differs bool
}

// duplicates shows the comparison page.
func (s *Server) duplicates(rq *request) {
	r, err := s.Records.Read(rq.r.Context(), rq.actor, rq.r.PathValue("id"))
	if err != nil {
		s.fail(rq, err)
		return
	}
	items, err := s.Records.Candidates(rq.r.Context(), rq.actor, r)
	if err != nil {
		s.fail(rq, err)
		return
	}
	ev := s.Records.Model.Events[r.Event]
	cols := []compareColumn{s.column(rq.lang, r)}
	recs := []*store.Record{r}
	var outside []compareColumn
	for _, it := range items {
		rule := s.ruleLabel(rq.lang, ev, it.Rule)
		if it.Record == nil {
			outside = append(outside, compareColumn{Rule: rule, Outside: true, Reviewers: s.reviewersText(rq.lang, it.Reviewers)})
			continue
		}
		c := s.column(rq.lang, it.Record)
		c.Rule = rule
		cols = append(cols, c)
		recs = append(recs, it.Record)
	}
	// Every record side by side on the current form, its answers in the current version's
	// terms, as the duplicate rules compared them: a record of an older version shows its
	// answer to a field renamed since on the field's row, not an empty cell that seems to
	// differ.
	forms := make([]*form, len(recs))
	for i, rec := range recs {
		data, err := s.Records.AnswersNow(rq.r.Context(), rec)
		if err != nil {
			s.fail(rq, err)
			return
		}
		forms[i] = s.newForm(rq.lang, ev, data, nil)
	}
	var rows []compareRow
	for _, p := range ev.Pages {
		for _, fl := range p.Fields {
			if fl.Type == "heading" || fl.Type == "paragraph" || fl.Type == "document" {
				continue
			}
			row := compareRow{Label: forms[0].t(fl.Label)}
			answered := false
			for i, f := range forms {
				v, ok := f.data[fl.ID]
				answered = answered || ok
				cell := compareCell{Text: f.text(fl, v)}
				if i > 0 && cell.Text != row.Cells[0].Text {
					cell.Differs, row.Differs = true, true
				}
				row.Cells = append(row.Cells, cell)
			}
			if answered {
				rows = append(rows, row)
			}
		}
	}
	// The decisions, when the package lets this user take them on this record now.
	var confirm, dismiss string
	if ev.Duplicates != nil {
		for _, a := range s.Records.Available(rq.r.Context(), rq.actor, r) {
			switch a.ID {
			case ev.Duplicates.Confirm:
				confirm = s.Catalog.Text(rq.lang, a.Label)
			case ev.Duplicates.Dismiss:
				dismiss = s.Catalog.Text(rq.lang, a.Label)
			}
		}
	}
	var confirmID, dismissID string
	if ev.Duplicates != nil {
		confirmID, dismissID = ev.Duplicates.Confirm, ev.Duplicates.Dismiss
	}
	s.render(rq.w, rq.r, http.StatusOK, "duplicates", struct {
		view
		Record             compareColumn
		Columns            []compareColumn
		Rows               []compareRow
		Outside            []compareColumn
		Version            int64
		Confirm, ConfirmID string
		Dismiss, DismissID string
		// Decide: a decision can be taken here (none while a candidate is outside).
		Decide bool
	}{s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.duplicates.title", "id", r.ID), rq), cols[0], cols, rows, outside, r.Version,
		confirm, confirmID, dismiss, dismissID, len(items) > 0 && len(outside) == 0})
}

func (s *Server) column(lang string, r *store.Record) compareColumn {
	c := compareColumn{ID: r.ID, Title: r.Title, Status: s.Catalog.Text(lang, "status."+r.Status), Office: s.officeName(r.Office, lang)}
	return c
}

// ruleLabel is a duplicate rule's label in the user's language.
func (s *Server) ruleLabel(lang string, ev *records.Event, rule string) string {
	if ev.Duplicates != nil {
		for _, r := range ev.Duplicates.Rules {
			if r.ID == rule {
				return s.Catalog.Text(lang, r.Label)
			}
		}
	}
	return rule
}

// duplicatesText is what an entry of the history says of possible duplicates (already
// redacted for the user: a candidate outside their jurisdiction is not named).
func (s *Server) duplicatesText(lang string, e store.Entry, event string) []string {
	d, ok := records.DuplicatesIn(e)
	if !ok {
		return nil
	}
	ev := s.Records.Model.Events[event]
	name := func(c records.Candidate) string {
		if c.Outside {
			return s.Catalog.Text(lang, "ui.duplicates.outsideRecord")
		}
		return c.Record
	}
	var out []string
	for _, c := range d.Duplicates {
		out = append(out, s.Catalog.Text(lang, "ui.duplicates.candidate", "id", name(c), "rule", s.ruleLabel(lang, ev, c.Rule)))
	}
	if d.DuplicateOf != nil {
		out = append(out, s.Catalog.Text(lang, "ui.duplicates.markedOf", "id", name(*d.DuplicateOf)))
	}
	for _, c := range d.NotDuplicates {
		out = append(out, s.Catalog.Text(lang, "ui.duplicates.notOf", "id", name(c)))
	}
	return out
}

// reviewOf is the record page's part of duplicates: a line leading to the comparison when
// the record has possible duplicates to review, and the records marked duplicates of it.
func (s *Server) reviewOf(rq *request, r *store.Record) (review string, of []recordLine, err error) {
	items, err := s.Records.Candidates(rq.r.Context(), rq.actor, r)
	if err != nil {
		return "", nil, err
	}
	if len(items) > 0 {
		review = s.Catalog.Text(rq.lang, "ui.duplicates.review", "count", strconv.Itoa(len(items)))
	}
	dups, err := s.Records.DuplicatesOf(rq.r.Context(), rq.actor, r)
	if err != nil {
		return "", nil, err
	}
	if len(dups) > 0 {
		of = s.lines(rq.lang, store.Page{Records: dups})
	}
	return review, of, nil
}

// reviewersText says who may review, in the user's language.
func (s *Server) reviewersText(lang string, rs []records.Reviewer) string {
	if len(rs) == 0 {
		return s.Catalog.Text(lang, "ui.duplicates.noReviewer")
	}
	var parts []string
	for _, r := range rs {
		role, office := r.Role, s.officeName(r.Office, lang)
		if ro, ok := s.Records.Model.Roles[r.Role]; ok {
			role = s.Catalog.Text(lang, ro.Label)
		}
		parts = append(parts, s.Catalog.Text(lang, "ui.duplicates.reviewer", "role", role, "office", office))
	}
	// ui.list.or's pattern keeps its spaces: a package's translations.csv trims a bare " or ".
	return s.Catalog.List(lang, "ui.list.or", parts)
}
