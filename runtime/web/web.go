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
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
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
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// LanguageCookie holds the language a user chose.
const LanguageCookie = "crvsctl_lang"

// Server serves the pages.
type Server struct {
	Records       *records.Service
	Auth          *auth.Authenticator
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
	mux.HandleFunc("POST /logout", s.page(s.logout))
	mux.HandleFunc("POST /language", s.language)
	mux.HandleFunc("GET /work", s.page(s.work))
	mux.HandleFunc("GET /search", s.page(s.search))
	mux.HandleFunc("GET /records/{id}", s.page(s.record))
	mux.HandleFunc("POST /records/{id}/actions/{action}", s.page(s.act))
	mux.HandleFunc("GET /records/{id}/edit/{action}", s.page(s.editPage))
	mux.HandleFunc("POST /records/{id}/edit/{action}", s.page(s.edit))
	mux.HandleFunc("GET /declare/{event}", s.page(s.declarePage))
	mux.HandleFunc("POST /declare/{event}", s.page(s.declare))
	mux.HandleFunc("GET /places", s.page(s.places))
	mux.HandleFunc("POST /queues/{event}/{action}/print", s.page(s.printQueue))
	mux.HandleFunc("GET /verify", s.verifyPage)
	mux.HandleFunc("POST /verify", s.verifyPage)
	mux.HandleFunc("GET /static/{name}", s.static)
}

// request is what every page of a logged-in user knows.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	lang    string
	actor   *records.Actor
	session *store.Session
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

// page requires a session cookie: without one, the login page, coming back here after. A
// POST must carry the session's CSRF token in its form and come from this site.
func (s *Server) page(h func(*request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
			// A declaration's form carries its documents: ten of the largest at most.
			r.Body = http.MaxBytesReader(w, r.Body, 10*store.MaxDocumentSize+1<<20)
		}
		if r.Method == http.MethodPost && (!sameOrigin(r) || !auth.CheckCSRF(rq.session, r.PostFormValue("csrf"))) {
			s.problem(rq, http.StatusForbidden, "ui.error.csrf")
			return
		}
		var ok bool
		if rq.actor, ok = s.Records.Model.ActorFor(rq.session.User); !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h(rq)
	}
}

// sameOrigin: a browser says where a POST comes from; one from another site is refused even
// before its CSRF token is looked at.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == "" // no Origin: an old browser or a test client; "null": a sandboxed frame
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// problem shows an error page in the user's language.
func (s *Server) problem(rq *request, status int, key string) {
	v := s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.error.title"), nil)
	if rq.session != nil && rq.actor != nil {
		v = s.newView(rq.lang, v.Title, rq)
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

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	lang := s.lang(r)
	v := s.newView(lang, s.Catalog.Text(lang, "ui.login.title"), nil)
	next := r.FormValue("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		next = "/work" // only a path of this site: never a redirect elsewhere
	}
	s.render(w, r, status, "login", struct {
		view
		Next, Username, Problem string
	}{v, next, r.PostFormValue("username"), problem})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site login refused", http.StatusForbidden)
		return
	}
	lang := s.lang(r)
	token, sess, err := s.Auth.Login(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), r.RemoteAddr)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.showLogin(w, r, http.StatusUnauthorized, s.Catalog.Text(lang, "ui.login.failed"))
		return
	case errors.Is(err, auth.ErrRateLimited):
		s.showLogin(w, r, http.StatusTooManyRequests, s.Catalog.Text(lang, "ui.login.limited"))
		return
	case err != nil:
		s.Log.Error("login failed", "err", err)
		s.showLogin(w, r, http.StatusInternalServerError, s.Catalog.Text(lang, "ui.error.server"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: token, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: api.Secure(r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	next := r.PostFormValue("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		next = "/work"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
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
	lang := r.PostFormValue("lang")
	if !sameOrigin(r) || s.Catalog.Match(lang, "") != lang {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LanguageCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: api.Secure(r, s.SecureCookies), SameSite: http.SameSiteLaxMode})
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/work"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// when shows a time in the country's time zone.
func (s *Server) when(t time.Time) string {
	return t.In(s.Records.Model.Loc).Format("2006-01-02 15:04")
}
