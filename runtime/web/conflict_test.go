package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// registeredBy declares a birth as tomas.ekwaro (local registrar of Terir, in Lidya's and
// Fenna's areas too) and registers it: a record at version 2 that all three may act on.
func registeredBy(t *testing.T, tomas *user, given, family string) string {
	t.Helper()
	id := tomas.declare(birth(given, family))
	tomas.post("/records/"+id+"/actions/register", url.Values{"csrf": {tomas.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	tomas.has("Done: Register")
	return id
}

// TestChangedMeanwhileOnTheForm: Lidya opens a record's correction form; meanwhile Tomas has
// the mother's name corrected (asked, and approved by Fenna). When Lidya sends her form, she
// lands on it again at the record's new version: told who changed what and when, her own
// answer (the weight) kept and marked where it differs from the record, the others' change
// (the mother's name) shown in place of what her form had. Sending it again corrects the
// weight and leaves the mother's name as corrected.
func TestChangedMeanwhileOnTheForm(t *testing.T) {
	s := newSite(t)
	tomas := s.login("tomas.ekwaro", "en")
	for _, tt := range []struct {
		lang, given, family, by, byFenna, change, kept, marked string
	}{
		{"en", "Kofi", "Mensah", "This record was changed by Tomas Ekwaro at ", "This record was changed by Fenna Albrecq at ",
			"Mother&#39;s name: Selam Mensah → Saba Mensah", "Your answers are kept below", "Differs from the record now: 3.2 kg"},
		{"fr", "Théo", "Dubois", "Cet acte a été modifié par Tomas Ekwaro le ", "Cet acte a été modifié par Fenna Albrecq le ",
			"Nom de la mère : Selam Dubois → Saba Dubois", "Vos réponses sont conservées ci-dessous", "Diffère de l&#39;acte actuel : 3,2 kg"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			id := registeredBy(t, tomas, tt.given, tt.family)
			lidya := s.login("lidya.verhane", tt.lang)
			lidya.get("/records/" + id + "/edit/request-correction")
			mine := formOf(lidya.page)
			if mine.Get("version") != "2" {
				t.Fatalf("the form is of version %q", mine.Get("version"))
			}

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

			mine.Set("child.weight", "3,4")
			mine.Set("comment", "the hospital's card")
			lidya.post("/records/"+id+"/edit/request-correction", mine)
			if lidya.status != http.StatusConflict {
				t.Fatalf("a form of a record changed meanwhile: %d\n%s", lidya.status, lidya.page)
			}
			lidya.has(`id="changed"`, tt.by, tt.byFenna, tt.change, "her ID card", tt.kept,
				`action="/records/`+id+`/edit/request-correction"`, tt.marked)
			lidya.lacks("Something went wrong", "Une erreur")
			again := formOf(lidya.page)
			if v := again.Get("version"); v != "4" {
				t.Errorf("the form again is of version %q, want 4", v)
			}
			if v := again.Get("child.weight"); v != "3.4" {
				t.Errorf("her weight is not kept: %q", v)
			}
			if v := again.Get("mother.name.given"); v != "Saba" {
				t.Errorf("the mother's name corrected meanwhile shows as %q", v)
			}
			lidya.has(">the hospital&#39;s card</textarea>")
			again.Set("comment", "the hospital's card")
			if !strings.Contains(lidya.page, `id="x-child.weight"`) || strings.Contains(lidya.page, `id="x-mother.name"`) {
				t.Errorf("the marks are not on the answers that differ from the record")
			}

			// Sent again, deliberately: her change, not the others' undone.
			lidya.post("/records/"+id+"/edit/request-correction", again)
			if lidya.status != http.StatusOK || !strings.HasSuffix(lidya.at, "/records/"+id) {
				t.Fatalf("sent again: %d at %s\n%s", lidya.status, lidya.at, problems(lidya.page))
			}
			history := lidya.page[strings.Index(lidya.page, `class="history"`):]
			last := history[strings.LastIndex(history, "<li>"+map[string]string{"en": "Request a correction", "fr": "Demander une rectification"}[tt.lang]):]
			change := map[string]string{"en": "3.2 kg → 3.4 kg", "fr": "3,2 kg → 3,4 kg"}[tt.lang]
			if !strings.Contains(last, change) || strings.Contains(last, "Selam") {
				t.Errorf("the correction sent again proposes:\n%s", last)
			}
		})
	}
}

// TestChangedMeanwhileActionGone: Lidya and Tomas both open a declaration's validation form;
// Tomas validates first. Lidya's validation cannot be taken any more: she lands on the record
// as it is now, told what Tomas changed, with the answers she typed listed, not saved.
func TestChangedMeanwhileActionGone(t *testing.T) {
	s := newSite(t)
	tomas := s.login("tomas.ekwaro", "en")
	id := tomas.declare(birth("Ama", "Owusu"))
	lidya := s.login("lidya.verhane", "en")
	lidya.get("/records/" + id + "/edit/validate")
	mine := formOf(lidya.page)

	tomas.get("/records/" + id + "/edit/validate")
	theirs := formOf(tomas.page)
	theirs.Set("child.weight", "3,5")
	tomas.post("/records/"+id+"/edit/validate", theirs)
	tomas.has("Done: Validate")

	mine.Set("mother.name.given", "Selamawit")
	lidya.post("/records/"+id+"/edit/validate", mine)
	if lidya.status != http.StatusConflict {
		t.Fatalf("a validation of a record validated meanwhile: %d", lidya.status)
	}
	lidya.has(`id="changed"`, "This record was changed by Tomas Ekwaro at ", ": Validate.", "Weight at birth: 3.2 kg → 3.5 kg",
		"Your answers, not saved (Validate cannot be taken on the record now):", "Selamawit Owusu", "Nothing you sent was saved",
		`<dd id="status">Validated</dd>`, `name="version" value="2"`)

	// The link to the validation form, from a page shown before, leads to the record too.
	lidya.get("/records/" + id + "/edit/validate")
	if lidya.status != http.StatusConflict {
		t.Errorf("the form of an action the record is past: %d", lidya.status)
	}
	lidya.has("Validate cannot be taken on this record now.", `<dd id="status">Validated</dd>`)
}

// TestChangedMeanwhileOnTheRecordPage: an action taken from a record's page shown before
// someone else acted on it lands on the record as it is now, the change told and the
// comment written kept; taken again from there, it is taken.
func TestChangedMeanwhileOnTheRecordPage(t *testing.T) {
	s := newSite(t)
	tomas := s.login("tomas.ekwaro", "fr")
	id := tomas.declare(birth("Yaw", "Boateng"))
	lidya := s.login("lidya.verhane", "fr")
	lidya.get("/records/" + id)
	csrf := lidya.csrf()

	tomas.get("/records/" + id)
	tomas.post("/records/"+id+"/actions/validate", url.Values{"csrf": {tomas.csrf()}, "version": {"1"}})

	lidya.post("/records/"+id+"/actions/register", url.Values{"csrf": {csrf}, "version": {"1"}, "confirm": {"yes"}, "comment": {"papiers vus"}})
	if lidya.status != http.StatusConflict {
		t.Fatalf("an action on a page of a record changed meanwhile: %d", lidya.status)
	}
	lidya.has(`id="changed"`, "Cet acte a été modifié par Tomas Ekwaro le ", "Valider", "Rien de ce que vous avez envoyé n&#39;a été enregistré",
		`name="version" value="2"`, ">papiers vus</textarea>")
	lidya.lacks("B-2026-") // not registered
	lidya.post("/records/"+id+"/actions/register", url.Values{"csrf": {csrf}, "version": {"2"}, "confirm": {"yes"}, "comment": {"papiers vus"}})
	lidya.has("B-2026-CR0101-")
}

// TestFinalActionsRefusedUnconfirmed: the server, not only the page, holds an action that
// cannot be undone until its box is ticked: posted without it, nothing changes and the
// record (or the work page, for a whole queue's printing) asks for it, in the user's language.
func TestFinalActionsRefusedUnconfirmed(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "en")
	id := clerk.declare(birth("Kofi", "Mensah"))
	for lang, want := range map[string]string{
		"en": "Tick the box to confirm Register: it cannot be undone. Nothing was changed.",
		"fr": "Cochez la case pour confirmer « Enregistrer » : cette action ne peut pas être annulée. Rien n&#39;a été modifié.",
	} {
		local := s.login("lidya.verhane", lang)
		local.get("/records/" + id)
		local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}})
		if local.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: registering unconfirmed: %d", lang, local.status)
		}
		local.has(want, `name="version" value="1"`)
	}
	local := s.login("lidya.verhane", "en")
	local.get("/records/" + id)
	local.post("/records/"+id+"/actions/reject", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "comment": {"no proof of birth"}})
	if local.status != http.StatusUnprocessableEntity {
		t.Errorf("rejecting unconfirmed: %d", local.status)
	}
	local.has("Tick the box to confirm Reject", ">no proof of birth</textarea>")
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	local.has("Done: Register")

	for lang, want := range map[string]string{
		"en": "Tick the box to confirm printing the whole queue",
		"fr": "Cochez la case pour confirmer l&#39;impression de toute la file",
	} {
		printer := s.login("elsa.marunde", lang)
		printer.post("/queues/birth/print/print", url.Values{"csrf": {printer.csrf()}, "certificate": {"birth-certificate"}})
		if printer.status != http.StatusUnprocessableEntity || !strings.Contains(printer.page, `id="q-birth-print"`) {
			t.Errorf("%s: printing a queue unconfirmed: %d", lang, printer.status)
		}
		printer.has(want)
	}
	// Nothing printed: the record waits in the queue still.
	printer := s.login("elsa.marunde", "en")
	printer.has(`id="q-birth-print"`, id)
}
