package hooks_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestParseSystem(t *testing.T) {
	s, err := hooks.ParseSystem("national-id=https://nid.example.gov/crvs?x=1," + secret)
	if err != nil || s.Name != "national-id" || s.URL != "https://nid.example.gov/crvs?x=1" || len(s.Secret) != 24 {
		t.Fatalf("ParseSystem = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "national-id", "=https://x," + secret, "nid=https://x", "nid=ftp://x," + secret,
		"nid=https://," + secret, "nid=https://x,secret", "nid=https://x,whsec_c2hvcnQ="} {
		if _, err := hooks.ParseSystem(bad); err == nil {
			t.Errorf("ParseSystem(%q) took it", bad)
		}
	}
}

// TestDo: each answer of a system, as the action takes it.
func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server hears the client go
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, `{"data": {"child.nid": "NID-1", "n": 12345678901234567890}}`)
		case "/empty":
		case "/later":
			w.WriteHeader(http.StatusAccepted)
		case "/no":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"reason": "not today"}`)
		case "/no-text":
			http.Error(w, "unknown mother\nstack trace...", http.StatusNotFound)
		case "/no-json":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error": 1}`)
		case "/garbage":
			io.WriteString(w, `<html>`)
		case "/huge":
			io.WriteString(w, `{"data": {"x": "`+strings.Repeat("x", 2<<20)+`"}}`)
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second): // past the call's timeout
			}
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	key, _ := webhooksig.ParseSecret(secret)
	call := &hooks.Call{Key: "R1/1/register", Record: "R1", Action: "register"}
	do := func(path string) (*hooks.Answer, error) {
		return (&hooks.System{Name: "nid", URL: srv.URL + path, Secret: key}).Do(context.Background(), call, 300*time.Millisecond, time.Now())
	}
	if a, err := do("/ok"); err != nil || a.Outcome != hooks.Done || a.Data["child.nid"] != "NID-1" || a.Data["n"] == nil {
		t.Errorf("200: %+v, %v", a, err)
	}
	if a, err := do("/empty"); err != nil || a.Outcome != hooks.Done || len(a.Data) != 0 {
		t.Errorf("200 with no body: %+v, %v", a, err)
	}
	if a, err := do("/later"); err != nil || a.Outcome != hooks.Waiting {
		t.Errorf("202: %+v, %v", a, err)
	}
	for path, reason := range map[string]string{"/no": "not today", "/no-text": "unknown mother", "/no-json": "400 Bad Request"} {
		if a, err := do(path); err != nil || a.Outcome != hooks.Refused || a.Reason != reason {
			t.Errorf("%s: %+v, %v; want the reason %q", path, a, err, reason)
		}
	}
	for _, path := range []string{"/garbage", "/huge", "/redirect", "/slow", "/fail"} {
		a, err := do(path)
		var f *hooks.Failure
		if !errors.As(err, &f) || f.System != "nid" {
			t.Errorf("%s: %+v, %v; want a failure", path, a, err)
		}
	}
}

// TestReadResult: a result is read only with its signature, and only when it names its record,
// the call's key and a status that is 200 or a 4xx.
func TestReadResult(t *testing.T) {
	key, _ := webhooksig.ParseSecret(secret)
	sys := &hooks.System{Name: "nid", Secret: key}
	now := time.Now()
	read := func(body string, signedWith []byte, at time.Time) (*hooks.Result, *hooks.Answer, error) {
		h := http.Header{}
		webhooksig.SetHeaders(h, signedWith, "r-1", at, []byte(body))
		return sys.ReadResult(h, []byte(body), now)
	}
	if r, a, err := read(`{"record": "R1", "key": "R1/1/register", "status": 200, "data": {"child.nid": "NID-9"}}`, key, now); err != nil ||
		r.Record != "R1" || a.Outcome != hooks.Done || a.Data["child.nid"] != "NID-9" {
		t.Errorf("a result: %+v %+v %v", r, a, err)
	}
	if _, a, err := read(`{"record": "R1", "key": "K", "status": 409, "reason": "twin"}`, key, now); err != nil || a.Outcome != hooks.Refused || a.Reason != "twin" {
		t.Errorf("a refusal: %+v %v", a, err)
	}
	other, _ := webhooksig.ParseSecret("whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
	good := `{"record": "R1", "key": "K", "status": 200}`
	if _, _, err := read(good, other, now); !errors.Is(err, webhooksig.ErrSignature) {
		t.Errorf("signed with another key: %v", err)
	}
	if _, _, err := read(good, key, now.Add(-10*time.Minute)); !errors.Is(err, webhooksig.ErrSignature) {
		t.Errorf("an old result, replayed: %v", err)
	}
	for _, body := range []string{`{"key": "K", "status": 200}`, `{"record": "R1", "status": 200}`, `{"record": "R1", "key": "K", "status": 500}`,
		`{"record": "R1", "key": "K", "status": 202}`, `[1]`, `{"record": 1}`, ``} {
		if _, _, err := read(body, key, now); err == nil {
			t.Errorf("%s: taken", body)
		}
	}
}

// FuzzReadResult: whatever a system posts, signed, is read into a result that names a record,
// a key and an outcome, or refused; never a panic.
func FuzzReadResult(f *testing.F) {
	f.Add([]byte(`{"record": "R1", "key": "R1/1/register", "status": 200, "data": {"child.nid": "NID-9"}}`))
	f.Add([]byte(`{"record": "R1", "key": "K", "status": 422, "reason": "no"}`))
	f.Add([]byte(`{"record": "", "status": 1e400}`))
	key, _ := webhooksig.ParseSecret(secret)
	sys := &hooks.System{Name: "nid", Secret: key}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{}
		now := time.Now()
		webhooksig.SetHeaders(h, key, "id", now, body)
		r, a, err := sys.ReadResult(h, body, now)
		if err != nil {
			return
		}
		if r.Record == "" || r.Key == "" || (a.Outcome != hooks.Done && a.Outcome != hooks.Refused) || (a.Outcome == hooks.Refused && a.Reason == "") {
			t.Fatalf("%s read as %+v %+v", body, r, a)
		}
	})
}
