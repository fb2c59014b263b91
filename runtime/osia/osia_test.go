package osia_test

// The OSIA interfaces through the whole server in process (nerovia, the embedded store),
// every answer validated against the schemas of the specification's own OpenAPI files,
// vendored unmodified in testdata (see testdata/README.md).
//
// One reading departs from the letter of the files, in memory: the value of an attribute is
// oneOf [string, integer, number, boolean, Error] there, but in JSON Schema an integer is a
// number too, so no integer can ever satisfy that oneOf — while the specification's Person
// Attributes table makes gender a number (ISO 5218). The tests read those oneOf as anyOf;
// TestSpecificationRejectsIntegers pins the defect, and fails the day the files change.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// spec is one of the vendored OpenAPI files, as JSON, its schemas compiled on demand.
type spec struct {
	url string
	c   *jsonschema.Compiler
}

// loadSpec reads testdata/<name>.yaml; anyOf: read oneOf as anyOf (see above).
func loadSpec(t *testing.T, name string, anyOf bool) *spec {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc = jsonable(doc, anyOf)
	// Through JSON text, so the compiler sees JSON's numbers.
	text, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	s := &spec{url: "https://osia.test/" + name + ".json", c: jsonschema.NewCompiler()}
	s.c.DefaultDraft(jsonschema.Draft4) // OpenAPI 3.0's schemas are an extended subset of draft 4/5
	if err := s.c.AddResource(s.url, inst); err != nil {
		t.Fatal(err)
	}
	return s
}

// jsonable turns YAML's maps (keys such as 200 are integers) into JSON's.
func jsonable(v any, anyOf bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if k == "oneOf" && anyOf {
				k = "anyOf"
			}
			out[k] = jsonable(x, anyOf)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, x := range v {
			key := fmt.Sprint(k)
			if key == "oneOf" && anyOf {
				key = "anyOf"
			}
			out[key] = jsonable(x, anyOf)
		}
		return out
	case []any:
		for i := range v {
			v[i] = jsonable(v[i], anyOf)
		}
	}
	return v
}

// schema compiles the schema at a JSON pointer of the file (its tokens escaped already).
func (s *spec) schema(t *testing.T, pointer string) *jsonschema.Schema {
	t.Helper()
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		b.WriteString("/" + url.PathEscape(tok))
	}
	sch, err := s.c.Compile(s.url + "#" + b.String())
	if err != nil {
		t.Fatalf("compiling %s: %v", pointer, err)
	}
	return sch
}

// valid checks body against the schema at pointer.
func (s *spec) valid(t *testing.T, body []byte, pointer ...string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	if err := s.schema(t, strings.Join(pointer, "/")).Validate(inst); err != nil {
		t.Errorf("%s does not validate against %s: %v", body, strings.Join(pointer, "/"), err)
	}
}

// op is the pointer of an operation's answer's schema.
func op(path, method, status string) string {
	return "/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + method + "/responses/" + status + "/content/application~1json/schema"
}

type site struct {
	t     *testing.T
	srv   *server.Server
	h     http.Handler
	store store.Store

	mu   sync.Mutex
	sent []osia.Notification
}

func newSite(t *testing.T) *site {
	b, diags := compiler.Build("../../countries/nerovia")
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building nerovia:\n%s", sb.String())
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if b, err = bundle.Decode(raw); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := server.SeedPasswords(ctx, st, b, "test-password"); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	if srv.OSIA == nil {
		t.Fatal("nerovia has osia mappings, but the server serves no OSIA")
	}
	s := &site{t: t, srv: srv, h: srv.Handler(), store: st}
	srv.OSIA.Deliver = func(_ context.Context, n osia.Notification) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sent = append(s.sent, n)
		return nil
	}
	return s
}

type answer struct {
	Status int
	Body   []byte
}

func (s *site) do(token, method, path string, body []byte) answer {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return answer{w.Code, w.Body.Bytes()}
}

