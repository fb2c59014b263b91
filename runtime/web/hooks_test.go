package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/crvsctl/crvsctl/internal/pkgvariant"
	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// TestHookOnTheRecordPage: a registration that calls the national ID system tells the
// registrar, in their language, what the system did: the number it gave, its refusal and
// reason, or that the record waits for it (with no action offered meanwhile).
func TestHookOnTheRecordPage(t *testing.T) {
	system := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c hooks.Call
		json.NewDecoder(r.Body).Decode(&c)
		name, _ := c.Data["child.name"].(map[string]any)
		switch name["given"] {
		case "Refused":
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"reason": "the mother is not in the register"}`)
		case "Later":
			w.WriteHeader(http.StatusAccepted)
		default:
			io.WriteString(w, `{"data": {"child.nid": "NID-77"}}`)
		}
	}))
	defer system.Close()
	s := newSiteOf(t, t.TempDir(), pkgvariant.WithHook(t), func(srv *server.Server) {
		sys, err := hooks.ParseSystem(pkgvariant.HookSystem + "=" + system.URL + ",whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.UseHooks([]*hooks.System{sys}, ""); err != nil {
			t.Fatal(err)
		}
	})
	registrar := s.login("lidya.verhane", "en")
	register := func(id string) {
		registrar.post("/records/"+id+"/actions/register", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	}

	id := registrar.declare(birth("Kofi", "Mensah"))
	register(id)
	registrar.has("Done: Register", "B-2026-CR0101-000001", "NID-77")

	id = registrar.declare(birth("Refused", "Mensah"))
	register(id)
	if registrar.status != http.StatusConflict {
		t.Errorf("a registration the system refused: %d", registrar.status)
	}
	registrar.has("national-id refused this action: the mother is not in the register. Nothing was changed.")

	id = registrar.declare(birth("Later", "Mensah"))
	register(id)
	registrar.has("Sent to national-id: Register is done when it answers.",
		"Register: waiting for the answer of national-id since", "Register: sent to national-id, waiting for its answer")
	registrar.lacks(`action="/records/`+id+`/actions/reject"`, `action="/records/`+id+`/actions/register"`)
	fr := s.login("lidya.verhane", "fr")
	fr.get("/records/" + id)
	fr.has("en attente de la réponse de national-id depuis le")
}
