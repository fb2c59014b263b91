// Package api is the runtime's HTTP API under /api/v1, described by the OpenAPI document at
// /api/openapi.json. It translates: requests into calls of runtime/records and runtime/auth,
// their answers and refusals into JSON. Every refusal is {"errors":[{"path","code","message"}]}
// with its status: 400 malformed, 401 not logged in, 403 not granted, 404 not found (or not
// within the user's jurisdiction), 409 stale version or action not allowed now, 413 too large,
// 415 a document of a type not accepted, 422 invalid declaration, 429 too many logins.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// MaxBody is the largest request body: a declaration with its texts is a few kilobytes.
const MaxBody = 1 << 20

// MaxLoginBody is the largest body of a login, read before anyone is known: a username and a
// password (at most auth.MaxPasswordLen) in JSON.
const MaxLoginBody = 8 << 10

// SessionCookie is the name of the session cookie of browsers.
const SessionCookie = "crvsctl_session"

// Server is the API.
type Server struct {
	Records *records.Service
	Auth    *auth.Authenticator
	// Users are the users in the store, callers read from it at each request; nil: the
	// bundle's users (tests of the API alone).
	Users *users.Directory
	Log   *slog.Logger
	// SecureCookies sets the Secure attribute on every cookie; without it, a cookie is Secure
	// when its request came over HTTPS (see Secure).
	SecureCookies bool
	// Keys are the public keys certificates' seals are checked with: published at KeysPath,
	// used by POST /api/v1/verify.
	Keys *seal.Keyring
	// OSIA serves OSIA's Data Access and Notification interfaces under /osia/v1; nil: not
	// served.
	OSIA *osia.Service

	oa openAPIDoc
}

// Routes registers the API's handlers on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/login", s.login)
	mux.HandleFunc("POST /api/v1/logout", s.authed(s.logout))
	mux.HandleFunc("GET /api/v1/me", s.authed(s.me))
	mux.HandleFunc("GET /api/v1/events", s.authed(s.events))
	mux.HandleFunc("GET /api/v1/events/{event}/schema", s.authed(s.eventSchema))
	mux.HandleFunc("POST /api/v1/records", s.authed(s.declare))
	mux.HandleFunc("GET /api/v1/records", s.authed(s.search))
	mux.HandleFunc("GET /api/v1/records/{id}", s.authed(s.get))
	mux.HandleFunc("POST /api/v1/records/{id}/actions/{action}", s.authed(s.act))
	mux.HandleFunc("GET /api/v1/records/{id}/duplicates", s.authed(s.duplicates))
	mux.HandleFunc("POST /api/v1/records/{id}/assign", s.authed(s.assign))
	mux.HandleFunc("POST /api/v1/records/{id}/release", s.authed(s.release))
	mux.HandleFunc("GET /api/v1/statistics/{event}", s.authed(s.statistics))
	mux.HandleFunc("GET /api/v1/queues", s.authed(s.queues))
	mux.HandleFunc("GET /api/v1/queues/{event}/{action}", s.authed(s.queue))
	mux.HandleFunc("POST /api/v1/queues/{event}/{action}/print", s.authed(s.printQueue))
	mux.HandleFunc("POST /api/v1/verify", s.verify)
	mux.HandleFunc("POST "+HookResultPath, s.hookResult)
	mux.HandleFunc("GET "+KeysPath, s.keys)
	mux.HandleFunc("GET /api/v1/drafts", s.authed(s.drafts))
	mux.HandleFunc("GET /api/v1/drafts/{id}", s.authed(s.draft))
	mux.HandleFunc("PUT /api/v1/drafts/{id}", s.authed(s.saveDraft))
	mux.HandleFunc("DELETE /api/v1/drafts/{id}", s.authed(s.deleteDraft))
	mux.HandleFunc("POST /api/v1/documents", s.authed(s.uploadDocument))
	mux.HandleFunc("GET /api/v1/documents/{id}", s.authed(s.document))
	s.userRoutes(mux)
	mux.HandleFunc("GET /api/v1/audit", s.authed(s.auditLog))
	mux.HandleFunc("GET /api/v1/audit/export", s.authed(s.auditExport))
	s.secondFactorRoutes(mux)
	s.osiaRoutes(mux)
	s.outboxRoutes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "not-found", "no such API endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// Secure tells whether a cookie set in answer to r must be Secure: always when forced, else
