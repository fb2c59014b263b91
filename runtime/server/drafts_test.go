package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestDraftBounds: drafts are kept only for users who may declare the event, at most
// store.MaxDrafts a user, each of at most store.MaxDraftSize bytes of data; what is refused
// is not stored, and is told apart by its status and code.
func TestDraftBounds(t *testing.T) {
	base, log := inProcess(t)
	lidya := login(t, base, "lidya.verhane") // local registrar: declares births and deaths
	elsa := login(t, base, "elsa.marunde")   // certificate clerk: declares nothing
	draft := func(data string) map[string]any {
		return map[string]any{"event": "birth", "data": json.RawMessage(data)}
	}
	codes := func(a answer) string { return strings.Join(a.errorCodes(), ",") }

	// A role that declares nothing keeps no drafts.
	if a := elsa.must(t, "PUT", "/api/v1/drafts/d1", draft(`{"child.name":{"given":"Ama"}}`)); a.Status != http.StatusForbidden || codes(a) != "forbidden" {
		t.Errorf("a draft of a user who may not declare: %s", a)
	}
	elsa.expect(t, http.StatusNotFound, "GET", "/api/v1/drafts/d1", nil)

	// Data past the bound: 413, and nothing stored. At the bound, kept.
	pad := func(n int) string { return `{"note":"` + strings.Repeat("x", n-len(`{"note":""}`)) + `"}` }
	if a := lidya.must(t, "PUT", "/api/v1/drafts/big", draft(pad(store.MaxDraftSize+1))); a.Status != http.StatusRequestEntityTooLarge || codes(a) != "too-large" {
		t.Errorf("a draft of %d bytes: %s", store.MaxDraftSize+1, a)
	}
	lidya.expect(t, http.StatusNotFound, "GET", "/api/v1/drafts/big", nil)
	lidya.expect(t, http.StatusOK, "PUT", "/api/v1/drafts/big", draft(pad(store.MaxDraftSize)))

	// Up to MaxDrafts a user; a new one past them is refused, replacing one is not.
	for i := 1; i < store.MaxDrafts; i++ {
		lidya.expect(t, http.StatusOK, "PUT", fmt.Sprint("/api/v1/drafts/d", i), draft(`{}`))
	}
	if a := lidya.must(t, "PUT", "/api/v1/drafts/one-more", draft(`{}`)); a.Status != http.StatusConflict || codes(a) != "too-many-drafts" {
		t.Errorf("draft %d: %s", store.MaxDrafts+1, a)
	}
	lidya.expect(t, http.StatusNotFound, "GET", "/api/v1/drafts/one-more", nil)
	lidya.expect(t, http.StatusOK, "PUT", "/api/v1/drafts/d7", draft(`{"child.name":{"given":"Ama"}}`))
	var list struct{ Drafts []struct{ ID string } }
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/drafts", nil).decode(t, &list)
	if len(list.Drafts) != store.MaxDrafts {
		t.Errorf("%d drafts kept, want %d", len(list.Drafts), store.MaxDrafts)
	}
	lidya.expect(t, http.StatusNoContent, "DELETE", "/api/v1/drafts/big", nil)
	lidya.expect(t, http.StatusOK, "PUT", "/api/v1/drafts/one-more", draft(`{}`))

	// Another user's drafts are their own count.
	marta := login(t, base, "marta.oyelund")
	marta.expect(t, http.StatusOK, "PUT", "/api/v1/drafts/d1", draft(`{}`))

	// None of it was a server error.
	if strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("errors logged:\n%s", log.String())
	}
}
