// Package users is who may log in and act, and their administration. Users live in the store
// (store.User): the package's users sheet seeds them at each start of the server (Seed), and
// administrators — users of a role the package lets administer others (bundle.Role.Administers)
// — create them, edit their details, move them to another office, change their role,
// deactivate and reactivate them, and reset their password, within their jurisdiction.
//
// Which wins when a later bundle's users sheet disagrees with an administrator: the sheet
// seeds the users and keeps updating those no administrator has changed; once an administrator
// has created or changed a user, the store's record of them wins, and the sheet's rows for them
// are ignored (and logged at start). A user removed from the sheet whom no administrator ever
// changed is deactivated at start.
//
// Every request's caller is read from the store (Actor): a change of role or office applies
// at the caller's next request, a user deactivated is refused at once (and their sessions are
// deleted), and a user whose role or office the bundle served does not have is refused, with a
// log line saying why.
package users

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Directory is the users of a server: read for every request, administered, seeded from the
// bundle's users sheet. Its zero fields but Model and Store take defaults.
type Directory struct {
	Model *records.Model
	Store store.Store
	Log   *slog.Logger     // slog.Default when nil
	Now   func() time.Time // time.Now when nil

	// OnAdmin is called after each change of a user that was stored: an administrator's
	// (Change.Admin set) or the users sheet's at Seed (Change.Admin ""). The audit log wires
	// it; a failure of it is its own to report: the change is made.
	OnAdmin func(ctx context.Context, c Change)
}

// Change is one stored change of a user.
type Change struct {
	At    time.Time
	Admin string // the administrator; "" for the users sheet
	// Ops are what changed: create, details, move, role, deactivate, reactivate,
	// reset-password, change-password, reset-second-factor; sheet-create, sheet-update,
	// sheet-deactivate for Seed.
	Ops    []string
	User   string
	Before *store.User // nil for a creation
	After  *store.User
}

func (d *Directory) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Directory) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}

func (d *Directory) changed(ctx context.Context, admin string, ops []string, before, after *store.User) {
	if d.OnAdmin != nil {
		d.OnAdmin(ctx, Change{At: after.Updated, Admin: admin, Ops: ops, User: after.Username, Before: before, After: after})
	}
}

// Errors of Actor: the HTTP layers answer 401 to each.
var (
	ErrUnknown  = errors.New("no such user")
	ErrInactive = errors.New("the user is deactivated")
	ErrStale    = errors.New("the user's role or office is not in the bundle served")
)

// memo keeps the user a request read, so that the session check and the actor of one request
// read the store once.
type memoKey struct{}

type memo struct {
	username string
	user     *store.User
}

// WithMemo gives a request's context a place for the user it reads: the session check
// (Active) and Actor then read the store once between them.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{})
}

func (d *Directory) read(ctx context.Context, username string) (*store.User, error) {
	m, _ := ctx.Value(memoKey{}).(*memo)
	if m != nil && m.user != nil && m.username == username {
		return m.user, nil
	}
	u, err := d.Store.User(ctx, username)
	if err != nil {
		return nil, err
	}
	if m != nil {
		m.username, m.user = username, u
	}
	return u, nil
}

// Active tells whether a user may log in and keep a session: they exist, are active, and
// their role and office are in the bundle served (auth.Authenticator.Active).
func (d *Directory) Active(ctx context.Context, username string) (bool, error) {
	_, _, err := d.Actor(ctx, username)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrUnknown), errors.Is(err, ErrInactive), errors.Is(err, ErrStale):
		return false, nil
	}
	return false, err
}

// Actor is the actor of a user, as the store holds them now, with their record.
func (d *Directory) Actor(ctx context.Context, username string) (*records.Actor, *store.User, error) {
	u, err := d.read(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrUnknown
	}
	if err != nil {
		return nil, nil, fmt.Errorf("users: reading %s: %w", username, err)
	}
	if !u.Active {
		return nil, u, ErrInactive
	}
	role, okRole := d.Model.Roles[u.Role]
	office, okOffice := d.Model.Offices[u.Office]
	if !okRole || !okOffice {
		d.log().Warn("a user is refused: their role or office is not in the bundle served; an administrator must give them one that is",
			"user", u.Username, "role", u.Role, "roleKnown", okRole, "office", u.Office, "officeKnown", okOffice)
		return nil, u, ErrStale
	}
	return &records.Actor{User: BundleUser(u), Role: role, Office: office}, u, nil
}