func (s *site) login(user string) string {
	s.t.Helper()
	a := s.do("", "POST", "/api/v1/login", []byte(`{"username":"`+user+`","password":"test-password"}`))
	var l struct{ Token string }
	if err := json.Unmarshal(a.Body, &l); err != nil || l.Token == "" {
		s.t.Fatalf("login of %s: %d %s", user, a.Status, a.Body)
	}
	return l.Token
}

type recordView struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Status  string `json:"status"`
	Version int64  `json:"version"`
}

// declare declares nerovia's example birth as the user (a local registrar of CR0101), and
// registers it when asked.
func (s *site) declare(token string, register bool) recordView {
	s.t.Helper()
	files, _ := filepath.Glob("../testdata/documents/*")
	for _, file := range files {
		body, _ := os.ReadFile(file)
		if a := s.do(token, "POST", "/api/v1/documents?name="+filepath.Base(file), body); a.Status != http.StatusCreated && a.Status != http.StatusOK {
			s.t.Fatalf("upload of %s: %d %s", file, a.Status, a.Body)
		}
	}
	data, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		s.t.Fatal(err)
	}
	a := s.do(token, "POST", "/api/v1/records", []byte(`{"event":"birth","data":`+string(data)+`}`))
	var r recordView
	if err := json.Unmarshal(a.Body, &r); err != nil || a.Status != http.StatusCreated {
		s.t.Fatalf("declare: %d %s", a.Status, a.Body)
	}
	if register {
		a = s.do(token, "POST", "/api/v1/records/"+r.ID+"/actions/register", []byte(fmt.Sprintf(`{"version":%d}`, r.Version)))
		if err := json.Unmarshal(a.Body, &r); err != nil || a.Status != http.StatusOK || r.Number == "" {
			s.t.Fatalf("register: %d %s", a.Status, a.Body)
		}
	}
	return r
}

