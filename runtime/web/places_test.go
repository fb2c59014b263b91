package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/internal/national"
	"github.com/crvsctl/crvsctl/runtime/records"
)

// BenchmarkPlaces searches the places of a national-scale package (105,210 areas, 20,000
// offices) as the form's search box does, for words that match many places, few, or none.
func BenchmarkPlaces(b *testing.B) {
	dir := b.TempDir()
	if err := national.Write("../../countries/nerovia", dir); err != nil {
		b.Fatal(err)
	}
	bn, diags := compiler.Build(dir)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	m, err := records.NewModel(bn)
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Records: &records.Service{Model: m}, Catalog: i18n.New(bn.Country.Languages, bn.Country.DefaultLanguage, bn.Translations)}
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			newPlaceIndex(bn)
		}
	})
	s.placeIx = newPlaceIndex(bn)
	village := bundle.Field{Type: "location", Of: "area", Level: "village"}
	facility := bundle.Field{Type: "location", Of: "office", Types: []string{"health-facility"}}
	for _, c := range []struct {
		name string
		fl   bundle.Field
		q    string
	}{
		{"a common word", village, "village"},
		{"a word and a code", village, "village p07d13"},
		{"an office", facility, "office of01"},
		{"nothing", village, "vil zzz"},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = len(s.find(c.fl, c.q, 15))
			}
			b.ReportMetric(float64(n), "places")
		})
	}
}

// TestAmbiguousPlaceSeparated: the places a name could be are listed with the language's own
// separator between them (not a "; " written in code): each place's name holds its parent's
// after a comma already, Amharic's "፣", so the list takes the stronger one, Amharic's "፤".
func TestAmbiguousPlaceSeparated(t *testing.T) {
	bn := &bundle.Bundle{Areas: []bundle.Area{
		{Code: "P1", Name: "North", Names: map[string]string{"am": "ሰሜን"}, Level: "province"},
		{Code: "P2", Name: "South", Names: map[string]string{"am": "ደቡብ"}, Level: "province"},
		{Code: "D1", Name: "Hill", Names: map[string]string{"am": "ኮረብታ"}, Parent: "P1", Level: "district"},
		{Code: "D2", Name: "Hill", Names: map[string]string{"am": "ኮረብታ"}, Parent: "P2", Level: "district"},
	}}
	s := &Server{Catalog: i18n.New([]string{"en", "fr", "am"}, "en", nil), placeIx: newPlaceIndex(bn)}
	fl := bundle.Field{Type: "location", Of: "area", Level: "district"}
	for lang, want := range map[string]string{
		"en": "Several places have this name: Hill, North; Hill, South.",
		"fr": "Plusieurs lieux portent ce nom : Hill, North ; Hill, South.",
		"am": "ብዙ ቦታዎች ይህ ስም አላቸው፦ ኮረብታ፣ ሰሜን፤ ኮረብታ፣ ደቡብ።",
	} {
		typed := "Hill"
		if lang == "am" {
			typed = "ኮረብታ"
		}
		code, problem := s.resolvePlace(fl, typed, lang)
		if code != "" || !strings.HasPrefix(problem, want) {
			t.Errorf("%s: %q %q, want a problem beginning %q", lang, code, problem, want)
		}
	}
}

// TestChoicesSeparated: the options chosen in a multiple-choice answer are written with the
// language's list separator, Amharic's "፣" among them.
func TestChoicesSeparated(t *testing.T) {
	s := &Server{Catalog: i18n.New([]string{"en", "fr", "am"}, "en", map[string]map[string]string{
		"en": {"o.a": "Fever", "o.b": "Cough"}, "am": {"o.a": "ትኩሳት", "o.b": "ሳል"}})}
	fl := bundle.Field{ID: "symptoms", Type: "checkboxes", Options: []bundle.Option{{Value: "a", Label: "o.a"}, {Value: "b", Label: "o.b"}}}
	for lang, want := range map[string]string{"en": "Fever, Cough", "fr": "Fever, Cough", "am": "ትኩሳት፣ ሳል"} {
		f := &form{s: s, lang: lang}
		if got := f.text(fl, []any{"a", "b"}); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// TestPlacesOfToday: the search box and a name typed without the script find only the areas of
// today — not one merged away, nor one not yet created — while the code of an area that ended,
// which records declared before keep, is still read.
func TestPlacesOfToday(t *testing.T) {
	bn, diags := compiler.Build("../../countries/nerovia")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for i := range bn.Areas {
		switch bn.Areas[i].Code {
		case "NV0101": // Velmora Central, merged away
			bn.Areas[i].ValidTo, bn.Areas[i].Successors = "2020-12-31", []string{"NV0102"}
		case "NV0102":
			bn.Areas[i].ValidFrom = "2021-01-01"
		case "NV0103": // created in the future
			bn.Areas[i].ValidFrom = "2999-01-01"
		}
	}
	m, err := records.NewModel(bn)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Records: &records.Service{Model: m}, Catalog: i18n.New(bn.Country.Languages, bn.Country.DefaultLanguage, bn.Translations)}
	s.placeIx = newPlaceIndex(bn)
	district := bundle.Field{Type: "location", Of: "area", Level: "district"}
	name := func(code string) string { return s.placeIx.byCode["area:"+code].names[""] }
	for code, want := range map[string]bool{"NV0101": false, "NV0102": true, "NV0103": false} {
		found := false
		for _, p := range s.find(district, name(code), 15) {
			found = found || p.code == code
		}
		if found != want {
			t.Errorf("searching %s (%s): found %v, want %v", name(code), code, found, want)
		}
	}
	if code, problem := s.resolvePlace(district, "NV0101", "en"); code != "NV0101" || problem != "" {
		t.Errorf("the code of an area that ended: %q, %q; want it read", code, problem)
	}
	if code, _ := s.resolvePlace(district, name("NV0101"), "en"); code != "" {
		t.Errorf("the name of an area that ended resolved to %s", code)
	}

	// For an event of 2020 (the date the form sends), the places of 2020.
	for code, want := range map[string]bool{"NV0101": true, "NV0102": false, "NV0103": false} {
		found := false
		for _, p := range s.findOn(district, name(code), 15, "2020-06-01") {
			found = found || p.code == code
		}
		if found != want {
			t.Errorf("searching %s (%s) on 2020-06-01: found %v, want %v", name(code), code, found, want)
		}
	}
	if code, problem := s.resolvePlaceOn(district, name("NV0101"), "en", "2020-06-01"); code != "NV0101" {
		t.Errorf("the name of an area of 2020, for an event of 2020: %q, %q", code, problem)
	}
	if code, _ := s.resolvePlaceOn(district, name("NV0101"), "en", "not a date"); code != "" {
		t.Errorf("an area that ended, for a date that is none (today's places): %s", code)
	}

	// The search box asks with the date of the event the form has.
	for date, want := range map[string]bool{"": false, "2020-06-01": true} {
		w := httptest.NewRecorder()
		q := url.Values{"event": {"birth"}, "field": {"child.birthDistrict"}, "q": {name("NV0101")}, "date": {date}}
		s.places(&request{w: w, r: httptest.NewRequest("GET", "/places?"+q.Encode(), nil), lang: "en"})
		if got := strings.Contains(w.Body.String(), `"NV0101"`); got != want {
			t.Errorf("/places on %q: %s; want NV0101 %v", date, w.Body, want)
		}
	}
}
