package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// as sends a JSON request as another user of the package, logging them in first.
func (s *site) as(user string) func(method, path string, body any) *httptest.ResponseRecorder {
	s.tb.Helper()
	w := s.do("POST", "/api/v1/login", []byte(`{"username":"`+user+`","password":"test-password"}`))
	var l struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || l.Token == "" {
		s.tb.Fatalf("login %s: %d %s", user, w.Code, w.Body)
	}
	return func(method, path string, body any) *httptest.ResponseRecorder {
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		req := httptest.NewRequest(method, path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+l.Token)
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, req)
		return w
	}
}

type heldView struct {
	ID            string
	Version       int64
	Status        string
	AssignedTo    string
	AssignedUntil *time.Time
	Errors        []struct {
		Code string
		Args map[string]string
	}
}

func decodeHeld(t *testing.T, w *httptest.ResponseRecorder, status int) heldView {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%d %s, want %d", w.Code, w.Body, status)
	}
	var v heldView
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A correction of nerovia is decided by the registrar who assigned the record to themselves:
// POST .../assign and .../release, the record's assignedTo and assignedUntil, and the
// refusals of the others.
func TestAssignThroughTheAPI(t *testing.T) {
	s := newSite(t)
	lidya, fenna, ilena := s.as("lidya.verhane"), s.as("fenna.albrecq"), s.as("ilena.marvosa")
	raw, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	r := decodeHeld(t, lidya("POST", "/api/v1/records", map[string]any{"event": "birth", "data": json.RawMessage(raw)}), http.StatusCreated)
	base := "/api/v1/records/" + r.ID
	r = decodeHeld(t, lidya("POST", base+"/actions/register", map[string]any{"version": r.Version}), http.StatusOK)
	r = decodeHeld(t, lidya("POST", base+"/actions/request-correction", map[string]any{"version": r.Version,
		"comment": "the hospital's record", "data": map[string]any{"child.weight": 3.1}}), http.StatusOK)

	approve := map[string]any{"version": r.Version}
	if v := decodeHeld(t, fenna("POST", base+"/actions/approve-correction", approve), http.StatusConflict); v.Errors[0].Code != "not-assigned" {
		t.Errorf("approve unassigned: %+v", v.Errors)
	}
	v := decodeHeld(t, fenna("POST", base+"/assign", nil), http.StatusOK)
	if v.AssignedTo != "fenna.albrecq" || v.AssignedUntil == nil || v.AssignedUntil.Before(time.Now().Add(7*time.Hour)) || v.Version != r.Version {
		t.Errorf("assign: %+v", v)
	}
	if v := decodeHeld(t, lidya("GET", base, nil), http.StatusOK); v.AssignedTo != "fenna.albrecq" || v.AssignedUntil == nil {
		t.Errorf("the record as another reads it: %+v", v)
	}
	v = decodeHeld(t, ilena("POST", base+"/actions/approve-correction", approve), http.StatusConflict)
	if v.Errors[0].Code != "assigned-to-other" || v.Errors[0].Args["name"] != "Fenna Albrecq" || v.Errors[0].Args["until"] == "" {
		t.Errorf("approve by another: %+v", v.Errors)
	}
	decodeHeld(t, ilena("POST", base+"/assign", nil), http.StatusConflict)
	decodeHeld(t, lidya("POST", base+"/release", nil), http.StatusForbidden) // no supervisor
	decodeHeld(t, lidya("POST", base+"/assign", nil), http.StatusForbidden)  // decides no correction

	// Decided, the hold is released: nothing left on the record needs it.
	if v := decodeHeld(t, fenna("POST", base+"/actions/approve-correction", approve), http.StatusOK); v.AssignedTo != "" || v.Status != "registered" {
		t.Errorf("approved: %+v", v)
	}
	if v := decodeHeld(t, fenna("POST", base+"/release", nil), http.StatusOK); v.AssignedTo != "" || v.AssignedUntil != nil {
		t.Errorf("released: %+v", v)
	}

	doc := s.do("GET", "/api/openapi.json", nil).Body.String()
	for _, want := range []string{`"/api/v1/records/{id}/assign"`, `"/api/v1/records/{id}/release"`, `"assignedTo"`, `"assignedUntil"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the OpenAPI document has no %s", want)
		}
	}
}
