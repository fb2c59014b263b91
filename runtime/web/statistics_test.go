package web_test

// The statistics pages, their exports and the API, over HTTP, on births declared and
// registered through the site as registrars do. What each page should show is worked out here
// from what the test declared (and from the population sheet), never by runtime/stats.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/crvsctl/crvsctl/runtime/stats"
)

// nerovia is the country's time zone: its today is the registrars' (and the statistics').
func nerovia(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Africa/Addis_Ababa")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// today is today's date in Nerovia, as a date at midnight UTC.
func today(t testing.TB) time.Time {
	n := time.Now().In(nerovia(t))
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// statBirth is a birth of the statistics' fixture, and what became of it.
type statBirth struct {
	given, family string
	sex           string
	daysAgo       int // the date of birth, before today
	district      string
	village       string // for a birth outside a health facility
	facility      string // for a birth in one
	placeType     string
	attendant     string
	late          bool // declared a year or more after the birth, registered by the district

	id      string
	dob     time.Time
	revoked bool
}

// statBirths are born in three districts of two provinces (Velmora Central and Dravik in
// Velmora, Morvane in Kessara), at home, in a hospital and elsewhere, over five months, and
// one of them more than a year ago (registered late).
func statBirths() []*statBirth {
	return []*statBirth{
		{given: "Abeba", family: "Kormanu", sex: "female", daysAgo: 12, district: "NV0101", village: "NV01010101", placeType: "home", attendant: "relative-or-friend"},
		{given: "Dawit", family: "Selvaro", sex: "male", daysAgo: 35, district: "NV0101", facility: "HF001", placeType: "health-facility", attendant: "doctor"},
		{given: "Hirut", family: "Pellamo", sex: "female", daysAgo: 64, district: "NV0102", village: "NV01020101", placeType: "home", attendant: "nurse-midwife"},
		{given: "Yonas", family: "Demarel", sex: "male", daysAgo: 90, district: "NV0302", village: "NV03020101", placeType: "other", attendant: "traditional-birth-attendant"},
		{given: "Mekdes", family: "Orvanti", sex: "female", daysAgo: 120, district: "NV0302", village: "NV03020201", placeType: "home", attendant: "relative-or-friend"},
		{given: "Samira", family: "Tolvenko", sex: "female", daysAgo: 150, district: "NV0101", village: "NV01010102", placeType: "home", attendant: "nurse-midwife"},
		{given: "Bereket", family: "Wanzaro", sex: "male", daysAgo: 45, district: "NV0102", facility: "HF007", placeType: "health-facility", attendant: "nurse-midwife"},
		{given: "Tigist", family: "Halvemar", sex: "female", daysAgo: 400, district: "NV0101", village: "NV01010101", placeType: "home", attendant: "none", late: true},
	}
}

func (b *statBirth) form() url.Values {
	f := birth(b.given, b.family)
	f.Set("child.sex", b.sex)
	f.Set("child.dob", b.dob.Format(time.DateOnly))
	f.Set("child.birthDistrict", b.district)
	f.Set("child.placeType", b.placeType)
	f.Set("child.attendant", b.attendant)
	f.Del("child.birthVillage")
	switch b.placeType {
	case "health-facility":
		f.Set("child.facility", b.facility)
	case "other":
		f.Set("child.birthVillage", b.village)
		f.Set("child.birthPlaceOther", "On the road to the hospital")
	default:
		f.Set("child.birthVillage", b.village)
	}
	if b.late {
		f.Set("registration.lateReason", "distance-or-cost")
		f.Set("registration.witnessName.given", "Abel")
		f.Set("registration.witnessName.family", "Witness")
		f.Set("registration.witnessNid", "2345678901")
	}
	return f
}

// declareAndRegister declares each birth at the Velmora Central office (a birth may be
// declared there whatever its district: the statistics count it where it happened) and
// registers it: the local registrar those on time, the district registrar the late one.
func declareAndRegister(t *testing.T, s *site, births []*statBirth) {
	t.Helper()
	local := s.login("lidya.verhane", "en")
	district := s.login("fenna.albrecq", "en")
	day := today(t)
	for _, b := range births {
		b.dob = day.AddDate(0, 0, -b.daysAgo)
		local.get("/declare/birth")
		form := b.form()
		form.Set("csrf", local.csrf())
		form.Set("key", "stats-"+b.given)
		// The documents the form asks for: the evidence of a late birth, the facility's
		// notification of a birth there.
		files := map[string][]byte{}
		if b.late {
			files["registration.lateEvidence"] = aPDF
		}
		if b.placeType == "health-facility" {
			files["documents.birthNotification"] = aPDF
		}
		local.postMultipart("/declare/birth", form, files)
		m := recordURL.FindStringSubmatch(local.at)
		if m == nil {
			t.Fatalf("declaring %s: %d at %s\n%s", b.given, local.status, local.at, problems(local.page))
		}
		b.id = m[1]
		registrar := local
		if b.late {
			registrar = district
			registrar.get("/records/" + b.id)
		}
		registrar.post("/records/"+b.id+"/actions/register", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}, "confirm": {"yes"}})
		if !strings.Contains(registrar.page, "Done: Register") {
			t.Fatalf("registering %s: %d at %s", b.given, registrar.status, registrar.at)
		}
	}
}

