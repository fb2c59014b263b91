package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// passwordChangeRoutes are the routes a user whose password an administrator reset may call
// before setting a new one.
var passwordChangeRoutes = map[string]bool{
	"POST /api/v1/me/password": true,
	"POST /api/v1/logout":      true,
	"GET /api/v1/me":           true,
}

// userRoutes registers user administration and the change of one's own password.
func (s *Server) userRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/me/password", s.authed(s.changePassword))
	mux.HandleFunc("GET /api/v1/users", s.authed(s.listUsers))
	mux.HandleFunc("POST /api/v1/users", s.authed(s.createUser))
	mux.HandleFunc("GET /api/v1/users/{username}", s.authed(s.getUser))
	mux.HandleFunc("PATCH /api/v1/users/{username}", s.authed(s.updateUser))
	mux.HandleFunc("POST /api/v1/users/{username}/reset-password", s.authed(s.resetPassword))
}

// userView is a user as administrators read them.
type userView struct {
	Username           string    `json:"username"`
	Name               string    `json:"name"`
	Role               string    `json:"role"`
	Office             string    `json:"office"`
	Email              string    `json:"email"`
	Phone              string    `json:"phone"`
	Active             bool      `json:"active"`
	MustChangePassword bool      `json:"mustChangePassword"`
	Administered       bool      `json:"administered"` // an administrator changed them: the users sheet no longer does
	Version            int64     `json:"version"`
	Updated            time.Time `json:"updated"`
	UpdatedBy          string    `json:"updatedBy,omitempty"`
}

func viewUser(u *store.User) userView {
	return userView{u.Username, u.Name, u.Role, u.Office, u.Email, u.Phone, u.Active, u.MustChangePassword,
		u.Administered, u.Version, u.Updated, u.UpdatedBy}
}

