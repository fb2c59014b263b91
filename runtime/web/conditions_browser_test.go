package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestConditionMessageAsTheDateIsTyped: a hospital clerk who types the date of birth of a child
// a year old or more is told at once, under that date and in her language, where late births
// are declared (the package's message for the declare action's condition), before she fills
// the pages after it; sending anyway moves the focus to the summary, which says the same, and
// stores nothing. A date within the year takes the message away. At a phone's width.
func TestConditionMessageAsTheDateIsTyped(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t, browsertest.Viewport(360, 740))
	for _, c := range []struct{ lang, want string }{
		{"en", "only a civil registration office may declare"},
		{"fr", "seul un bureau d'état civil peut recevoir"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			tab := b.Tab(t, browsertest.Language(c.lang))
			loginIn(t, tab, s, "marta.oyelund")
			openForm(tab, s.url+"/declare/birth")
			form := birth("Late", "Browser-"+c.lang)
			form.Set("child.dob", "2023-05-04")
			fill(t, tab, url.Values{"child.dob": {"2023-05-04"}})
			tab.WaitFor(`(() => { const u = document.getElementById("unmet"); return u !== null && u.textContent !== ""; })()`)
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("unmet").textContent`)); !strings.Contains(got, c.want) {
				t.Errorf("under the date: %q, want the package's %q", got, c.want)
			}
			if !browsertest.Run(tab, chromedp.Evaluate[bool](`document.getElementById("f-child.dob").nextElementSibling.id === "unmet"`)) {
				t.Error("the message is not under the date of birth")
			}
			fill(t, tab, form)
			send(t, tab)
			tab.WaitFor(`document.activeElement !== null && document.activeElement.id === "problems"`)
			got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("problems").innerText`))
			if !strings.Contains(got, c.want) || strings.Contains(got, "0 ") {
				t.Errorf("summary: %q, want only the package's %q", got, c.want)
			}
			if strings.Contains(tab.URL(), "/records/") {
				t.Fatal("the late birth was stored")
			}
			tab.Screenshot("condition-" + c.lang)

			fill(t, tab, url.Values{"child.dob": {"2026-11-01"}})
			tab.WaitFor(`document.getElementById("unmet") === null`)
			send(t, tab)
			waitRecord(t, tab)
		})
	}
}
