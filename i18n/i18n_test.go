package i18n

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	c := New([]string{"en", "fr", "am"}, "fr", nil)
	for _, tt := range []struct{ chosen, accept, want string }{
		{"", "", "fr"},
		{"am", "en-GB,en;q=0.9", "am"},          // the user's choice first
		{"de", "en-GB,en;q=0.9", "en"},          // not the country's: ignored
		{"", "de-CH, de;q=0.9, am;q=0.5", "am"}, // the best the country has
		{"", "fr-CA", "fr"},                     // a region of a language
		{"", "zh", "fr"},                        // nothing: the default
		{"", "not a header;;", "fr"},
	} {
		if got := c.Match(tt.chosen, tt.accept); got != tt.want {
			t.Errorf("Match(%q, %q) = %s, want %s", tt.chosen, tt.accept, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	c := New([]string{"en", "fr", "sw"}, "en", map[string]map[string]string{
		"fr": {"ui.logout": "Quitter", "event.birth": "Naissance"},
		"sw": {"event.birth": "Kuzaliwa"},
	})
	for _, tt := range []struct{ lang, key, want string }{
		{"fr", "ui.logout", "Quitter"},        // the country rewords crvsctl
		{"fr", "ui.login.title", "Connexion"}, // crvsctl's own
		{"sw", "event.birth", "Kuzaliwa"},     // the package's
		{"sw", "ui.logout", "Log out"},        // a language crvsctl does not ship: the default
		{"fr", "no.such.key", "no.such.key"},
	} {
		if got := c.Text(tt.lang, tt.key); got != tt.want {
			t.Errorf("Text(%s, %s) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if got := c.Text("fr", "ui.form.sent", "id", "K2Y4"); got != "Déclaration envoyée : numéro de suivi K2Y4." {
		t.Errorf("placeholders: %q", got)
	}
	if m := c.Missing("sw"); len(m) == 0 || c.Missing("fr") != nil {
		t.Errorf("missing: sw %d, fr %v", len(m), c.Missing("fr"))
	}
}

// TestMessages: every message is given in every language crvsctl ships, with the same
// arguments (plural and select ones included).
func TestMessages(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(messagesCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		en := placeholders(row[1])
		for i, text := range row[1:] {
			if text == "" {
				t.Errorf("%s: no %s", row[0], rows[0][i+1])
			}
			if p := placeholders(text); p != en {
				t.Errorf("%s in %s: placeholders %s, English has %s", row[0], rows[0][i+1], p, en)
			}
		}
	}
}

func placeholders(s string) string {
	m, err := Parse(s)
	if err != nil {
		return err.Error()
	}
	return strings.Join(m.Args(), ",") // sorted: a language may put them in its own order
}

func TestRightToLeft(t *testing.T) {
	for lang, want := range map[string]bool{"ar": true, "he": true, "fa": true, "ur": true, "en": false, "am": false, "fr": false} {
		if RightToLeft(lang) != want {
			t.Errorf("RightToLeft(%s) = %v", lang, !want)
		}
	}
}

func TestLongDate(t *testing.T) {
	c := New([]string{"en", "fr", "am", "bn", "ar"}, "en", map[string]map[string]string{"fr": {"month.11": "Novembre"},
		"bn": {"date.long": "{day} {month} {year}", "month.11": "নভেম্বর"},
		"ar": {"date.long": "{day} {month} {year}", "month.11": "نوفمبر"}})
	for _, tt := range []struct{ lang, date, want string }{
		// In the language's own digits: Bengali's and Arabic's, not 1 and 2026.
		{"bn", "2026-11-01", "১ নভেম্বর ২০২৬"},
		{"ar", "2026-11-21", "٢١ نوفمبر ٢٠٢٦"},
		{"en", "2026-11-01", "November 1, 2026"},
		{"fr", "2026-03-09", "9 mars 2026"},
		{"fr", "2026-11-01", "1er Novembre 2026"}, // the package's word
		{"am", "2026-02-28", "ፌብሩወሪ 28 ቀን 2026"},
		{"en", "2026-02-30", "2026-02-30"},
		{"en", "", ""},
	} {
		if got := c.LongDate(tt.lang, tt.date); got != tt.want {
			t.Errorf("LongDate(%s, %s) = %q, want %q", tt.lang, tt.date, got, tt.want)
		}
	}
}

// TestList: items joined by a language's pattern for two, spaces and all, as a package may
// reword it in a spreadsheet whose cells lose the spaces around a bare separator.
func TestList(t *testing.T) {
	c := New([]string{"en", "ar", "am"}, "en", map[string]map[string]string{"ar": {"ui.list.items": "{a}، {b}", "ui.list.or": "{a} أو {b}"}})
	for _, tt := range []struct {
		lang, key string
		items     []string
		want      string
	}{
		{"en", "ui.list.items", []string{"x", "y", "z"}, "x, y, z"},
		{"en", "ui.list.or", []string{"registrar", "clerk"}, "registrar or clerk"},
		{"ar", "ui.list.items", []string{"س", "ص", "ع"}, "س، ص، ع"},
		{"ar", "ui.list.or", []string{"س", "ص"}, "س أو ص"},
		{"am", "ui.list.items", []string{"ሀ", "ለ"}, "ሀ፣ ለ"},
		{"en", "ui.list.items", []string{"alone"}, "alone"},
		{"en", "ui.list.items", nil, ""},
	} {
		if got := c.List(tt.lang, tt.key, tt.items); got != tt.want {
			t.Errorf("List(%s, %s, %q) = %q, want %q", tt.lang, tt.key, tt.items, got, tt.want)
		}
	}
}