// expected is what an area's year should show, worked out from the births declared.
type expected struct {
	registered     int
	sex            map[string]int
	months         [12]int
	areas          map[string]int // district and province -> births
	onTime, late   int
	placeAttendant map[[2]string]int
}

func expect(t *testing.T, births []*statBirth, area string, year int) expected {
	e := expected{sex: map[string]int{}, areas: map[string]int{}, placeAttendant: map[[2]string]int{}}
	day := today(t)
	for _, b := range births {
		if b.revoked || b.dob.Year() != year || !strings.HasPrefix(b.district, area) {
			continue
		}
		e.registered++
		e.sex[b.sex]++
		e.months[b.dob.Month()-1]++
		e.areas[b.district]++
		e.areas[b.district[:4]]++
		e.placeAttendant[[2]string{b.placeType, b.attendant}]++
		// The Act's periods (birth.cue): on time within a year, late within five.
		switch days := int(day.Sub(b.dob).Hours() / 24); {
		case days <= 365:
			e.onTime++
		case days <= 1826:
			e.late++
		}
	}
	return e
}

// years are the years of the births' dates, latest first.
func years(births []*statBirth) []int {
	var out []int
	for _, b := range births {
		if !slices.Contains(out, b.dob.Year()) {
			out = append(out, b.dob.Year())
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// expectedBirths reads the births the population sheet expects of an area in a year
// (population times crude birth rate per 1,000), and whether the sheet says.
func expectedBirths(t *testing.T, area string, year int) (float64, bool) {
	t.Helper()
	f, err := os.Open("../../countries/nerovia/places/population.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	pop, rate := col(fmt.Sprintf("population_%d", year)), col(fmt.Sprintf("crude_birth_rate_%d", year))
	if pop < 0 || rate < 0 {
		return 0, false
	}
	for _, r := range rows[1:] {
		if r[0] == area {
			p, _ := strconv.ParseFloat(r[pop], 64)
			c, _ := strconv.ParseFloat(r[rate], 64)
			return p * c / 1000, true
		}
	}
	return 0, false
}

// Numbers as golang.org/x/text writes them in a language, to hold the pages to.
func percent(lang string, x float64) string {
	return message.NewPrinter(language.Make(lang)).Sprint(number.Percent(x, number.MaxFractionDigits(1)))
}

func decimal(lang string, x float64) string {
	return message.NewPrinter(language.Make(lang)).Sprint(number.Decimal(x, number.MaxFractionDigits(1)))
}

// pageTable is a table of a statistics page: its columns' headings, and its rows.
type pageTable struct {
	columns []string
	rows    []pageRow
}

type pageRow struct {
	label, href string
	cells       []string
}

// row is the row of a label; it fails the test when there is none.
func (pt *pageTable) row(t *testing.T, label string) pageRow {
	t.Helper()
	for _, r := range pt.rows {
		if r.label == label {
			return r
		}
	}
	var labels []string
	for _, r := range pt.rows {
		labels = append(labels, r.label)
	}
	t.Fatalf("no row %q in %q", label, labels)
	return pageRow{}
}

var (
	statsTableRE = regexp.MustCompile(`(?s)<table class="stats" id="([^"]+)">(.*?)</table>`)
	trRE         = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE       = regexp.MustCompile(`(?s)<t([hd])[^>]*>(.*?)</t[hd]>`)
	hrefRE       = regexp.MustCompile(`href="([^"]+)"`)
	tagRE        = regexp.MustCompile(`<[^>]+>`)
)

// statsTables reads the tables of a statistics page by id.
func statsTables(page string) map[string]*pageTable {
	out := map[string]*pageTable{}
	for _, m := range statsTableRE.FindAllStringSubmatch(page, -1) {
		pt := &pageTable{}
		for i, tr := range trRE.FindAllStringSubmatch(m[2], -1) {
			var cells []string
			href := ""
			for j, c := range cellRE.FindAllStringSubmatch(tr[1], -1) {
				if j == 0 {
					if h := hrefRE.FindStringSubmatch(c[2]); h != nil {
						href = html.UnescapeString(h[1])
					}
				}
				cells = append(cells, html.UnescapeString(tagRE.ReplaceAllString(c[2], "")))
			}
			if i == 0 {
				pt.columns = cells
				continue
			}
			pt.rows = append(pt.rows, pageRow{label: cells[0], href: href, cells: cells[1:]})
		}
		out[m[1]] = pt
	}
	return out
}

// The labels of a page in English and French, as the package and crvsctl's messages say.
type statLabels struct {
	registered, expectedCol, sex, onTime, late, country string
	colon                                               string // between a name and its value
	sexes                                               map[string]string
	months                                              []string
	areas                                               map[string]string
}

var labelsOf = map[string]statLabels{
	"en": {colon: ": ", registered: "Registered", expectedCol: "Expected", sex: "Sex", onTime: "On time", late: "Late", country: "Republic of Nerovia",
		sexes:  map[string]string{"female": "Female", "male": "Male", "unknown": "Undetermined", "not-stated": "Not stated"},
		months: []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		areas:  map[string]string{"NV01": "Velmora", "NV03": "Kessara", "NV0101": "Velmora Central", "NV0102": "Dravik", "NV0302": "Morvane"}},
	"fr": {colon: " : ", registered: "Enregistrés", expectedCol: "Attendus", sex: "Sexe", onTime: "Dans les délais", late: "Tardif", country: "République de Nérovie",
		sexes:  map[string]string{"female": "Féminin", "male": "Masculin", "unknown": "Indéterminé", "not-stated": "Non déclaré"},
		months: []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		areas:  map[string]string{"NV01": "Velmora", "NV03": "Kessara", "NV0101": "Velmora-Centre", "NV0102": "Dravik", "NV0302": "Morvane"}},
}

// checkPage holds the page of an area's year (the page u shows) to the births: the summary,
// the months and quarters, the occurrence by attendant, and the completeness of each child
// area named in want.
func checkPage(t *testing.T, u *user, births []*statBirth, area string, year int) {
	t.Helper()
	if u.status != 200 {
		t.Fatalf("%s: %d", u.at, u.status)
	}
	l := labelsOf[u.lang]
	e := expect(t, births, area, year)
	tables := statsTables(u.page)
	for _, id := range []string{"summary", "months", "quarters", "table-occurrence"} {
		if tables[id] == nil {
			t.Fatalf("%s: no table %s", u.at, id)
		}
	}
	n := strconv.Itoa
	sum := tables["summary"]
	if got := sum.row(t, l.registered).cells; got[0] != n(e.registered) {
		t.Errorf("%s: registered %s, want %d", u.at, got[0], e.registered)
	}
	for _, sex := range []string{"female", "male", "unknown", "not-stated"} {
		if got := sum.row(t, l.sex+l.colon+l.sexes[sex]).cells[0]; got != n(e.sex[sex]) {
			t.Errorf("%s: %s %s, want %d", u.at, sex, got, e.sex[sex])
		}
	}
	known := float64(e.onTime + e.late)
	for label, count := range map[string]int{l.onTime: e.onTime, l.late: e.late} {
		want := n(count)
		if known > 0 {
			want += " (" + percent(u.lang, float64(count)/known) + ")"
		}
		if got := sum.row(t, label).cells[0]; got != want {
			t.Errorf("%s: %s %q, want %q", u.at, label, got, want)
		}
	}
	var quarters [4]int
	for i, m := range l.months {
		if got := tables["months"].row(t, m).cells[0]; got != n(e.months[i]) {
			t.Errorf("%s: %s %s, want %d", u.at, m, got, e.months[i])
		}
		quarters[i/3] += e.months[i]
	}
	for i, q := range quarters {
		if got := tables["quarters"].rows[i].cells[0]; got != n(q) {
			t.Errorf("%s: quarter %d: %s, want %d", u.at, i+1, got, q)
		}
	}
	// Place of birth × attendant, with the attendants as the columns (and a total).
	occ := tables["table-occurrence"]
	place := map[string]string{"home": "Home", "health-facility": "Health facility", "other": "Other place"}
	attendant := map[string]string{"doctor": "Doctor", "nurse-midwife": "Nurse or midwife", "traditional-birth-attendant": "Traditional birth attendant",
		"relative-or-friend": "Relative or friend", "none": "No one"}
	if u.lang == "en" {
		for p, pl := range place {
			row := occ.row(t, pl)
			for a, al := range attendant {
				j := slices.Index(occ.columns, al) - 1
				if j < 0 {
					t.Fatalf("%s: no column %q in %q", u.at, al, occ.columns)
				}
				if got := row.cells[j]; got != n(e.placeAttendant[[2]string{p, a}]) {
					t.Errorf("%s: %s by %s: %s, want %d", u.at, p, a, got, e.placeAttendant[[2]string{p, a}])
				}
			}
		}
		if got := occ.row(t, "Total").cells; got[len(got)-1] != n(e.registered) {
			t.Errorf("%s: occurrence total %s, want %d", u.at, got[len(got)-1], e.registered)
		}
	}
	// Each child area the births were in: its count, the births expected and the completeness.
	for code, count := range e.areas {
		if len(code) != max(len(area)+2, 4) || !strings.HasPrefix(code, area) {
			continue
		}
		row := tables["areas"].row(t, l.areas[code])
		if !strings.Contains(row.href, "area="+code) || !strings.Contains(row.href, "year="+n(year)) {
			t.Errorf("%s: the row of %s leads to %q", u.at, code, row.href)
		}
		if row.cells[0] != n(count) {
			t.Errorf("%s: %s registered %s, want %d", u.at, code, row.cells[0], count)
		}
		want, wantPct := "", ""
		if x, ok := expectedBirths(t, code, year); ok {
			want, wantPct = decimal(u.lang, x), percent(u.lang, float64(count)/x)
		}
		if row.cells[1] != want || wantPct != "" && row.cells[2] != wantPct {
			t.Errorf("%s: %s expected %q, completeness %q; want %q, %q", u.at, code, row.cells[1], row.cells[2], want, wantPct)
		}
	}
}

// statsPath is the page of an event's area and year.
func statsPath(event, area string, year int) string {
	v := url.Values{"year": {strconv.Itoa(year)}}
	if area != "" {
		v.Set("area", area)
	}
	return "/statistics/" + event + "?" + v.Encode()
}

// follow goes to the link of a row of a table of the page shown.
func (u *user) follow(t *testing.T, table, label string) {
	t.Helper()
	pt := statsTables(u.page)[table]
	if pt == nil {
		t.Fatalf("%s: no table %s", u.at, table)
	}
	r := pt.row(t, label)
	if r.href == "" {
		t.Fatalf("%s: the row %q of %s leads nowhere", u.at, label, table)
	}
	u.get(r.href)
}

// TestStatistics: births and a death declared and registered through the site are counted on
// the statistics pages, in English and in French, area by area; a correction of the sex moves
// a birth between the sexes, a revocation takes it out; the API and the exports say the same.
func TestStatistics(t *testing.T) {
	s := newSite(t)
	births := statBirths()
	declareAndRegister(t, s, births)
	local := s.login("lidya.verhane", "en")
	deathDay := today(t).AddDate(0, 0, -20)
	declareDeath(t, local, deathDay)

	pm := s.login("yara.belcourt", "en")
	all := years(births)
	t.Run("pages", func(t *testing.T) {
		for _, y := range all {
			pm.get(statsPath("birth", "", y))
			checkPage(t, pm, births, "", y)
		}
		// The title, the chart and its description, the trail back to the nation.
		y := births[0].dob.Year()
		pm.get(statsPath("birth", "", y))
		pm.has(fmt.Sprintf("<h1>Birth statistics: Republic of Nerovia, %d</h1>", y), `role="img"`,
			fmt.Sprintf(`<title id="chart-months-title">Birth: registrations by month, Republic of Nerovia, %d</title>`, y))
		pm.lacks("ui.", "stats.") // no message key shown for want of a text
		// The late birth is counted as late in its year.
		late := births[len(births)-1]
		pm.get(statsPath("birth", "", late.dob.Year()))
		if got := statsTables(pm.page)["summary"].row(t, "Late").cells[0]; !strings.HasPrefix(got, strconv.Itoa(expect(t, births, "", late.dob.Year()).late)+" ") || expect(t, births, "", late.dob.Year()).late == 0 {
			t.Errorf("the late registration: %q", got)
		}
		// Deaths have their page: the one death, at 70, of no certified cause.
		pm.get(statsPath("death", "", deathDay.Year()))
		tables := statsTables(pm.page)
		if got := tables["summary"].row(t, "Registered").cells[0]; got != "1" {
			t.Errorf("deaths registered: %s", got)
		}
		if got := tables["table-age"].row(t, "70–74").cells; got[1] != "1" || got[len(got)-1] != "1" {
			t.Errorf("deaths at 70-74: %q (columns %q)", got, tables["table-age"].columns)
		}
	})

	t.Run("drill-down", func(t *testing.T) {
		for _, y := range all {
			pm.get(statsPath("birth", "", y))
			e := expect(t, births, "", y)
			for _, province := range []string{"NV01", "NV03"} {
				if e.areas[province] == 0 {
					continue
				}
				pm.get(statsPath("birth", "", y))
				pm.follow(t, "areas", labelsOf["en"].areas[province])
				checkPage(t, pm, births, province, y)
				pm.has(`href="/statistics/birth?year=` + strconv.Itoa(y) + `">Republic of Nerovia</a> › <a href="/statistics/birth?area=` + province + `&amp;year=` + strconv.Itoa(y) + `" aria-current="page">` + labelsOf["en"].areas[province] + `</a>`)
				for district, n := range e.areas {
					if n == 0 || len(district) != 6 || district[:4] != province {
						continue
					}
					pm.get(statsPath("birth", province, y))
					pm.follow(t, "areas", labelsOf["en"].areas[district])
					checkPage(t, pm, births, district, y)
					// Births are counted by district: its communes would all show none.
					if statsTables(pm.page)["areas"] != nil {
						t.Errorf("%s: the district's communes are shown, each with no births", pm.at)
					}
				}
			}
		}
	})

	t.Run("French", func(t *testing.T) {
		fr := s.login("yara.belcourt", "fr")
		for _, y := range all {
			fr.get(statsPath("birth", "", y))
			checkPage(t, fr, births, "", y)
			fr.has(fmt.Sprintf("<h1>Statistiques — Naissance : République de Nérovie, %d</h1>", y), "Exhaustivité par zone", "Teintes de l&#39;exhaustivité")
			fr.get(statsPath("birth", "NV01", y))
			checkPage(t, fr, births, "NV01", y)
		}
		// Numbers are written as each language does: a share of the registrations on time,
		// and the births expected of a district (thousands apart, a decimal comma).
		if en, fr := percent("en", 5.0/6), percent("fr", 5.0/6); en == fr || en != "83.3%" {
			t.Errorf("83.3 %% in English %q and French %q", en, fr)
		}
		if en, fr := decimal("en", 31957.861), decimal("fr", 31957.861); en == fr || en != "31,957.9" || !strings.HasSuffix(fr, "957,9") {
			t.Errorf("31,957.9 in English %q and French %q", en, fr)
		}
	})

	t.Run("API", func(t *testing.T) {
		token := apiLogin(t, s, "yara.belcourt")
		for _, y := range all {
			for _, area := range []string{"", "NV01", "NV0302"} {
				rep := apiStats(t, s, token, "birth", area, y, http.StatusOK)
				checkReport(t, rep, births, area, y)
			}
		}
		apiStats(t, s, "", "birth", "", all[0], http.StatusUnauthorized)
		apiStats(t, s, token, "birth", "", 0, http.StatusBadRequest) // year=abc
		apiStats(t, s, token, "birth", "NOWHERE", all[0], http.StatusNotFound)
		apiStats(t, s, token, "marriage", "", all[0], http.StatusNotFound)
		registrar := apiLogin(t, s, "lidya.verhane")
		apiStats(t, s, registrar, "birth", "", all[0], http.StatusForbidden)
		statistician := apiLogin(t, s, "liya.mernasso")
		if rep := apiStats(t, s, statistician, "birth", "", all[0], http.StatusOK); rep.Area != "NV0302" {
			t.Errorf("the statistician's own area: %q", rep.Area)
		}
		apiStats(t, s, statistician, "birth", "NV03", all[0], http.StatusNotFound)
	})

	t.Run("exports", func(t *testing.T) {
		fr := s.login("yara.belcourt", "fr")
		for _, y := range all {
			checkXLSX(t, fr, births, y)
			checkCSV(t, fr, births, y)
		}
	})

	t.Run("jurisdiction", func(t *testing.T) {
		// The district statistician reads the district's figures, by default, and nothing
		// above it or beside it.
		st := s.login("liya.mernasso", "en")
		st.has(`<a href="/statistics">Statistics</a>`)
		st.get("/statistics")
		if st.status != 200 || !strings.Contains(st.at, "/statistics/birth") {
			t.Fatalf("the statistician's statistics: %d at %s", st.status, st.at)
		}
		for _, y := range all {
			st.get(fmt.Sprintf("/statistics/birth?year=%d", y))
			checkPage(t, st, births, "NV0302", y)
			st.has("<h1>Birth statistics: Morvane, " + strconv.Itoa(y) + "</h1>")
			st.lacks(`>Republic of Nerovia</a>`, `>Kessara</a>`) // the trail starts at the district
			st.get(statsPath("birth", "NV0302", y))
			checkPage(t, st, births, "NV0302", y)
			st.get(statsPath("birth", "NV030201", y)) // a commune of the district
			if st.status != 200 {
				t.Errorf("a commune of the district: %d", st.status)
			}
		}
		for _, area := range []string{"NV0101", "NV03", "NV01", "NV030101", "nowhere"} {
			for _, path := range []string{statsPath("birth", area, all[0]), strings.Replace(statsPath("birth", area, all[0]), "?", "/export.csv?", 1)} {
				st.get(path)
				if st.status != http.StatusNotFound {
					t.Errorf("the statistician at %s: %d", path, st.status)
				}
			}
		}
		// Their exports are of the district, named after it.
		for _, y := range all {
			b := download(t, st, "/statistics/birth/export.csv?year="+strconv.Itoa(y), "text/csv; charset=utf-8", fmt.Sprintf("birth-NV0302-%d.csv", y))
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(rows) < 2 || rows[1][1] != "NV0302" {
				t.Errorf("the statistician's export: %v %q", err, rows[:min(2, len(rows))])
			}
		}
		for _, year := range []string{"abc", "0", "-1", "10000", "2026.5"} {
			st.get("/statistics/birth?year=" + year)
			if st.status != http.StatusBadRequest {
				t.Errorf("year=%s: %d", year, st.status)
			}
		}
		st.get("/statistics/birth/export.xlsx?year=abc")
		if st.status != http.StatusBadRequest {
			t.Errorf("an export of year=abc: %d", st.status)
		}
		st.get("/statistics/marriage")
		if st.status != http.StatusNotFound {
			t.Errorf("an event without statistics: %d", st.status)
		}
		st.get("/statistics/birth/export.pdf")
		if st.status != http.StatusNotFound {
			t.Errorf("an export in no format: %d", st.status)
		}

		// A registrar reads no statistics, and is not offered them.
		reg := s.login("lidya.verhane", "en")
		reg.lacks(`href="/statistics"`)
		for _, path := range []string{"/statistics", statsPath("birth", "", all[0]), "/statistics/birth/export.csv"} {
			reg.get(path)
			if reg.status != http.StatusForbidden {
				t.Errorf("a registrar at %s: %d", path, reg.status)
			}
		}
		pm.get("/work")
		pm.has(`<a href="/statistics">Statistics</a>`)
		// Without a session: the login page.
		anon := s.browser("en")
		anon.get(statsPath("birth", "", all[0]))
		if !strings.Contains(anon.at, "/login?next=") {
			t.Errorf("without a session: %d at %s", anon.status, anon.at)
		}
	})

	// Last, as they change the register: a correction of the sex, approved, moves a birth from
	// one sex to the other; a revocation takes one out of every count.
	t.Run("correction and revocation", func(t *testing.T) {
		corrected, revoked := births[5], births[6]
		correctSex(t, s, corrected.id, "male")
		corrected.sex = "male"
		national := s.login("ilena.marvosa", "en")
		national.get("/records/" + revoked.id)
		national.post("/records/"+revoked.id+"/actions/revoke", url.Values{"csrf": {national.csrf()}, "version": {"2"}, "comment": {"Order RG-2026-14: registered twice"}, "confirm": {"yes"}})
		national.has("Done: ")
		if national.status != 200 || !strings.Contains(national.page, `id="status">Revoked<`) {
			t.Fatalf("revoke: %d at %s", national.status, national.at)
		}
		revoked.revoked = true
		token := apiLogin(t, s, "yara.belcourt")
		for _, y := range all {
			for _, area := range []string{"", "NV01", "NV0102", "NV0101"} {
				pm.get(statsPath("birth", area, y))
				checkPage(t, pm, births, area, y)
				checkReport(t, apiStats(t, s, token, "birth", area, y, http.StatusOK), births, area, y)
			}
		}
	})
}

// correctSex asks for a correction of a registered birth's sex (the local registrar), and
// approves it (the district registrar).
func correctSex(t *testing.T, s *site, id, sex string) {
	t.Helper()
	local := s.login("lidya.verhane", "en")
	local.get("/records/" + id + "/edit/request-correction")
	if local.status != 200 {
		t.Fatalf("the correction form: %d", local.status)
	}
	form := formOf(local.page)
	form.Set("child.sex", sex)
	form.Set("comment", "the hospital's card")
	local.post("/records/"+id+"/edit/request-correction", form)
	if !strings.Contains(local.page, "Done: Request a correction") {
		t.Fatalf("request-correction: %d at %s\n%s", local.status, local.at, problems(local.page))
	}
	district := s.login("fenna.albrecq", "en")
	district.get("/records/" + id)
	district.assign(id) // nerovia's corrections are decided by the registrar who holds the record
	district.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {district.csrf()}, "version": {"3"}})
	if !strings.Contains(district.page, "Done: Approve the correction") {
		t.Fatalf("approve-correction: %d at %s", district.status, district.at)
	}
}

// declareDeath declares and registers the death of a man of about 70, at home in Velmora
// Central, of no certified cause.
func declareDeath(t *testing.T, u *user, day time.Time) {
	t.Helper()
	u.get("/declare/death")
	form := url.Values{
		"deceased.name.given": {"Gebre"}, "deceased.name.family": {"Amanuel"}, "deceased.sex": {"male"},
		"deceased.estimatedAge": {"70"}, "deceased.nationality": {"nerovian"}, "deceased.idType": {"none"},
		"deceased.residence": {"NV01010101"},
		"death.date":         {day.Format(time.DateOnly)}, "death.district": {"NV0101"}, "death.placeType": {"home"},
		"death.village": {"NV01010101"}, "death.manner": {"natural"}, "death.medicallyCertified": {"false"},
		"cause.source":           {"unknown"},
		"informant.relationship": {"child"}, "informant.name.given": {"Hana"}, "informant.name.family": {"Gebre"},
		"informant.idType": {"none"}, "informant.phone": {"0911234567"}, "informant.attestation": {"true"},
		"csrf": {u.csrf()}, "key": {"stats-death"},
	}
	u.post("/declare/death", form)
	m := recordURL.FindStringSubmatch(u.at)
	if m == nil {
		t.Fatalf("declaring a death: %d at %s\n%s", u.status, u.at, problems(u.page))
	}
	u.post("/records/"+m[1]+"/actions/register", url.Values{"csrf": {u.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if !strings.Contains(u.page, "Done: Register") {
		t.Fatalf("registering the death: %d at %s", u.status, u.at)
	}
}

// apiLogin logs in through the API and returns the bearer token.
func apiLogin(t *testing.T, s *site, username string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res, err := http.Post(s.url+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.Token == "" {
		t.Fatalf("API login of %s: %d %v", username, res.StatusCode, err)
	}
	return out.Token
}

// apiStats asks the API for a report (year 0: year=abc) and checks the status.
func apiStats(t *testing.T, s *site, token, event, area string, year int, status int) *stats.Report {
	t.Helper()
	v := url.Values{"year": {strconv.Itoa(year)}}
	if year == 0 {
		v.Set("year", "abc")
	}
	if area != "" {
		v.Set("area", area)
	}
	req, _ := http.NewRequest("GET", s.url+"/api/v1/statistics/"+event+"?"+v.Encode(), nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Errorf("GET %s: %d, want %d\n%s", req.URL, res.StatusCode, status, b)
		return nil
	}
	if status != 200 {
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
			t.Errorf("GET %s: a %d as %s", req.URL, status, ct)
		}
		return nil
	}
	var rep stats.Report
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("GET %s: %v\n%s", req.URL, err, b)
	}
	return &rep
}

// checkReport holds an API report to the births.
func checkReport(t *testing.T, rep *stats.Report, births []*statBirth, area string, year int) {
	t.Helper()
	if rep == nil {
		return
	}
	e := expect(t, births, area, year)
	at := fmt.Sprintf("the API's %q %d", area, year)
	if rep.Event != "birth" || rep.Area != area || rep.Year != year || rep.Registered != int64(e.registered) {
		t.Errorf("%s: %s %q %d, %d registered; want %d", at, rep.Event, rep.Area, rep.Year, rep.Registered, e.registered)
	}
	for _, kc := range rep.BySex {
		if kc.Count != int64(e.sex[kc.Key]) {
			t.Errorf("%s: %s %d, want %d", at, kc.Key, kc.Count, e.sex[kc.Key])
		}
	}
	for i, n := range rep.Months {
		if n != int64(e.months[i]) {
			t.Errorf("%s: month %d: %d, want %d", at, i+1, n, e.months[i])
		}
	}
	if tl := rep.Timeliness; tl == nil || tl.OnTime != int64(e.onTime) || tl.Late != int64(e.late) || tl.Delayed != 0 {
		t.Errorf("%s: timeliness %+v, want %d on time, %d late", at, tl, e.onTime, e.late)
	}
	for _, c := range rep.Children {
		if c.Registered != int64(e.areas[c.Area]) {
			t.Errorf("%s: %s %d, want %d", at, c.Area, c.Registered, e.areas[c.Area])
		}
		if x, ok := expectedBirths(t, c.Area, year); ok != (c.Expected != nil) || ok && fmt.Sprintf("%.3f", x) != fmt.Sprintf("%.3f", *c.Expected) {
			t.Errorf("%s: %s expects %v, the sheet %v (%v)", at, c.Area, c.Expected, x, ok)
		}
	}
	if x, ok := expectedBirths(t, area, year); area != "" && ok && (rep.Completeness == nil || fmt.Sprintf("%.9f", *rep.Completeness) != fmt.Sprintf("%.9f", float64(e.registered)/x)) {
		t.Errorf("%s: completeness %v, want %v", at, rep.Completeness, float64(e.registered)/x)
	}
}

// download gets an export and checks how it is sent; it returns the body.
func download(t *testing.T, u *user, path, contentType, filename string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", u.s.url+path, nil)
	req.Header.Set("Accept-Language", u.lang)
	res, err := u.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d", path, res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); got != contentType {
		t.Errorf("%s: Content-Type %q", path, got)
	}
	disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != filename {
		t.Errorf("%s: Content-Disposition %q, want an attachment %s (%v)", path, res.Header.Get("Content-Disposition"), filename, err)
	}
	return b
}

// checkXLSX reads the nation's export of a year back, in French: the summary sheet and the
// sheet of registrations by month and sex, each cell against what the births say, the counts
// from 1 to 4 suppressed (the page shows them).
func checkXLSX(t *testing.T, u *user, births []*statBirth, year int) {
	t.Helper()
	e := expect(t, births, "", year)
	y := strconv.Itoa(year)
	b := download(t, u, "/statistics/birth/export.xlsx?year="+y, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "birth-XNV-"+y+".xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) < 2 || sheets[0] != "Résumé" || !slices.Contains(sheets, "Mois × Sexe") {
		t.Fatalf("sheets %q", sheets)
	}
	const masked = "masqué"
	text := func(sheet, cell, want string) {
		t.Helper()
		got, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sheet, cell)
		if got != want || typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("%s!%s: %q (type %v), want the text %q", sheet, cell, got, typ, want)
		}
	}
	num := func(sheet, cell string, want float64) {
		t.Helper()
		got, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sheet, cell)
		x, err := strconv.ParseFloat(got, 64)
		if err != nil || typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber || fmt.Sprintf("%.6f", x) != fmt.Sprintf("%.6f", want) {
			t.Errorf("%s!%s: %q (type %v), want the number %v", sheet, cell, got, typ, want)
		}
	}
	// count is a count of the export: hidden from 1 to 4; shown, or hidden so that another
	// cannot be worked out (then never a zero), above.
	count := func(sheet, cell string, n int) {
		t.Helper()
		got, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		switch {
		case n >= 1 && n <= 4:
			text(sheet, cell, masked)
		case n == 0 || got != masked:
			num(sheet, cell, float64(n))
		}
	}
	s := "Résumé"
	text(s, "A1", "Naissance — République de Nérovie — "+y)
	text(s, "A3", "Événement")
	text(s, "B3", "Naissance")
	text(s, "A4", "Zone")
	text(s, "B4", "République de Nérovie")
	text(s, "A5", "Année")
	num(s, "B5", float64(year))
	text(s, "A6", "Enregistrés")
	count(s, "B6", e.registered)
	text(s, "A7", "Attendus")
	nation, known := 0.0, true
	for _, code := range []string{"NV01", "NV02", "NV03", "NV04", "NV05"} {
		x, ok := expectedBirths(t, code, year)
		nation, known = nation+x, known && ok
	}
	if known {
		num(s, "B7", nation)
	}
	text(s, "A10", "Exhaustivité par zone")
	for j, h := range []string{"Zone", "Enregistrés", "Attendus", "Exhaustivité"} {
		cell, _ := excelize.CoordinatesToCellName(j+1, 11)
		text(s, cell, h)
	}
	provinces := map[string]string{"NV01": "Velmora", "NV02": "Hautes-Terres du Nord", "NV03": "Kessara", "NV04": "Lisembe Coast", "NV05": "Odunmar"}
	for i, code := range []string{"NV01", "NV02", "NV03", "NV04", "NV05"} {
		row := strconv.Itoa(12 + i)
		if code != "NV04" { // its French name is the sheet's, whatever it is
			text(s, "A"+row, provinces[code])
		}
		count(s, "B"+row, e.areas[code])
		if x, ok := expectedBirths(t, code, year); ok {
			num(s, "C"+row, x)
			if got, _ := f.GetCellValue(s, "B"+row, excelize.Options{RawCellValue: true}); got != masked {
				num(s, "D"+row, float64(e.areas[code])/x)
			} else {
				text(s, "D"+row, masked) // the completeness would give the count back
			}
		}
	}

	s = "Mois × Sexe"
	text(s, "A2", "Mois × Sexe")
	for j, h := range []string{"Mois", "Féminin", "Masculin", "Indéterminé", "Non déclaré", "Total"} {
		cell, _ := excelize.CoordinatesToCellName(j+1, 4)
		text(s, cell, h)
	}
	bySexMonth := map[[2]int]int{}
	for _, b := range births {
		if !b.revoked && b.dob.Year() == year {
			bySexMonth[[2]int{int(b.dob.Month()) - 1, slices.Index([]string{"female", "male", "unknown", "not-stated"}, b.sex)}]++
		}
	}
	for i, m := range labelsOf["fr"].months {
		row := 5 + i
		text(s, "A"+strconv.Itoa(row), m)
		for j := range 4 {
			cell, _ := excelize.CoordinatesToCellName(2+j, row)
			count(s, cell, bySexMonth[[2]int{i, j}])
		}
		count(s, "F"+strconv.Itoa(row), e.months[i])
	}
	text(s, "A17", "Total")
	for j, sex := range []string{"female", "male", "unknown", "not-stated"} {
		cell, _ := excelize.CoordinatesToCellName(2+j, 17)
		count(s, cell, e.sex[sex])
	}
	count(s, "F17", e.registered)
	// Something was hidden (the fixture's counts are small), and a note says so.
	if all, _ := f.GetRows(s); !slices.ContainsFunc(all, func(r []string) bool {
		return len(r) > 0 && strings.HasPrefix(r[0], "Les effectifs de 1 à 4 sont masqués")
	}) {
		t.Errorf("%s: no note of what is suppressed", s)
	}
}

