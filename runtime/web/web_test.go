package web_test

// The pages over HTTP, as a browser without JavaScript uses them: forms posted, redirects
// followed, cookies kept. The browser tests (browser_test.go) drive a real Chromium.

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

const password = "web-test-password"

// site is crvsctl serve on the example country, in process, on a fresh store.
type site struct {
	t       testing.TB
	url     string
	handler http.Handler
}

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteIn(t, t.TempDir())
}

// logTo is where the sites' servers log: CRVSCTL_TEST_LOG=1 shows it.
var logTo = func() io.Writer {
	if os.Getenv("CRVSCTL_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}()

// newSiteIn serves nerovia from the embedded store in dir.
func newSiteIn(t testing.TB, dir string) *site {
	t.Helper()
	return newPackageSite(t, "../../countries/nerovia", dir)
}

// newPackageSite serves the country package pkg from the embedded store in dir, every user's
// password set to password.
func newPackageSite(t testing.TB, pkg, dir string) *site {
	t.Helper()
	b, diags := compiler.Build(pkg)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", pkg, diags)
	}
	st, err := sqlitestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := server.SeedPasswords(t.Context(), st, b, password); err != nil {
		t.Fatal(err)
	}
	key, err := seal.GenerateKey("NV-TEST-1", "2020-01-01", "2099-12-31", "Nerovia")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewTextHandler(logTo, nil)), server.Signing{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, url: ts.URL, handler: srv.Handler()}
}

// user is a browser without JavaScript: cookies kept, redirects followed.
type user struct {
	s        *site
	c        *http.Client
	lang     string
	status   int
	page     string
	at       string // the URL of the page, after redirects
	location string // where a redirect not followed goes
	header   http.Header
}

func (s *site) browser(lang string) *user {
	jar, _ := cookiejar.New(nil)
	return &user{s: s, c: &http.Client{Jar: jar}, lang: lang}
}

func (s *site) login(username, lang string) *user {
	s.t.Helper()
	u := s.browser(lang)
	u.get("/login")
	u.post("/login", url.Values{"username": {username}, "password": {password}, "next": {"/work"}, "csrf": {u.csrf()}})
	if u.status != 200 || !strings.HasSuffix(u.at, "/work") {
		s.t.Fatalf("login %s: %d at %s\n%s", username, u.status, u.at, u.page)
	}
	return u
}

func (u *user) do(req *http.Request) {
	u.s.t.Helper()
	if u.lang != "" {
		req.Header.Set("Accept-Language", u.lang)
	}
	res, err := u.c.Do(req)
	if err != nil {
		u.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	u.status, u.page, u.at, u.location, u.header = res.StatusCode, string(b), res.Request.URL.String(), res.Header.Get("Location"), res.Header
}

func (u *user) get(path string) {
	u.s.t.Helper()
	req, _ := http.NewRequest("GET", u.s.url+path, nil)
	u.do(req)
}

func (u *user) post(path string, form url.Values) {
	u.s.t.Helper()
	req, _ := http.NewRequest("POST", u.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the session's token, from the page shown.
func (u *user) csrf() string {
	m := csrfInput.FindStringSubmatch(u.page)
	if m == nil {
		u.s.t.Fatalf("no csrf token in the page at %s", u.at)
	}
	return m[1]
}

// has fails the test unless the page contains each text.
func (u *user) has(texts ...string) {
	u.s.t.Helper()
	for _, s := range texts {
		if !strings.Contains(u.page, s) {
			u.s.t.Errorf("the page at %s (%d) lacks %q", u.at, u.status, s)
		}
	}
}

func (u *user) lacks(texts ...string) {
	u.s.t.Helper()
	for _, s := range texts {
		if strings.Contains(u.page, s) {
			u.s.t.Errorf("the page at %s (%d) has %q", u.at, u.status, s)
		}
	}
}

// birth is a complete birth declaration as the form posts it: a home birth, the mother without
// an identity document, so that no document is asked for.
func birth(given, family string) url.Values {
	return url.Values{
		"child.name.given": {given}, "child.name.family": {family},
		"child.sex": {"female"}, "child.dob": {"2026-11-01"}, "child.typeOfBirth": {"single"},
		"child.birthOrder": {"1"}, "child.weight": {"3,2"}, "child.attendant": {"relative-or-friend"},
		"child.placeType": {"home"}, "child.birthDistrict": {"NV0101"}, "child.birthVillage": {"NV01010101"},
		"mother.name.given": {"Selam"}, "mother.name.family": {family},
		"mother.dob": {"1996-04-12"}, "mother.nationality": {"nerovian"}, "mother.idType": {"none"},
		"mother.maritalStatus": {"single"}, "mother.residence": {"NV01010101"},
		"father.known":           {"false"},
		"informant.relationship": {"mother"}, "informant.attestation": {"true"},
	}
}

var recordURL = regexp.MustCompile(`/records/([0-9A-Z]{10})$`)

// declare posts a birth through the form and returns the record's tracking ID.
func (u *user) declare(form url.Values) string {
	u.s.t.Helper()
	u.get("/declare/birth")
	form.Set("csrf", u.csrf())
	form.Set("key", fmt.Sprint(len(u.page), form.Get("child.name.given")))
	u.post("/declare/birth", form)
	m := recordURL.FindStringSubmatch(u.at)
	if u.status != 200 || m == nil {
		u.s.t.Fatalf("declare: %d at %s\n%s", u.status, u.at, problems(u.page))
	}
	return m[1]
}

var errorText = regexp.MustCompile(`<p class="error" id="e-([^"]+)">([^<]+)</p>`)

// problems is the fields' problems a form page shows, to say why a test failed.
func problems(page string) string {
	var out []string
	for _, m := range errorText.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1]+": "+m[2])
	}
	return strings.Join(out, "\n")
}

