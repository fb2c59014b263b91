package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestProblemsHaveKeys: a declaration refused keeps the API's English messages and gives each
// problem the key (and the arguments) a page translates it by: crvsctl's for what the schema
// refuses, the package's validation message where it speaks of the field.
func TestProblemsHaveKeys(t *testing.T) {
	s := newSite(t)
	raw, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	data["child.weight"] = 12
	data["child.birthOrder"] = 30
	data["child.sex"] = "F"
	body, _ := json.Marshal(map[string]any{"event": "birth", "data": data})
	w := s.do("POST", "/api/v1/records", body)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var answer struct {
		Errors []struct {
			Path, Code, Message, Key string
			Args                     map[string]string
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	type want struct {
		key, message string
		args         map[string]string
	}
	wants := map[string]want{
		"/data/child.weight":     {"message.weight-range", "The weight at birth must be between 0.3 and 7 kg.", nil},
		"/data/child.birthOrder": {"ui.problem.maximum", "maximum: got 30, want 25", map[string]string{"max": "25"}},
		"/data/child.sex":        {"ui.problem.option", "value must be one of", nil},
	}
	if len(answer.Errors) != len(wants) {
		t.Errorf("%d problems, want %d: %s", len(answer.Errors), len(wants), w.Body)
	}
	for _, e := range answer.Errors {
		wt, ok := wants[e.Path]
		if !ok {
			t.Errorf("a problem at %s: %+v", e.Path, e)
			continue
		}
		if e.Key != wt.key || !strings.HasPrefix(e.Message, wt.message) || !maps.Equal(e.Args, wt.args) {
			t.Errorf("%s: key %q, message %q, args %v; want %q, %q..., %v", e.Path, e.Key, e.Message, e.Args, wt.key, wt.message, wt.args)
		}
	}
}
