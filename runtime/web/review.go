package web

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/crvsctl/crvsctl/runtime/records"
)

// reviewView is a declaration read back before it is sent, without the script (with it, the
// script's last step does the same): every answer page by page, each page with a link back
// to it on the form below, documents by their file names, and the required answers still
// missing, first.
type reviewView struct {
	Pages   []reviewPage
	Missing []reviewField
}

type reviewPage struct {
	ID, Title string
	Fields    []reviewField
}

type reviewField struct {
	ID, Label, Text, Page string
}

// review shows a posted declaration to be checked, with the form below to change it and send
// it: nothing is declared yet.
func (s *Server) review(rq *request, ev *records.Event, f *form, key string) {
	rctx := s.Records.RuleContext(rq.actor, nil)
	shown := s.newForm(rq.lang, ev, f.data, rctx)
	shown.raw, shown.errors, shown.files = f.raw, f.errors, f.files
	rv := &reviewView{}
	for _, p := range ev.Pages {
		rp := reviewPage{ID: p.ID, Title: shown.t(p.Title)}
		anyShown := false
		for _, fl := range p.Fields {
			if fl.Type == "heading" || fl.Type == "paragraph" {
				continue
			}
			st, evaluated := shown.state[fl.ID]
			if evaluated && !st.Shown {
				continue
			}
			anyShown = true
			label := shown.t(fl.Label)
			v, answered := shown.data[fl.ID]
			if !answered {
				if raw := shown.raw[fl.ID]; raw != "" {
					rp.Fields = append(rp.Fields, reviewField{ID: fl.ID, Label: label, Text: raw, Page: p.ID})
				} else if evaluated && st.Required {
					rv.Missing = append(rv.Missing, reviewField{ID: fl.ID, Label: label, Text: rp.Title, Page: p.ID})
				}
				continue
			}
			text := shown.text(fl, v)
			if fl.Type == "document" {
				text = s.fileName(rq, shown, v)
			}
			rp.Fields = append(rp.Fields, reviewField{ID: fl.ID, Label: label, Text: text, Page: p.ID})
		}
		if anyShown {
			rv.Pages = append(rv.Pages, rp)
		}
	}
	// What the rules of the actions say before the declaration is sent: a late birth at a
	// hospital is told where to go, not refused after "Send".
	var general []string
	for _, d := range s.Records.Unmet(rq.actor, ev.ID, shown.data) {
		general = append(general, shown.general(d))
	}
	c := s.config(rq, shown, nil)
	cfg, _ := json.Marshal(c)
	pages, err := s.formHTML(rq, shown)
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.render(rq.w, rq.r, http.StatusOK, "declare", declareView{
		view: s.newView(rq.lang, s.Catalog.Text(rq.lang, ev.Label), rq), Event: ev.ID, Key: key,
		Form: pages, Problems: shown.count(), General: general, Config: template.JS(cfg), Review: rv})
}

// fileName is the name of a document an answer names, as the user uploaded it.
func (s *Server) fileName(rq *request, f *form, v any) string {
	doc, _ := v.(map[string]any)
	id, _ := doc["file"].(string)
	if name := f.files[id]; name != "" {
		return name
	}
	if d, err := s.Records.Store.DocumentUpload(rq.r.Context(), id, rq.actor.User.Username); err == nil && d.Name != "" {
		return d.Name
	}
	return f.t("ui.record.document")
}
