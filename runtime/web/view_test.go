package web

import (
	"testing"

	"github.com/crvsctl/crvsctl/i18n"
)

// TestRightToLeft: a page in a language written right to left says so, and is laid out so by
// the stylesheet's logical properties.
func TestRightToLeft(t *testing.T) {
	s := &Server{Catalog: i18n.New([]string{"ar", "fr"}, "ar", nil)}
	for lang, dir := range map[string]string{"ar": "rtl", "fr": "ltr"} {
		if v := s.newView(lang, "", nil); v.Dir != dir || v.Lang != lang {
			t.Errorf("%s: lang %s, dir %s, want %s", lang, v.Lang, v.Dir, dir)
		}
	}
}
