package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestFrenchFormattingInTheBrowser: in French, the form's script counts one problem as "1
// problème" (a plural message, its category picked in the browser), its review writes the date
// of birth out, and the record page writes the weight "3,2 kg" and the date of birth "1er
// novembre 2026", not "3.2" and ISO.
func TestFrenchFormattingInTheBrowser(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.Language("fr"))
	loginIn(t, tab, s, "marta.oyelund")
	openForm(tab, s.url+"/declare/birth")

	// One problem, which only the server finds (a birth order over the field's maximum).
	form := birth("Ama", "Format-fr")
	form.Set("child.birthOrder", "30")
	fill(t, tab, form)
	// The script's review writes the date out too, by the browser's own CLDR data.
	for range 20 {
		if browsertest.Run(tab, chromedp.Evaluate[bool](`!document.getElementById("p-review").classList.contains("off")`)) {
			break
		}
		tab.Do(chromedp.Click(`#next`))
	}
	if got := tab.TextOf(`#p-review`); !strings.Contains(got, "1 novembre 2026") || strings.Contains(got, "2026-11-01") {
		t.Errorf("the review does not write the date of birth out:\n%s", got)
	}
	send(t, tab)
	const one = "La déclaration comporte 1 problème : voir le champ signalé ci-dessous."
	tab.WaitFor(`(document.getElementById("problems") || {textContent: ""}).textContent.includes("1 problème")`)
	if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("problems").textContent.trim()`)); got != one {
		t.Errorf("one problem: %q, want %q", got, one)
	}

	form.Set("child.birthOrder", "1")
	fill(t, tab, form)
	send(t, tab)
	waitRecord(t, tab)
	text := browsertest.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
	for _, want := range []string{"3,2 kg", "1er novembre 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the record page lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "2026-11-01") {
		t.Errorf("the record page writes a date in ISO:\n%s", text)
	}
	tab.Screenshot("formatting-fr")
}
