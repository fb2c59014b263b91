package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// inProcess serves nerovia from a bundle file, as crvsctl serve bundle.json does, with the
// embedded store in a temporary directory, through httptest: the whole server but the
// process, for tests of many requests that need no crash. Its log is returned, to check that
// no request failed unexpectedly.
func inProcess(t *testing.T) (base string, log *syncBuffer) {
	t.Helper()
	return inProcessWith(t, nil)
}

// inProcessWith is inProcess with the server configured by configure (when not nil) before
// it serves.
func inProcessWith(t *testing.T, configure func(*server.Server)) (base string, log *syncBuffer) {
	t.Helper()
	return inProcessOf(t, nerovia, configure)
}

// inProcessOf is inProcessWith of the package in dir.
func inProcessOf(t *testing.T, dir string, configure func(*server.Server)) (base string, log *syncBuffer) {
	t.Helper()
	b, diags := compiler.Build(dir)
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building %s:\n%s", dir, sb.String())
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	served, err := server.LoadBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.SeedPasswords(ctx, st, served, devPassword); err != nil {
		t.Fatal(err)
	}
	log = &syncBuffer{}
	srv, err := server.New(served, st, slog.New(slog.NewJSONHandler(log, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(srv)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return hs.URL, log
}

// TestBadInput sends what a careless or hostile client would, and checks that each is refused
// with the status the API documents, that nothing refused is stored, and that what is stored
// cannot turn into markup in a page.
func TestBadInput(t *testing.T) {
	base, log := inProcess(t)
	lidya := login(t, base, "lidya.verhane")    // local registrar, CR0101 (area NV0101)
	saba := login(t, base, "saba.rinaldor")     // local registrar, CR0203: another district
	marta := login(t, base, "marta.oyelund")    // hospital clerk, HF001: declares, nothing else
	elsa := login(t, base, "elsa.marunde")      // certificate clerk, CR0101: prints only
	national := login(t, base, "ilena.marvosa") // national registrar: reads every record
	for _, s := range []*session{lidya, marta} {
		s.uploadDocuments(t) // the files valid attaches
	}
	valid := birthJSON(t)
	with := func(field string, value any) json.RawMessage { // the valid declaration, one field changed
		var d map[string]any
		json.Unmarshal(valid, &d)
		d[field] = value
		b, _ := json.Marshal(d)
		return b
	}
	envelope := func(data json.RawMessage) string { return `{"event":"birth","data":` + string(data) + `}` }
	count := func() int { return len(allRecords(t, national, "")) }
	// A file saba (another district) uploads, whose id lidya learns: knowing it is not enough.
	sabasFile := append(testDocument(t, "birth-notification.pdf"), "% saba's\n"...)
	saba.expect(t, http.StatusCreated, "POST", "/api/v1/documents", sabasFile, "Content-Type", "application/pdf")

	// refusals: each is sent as lidya, who may declare, and must be refused with the status
	// and code given. None is stored (checked after).
	refusals := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"truncated JSON", `{"event":"birth","data":`, 400, "malformed"},
		{"not JSON", `event=birth`, 400, "malformed"},
		{"empty body", ``, 400, "malformed"},
		{"an array", `[]`, 400, "malformed"},
		{"two values", envelope(valid) + ` {}`, 400, "malformed"},
		{"trailing garbage", envelope(valid) + `]`, 400, "malformed"},
		{"unknown envelope member", `{"event":"birth","data":` + string(valid) + `,"admin":true}`, 400, "malformed"},
		{"event of the wrong type", `{"event":1,"data":{}}`, 400, "malformed"},
		{"unknown event", `{"event":"marriage","data":{}}`, 404, "unknown-event"},
		{"data not an object", `{"event":"birth","data":[1,2]}`, 422, "schema"},
		{"data a string", `{"event":"birth","data":"x"}`, 422, "schema"},
		{"number as a string", envelope(with("child.birthOrder", "one")), 422, "schema"},
		{"integer with a fraction", envelope(with("child.birthOrder", 1.5)), 422, "schema"},
		{"name as a string", envelope(with("child.name", "Ama Tarek")), 422, "schema"},
		{"option not in the list", envelope(with("child.sex", "robot")), 422, "schema"},
		{"boolean as a string", envelope(with("father.known", "no")), 422, "schema"},
		{"date not a date", envelope(with("child.dob", "yesterday")), 422, "schema"},
		{"impossible date", envelope(with("child.dob", "2026-02-30")), 422, "invalid-value"},
		{"impossible month", envelope(with("child.dob", "2026-13-01")), 422, "invalid-value"},
		{"impossible date in another field", envelope(with("mother.dob", "1996-02-30")), 422, "invalid-value"},
		{"date in the future", envelope(with("child.dob", "2099-01-01")), 422, "rule"},
		{"unknown field in data", envelope(with("child.nickname", "Ami")), 422, "schema"},
		{"required field missing", envelope(with("child.sex", nil)), 422, "required"},
		{"name part over 200 characters", envelope(with("child.name", map[string]any{"given": strings.Repeat("a", 201), "family": "T"})), 422, "schema"},
		// Query operators, as a value, as a field id and as a name part: refused by the
		// schema, never near a query.
		{"$gt as a value", envelope(with("child.sex", map[string]any{"$gt": ""})), 422, "schema"},
		{"$gt as a name's value", envelope(with("child.name", map[string]any{"given": map[string]any{"$gt": ""}, "family": "T"})), 422, "schema"},
		{"$gt as a name part", envelope(with("child.name", map[string]any{"$gt": ""})), 422, "schema"},
		{"$gt as a field id", envelope(with("$gt", "")), 422, "schema"},
		{"$where as a field id", envelope(json.RawMessage(`{"$where":"sleep(1000)"}`)), 422, "schema"},
		{"$gt as the event", `{"event":{"$gt":""},"data":{}}`, 400, "malformed"},
		// Documents: the shape {"type", "file"}, and a file the user may attach.
		{"document without a file", envelope(with("documents.motherId", map[string]any{"type": "national-id"})), 422, "schema"},
		{"document as a file name", envelope(with("documents.motherId", map[string]any{"type": "national-id", "file": "id.png"})), 422, "schema"},
		{"document with more", envelope(with("documents.motherId", map[string]any{"type": "national-id", "file": contentAddress(nil), "name": "x"})), 422, "schema"},
		{"document of an unknown kind", envelope(with("documents.motherId", map[string]any{"type": "ID card", "file": contentAddress(nil)})), 422, "schema"},
		{"document as {}", envelope(with("documents.motherId", map[string]any{})), 422, "schema"},
		{"document never uploaded", envelope(with("documents.motherId", map[string]any{"type": "national-id", "file": contentAddress([]byte("nothing"))})), 422, "unknown-document"},
		{"another user's document", envelope(with("documents.motherId", map[string]any{"type": "national-id", "file": contentAddress(sabasFile)})), 422, "unknown-document"},
	}
	for _, c := range refusals {
		a := lidya.must(t, "POST", "/api/v1/records", c.body, "Idempotency-Key", "refused-"+c.name)
		if a.Status != c.status || !contains(a.errorCodes(), c.code) {
			t.Errorf("%s: want %d %s, got %s", c.name, c.status, c.code, a)
		}
		if ct := a.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", c.name, ct)
		}
	}

	// A body over 1 MiB is refused before it is read whole.
	big := envelope(with("child.name", map[string]any{"given": strings.Repeat("A", api.MaxBody), "family": "T"}))
	if a := lidya.must(t, "POST", "/api/v1/records", big); a.Status != http.StatusRequestEntityTooLarge || !contains(a.errorCodes(), "too-large") {
		t.Errorf("a body of %d bytes: want 413, got %s", len(big), a)
	}
	// Just under: read, then refused by the schema for what it is.
	under := envelope(with("registration.registrarNotes", strings.Repeat("n", api.MaxBody-len(envelope(with("registration.registrarNotes", "")))-1)))
	if a := lidya.must(t, "POST", "/api/v1/records", under); a.Status != http.StatusUnprocessableEntity {
		t.Errorf("a body of %d bytes with a note too long: want 422, got %.300s", len(under), a)
	}
	if a := lidya.must(t, "POST", "/api/v1/records", envelope(valid), "Idempotency-Key", strings.Repeat("k", 129)); a.Status != http.StatusBadRequest {
		t.Errorf("an Idempotency-Key of 129 characters: want 400, got %s", a)
	}

	// Search parameters are values, never operators.
	for _, q := range []string{`name={"$gt":""}`, `name[$ne]=x`, `id[$ne]=x`, `status[$ne]=x`, `status={"$ne":null}`, `number[$gt]=`,
		`office[$regex]=.*`, `name=%00`, `name='%20OR%201=1--`} {
		if recs := allRecords(t, national, q); len(recs) != 0 {
			t.Errorf("search %s: %d records in an empty store", q, len(recs))
		}
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=x", "from=2026-1-1", "to=tomorrow", "after=not-a-cursor"} {
		if a := national.must(t, "GET", "/api/v1/records?"+q, nil); a.Status != http.StatusBadRequest {
			t.Errorf("search %s: want 400, got %s", q, a)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d records stored by requests that were all refused", n)
	}

	// Control and invisible characters in names are refused at the name (the rules' text
	// check): no name holds them, and they would print one name as another.
	for _, given := range []string{"A\u0000B", "Ama\u202eKERAT", "\u0007\u001b[31mred"} {
		body := envelope(with("child.name", map[string]any{"given": given, "family": "Tarek"}))
		if a := lidya.must(t, "POST", "/api/v1/records", body); a.Status != http.StatusUnprocessableEntity || !contains(a.errorCodes(), "characters") {
			t.Errorf("given name %q: want 422 characters, got %s", given, a)
		}
	}
	// Markup in names. The payload's schema bounds a name part's length, not its characters:
	// markup is declared and kept as sent. What keeps it inert is the answer: JSON, with < >
	// & escaped, Content-Type application/json and nosniff.
	for _, given := range []string{"<script>alert(1)</script>", "<img src=x onerror=alert(1)>&amp;"} {
		body := envelope(with("child.name", map[string]any{"given": given, "family": "Tarek"}))
		a := lidya.must(t, "POST", "/api/v1/records", body)
		if a.Status != http.StatusCreated {
			t.Errorf("given name %q: %s", given, a)
			continue
		}
		var r record
		a.decode(t, &r)
		got := lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+r.ID, nil)
		list := lidya.expect(t, http.StatusOK, "GET", "/api/v1/records?id="+r.ID, nil)
		for what, ans := range map[string]answer{"declare": a, "get": got, "search": list} {
			if bytes.ContainsAny(ans.Body, "<>&") {
				t.Errorf("given name %q: the %s answer has < > or & unescaped: %s", given, what, ans.Body)
			}
			if ans.Header.Get("X-Content-Type-Options") != "nosniff" || ans.Header.Get("Content-Type") != "application/json" {
				t.Errorf("given name %q: the %s answer's headers: %v", given, what, ans.Header)
			}
		}
		got.decode(t, &r)
		var data struct {
			Name struct{ Given string } `json:"child.name"`
		}
		json.Unmarshal(r.Data, &data)
		if data.Name.Given != given || r.Title != given+" Tarek" {
			t.Errorf("given name %q: kept as %q, titled %q", given, data.Name.Given, r.Title)
		}
	}
	// The error answers that repeat what the client sent escape it too.
	for path, a := range map[string]answer{
		"/api/<script>": lidya.must(t, "GET", "/api/%3Cscript%3E", nil),
		"event <b>":     lidya.must(t, "POST", "/api/v1/records", `{"event":"<b>","data":{}}`),
		"id <b>":        lidya.must(t, "GET", "/api/v1/records/%3Cb%3E", nil),
	} {
		if a.Status != http.StatusNotFound || bytes.ContainsAny(a.Body, "<>") {
			t.Errorf("%s: want 404 with markup escaped, got %s", path, a)
		}
	}

	// Authentication.
	var r record
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", envelope(birthJSON(t))).decode(t, &r)
	for name, s := range map[string]*session{
		"no token":           {base: base},
		"a token of nothing": {base: base, token: "not-a-token"},
		"a forged token":     {base: base, token: strings.Repeat("A", len(lidya.token))},
	} {
		for _, req := range [][2]string{{"GET", "/api/v1/records/" + r.ID}, {"POST", "/api/v1/records"}, {"GET", "/api/v1/me"}} {
			if a := s.must(t, req[0], req[1], envelope(valid)); a.Status != http.StatusUnauthorized || !contains(a.errorCodes(), "unauthenticated") {
				t.Errorf("%s: %s %s: want 401, got %s", name, req[0], req[1], a)
			}
		}
	}
	if a := lidya.must(t, "GET", "/api/v1/me", nil, "Authorization", "Basic bGlkeWE6c29tZS1wYXNzd29yZA=="); a.Status != http.StatusUnauthorized {
		t.Errorf("Basic authentication: want 401, got %s", a)
	}
	// The scheme's name is case-insensitive: "bearer" is Bearer.
	if a := lidya.must(t, "GET", "/api/v1/me", nil, "Authorization", "bearer "+lidya.token); a.Status != http.StatusOK {
		t.Errorf("a lower-case bearer scheme: want 200, got %s", a)
	}
	if a, _ := tryLogin(base, "lidya.verhane", "wrong"); a.Status != http.StatusUnauthorized {
		t.Errorf("a wrong password: want 401, got %s", a)
	}

	// CSRF: the session cookie of a browser is enough to read, not to change anything.
	cookie := sessionCookie(t, base, "lidya.verhane")
	browser := func(method, path, body string, csrf string) answer {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie.token})
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, res.Header, b}
	}
	if a := browser("GET", "/api/v1/records/"+r.ID, "", ""); a.Status != http.StatusOK {
		t.Errorf("cookie, GET: want 200, got %s", a)
	}
	before := count()
	for _, csrf := range []string{"", "wrong", lidya.csrf} { // lidya.csrf is another session's
		if a := browser("POST", "/api/v1/records", envelope(valid), csrf); a.Status != http.StatusForbidden || !contains(a.errorCodes(), "csrf") {
			t.Errorf("cookie, POST with X-CSRF-Token %q: want 403, got %s", csrf, a)
		}
	}
	if a := browser("POST", "/api/v1/records/"+r.ID+"/actions/validate", `{"version":1}`, ""); a.Status != http.StatusForbidden {
		t.Errorf("cookie, action without X-CSRF-Token: want 403, got %s", a)
	}
	if a := browser("POST", "/api/v1/logout", "", ""); a.Status != http.StatusForbidden {
		t.Errorf("cookie, logout without X-CSRF-Token: want 403, got %s", a)
	}
	if n := count(); n != before {
		t.Errorf("refused for CSRF, yet %d records stored", n-before)
	}
	if a := browser("POST", "/api/v1/records", envelope(birthJSON(t)), cookie.csrf); a.Status != http.StatusCreated {
		t.Errorf("cookie with its X-CSRF-Token: want 201, got %s", a)
	}

	// Jurisdiction: outside it, a record does not exist.
	for _, s := range []*session{saba, marta} {
		if a := s.must(t, "GET", "/api/v1/records/"+r.ID, nil); a.Status != http.StatusNotFound || !contains(a.errorCodes(), "not-found") {
			t.Errorf("%s reads a record of CR0101: want 404, got %s", s.user, a)
		}
		if a := s.must(t, "POST", "/api/v1/records/"+r.ID+"/actions/validate", map[string]any{"version": 1}); a.Status != http.StatusNotFound {
			t.Errorf("%s validates a record of CR0101: want 404, got %s", s.user, a)
		}
		if recs := allRecords(t, s, "id="+r.ID); len(recs) != 0 {
			t.Errorf("%s finds a record of CR0101", s.user)
		}
	}
	if a := lidya.must(t, "GET", "/api/v1/records/NOSUCHID00", nil); a.Status != http.StatusNotFound {
		t.Errorf("no such record: want 404, got %s", a)
	}

	// Roles: an action the role is not granted is 403, on a record the user may read.
	var own record
	marta.expect(t, http.StatusCreated, "POST", "/api/v1/records", envelope(birthJSON(t))).decode(t, &own)
	marta.expect(t, http.StatusOK, "GET", "/api/v1/records/"+own.ID, nil)
	for _, c := range []struct {
		s      *session
		id     string
		action string
	}{{marta, own.ID, "validate"}, {marta, own.ID, "register"}, {elsa, r.ID, "validate"}, {elsa, r.ID, "register"}, {lidya, r.ID, "archive"}} {
		if a := c.s.must(t, "POST", "/api/v1/records/"+c.id+"/actions/"+c.action, map[string]any{"version": 1}); a.Status != http.StatusForbidden || !contains(a.errorCodes(), "forbidden") {
			t.Errorf("%s takes %s: want 403, got %s", c.s.user, c.action, a)
		}
	}
	if a := elsa.must(t, "POST", "/api/v1/records", envelope(valid)); a.Status != http.StatusForbidden {
		t.Errorf("a certificate clerk declares: want 403, got %s", a)
	}

	// Versions and the workflow.
	for _, c := range []struct {
		body   string
		action string
		status int
		code   string
	}{
		{`{"version":2}`, "validate", 409, "stale"},
		{`{"version":0}`, "validate", 400, "malformed"},
		{`{}`, "validate", 400, "malformed"},
		{`{"version":"1"}`, "validate", 400, "malformed"},
		{`{"version":1,"force":true}`, "validate", 400, "malformed"},
		{`{"version":1}`, "print", 409, "not-allowed"},
		{`{"version":1}`, "fly", 404, "unknown-action"},
		{`{"version":1}`, "declare", 404, "unknown-action"},
		{`{"version":1,"data":{"child.sex":"robot"}}`, "validate", 422, "schema"},
		{`{"version":1,"data":{"child.sex":"male"}}`, "register", 400, "no-edits"},
	} {
		if a := lidya.must(t, "POST", "/api/v1/records/"+r.ID+"/actions/"+c.action, c.body); a.Status != c.status || !contains(a.errorCodes(), c.code) {
			t.Errorf("%s %s: want %d %s, got %s", c.action, c.body, c.status, c.code, a)
		}
	}
	var after record
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+r.ID, nil).decode(t, &after)
	if after.Version != 1 || after.Status != "declared" {
		t.Errorf("refused actions changed the record: version %d, %s", after.Version, after.Status)
	}

	// The OpenAPI document describes every route of the API.
	checkOpenAPI(t, base)

	// Metrics count requests by route pattern, never by raw path (a series per record ID
	// would grow without bound).
	m := lidya.expect(t, http.StatusOK, "GET", "/metrics", nil)
	if !bytes.Contains(m.Body, []byte(`crvsctl_http_requests_total{route="/api/v1/records/{id}",status="404"}`)) ||
		!bytes.Contains(m.Body, []byte(`crvsctl_http_requests_total{route="/api/v1/records",status="201"}`)) {
		t.Errorf("/metrics lacks crvsctl_http_requests_total by route:\n%.2000s", m.Body)
	}
	if bytes.Contains(m.Body, []byte(r.ID)) {
		t.Errorf("/metrics names a record's tracking ID")
	}

	// Nothing above was a server error.
	if strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%s", log)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sessionCookie logs in as a browser does and returns the session cookie's token and the
