package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/crvsctl/crvsctl/runtime/auth"
)

// enrolmentRoutes are the routes a user whose role requires a second factor may call before
// enrolling one: enrolment itself, and what passwordChangeRoutes allows.
var enrolmentRoutes = map[string]bool{
	"GET /api/v1/me/second-factor":          true,
	"POST /api/v1/me/second-factor":         true,
	"POST /api/v1/me/second-factor/confirm": true,
	"POST /api/v1/logout":                   true,
	"GET /api/v1/me":                        true,
}

func (s *Server) secondFactorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/login/code", s.loginCode)
	mux.HandleFunc("GET /api/v1/me/second-factor", s.authed(s.mySecondFactor))
	mux.HandleFunc("POST /api/v1/me/second-factor", s.authed(s.startEnrolment))
	mux.HandleFunc("POST /api/v1/me/second-factor/confirm", s.authed(s.confirmEnrolment))
	mux.HandleFunc("POST /api/v1/me/second-factor/disable", s.authed(s.disableSecondFactor))
	mux.HandleFunc("POST /api/v1/users/{username}/reset-second-factor", s.authed(s.resetSecondFactor))
}

// mustEnrol tells whether the caller's role requires a second factor they have not enrolled:
// then every route but enrolmentRoutes answers 403 second-factor-enrolment-required.
func (s *Server) mustEnrol(ctx context.Context, c *caller) (bool, error) {
	if !c.actor.Role.TwoFactor {
		return false, nil
	}
	enrolled, _, err := s.Auth.Enrolled(ctx, c.actor.User.Username)
	return !enrolled, err
}

// challengeResponse answers the password of a user with a second factor: no session yet.
type challengeResponse struct {
	SecondFactorRequired bool      `json:"secondFactorRequired"`
	Challenge            string    `json:"challenge"`
	Expires              time.Time `json:"expires"`
}

// loginChallenge answers a login that needs a code too.
func loginChallenge(w http.ResponseWriter, challenge string, expires time.Time) {
	writeJSON(w, http.StatusOK, challengeResponse{SecondFactorRequired: true, Challenge: challenge, Expires: expires})
}

// loginCode is a login's second step: the challenge and a code of the app, or a recovery
// code. Like login, JSON only and from no other site (decodeLogin).
func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Challenge string `json:"challenge"`
		Code      string `json:"code"`
	}
	if !s.decodeLogin(w, r, &req) {
		return
	}
	token, sess, err := s.Auth.CompleteLogin(r.Context(), req.Challenge, req.Code, s.Auth.ClientAddr(r))
	if s.loginRefused(w, r, err) {
		return
	}
	s.loggedIn(w, r, token, sess.User, sess.CSRF, sess.Expires)
}

// loggedIn answers a login that opened a session.
func (s *Server) loggedIn(w http.ResponseWriter, r *http.Request, token, user, csrf string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: Secure(r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	u, change := s.loginUser(r, user)
	enrol := false
	if s.Users != nil {
		if _, su, err := s.Users.Actor(r.Context(), user); err == nil && s.Users.RequiresSecondFactor(su) {
			enrolled, _, err := s.Auth.Enrolled(r.Context(), user)
			enrol = err == nil && !enrolled
		}
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, CSRF: csrf, Expires: expires,
		User: u, PasswordChangeRequired: change, SecondFactorEnrolmentRequired: enrol})
}

func (s *Server) mySecondFactor(w http.ResponseWriter, r *http.Request, c *caller) {
	enrolled, left, err := s.Auth.Enrolled(r.Context(), c.actor.User.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrolled": enrolled, "required": c.actor.Role.TwoFactor, "recoveryCodesLeft": left})
}

// startEnrolment makes the caller a new secret: shown this once, with its otpauth:// URL for
// a QR code, until confirmed.
func (s *Server) startEnrolment(w http.ResponseWriter, r *http.Request, c *caller) {
	e, err := s.Auth.StartEnrolment(r.Context(), c.actor.User.Username)
	if errors.Is(err, auth.ErrEnrolled) {
		writeError(w, http.StatusConflict, "", "enrolled", "a second factor is enrolled already: disable it first")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"secret": e.Secret, "url": e.URL})
}

func (s *Server) confirmEnrolment(w http.ResponseWriter, r *http.Request, c *caller) {
	var p struct {
		Code string `json:"code"`
	}
	if err := decodeAtMost(w, r, &p, MaxLoginBody); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.Auth.ConfirmEnrolment(r.Context(), c.actor.User.Username, p.Code)
	switch {
	case errors.Is(err, auth.ErrBadCode):
		writeError(w, http.StatusUnprocessableEntity, "/code", "bad-code", err.Error())
	case errors.Is(err, auth.ErrNotEnrolled):
		writeError(w, http.StatusConflict, "", "not-started", "start the enrolment first: POST /api/v1/me/second-factor")
	case errors.Is(err, auth.ErrEnrolled):
		writeError(w, http.StatusConflict, "", "enrolled", "a second factor is enrolled already")
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"recoveryCodes": codes})
	}
}

