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
