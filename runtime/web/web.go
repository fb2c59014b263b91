// Package web serves the registrars' pages: HTML rendered on the server from the bundle, in
// the user's language, that works without JavaScript. A small script (static/app.js, with the
// rules' own evaluator) adds the form's rules as the registrar types, keeps a declaration in
// progress on the device, and sends a declaration typed offline when the connection returns.
//
// Every page goes through the same service as the API (runtime/records): what a page offers is
// decided there, and decided again when it is posted.
package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"

	xlanguage "golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// LanguageCookie holds the language a user chose.
const LanguageCookie = "crvsctl_lang"

// Server serves the pages.
type Server struct {
	Records *records.Service
	Auth    *auth.Authenticator
	// Users are the users in the store: callers are read from it at each request, and
	// administrators manage them (users.go). Nil: the bundle's users, without administration.
	Users         *users.Directory
	Catalog       *i18n.Catalog
	SecureCookies bool
	Log           *slog.Logger
	// Keys are the public keys the verification page checks certificates' seals with.
	Keys *seal.Keyring

	once    sync.Once
	pages   map[string]*template.Template
	statics map[string]static // by name, and by versioned name
	placeIx *placeIndex
	// blankForms holds blank declaration forms, rendered (see formHTML): at most maxBlank
	// (some 50 KB each), emptied when full, which a new day's keys soon make it.
	blankMu    sync.Mutex
	blankForms map[blankKey]template.HTML
}

const maxBlank = 256

// static is a file of static/, compressed once, served under a name that changes with its
// content so that browsers may keep it for a year.
type static struct {
	name, versioned, contentType string
	plain, gzipped               []byte
}

func (s *Server) init() {
	s.once.Do(func() {
		s.placeIx = newPlaceIndex(s.Records.Model.Bundle)
		s.statics = map[string]static{}
		add := func(name string, content []byte) {
			sum := sha256.Sum256(content)
			ext := path.Ext(name)
			st := static{name: name, versioned: strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext,
				contentType: map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}[ext],
				plain:       content}
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(content)
			zw.Close()
			st.gzipped = b.Bytes()
			s.statics[name], s.statics[st.versioned] = st, st
		}
		files, _ := fs.Glob(staticFS, "static/*")
		for _, f := range files {
			b, _ := staticFS.ReadFile(f)
			add(path.Base(f), b)
		}
		add("rules.js", rules.JavaScript)

		funcs := template.FuncMap{
			"static": func(name string) string { return "/static/" + s.statics[name].versioned },
		}
		base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/fields.html"))
		s.pages = map[string]*template.Template{}
		pages, _ := fs.Glob(templateFS, "templates/*.html")
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if name == "layout" || name == "fields" {
				continue
			}
			s.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, p))
		}
	})
}

// Routes adds the pages to mux. The API keeps /api; the pages take the rest.
func (s *Server) Routes(mux *http.ServeMux) {
	s.init()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	s.secondFactorRoutes(mux)
	mux.HandleFunc("POST /logout", s.page(s.logout))
	mux.HandleFunc("POST /language", s.language)
	mux.HandleFunc("GET /work", s.page(s.work))
	mux.HandleFunc("GET /search", s.page(s.search))
	mux.HandleFunc("GET /records/{id}", s.page(s.record))
	mux.HandleFunc("POST /records/{id}/actions/{action}", s.page(s.act))
	mux.HandleFunc("GET /records/{id}/duplicates", s.page(s.duplicates))
	mux.HandleFunc("POST /records/{id}/assign", s.page(s.assign))
	mux.HandleFunc("POST /records/{id}/release", s.page(s.release))
	mux.HandleFunc("GET /records/{id}/edit/{action}", s.page(s.editPage))
	mux.HandleFunc("POST /records/{id}/edit/{action}", s.filesPage(s.edit))
	mux.HandleFunc("GET /declare/{event}", s.page(s.declarePage))
	mux.HandleFunc("POST /declare/{event}", s.filesPage(s.declare))
	mux.HandleFunc("GET /places", s.page(s.places))
	mux.HandleFunc("GET /statistics", s.page(s.statisticsHome))
	mux.HandleFunc("GET /statistics/{event}", s.page(s.statistics))
	mux.HandleFunc("GET /statistics/{event}/{file}", s.page(s.statisticsExport))
	mux.HandleFunc("POST /queues/{event}/{action}/print", s.page(s.printQueue))
	s.userRoutes(mux)
	mux.HandleFunc("GET /verify", s.verifyPage)
	mux.HandleFunc("POST /verify", s.verifyPage)
	mux.HandleFunc("GET /static/{name}", s.static)
	s.auditRoutes(mux)
	s.outboxRoutes(mux)
}