// BundleUser is a stored user as the records' workflow knows users.
func BundleUser(u *store.User) bundle.User {
	return bundle.User{Username: u.Username, Name: u.Name, Role: u.Role, Office: u.Office, Email: u.Email, Phone: u.Phone}
}

// fromSheet is a user of the users sheet as the store keeps them.
func fromSheet(b bundle.User) store.User {
	return store.User{Username: b.Username, Name: b.Name, Role: b.Role, Office: b.Office, Email: b.Email, Phone: b.Phone,
		Active: true, Sheet: true}
}

func sameAsSheet(u *store.User, b bundle.User) bool {
	return u.Name == b.Name && u.Role == b.Role && u.Office == b.Office && u.Email == b.Email && u.Phone == b.Phone &&
		u.Active && u.Sheet
}

// SeedReport is what Seed did.
type SeedReport struct {
	Created, Updated, Deactivated int
	// Ignored are the users the sheet names differently from the store, whom an
	// administrator changed: the store's record of them wins.
	Ignored []string
}

// Seed brings the store's users up to the bundle's users sheet, by the rule of the package
// comment: a user of the sheet the store lacks is created; one no administrator changed is
// updated to the sheet's row; one an administrator changed keeps the store's record (the sheet's
// row is ignored and logged); a user the sheet no longer names whom no administrator changed is
// deactivated and their sessions end. It is idempotent, and safe when several instances
// start at once: each write is a creation that a unique username guards or an update that the
// user's version guards, and one that loses the race reads the user again.
func (d *Directory) Seed(ctx context.Context) (SeedReport, error) {
	var rep SeedReport
	named := map[string]bool{}
	for _, b := range d.Model.Bundle.Users {
		named[b.Username] = true
		if err := d.seedOne(ctx, b, &rep); err != nil {
			return rep, fmt.Errorf("users: seeding %s: %w", b.Username, err)
		}
	}
	all, err := d.Store.Users(ctx)
	if err != nil {
		return rep, fmt.Errorf("users: %w", err)
	}
	for _, u := range all {
		if _, ok := d.Model.Roles[u.Role]; u.Active && !ok {
			d.log().Warn("an active user's role is not in the bundle: they cannot log in until an administrator gives them another", "user", u.Username, "role", u.Role)
		}
		if _, ok := d.Model.Offices[u.Office]; u.Active && !ok {
			d.log().Warn("an active user's office is not in the bundle: they cannot log in until an administrator moves them", "user", u.Username, "office", u.Office)
		}
		if named[u.Username] || u.Administered || !u.Sheet {
			continue
		}
		for attempt := 0; ; attempt++ {
			before := u
			next := u
			next.Active, next.Sheet = false, false
			next.Version, next.Updated, next.UpdatedBy = u.Version+1, d.now(), ""
			err := d.Store.UpdateUser(ctx, &next)
			if errors.Is(err, store.ErrConflict) && attempt < 5 {
				cur, err := d.Store.User(ctx, u.Username)
				if err != nil {
					return rep, err
				}
				if cur.Administered || !cur.Sheet {
					break
				}
				u = *cur
				continue
			}
			if err != nil {
				return rep, fmt.Errorf("users: deactivating %s: %w", u.Username, err)
			}
			if err := d.Store.DeleteSessions(ctx, u.Username); err != nil {
				return rep, err
			}
			rep.Deactivated++
			d.log().Info("a user no longer in the users sheet is deactivated", "user", u.Username)
			d.changed(ctx, "", []string{"sheet-deactivate"}, &before, &next)
			break
		}
	}
	if len(rep.Ignored) > 0 {
		d.log().Info("the users sheet's rows for users an administrator changed are ignored: the store's record wins",
			"users", strings.Join(rep.Ignored, " "))
	}
	return rep, nil
}