func TestDataAccess(t *testing.T) {
	da := loadSpec(t, "dataaccess", true)
	s := newSite(t)
	lidya := s.login("lidya.verhane") // local registrar, area of CR0101
	reg := s.declare(lidya, true)
	declared := s.declare(lidya, false)
	read := op("/v1/persons/{uin}", "get", "200")
	person := "/osia/v1/persons/" + url.PathEscape(reg.Number)
	q := "?attributeNames=firstName&attributeNames=lastName&attributeNames=dateOfBirth&attributeNames=placeOfBirth&attributeNames=gender&attributeNames=dateOfDeath&attributeNames=shoeSize"

	// The registered child, as OSIA names it: gender by ISO 5218, the district by name; an
	// attribute the mapping has but the record lacks, and one nobody knows, as errors.
	a := s.do(lidya, "GET", person+q, nil)
	if a.Status != http.StatusOK {
		t.Fatalf("read: %d %s", a.Status, a.Body)
	}
	da.valid(t, a.Body, read)
	var got map[string]any
	json.Unmarshal(a.Body, &got)
	want := map[string]any{"firstName": "Ama", "lastName": "Tarek", "dateOfBirth": "2026-11-01", "gender": 2.0,
		"shoeSize": map[string]any{"code": 1023.0, "message": "Unknown attribute name"}}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if p, _ := got["placeOfBirth"].(string); p == "" || p == "NV0101" {
		t.Errorf("placeOfBirth is not the district's name: %v", got["placeOfBirth"])
	}
	// dateOfDeath is not a birth's attribute.
	if e, _ := got["dateOfDeath"].(map[string]any); e["code"] != 1023.0 {
		t.Errorf("dateOfDeath of a birth: %v", got["dateOfDeath"])
	}

	// Refusals: no attribute asked for (400, OSIA's Error); no token (401); a declaration
	// not registered, by its tracking ID or anything else (404); an area where the record is
	// not (404, as if it did not exist); a role that reads no event (403).
	a = s.do(lidya, "GET", person, nil)
	if a.Status != http.StatusBadRequest {
		t.Errorf("without attributeNames: %d %s", a.Status, a.Body)
	}
	da.valid(t, a.Body, op("/v1/persons/{uin}", "get", "400"))
	if a = s.do("", "GET", person+q, nil); a.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d", a.Status)
	}
	for _, uin := range []string{declared.ID, "B-2026-CR0101-999999", "nothing"} {
		if a = s.do(lidya, "GET", "/osia/v1/persons/"+uin+q, nil); a.Status != http.StatusNotFound || len(a.Body) != 0 {
			t.Errorf("%s: %d %s", uin, a.Status, a.Body)
		}
	}
	saba := s.login("saba.rinaldor") // local registrar elsewhere (CR0203)
	if a = s.do(saba, "GET", person+q, nil); a.Status != http.StatusNotFound {
		t.Errorf("outside the jurisdiction: %d %s", a.Status, a.Body)
	}
	liya := s.login("liya.mernasso") // district statistician: counts, reads no record
	if a = s.do(liya, "GET", person+q, nil); a.Status != http.StatusForbidden {
		t.Errorf("a role that reads nothing: %d %s", a.Status, a.Body)
	}

	// An audited role's read is in the audit log.
	yara := s.login("yara.belcourt") // performance manager: reads nationwide, audited
	if a = s.do(yara, "GET", person+"?attributeNames=lastName", nil); a.Status != http.StatusOK {
		t.Fatalf("audited read: %d %s", a.Status, a.Body)
	}
	da.valid(t, a.Body, read)
	log, err := s.store.AuditLog(context.Background(), store.AuditQuery{Record: reg.ID, Kind: store.AuditRead, User: "yara.belcourt", Limit: 10})
	if err != nil || len(log.Entries) != 1 {
		t.Errorf("the audited read is not in the audit log: %v %+v", err, log)
	}

	// Match: case and spaces aside; 1 differs, 0 the register has no such attribute.
	a = s.do(lidya, "POST", person+"/match", []byte(`{"firstName":" ama ","lastName":"Other","dateOfBirth":"2026-11-01","gender":2,"nickname":"A"}`))
	if a.Status != http.StatusOK {
		t.Fatalf("match: %d %s", a.Status, a.Body)
	}
	da.valid(t, a.Body, op("/v1/persons/{uin}/match", "post", "200"))
	if strings.TrimSpace(string(a.Body)) != `[{"attributeName":"lastName","errorCode":1},{"attributeName":"nickname","errorCode":0}]` {
		t.Errorf("match: %s", a.Body)
	}
	if a = s.do(saba, "POST", person+"/match", []byte(`{"firstName":"Ama"}`)); a.Status != http.StatusNotFound {
		t.Errorf("match outside the jurisdiction: %d", a.Status)
	}

	// Verify: every expression holds, or false.
	for body, want := range map[string]string{
		`[{"attributeName":"dateOfBirth","operator":"<","value":"2027-01-01"},{"attributeName":"gender","operator":"=","value":2}]`: "true",
		`[{"attributeName":"dateOfBirth","operator":">=","value":"2026-11-02"}]`:                                                    "false",
	} {
		a = s.do(lidya, "POST", person+"/verify", []byte(body))
		if a.Status != http.StatusOK || strings.TrimSpace(string(a.Body)) != want {
			t.Errorf("verify %s: %d %s, want %s", body, a.Status, a.Body, want)
		}
		da.valid(t, a.Body, op("/v1/persons/{uin}/verify", "post", "200"))
	}
	a = s.do(lidya, "POST", person+"/verify", []byte(`[{"attributeName":"dateOfBirth","operator":"~","value":"x"}]`))
	if a.Status != http.StatusBadRequest {
		t.Errorf("verify with an unknown operator: %d %s", a.Status, a.Body)
	}
	da.valid(t, a.Body, op("/v1/persons/{uin}/verify", "post", "400"))

	// A revoked registration is no longer in the register: not served, though it keeps its
	// number.
	ilena := s.login("ilena.marvosa") // national registrar
	a = s.do(ilena, "POST", "/api/v1/records/"+reg.ID+"/actions/revoke", []byte(fmt.Sprintf(`{"version":%d,"comment":"registered twice"}`, reg.Version)))
	if a.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", a.Status, a.Body)
	}
	if a = s.do(ilena, "GET", person+q, nil); a.Status != http.StatusNotFound {
		t.Errorf("a revoked record: %d %s", a.Status, a.Body)
	}
}