// checkCSV reads the nation's CSV export of a year: its documented header, the registrations
// by sex and in all, the small counts suppressed, the labels in French.
func checkCSV(t *testing.T, u *user, births []*statBirth, year int) {
	t.Helper()
	e := expect(t, births, "", year)
	y := strconv.Itoa(year)
	b := download(t, u, "/statistics/birth/export.csv?year="+y, "text/csv; charset=utf-8", "birth-XNV-"+y+".csv")
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"event", "area", "year", "table", "row", "column", "value", "table_label", "row_label", "column_label"}; !slices.Equal(rows[0], want) {
		t.Fatalf("header %q, want %q", rows[0], want)
	}
	find := func(table, row, col string) []string {
		for _, r := range rows[1:] {
			if r[3] == table && r[4] == row && r[5] == col {
				return r
			}
		}
		t.Fatalf("no line %s %s %s", table, row, col)
		return nil
	}
	value := func(n int) string {
		if n >= 1 && n <= 4 {
			return "suppressed"
		}
		return strconv.Itoa(n)
	}
	for _, r := range rows[1:] {
		if r[0] != "birth" || r[1] != "*" || r[2] != y {
			t.Fatalf("line %q", r)
		}
	}
	if r := find("registrations", "*", "*"); r[6] != value(e.registered) && r[6] != "suppressed" || r[7] != "Mois × Sexe" || r[8] != "Total" {
		t.Errorf("the registrations' total: %q, want %s", r, value(e.registered))
	}
	for _, sex := range []string{"female", "male"} {
		if r := find("registrations", "*", sex); e.sex[sex] >= 1 && e.sex[sex] <= 4 && r[6] != "suppressed" || r[9] != labelsOf["fr"].sexes[sex] {
			t.Errorf("the %s births: %q, want %s", sex, r, value(e.sex[sex]))
		}
	}
	for i := range 12 {
		if r := find("registrations", fmt.Sprintf("%02d", i+1), "*"); e.months[i] <= 4 && r[6] != value(e.months[i]) || r[8] != labelsOf["fr"].months[i] {
			t.Errorf("month %d: %q, want %s", i+1, r, value(e.months[i]))
		}
	}
	for _, code := range []string{"NV01", "NV03"} {
		r := find("areas", code, "registered")
		c := find("areas", code, "completeness")
		if n := e.areas[code]; r[6] != value(n) && r[6] != "suppressed" || (r[6] == "suppressed") != (c[6] == "suppressed") {
			t.Errorf("%s: %q and %q, want %s", code, r, c, value(n))
		}
	}
}