// noDirectory answers when the server has no users in its store (an API alone, in tests).
func (s *Server) noDirectory(w http.ResponseWriter) bool {
	if s.Users == nil {
		writeError(w, http.StatusNotFound, "", "not-found", "this server has no user administration")
		return true
	}
	return false
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	list, err := s.Users.List(r.Context(), c.actor, r.URL.Query().Get("q"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]userView, 0, len(list))
	for i := range list {
		out = append(out, viewUser(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	u, err := s.Users.Get(r.Context(), c.actor, r.PathValue("username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

// createdUser answers a creation or a reset: the temporary password is shown this once.
type createdUser struct {
	User              *userView `json:"user,omitempty"`
	TemporaryPassword string    `json:"temporaryPassword"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	var n users.New
	if err := decode(w, r, &n); err != nil {
		s.fail(w, r, err)
		return
	}
	u, temp, err := s.Users.Create(r.Context(), c.actor, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := viewUser(u)
	w.Header().Set("Location", "/api/v1/users/"+u.Username)
	writeJSON(w, http.StatusCreated, createdUser{User: &v, TemporaryPassword: temp})
}

// userPatch is a change of a user: the version read, and the parts to change.
type userPatch struct {
	Version int64   `json:"version"`
	Name    *string `json:"name"`
	Email   *string `json:"email"`
	Phone   *string `json:"phone"`
	Office  *string `json:"office"`
	Role    *string `json:"role"`
	Active  *bool   `json:"active"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	var p userPatch
	if err := decode(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	username := r.PathValue("username")
	var e users.Edit
	if p.Name != nil || p.Email != nil || p.Phone != nil {
		cur, err := s.Users.Get(r.Context(), c.actor, username)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d := users.Details{Name: cur.Name, Email: cur.Email, Phone: cur.Phone}
		for _, f := range []struct{ to, from *string }{{&d.Name, p.Name}, {&d.Email, p.Email}, {&d.Phone, p.Phone}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		e.Details = &d
	}
	e.Office, e.Role, e.Active = p.Office, p.Role, p.Active
	u, err := s.Users.Update(r.Context(), c.actor, username, p.Version, e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, c *caller) {
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
	temp, err := s.Users.ResetPassword(r.Context(), c.actor, r.PathValue("username"), p.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, createdUser{TemporaryPassword: temp})
}

// changePassword sets the caller's own password, given the current one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c *caller) {
	if s.noDirectory(w) {
		return
	}
	var p struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decodeAtMost(w, r, &p, MaxLoginBody); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.Users.ChangePassword(r.Context(), c.actor.User.Username, p.Current, p.New)
	switch {
	case errors.Is(err, users.ErrWrongPassword):
		writeError(w, http.StatusForbidden, "/current", "wrong-password", err.Error())
	case errors.Is(err, users.ErrSamePassword), errors.Is(err, auth.ErrPasswordTooShort), errors.Is(err, auth.ErrPasswordTooLong),
		errors.Is(err, auth.ErrCommonPassword):
		writeError(w, http.StatusUnprocessableEntity, "/new", passwordCode(err), err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// passwordCode is the code of a refusal of a new password.
func passwordCode(err error) string {
	switch {
	case errors.Is(err, auth.ErrPasswordTooShort):
		return "too-short"
	case errors.Is(err, auth.ErrPasswordTooLong):
		return "too-long"
	case errors.Is(err, users.ErrSamePassword):
		return "same-password"
	}
	return "common-password"
}

// loginUser is who logged in, from the store when the server has users there.
func (s *Server) loginUser(r *http.Request, username string) (userInfo, bool) {
	if s.Users == nil {
		u := s.Records.Model.Users[username]
		return userInfo{u.Username, u.Name, u.Role, u.Office}, false
	}
	_, u, err := s.Users.Actor(r.Context(), username)
	if err != nil || u == nil {
		return userInfo{Username: username}, false
	}
	return userInfo{u.Username, u.Name, u.Role, u.Office}, u.MustChangePassword
}

// usersOpenAPI adds user administration and the change of one's password to the OpenAPI
// document.
func usersOpenAPI(doc obj) {
	str := obj{"type": "string"}
	schemas := doc["components"].(obj)["schemas"].(obj)
	paths := doc["paths"].(obj)
	schemas["Session"].(obj)["properties"].(obj)["passwordChangeRequired"] = obj{"type": "boolean",
		"description": "an administrator reset the password: every endpoint but POST /api/v1/me/password, GET /api/v1/me and logout answers 403 password-change-required until the user sets a new one"}
	schemas["User"] = obj{"type": "object", "properties": obj{"username": str, "name": str, "role": str, "office": str,
		"email": str, "phone": str, "active": obj{"type": "boolean"}, "mustChangePassword": obj{"type": "boolean"},
		"administered": obj{"type": "boolean", "description": "an administrator created or changed the user: the store's record wins over the users sheet"},
		"version":      obj{"type": "integer"}, "updated": str, "updatedBy": str}}
	schemas["NewUser"] = obj{"type": "object", "required": []string{"username", "name", "role", "office"}, "additionalProperties": false,
		"properties": obj{"username": obj{"type": "string", "pattern": `^[a-z0-9]+([._-][a-z0-9]+)*$`, "maxLength": 64}, "name": str,
			"role":   obj{"type": "string", "description": "a role the administrator's role administers"},
			"office": obj{"type": "string", "description": "an office within the administrator's jurisdiction"},
			"email":  str, "phone": obj{"type": "string", "description": "international (+260 97 111 1111), or as dialled in the country when it has a calling code"}}}
	schemas["UserChange"] = obj{"type": "object", "required": []string{"version"}, "additionalProperties": false,
		"properties": obj{"version": obj{"type": "integer", "description": "the version read: another administrator's change since is refused (409)"},
			"name": str, "email": str, "phone": str, "office": str, "role": str, "active": obj{"type": "boolean", "description": "false deactivates the user: their sessions end at once"}}}
	schemas["TemporaryPassword"] = obj{"type": "object", "properties": obj{"user": ref("User"), "temporaryPassword": obj{"type": "string",
		"description": "shown this once; the user logs in with it and must set their own"}}}
	schemas["PasswordChange"] = obj{"type": "object", "required": []string{"current", "new"}, "additionalProperties": false,
		"properties": obj{"current": str, "new": obj{"type": "string", "description": "NIST SP 800-63B: 8 to 256 characters (after NFKC), not a common password nor the user's name"}}}
	path := obj{"name": "username", "in": "path", "required": true, "schema": str}
	paths["/api/v1/me/password"] = obj{"post": obj{"summary": "Change one's own password, given the current one",
		"requestBody": jsonBody(ref("PasswordChange")),
		"responses": with(obj{"204": answer("changed", nil), "403": answer("the current password is wrong", ref("Errors")),
			"422": answer("the new password breaks the rules (too-short, too-long, common-password, same-password)", ref("Errors"))}, refusals("400", "401"))}}
	admin := "Only for roles that administer users (the package's administers), within their jurisdiction: 403 for another role, " +
		"404 for a user outside it or of a role the caller does not administer."
	paths["/api/v1/users"] = obj{
		"get": obj{"summary": "The users the caller administers", "description": admin,
			"parameters": []any{obj{"name": "q", "in": "query", "schema": str, "description": "text in the username, name, email or phone"}},
			"responses":  with(obj{"200": answer("users", obj{"type": "object", "properties": obj{"users": obj{"type": "array", "items": ref("User")}}})}, refusals("401", "403"))},
		"post": obj{"summary": "Create a user, with a temporary password", "description": admin, "requestBody": jsonBody(ref("NewUser")),
			"responses": with(obj{"201": answer("the user and their temporary password", ref("TemporaryPassword")),
				"409": answer("the username is taken", ref("Errors"))}, refusals("400", "401", "403", "422"))}}
	paths["/api/v1/users/{username}"] = obj{
		"get": obj{"summary": "A user the caller administers", "description": admin, "parameters": []any{path},
			"responses": with(obj{"200": answer("the user", ref("User"))}, refusals("401", "403", "404"))},
		"patch": obj{"summary": "Edit a user's details, move them to another office, change their role, deactivate or reactivate them",
			"description": admin + " The new office must be within the caller's jurisdiction, the new role one they administer (403).",
			"parameters":  []any{path}, "requestBody": jsonBody(ref("UserChange")),
			"responses": with(obj{"200": answer("the user", ref("User"))}, refusals("400", "401", "403", "404", "409", "422"))}}
	paths["/api/v1/users/{username}/reset-password"] = obj{"post": obj{"summary": "Reset a user's password: their sessions end, and they set a new one at their next login",
		"description": admin, "parameters": []any{path},
		"requestBody": jsonBody(obj{"type": "object", "required": []string{"version"}, "properties": obj{"version": obj{"type": "integer"}}}),
		"responses":   with(obj{"200": answer("the temporary password", ref("TemporaryPassword"))}, refusals("400", "401", "403", "404", "409"))}}
}
