package stats_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

// The test country: three provinces, the first two with districts, one district with a
// village; an office in each district; births placed by area, deaths by office.
//
//	P1 ── D11 (office O11), D12 (O12)
//	P2 ── D21 (O21) ── V211
//	P3
func testBundle() *bundle.Bundle {
	opts := func(list string, values ...string) []bundle.Option {
		var out []bundle.Option
		for _, v := range values {
			out = append(out, bundle.Option{Value: v, Label: list + "." + v})
		}
		return out
	}
	return &bundle.Bundle{
		Country: bundle.Country{Code: "XT", Name: "country.name", Languages: []string{"en", "fr", "am"}, DefaultLanguage: "en", TimeZone: "Africa/Addis_Ababa"},
		Areas: []bundle.Area{
			{Code: "D11", Name: "Dala", Parent: "P1", Level: "district"},
			{Code: "D12", Name: "Dembe", Parent: "P1", Level: "district"},
			{Code: "D21", Name: "Doro", Parent: "P2", Level: "district"},
			{Code: "P1", Name: "North", Names: map[string]string{"fr": "Nord"}, Level: "province"},
			{Code: "P2", Name: "South", Level: "province"},
			{Code: "P3", Name: "Islands", Level: "province"},
			{Code: "V211", Name: "Vala", Parent: "D21", Level: "village"},
		},
		Offices: []bundle.Office{
			{Code: "O11", Area: "D11"}, {Code: "O12", Area: "D12"}, {Code: "O21", Area: "D21"}, {Code: "O211", Area: "V211"},
		},
		Statistics: &bundle.Statistics{
			SuppressBelow: 5,
			Population: []bundle.Population{
				{Area: "", Year: 2025, Total: 100000, ExpectedDeaths: 500},
				{Area: "D11", Year: 2025, Total: 5000, ExpectedBirths: 100, ExpectedDeaths: 20},
				{Area: "D12", Year: 2025, Total: 2500, ExpectedBirths: 50, ExpectedDeaths: 10},
				{Area: "D21", Year: 2025, Total: 1500, ExpectedBirths: 30},
				{Area: "P2", Year: 2025, Total: 2000, ExpectedBirths: 40},
				{Area: "V211", Year: 2024, Total: 700, ExpectedBirths: 12.5},
				{Area: "D11", Year: 2024, Total: 5000, ExpectedBirths: 90},
			},
		},
		Events: []bundle.Event{
			{
				ID: "birth", Label: "event.birth", DateField: "child.dob", PlaceField: "child.district",
				Pages: []bundle.Page{{ID: "child", Fields: []bundle.Field{
					{ID: "child.sex", Type: "select", Label: "birth.child.sex", Options: opts("sex", "female", "male")},
					{ID: "child.dob", Type: "date"},
					{ID: "child.district", Type: "location", Of: "area"},
					{ID: "child.placeType", Type: "radio", Label: "birth.child.placeType", Options: opts("place-type", "health-facility", "home", "not-stated")},
					{ID: "child.attendant", Type: "select", Label: "birth.child.attendant", Options: opts("attendant", "doctor", "midwife", "none")},
					{ID: "child.order", Type: "number"},
					{ID: "mother.age", Type: "number"},
				}}},
				Statistics: &bundle.EventStatistics{
					Counted: []string{"registered", "certified"}, Expected: "births", OnTimeDays: 30, LateDays: 365,
					Sex: "child.sex", MotherAge: "mother.age", BirthOrder: "child.order", Attendant: "child.attendant", Occurrence: "child.placeType",
				},
			},
			{
				ID: "death", Label: "event.death", DateField: "death.date", PlaceField: "death.office",
				Pages: []bundle.Page{{ID: "death", Fields: []bundle.Field{
					{ID: "deceased.sex", Type: "select", Label: "death.deceased.sex", Options: opts("sex", "female", "male")},
					{ID: "death.date", Type: "date"},
					{ID: "death.office", Type: "location", Of: "office"},
					{ID: "death.placeType", Type: "radio", Label: "death.placeType", Options: opts("place-type", "health-facility", "home")},
					{ID: "death.age", Type: "number"},
					{ID: "death.cause", Type: "text"},
				}}},
				Statistics: &bundle.EventStatistics{
					Counted: []string{"registered"}, Expected: "deaths", OnTimeDays: 30, LateDays: 365,
					Sex: "deceased.sex", Age: "death.age", Cause: "death.cause", Occurrence: "death.placeType",
				},
			},
			{ID: "marriage", DateField: "date", PlaceField: "place"},
		},
		Translations: map[string]map[string]string{
			"en": {"country.name": "Testland", "event.birth": "Birth", "event.death": "Death", "birth.child.sex": "Sex of child", "sex.female": "Female", "sex.male": "Male", "attendant.doctor": "Doctor"},
			"fr": {"country.name": "Testlande", "event.birth": "Naissance", "event.death": "Décès", "birth.child.sex": "Sexe de l'enfant", "sex.female": "Féminin", "sex.male": "Masculin", "attendant.doctor": "Médecin"},
		},
	}
}