func (s *Server) disableSecondFactor(w http.ResponseWriter, r *http.Request, c *caller) {
	var p struct {
		Code string `json:"code"`
	}
	if err := decodeAtMost(w, r, &p, MaxLoginBody); err != nil {
		s.fail(w, r, err)
		return
	}
	if c.actor.Role.TwoFactor {
		writeError(w, http.StatusForbidden, "", "second-factor-required", "your role requires a second factor")
		return
	}
	err := s.Auth.DisableSecondFactor(r.Context(), c.actor.User.Username, p.Code)
	switch {
	case errors.Is(err, auth.ErrBadCode):
		writeError(w, http.StatusUnprocessableEntity, "/code", "bad-code", err.Error())
	case errors.Is(err, auth.ErrNotEnrolled):
		writeError(w, http.StatusConflict, "", "not-enrolled", err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	var p struct {
		Version int64 `json:"version"`
	}
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Users.ResetSecondFactor(r.Context(), c.actor, r.PathValue("username"), p.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

// secondFactorOpenAPI adds the second factor to the OpenAPI document.
func secondFactorOpenAPI(doc obj) {
	str := obj{"type": "string"}
	schemas := doc["components"].(obj)["schemas"].(obj)
	paths := doc["paths"].(obj)
	props := schemas["Session"].(obj)["properties"].(obj)
	props["secondFactorEnrolmentRequired"] = obj{"type": "boolean",
		"description": "the user's role requires a second factor they have not enrolled: every endpoint but /api/v1/me/second-factor (and its confirm), GET /api/v1/me and logout answers 403 second-factor-enrolment-required until they do"}
	schemas["Challenge"] = obj{"type": "object", "description": "the password was right and the user has a second factor: no session yet; POST /api/v1/login/code with the challenge and a code",
		"properties": obj{"secondFactorRequired": obj{"const": true}, "challenge": str, "expires": obj{"type": "string", "format": "date-time"}}}
	code := obj{"type": "object", "required": []string{"code"}, "additionalProperties": false,
		"properties": obj{"code": obj{"type": "string", "description": "a 6-digit code of the authenticator app (TOTP, RFC 6238), or a recovery code"}}}
	login := paths["/api/v1/login"].(obj)["post"].(obj)
	login["responses"].(obj)["200"] = answer("a session, or a challenge when the user has a second factor",
		obj{"oneOf": []any{ref("Session"), ref("Challenge")}})
	paths["/api/v1/login/code"] = obj{"post": obj{"summary": "Complete a login with a code of the authenticator app or a recovery code (used once)",
		"description": "Wrong codes count towards the login limits: 429 past them.",
		"requestBody": jsonBody(obj{"type": "object", "required": []string{"challenge", "code"}, "additionalProperties": false,
			"properties": obj{"challenge": str, "code": str}}),
		"responses": with(obj{"200": answer("a session", ref("Session")),
			"401": answer("wrong or used code, or expired challenge (bad-code)", ref("Errors")),
			"403": answer("sent from a page of another site (Origin)", ref("Errors")),
			"415": answer("not Content-Type: application/json", ref("Errors"))}, refusals("400", "429"))}}
	paths["/api/v1/me/second-factor"] = obj{
		"get": obj{"summary": "Whether the user has a second factor, whether their role requires one, and how many recovery codes they have left",
			"responses": with(obj{"200": answer("the state", nil)}, refusals("401"))},
		"post": obj{"summary": "Start enrolling a second factor: a new TOTP secret and its otpauth:// URL, shown this once",
			"responses": with(obj{"200": answer("the secret", obj{"type": "object", "properties": obj{"secret": str, "url": str}}),
				"409": answer("a second factor is enrolled already", ref("Errors"))}, refusals("401"))}}
	paths["/api/v1/me/second-factor/confirm"] = obj{"post": obj{"summary": "Confirm the enrolment with a code of the app: the recovery codes, shown this once",
		"requestBody": jsonBody(code),
		"responses": with(obj{"200": answer("the recovery codes", obj{"type": "object", "properties": obj{"recoveryCodes": obj{"type": "array", "items": str}}}),
			"409": answer("no enrolment started, or done already", ref("Errors")),
			"422": answer("wrong code", ref("Errors"))}, refusals("400", "401"))}}
	paths["/api/v1/me/second-factor/disable"] = obj{"post": obj{"summary": "Remove one's second factor, given a code; refused when the role requires one",
		"requestBody": jsonBody(code),
		"responses": with(obj{"204": answer("removed", nil), "409": answer("no second factor", ref("Errors")),
			"422": answer("wrong code", ref("Errors"))}, refusals("400", "401", "403"))}}
	paths["/api/v1/users/{username}/reset-second-factor"] = obj{"post": obj{"summary": "Remove a user's second factor (a lost phone): their sessions end; they enrol again at their next login if their role requires it",
		"description": "Only for roles that administer users, within their jurisdiction, as the other administration endpoints.",
		"parameters":  []any{obj{"name": "username", "in": "path", "required": true, "schema": str}},
		"requestBody": jsonBody(obj{"type": "object", "required": []string{"version"}, "properties": obj{"version": obj{"type": "integer"}}}),
		"responses":   with(obj{"200": answer("the user", ref("User"))}, refusals("400", "401", "403", "404", "409"))}}
}
