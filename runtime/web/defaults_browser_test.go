package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestCalculatedAndDefaultsInTheBrowser: a new form starts from the package's defaults, which
// the registrar may change; a calculated field whose inputs are not answered is empty (not
// "[object Object]"), on the form and on the review, and sending early does not call it "not
// a number"; once its inputs are answered, it shows its value.
func TestCalculatedAndDefaultsInTheBrowser(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	for _, c := range []struct{ lang, notNumber string }{
		{"fr", "Écrivez un nombre"},
		{"am", "ቁጥር ይጻፉ"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			tab := b.Tab(t, browsertest.Language(c.lang))
			loginIn(t, tab, s, "lidya.verhane")
			openForm(tab, s.url+"/declare/birth")

			// The defaults, as answers.
			for _, js := range []string{
				`document.getElementsByName("child.typeOfBirth")[0].value === "single"`,
				`document.getElementsByName("mother.nationality")[0].value === "nerovian"`,
				`document.getElementsByName("father.nationality")[0].value === "nerovian"`,
				`document.querySelector('input[name="father.sameAddress"][value="true"]').checked`,
			} {
				if !browsertest.Run(tab, chromedp.Evaluate[bool](js)) {
					t.Errorf("not so on a new form: %s", js)
				}
			}
			if !hidden(tab, "child.multipleBirthOrder") {
				t.Error("a single birth by default, and the rank in a multiple birth is shown")
			}
			fill(t, tab, url.Values{"father.known": {"true"}})
			if !hidden(tab, "father.residence") {
				t.Error("the father lives with the mother by default, and his residence is asked")
			}
			// ...which the registrar changes.
			fill(t, tab, url.Values{"child.typeOfBirth": {"twin"}, "father.sameAddress": {"false"}})
			if hidden(tab, "child.multipleBirthOrder") || hidden(tab, "father.residence") {
				t.Error("defaults changed, and the fields they hid are still hidden")
			}

			// The mother's age at the birth, calculated from two dates: one answered only.
			ageValue := func() string {
				return browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementsByName("mother.ageAtBirth")[0].value`))
			}
			fill(t, tab, url.Values{"mother.dob": {"1996-04-12"}})
			if v := ageValue(); v != "" {
				t.Errorf("the mother's age with the child's birth unanswered: %q, want empty", v)
			}
			// To the review, then sent early.
			for range 20 {
				if browsertest.Run(tab, chromedp.Evaluate[bool](`!document.getElementById("p-review").classList.contains("off")`)) {
					break
				}
				tab.Do(chromedp.Click(`#next`))
			}
			if got := tab.TextOf(`#p-review`); strings.Contains(got, "[object Object]") {
				t.Errorf("the review shows [object Object]:\n%s", got)
			}
			tab.Do(chromedp.Click(`#submit`))
			tab.WaitFor(`document.getElementById("problems") !== null`)
			if got := errorOf(tab, "mother.ageAtBirth"); strings.Contains(got, c.notNumber) {
				t.Errorf("an age not yet calculable, sent: %q", got)
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.body.innerText + [...document.querySelectorAll("input")].map(i => i.value).join(" ")`)); strings.Contains(got, "[object Object]") {
				t.Error("the page shows [object Object]")
			}
			tab.Screenshot("calculated-early-" + c.lang)

			fill(t, tab, url.Values{"child.dob": {"2026-11-01"}})
			tab.WaitFor(`document.getElementsByName("mother.ageAtBirth")[0].value === "30"`)
			tab.CheckNoConsoleErrors()
		})
	}
}

// TestServerProblemsTranslated: what only the server refuses (a number over its field's
// maximum, which the package's rules do not check) comes back to the form's script as a key
// and its arguments, and is shown in the page's language on each field, never in the API's
// English ("maximum: got 30, want 25").
func TestServerProblemsTranslated(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	for _, c := range []struct{ lang, order, weeks string }{
		{"fr", "Écrivez un nombre d'au plus 25.", "Écrivez un nombre d'au plus 45."},
		{"am", "ቢበዛ 25 የሆነ ቁጥር ይጻፉ።", "ቢበዛ 45 የሆነ ቁጥር ይጻፉ።"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			tab := b.Tab(t, browsertest.Language(c.lang))
			loginIn(t, tab, s, "lidya.verhane")
			openForm(tab, s.url+"/declare/birth")
			form := birth("Ama", "Server-"+c.lang)
			form.Set("child.birthOrder", "30")
			form.Set("child.gestationWeeks", "50")
			fill(t, tab, form)
			send(t, tab)
			tab.WaitFor(`document.getElementById("e-child.birthOrder").textContent.trim() !== ""`)
			if got := errorOf(tab, "child.birthOrder"); got != c.order {
				t.Errorf("birth order 30: %q, want %q", got, c.order)
			}
			if got := errorOf(tab, "child.gestationWeeks"); got != c.weeks {
				t.Errorf("50 weeks: %q, want %q", got, c.weeks)
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(got, "maximum") || strings.Contains(got, "got ") {
				t.Errorf("the page shows the API's English:\n%s", got)
			}
			// Not CheckNoConsoleErrors: the browser logs the API's 422, which is the point.
			tab.Screenshot("server-problems-" + c.lang)
		})
	}
}
