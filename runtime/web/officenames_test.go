package web

import (
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/runtime/records"
)

// TestOfficeNameInLanguage: an office is named in the user's language where the package gives
// its name in it, by its name otherwise, in the pages' texts as in the place search; a
// national office (no area) is named alone.
func TestOfficeNameInLanguage(t *testing.T) {
	bn := &bundle.Bundle{
		Country: bundle.Country{Languages: []string{"en", "fr", "am"}, DefaultLanguage: "en"},
		Areas:   []bundle.Area{{Code: "R1", Name: "North", Names: map[string]string{"fr": "Nord"}, Level: "region"}},
		Offices: []bundle.Office{
			{Code: "HQ", Name: "Civil Registry Headquarters", Names: map[string]string{"fr": "Siège de l'état civil"}, Type: "crvs-office"},
			{Code: "O1", Name: "North registry", Names: map[string]string{"fr": "Bureau du Nord"}, Type: "crvs-office", Area: "R1"},
			{Code: "H1", Name: "North hospital", Type: "health-facility", Area: "R1"},
		},
		Translations: map[string]map[string]string{"en": {"ui.place.within": "{place}, {area}"}, "fr": {"ui.place.within": "{place}, {area}"}},
	}
	m, err := records.NewModel(bn)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Records: &records.Service{Model: m}, Catalog: i18n.New(bn.Country.Languages, bn.Country.DefaultLanguage, bn.Translations), placeIx: newPlaceIndex(bn)}
	for _, c := range []struct{ code, lang, name, place string }{
		{"HQ", "fr", "Siège de l'état civil", "Siège de l'état civil"},
		{"HQ", "en", "Civil Registry Headquarters", "Civil Registry Headquarters"},
		{"HQ", "am", "Civil Registry Headquarters", "Civil Registry Headquarters"},
		{"O1", "fr", "Bureau du Nord", "Bureau du Nord, Nord"},
		{"H1", "fr", "North hospital", "North hospital, Nord"},
		{"gone", "fr", "gone", "gone"},
	} {
		if got := s.officeName(c.code, c.lang); got != c.name {
			t.Errorf("officeName(%s, %s) = %q, want %q", c.code, c.lang, got, c.name)
		}
		if got := s.placeName("office", c.code, c.lang); got != c.place {
			t.Errorf("placeName(office, %s, %s) = %q, want %q", c.code, c.lang, got, c.place)
		}
	}
}
