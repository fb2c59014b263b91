package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/auth"
)

// The pages of the second factor: the login's second step (/login/code), and the user's own
// second factor (/second-factor): its state, its enrolment by QR code, its recovery codes
// shown once, turning it off. A user whose role requires one and who has none is sent to
// /second-factor from every other page (see guard) until they enrol.

// challengeCookie holds a login's challenge between the password and the code: only for
// /login/code, for as long as the challenge lasts.
const challengeCookie = "crvsctl_challenge"

// enrolmentPaths are the pages a user who must enrol may see before they do.
var enrolmentPaths = map[string]bool{
	"/second-factor": true, "/second-factor/start": true, "/second-factor/confirm": true, "/logout": true, "/password": true,
}

func (s *Server) secondFactorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login/code", s.loginCodePage)
	mux.HandleFunc("POST /login/code", s.loginCode)
	mux.HandleFunc("GET /second-factor", s.page(s.secondFactorPage))
	mux.HandleFunc("POST /second-factor/start", s.page(s.startEnrolment))
	mux.HandleFunc("POST /second-factor/confirm", s.page(s.confirmEnrolment))
	mux.HandleFunc("POST /second-factor/disable", s.page(s.disableSecondFactor))
}

// mustEnrol tells whether the user of rq must enrol a second factor before anything else.
func (s *Server) mustEnrol(ctx context.Context, rq *request) (bool, error) {
	if !rq.actor.Role.TwoFactor || enrolmentPaths[rq.r.URL.Path] {
		return false, nil
	}
	enrolled, _, err := s.Auth.Enrolled(ctx, rq.actor.User.Username)
	return !enrolled, err
}

// askCode sends a browser whose password was right to the code's page, with the challenge.
func (s *Server) askCode(w http.ResponseWriter, r *http.Request, challenge string) {
	http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: challenge, Path: "/login/code", MaxAge: int(auth.ChallengeTTL.Seconds()),
		HttpOnly: true, Secure: api.Secure(r, s.SecureCookies), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login/code?next="+url.QueryEscape(localOr(r.PostForm.Get("next"))), http.StatusSeeOther)
}

func (s *Server) loginCodePage(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(challengeCookie); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.showLoginCode(w, r, http.StatusOK, "")
}

func (s *Server) showLoginCode(w http.ResponseWriter, r *http.Request, status int, problem string) {
	lang := s.lang(r)
	v := s.anonView(w, r, lang, s.Catalog.Text(lang, "ui.code.title"))
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	s.render(w, r, status, "logincode", struct {
		view
		Next, Problem string
	}{v, localOr(next), problem})
}

func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	switch status := s.preSessionForm(w, r); status {
	case 0:
	case http.StatusForbidden:
		s.showLoginCode(w, r, http.StatusForbidden, s.Catalog.Text(lang, "ui.error.csrf"))
		return
	default:
		http.Error(w, http.StatusText(status), status)
		return
	}
	c, err := r.Cookie(challengeCookie)
	if err != nil {
		s.showLogin(w, r, http.StatusUnauthorized, s.Catalog.Text(lang, "ui.code.expired"))
		return
	}
	token, sess, err := s.Auth.CompleteLogin(r.Context(), c.Value, r.PostForm.Get("code"), s.Auth.ClientAddr(r))
	switch {
	case errors.Is(err, auth.ErrBadCode):
		s.showLoginCode(w, r, http.StatusUnauthorized, s.Catalog.Text(lang, "ui.code.failed"))
		return
	case errors.Is(err, auth.ErrRateLimited):
		s.showLoginCode(w, r, http.StatusTooManyRequests, s.Catalog.Text(lang, "ui.login.limited"))
		return
	case errors.Is(err, context.Canceled):
		return
	case err != nil:
		s.Log.Error("login failed", "err", err)
		s.showLoginCode(w, r, http.StatusInternalServerError, s.Catalog.Text(lang, "ui.error.server"))
		return
	}
	secure := api.Secure(r, s.SecureCookies)
	http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: "", Path: "/login/code", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: token, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, localOr(r.PostForm.Get("next")), http.StatusSeeOther)
}

