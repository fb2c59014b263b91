package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// FuzzDeclare posts what the fuzzer makes as the body of POST /api/v1/records, as a local
// registrar, to the whole server in process (nerovia, the embedded store). Whatever the body,
// the server must not panic nor answer 5xx, and a 201 must be a record that reads back as
// declared and whose data is a valid declaration: it satisfies the event's JSON Schema (as
// GET /api/v1/events/{event}/schema gives it) and declaring it again is accepted.
func FuzzDeclare(f *testing.F) {
	s := newSite(f)
	schemas := map[string]*jsonschema.Schema{}
	for _, ev := range s.bundle.Events {
		w := s.do("GET", "/api/v1/events/"+ev.ID+"/schema", nil)
		doc, err := jsonschema.UnmarshalJSON(w.Body)
		if err != nil {
			f.Fatalf("schema of %s: %d %v", ev.ID, w.Code, err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(ev.ID+".json", doc); err != nil {
			f.Fatal(err)
		}
		if schemas[ev.ID], err = c.Compile(ev.ID + ".json"); err != nil {
			f.Fatal(err)
		}
	}

	valid, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		f.Fatal(err)
	}
	env := func(s string) []byte { return []byte(`{"event":"birth","data":` + s + `}`) }
	v := string(valid)
	f.Add(env(v))
	f.Add([]byte(`{"event":"birth","action":"declare","data":` + v + `,"comment":"at the counter"}`))
	f.Add([]byte(`{"event":"birth","action":"declare-late","data":` + v + `}`))
	f.Add(env(strings.Replace(v, `"Ama"`, `"<script>alert(1)</script>\u0000\u202e"`, 1)))
	f.Add(env(strings.Replace(v, `"2026-11-01"`, `"2020-02-29"`, 1)))                     // late: declare-late
	f.Add(env(strings.Replace(v, `"health-facility"`, `"home"`, 1)))                      // a village is then required
	f.Add(env(strings.Replace(v, `"child.birthOrder": 1`, `"child.birthOrder": "1"`, 1))) // wrong type
	f.Add(env(strings.Replace(v, `"female"`, `{"$gt": ""}`, 1)))
	f.Add(env(strings.Replace(v, `"father.known": false`, `"father.known": true`, 1)))                        // the father's fields are then required
	f.Add(env(strings.Replace(v, `"national-id", "file": "sha256:2`, `"national-id", "file": "sha256:3`, 1))) // a file never uploaded
	f.Add(env(strings.Replace(v, `"type": "national-id", `, ``, 1)))                                          // no type
	f.Add(env(`{"$where": "1"}`))
	f.Add(env(`{}`))
	f.Add(env(`null`))
	f.Add(env(`[` + v + `]`))
	f.Add(env(v)[:len(v)/2])
	f.Add([]byte(`{"event":"death","data":{}}`))
	f.Add([]byte(`{"event":"birth","data":` + v + `} {}`))
	f.Add([]byte(`{"event":"birth","data":` + v + `,"extra":1}`))
	f.Add([]byte(`{"event":"birth","data":{"child.weight":1e999}}`))
	f.Add([]byte(`{"event":"birth","data":{"child.name":{"given":` + strings.Repeat(`[`, 10000) + `}}}`))
	f.Add([]byte(``))

	f.Fuzz(func(t *testing.T, body []byte) {
		w := s.do("POST", "/api/v1/records", body)
		if w.Code >= 500 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if w.Code != http.StatusCreated {
			var e struct{ Errors []struct{ Code string } }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || len(e.Errors) == 0 {
				t.Fatalf("%d without {\"errors\":[...]}: %s", w.Code, w.Body)
			}
			return
		}
		var rec struct {
			ID, Event string
			Data      json.RawMessage
		}
		if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil || rec.ID == "" {
			t.Fatalf("201 without a record: %s", w.Body)
		}
		got := s.do("GET", "/api/v1/records/"+rec.ID, nil)
		var read struct {
			ID, Event string
			Data      json.RawMessage
		}
		if got.Code != http.StatusOK || json.Unmarshal(got.Body.Bytes(), &read) != nil || read.ID != rec.ID {
			t.Fatalf("declared %s, then reading it: %d %s", rec.ID, got.Code, got.Body)
		}
		if !bytes.Equal(read.Data, rec.Data) || read.Event != rec.Event {
			t.Fatalf("%s: declared with %s, read back as %s", rec.ID, rec.Data, read.Data)
		}
		sch, ok := schemas[read.Event]
		if !ok {
			t.Fatalf("%s: a record of event %q", rec.ID, read.Event)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(read.Data))
		if err != nil {
			t.Fatalf("%s: stored data is not JSON: %v", rec.ID, err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Fatalf("%s: stored data breaks the schema: %v\n%s", rec.ID, err, read.Data)
		}
		again, _ := json.Marshal(map[string]any{"event": read.Event, "data": read.Data})
		if w := s.do("POST", "/api/v1/records", again); w.Code != http.StatusCreated {
			t.Fatalf("%s: its stored data, declared again: %d %s", rec.ID, w.Code, w.Body)
		}
	})
}