func TestLogin(t *testing.T) {
	s := newSite(t)
	u := s.browser("fr-FR,fr;q=0.9")
	u.get("/work")
	if !strings.Contains(u.at, "/login?next=%2Fwork") {
		t.Fatalf("a page without a session: at %s", u.at)
	}
	u.has(`<html lang="fr"`, "Connexion", "Mot de passe")
	u.post("/login", url.Values{"username": {"lidya.verhane"}, "password": {"wrong"}, "next": {"/search"}, "csrf": {u.csrf()}})
	if u.status != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", u.status)
	}
	u.has("Nom d&#39;utilisateur ou mot de passe incorrect.")
	u.post("/login", url.Values{"username": {"lidya.verhane"}, "password": {password}, "next": {"/search"}, "csrf": {u.csrf()}})
	if !strings.HasSuffix(u.at, "/search") {
		t.Errorf("after login: at %s", u.at)
	}
}

// noRedirects is a client that shows a redirect rather than follow it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestNeverRedirectedElsewhere: after logging in (next) or choosing a language (back), a
// browser is sent to a path of this site, whatever the form or the link carried.
func TestNeverRedirectedElsewhere(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	for _, target := range hostileTargets {
		// The value a link to the login page carries, shown in the form as a path of the site.
		v := s.browser("")
		v.get("/login?next=" + url.QueryEscape(target))
		if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(v.page); m == nil || m[1] != "/work" {
			t.Errorf("/login?next=%q: the form carries %q", target, m)
		}
		v.c.CheckRedirect = noRedirects.CheckRedirect
		v.post("/login", url.Values{"username": {"lidya.verhane"}, "password": {password}, "next": {target}, "csrf": {v.csrf()}})
		if loc := v.location; v.status != http.StatusSeeOther || loc != "/work" {
			t.Errorf("login with next %q: %d to %q", target, v.status, loc)
		}
		u.c.CheckRedirect = noRedirects.CheckRedirect
		u.get("/search")
		u.post("/language", url.Values{"lang": {"en"}, "back": {target}, "csrf": {u.csrf()}})
		if loc := u.location; u.status != http.StatusSeeOther || loc != "/work" {
			t.Errorf("language with back %q: %d to %q", target, u.status, loc)
		}
		u.c.CheckRedirect = nil
	}
	// A path of the site, with its query, is kept.
	v := s.browser("")
	v.get("/login?next=" + url.QueryEscape("/search?name=ama+tarek&status=declared"))
	v.post("/login", url.Values{"username": {"lidya.verhane"}, "password": {password}, "next": {formOf(v.page).Get("next")}, "csrf": {v.csrf()}})
	if !strings.HasSuffix(v.at, "/search?name=ama+tarek&status=declared") {
		t.Errorf("after login with a local next: at %s", v.at)
	}
}

// hostileTargets are where a forged link or form may try to send a browser after login: each
// another site to some browser, or nonsense.
var hostileTargets = []string{
	"https://evil.example/", "http:evil.example", "//evil.example/", `/\evil.example`, `\\evil.example`,
	"/\t/evil.example/", "\t//evil.example/", "/\n/evil.example", "/\r/evil.example", " //evil.example", "/ /evil.example",
	"/\x00/evil.example", "/\x7f/evil.example", "/\u00a0/evil.example", "javascript:alert(1)", "evil.example", "",
	"/%5c" + `\evil.example`, "/" + strings.Repeat("a", 3000),
}

