package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// The pages of user administration (for the roles that administer users, within their
// jurisdiction: runtime/users authorises every change) and of the change of one's own password.
func (s *Server) userRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /password", s.page(s.passwordPage))
	mux.HandleFunc("POST /password", s.page(s.changePassword))
	mux.HandleFunc("GET /users", s.page(s.usersPage))
	mux.HandleFunc("GET /users/new", s.page(s.newUserPage))
	mux.HandleFunc("POST /users/new", s.page(s.createUser))
	mux.HandleFunc("GET /users/{username}", s.page(s.userPage))
	mux.HandleFunc("POST /users/{username}", s.page(s.changeUser))
}

// option is a choice of a select: a role or an office.
type option struct {
	Value, Label string
	Selected     bool
}

// userRow is a user as the pages show them.
type userRow struct {
	store.User
	RoleLabel, OfficeName string
}

func (s *Server) row(u *store.User, lang string) userRow {
	r := userRow{User: *u, RoleLabel: u.Role, OfficeName: u.Office}
	if role, ok := s.Records.Model.Roles[u.Role]; ok {
		r.RoleLabel = s.Catalog.Text(lang, role.Label)
	}
	if n := s.placeName("office", u.Office, lang); n != "" {
		r.OfficeName = n
	}
	return r
}

// roleOptions are the roles the actor gives, offices the offices of their jurisdiction.
func (s *Server) roleOptions(rq *request, chosen string) []option {
	var out []option
	for _, id := range rq.actor.Role.Administers {
		if r, ok := s.Records.Model.Roles[id]; ok {
			out = append(out, option{id, s.Catalog.Text(rq.lang, r.Label), id == chosen})
		}
	}
	return out
}

func (s *Server) officeOptions(rq *request, chosen string) []option {
	var out []option
	for _, o := range s.Records.Model.Bundle.Offices {
		if rq.actor.InJurisdiction(o.Code, s.Records.Model.AreasOf(o.Area)) {
			out = append(out, option{o.Code, s.placeName("office", o.Code, rq.lang) + " (" + o.Code + ")", o.Code == chosen})
		}
	}
	return out
}

func (s *Server) noAdmin(rq *request) bool {
	if s.Users == nil || !users.Administers(rq.actor) {
		s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
		return true
	}
	return false
}

