package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestReviewWithScript: the script's last step reads the declaration back as the server's
// review does: the required answers still missing first, each a link to its field; a link
// back to each page; the document by its file name. Each page says where it is among the
// pages shown.
func TestReviewWithScript(t *testing.T) {
	s := newSite(t)
	for _, tt := range []struct{ lang, page, missing, sex, change string }{
		{"en", "Page 1 of ", "Still to answer before sending:", "Sex", "Change"},
		{"fr", "Page 1 sur ", "Reste à répondre avant d'envoyer :", "Sexe", "Modifier"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			tab := browsertest.New(t, browsertest.Language(tt.lang)).Tab(t)
			loginIn(t, tab, s, "lidya.verhane")
			openForm(tab, s.url+"/declare/birth")
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.querySelector("#p-child .page-of").textContent`)); !strings.HasPrefix(got, tt.page) {
				t.Errorf("the first page says %q", got)
			}
			form := withMotherID(birth("Kidus", "Reviewed"))
			form.Del("child.sex")
			fill(t, tab, form)
			file := filepath.Join(t.TempDir(), "mother-id.pdf")
			os.WriteFile(file, aPDF, 0o600)
			tab.Do(chromedp.SetUploadFiles(`input[name="documents.motherId"]`, []string{file}))
			tab.WaitFor(`document.getElementsByName("documents.motherId.file")[0].value.startsWith("sha256:")`)
			for range 20 {
				if browsertest.Run(tab, chromedp.Evaluate[bool](`!document.querySelector("form.declare .buttons").hidden`)) {
					break
				}
				tab.Do(chromedp.Click(`#next`))
			}
			review := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementById("p-review").textContent`))
			if !strings.Contains(review, "mother-id.pdf") || strings.Contains(review, "sha256:") {
				t.Errorf("the document is not named by its file:\n%s", review)
			}
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`(document.getElementById("missing") || {}).textContent || ""`)); !strings.Contains(got, tt.missing) || !strings.Contains(got, tt.sex) {
				t.Errorf("missing: %q", got)
			}
			if n := browsertest.Run(tab, chromedp.Evaluate[int](`[...document.querySelectorAll("#p-review a.change")].filter(a => a.textContent === "`+tt.change+`").length`)); n < 3 {
				t.Errorf("%d links back to the pages", n)
			}
			// The missing answer's link goes to its page.
			// (Clicked from the script: the status line above may move the page under a pointer.)
			browsertest.Run(tab, chromedp.Evaluate[bool](`(document.querySelector("#missing a").click(), true)`))
			if browsertest.Run(tab, chromedp.Evaluate[bool](`document.getElementById("p-child").classList.contains("off")`)) {
				t.Errorf("the link to the missing sex does not show the child's page")
			}
		})
	}
}
