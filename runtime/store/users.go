package store

import "time"

// User is a user as the store keeps them: seeded from the package's users sheet at each start
// of the server, then created and changed by administrators (see runtime/users). Users are few
// (thousands, not millions): Users reads them all.
type User struct {
	Username string
	Name     string
	Role     string
	Office   string
	Email    string
	Phone    string
	// Active: a user deactivated (Active false) cannot log in, and their sessions end.
	Active bool
	// MustChangePassword: an administrator reset the password; the user sets a new one at
	// their next login before anything else.
	MustChangePassword bool
	// Administered: an administrator created or changed the user. From then on the store's
	// record of them wins over the users sheet, whose rows for them are ignored.
	Administered bool
	// Sheet: the users sheet of the bundle served last named the user (a user an
	// administrator created, whom no sheet names, has false).
	Sheet bool

	Version   int64     // 1 when created; each update adds one
	Updated   time.Time // when last changed
	UpdatedBy string    // the administrator who last changed them; "" for the users sheet
}
