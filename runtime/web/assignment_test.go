package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// correctionAsked is a birth registered by lidya.verhane, with a correction of the weight
// asked for: at version 3, waiting for a district or national registrar.
func correctionAsked(t *testing.T, s *site, given, family string) string {
	t.Helper()
	local := s.login("lidya.verhane", "en")
	id := local.declare(birth(given, family))
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	local.get("/records/" + id + "/edit/request-correction")
	form := formOf(local.page)
	form.Set("child.weight", "3.4")
	form.Set("comment", "the hospital's card")
	local.post("/records/"+id+"/edit/request-correction", form)
	local.has("Done: Request a correction")
	return id
}

// The record page of a record whose correction needs it assigned: "Assign to me", the
// decision disabled until then with the reason, who holds it for the others, and "Release"
// for the holder and the supervisors.
func TestAssignmentOnTheRecordPage(t *testing.T) {
	s := newSite(t)
	id := correctionAsked(t, s, "Kofi", "Asante")
	approveForm := `action="/records/` + id + `/actions/approve-correction"`
	fenna, ilena, lidya := s.login("fenna.albrecq", "en"), s.login("ilena.marvosa", "fr"), s.login("lidya.verhane", "en")

	fenna.get("/records/" + id)
	fenna.has(`id="assign"`, "Assign to me", approveForm, "disabled", "Assign the record to yourself first.")
	fenna.lacks(`id="held"`, `id="release"`)
	lidya.get("/records/" + id)
	lidya.lacks(`id="assignment"`) // she decides no correction: nothing to say

	fenna.assign(id)
	fenna.has("The record is assigned to you until", "Assigned to you until", `id="release"`, approveForm)
	fenna.lacks(`id="assign"`, "Assign the record to yourself first.")
	if strings.Contains(fenna.page, `disabled aria-describedby="l-approve-correction"`) {
		t.Error("the holder's decision is still disabled")
	}

	// The others see who holds it; a national registrar may release it, not act.
	ilena.get("/records/" + id)
	ilena.has("Attribué à Fenna Albrecq jusqu&#39;au", `id="release"`, `disabled aria-describedby="l-approve-correction"`)
	ilena.lacks(`id="assign"`)
	ilena.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {ilena.csrf()}, "version": {"3"}})
	if ilena.status != http.StatusConflict {
		t.Fatalf("approve while another holds it: %d", ilena.status)
	}
	ilena.has("Le dossier est attribué à Fenna Albrecq jusqu&#39;au", "rien n&#39;a été modifié")
	lidya.get("/records/" + id)
	lidya.has("Held by Fenna Albrecq until")
	lidya.lacks(`id="release"`, `id="assign"`)
	lidya.post("/records/"+id+"/release", url.Values{"csrf": {lidya.csrf()}})
	if lidya.status != http.StatusForbidden {
		t.Fatalf("release of another's by a local registrar: %d", lidya.status)
	}
	lidya.has("only they, or a supervisor, may release it")

	// The supervisor releases it; then the decision waits for an assignment again.
	ilena.get("/records/" + id)
	ilena.post("/records/"+id+"/release", url.Values{"csrf": {ilena.csrf()}})
	ilena.has("Le dossier est libéré", `id="assign"`, "Attribuez-vous d&#39;abord ce dossier.")
	fenna.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {fenna.csrf()}, "version": {"3"}})
	if fenna.status != http.StatusConflict {
		t.Fatalf("approve once released: %d", fenna.status)
	}
	fenna.has("This action needs the record assigned to you")

	// Released by its holder; assigned again and decided, which releases it.
	fenna.assign(id)
	fenna.post("/records/"+id+"/release", url.Values{"csrf": {fenna.csrf()}})
	fenna.has("The record is released", `id="assign"`)
	fenna.lacks(`id="held"`)
	fenna.assign(id)
	fenna.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {fenna.csrf()}, "version": {"3"}})
	fenna.has("Done: Approve the correction")
	fenna.lacks(`id="held"`, `id="assignment"`)
}
