package web_test

import "testing"

// TestPlaceTypedAsWritten: without the script, a place typed as the list writes it in the
// page's language, with its parent's name and that language's separator ("ባብሮ፣ ቬልሞራ አሮጌ
// ከተማ" in Amharic), is the place.
func TestPlaceTypedAsWritten(t *testing.T) {
	for _, c := range []struct{ lang, district, village string }{
		{"en", "Velmora Central, Velmora", "Babro, Velmora Old Town"},
		{"fr", "Velmora-Centre, Velmora", "Babro, Velmora-Vieille-Ville"},
		{"am", "ማዕከላዊ ቬልሞራ፣ ቬልሞራ", "ባብሮ፣ ቬልሞራ አሮጌ ከተማ"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			s := newSite(t) // its t the subtest's: declare fails the subtest
			u := s.login("lidya.verhane", c.lang)
			form := birth("Hana", "Placed-"+c.lang)
			form.Set("child.birthDistrict", c.district)
			form.Set("child.birthVillage", c.village)
			form.Set("mother.residence", c.village)
			u.declare(form)
		})
	}
}