// CSRF token the login answered.
func sessionCookie(t *testing.T, base, user string) (c struct{ token, csrf string }) {
	t.Helper()
	res, err := httpClient.Post(base+"/api/v1/login", "application/json",
		strings.NewReader(`{"username":"`+user+`","password":"`+devPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var l struct{ CSRF string }
	if err := json.NewDecoder(res.Body).Decode(&l); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == api.SessionCookie {
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("the session cookie is not HttpOnly and SameSite=Strict: %v", ck)
			}
			c.token = ck.Value
		}
	}
	if c.token == "" {
		t.Fatalf("login set no %s cookie", api.SessionCookie)
	}
	c.csrf = l.CSRF
	return c
}

// routes reads the patterns runtime/api registers, from its source: the routes the server
// has, whatever the OpenAPI document says.
func routes(t *testing.T) []string {
	t.Helper()
	// Every file of the API: routes are registered in api.go and beside their handlers
	// (users.go).
	files, err := filepath.Glob("../api/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, routesIn(f)...)
	}
	if len(out) < 10 {
		t.Fatalf("found %d routes in runtime/api: has Routes changed shape? %v", len(out), out)
	}
	return out
}

// routesIn are the patterns a file's HandleFunc and Handle calls register.
func routesIn(f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			p, _ := strconv.Unquote(lit.Value)
			out = append(out, p)
		}
		return true
	})
	return out
}

var routePattern = regexp.MustCompile(`^(GET|POST|PUT|DELETE|PATCH) (/\S*)$`)

func checkOpenAPI(t *testing.T, base string) {
	t.Helper()
	a := (&session{base: base}).expect(t, http.StatusOK, "GET", "/api/openapi.json", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(a.Body, &doc); err != nil {
		t.Fatalf("/api/openapi.json is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, r := range routes(t) {
		m := routePattern.FindStringSubmatch(r)
		switch {
		case m == nil:
			continue // the catch-all of unknown endpoints
		case m[2] == "/api/openapi.json":
			continue // the document does not describe itself
		}
		if !documented[r] {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
		delete(documented, r)
	}
	for op := range documented {
		t.Errorf("the OpenAPI document describes %s, which is no route", op)
	}
}