// TestLoginCSRF: the login form carries a token its browser holds in a cookie; a login posted
// without it, with another browser's, or from another site is refused and opens no session.
func TestLoginCSRF(t *testing.T) {
	s := newSite(t)
	attacker := s.browser("en")
	attacker.get("/login")
	theirs := attacker.csrf()
	for name, c := range map[string]struct {
		token, origin string
		visit         bool // the victim's browser showed the login page first
	}{
		"no token":                {"", "", true},
		"no cookie":               {theirs, "", false},
		"another browser's token": {theirs, "", true},
		"from another site":       {"", "https://evil.example", true},
	} {
		v := s.browser("en")
		token := c.token
		if c.visit {
			v.get("/login")
			if c.origin != "" {
				token = v.csrf()
			}
		}
		req, _ := http.NewRequest("POST", s.url+"/login", strings.NewReader(url.Values{"username": {"lidya.verhane"}, "password": {password}, "csrf": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		v.do(req)
		if v.status != http.StatusForbidden {
			t.Errorf("%s: %d at %s", name, v.status, v.at)
		}
		base, _ := url.Parse(s.url)
		for _, ck := range v.c.Jar.Cookies(base) {
			if ck.Name == "crvsctl_session" {
				t.Errorf("%s: a session cookie was set", name)
			}
		}
	}
	// The language form of a page without a session carries the token too.
	v := s.browser("en")
	v.get("/login")
	v.post("/language", url.Values{"lang": {"fr"}})
	if v.status != http.StatusForbidden {
		t.Errorf("language without its token: %d", v.status)
	}
	v.post("/language", url.Values{"lang": {"fr"}, "csrf": {theirs}})
	if v.status != http.StatusForbidden {
		t.Errorf("language with another browser's token: %d", v.status)
	}
	v.get("/login")
	v.post("/language", url.Values{"lang": {"fr"}, "csrf": {v.csrf()}})
	v.has(`<html lang="fr"`)
}

func TestLanguage(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "am")
	u.has(`<html lang="am"`, "ሥራዬ")
	u.post("/language", url.Values{"lang": {"fr"}, "back": {"/search"}, "csrf": {u.csrf()}})
	if !strings.HasSuffix(u.at, "/search") {
		t.Errorf("after choosing: at %s", u.at)
	}
	u.has(`<html lang="fr"`, "Recherche")
	u.post("/language", url.Values{"lang": {"xx"}, "csrf": {u.csrf()}})
	if u.status != http.StatusBadRequest {
		t.Errorf("an unknown language: %d", u.status)
	}
}

// TestDeclareWithoutJavaScript: the form is posted, refused with every problem on its field in
// the registrar's language, fixed, and stored once however often it is sent.
func TestDeclareWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "fr")
	u.get("/declare/birth")
	if u.status != 200 {
		t.Fatalf("declare page: %d", u.status)
	}
	u.has("Nom de l&#39;enfant", `name="child.name.given"`, `name="key"`)

	form := birth("Ama", "Tarek")
	form.Del("child.sex")
	form.Set("child.weight", "trois")
	form.Set("child.birthVillage", "Nowhere at all")
	form.Set("csrf", u.csrf())
	form.Set("key", "form-1")
	u.post("/declare/birth", form)
	if u.status != http.StatusUnprocessableEntity {
		t.Fatalf("an incomplete declaration: %d at %s", u.status, u.at)
	}
	got := problems(u.page)
	for _, want := range []string{"child.weight: Écrivez un nombre", "child.birthVillage: Aucun lieu de ce nom"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	// What was typed is kept, to be fixed rather than typed again.
	u.has(`value="trois"`, `value="Nowhere at all"`, `value="Tarek"`)

	form.Set("child.weight", "3,2")
	form.Set("child.birthVillage", "babro, velmora old town") // as the English list writes it, carelessly
	u.post("/declare/birth", form)
	if u.status != http.StatusUnprocessableEntity || !strings.Contains(problems(u.page), "child.sex: Une réponse est obligatoire.") {
		t.Fatalf("a declaration without the child's sex: %d\n%s", u.status, problems(u.page))
	}

	form.Set("child.sex", "female")
	u.post("/declare/birth", form)
	m := recordURL.FindStringSubmatch(u.at)
	if m == nil {
		t.Fatalf("declared: at %s (%d)\n%s", u.at, u.status, problems(u.page))
	}
	u.has("Déclaration envoyée", m[1], "Ama Tarek", "3,2 kg", "1er novembre 2026") // numbers and dates as French writes them
	// Sent again (a double click, a retry): the same record.
	u.post("/declare/birth", form)
	if again := recordURL.FindStringSubmatch(u.at); again == nil || again[1] != m[1] {
		t.Errorf("sent twice: at %s, first %s", u.at, m[1])
	}
	u.get("/search?name=ama+tarek")
	if n := strings.Count(u.page, `href="/records/`); n != 1 {
		t.Errorf("%d records found, want 1", n)
	}
}

// TestRegisterFromTheRecordPage: the record page offers each user the actions they may take,
// and the server refuses the others whatever is posted.
func TestRegisterFromTheRecordPage(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "en") // hospital clerk at HF001
	id := clerk.declare(birth("Kofi", "Mensah"))
	clerk.lacks(`action="/records/` + id + `/actions/register"`)
	form := url.Values{"csrf": {clerk.csrf()}, "version": {"1"}}
	clerk.post("/records/"+id+"/actions/register", form)
	if clerk.status != http.StatusForbidden {
		t.Errorf("a clerk registering: %d", clerk.status)
	}

	registrar := s.login("lidya.verhane", "en")
	registrar.get("/work")
	registrar.has(id, "Kofi Mensah")
	registrar.get("/records/" + id)
	registrar.has(`action="/records/`+id+`/actions/validate"`, `action="/records/`+id+`/actions/register"`)
	// A rejection needs its reason.
	registrar.post("/records/"+id+"/actions/reject", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	if registrar.status != http.StatusUnprocessableEntity {
		t.Errorf("a rejection without a reason: %d", registrar.status)
	}
	registrar.post("/records/"+id+"/actions/register", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	registrar.has("Done: Register", "B-2026-CR0101-000001")
	// A page shown before the registration is stale now.
	registrar.post("/records/"+id+"/actions/print", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}})
	if registrar.status != http.StatusConflict {
		t.Errorf("an action on a stale page: %d", registrar.status)
	}
}