// secondFactorView is the page of one's second factor, in one of its states.
type secondFactorView struct {
	view
	Enrolled bool
	Required bool   // the role requires one
	Left     string // recovery codes left
	// An enrolment under way: the QR code of its URL, and the secret to type instead.
	QR     template.HTML
	Secret string
	// Recovery are the codes of an enrolment just confirmed, shown this once.
	Recovery []string
	Problem  string
}

func (s *Server) showSecondFactor(rq *request, status int, v secondFactorView) {
	ctx := rq.r.Context()
	enrolled, left, err := s.Auth.Enrolled(ctx, rq.actor.User.Username)
	if err != nil {
		s.fail(rq, err)
		return
	}
	v.view = s.newView(rq.lang, s.Catalog.Text(rq.lang, "ui.sf.title"), rq)
	v.Enrolled, v.Required, v.Left = enrolled, rq.actor.Role.TwoFactor, strconv.Itoa(left)
	s.render(rq.w, rq.r, status, "secondfactor", v)
}

func (s *Server) secondFactorPage(rq *request) {
	s.showSecondFactor(rq, http.StatusOK, secondFactorView{})
}

// enrolmentView shows an enrolment under way: its QR code and secret.
func (s *Server) enrolmentView(rq *request, e *auth.Enrolment, status int, problem string) {
	svg, err := seal.QRSVG(e.URL)
	if err != nil {
		s.fail(rq, err)
		return
	}
	// The SVG holds numbers only (seal.QRSVG), never the URL or anything a user typed.
	s.showSecondFactor(rq, status, secondFactorView{QR: template.HTML(svg), Secret: e.Secret, Problem: problem})
}

func (s *Server) startEnrolment(rq *request) {
	e, err := s.Auth.StartEnrolment(rq.r.Context(), rq.actor.User.Username)
	if errors.Is(err, auth.ErrEnrolled) {
		http.Redirect(rq.w, rq.r, "/second-factor", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.enrolmentView(rq, e, http.StatusOK, "")
}

func (s *Server) confirmEnrolment(rq *request) {
	ctx, user := rq.r.Context(), rq.actor.User.Username
	codes, err := s.Auth.ConfirmEnrolment(ctx, user, rq.r.PostForm.Get("code"))
	switch {
	case errors.Is(err, auth.ErrBadCode):
		e, perr := s.Auth.PendingEnrolment(ctx, user)
		if perr != nil {
			http.Redirect(rq.w, rq.r, "/second-factor", http.StatusSeeOther)
			return
		}
		s.enrolmentView(rq, e, http.StatusUnprocessableEntity, s.Catalog.Text(rq.lang, "ui.code.failed"))
	case errors.Is(err, auth.ErrNotEnrolled), errors.Is(err, auth.ErrEnrolled):
		http.Redirect(rq.w, rq.r, "/second-factor", http.StatusSeeOther)
	case err != nil:
		s.fail(rq, err)
	default:
		s.showSecondFactor(rq, http.StatusOK, secondFactorView{Recovery: codes})
	}
}

func (s *Server) disableSecondFactor(rq *request) {
	if rq.actor.Role.TwoFactor {
		s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
		return
	}
	err := s.Auth.DisableSecondFactor(rq.r.Context(), rq.actor.User.Username, rq.r.PostForm.Get("code"))
	switch {
	case errors.Is(err, auth.ErrBadCode):
		s.showSecondFactor(rq, http.StatusUnprocessableEntity, secondFactorView{Problem: s.Catalog.Text(rq.lang, "ui.code.failed")})
	case errors.Is(err, auth.ErrNotEnrolled):
		http.Redirect(rq.w, rq.r, "/second-factor", http.StatusSeeOther)
	case err != nil:
		s.fail(rq, err)
	default:
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.sf.disabled"))
		http.Redirect(rq.w, rq.r, "/second-factor", http.StatusSeeOther)
	}
}