// TestSpecificationRejectsIntegers pins the defect the tests read around: to the letter of
// dataaccess.yaml, an attribute whose value is an integer (gender, ISO 5218) is invalid.
func TestSpecificationRejectsIntegers(t *testing.T) {
	letter := loadSpec(t, "dataaccess", false)
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"gender":2}`))
	if err := letter.schema(t, op("/v1/persons/{uin}", "get", "200")).Validate(inst); err == nil {
		t.Errorf("dataaccess.yaml now accepts an integer attribute: read it to the letter (loadSpec's anyOf) again")
	}
	inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(`{"firstName":"Ama","dob":{"code":1023,"message":"Unknown attribute name"}}`))
	if err := letter.schema(t, op("/v1/persons/{uin}", "get", "200")).Validate(inst); err != nil {
		t.Errorf("the specification's own example: %v", err)
	}
}

func TestNotification(t *testing.T) {
	nt := loadSpec(t, "notification", true)
	s := newSite(t)
	lidya, saba, liya := s.login("lidya.verhane"), s.login("saba.rinaldor"), s.login("liya.mernasso")
	subs := "/osia/v1/subscriptions"

	// Topics: the OSIA event types of the events the caller reads.
	a := s.do(lidya, "GET", "/osia/v1/topics", nil)
	nt.valid(t, a.Body, op("/v1/topics", "get", "200"))
	if !strings.Contains(string(a.Body), `"liveBirth"`) || !strings.Contains(string(a.Body), `"death"`) {
		t.Errorf("topics: %s", a.Body)
	}

	// Subscribe: inactive until confirmed, idempotent; a confirmation message is sent.
	sub := subs + "?topic=liveBirth&address=" + url.QueryEscape("https://pr.example/notify") + "&policy=3600,-1"
	a = s.do(lidya, "POST", sub, nil)
	if a.Status != http.StatusOK {
		t.Fatalf("subscribe: %d %s", a.Status, a.Body)
	}
	nt.valid(t, a.Body, op("/v1/subscriptions", "post", "200"))
	var first struct {
		UUID   string `json:"uuid"`
		Active bool   `json:"active"`
	}
	json.Unmarshal(a.Body, &first)
	if first.UUID == "" || first.Active {
		t.Errorf("a new subscription: %s", a.Body)
	}
	var again struct{ UUID string }
	json.Unmarshal(s.do(lidya, "POST", sub, nil).Body, &again)
	if again.UUID != first.UUID {
		t.Errorf("subscribing twice gave %s then %s", first.UUID, again.UUID)
	}
	if len(s.sent) == 0 {
		t.Fatal("no confirmation message was sent")
	}
	conf := s.sent[0]
	nt.valid(t, conf.Body, "/components/schemas/Message")
	var cm osia.Message
	json.Unmarshal(conf.Body, &cm)
	if cm.Type != "SubscriptionConfirmation" || cm.Token == "" || conf.Address != "https://pr.example/notify" || conf.Headers["message-type"] != "SubscriptionConfirmation" {
		t.Errorf("confirmation: %+v %s", conf, conf.Body)
	}

	// Refusals: a topic not published, or not to this caller; an address that is no URL;
	// email; someone else's token.
	for _, c := range []struct{ token, query string }{
		{lidya, "?topic=marriage&address=https://pr.example/"},
		{liya, "?topic=liveBirth&address=https://pr.example/"},
		{lidya, "?topic=liveBirth&address=pr.example"},
		{lidya, "?topic=liveBirth&protocol=email&address=https://pr.example/"},
		{lidya, "?topic=liveBirth&address=https://pr.example/&policy=soon"},
	} {
		a = s.do(c.token, "POST", subs+c.query, nil)
		if a.Status != http.StatusBadRequest {
			t.Errorf("subscribe %s: %d %s", c.query, a.Status, a.Body)
		}
		nt.valid(t, a.Body, op("/v1/subscriptions", "post", "400"))
	}
	if a = s.do(saba, "GET", subs+"/confirm?token="+cm.Token, nil); a.Status != http.StatusBadRequest {
		t.Errorf("confirmed with another's token: %d", a.Status)
	}

	// Confirmed: active. Saba subscribes too, in her area.
	if a = s.do(lidya, "GET", subs+"/confirm?token="+cm.Token, nil); a.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", a.Status, a.Body)
	}
	a = s.do(lidya, "GET", subs, nil)
	nt.valid(t, a.Body, op("/v1/subscriptions", "get", "200"))
	if !strings.Contains(string(a.Body), `"active":true`) {
		t.Errorf("after confirmation: %s", a.Body)
	}
	s.do(saba, "POST", subs+"?topic=liveBirth&address=https://other.example/", nil)
	s.mu.Lock()
	sabaToken := ""
	for _, n := range s.sent {
		var m osia.Message
		json.Unmarshal(n.Body, &m)
		if n.Address == "https://other.example/" {
			sabaToken = m.Token
		}
	}
	s.mu.Unlock()
	if a = s.do(saba, "GET", subs+"/confirm?token="+sabaToken, nil); a.Status != http.StatusOK {
		t.Fatalf("saba's confirm: %d", a.Status)
	}

	// A registration owes lidya's subscription a liveBirth message, not saba's (the record
	// is outside her area); a declaration owes none.
	reg := s.declare(lidya, true)
	rec, err := s.store.Record(context.Background(), reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s.srv.OSIA.Notifications(context.Background(), rec, "register")
	if err != nil || len(ns) != 1 || ns[0].Address != "https://pr.example/notify" {
		t.Fatalf("notifications of the registration: %v %+v", err, ns)
	}
	nt.valid(t, ns[0].Body, "/components/schemas/Message")
	var m osia.Message
	json.Unmarshal(ns[0].Body, &m)
	var event map[string]string
	if err := json.Unmarshal([]byte(m.Message), &event); err != nil {
		t.Fatalf("the message is not the event's JSON: %q", m.Message)
	}
	if m.Type != "Notification" || m.Topic != "liveBirth" || event["uin"] != reg.Number || event["uin1"] != "1234567890" || event["source"] != "crvsctl NV" && !strings.HasPrefix(event["source"], "crvsctl") {
		t.Errorf("the liveBirth message: %+v %v", m, event)
	}
	if ns[0].Headers["topic-id"] != "liveBirth" || ns[0].Headers["subscription-id"] != first.UUID {
		t.Errorf("headers: %v", ns[0].Headers)
	}
	if ns, _ := s.srv.OSIA.Notifications(context.Background(), rec, "validate"); len(ns) != 0 {
		t.Errorf("an action the package publishes nothing for: %+v", ns)
	}

	// Unsubscribe: one's own only.
	if a = s.do(saba, "DELETE", subs+"/"+first.UUID, nil); a.Status != http.StatusNotFound {
		t.Errorf("unsubscribing another's: %d", a.Status)
	}
	if a = s.do(lidya, "DELETE", subs+"/"+first.UUID, nil); a.Status != http.StatusNoContent {
		t.Errorf("unsubscribe: %d %s", a.Status, a.Body)
	}
	if a = s.do(lidya, "DELETE", subs+"/"+first.UUID, nil); a.Status != http.StatusNotFound {
		t.Errorf("unsubscribing twice: %d", a.Status)
	}
	if ns, _ := s.srv.OSIA.Notifications(context.Background(), rec, "register"); len(ns) != 0 {
		t.Errorf("after unsubscribing: %+v", ns)
	}
}