func TestForgedPosts(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	id := u.declare(birth("Saba", "Haile"))
	u.post("/records/"+id+"/actions/validate", url.Values{"version": {"1"}})
	if u.status != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", u.status)
	}
	u.get("/records/" + id)
	req, _ := http.NewRequest("POST", s.url+"/records/"+id+"/actions/validate",
		strings.NewReader(url.Values{"version": {"1"}, "csrf": {u.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	u.do(req)
	if u.status != http.StatusForbidden {
		t.Errorf("from another site: %d", u.status)
	}
	u.get("/records/" + id)
	u.has(`id="status">Declared<`)
}

// TestMarkupIsText: a name with markup is shown as text on every page.
func TestMarkupIsText(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	id := u.declare(birth(`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`))
	for _, path := range []string{"/records/" + id, "/work", "/search?name=script"} {
		u.get(path)
		u.lacks("<script>alert", "<img src=x")
		u.has("&lt;script&gt;alert(1)&lt;/script&gt;")
	}
}

// TestInvisibleCharactersRefused: a name holding a right-to-left override (which makes two
// different names print alike) comes back on its field, in the user's language, not stored.
func TestInvisibleCharactersRefused(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "fr")
	u.get("/declare/birth")
	form := birth("Ama\u202eTarek", "Tarek")
	form.Set("csrf", u.csrf())
	form.Set("key", "invisible-1")
	u.post("/declare/birth", form)
	if u.status != http.StatusUnprocessableEntity {
		t.Fatalf("a name with U+202E: %d at %s", u.status, u.at)
	}
	if got, want := problems(u.page), "child.name: Cette réponse contient un caractère invisible"; !strings.Contains(got, want) {
		t.Errorf("problems lack %q:\n%s", want, got)
	}
}

func TestPlaces(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	u.get("/places?event=birth&field=child.birthDistrict&q=velm")
	if u.status != 200 || !strings.Contains(u.page, `"code":"NV0101"`) {
		t.Errorf("districts beginning with velm: %d %s", u.status, u.page)
	}
	// Only places the field takes: a district field offers no village.
	u.get("/places?event=birth&field=child.birthDistrict&q=NV01010101")
	if u.page != "[]" {
		t.Errorf("a village for a district: %s", u.page)
	}
	u.get("/places?event=birth&field=child.name&q=a")
	if u.status != http.StatusNotFound {
		t.Errorf("not a location field: %d", u.status)
	}
}

// BenchmarkDeclarePage renders the birth declaration page for a logged-in registrar, in the
// server alone (no connection, no client): the session read, the form's rules evaluated, the
// page written and compressed.
func BenchmarkDeclarePage(b *testing.B) {
	s := newSite(b)
	u := s.login("lidya.verhane", "fr")
	req := httptest.NewRequest("GET", "/declare/birth", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	base, _ := url.Parse(s.url)
	for _, c := range u.c.Jar.Cookies(base) {
		req.AddCookie(c)
	}
	size := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// postMultipart posts a form with files, as a browser sends the declaration form, each named
// after its field.
func (u *user) postMultipart(path string, form url.Values, files map[string][]byte) {
	u.s.t.Helper()
	named := map[string]namedFile{}
	for field, data := range files {
		named[field] = namedFile{field + ".pdf", data}
	}
	u.postFiles(path, form, named)
}

// namedFile is a file a form sends, with the name the user's computer gives it.
type namedFile struct {
	name string
	data []byte
}

// postFiles posts a form with files, as a browser sends the declaration form.
func (u *user) postFiles(path string, form url.Values, files map[string]namedFile) {
	u.s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", form.Get("csrf")) // first, as in the forms, and as the server wants it
	for k, vs := range form {
		if k == "csrf" {
			continue
		}
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, _ := w.CreateFormFile(field, f.name)
		fw.Write(f.data)
	}
	w.Close()
	req, _ := http.NewRequest("POST", u.s.url+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	u.do(req)
}

// aPDF is the smallest file that is a PDF to a browser's sniffing.
var aPDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// TestDocumentsWithoutJavaScript: files sent with the form are attached, kept when the form
// comes back with problems, refused when they are not documents, and readable from the record.
func TestDocumentsWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	u.get("/declare/birth")
	form := birth("Liya", "Papers")
	form.Set("mother.idType", "national-id") // her identity document is asked for
	form.Set("mother.nid", "1234567890")
	form.Set("csrf", u.csrf())
	form.Set("key", "papers-1")
	form.Del("child.sex")
	u.postMultipart("/declare/birth", form, map[string][]byte{"documents.motherId": aPDF, "documents.other": []byte("just text")})
	if u.status != http.StatusUnprocessableEntity {
		t.Fatalf("without the child's sex: %d at %s", u.status, u.at)
	}
	got := problems(u.page)
	if !strings.Contains(got, "documents.other: documents.other.pdf cannot be attached") {
		t.Errorf("a text file attached: problems\n%s", got)
	}
	if strings.Contains(got, "documents.motherId") {
		t.Errorf("the PDF is refused:\n%s", got)
	}
	u.has("Attached: documents.motherId.pdf")
	m := regexp.MustCompile(`name="documents.motherId.file" value="(sha256:[0-9a-f]{64})"`).FindStringSubmatch(u.page)
	if m == nil {
		t.Fatalf("the attached file is not carried by the form")
	}
	// Sent again with what the page carries, the file is not sent twice.
	form.Set("child.sex", "female")
	form.Set("documents.motherId.file", m[1])
	u.postMultipart("/declare/birth", form, nil)
	if recordURL.FindStringSubmatch(u.at) == nil {
		t.Fatalf("declared: at %s (%d)\n%s", u.at, u.status, problems(u.page))
	}
	u.has(`href="/api/v1/documents/` + m[1] + `"`)
	u.get("/api/v1/documents/" + m[1])
	if u.status != 200 || u.page != string(aPDF) {
		t.Errorf("the document read back: %d, %d bytes", u.status, len(u.page))
	}
}

// TestDocumentNamedByItsUpload: a file whose bytes someone else uploaded first, under a name
// of their own, is shown to its user under the name they gave it, on the form and the record's
// link; a registrar who reads it through the record gets the declarer's name; neither ever sees
// the first uploader's, and nobody else reads the file at all.
func TestDocumentNamedByItsUpload(t *testing.T) {
	s := newSite(t)
	const secret = "tomas-private-letter.pdf"
	disposition := func(u *user) string {
		_, params, _ := mime.ParseMediaType(u.header.Get("Content-Disposition"))
		return params["filename"]
	}
	// tomas uploads the bytes first, on a form he leaves with a problem.
	tomas := s.login("tomas.ekwaro", "en")
	tomas.get("/declare/birth")
	form := birth("Ayana", "Shared")
	form.Set("mother.idType", "national-id")
	form.Set("mother.nid", "1234567890")
	form.Del("child.sex")
	form.Set("csrf", tomas.csrf())
	form.Set("key", "shared-1")
	tomas.postFiles("/declare/birth", form, map[string]namedFile{"documents.motherId": {secret, aPDF}})
	tomas.has("Attached: " + secret)

	// lidya sends the same bytes under her name.
	lidya := s.login("lidya.verhane", "en")
	lidya.get("/declare/birth")
	form.Set("csrf", lidya.csrf())
	form.Set("key", "shared-2")
	lidya.postFiles("/declare/birth", form, map[string]namedFile{"documents.motherId": {"card.pdf", aPDF}})
	if lidya.status != http.StatusUnprocessableEntity {
		t.Fatalf("without the child's sex: %d at %s", lidya.status, lidya.at)
	}
	lidya.has("Attached: card.pdf")
	lidya.lacks("tomas")
	m := regexp.MustCompile(`name="documents.motherId.file" value="(sha256:[0-9a-f]{64})"`).FindStringSubmatch(lidya.page)
	if m == nil {
		t.Fatalf("the attached file is not carried by the form")
	}
	id := m[1]
	form.Set("child.sex", "female")
	form.Set("documents.motherId.file", id)
	lidya.postFiles("/declare/birth", form, nil)
	rec := recordURL.FindStringSubmatch(lidya.at)
	if rec == nil {
		t.Fatalf("declared: at %s (%d)\n%s", lidya.at, lidya.status, problems(lidya.page))
	}
	lidya.lacks("tomas")

	for _, c := range []struct {
		who  *user
		name string
	}{
		{lidya, "card.pdf"}, // her own upload
		{tomas, secret},     // his own upload
		{s.login("fenna.albrecq", "en"), "card.pdf"}, // the district, through lidya's record
	} {
		c.who.get("/api/v1/documents/" + id)
		if c.who.status != 200 || c.who.page != string(aPDF) {
			t.Errorf("%s reads the document: %d, %d bytes", c.who.at, c.who.status, len(c.who.page))
		}
		if got := disposition(c.who); got != c.name {
			t.Errorf("the document is named %q to a reader, want %q (%s)", got, c.name, c.who.header.Get("Content-Disposition"))
		}
	}
	// Someone who neither uploaded the bytes nor reads a record of them reads nothing.
	other := s.login("daniel.morvesh", "en")
	other.get("/api/v1/documents/" + id)
	if other.status != http.StatusNotFound || strings.Contains(other.page, "tomas") {
		t.Errorf("a district registrar elsewhere reads the document: %d %s", other.status, other.page)
	}
}

var inputValue = regexp.MustCompile(`name="([^"]+)" value="([^"]*)"`)

// formOf is the values a page's form would post: its inputs' values, the options checked or
// selected (enough for the tests' forms: no textarea content).
func formOf(page string) url.Values {
	v := url.Values{}
	for _, m := range inputValue.FindAllStringSubmatch(page, -1) {
		if m[2] != "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	for _, m := range regexp.MustCompile(`type="radio" name="([^"]+)" value="([^"]+)" checked`).FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	for _, m := range regexp.MustCompile(`(?s)<select id="i-[^"]+" name="([^"]+)"[^>]*>.*?</select>`).FindAllStringSubmatch(page, -1) {
		if sel := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindStringSubmatch(m[0]); sel != nil {
			v.Set(m[1], sel[1])
		}
	}
	return v
}

// TestCorrectionOnTheForm: a correction is asked for on the record's form, filled with its
// answers; what was changed is proposed, and applied when the district approves it.
func TestCorrectionOnTheForm(t *testing.T) {
	s := newSite(t)
	local := s.login("lidya.verhane", "en")
	id := local.declare(birth("Nahom", "Girma"))
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	local.has("Done: Register")
	local.has(`href="/records/` + id + `/edit/request-correction"`)
	local.lacks(`action="/records/` + id + `/actions/request-correction"`) // a link, not a button

	local.get("/records/" + id + "/edit/request-correction")
	if local.status != 200 {
		t.Fatalf("the correction form: %d", local.status)
	}
	local.has(`value="Nahom"`, `value="3.2"`)
	form := formOf(local.page)
	// Nothing changed: refused, nothing to decide.
	form.Set("comment", "the hospital's card")
	local.post("/records/"+id+"/edit/request-correction", form)
	if local.status != http.StatusUnprocessableEntity {
		t.Fatalf("a correction of nothing: %d", local.status)
	}
	local.has("Nothing was changed")
	form.Set("child.weight", "3.4")
	stale := url.Values{}
	for k, v := range form {
		stale[k] = v
	}
	stale.Set("version", "1") // the form of the record before its registration
	local.post("/records/"+id+"/edit/request-correction", stale)
	if local.status != http.StatusConflict {
		t.Errorf("a correction from a stale form: %d", local.status)
	}
	local.post("/records/"+id+"/edit/request-correction", form)
	local.has("Done: Request a correction", "Weight at birth: 3.2 kg → 3.4 kg", "the hospital&#39;s card")

	district := s.login("fenna.albrecq", "en")
	district.get("/records/" + id)
	district.assign(id) // nerovia's corrections are decided by the registrar who holds the record
	district.post("/records/"+id+"/actions/approve-correction", url.Values{"csrf": {district.csrf()}, "version": {"3"}})
	district.has("Done: Approve the correction")
	if !regexp.MustCompile(`<dt>Weight at birth</dt><dd>3.4 kg</dd>`).MatchString(district.page) {
		t.Errorf("the correction is not applied:\n%s", district.page)
	}
}

// TestSecureCookies: behind an HTTPS proxy the session cookie is Secure; on plain HTTP it
// cannot be (the browser would never send it back).
func TestSecureCookies(t *testing.T) {
	s := newSite(t)
	for proto, want := range map[string]bool{"https": true, "": false} {
		// The login page gives its CSRF cookie, of a name only HTTPS may set when it is.
		req, _ := http.NewRequest("GET", s.url+"/login", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		pre := res.Cookies()
		wantName := map[bool]string{true: "__Host-crvsctl_login", false: "crvsctl_login"}[want]
		if len(pre) != 1 || pre[0].Name != wantName || pre[0].Secure != want || !pre[0].HttpOnly || pre[0].SameSite != http.SameSiteStrictMode || pre[0].Path != "/" {
			t.Fatalf("X-Forwarded-Proto %q: the login page's cookies %+v", proto, pre)
		}
		csrf := csrfInput.FindStringSubmatch(string(page))
		if csrf == nil || csrf[1] != pre[0].Value {
			t.Fatalf("X-Forwarded-Proto %q: the form's token %q is not the cookie's", proto, csrf)
		}
		req, _ = http.NewRequest("POST", s.url+"/login", strings.NewReader(url.Values{"username": {"lidya.verhane"}, "password": {password}, "csrf": {csrf[1]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(pre[0])
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		res, err = http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if c := res.Cookies(); len(c) != 1 || c[0].Secure != want || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
			t.Errorf("X-Forwarded-Proto %q: cookies %+v, want Secure %v", proto, c, want)
		}
	}
}

// TestDraftsTakenUp: a declaration saved as a draft on the server (by the form's script) is
// listed on the work page, opens in the form with its answers, and is gone once declared.
func TestDraftsTakenUp(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "en")
	csrf := u.csrf()
	draft := `{"event":"birth","data":{"child.name":{"given":"Tsion","family":"Draft"},"child.weight":3.1}}`
	req, _ := http.NewRequest("PUT", s.url+"/api/v1/drafts/DRAFT42", strings.NewReader(draft))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	u.do(req)
	if u.status != 200 {
		t.Fatalf("saving a draft: %d %s", u.status, u.page)
	}
	u.get("/work")
	u.has("Declarations in progress", `href="/declare/birth?draft=DRAFT42"`, "Tsion Draft")
	u.get("/declare/birth?draft=DRAFT42")
	u.has(`value="Tsion"`, `value="3.1"`, `name="key" value="DRAFT42"`)
	u.get("/declare/birth?draft=nobody")
	if u.status != http.StatusNotFound {
		t.Errorf("an unknown draft: %d", u.status)
	}
	// Declared (here without the script), the draft is done with.
	u.get("/declare/birth?draft=DRAFT42")
	form := birth("Tsion", "Draft")
	form.Set("csrf", u.csrf())
	form.Set("key", "DRAFT42")
	u.post("/declare/birth", form)
	if recordURL.FindStringSubmatch(u.at) == nil {
		t.Fatalf("declared: at %s\n%s", u.at, problems(u.page))
	}
	u.get("/work")
	u.lacks("DRAFT42")
}

// rawSchemaText is what the service's English says of a refusal (JSON Schema's, its own
// checks'): none of it may reach a page.
var rawSchemaText = []string{"does not match", "maximum:", "minimum:", "got ", "want ", "is not a day", "value must be", "an answer is required", "not a field of the form"}

// TestEveryProblemAtOnceInFrench: a French form posted without its script with several bad
// answers, of every kind the server refuses, comes back with all of them at once, each in
// French (the package's message where it gives one), and none in the service's English.
// TestCountedProblemsInAmharic: without the script, the problems with a number are plural
// messages formatted on the server in the user's language.
func TestCountedProblemsInAmharic(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "am")
	u.get("/declare/birth")
	form := birth("Ama", strings.Repeat("T", 201))
	form.Set("child.birthOrder", "30")
	form.Set("csrf", u.csrf())
	form.Set("key", "counted-am")
	u.post("/declare/birth", form)
	got := problems(u.page)
	for _, want := range []string{"child.name: ቢበዛ 200 ፊደላት ይጻፉ።", "child.birthOrder: ቢበዛ 25 የሆነ ቁጥር ይጻፉ።"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

func TestEveryProblemAtOnceInFrench(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "fr")
	u.get("/declare/birth")
	form := birth("Ama", "Tarek")
	form.Del("child.sex")                                    // required
	form.Set("child.weight", "9")                            // over the maximum: the package's message
	form.Set("child.birthOrder", "30")                       // over the maximum: no message of the package
	form.Set("child.gestationWeeks", "38,5")                 // not a whole number
	form.Set("child.attendant", "robot")                     // not an option
	form.Set("mother.idType", "national-id")                 // ...
	form.Set("mother.nid", "0123")                           // not the identity number's pattern
	form.Set("mother.dob", "1996-02-30")                     // not a day of the calendar
	form.Set("mother.name.family", strings.Repeat("T", 201)) // longer than a name part
	form.Set("csrf", u.csrf())
	form.Set("key", "bad-1")
	want := map[string]string{
		"child.sex":            "Une réponse est obligatoire.",
		"child.weight":         "Le poids à la naissance doit être compris entre 0,3 et 7 kg.",
		"child.birthOrder":     "Écrivez un nombre d&#39;au plus 25.",
		"child.gestationWeeks": "Écrivez un nombre entier.",
		"child.attendant":      "Choisissez l&#39;une des réponses proposées.",
		"mother.nid":           "Cette réponse n&#39;a pas la forme attendue",
		"mother.dob":           "Écrivez une date du calendrier.",
		"mother.name":          "Écrivez au plus 200 caractères.",
		"documents.motherId":   "Une réponse est obligatoire.", // a national identity card is shown
	}
	check := func(round string) {
		t.Helper()
		if u.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d at %s", round, u.status, u.at)
		}
		got := problems(u.page)
		for id, msg := range want {
			if !strings.Contains(got, id+": "+msg) {
				t.Errorf("%s: problems lack %s: %s\n%s", round, id, msg, got)
			}
		}
		u.lacks(rawSchemaText...)
	}
	u.post("/declare/birth", form)
	check("the service's problems")
	if n := strings.Count(problems(u.page), "\n") + 1; n != len(want) {
		t.Errorf("%d problems shown, want %d:\n%s", n, len(want), problems(u.page))
	}

	// With an answer the form itself cannot read (a weight in words), every other problem is
	// told with it, not one round after.
	form.Set("child.weight", "trois")
	want["child.weight"] = "Écrivez un nombre"
	u.post("/declare/birth", form)
	check("with a number unread")
	if strings.Contains(problems(u.page), "child.weight: Une réponse est obligatoire") {
		t.Errorf("a weight typed but unread is also said missing:\n%s", problems(u.page))
	}
}

// TestDefaults: a new declaration's form starts from the package's defaults (a single birth,
// Nerovian parents, the father living with the mother), written in the page so that they hold
// without the script too; an answer given only by its default is the user's to change or clear;
// and the form of a record (a correction) shows the record's answers, not the defaults.
func TestDefaults(t *testing.T) {
	s := newSite(t)
	u := s.login("lidya.verhane", "fr")
	u.get("/declare/birth")
	defaults := []string{`<option value="single" selected>`, `<option value="nerovian" selected>`,
		`name="father.sameAddress" value="true" checked>`}
	u.has(defaults...)
	form := formOf(u.page)
	for _, name := range []string{"child.typeOfBirth", "mother.nationality", "father.nationality", "father.sameAddress"} {
		if form.Get(name) == "" {
			t.Errorf("the new form posts no %s", name)
		}
	}
	// Twice: the blank form is kept once rendered, with its defaults.
	u.get("/declare/birth")
	u.has(defaults...)

	// Changed, and cleared: the user's answers, not the defaults again.
	post := birth("Ama", "Tarek")
	post.Set("child.typeOfBirth", "twin")
	post.Set("child.multipleBirthOrder", "2")
	post.Set("mother.nationality", "")
	post.Set("csrf", u.csrf())
	post.Set("key", "defaults-1")
	u.post("/declare/birth", post)
	if got := problems(u.page); u.status != http.StatusUnprocessableEntity || !strings.Contains(got, "mother.nationality: Une réponse est obligatoire.") {
		t.Fatalf("a nationality cleared: %d\n%s", u.status, got)
	}
	if got := formOf(u.page).Get("child.typeOfBirth"); got != "twin" {
		t.Errorf("the type of birth chosen, shown again: %q, want twin", got)
	}
	post.Set("mother.nationality", "ardossian")
	u.post("/declare/birth", post)
	id := recordURL.FindStringSubmatch(u.at)
	if id == nil {
		t.Fatalf("declared: %d at %s\n%s", u.status, u.at, problems(u.page))
	}
	u.has("Jumeaux") // as chosen

	// The record's form: its answers; the father (unknown) has no nationality, default or not.
	u.post("/records/"+id[1]+"/actions/register", url.Values{"csrf": {u.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	u.get("/records/" + id[1] + "/edit/request-correction")
	if u.status != 200 {
		t.Fatalf("the correction form: %d", u.status)
	}
	if f := formOf(u.page); f.Get("child.typeOfBirth") != "twin" || f.Get("mother.nationality") != "ardossian" {
		t.Errorf("the correction form: type of birth %q, nationality %q, want the record's", f.Get("child.typeOfBirth"), f.Get("mother.nationality"))
	}
	if f := formOf(u.page); f.Get("father.nationality") != "" {
		t.Errorf("the correction form gives the father a nationality: %q", f.Get("father.nationality"))
	}
	u.lacks(`name="father.sameAddress" value="true" checked>`)
}

// TestSearchBox: the search page finds a tracking ID and a registration number typed in lower
// case with spaces around, and a name with one typo.
func TestSearchBox(t *testing.T) {
	s := newSite(t)
	clerk := s.login("marta.oyelund", "en")
	id := clerk.declare(birth("Kofi", "Dubreuil"))
	registrar := s.login("lidya.verhane", "en")
	registrar.post("/records/"+id+"/actions/register", url.Values{"csrf": {registrar.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	registrar.has("B-2026-CR0101-000001")
	for _, typed := range []string{"id=" + id, "id=" + url.QueryEscape(" "+strings.ToLower(id)+" "),
		"id=B-2026-CR0101-000001", "id=" + url.QueryEscape(" b-2026-cr0101-000001 "), "name=kofi+dubreil", "name=DUBREIL"} {
		registrar.get("/search?" + typed)
		if n := strings.Count(registrar.page, `href="/records/`+id); n != 1 {
			t.Errorf("%s: %d links to the record, want 1", typed, n)
		}
	}
	registrar.get("/search?name=kofi+dubril")
	registrar.lacks(`href="/records/` + id)
}

// assign assigns a record to the user from its page's button, as actions that need it ask.
func (u *user) assign(id string) {
	u.s.t.Helper()
	u.get("/records/" + id)
	u.post("/records/"+id+"/assign", url.Values{"csrf": {u.csrf()}})
	if u.status != http.StatusOK || !strings.Contains(u.page, `id="held"`) {
		u.s.t.Fatalf("assign %s: %d at %s\n%s", id, u.status, u.at, u.page)
	}
}
