package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestReviewWithoutJavaScript: before sending, the form reads the declaration back: the
// answers page by page with a link back to each page, documents by their file names (never
// by their ids), and the required answers still missing; nothing is declared until it is
// sent. Each page of the form says where it is in the form.
func TestReviewWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	for _, tt := range []struct {
		lang, family, page, review, missing, change, sex, complete string
	}{
		{"en", "Papers", "Page 1 of %d", "Review before sending", "Still to answer before sending:", "Change", "Sex", "Every required answer is given."},
		{"fr", "Dossiers", "Page 1 sur %d", "Vérifier avant d&#39;envoyer", "Reste à répondre avant d&#39;envoyer :", "Modifier", "Sexe", "Toutes les réponses obligatoires sont données."},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			u := s.login("lidya.verhane", tt.lang)
			u.get("/declare/birth")
			pages := strings.Count(u.page, `<section class="page"`)
			u.has(fmt.Sprintf(tt.page, pages), `<noscript><button type="submit" name="review" value="1"`, tt.review)
			if pages < 3 {
				t.Fatalf("%d pages", pages)
			}

			form := birth("Liya", tt.family)
			form.Set("mother.idType", "national-id") // her identity document is asked for
			form.Set("mother.nid", "1234567890")
			form.Set("csrf", u.csrf())
			form.Set("key", "review-"+tt.lang)
			form.Del("child.sex")
			form.Set("review", "1")
			u.postMultipart("/declare/birth", form, map[string][]byte{"documents.motherId": aPDF})
			if u.status != 200 || strings.Contains(u.at, "/records/") {
				t.Fatalf("review: %d at %s", u.status, u.at)
			}
			review := between(u.page, `id="review"`, "</section>")
			// The missing answer first, linked to its field; the file by its name.
			if !strings.Contains(review, tt.missing) || !strings.Contains(review, `id="missing"`) || !strings.Contains(review, `<a href="#f-child.sex">`+tt.sex+`</a>`) {
				t.Errorf("the missing sex is not listed:\n%s", review)
			}
			if !strings.Contains(review, "documents.motherId.pdf") || strings.Contains(review, "sha256:") {
				t.Errorf("the document is not named by its file:\n%s", review)
			}
			if !strings.Contains(review, `<a class="change" href="#p-child">`+tt.change+`</a>`) || !strings.Contains(review, "Liya "+tt.family) {
				t.Errorf("no link back to the child's page:\n%s", review)
			}
			// The form is below, with the answers and the file carried, to be sent.
			m := regexp.MustCompile(`name="documents.motherId.file" value="(sha256:[0-9a-f]{64})"`).FindStringSubmatch(u.page)
			if m == nil {
				t.Fatalf("the attached file is not carried by the form")
			}
			u.has(`value="Liya"`)

			// Reviewed again once complete, with the file carried: nothing missing, the file
			// still by its name (as the user uploaded it).
			form.Set("child.sex", "female")
			form.Set("documents.motherId.file", m[1])
			u.post("/declare/birth", form)
			review = between(u.page, `id="review"`, "</section>")
			if !strings.Contains(review, tt.complete) || strings.Contains(review, `id="missing"`) || !strings.Contains(review, "documents.motherId.pdf") {
				t.Errorf("a complete declaration reviewed:\n%s", review)
			}
			// Nothing was declared by reviewing; sending declares.
			u.get("/search?name=liya+" + tt.family)
			if n := strings.Count(u.page, `href="/records/`); n != 0 {
				t.Errorf("reviewing declared %d records", n)
			}
			u.get("/declare/birth")
			form.Set("csrf", u.csrf())
			form.Del("review")
			u.post("/declare/birth", form)
			if recordURL.FindStringSubmatch(u.at) == nil {
				t.Fatalf("declared: at %s (%d)\n%s", u.at, u.status, problems(u.page))
			}
		})
	}
}

// between is the part of s from the first from to the next to after it ("" without from).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
