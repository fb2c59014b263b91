package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestSentByMe: a clerk's work page lists the declarations she sent, with where each stands,
// and a record's page says what it waits for and from whom, in the user's language.
func TestSentByMe(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "fr")
	id := clerk.declare(birth("Kofi", "Mensah"))
	// The record waits for a registrar of the commune, or of the district, or the nation
	// (roles in the bundle's order).
	clerk.has(`id="waiting"`, "Valider : en attente de l&#39;un de ces rôles : Officier de l&#39;état civil de district ou Officier de l&#39;état civil ou Officier de l&#39;état civil national")
	clerk.get("/work")
	clerk.has(`id="sent"`, "Envoyées par moi", id, "Kofi Mensah", "Déclaré")
	clerk.has("Rien ne vous attend.") // no queue of hers: what she sent is all there is

	// Another user's declarations are not hers.
	other := s.login("amani.desgorel", "en")
	other.get("/work")
	other.lacks(id, "Sent by me")

	en := s.login("marta.oyelund", "en")
	en.get("/work")
	en.has("Sent by me", id, "Declared")

	// A late birth: the local registrar may validate it, but only a district or national
	// registrar registers it — which her page says.
	late := birth("Abeba", "Tarek")
	late.Set("child.dob", "2023-05-01")
	late.Set("registration.lateReason", "distance-or-cost")
	late.Set("registration.witnessName.given", "Abel")
	late.Set("registration.witnessName.family", "Witness")
	late.Set("registration.witnessNid", "2345678901")
	local := s.login("lidya.verhane", "en")
	local.get("/declare/birth")
	late.Set("csrf", local.csrf())
	late.Set("key", "late-1")
	local.postMultipart("/declare/birth", late, map[string][]byte{"registration.lateEvidence": aPDF})
	m := recordURL.FindStringSubmatch(local.at)
	if m == nil {
		t.Fatalf("declaring a late birth: %d at %s\n%s", local.status, local.at, problems(local.page))
	}
	lateID := m[1]
	local.get("/records/" + lateID)
	local.has(`action="/records/`+lateID+`/actions/validate"`, "Register: waiting for District registrar or National registrar — A late birth is registered by a district registrar")
	local.lacks(`action="/records/` + lateID + `/actions/register"`)
	// What she may take herself she is not told to wait for.
	local.lacks("Validate: waiting")
	am := s.login("lidya.verhane", "am")
	am.get("/records/" + lateID)
	am.has("ከሚከተሉት ሚናዎች አንዱን በመጠበቅ ላይ፦ የወረዳ የክብር መዝገብ ሹም ወይም ብሔራዊ የክብር መዝገብ ሹም")
}

// TestQueuesCountedAndOrdered: work queues show how many records wait in each, hide the
// empty ones, and come in the workflow's order (validate before register before print), not
// the alphabet's.
func TestQueuesCountedAndOrdered(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "en")
	clerk.declare(birth("Kofi", "Mensah"))
	clerk.declare(birth("Ama", "Owusu"))

	for _, lang := range []string{"en", "fr"} {
		local := s.login("lidya.verhane", lang)
		local.get("/work")
		local.has(`id="q-birth-validate"`, `id="q-birth-register"`, `<span class="count">(2)</span>`)
		// Nothing to resubmit, archive or print: not shown.
		local.lacks(`id="q-birth-resubmit"`, `id="q-birth-archive"`, `id="q-birth-print"`, `id="q-death-validate"`)
		if v, r := strings.Index(local.page, `id="q-birth-validate"`), strings.Index(local.page, `id="q-birth-register"`); v > r {
			t.Errorf("%s: the register queue comes before the validate queue", lang)
		}
	}

	// A queue longer than its page is counted whole.
	for i := range 10 {
		clerk.declare(birth("Child"+string(rune('A'+i)), "Many"))
	}
	local := s.login("lidya.verhane", "fr")
	local.get("/work")
	local.has(`<span class="count">(12)</span>`, "Suite")

	// Nothing waits for a certificate clerk yet: she is told so.
	for lang, want := range map[string]string{"en": "Nothing is waiting for you.", "fr": "Rien ne vous attend."} {
		printer := s.login("elsa.marunde", lang)
		printer.get("/work")
		printer.has(`id="no-queues"`, want)
	}
}

// TestFinalActionsConfirmed: registering, rejecting and printing a whole queue cannot be
// undone: each asks for a box to be ticked (required: the browser asks without a script) and
// its button looks different from the others'.
func TestFinalActionsConfirmed(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "en")
	id := clerk.declare(birth("Kofi", "Mensah"))
	for lang, confirm := range map[string]string{"en": "I confirm: Register cannot be undone", "fr": "Je confirme : « Enregistrer » ne peut pas être annulé"} {
		local := s.login("lidya.verhane", lang)
		local.get("/records/" + id)
		local.has(confirm)
		for _, final := range []string{"register", "reject"} {
			form := formBlock(local.page, "a-"+final)
			if !strings.Contains(form, `name="confirm" value="yes" required`) || !strings.Contains(form, `class="danger"`) {
				t.Errorf("%s: %s is not confirmed nor dangerous:\n%s", lang, final, form)
			}
		}
		if form := formBlock(local.page, "a-validate"); strings.Contains(form, `name="confirm"`) || strings.Contains(form, "danger") {
			t.Errorf("%s: validating asks for confirmation:\n%s", lang, form)
		}
	}
	local := s.login("lidya.verhane", "en")
	local.get("/records/" + id)
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	local.has("Done: Register")

	for lang, confirm := range map[string]string{"en": "Print the certificate of this record:", "fr": "acte de cet enregistrement :"} {
		printer := s.login("elsa.marunde", lang)
		printer.get("/work")
		form := formBlock(printer.page, "")
		if !strings.Contains(form, confirm) || !strings.Contains(form, `name="confirm" value="yes" required`) || !strings.Contains(form, `class="danger"`) {
			t.Errorf("%s: printing the queue is not confirmed:\n%s", lang, form)
		}
	}
}

// formBlock is the form of id in a page ("": the work page's form that prints a queue).
func formBlock(page, id string) string {
	start := strings.Index(page, `id="`+id+`"`)
	if id == "" {
		start = strings.Index(page, `class="print-all"`)
	}
	if start < 0 {
		return ""
	}
	end := strings.Index(page[start:], "</form>")
	if end < 0 {
		return page[start:]
	}
	return page[start : start+end]
}