// request is what every page of a logged-in user knows.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	lang    string
	actor   *records.Actor
	user    *store.User // as the store holds them; nil without Server.Users
	session *store.Session
	names   map[string]string // users' names read for the page (nameOf)
}

// view is what the layout shows around every page.
type view struct {
	Lang, Dir string
	Languages []language
	Title     string
	User      *records.Actor
	RoleLabel string
	CSRF      string
	Path      string
	Events    []eventLink // the events the user may declare
	Stats     bool        // the user reads statistics
	Admin     bool        // the user administers users
	Audit     bool        // the user reads the audit log
	Outbox    bool        // the user administers the outbox (outbox.Administers)
	Flash     string
	t         func(key string, args ...string) string
}

type language struct {
	Code, Name string
	Current    bool
}

type eventLink struct{ ID, Label string }

// T translates a key in the page's language; the templates call it as {{.T "ui.logout"}}.
func (v view) T(key string, args ...string) string { return v.t(key, args...) }

// lang is the language of a request: the one chosen, else Accept-Language, else the default.
func (s *Server) lang(r *http.Request) string {
	chosen := ""
	if c, err := r.Cookie(LanguageCookie); err == nil {
		chosen = c.Value
	}
	return s.Catalog.Match(chosen, r.Header.Get("Accept-Language"))
}

func (s *Server) newView(lang, title string, rq *request) view {
	v := view{Lang: lang, Dir: "ltr", Title: title, t: func(key string, args ...string) string { return s.Catalog.Text(lang, key, args...) }}
	if i18n.RightToLeft(lang) {
		v.Dir = "rtl"
	}
	for _, l := range s.Catalog.Languages() {
		v.Languages = append(v.Languages, language{Code: l, Name: display.Self.Name(xlanguage.Make(l)), Current: l == lang})
	}
	if rq != nil {
		v.User, v.CSRF, v.Path = rq.actor, rq.session.CSRF, rq.r.URL.RequestURI()
		v.RoleLabel = s.Catalog.Text(lang, rq.actor.Role.Label)
		for _, ev := range s.Records.Model.Bundle.Events {
			if s.Records.CanDeclare(rq.actor, ev.ID) {
				v.Events = append(v.Events, eventLink{ev.ID, s.Catalog.Text(lang, ev.Label)})
			}
		}
		v.Stats = len(s.Records.StatisticsEvents(rq.actor)) > 0
		v.Admin = s.Users != nil && users.Administers(rq.actor)
		v.Audit = rq.actor.Role.AuditLog
		v.Outbox = outbox.Administers(rq.actor)
		if c, err := rq.r.Cookie("crvsctl_flash"); err == nil {
			v.Flash, _ = url.QueryUnescape(c.Value)
			http.SetCookie(rq.w, &http.Cookie{Name: "crvsctl_flash", Path: "/", MaxAge: -1})
		}
	}
	return v
}

// render writes a page. Pages are small and rendered into a buffer first, so that a template
// error is a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, "layout", data); err != nil {
		s.Log.Error("page failed", "page", page, "err", err)
		http.Error(w, "the page could not be shown; it has been logged", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	writeCompressed(w, r, status, b.Bytes())
}

// writeCompressed gzips a body for a client that takes it: a form page is mostly repeated
// markup, which compresses seven to one. The writers are pooled: each holds a compressor's
// tables, too large to make for every page.
func writeCompressed(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) || len(body) < 1024 {
		w.WriteHeader(status)
		w.Write(body)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzipLevel)
	return zw
}}