func (d *Directory) seedOne(ctx context.Context, b bundle.User, rep *SeedReport) error {
	for attempt := 0; attempt < 5; attempt++ {
		cur, err := d.Store.User(ctx, b.Username)
		if errors.Is(err, store.ErrNotFound) {
			u := fromSheet(b)
			u.Version, u.Updated = 1, d.now()
			err := d.Store.CreateUser(ctx, &u)
			if errors.Is(err, store.ErrDuplicate) {
				continue // another instance seeded them first: read them again
			}
			if err == nil {
				rep.Created++
				d.changed(ctx, "", []string{"sheet-create"}, nil, &u)
			}
			return err
		}
		if err != nil {
			return err
		}
		if sameAsSheet(cur, b) {
			return nil
		}
		if cur.Administered {
			rep.Ignored = append(rep.Ignored, b.Username)
			return nil
		}
		next := fromSheet(b)
		next.MustChangePassword = cur.MustChangePassword
		next.Version, next.Updated = cur.Version+1, d.now()
		err = d.Store.UpdateUser(ctx, &next)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err == nil {
			rep.Updated++
			d.changed(ctx, "", []string{"sheet-update"}, cur, &next)
		}
		return err
	}
	return store.ErrConflict
}

// refuse is a refusal the HTTP layers translate (403, 404, 409, 422).
func refuse(k records.Kind, path, code, format string, args ...any) *records.Error {
	return &records.Error{Kind: k, Details: []records.Detail{{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}}}
}

// Administers tells whether an actor's role administers any role: who sees the users pages.
func Administers(a *records.Actor) bool { return len(a.Role.Administers) > 0 }

// officeIn tells whether an office is within an administrator's jurisdiction: their own office,
// the offices of their office's area and below it (every office, from a national office), or
// every office.
func (d *Directory) officeIn(admin *records.Actor, office string) bool {
	o, ok := d.Model.Offices[office]
	if !ok {
		return false
	}
	return admin.InJurisdiction(o.Code, d.Model.AreasOf(o.Area))
}

// manages tells whether admin may administer u as u is: a role admin's role administers, at an
// office within admin's jurisdiction, and not admin themselves. A user left with a role the
// bundle no longer has is managed by the administrators of their office (to give them another);
// one left with an office it no longer has, by those of national jurisdiction (to move them).
func (d *Directory) manages(admin *records.Actor, u *store.User) bool {
	if u.Username == admin.User.Username || !Administers(admin) {
		return false
	}
	_, roleKnown := d.Model.Roles[u.Role]
	_, officeKnown := d.Model.Offices[u.Office]
	roleOK := slices.Contains(admin.Role.Administers, u.Role) || !roleKnown
	officeOK := d.officeIn(admin, u.Office) || !officeKnown && admin.Role.Jurisdiction == "nation"
	return roleOK && officeOK
}

func notAdministrator() *records.Error {
	return refuse(records.Forbidden, "", "forbidden", "your role administers no users")
}

func notFound(username string) *records.Error {
	return refuse(records.NotFound, "", "not-found", "no user %s within your jurisdiction", username)
}