func (s *Server) usersPage(rq *request) {
	if s.noAdmin(rq) {
		return
	}
	q := rq.r.URL.Query().Get("q")
	list, err := s.Users.List(rq.r.Context(), rq.actor, q)
	if err != nil {
		s.fail(rq, err)
		return
	}
	rows := make([]userRow, 0, len(list))
	for i := range list {
		rows = append(rows, s.row(&list[i], rq.lang))
	}
	s.render(rq.w, rq.r, http.StatusOK, "users", struct {
		view
		Q     string
		Users []userRow
	}{s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.users.title"), rq), q, rows})
}

// userForm is the page of a new user, or of one user, with what went wrong.
type userForm struct {
	view
	New       users.New
	User      *userRow
	Roles     []option
	Offices   []option
	Problems  []string
	Temporary string // a temporary password, shown once
}

func (s *Server) problems(rq *request, err error) ([]string, bool) {
	var re *records.Error
	if !errors.As(err, &re) || re.Kind != records.Invalid {
		return nil, false
	}
	var out []string
	for _, d := range re.Details {
		if d.Key != "" {
			out = append(out, s.Catalog.Text(rq.lang, d.Key))
		} else {
			out = append(out, d.Message)
		}
	}
	return out, true
}

func (s *Server) newUserPage(rq *request) {
	if s.noAdmin(rq) {
		return
	}
	s.render(rq.w, rq.r, http.StatusOK, "usernew", userForm{view: s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.users.new"), rq),
		Roles: s.roleOptions(rq, ""), Offices: s.officeOptions(rq, rq.actor.Office.Code)})
}

func (s *Server) createUser(rq *request) {
	if s.noAdmin(rq) {
		return
	}
	f := rq.r.PostForm
	n := users.New{Username: f.Get("username"), Name: f.Get("name"), Role: f.Get("role"), Office: f.Get("office"),
		Email: f.Get("email"), Phone: f.Get("phone")}
	u, temp, err := s.Users.Create(rq.r.Context(), rq.actor, n)
	if err != nil {
		var re *records.Error
		p, invalid := s.problems(rq, err)
		if !invalid && errors.As(err, &re) && re.Kind == records.Conflict {
			p, invalid = []string{s.Catalog.Text(rq.lang, "ui.users.problem.taken")}, true
		}
		if !invalid {
			s.fail(rq, err)
			return
		}
		s.render(rq.w, rq.r, http.StatusUnprocessableEntity, "usernew", userForm{view: s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.users.new"), rq),
			New: n, Roles: s.roleOptions(rq, n.Role), Offices: s.officeOptions(rq, n.Office), Problems: p})
		return
	}
	s.showUser(rq, u, temp, nil, http.StatusCreated)
}

func (s *Server) showUser(rq *request, u *store.User, temp string, problems []string, status int) {
	row := s.row(u, rq.lang)
	s.render(rq.w, rq.r, status, "user", userForm{view: s.newView(rq.lang, u.Name, rq), User: &row,
		Roles: s.roleOptions(rq, u.Role), Offices: s.officeOptions(rq, u.Office), Problems: problems, Temporary: temp})
}

func (s *Server) userPage(rq *request) {
	if s.noAdmin(rq) {
		return
	}
	u, err := s.Users.Get(rq.r.Context(), rq.actor, rq.r.PathValue("username"))
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.showUser(rq, u, "", nil, http.StatusOK)
}

// changeUser takes one of the forms of a user's page: op says which.
func (s *Server) changeUser(rq *request) {
	if s.noAdmin(rq) {
		return
	}
	ctx, f, username := rq.r.Context(), rq.r.PostForm, rq.r.PathValue("username")
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	var e users.Edit
	switch op := f.Get("op"); op {
	case "details":
		e.Details = &users.Details{Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone")}
	case "move":
		o := f.Get("office")
		e.Office = &o
	case "role":
		r := f.Get("role")
		e.Role = &r
	case "deactivate", "reactivate":
		active := op == "reactivate"
		e.Active = &active
	case "reset-second-factor":
		if _, err := s.Users.ResetSecondFactor(ctx, rq.actor, username, version); err != nil {
			s.fail(rq, err)
			return
		}
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.users.secondFactorReset"))
		http.Redirect(rq.w, rq.r, "/users/"+url.PathEscape(username), http.StatusSeeOther)
		return
	case "reset":
		temp, err := s.Users.ResetPassword(ctx, rq.actor, username, version)
		if err != nil {
			s.fail(rq, err)
			return
		}
		u, err := s.Users.Get(ctx, rq.actor, username)
		if err != nil {
			s.fail(rq, err)
			return
		}
		s.showUser(rq, u, temp, nil, http.StatusOK)
		return
	default:
		s.problem(rq, http.StatusBadRequest, "ui.error.badRequest")
		return
	}
	if _, err := s.Users.Update(ctx, rq.actor, username, version, e); err != nil {
		if p, invalid := s.problems(rq, err); invalid {
			u, gerr := s.Users.Get(ctx, rq.actor, username)
			if gerr != nil {
				s.fail(rq, gerr)
				return
			}
			s.showUser(rq, u, "", p, http.StatusUnprocessableEntity)
			return
		}
		s.fail(rq, err)
		return
	}
	flash(rq.w, s.Catalog.Text(rq.lang, "ui.users.saved"))
	// The user may have left the administrator's jurisdiction (moved, or given a role they
	// do not administer): back to the list then.
	if _, err := s.Users.Get(ctx, rq.actor, username); err != nil {
		http.Redirect(rq.w, rq.r, "/users", http.StatusSeeOther)
		return
	}
	http.Redirect(rq.w, rq.r, "/users/"+url.PathEscape(username), http.StatusSeeOther)
}

func (s *Server) passwordPage(rq *request) {
	s.showPassword(rq, http.StatusOK, "")
}

func (s *Server) showPassword(rq *request, status int, problem string) {
	must := rq.user != nil && rq.user.MustChangePassword
	s.render(rq.w, rq.r, status, "password", struct {
		view
		Must    bool
		Problem string
		Min     string
	}{s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.password.title"), rq), must, problem, strconv.Itoa(auth.MinPasswordLen)})
}

func (s *Server) changePassword(rq *request) {
	if s.Users == nil {
		s.problem(rq, http.StatusNotFound, "ui.error.notFound")
		return
	}
	f := rq.r.PostForm
	if f.Get("new") != f.Get("confirm") {
		s.showPassword(rq, http.StatusUnprocessableEntity, s.Catalog.Text(rq.lang, "ui.password.mismatch"))
		return
	}
	err := s.Users.ChangePassword(rq.r.Context(), rq.actor.User.Username, f.Get("current"), f.Get("new"))
	key := ""
	switch {
	case err == nil:
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.password.changed"))
		http.Redirect(rq.w, rq.r, "/work", http.StatusSeeOther)
		return
	case errors.Is(err, users.ErrWrongPassword):
		key = "ui.password.wrong"
	case errors.Is(err, users.ErrSamePassword):
		key = "ui.password.same"
	case errors.Is(err, auth.ErrPasswordTooShort):
		key = "ui.password.short"
	case errors.Is(err, auth.ErrPasswordTooLong):
		key = "ui.password.long"
	case errors.Is(err, auth.ErrCommonPassword):
		key = "ui.password.common"
	default:
		s.fail(rq, err)
		return
	}
	msg := s.Catalog.Text(rq.lang, key, "min", strconv.Itoa(auth.MinPasswordLen), "max", strconv.Itoa(auth.MaxPasswordLen))
	s.showPassword(rq, http.StatusUnprocessableEntity, msg)
}

// nameOf is the name of a user in a record's history: the store's, for users administrators
// created or renamed, else the users sheet's, else their username. Each user is read once a page.
func (s *Server) nameOf(rq *request, username string) string {
	if n, ok := rq.names[username]; ok {
		return n
	}
	name := username
	if u, ok := s.Records.Model.Users[username]; ok {
		name = u.Name
	}
	if s.Users != nil {
		if u, err := s.Users.Store.User(rq.r.Context(), username); err == nil {
			name = u.Name
		}
	}
	if rq.names == nil {
		rq.names = map[string]string{}
	}
	rq.names[username] = name
	return name
}
