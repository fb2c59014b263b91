package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A hospital clerk declaring a late birth without the script is told, in her language, where
// late births are declared — on the review before sending, and on the form if she sends it
// anyway — with her answers kept and nothing stored; never "0 problems" or an error page.
func TestConditionMessageWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	for _, c := range []struct{ lang, want, count string }{
		{"en", "only a civil registration office may declare", "problems"},
		{"fr", "seul un bureau d'état civil peut recevoir", "problème"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			u := s.login("marta.oyelund", c.lang)
			u.get("/declare/birth")
			form := birth("Late", "Clerk-"+c.lang)
			form.Set("child.dob", "2023-05-04")
			form.Set("csrf", u.csrf())
			form.Set("key", "late-"+c.lang)

			form.Set("review", "1")
			u.post("/declare/birth", form)
			if text := html.UnescapeString(u.page); !strings.Contains(text, c.want) {
				t.Errorf("review (%d): the package's message %q is missing:\n%s", u.status, c.want, problems(u.page))
			}

			form.Del("review")
			u.post("/declare/birth", form)
			text := html.UnescapeString(u.page)
			if u.status != http.StatusUnprocessableEntity || !strings.Contains(text, c.want) {
				t.Fatalf("sent (%d at %s): want 422 with %q\n%s", u.status, u.at, c.want, problems(u.page))
			}
			if !strings.Contains(u.page, `id="problems" tabindex="-1" autofocus`) {
				t.Error("the summary does not take the focus")
			}
			if strings.Contains(text, " 0 "+c.count) || strings.Contains(text, "does not hold") {
				t.Errorf("the page shows a count of nothing or the API's English:\n%s", text)
			}
			if !strings.Contains(u.page, `value="Clerk-`+c.lang+`"`) {
				t.Error("the answers are not kept")
			}
		})
	}
	// The same clerk's birth within the year is hers to declare; the late ones were never stored.
	s.login("marta.oyelund", "en").declare(birth("OnTime", "Clerk-ok"))
	u := s.login("ilena.marvosa", "en") // the national registrar sees every record
	for name, found := range map[string]bool{"Clerk-ok": true, "Clerk-en": false, "Clerk-fr": false} {
		u.get("/search?name=" + name)
		if got := !strings.Contains(u.page, `class="empty"`); u.status != http.StatusOK || got != found {
			t.Errorf("search %s: %d, found %v, want %v", name, u.status, got, found)
		}
	}
}

// An action whose condition does not hold, posted from a record page (a possible duplicate
// registered before it is decided), shows the record with why, in the package's words and the
// user's language: not an error page, and nothing changed.
func TestConditionMessageOnTheRecordPage(t *testing.T) {
	s := newSite(t)
	s.login("marta.oyelund", "en").declare(birth("Kofi", "Condition")) // HF001, district NV0101
	local := s.login("tomas.ekwaro", "fr")                             // CR010102, in NV0101
	id := local.declare(birth("Koffi", "Condition"))                   // a possible duplicate
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	text := html.UnescapeString(local.page)
	if local.status != http.StatusConflict || !strings.Contains(text, "un officier d'état civil de district tranche d'abord") {
		t.Errorf("register a possible duplicate: %d, want 409 with the package's French message:\n%s", local.status, text)
	}
	local.get("/records/" + id)
	local.lacks("B-2026-")
}