func newStats(t testing.TB) (*stats.Stats, *bundle.Bundle) {
	t.Helper()
	b := testBundle()
	s, err := stats.New(b)
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func labels(s *stats.Stats, b *bundle.Bundle, event, lang string) *stats.Labels {
	return s.Labels(event, i18n.New(b.Country.Languages, b.Country.DefaultLanguage, b.Translations), lang)
}

// addis is Addis Ababa's time, UTC+3 all year (no summer time): written here as a fixed zone,
// independently of the time zone database the package reads.
var addis = time.FixedZone("EAT", 3*3600)

// record is a record of the fixture, with what the test needs to know of it.
type record struct {
	stats.Facts
	place string // the area of its place (births: the answer; deaths: the office's area)
}

// fixture makes n records of an event, most registered, some not counted, some with answers
// missing or wrong.
func fixture(event string, n int, seed uint64) []record {
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(values ...string) string { return values[rng.IntN(len(values))] }
	var out []record
	for i := range n {
		a := map[string]any{}
		status := pick("registered", "registered", "registered", "certified", "declared", "archived")
		number := fmt.Sprintf("N%d", i)
		if rng.IntN(20) == 0 {
			number = ""
		}
		date := timeDate(pick("2024", "2025", "2025", "2025") == "2024", time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
		registered := date.Add(time.Duration(rng.IntN(500*24)) * time.Hour).Add(-3 * time.Hour).UTC() // midnight in Addis, plus whole hours
		if rng.IntN(30) == 0 || number == "" {
			// Never registered, or registered before records kept the time.
			registered = time.Time{}
		}
		var place string
		sex := pick("female", "male", "female", "male", "", "other")
		switch event {
		case "birth":
			a["child.dob"] = date.Format(time.DateOnly)
			place = pick("D11", "D11", "D12", "D21", "V211", "P3")
			a["child.district"] = place
			if sex != "" {
				a["child.sex"] = sex
			}
			if v := pick("health-facility", "home", "not-stated", "", "boat"); v != "" {
				a["child.placeType"] = v
			}
			if v := pick("doctor", "midwife", "none", ""); v != "" {
				a["child.attendant"] = v
			}
			if rng.IntN(10) > 0 {
				a["mother.age"] = float64(12 + rng.IntN(42))
			}
			if rng.IntN(10) > 0 {
				a["child.order"] = float64(rng.IntN(13))
			}
		case "death":
			a["death.date"] = date.Format(time.DateOnly)
			office := pick("O11", "O12", "O21", "O211")
			a["death.office"] = office
			place = map[string]string{"O11": "D11", "O12": "D12", "O21": "D21", "O211": "V211"}[office]
			if sex != "" {
				a["deceased.sex"] = sex
			}
			if v := pick("health-facility", "home", ""); v != "" {
				a["death.placeType"] = v
			}
			if rng.IntN(10) > 0 {
				a["death.age"] = float64(rng.IntN(100)) + rng.Float64()
			}
			a["death.cause"] = pick("A09", "I21.9", "c50", " J18.9 ", "R99", "U07.1", "X99", "", "D49", "123", "V00", "Z99.9")
		}
		out = append(out, record{Facts: stats.Facts{Event: event, Status: status, Number: number, Answers: a, Registered: registered}, place: place})
	}
	return out
}

// Date is time.Date at midnight UTC, of the year 2024 when y, else 2025.
func timeDate(y2024 bool, m time.Month, d int) time.Time {
	year := 2025
	if y2024 {
		year = 2024
	}
	return time.Date(year, m, d, 0, 0, 0, 0, time.UTC)
}

// counts sums the records' cells as a store does: for each cell, the records holding it.
func counts(s *stats.Stats, records []record) map[string]int64 {
	out := map[string]int64{}
	for _, r := range records {
		for _, c := range s.Cells(r.Facts) {
			out[c]++
		}
	}
	return out
}

// read is what a store's Counts gives for the prefixes.
func read(all map[string]int64, prefixes []string) map[string]int64 {
	out := map[string]int64{}
	for c, n := range all {
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) {
				out[c] = n
				break
			}
		}
	}
	return out
}