// when r came over TLS, to crvsctl itself or to a proxy in front of it that says so
// (X-Forwarded-Proto). A client that lies about it only makes its own cookie unusable over
// plain HTTP.
func Secure(r *http.Request, force bool) bool {
	return force || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// errorBody is every refusal's JSON.
type errorBody struct {
	Errors []records.Detail `json:"errors"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // names with markup stay inert even in a careless page
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, path, code, message string) {
	writeJSON(w, status, errorBody{Errors: []records.Detail{{Path: path, Code: code, Message: message}}})
}

// fail answers with the refusal err carries, or logs an unexpected error and answers 500
// without its details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re *records.Error
	switch {
	case errors.As(err, &re):
		status := map[records.Kind]int{records.BadRequest: 400, records.Forbidden: 403, records.NotFound: 404,
			records.Conflict: 409, records.Invalid: 422, records.TooLarge: 413, records.Unsupported: 415,
			records.Unavailable: 503, records.BadGateway: 502}[re.Kind]
		writeJSON(w, status, errorBody{Errors: re.Details})
	case errors.Is(err, errTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "", "too-large", "the request body is larger than this endpoint takes")
	case errors.Is(err, context.Canceled):
		// the client went away
	default:
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "", "internal", "the server could not do this; it has been logged")
	}
}

var errTooLarge = errors.New("request body too large")

// decode reads a JSON request body into v strictly: one object, no unknown members, at most
// MaxBody bytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeAtMost(w, r, v, MaxBody)
}

// decodeAtMost is decode with a limit of its own.
func decodeAtMost(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	if err != nil {
		return &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Code: "malformed", Message: "cannot read the request body"}}}
	}
	if err := records.CheckJSONText(body); err != nil {
		return &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Code: "malformed", Message: "the body is not JSON text: " + err.Error()}}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Code: "malformed", Message: "the body is not the JSON expected: " + err.Error()}}}
	}
	// Anything but white space after the value: dec.More would miss a stray ] or }.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Code: "malformed", Message: "the body holds more than one JSON value"}}}
	}
	return nil
}

// caller is the user a request is made by.
type caller struct {
	actor   *records.Actor
	user    *store.User // as the store holds them; nil without Server.Users
	session *store.Session
	token   string
}

type handler func(w http.ResponseWriter, r *http.Request, c *caller)

// authed requires a session: a bearer token (API clients) or the session cookie (browsers).
// A request that changes something with the cookie must carry the session's CSRF token in
// X-CSRF-Token, since a browser sends cookies with requests other sites make it send.
func (s *Server) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie := "", false
		// The scheme's name is case-insensitive (RFC 9110, 11.1).
		if scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(t)
		} else if c, err := r.Cookie(SessionCookie); err == nil {
			token, fromCookie = c.Value, true
		}
		if token == "" {
			writeError(w, http.StatusUnauthorized, "", "unauthenticated", "log in first")
			return
		}
		r = r.WithContext(users.WithMemo(r.Context())) // the session check and the actor read the user once
		sess, err := s.Auth.Session(r.Context(), token)
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				writeError(w, http.StatusUnauthorized, "", "unauthenticated", "the session has ended: log in again")
				return
			}
			s.fail(w, r, err)
			return
		}
		if fromCookie && r.Method != http.MethodGet && r.Method != http.MethodHead && !auth.CheckCSRF(sess, r.Header.Get("X-CSRF-Token")) {
			writeError(w, http.StatusForbidden, "", "csrf", "the request lacks this session's X-CSRF-Token")
			return
		}
		c := &caller{session: sess, token: token}
		if s.Users == nil {
			var ok bool
			if c.actor, ok = s.Records.Model.ActorFor(sess.User); !ok {
				writeError(w, http.StatusUnauthorized, "", "unauthenticated", "the user is no longer in the bundle")
				return
			}
		} else {
			var err error
			if c.actor, c.user, err = s.Users.Actor(r.Context(), sess.User); err != nil {
				if errors.Is(err, users.ErrUnknown) || errors.Is(err, users.ErrInactive) || errors.Is(err, users.ErrStale) {
					writeError(w, http.StatusUnauthorized, "", "unauthenticated", "the user may no longer log in: "+err.Error())
					return
				}
				s.fail(w, r, err)
				return
			}
			// A user whose password an administrator reset changes it before anything else.
			if c.user.MustChangePassword && !passwordChangeRoutes[r.Pattern] {
				writeError(w, http.StatusForbidden, "", "password-change-required",
					"set a new password first: POST /api/v1/me/password with the current one")
				return
			}
		}
		// A user whose role requires a second factor enrols one before anything else.
		if !passwordChangeRoutes[r.Pattern] && !enrolmentRoutes[r.Pattern] {
			if must, err := s.mustEnrol(r.Context(), c); err != nil {
				s.fail(w, r, err)
				return
			} else if must {
				writeError(w, http.StatusForbidden, "", "second-factor-enrolment-required",
					"your role requires a second factor: enrol one first (POST /api/v1/me/second-factor)")
				return
			}
		}
		h(w, r, c)
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token   string    `json:"token"`
	CSRF    string    `json:"csrf"`
	Expires time.Time `json:"expires"`
	User    userInfo  `json:"user"`
	// PasswordChangeRequired: an administrator reset the password; every endpoint but
	// POST /api/v1/me/password (and me, logout) answers 403 password-change-required until
	// the user sets a new one.
	PasswordChangeRequired bool `json:"passwordChangeRequired,omitempty"`
	// SecondFactorEnrolmentRequired: the user's role requires a second factor they have not
	// enrolled; every endpoint but enrolmentRoutes answers 403 until they do.
	SecondFactorEnrolmentRequired bool `json:"secondFactorEnrolmentRequired,omitempty"`
}

type userInfo struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Office   string `json:"office"`
}

// decodeLogin reads the body of a step of a login (login, loginCode) into v, or answers a
// refusal and gives false. Read before anyone is known, a login takes JSON only, from no other
// site (the pages' Origin rule), and a small body: otherwise a page elsewhere could log a
// visitor in as the attacker (login CSRF), or anyone could make the server read without end.
func (s *Server) decodeLogin(w http.ResponseWriter, r *http.Request, v any) bool {
	if !auth.SameOrigin(r) {
		writeError(w, http.StatusForbidden, "", "cross-site", "a login from another site is refused")
		return false
	}
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "", "unsupported-media-type", "a login is JSON: Content-Type: application/json")
		return false
	}
	if err := decodeAtMost(w, r, v, MaxLoginBody); err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

// isJSON tells whether a request's body says it is JSON. A page of another site can make a
// browser send a form (urlencoded, multipart or text/plain) anywhere without asking, but not
// JSON: that takes a CORS preflight, which this server never grants.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// login opens a session, or answers a challenge when the user has a second factor. Its body
// is guarded as decodeLogin says.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !s.decodeLogin(w, r, &req) {
		return
	}
	token, sess, err := s.Auth.Login(r.Context(), req.Username, req.Password, s.Auth.ClientAddr(r))
	if errors.Is(err, auth.ErrSecondFactorRequired) {
		loginChallenge(w, token, sess.Expires)
		return
	}
	if s.loginRefused(w, r, err) {
		return
	}
	s.loggedIn(w, r, token, sess.User, sess.CSRF, sess.Expires)
}

// loginRefused answers a step of a login that opened no session (a password or a code that
// does not check, too many tries), and tells whether there was one to answer.
func (s *Server) loginRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, auth.ErrBadCredentials):
		writeError(w, http.StatusUnauthorized, "", "bad-credentials", err.Error())
	case errors.Is(err, auth.ErrBadCode):
		writeError(w, http.StatusUnauthorized, "/code", "bad-code", err.Error())
	case errors.Is(err, auth.ErrRateLimited):
		w.Header().Set("Retry-After", "900")
		writeError(w, http.StatusTooManyRequests, "", "rate-limited", err.Error())
	default:
		s.fail(w, r, err)
	}
	return true
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := s.Auth.Logout(r.Context(), c.token); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: Secure(r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *caller) {
	u := c.actor.User
	me := map[string]any{"user": userInfo{u.Username, u.Name, u.Role, u.Office}, "csrf": c.session.CSRF,
		"jurisdiction": c.actor.Role.Jurisdiction, "queues": s.Records.Queues(c.actor)}
	if c.user != nil {
		me["passwordChangeRequired"] = c.user.MustChangePassword
		if must, err := s.mustEnrol(r.Context(), c); err == nil {
			me["secondFactorEnrolmentRequired"] = must
		}
		me["administers"] = c.actor.Role.Administers // the roles whose users the caller administers
	}
	writeJSON(w, http.StatusOK, me)
}

// eventInfo is what a client needs of an event to declare it and act on its records.
type eventInfo struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Actions  []string `json:"actions"` // the ones this user's role grants
	Statuses []string `json:"statuses"`
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, c *caller) {
	out := []eventInfo{}
	for _, ev := range s.Records.Model.Bundle.Events {
		info := eventInfo{ID: ev.ID, Label: ev.Label, Actions: []string{}}
		for _, a := range ev.Actions {
			if c.actor.Role.Grants(ev.ID, a.ID) {
				info.Actions = append(info.Actions, a.ID)
			}
		}
		for _, st := range ev.Statuses {
			info.Statuses = append(info.Statuses, st.ID)
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, map[string]any{"bundle": map[string]string{"version": s.Records.Model.Bundle.Version, "hash": s.Records.Model.Bundle.Hash}, "events": out})
}

func (s *Server) eventSchema(w http.ResponseWriter, r *http.Request, c *caller) {
	m := s.Records.Model
	if h := r.URL.Query().Get("bundle"); h != "" && h != m.Bundle.Hash {
		// The form of an older version a record is at (its "bundle"): what an edit of a
		// record that does not move to the current version is checked against.
		if s.Records.Versions == nil {
			writeError(w, http.StatusNotFound, "/bundle", "unknown-bundle", "no such version of the package")
			return
		}
		v, err := s.Records.Versions.Get(r.Context(), h)
		if errors.Is(err, records.ErrUnknownVersion) {
			writeError(w, http.StatusNotFound, "/bundle", "unknown-bundle", "no such version of the package")
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m = v.Model
	}
	ev, ok := m.Events[r.PathValue("event")]
	if !ok {
		writeError(w, http.StatusNotFound, "/event", "unknown-event", "no such event")
		return
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Write(ev.PayloadSchema)
}

type declareRequest struct {
	Event   string          `json:"event"`
	Action  string          `json:"action,omitempty"`
	Data    json.RawMessage `json:"data"`
	Comment string          `json:"comment,omitempty"`
}

// recordView is a record as the API shows it.
type recordView struct {
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	Status    string          `json:"status"`
	Flags     []string        `json:"flags"`
	Number    string          `json:"number,omitempty"`
	Title     string          `json:"title"`
	EventDate string          `json:"eventDate,omitempty"`
	Office    string          `json:"office"`
	Version   int64           `json:"version"`
	Bundle    string          `json:"bundle"`
	Created   time.Time       `json:"created"`
	Updated   time.Time       `json:"updated"`
	CreatedBy string          `json:"createdBy"`
	Data      json.RawMessage `json:"data"`
	History   []store.Entry   `json:"history,omitempty"`
	// Who holds the record (see records.Service.Assign), and until when; none when nobody
	// does. Shown where a single record is read: not in searches.
	AssignedTo    string     `json:"assignedTo,omitempty"`
	AssignedUntil *time.Time `json:"assignedUntil,omitempty"`
}

// view is a record as the API shows it to the caller: its history tells of possible
// duplicates outside the caller's jurisdiction without naming them.
func (s *Server) view(c *caller, r *store.Record) recordView {
	v := view(r)
	v.History = s.Records.Redact(c.actor, r.History)
	return v
}

func view(r *store.Record) recordView {
	flags := r.Flags
	if flags == nil {
		flags = []string{}
	}
	return recordView{ID: r.ID, Event: r.Event, Status: r.Status, Flags: flags, Number: r.Number, Title: r.Title,
		EventDate: r.EventDate, Office: r.Office, Version: r.Version, Bundle: r.Bundle, Created: r.Created, Updated: r.Updated,
		CreatedBy: r.CreatedBy, Data: r.Data, History: r.History}
}

func (s *Server) declare(w http.ResponseWriter, r *http.Request, c *caller) {
	var req declareRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 128 {
		writeError(w, http.StatusBadRequest, "", "malformed", "the Idempotency-Key is longer than 128 characters")
		return
	}
	rec, created, err := s.Records.Declare(r.Context(), c.actor, records.Declaration{Event: req.Event, Action: req.Action,
		Data: req.Data, IdempotencyKey: key, Comment: req.Comment})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // the same declaration, sent again
	}
	w.Header().Set("Location", "/api/v1/records/"+rec.ID)
	writeJSON(w, status, s.view(c, rec))
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, c *caller) {
	rec, err := s.Records.Read(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(c, rec)
	if err := s.withHolder(r.Context(), &v, rec); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type actionRequest struct {
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data,omitempty"`
	Comment string          `json:"comment,omitempty"`
	// For the action that marks a record a duplicate: the record it duplicates.
	DuplicateOf string `json:"duplicateOf,omitempty"`
	// For an action that prints: the certificate (the one of Language when empty) and the
	// number of copies.
	Template string `json:"template,omitempty"`
	Language string `json:"language,omitempty"`
	Copies   int    `json:"copies,omitempty"`
}

func (s *Server) act(w http.ResponseWriter, r *http.Request, c *caller) {
	var req actionRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Version < 1 {
		writeError(w, http.StatusBadRequest, "/version", "malformed", "version: the version of the record the action is based on is required")
		return
	}
	rec, err := s.Records.Act(r.Context(), c.actor, r.PathValue("id"), records.ActionRequest{Action: r.PathValue("action"),
		Version: req.Version, Data: req.Data, Comment: req.Comment, DuplicateOf: req.DuplicateOf})
	if records.Refused(err, "prints") && len(req.Data) == 0 && req.Comment == "" {
		s.print(w, r, c, req)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(c, rec)
	if err := s.withHolder(r.Context(), &v, rec); err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if _, waits := s.Records.WaitingOn(r.Context(), rec); waits {
		// A record that waits takes no action: this one's hook made it wait.
		status = http.StatusAccepted
	}
	writeJSON(w, status, v)
}

// candidateView is a possible duplicate as the API shows it.
type candidateView struct {
	Rule      string             `json:"rule"`
	Record    *recordView        `json:"record,omitempty"`
	Outside   bool               `json:"outside,omitempty"`
	Reviewers []records.Reviewer `json:"reviewers,omitempty"` // who may review one outside
}

// statistics answers an event's vital statistics in an area and year (stats.Report).
func (s *Server) statistics(w http.ResponseWriter, r *http.Request, c *caller) {
	q := stats.Query{Event: r.PathValue("event"), Area: r.URL.Query().Get("area"), Year: time.Now().In(s.Records.Model.Loc).Year()}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			s.fail(w, r, &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Path: "/year", Code: "invalid", Message: "year must be a number, such as 2025"}}})
			return
		}
		q.Year = n
	}
	rep, err := s.Records.Statistics(r.Context(), c.actor, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) duplicates(w http.ResponseWriter, r *http.Request, c *caller) {
	rec, err := s.Records.Read(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.Records.Candidates(r.Context(), c.actor, rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	of, err := s.Records.DuplicatesOf(r.Context(), c.actor, rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Candidates   []candidateView `json:"candidates"`
		DuplicatesOf []recordView    `json:"duplicatesOf"`
	}{Candidates: []candidateView{}, DuplicatesOf: []recordView{}}
	for _, it := range items {
		cv := candidateView{Rule: it.Rule, Outside: it.Outside, Reviewers: it.Reviewers}
		if it.Record != nil {
			v := view(it.Record)
			v.History = nil
			cv.Record = &v
		}
		out.Candidates = append(out.Candidates, cv)
	}
	for i := range of {
		out.DuplicatesOf = append(out.DuplicatesOf, view(&of[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

type pageView struct {
	Records []recordView `json:"records"`
	Next    string       `json:"next,omitempty"`
}

func pageOf(p store.Page) pageView {
	out := pageView{Records: []recordView{}, Next: p.Next}
	for i := range p.Records {
		v := view(&p.Records[i])
		v.Data = nil // lists carry what a list shows; the record has the rest
		out.Records = append(out.Records, v)
	}
	return out
}

func limitParam(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 {
		return 0, &records.Error{Kind: records.BadRequest, Details: []records.Detail{{Path: "/limit", Code: "malformed", Message: "limit must be a positive whole number"}}}
	}
	return n, nil
}

var datePattern = strings.NewReplacer("0", "", "1", "", "2", "", "3", "", "4", "", "5", "", "6", "", "7", "", "8", "", "9", "")

func (s *Server) search(w http.ResponseWriter, r *http.Request, c *caller) {
	v := r.URL.Query()
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range []string{"from", "to"} {
		if d := v.Get(k); d != "" && (len(d) != 10 || datePattern.Replace(d) != "--") {
			writeError(w, http.StatusBadRequest, "/"+k, "malformed", k+" must be a date written YYYY-MM-DD")
			return
		}
	}
	q := store.Query{Event: v.Get("event"), ID: v.Get("id"), Number: v.Get("number"), Statuses: v["status"], Flags: v["flag"],
		From: v.Get("from"), To: v.Get("to"), After: v.Get("after"), Limit: limit}
	if o := v.Get("office"); o != "" {
		q.Office = o // narrowed further to the user's jurisdiction by the service
	}
	p, err := s.Records.Search(r.Context(), c.actor, q, v.Get("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(p))
}

func (s *Server) queues(w http.ResponseWriter, r *http.Request, c *caller) {
	writeJSON(w, http.StatusOK, map[string]any{"queues": s.Records.Queues(c.actor)})
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request, c *caller) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Records.QueueRecords(r.Context(), c.actor, r.PathValue("event"), r.PathValue("action"), r.URL.Query().Get("after"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(p))
}

type draftView struct {
	ID      string          `json:"id"`
	Event   string          `json:"event"`
	Data    json.RawMessage `json:"data"`
	Updated time.Time       `json:"updated"`
}

func (s *Server) drafts(w http.ResponseWriter, r *http.Request, c *caller) {
	list, err := s.Records.Store.Drafts(r.Context(), c.actor.User.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []draftView{}
	for _, d := range list {
		out = append(out, draftView{d.ID, d.Event, d.Data, d.Updated})
	}
	writeJSON(w, http.StatusOK, map[string]any{"drafts": out})
}

func (s *Server) draft(w http.ResponseWriter, r *http.Request, c *caller) {
	d, err := s.Records.Store.Draft(r.Context(), c.actor.User.Username, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "/id", "not-found", "no such draft")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, draftView{d.ID, d.Event, d.Data, d.Updated})
}

type draftRequest struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// saveDraft keeps a declaration in progress as it is: incomplete, unvalidated, but a JSON
// object of an event the user may declare, of at most store.MaxDraftSize bytes, one of at most
// store.MaxDrafts of the user's.
func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request, c *caller) {
	var req draftRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if len(id) == 0 || len(id) > 64 {
		writeError(w, http.StatusBadRequest, "/id", "malformed", "a draft id has 1 to 64 characters")
		return
	}
	if _, ok := s.Records.Model.Events[req.Event]; !ok {
		writeError(w, http.StatusBadRequest, "/event", "unknown-event", "no such event")
		return
	}
	if !s.Records.CanDeclare(c.actor, req.Event) {
		writeError(w, http.StatusForbidden, "/event", "forbidden", "role "+c.actor.User.Role+" does not declare "+req.Event+" records: it keeps no drafts of them")
		return
	}
	if len(req.Data) > store.MaxDraftSize {
		writeError(w, http.StatusRequestEntityTooLarge, "/data", "too-large", "a draft holds at most "+strconv.Itoa(store.MaxDraftSize>>10)+" KiB of data")
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(req.Data, &obj); err != nil || obj == nil {
		writeError(w, http.StatusBadRequest, "/data", "malformed", "data must be a JSON object")
		return
	}
	d := &store.Draft{ID: id, User: c.actor.User.Username, Event: req.Event, Data: req.Data, Updated: time.Now().UTC()}
	if err := s.Records.Store.SaveDraft(r.Context(), d); errors.Is(err, store.ErrTooMany) {
		writeError(w, http.StatusConflict, "/id", "too-many-drafts", "a user keeps at most "+strconv.Itoa(store.MaxDrafts)+" drafts: declare or delete one first")
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, draftView{d.ID, d.Event, d.Data, d.Updated})
}

func (s *Server) deleteDraft(w http.ResponseWriter, r *http.Request, c *caller) {
	err := s.Records.Store.DeleteDraft(r.Context(), c.actor.User.Username, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "/id", "not-found", "no such draft")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
