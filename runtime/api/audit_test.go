package api_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// loggedIn logs another user in and returns the site acting as them.
func (s *site) loggedIn(username string) *site {
	s.tb.Helper()
	other := &site{tb: s.tb, bundle: s.bundle, h: s.h}
	w := other.do("POST", "/api/v1/login", []byte(`{"username":"`+username+`","password":"test-password"}`))
	var l struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || l.Token == "" {
		s.tb.Fatalf("login of %s: %d %s", username, w.Code, w.Body)
	}
	other.token = l.Token
	return other
}

func TestAuditAPI(t *testing.T) {
	s := newSite(t)
	raw, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	w := s.do("POST", "/api/v1/records", []byte(`{"event":"birth","data":`+string(raw)+`}`))
	if w.Code != http.StatusCreated {
		t.Fatalf("declare: %d %s", w.Code, w.Body)
	}
	var rec struct{ ID string }
	json.Unmarshal(w.Body.Bytes(), &rec)

	// A local registrar reads no audit log.
	if w := s.do("GET", "/api/v1/audit", nil); w.Code != http.StatusForbidden {
		t.Errorf("audit log for a local registrar: %d %s", w.Code, w.Body)
	}
	// The performance manager's read of the record is written; the registrar's was not.
	if w := s.do("GET", "/api/v1/records/"+rec.ID, nil); w.Code != http.StatusOK {
		t.Fatalf("read: %d", w.Code)
	}
	if w := s.loggedIn("yara.belcourt").do("GET", "/api/v1/records/"+rec.ID, nil); w.Code != http.StatusOK {
		t.Fatalf("read as the performance manager: %d", w.Code)
	}

	national := s.loggedIn("ilena.marvosa")
	w = national.do("GET", "/api/v1/audit?record="+strings.ToLower(rec.ID), nil)
	var page struct {
		Entries []store.AuditEntry
		Next    string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); w.Code != http.StatusOK || err != nil {
		t.Fatalf("audit log: %d %s", w.Code, w.Body)
	}
	var got []string
	for _, e := range page.Entries {
		got = append(got, e.Kind+" "+e.User)
	}
	if strings.Join(got, ", ") != "read yara.belcourt, action lidya.verhane" {
		t.Errorf("the record's entries, newest first: %v", got)
	}
	w = national.do("GET", "/api/v1/audit?user=lidya.verhane&kind=login", nil)
	json.Unmarshal(w.Body.Bytes(), &page)
	if len(page.Entries) != 1 || page.Entries[0].Kind != store.AuditLogin || page.Entries[0].Office != "CR0101" || page.Entries[0].Role != "local-registrar" {
		t.Errorf("lidya's logins: %+v", page.Entries)
	}
	if w := national.do("GET", "/api/v1/audit?from=yesterday", nil); w.Code != http.StatusBadRequest {
		t.Errorf("a malformed date: %d", w.Code)
	}

	w = national.do("GET", "/api/v1/audit/export?user=lidya.verhane", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", w.Code, w.Header())
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "seq,time,user,role,office,areas,kind,record,action,details,prev,hash" {
		t.Fatalf("export: %v %q", err, rows)
	}
	// The export is itself in the log.
	w = national.do("GET", "/api/v1/audit?kind=export", nil)
	json.Unmarshal(w.Body.Bytes(), &page)
	if len(page.Entries) != 1 || page.Entries[0].User != "ilena.marvosa" || !strings.Contains(string(page.Entries[0].Details), `"entries":2`) {
		t.Errorf("the export's entry: %+v", page.Entries)
	}
	if w := s.do("GET", "/api/v1/audit/export", nil); w.Code != http.StatusForbidden {
		t.Errorf("export for a local registrar: %d", w.Code)
	}
}
