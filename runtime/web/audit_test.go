package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// A district registrar searches the audit log of their district in the pages and exports it;
// a hospital clerk has no such page.
func TestAuditPage(t *testing.T) {
	s := newSite(t)
	registrar := s.login("lidya.verhane", "en") // local registrar at CR0101, district D01
	registrar.lacks(`href="/audit"`)
	registrar.get("/audit")
	if registrar.status != http.StatusForbidden {
		t.Errorf("the audit page for a local registrar: %d", registrar.status)
	}
	s.login("saba.rinaldor", "en") // another district's registrar

	district := s.login("fenna.albrecq", "fr") // district registrar at CR0101
	district.has(`href="/audit"`, "Journal d&#39;audit")
	district.get("/audit?user=lidya.verhane")
	if district.status != http.StatusOK {
		t.Fatalf("audit page: %d\n%s", district.status, district.page)
	}
	district.has("lidya.verhane", "Connexion", "Exporter ces entrées (CSV)")
	district.get("/audit")
	district.lacks("saba.rinaldor") // outside the district
	district.get("/audit?from=2026-99-01")
	if district.status != http.StatusBadRequest {
		t.Errorf("a malformed date: %d", district.status)
	}
	district.get("/audit/export.csv?kind=login")
	if district.status != http.StatusOK || !strings.HasPrefix(district.page, "seq,time,user,") || !strings.Contains(district.page, "lidya.verhane") ||
		strings.Contains(district.page, "saba.rinaldor") {
		t.Errorf("export: %d\n%s", district.status, district.page)
	}
}