// gzipLevel: the birth form page is 7.7 KB at this level, rendered in 0.9 ms; 7.4 KB at the
// default level (6), in 1.4 ms; 9.2 KB at the fastest (1), in 0.8 ms.
const gzipLevel = 4

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	st, ok := s.statics[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", st.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.PathValue("name") == st.versioned {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		w.Write(st.gzipped)
		return
	}
	w.Write(st.plain)
}

// Limits of what a form may send. Every body is bounded before it is read, and a page's form
// before its CSRF token is checked, so that nobody (logged in or not) can make the server
// read, keep in memory or spill to disk more than these.
const (
	// maxPreSessionForm: the login and language forms, read before anyone is known.
	maxPreSessionForm = 8 << 10
	// maxForm: a form without files (an action with its comment; a declaration or a
	// correction sent without its files), read before its CSRF token is checked.
	maxForm = 256 << 10
	// maxFilesForm: a declaration or a correction with its documents, ten of the largest at
	// most, read only once the CSRF token (its first field) is checked.
	maxFilesForm = 10*store.MaxDocumentSize + 1<<20
	// maxFormMemory: of a form with files, what is kept in memory; files beyond it wait
	// on disk while the form is handled, and are removed after.
	maxFormMemory = 32 << 20
)

// readForm reads a posted form, within limit, into r.PostForm (and r.MultipartForm), and
// checks its CSRF token (the field csrf) with check. It answers 0 when the form is read and
// its token good, else the status to refuse it with: 403 a token missing or wrong, 413 a body
// over the limit, 415 a body of another type, 400 one that cannot be read.
//
// A form is urlencoded, read whole within limit and then checked. Where files is true, it
// may be multipart: then its first part must be the CSRF token (the forms put it first, and
// browsers send fields in order); only once that is checked are the other parts read, within
// maxFilesForm. Multipart is refused elsewhere, so that no form's files are ever spilled to
// disk before the user is known.
func readForm(w http.ResponseWriter, r *http.Request, limit int64, files bool, check func(token string) bool) int {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseForm(); err != nil {
			return readStatus(err)
		}
		if !check(r.PostForm.Get("csrf")) {
			return http.StatusForbidden
		}
		return 0
	case mt == "multipart/form-data" && files:
		r.Body = http.MaxBytesReader(w, r.Body, maxFilesForm)
		mr, err := r.MultipartReader()
		if err != nil {
			return http.StatusBadRequest
		}
		first, err := mr.NextPart()
		if err != nil {
			return readStatus(err)
		}
		if first.FormName() != "csrf" {
			return http.StatusForbidden
		}
		token, err := io.ReadAll(io.LimitReader(first, 256))
		if err != nil {
			return readStatus(err)
		}
		if !check(string(token)) {
			return http.StatusForbidden
		}
		form, err := mr.ReadForm(maxFormMemory)
		if err != nil {
			return readStatus(err)
		}
		form.Value["csrf"] = []string{string(token)}
		r.MultipartForm, r.PostForm = form, url.Values(form.Value)
		r.Form = url.Values{}
		for k, v := range r.URL.Query() {
			r.Form[k] = v
		}
		for k, v := range r.PostForm {
			r.Form[k] = append(r.Form[k], v...)
		}
		return 0
	}
	return http.StatusUnsupportedMediaType
}

// readStatus is the status of a refusal to read a form: 413 past its limit, else 400.
func readStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// page requires a session cookie: without one, the login page, coming back here after. A
// POST must come from this site and carry the session's CSRF token in its form, a form of a
// few fields (see readForm).
func (s *Server) page(h func(*request)) http.HandlerFunc {
	return s.guard(h, false)
}

// filesPage is page for a form that may carry files (multipart).
func (s *Server) filesPage(h func(*request)) http.HandlerFunc {
	return s.guard(h, true)
}

