package web

import (
	"net/http"
	"net/url"

	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// The audit log's page: a search by user, record, kind and period, within the reader's
// jurisdiction, for roles the package lets read the log (auditLog); newest first, a page of
// 50, and an export in CSV of every entry the search finds.

type auditRow struct {
	Seq     int64
	Time    string
	User    string
	Role    string
	Kind    string
	Record  string
	Href    string
	Action  string
	Details string
}

type auditKind struct {
	ID, Label string
	Selected  bool
}

var auditKinds = []string{store.AuditLogin, store.AuditLoginFailed, store.AuditLogout, store.AuditAction, store.AuditPrint,
	store.AuditRead, store.AuditUserAdmin, store.AuditExport}

func (s *Server) auditRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /audit", s.page(s.auditPage))
	mux.HandleFunc("GET /audit/export.csv", s.page(s.auditExport))
}

func (s *Server) auditPage(rq *request) {
	v := rq.r.URL.Query()
	q, err := s.Records.AuditQueryOf(v)
	if err != nil {
		s.fail(rq, err)
		return
	}
	q.Limit = 50
	p, err := s.Records.AuditLog(rq.r.Context(), rq.actor, q)
	if err != nil {
		s.fail(rq, err)
		return
	}
	t := func(key string, args ...string) string { return s.Catalog.Text(rq.lang, key, args...) }
	var rows []auditRow
	for _, e := range p.Entries {
		row := auditRow{Seq: e.Seq, Time: e.Time.In(s.Records.Model.Loc).Format("2006-01-02 15:04:05"), User: e.User,
			Kind: t("ui.audit.kind." + e.Kind), Record: e.Record, Action: e.Action, Details: string(e.Details)}
		if r, ok := s.Records.Model.Roles[e.Role]; ok {
			row.Role = t(r.Label)
		}
		if e.Record != "" {
			row.Href = "/records/" + url.PathEscape(e.Record)
		}
		rows = append(rows, row)
	}
	var kinds []auditKind
	for _, k := range auditKinds {
		kinds = append(kinds, auditKind{k, t("ui.audit.kind." + k), k == q.Kind})
	}
	form := url.Values{}
	for _, k := range []string{"user", "record", "kind", "from", "to"} {
		if x := v.Get(k); x != "" {
			form.Set(k, x)
		}
	}
	next := ""
	if p.Next != "" {
		nv := url.Values{}
		for k, x := range form {
			nv[k] = x
		}
		nv.Set("after", p.Next)
		next = "/audit?" + nv.Encode()
	}
	s.render(rq.w, rq.r, http.StatusOK, "audit", struct {
		view
		// What was asked (User is the layout's: the user logged in).
		AskedUser, Record, From, To string
		Kinds                       []auditKind
		Rows                        []auditRow
		Next, Export                string
	}{s.newView(rq.lang, t("ui.audit.title"), rq), v.Get("user"), v.Get("record"), v.Get("from"), v.Get("to"),
		kinds, rows, next, "/audit/export.csv?" + form.Encode()})
}

func (s *Server) auditExport(rq *request) {
	q, err := s.Records.AuditQueryOf(rq.r.URL.Query())
	if err == nil {
		_, err = s.Records.AuditLog(rq.r.Context(), rq.actor, store.AuditQuery{Limit: 1})
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	api.ExportAudit(rq.w, rq.r, s.Records, rq.actor, q, s.Log)
}