// List is the users admin administers, sorted by username; q, when given, keeps those whose
// username, name, email or phone holds it (in any case).
func (d *Directory) List(ctx context.Context, admin *records.Actor, q string) ([]store.User, error) {
	if !Administers(admin) {
		return nil, notAdministrator()
	}
	all, err := d.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out := []store.User{}
	for _, u := range all {
		if !d.manages(admin, &u) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(u.Username+"\x00"+u.Name+"\x00"+u.Email+"\x00"+u.Phone), q) {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// Get is a user admin administers: NotFound when there is none, or admin may not see them.
func (d *Directory) Get(ctx context.Context, admin *records.Actor, username string) (*store.User, error) {
	if !Administers(admin) {
		return nil, notAdministrator()
	}
	u, err := d.Store.User(ctx, username)
	if errors.Is(err, store.ErrNotFound) || err == nil && !d.manages(admin, u) {
		return nil, notFound(username)
	}
	return u, err
}

// New is a user to create.
type New struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Office   string `json:"office"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

// Details are a user's details an administrator edits.
type Details struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// check validates details as the compiler checks the users sheet, and gives the phone number
// in international form.
func (d *Directory) check(det *Details) []records.Detail {
	var out []records.Detail
	det.Name, det.Email, det.Phone = strings.TrimSpace(det.Name), strings.TrimSpace(det.Email), strings.TrimSpace(det.Phone)
	switch {
	case det.Name == "":
		out = append(out, records.Detail{Path: "/name", Code: "required", Message: "give the user's name", Key: "ui.users.problem.name"})
	case utf8.RuneCountInString(det.Name) > 200 || strings.IndexFunc(det.Name, unicode.IsControl) >= 0:
		out = append(out, records.Detail{Path: "/name", Code: "invalid", Message: "a name is one line of at most 200 characters", Key: "ui.users.problem.name"})
	}
	if det.Email != "" && !bundle.ValidEmail(det.Email) {
		out = append(out, records.Detail{Path: "/email", Code: "invalid", Message: "write the address alone, such as amina@example.org", Key: "ui.users.problem.email"})
	}
	if det.Phone != "" {
		p, ok := bundle.NormalPhone(det.Phone, d.Model.Bundle.Country.CallingCode)
		if !ok {
			out = append(out, records.Detail{Path: "/phone", Code: "invalid", Message: "write it in international form, such as +251 91 123 4567", Key: "ui.users.problem.phone"})
		}
		det.Phone = p
	}
	return out
}

// roleAllowed refuses a role admin may not give.
func (d *Directory) roleAllowed(admin *records.Actor, role string) *records.Error {
	if _, ok := d.Model.Roles[role]; !ok {
		return &records.Error{Kind: records.Invalid, Details: []records.Detail{{Path: "/role", Code: "unknown", Message: "no role " + role, Key: "ui.users.problem.role"}}}
	}
	if !slices.Contains(admin.Role.Administers, role) {
		return refuse(records.Forbidden, "/role", "forbidden", "your role does not administer role %s", role)
	}
	return nil
}

// officeAllowed refuses an office outside admin's jurisdiction.
func (d *Directory) officeAllowed(admin *records.Actor, office string) *records.Error {
	if _, ok := d.Model.Offices[office]; !ok {
		return &records.Error{Kind: records.Invalid, Details: []records.Detail{{Path: "/office", Code: "unknown", Message: "no office " + office, Key: "ui.users.problem.office"}}}
	}
	if !d.officeIn(admin, office) {
		return refuse(records.Forbidden, "/office", "forbidden", "office %s is not within your jurisdiction", office)
	}
	return nil
}

// Create creates a user, who logs in with the temporary password returned (shown once to the
// administrator) and sets their own at once.
func (d *Directory) Create(ctx context.Context, admin *records.Actor, n New) (*store.User, string, error) {
	if !Administers(admin) {
		return nil, "", notAdministrator()
	}
	if e := d.roleAllowed(admin, n.Role); e != nil {
		return nil, "", e
	}
	if e := d.officeAllowed(admin, n.Office); e != nil {
		return nil, "", e
	}
	det := Details{n.Name, n.Email, n.Phone}
	problems := d.check(&det)
	n.Username = strings.TrimSpace(n.Username)
	if !bundle.ValidUsername(n.Username) {
		problems = append(problems, records.Detail{Path: "/username", Code: "invalid", Key: "ui.users.problem.username",
			Message: "lower-case letters and digits, joined by dots, hyphens or underscores, such as amina.tarek"})
	}
	if len(problems) > 0 {
		return nil, "", &records.Error{Kind: records.Invalid, Details: problems}
	}
	now := d.now()
	u := &store.User{Username: n.Username, Name: det.Name, Role: n.Role, Office: n.Office, Email: det.Email, Phone: det.Phone,
		Active: true, MustChangePassword: true, Administered: true, Version: 1, Updated: now, UpdatedBy: admin.User.Username}
	temp, hash, err := temporaryPassword()
	if err != nil {
		return nil, "", err
	}
	if err := d.Store.CreateUser(ctx, u); errors.Is(err, store.ErrDuplicate) {
		return nil, "", refuse(records.Conflict, "/username", "taken", "the username %s is taken", n.Username)
	} else if err != nil {
		return nil, "", err
	}
	if err := d.Store.SetPassword(ctx, u.Username, hash); err != nil {
		return nil, "", err
	}
	d.changed(ctx, admin.User.Username, []string{"create"}, nil, u)
	return u, temp, nil
}

// Edit is a change of a user; nil fields stay as they are.
type Edit struct {
	Details *Details
	Office  *string
	Role    *string
	Active  *bool
}

// Update changes a user admin administers, if they are at version (else Conflict: someone
// changed them since). Each part is authorised: the new office must be within admin's
// jurisdiction, the new role one admin administers. Deactivating ends the user's sessions at
// once. From then on the store's record of the user wins over the users sheet.
func (d *Directory) Update(ctx context.Context, admin *records.Actor, username string, version int64, e Edit) (*store.User, error) {
	return d.modify(ctx, admin, username, version, func(u *store.User) ([]string, error) {
		var ops []string
		if e.Details != nil {
			det := *e.Details
			if p := d.check(&det); len(p) > 0 {
				return nil, &records.Error{Kind: records.Invalid, Details: p}
			}
			if det != (Details{u.Name, u.Email, u.Phone}) {
				u.Name, u.Email, u.Phone = det.Name, det.Email, det.Phone
				ops = append(ops, "details")
			}
		}
		if e.Office != nil && *e.Office != u.Office {
			if err := d.officeAllowed(admin, *e.Office); err != nil {
				return nil, err
			}
			u.Office = *e.Office
			ops = append(ops, "move")
		}
		if e.Role != nil && *e.Role != u.Role {
			if err := d.roleAllowed(admin, *e.Role); err != nil {
				return nil, err
			}
			u.Role = *e.Role
			ops = append(ops, "role")
		}
		if e.Active != nil && *e.Active != u.Active {
			u.Active = *e.Active
			ops = append(ops, map[bool]string{true: "reactivate", false: "deactivate"}[u.Active])
		}
		return ops, nil
	}, nil)
}

// ResetPassword gives a user admin administers a temporary password (returned, to be shown
// once): their sessions end, and at their next login they set their own before anything else.
func (d *Directory) ResetPassword(ctx context.Context, admin *records.Actor, username string, version int64) (string, error) {
	temp, hash, err := temporaryPassword()
	if err != nil {
		return "", err
	}
	_, err = d.modify(ctx, admin, username, version, func(u *store.User) ([]string, error) {
		u.MustChangePassword = true
		return []string{"reset-password"}, nil
	}, func(u *store.User) error { return d.Store.SetPassword(ctx, u.Username, hash) })
	if err != nil {
		return "", err
	}
	return temp, nil
}

// modify reads a user admin administers, applies fn (which says what changed, or refuses),
// and stores the result if the user is still at version; then runs after (before the sessions
// of a user deactivated or whose password was reset are ended).
func (d *Directory) modify(ctx context.Context, admin *records.Actor, username string, version int64,
	fn func(u *store.User) ([]string, error), after func(u *store.User) error) (*store.User, error) {
	before, err := d.Get(ctx, admin, username)
	if err != nil {
		return nil, err
	}
	if before.Version != version {
		return nil, refuse(records.Conflict, "/version", "stale", "user %s changed since you read them (version %d, not %d): read them again", username, before.Version, version)
	}
	u := *before
	ops, err := fn(&u)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return before, nil
	}
	u.Administered = true
	u.Version, u.Updated, u.UpdatedBy = before.Version+1, d.now(), admin.User.Username
	if err := d.Store.UpdateUser(ctx, &u); errors.Is(err, store.ErrConflict) {
		return nil, refuse(records.Conflict, "/version", "stale", "user %s changed since you read them: read them again", username)
	} else if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(username)
	} else if err != nil {
		return nil, err
	}
	if after != nil {
		if err := after(&u); err != nil {
			return nil, err
		}
	}
	if !u.Active || slices.Contains(ops, "reset-password") {
		if err := d.Store.DeleteSessions(ctx, u.Username); err != nil {
			return nil, err
		}
	}
	d.changed(ctx, admin.User.Username, ops, before, &u)
	return &u, nil
}

// temporaryPassword is a new random password, given by an administrator to a user who replaces
// it at their first login: 16 letters and digits in groups of four (80 bits).
func temporaryPassword() (pw, hash string, err error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i: read over the phone
	b := make([]byte, 16)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	pw = sb.String()
	hash, err = auth.HashPassword(pw)
	return pw, hash, err
}

// PasswordContext are the words a user's password must not be (auth.CheckPasswordRules): their
// username, their name's words, the country's code and name, and crvsctl.
func (d *Directory) PasswordContext(u *store.User) []string {
	out := []string{u.Username, "crvsctl", d.Model.Bundle.Country.Code}
	out = append(out, strings.Fields(u.Name)...)
	if d.Model.Texts != nil {
		for _, lang := range d.Model.Texts.Languages() {
			out = append(out, d.Model.Texts.Text(lang, d.Model.Bundle.Country.Name))
		}
	}
	return out
}

// maxWrongCurrent is how many wrong current passwords a change of password takes, within
// auth.DefaultFailureWindow, before the user's sessions end.
const maxWrongCurrent = auth.DefaultMaxFailures

// Errors of ChangePassword, for the pages and the API to say.
var (
	ErrWrongPassword = errors.New("the current password is wrong")
	ErrSamePassword  = errors.New("the new password is the current one: choose another")
)

// ChangePassword sets a user's own password, given their current one: the new one must keep
// auth.CheckPasswordRules (with the user's context words). It clears the obligation to change it
// that a reset left.
func (d *Directory) ChangePassword(ctx context.Context, username, current, next string) error {
	u, err := d.Store.User(ctx, username)
	if err != nil {
		return err
	}
	hash, err := d.Store.Password(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if ok, verr := auth.VerifyPassword(hash, current); err != nil || verr != nil || !ok {
		// A session in the wrong hands must not guess the password at leisure: after
		// maxWrongCurrent wrong ones in the window, the user's sessions end, and the next
		// guesses go through the login's limits.
		key := "change-password\x00" + username
		if n, err := d.Store.AddFailure(ctx, key, d.now(), auth.DefaultFailureWindow); err != nil {
			return err
		} else if n >= maxWrongCurrent {
			d.log().Warn("wrong current passwords at a change of password: the user's sessions end", "user", username, "failures", n)
			if err := d.Store.DeleteSessions(ctx, username); err != nil {
				return err
			}
			if err := d.Store.ClearFailures(ctx, key); err != nil {
				return err
			}
		}
		return ErrWrongPassword
	}
	if err := d.Store.ClearFailures(ctx, "change-password\x00"+username); err != nil {
		return err
	}
	if auth.NormalizePassword(current) == auth.NormalizePassword(next) {
		return ErrSamePassword
	}
	if err := auth.CheckPasswordRules(next, d.PasswordContext(u)...); err != nil {
		return err
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if err := d.Store.SetPassword(ctx, username, newHash); err != nil {
		return err
	}
	for attempt := 0; u.MustChangePassword && attempt < 5; attempt++ {
		before := *u
		u.MustChangePassword = false
		u.Version, u.Updated, u.UpdatedBy = before.Version+1, d.now(), username
		err := d.Store.UpdateUser(ctx, u)
		if err == nil {
			d.changed(ctx, username, []string{"change-password"}, &before, u)
			break
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		if u, err = d.Store.User(ctx, username); err != nil {
			return err
		}
	}
	return nil
}