func (s *Server) guard(h func(*request), files bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(users.WithMemo(r.Context())) // the session check and the actor read the user once
		rq := &request{w: w, r: r, lang: s.lang(r)}
		c, err := r.Cookie(api.SessionCookie)
		if err == nil {
			rq.session, err = s.Auth.Session(r.Context(), c.Value)
		}
		if err != nil {
			if !errors.Is(err, auth.ErrUnauthenticated) && !errors.Is(err, http.ErrNoCookie) {
				s.fail(rq, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			}
			return
		}
		if r.Method == http.MethodPost {
			status := http.StatusForbidden
			if auth.SameOrigin(r) {
				status = readForm(w, r, maxForm, files, func(token string) bool { return auth.CheckCSRF(rq.session, token) })
			}
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
			switch status {
			case 0:
			case http.StatusForbidden:
				s.problem(rq, http.StatusForbidden, "ui.error.csrf")
				return
			default:
				s.problem(rq, status, "ui.error.badRequest")
				return
			}
		}
		if s.Users == nil {
			var ok bool
			if rq.actor, ok = s.Records.Model.ActorFor(rq.session.User); !ok {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
		} else {
			var err error
			if rq.actor, rq.user, err = s.Users.Actor(r.Context(), rq.session.User); err != nil {
				if errors.Is(err, users.ErrUnknown) || errors.Is(err, users.ErrInactive) || errors.Is(err, users.ErrStale) {
					http.Redirect(w, r, "/login", http.StatusSeeOther)
					return
				}
				s.fail(rq, err)
				return
			}
			// A user whose password an administrator reset sets a new one before anything else.
			if rq.user.MustChangePassword && r.URL.Path != "/password" && r.URL.Path != "/logout" {
				http.Redirect(w, r, "/password", http.StatusSeeOther)
				return
			}
		}
		// A user whose role requires a second factor enrols one before anything else.
		if must, err := s.mustEnrol(r.Context(), rq); err != nil {
			s.fail(rq, err)
			return
		} else if must {
			http.Redirect(w, r, "/second-factor", http.StatusSeeOther)
			return
		}
		h(rq)
	}
}

// localPath tells whether p may be redirected to after logging in or choosing a language: a
// path of this site, nothing a browser could read as another. It is the one place that decides.
// Browsers drop tabs and newlines anywhere in a URL and control characters and spaces at its
// ends, and read a backslash as a slash: "/\t/evil.example" is "//evil.example" to them, another
// site. So p must start with a single "/", and hold nothing but printable ASCII (what a
// browser sends is percent-encoded), no backslash, and no more than 2,000 bytes. Encoded, a
// backslash, a control character or a second leading slash are refused too: harmless to a
// browser, they are what an attack looks like, and no page of the site has them.
func localPath(p string) bool {
	if len(p) == 0 || len(p) > 2000 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	if lower := strings.ToLower(p); strings.HasPrefix(lower, "/%2f") || strings.HasPrefix(lower, "/%5c") || hostileEscape.MatchString(lower) {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

// hostileEscape matches, in lower case, an encoded backslash or control character.
var hostileEscape = regexp.MustCompile(`%(5c|[01][0-9a-f]|7f)`)

// localOr is p when it is a local path, else the work page.
func localOr(p string) string {
	if localPath(p) {
		return p
	}
	return "/work"
}

// problem shows an error page in the user's language.
func (s *Server) problem(rq *request, status int, key string) {
	var v view
	if rq.session != nil && rq.actor != nil {
		v = s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.error.title"), rq)
	} else {
		v = s.anonView(rq.w, rq.r, rq.lang, s.Catalog.Text(rq.lang, "ui.error.title"))
	}
	s.render(rq.w, rq.r, status, "problem", struct {
		view
		Message string
	}{v, s.Catalog.Text(rq.lang, key)})
}

// fail shows what a refusal of the service means, or logs a failure and says so.
func (s *Server) fail(rq *request, err error) {
	var re *records.Error
	if errors.As(err, &re) {
		switch re.Kind {
		case records.NotFound:
			s.problem(rq, http.StatusNotFound, "ui.error.notFound")
			return
		case records.Forbidden:
			s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
			return
		case records.Conflict:
			s.problem(rq, http.StatusConflict, "ui.error.conflict")
			return
		case records.BadRequest, records.Invalid:
			s.problem(rq, http.StatusBadRequest, "ui.error.badRequest")
			return
		}
	}
	s.Log.Error("page failed", "method", rq.r.Method, "path", rq.r.URL.Path, "err", err)
	s.problem(rq, http.StatusInternalServerError, "ui.error.server")
}

// flash is a message shown once, on the next page (after a redirect).
func flash(w http.ResponseWriter, text string) {
	http.SetCookie(w, &http.Cookie{Name: "crvsctl_flash", Value: url.QueryEscape(text), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/work", http.StatusSeeOther)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, "")
}

// anonView is the view of a page shown without a session: its forms (the language's, the
// login's) carry the pre-session CSRF token.
func (s *Server) anonView(w http.ResponseWriter, r *http.Request, lang, title string) view {
	v := s.newView(lang, title, nil)
	v.CSRF = auth.PreSessionCSRF(w, r, api.Secure(r, s.SecureCookies))
	return v
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	lang := s.lang(r)
	v := s.anonView(w, r, lang, s.Catalog.Text(lang, "ui.login.title"))
	// What the form posted, if it was read (see preSessionForm): never read here, where the
	// body may be anything from anywhere.
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	s.render(w, r, status, "login", struct {
		view
		Next, Username, Problem string
	}{v, localOr(next), r.PostForm.Get("username"), problem})
}

// preSessionForm reads a form posted before anyone is known (login, language): from this
// site, urlencoded, a few kilobytes, with the pre-session CSRF token, or the session's when
// there is one. It answers 0 or the status it refused the form with (see readForm).
func (s *Server) preSessionForm(w http.ResponseWriter, r *http.Request) int {
	if !auth.SameOrigin(r) {
		return http.StatusForbidden
	}
	secure := api.Secure(r, s.SecureCookies)
	return readForm(w, r, maxPreSessionForm, false, func(token string) bool {
		if auth.CheckPreSessionCSRF(r, secure, token) {
			return true
		}
		c, err := r.Cookie(api.SessionCookie)
		if err != nil {
			return false
		}
		sess, err := s.Auth.Session(r.Context(), c.Value)
		return err == nil && auth.CheckCSRF(sess, token)
	})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	switch status := s.preSessionForm(w, r); status {
	case 0:
	case http.StatusForbidden:
		// A cross-site login, or a page shown before the cookie was: the form again, with
		// the token (given now if it was missing).
		s.showLogin(w, r, http.StatusForbidden, s.Catalog.Text(lang, "ui.error.csrf"))
		return
	default:
		http.Error(w, http.StatusText(status), status)
		return
	}
	token, sess, err := s.Auth.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), s.Auth.ClientAddr(r))
	switch {
	case errors.Is(err, auth.ErrSecondFactorRequired):
		s.askCode(w, r, token)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		s.showLogin(w, r, http.StatusUnauthorized, s.Catalog.Text(lang, "ui.login.failed"))
		return
	case errors.Is(err, auth.ErrRateLimited):
		s.showLogin(w, r, http.StatusTooManyRequests, s.Catalog.Text(lang, "ui.login.limited"))
		return
	case errors.Is(err, context.Canceled):
		return // the browser went away while the login waited
	case err != nil:
		s.Log.Error("login failed", "err", err)
		s.showLogin(w, r, http.StatusInternalServerError, s.Catalog.Text(lang, "ui.error.server"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: token, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: api.Secure(r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, localOr(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) logout(rq *request) {
	if c, err := rq.r.Cookie(api.SessionCookie); err == nil {
		if err := s.Auth.Logout(rq.r.Context(), c.Value); err != nil {
			s.fail(rq, err)
			return
		}
	}
	http.SetCookie(rq.w, &http.Cookie{Name: api.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: api.Secure(rq.r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	http.Redirect(rq.w, rq.r, "/login", http.StatusSeeOther)
}

// language keeps the language chosen for a year and goes back to the page it was chosen on.
func (s *Server) language(w http.ResponseWriter, r *http.Request) {
	if status := s.preSessionForm(w, r); status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	lang := r.PostForm.Get("lang")
	if s.Catalog.Match(lang, "") != lang {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LanguageCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: api.Secure(r, s.SecureCookies), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localOr(r.PostForm.Get("back")), http.StatusSeeOther)
}

// when shows a time in the country's time zone, its date written out in the language ("1er mars
// 2024 à 14:05"), as people read it, not ISO.
func (s *Server) when(lang string, t time.Time) string {
	t = t.In(s.Records.Model.Loc)
	return s.Catalog.Text(lang, "date.at", "date", s.Catalog.LongDate(lang, t.Format(time.DateOnly)), "time", t.Format("15:04"))
}
