package server_test

import (
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
	"sync/atomic"
	"testing"
	"time"
)

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// hookReceiver is a webhook subscriber that checks each call's signature (the Standard
// Webhooks way, written here apart from runtime/outbox) and keeps, per record, the versions
// it was told of in the order it was told, and the webhook-id of each record's version.
type hookReceiver struct {
	t        *testing.T
	mu       sync.Mutex
	versions map[string][]int64
	ids      map[string]string // record/version -> webhook-id
	calls    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(hookSecret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.Header.Get("webhook-signature") != want {
		h.t.Errorf("webhook %s: a bad signature", id)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev struct {
		Data struct {
			Record  string `json:"record"`
			Version int64  `json:"version"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		h.t.Errorf("webhook %s: %v", id, err)
		return
	}
	time.Sleep(2 * time.Millisecond) // a receiver takes its time: some calls are under way at the kill
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	h.versions[ev.Data.Record] = append(h.versions[ev.Data.Record], ev.Data.Version)
	k := fmt.Sprintf("%s/%d", ev.Data.Record, ev.Data.Version)
	if prev, ok := h.ids[k]; ok && prev != id {
		h.t.Errorf("%s sent as %s and as %s", k, prev, id)
	}
	h.ids[k] = id
}

// TestOutboxKill kills crvsctl serve (SIGKILL) while clients declare, validate and register
// births and their webhooks go out, restarts it on the same data, and checks that the webhook
// of every action it acknowledged reaches the subscriber, each record's in order: the outbox
// is written with the action, so a kill loses neither; a message sent but not yet marked
// delivered is sent again (at least once), with its ID, for the receiver to drop.
func TestOutboxKill(t *testing.T) {
	hooks := &hookReceiver{t: t, versions: map[string][]int64{}, ids: map[string]string{}}
	recv := httptest.NewServer(hooks)
	defer recv.Close()
	// The SMS gateway: nerovia tells the mother when the birth is registered.
	var smsMu sync.Mutex
	var sms []string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ To, Text string }
		json.NewDecoder(r.Body).Decode(&m)
		smsMu.Lock()
		sms = append(sms, m.To+" "+m.Text)
		smsMu.Unlock()
	}))
	defer gateway.Close()
	data := t.TempDir()
	flags := []string{"--webhook", recv.URL + "," + hookSecret, "--outbox-lease", "2s",
		"--sms-url", gateway.URL, "--sms-template", `{"to": "{{to}}", "text": "{{body}}"}`}
	first := startServer(t, "first", data, flags...)
	s := login(t, first.URL, "lidya.verhane")
	s.uploadDocuments(t)

	var (
		mu      sync.Mutex
		acked   []string // record/version of every action acknowledged
		numbers []string // the registration numbers given
		killing atomic.Bool
		wg      sync.WaitGroup
	)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; !killing.Load(); i++ {
				var d map[string]any
				json.Unmarshal(birthJSON(t), &d)
				d["child.name"] = map[string]any{"given": fmt.Sprintf("Hook%dn%d", g, i), "family": "Kill"}
				d["mother.phone"] = "+999912345678"
				d["child.dob"] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -6*((g*7+i)%50)).Format(time.DateOnly)
				raw, _ := json.Marshal(d)
				a, err := s.send("POST", "/api/v1/records", declaration(raw), "Idempotency-Key", fmt.Sprintf("hook-%d-%d", g, i))
				if err != nil || a.Status != http.StatusCreated {
					if !killing.Load() {
						t.Errorf("declare: %v %v", a, err)
					}
					return
				}
				var r record
				json.Unmarshal(a.Body, &r)
				mu.Lock()
				acked = append(acked, r.ID+"/1")
				mu.Unlock()
				for v, action := range []string{"validate", "register"} {
					a, err := s.send("POST", "/api/v1/records/"+r.ID+"/actions/"+action, map[string]any{"version": v + 1})
					if err != nil || a.Status != http.StatusOK {
						if !killing.Load() {
							t.Errorf("%s %s: %v %v", action, r.ID, a, err)
						}
						return
					}
					var after record
					json.Unmarshal(a.Body, &after)
					mu.Lock()
					acked = append(acked, fmt.Sprintf("%s/%d", r.ID, v+2))
					if after.Number != "" {
						numbers = append(numbers, after.Number)
					}
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(2 * time.Second)
	killing.Store(true)
	first.kill()
	wg.Wait()
	hooks.mu.Lock()
	before := hooks.calls
	hooks.mu.Unlock()

	second := startServer(t, "second", data, flags...)
	_ = second
	missing := func() []string {
		hooks.mu.Lock()
		defer hooks.mu.Unlock()
		var out []string
		for _, k := range acked {
			if _, ok := hooks.ids[k]; !ok {
				out = append(out, k)
			}
		}
		return out
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(missing()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("%d of %d acknowledged actions never reached the subscriber, such as %v", len(m), len(acked), m[:min(5, len(m))])
	}
	// Every registration acknowledged was told to the mother, by SMS, in the country's
	// international form without spaces (E.164).
	unsent := func() []string {
		smsMu.Lock()
		defer smsMu.Unlock()
		var out []string
		for _, n := range numbers {
			found := false
			for _, m := range sms {
				if strings.HasPrefix(m, "+999912345678 ") && strings.Contains(m, n) {
					found = true
					break
				}
			}
			if !found {
				out = append(out, n)
			}
		}
		return out
	}
	for len(unsent()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if u := unsent(); len(u) > 0 || len(numbers) == 0 {
		t.Errorf("%d of %d registrations told by no SMS, such as %v", len(u), len(numbers), u[:min(3, len(u))])
	}
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	again := 0
	for rec, vs := range hooks.versions {
		for i := 1; i < len(vs); i++ {
			switch {
			case vs[i] < vs[i-1]:
				t.Errorf("record %s: told of versions in the order %v", rec, vs)
			case vs[i] == vs[i-1]:
				again++
			}
		}
	}
	t.Logf("%d actions acknowledged before the kill; %d webhooks before it, %d in all, %d sent again after it", len(acked), before, hooks.calls, again)
}
