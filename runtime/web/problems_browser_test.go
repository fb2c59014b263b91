package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestCountedProblemsInTheBrowser: the problems the server finds that carry a number are
// written by the form's script as the server writes them: a plural message in the form of
// its number ("1 caractère", "200 caractères"), and the number in the page's language ("1 000,5"
// in French). First a refusal of the real server (a name over its 200 characters), then, to
// reach the singular no field of nerovia has, the API's reply for a field of one character.
func TestCountedProblemsInTheBrowser(t *testing.T) {
	s := newSite(t)
	b := browsertest.New(t)
	for _, c := range []struct {
		lang, many, one, number string
	}{
		{"fr", "Écrivez au plus 200 caractères.", "Écrivez au plus 1 caractère.", "Écrivez un nombre d'au plus 1 000,5."},
		{"am", "ቢበዛ 200 ፊደላት ይጻፉ።", "ቢበዛ 1 ፊደል ይጻፉ።", "ቢበዛ 1,000.5 የሆነ ቁጥር ይጻፉ።"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			tab := b.Tab(t, browsertest.Language(c.lang))
			loginIn(t, tab, s, "marta.oyelund")
			openForm(tab, s.url+"/declare/birth")
			form := birth(strings.Repeat("a", 201), "Counted-"+c.lang)
			fill(t, tab, form)
			send(t, tab)
			tab.WaitFor(`document.getElementById("e-child.name").textContent.trim() !== ""`)
			if got := errorOf(tab, "child.name"); got != c.many {
				t.Errorf("a name of 201 characters: %q, want %q", got, c.many)
			}

			// The API's refusal of a field of one character, and of a number over 1000.5.
			browsertest.Run(tab, chromedp.Evaluate[bool](`(() => {
				window.fetch = async (url, init) => new Response(JSON.stringify({errors: [
					{path: "/data/child.name/given", code: "schema", message: "maxLength", key: "ui.problem.maxLength", args: {max: "1"}},
					{path: "/data/child.weight", code: "schema", message: "maximum", key: "ui.problem.maximum", args: {max: "1000.5"}},
				]}), {status: 422, headers: {"Content-Type": "application/json"}});
				return true;
			})()`))
			send(t, tab)
			tab.WaitFor(`document.getElementById("e-child.weight").textContent.trim() !== ""`)
			spaces := strings.NewReplacer("\u202f", " ", "\u00a0", " ")
			if got := errorOf(tab, "child.name"); got != c.one {
				t.Errorf("a field of one character: %q, want %q", got, c.one)
			}
			if got := spaces.Replace(errorOf(tab, "child.weight")); got != c.number {
				t.Errorf("a number over 1000.5: %q, want %q", got, c.number)
			}
		})
	}
}
