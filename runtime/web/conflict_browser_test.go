package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestChangedMeanwhileInTheBrowser: in Chromium, with the form's script, a registrar sends a
// correction form of a record someone else corrected while it was open: she lands on the form
// again, told who changed what, her answer kept and marked, the other's change in place; she
// sends it again and it is taken. In English and in French.
func TestChangedMeanwhileInTheBrowser(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	tomas := s.login("tomas.ekwaro", "en")
	for _, tt := range []struct {
		lang, given, family, by, change, kept, marked, done string
	}{
		{"en", "Kwame", "Asante", "This record was changed by Tomas Ekwaro at ", "Mother's name: Selam Asante → Saba Asante",
			"Your answers are kept below", "Differs from the record now: 3.2 kg", "Done: Request a correction"},
		{"fr", "Léon", "Marchetti", "Cet acte a été modifié par Tomas Ekwaro le ", "Nom de la mère : Selam Marchetti → Saba Marchetti",
			"Vos réponses sont conservées ci-dessous", "Diffère de l'acte actuel : 3,2 kg", "Demander une rectification"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			id := registeredBy(t, tomas, tt.given, tt.family)
			tab := b.Tab(t, browsertest.Language(tt.lang))
			loginIn(t, tab, s, "lidya.verhane")
			tab.Navigate(s.url + "/records/" + id + "/edit/request-correction")
			tab.WaitFor(`document.getElementsByName("version")[0].value === "2"`)

			// Meanwhile, the mother's name is corrected.
			tomas.get("/records/" + id + "/edit/request-correction")
			theirs := formOf(tomas.page)
			theirs.Set("mother.name.given", "Saba")
			theirs.Set("comment", "her ID card")
			tomas.post("/records/"+id+"/edit/request-correction", theirs)
			tomas.has("Done: Request a correction")
			fenna := s.login("fenna.albrecq", "en")
			fenna.get("/records/" + id)
			fenna.assign(id) // nerovia's corrections are decided by the registrar who holds the record
			fenna.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {fenna.csrf()}, "version": {"3"}})
			fenna.has("Done: Approve the correction")

			fill(t, tab, url.Values{"child.weight": {"3,4"}, "comment": {"the hospital's card"}})
			tab.Do(chromedp.Click(`#submit`))
			tab.WaitFor(`document.getElementById("changed") !== null && document.getElementsByName("version")[0].value === "4"`)
			changed := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("changed").textContent`))
			for _, want := range []string{tt.by, tt.change, "her ID card", tt.kept} {
				if !strings.Contains(changed, want) {
					t.Errorf("the notice lacks %q:\n%s", want, changed)
				}
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("i-child.weight").value`)); got != "3.4" {
				t.Errorf("her weight shows as %q", got)
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementsByName("mother.name.given")[0].value`)); got != "Saba" {
				t.Errorf("the mother's name corrected meanwhile shows as %q", got)
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("comment").value`)); got != "the hospital's card" {
				t.Errorf("her comment shows as %q", got)
			}
			mark := `document.getElementById("x-child.weight")`
			if !browsertest.Run(tab, chromedp.Evaluate[bool](mark+` !== null && `+mark+`.offsetParent !== null`)) ||
				browsertest.Run(tab, chromedp.Evaluate[string](mark+`.textContent`)) != tt.marked {
				t.Errorf("her weight is not marked as differing from the record")
			}
			if browsertest.Run(tab, chromedp.Evaluate[bool](`document.getElementById("x-mother.name") !== null`)) {
				t.Errorf("the mother's name is marked, though she did not change it")
			}
			tab.Screenshot("changed-meanwhile-" + tt.lang)

			// Sent again, deliberately, it is taken.
			tab.Do(chromedp.Click(`#submit`))
			tab.WaitFor(`document.querySelector(".flash") !== null`)
			if got := tab.TextOf(`.flash`); !strings.Contains(got, tt.done) {
				t.Errorf("sent again: %q", got)
			}
			if !strings.HasSuffix(tab.URL(), "/records/"+id) {
				t.Errorf("sent again, at %s", tab.URL())
			}
			// The page sent back says 409 Conflict, which the browser notes as a resource that
			// failed to load: not an error of the page.
			for _, m := range tab.ConsoleErrors() {
				if !strings.Contains(m.Text, "status of 409") || !strings.HasSuffix(m.URL, "/edit/request-correction") {
					t.Errorf("console: %s at %s", m.Text, m.URL)
				}
			}
		})
	}
}
