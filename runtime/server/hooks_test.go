package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/internal/pkgvariant"
	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

const nidSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// nidSystem is the national ID system: it checks each call's signature with its own reading
// of Standard Webhooks, and answers by the child's given name.
type nidSystem struct {
	mu    sync.Mutex
	calls []hooks.Call
	bad   []string // what it found wrong in a call
}

func (n *nidSystem) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var c hooks.Call
	json.Unmarshal(body, &c)
	n.mu.Lock()
	n.calls = append(n.calls, c)
	if !independentlySigned(r.Header, body) {
		n.bad = append(n.bad, "signature of "+c.Key)
	}
	if r.Header.Get("Idempotency-Key") != c.Key || r.Header.Get("webhook-id") != c.Key {
		n.bad = append(n.bad, "key headers of "+c.Key)
	}
	n.mu.Unlock()
	name, _ := c.Data["child.name"].(map[string]any)
	switch given, _ := name["given"].(string); given {
	case "Refused":
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"reason": "the mother's identity number is not in the register"}`)
	case "Broken":
		http.Error(w, "database down", http.StatusInternalServerError)
	case "Slow":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	case "Stranger":
		io.WriteString(w, `{"data": {"mother.occupation": "Spy"}}`)
	case "Garbled":
		io.WriteString(w, `{"data": {"child.nid": "12 34"}}`)
	case "Later", "Declined":
		w.WriteHeader(http.StatusAccepted)
	default:
		io.WriteString(w, `{"data": {"child.nid": "NID-1000001"}}`)
	}
}

// independentlySigned checks a Standard Webhooks signature as the specification writes it,
// without crvsctl's code: "v1," and the base64 of HMAC-SHA256, keyed by the base64-decoded
// secret, over id "." timestamp "." body.
func independentlySigned(h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(nidSecret, "whsec_"))
	if err != nil || h.Get("webhook-id") == "" || h.Get("webhook-timestamp") == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", h.Get("webhook-id"), h.Get("webhook-timestamp"), body)
	for _, s := range strings.Fields(h.Get("webhook-signature")) {
		if v, sig, _ := strings.Cut(s, ","); v == "v1" {
			if got, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(got, mac.Sum(nil)) {
				return true
			}
		}
	}
	return false
}

// result is a system's result posted to the callback, signed with secret.
func postResult(t *testing.T, url, secret string, body any) answer {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	key, err := webhooksig.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	webhooksig.SetHeaders(req.Header, key, "result-"+time.Now().Format(time.RFC3339Nano), time.Now(), raw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestActionHooks: registration calls the national ID system before it completes. Its 200
// stores the identity number with the registration; its refusal, its failure, its silence and
// an answer the form does not take leave the record as it was; its 202 holds the record
// until its signed result comes, which registers it, or, refused, lets it go.
func TestActionHooks(t *testing.T) {
	nid := &nidSystem{}
	sysSrv := httptest.NewServer(nid)
	defer sysSrv.Close()
	var base string
	base, _ = inProcessOf(t, pkgvariant.WithHook(t), func(s *server.Server) {
		sys, err := hooks.ParseSystem("national-id=" + sysSrv.URL + "," + nidSecret)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UseHooks(nil, ""); err == nil || !strings.Contains(err.Error(), "birth's register calls national-id") {
			t.Errorf("a server without the hook's system: %v", err)
		}
		if err := s.UseHooks([]*hooks.System{sys}, "https://crvs.example.gov/"); err != nil {
			t.Fatal(err)
		}
	})
	lidya := login(t, base, "lidya.verhane")
	lidya.uploadDocuments(t)
	declare := func(given string) recordView {
		t.Helper()
		var d map[string]any
		json.Unmarshal(birth(t, given), &d)
		var r recordView
		lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": d}).decode(t, &r)
		return r
	}
	read := func(id string) recordView {
		t.Helper()
		var r recordView
		lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+id, nil).decode(t, &r)
		return r
	}
	register := func(r recordView, status int) answer {
		t.Helper()
		return lidya.expect(t, status, "POST", "/api/v1/records/"+r.ID+"/actions/register", map[string]any{"version": r.Version})
	}

	// The identity number is the system's to give: the package makes the field read-only,
	// and a declaration that types one is refused.
	var typed map[string]any
	json.Unmarshal(birth(t, "Typed"), &typed)
	typed["child.nid"] = "NID-666"
	var refusedTyped errorBody
	lidya.expect(t, http.StatusUnprocessableEntity, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": typed}).decode(t, &refusedTyped)
	if len(refusedTyped.Errors) != 1 || refusedTyped.Errors[0].Code != "disabled" {
		t.Errorf("a declaration typing the identity number: %+v", refusedTyped)
	}

	// 200: registered, with the number the system gave, in one step of the history.
	r := declare("Abebe")
	var done recordView
	register(r, http.StatusOK).decode(t, &done)
	var data map[string]any
	json.Unmarshal(done.Data, &data)
	if done.Status != "registered" || done.Number == "" || data["child.nid"] != "NID-1000001" || done.Version != 2 {
		t.Errorf("registered: status %s, number %q, child.nid %v, version %d", done.Status, done.Number, data["child.nid"], done.Version)
	}
	last := done.History[len(done.History)-1]
	if last.Action != "register" || !strings.Contains(string(last.Details), `"stored":["child.nid"]`) || len(last.Changes) != 1 || last.Changes[0].Field != "child.nid" {
		t.Errorf("the registration's entry: %+v (%s)", last, last.Details)
	}
	nid.mu.Lock()
	call := nid.calls[len(nid.calls)-1]
	nid.mu.Unlock()
	if call.Key != r.ID+"/1/register" || call.Action != "register" || call.To != "registered" || call.Number != "" ||
		call.Data["child.dob"] == nil || call.Data["mother.name"] != nil || call.Callback != "https://crvs.example.gov/api/v1/hooks/national-id/result" {
		t.Errorf("the call: %+v", call)
	}

	// Refused, failed, silent, or answering what the form does not take: nothing changes.
	for given, want := range map[string]struct {
		status int
		code   string
	}{
		"Refused":  {http.StatusConflict, "refused-by-system"},
		"Broken":   {http.StatusServiceUnavailable, "system-unavailable"},
		"Slow":     {http.StatusServiceUnavailable, "system-unavailable"},
		"Stranger": {http.StatusBadGateway, "system-answer"},
		"Garbled":  {http.StatusBadGateway, "system-answer"},
	} {
		r := declare(given)
		var refused errorBody
		register(r, want.status).decode(t, &refused)
		if len(refused.Errors) != 1 || refused.Errors[0].Code != want.code || refused.Errors[0].Args["system"] != "national-id" {
			t.Errorf("%s: %+v", given, refused)
		}
		if given == "Refused" && refused.Errors[0].Args["reason"] != "the mother's identity number is not in the register" {
			t.Errorf("the system's reason is not passed on: %+v", refused.Errors[0])
		}
		if now := read(r.ID); now.Version != 1 || now.Status != "declared" || now.Number != "" || len(now.History) != 1 {
			t.Errorf("%s: the record changed: version %d, status %s, number %q", given, now.Version, now.Status, now.Number)
		}
	}

	// 202: the record waits, flagged; nothing can be done with it meanwhile.
	r = declare("Later")
	var waiting recordView
	register(r, http.StatusAccepted).decode(t, &waiting)
	if waiting.Status != "declared" || !contains(waiting.Flags, "awaiting-nid") || waiting.Version != 2 || waiting.Number != "" {
		t.Errorf("waiting: %+v", waiting)
	}
	var held errorBody
	lidya.expect(t, http.StatusConflict, "POST", "/api/v1/records/"+r.ID+"/actions/reject", map[string]any{"version": 2, "comment": "no"}).decode(t, &held)
	if held.Errors[0].Code != "waiting" {
		t.Errorf("an action on a waiting record: %+v", held)
	}
	if q := lidya.expect(t, http.StatusOK, "GET", "/api/v1/queues/birth/register", nil); strings.Contains(string(q.Body), r.ID) {
		t.Errorf("a waiting record is in the register queue: %s", q)
	}
	if q := lidya.expect(t, http.StatusOK, "GET", "/api/v1/queues/birth/reject", nil); strings.Contains(string(q.Body), r.ID) {
		t.Errorf("a waiting record is in the reject queue: %s", q)
	}
	resultURL := base + "/api/v1/hooks/national-id/result"
	result := map[string]any{"record": r.ID, "key": r.ID + "/1/register", "status": 200, "data": map[string]any{"child.nid": "NID-2000002"}}
	// Unsigned, signed with another key, for another key of the call, for a system not
	// configured: refused, and the record still waits.
	if a := postResult(t, resultURL, "whsec_"+"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", result); a.Status != http.StatusUnauthorized {
		t.Errorf("a result signed with another key: %s", a)
	}
	wrongKey := map[string]any{"record": r.ID, "key": r.ID + "/7/register", "status": 200}
	if a := postResult(t, resultURL, nidSecret, wrongKey); a.Status != http.StatusConflict {
		t.Errorf("a result for another call: %s", a)
	}
	if a := postResult(t, base+"/api/v1/hooks/tax-office/result", nidSecret, result); a.Status != http.StatusNotFound {
		t.Errorf("a result of a system not configured: %s", a)
	}
	if now := read(r.ID); now.Version != 2 || !contains(now.Flags, "awaiting-nid") {
		t.Errorf("refused results changed the record: %+v", now)
	}
	var taken struct{ Outcome, Status string }
	if a := postResult(t, resultURL, nidSecret, result); a.Status != http.StatusOK {
		t.Fatalf("the result: %s", a)
	} else {
		a.decode(t, &taken)
	}
	done = read(r.ID)
	json.Unmarshal(done.Data, &data)
	if taken.Outcome != "taken" || done.Status != "registered" || done.Number == "" || contains(done.Flags, "awaiting-nid") || data["child.nid"] != "NID-2000002" {
		t.Errorf("after the result (%+v): status %s, number %q, flags %v, child.nid %v", taken, done.Status, done.Number, done.Flags, data["child.nid"])
	}
	last = done.History[len(done.History)-1]
	if last.Action != "register" || last.User != "lidya.verhane" || !contains(last.DelFlags, "awaiting-nid") {
		t.Errorf("the registration's entry: %+v", last)
	}
	// The same result again: answered as before, nothing changes.
	if a := postResult(t, resultURL, nidSecret, result); a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"outcome":"already"`) {
		t.Errorf("the result again: %s", a)
	}
	if again := read(r.ID); again.Version != done.Version {
		t.Errorf("the result again changed the record: version %d, was %d", again.Version, done.Version)
	}

	// 202, then refused: the record waits no more, with the system's reason, and may be
	// registered again (a new call, with a new key).
	r = declare("Declined")
	register(r, http.StatusAccepted)
	if a := postResult(t, resultURL, nidSecret, map[string]any{"record": r.ID, "key": r.ID + "/1/register", "status": 409, "reason": "twin already registered"}); a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"outcome":"refused"`) {
		t.Errorf("a refusal: %s", a)
	}
	now := read(r.ID)
	last = now.History[len(now.History)-1]
	if now.Status != "declared" || contains(now.Flags, "awaiting-nid") || last.Action != "hook.refused" || last.Comment != "twin already registered" {
		t.Errorf("after a refusal: %+v, last entry %+v", now, last)
	}
	register(now, http.StatusAccepted)
	nid.mu.Lock()
	if k := nid.calls[len(nid.calls)-1].Key; k != r.ID+"/3/register" {
		t.Errorf("the call again has key %s", k)
	}
	if len(nid.bad) > 0 {
		t.Errorf("the system found: %v", nid.bad)
	}
	nid.mu.Unlock()
}

type recordView struct {
	ID      string          `json:"id"`
	Status  string          `json:"status"`
	Flags   []string        `json:"flags"`
	Number  string          `json:"number"`
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data"`
	History []struct {
		Action   string          `json:"action"`
		User     string          `json:"user"`
		Comment  string          `json:"comment"`
		DelFlags []string        `json:"removeFlags"`
		Details  json.RawMessage `json:"details"`
		Changes  []struct {
			Field string `json:"field"`
		} `json:"changes"`
	} `json:"history"`
}

type errorBody struct {
	Errors []struct {
		Code string            `json:"code"`
		Args map[string]string `json:"args"`
	} `json:"errors"`
}
