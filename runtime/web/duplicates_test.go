package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A birth declared twice, by a hospital and by a registration office, is compared side by
// side by the district registrar, in French, without JavaScript, and marked a duplicate; the
// same birth declared in another district is shown to that district's registrar only as a
// possible duplicate outside their jurisdiction.
func TestDuplicatesReviewedSideBySide(t *testing.T) {
	s := newSite(t)
	first := s.login("marta.oyelund", "en").declare(birth("Kofi", "Mensah")) // HF001, district NV0101
	local := s.login("tomas.ekwaro", "en")                                   // CR010102, in NV0101
	second := local.declare(birth("Koffi", "Mensah"))
	local.has("may be a duplicate")
	// The flag holds back its registration, and the page says why.
	local.post("/records/"+second+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if local.status != http.StatusConflict {
		t.Errorf("registering a possible duplicate: %d", local.status)
	}

	district := s.login("fenna.albrecq", "fr")
	district.get("/records/" + second)
	district.has(`href="/records/`+second+`/duplicates"`, "comparer côte à côte")
	district.lacks(`actions/mark-duplicate"`) // decided on the comparison, not from the list
	district.get("/records/" + second + "/duplicates")
	district.has("Doublons possibles de "+second, `href="/records/`+first+`"`, "<mark", "Koffi", `name="duplicateOf" value="`+first+`"`, `id="dismiss"`)
	if marked := regexp.MustCompile(`<mark[^>]*>([^<]*)</mark>`).FindAllStringSubmatch(district.page, -1); len(marked) != 1 || !strings.Contains(marked[0][1], "Kofi") {
		t.Errorf("answers marked as differing: %v, want the child's name only", marked)
	}
	version := regexp.MustCompile(`name="version" value="([0-9]+)"`).FindStringSubmatch(district.page)
	if version == nil {
		t.Fatal("no version in the comparison's forms")
	}
	district.post("/records/"+second+"/actions/mark-duplicate", url.Values{"csrf": {district.csrf()}, "version": {version[1]}, "duplicateOf": {first}})
	if district.status != http.StatusOK || !strings.HasSuffix(district.at, "/records/"+second) {
		t.Fatalf("mark-duplicate: %d at %s\n%s", district.status, district.at, district.page)
	}
	district.has("Marquée comme doublon de " + first)
	district.get("/records/" + first)
	district.has("Fiches marquées comme doublons de celle-ci", `href="/records/`+second+`"`)

	// The same birth declared in another district: its registrar is told a possible
	// duplicate is outside their jurisdiction, and who reviews it, never which record it is.
	third := s.login("saba.rinaldor", "en").declare(birth("Kofi", "Mensah")) // CR0203
	other := s.login("daniel.morvesh", "en")                                 // district registrar of CR0203
	other.get("/records/" + third + "/duplicates")
	other.has("outside your jurisdiction", "National registrar")
	other.lacks(first, second, `id="dismiss"`, "duplicateOf")
	other.get("/records/" + third)
	other.lacks(first)

	// A national registrar reads both, in Amharic: the comparison and the decisions.
	national := s.login("ilena.marvosa", "am")
	national.get("/records/" + third + "/duplicates")
	national.has("የ"+third+" ሊሆኑ የሚችሉ ድርብ ምዝገባዎች", `href="/records/`+first+`"`, `name="duplicateOf" value="`+first+`"`, "ከእነዚህ አንዱም አይደለም")
	national.lacks(`value="` + second + `"`) // marked a duplicate: no candidate any more
}
