package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// A JSON body is read as sent or refused: bytes that are not UTF-8 and escapes of lone
// surrogates anywhere in it are refused (400), not read as U+FFFD; a name holding a control
// or invisible character is refused at its field (422).
func TestDeclareRefusesWhatIsNotText(t *testing.T) {
	s := newSite(t)
	valid, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	declare := func(given, comment string) *httptest.ResponseRecorder {
		data := strings.Replace(string(valid), `"given": "Ama"`, `"given": "`+given+`"`, 1)
		return s.do("POST", "/api/v1/records", []byte(`{"event":"birth","data":`+data+`,"comment":"`+comment+`"}`))
	}
	type problem struct{ Path, Code string }
	answer := func(w *httptest.ResponseRecorder) []problem {
		var body struct{ Errors []problem }
		json.Unmarshal(w.Body.Bytes(), &body)
		return body.Errors
	}
	for _, tc := range []struct {
		name, given, comment string
		status               int
		path, code           string
	}{
		{"invalid UTF-8 in a name", "Ama\xff", "", 400, "", "malformed"},
		{"invalid UTF-8 in the comment", "Ama", "at the counter\xc3", 400, "", "malformed"},
		{"a lone surrogate in a name", `Ama\ud800`, "", 400, "", "malformed"},
		{"a lone surrogate in the comment", "Ama", `at \udfff the counter`, 400, "", "malformed"},
		{"NUL in a name", `Ama\u0000`, "", 422, "/data/child.name", "characters"},
		{"a right-to-left override in a name", `Ama\u202e`, "", 422, "/data/child.name", "characters"},
		{"a zero-width space in a name", `A\u200bma`, "", 422, "/data/child.name", "characters"},
		{"a line break in a name", `Ama\nTarek`, "", 422, "/data/child.name", "characters"},
		{"an override in the comment", "Ama", `at the counter\u202e`, 422, "/comment", "characters"},
	} {
		w := declare(tc.given, tc.comment)
		got := answer(w)
		if w.Code != tc.status || len(got) != 1 || got[0].Code != tc.code || (tc.path != "" && got[0].Path != tc.path) {
			t.Errorf("%s: %d %s, want %d %s at %q", tc.name, w.Code, w.Body, tc.status, tc.code, tc.path)
		}
	}
	// A pair of surrogates is one character, and a name in NFD is stored in NFC.
	w := declare(`Jose\u0301 \ud835\udc00`, "")
	if w.Code != http.StatusCreated {
		t.Fatalf("a valid name: %d %s", w.Code, w.Body)
	}
	var rec struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || !strings.Contains(string(rec.Data["child.name"]), "Jos\u00e9 \U0001d400") {
		t.Errorf("stored %s (%v)", rec.Data["child.name"], err)
	}
}
