package users

import (
	"context"
	"errors"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// ResetSecondFactor removes the second factor of a user admin administers (they lost their
// phone and their recovery codes): their sessions end, and at their next login they enrol a
// new one if their role requires it, or log in with their password alone. OnAdmin gets
// "reset-second-factor".
func (d *Directory) ResetSecondFactor(ctx context.Context, admin *records.Actor, username string, version int64) (*store.User, error) {
	return d.modify(ctx, admin, username, version, func(u *store.User) ([]string, error) {
		return []string{"reset-second-factor"}, nil
	}, func(u *store.User) error {
		if err := d.Store.DeleteSecondFactor(ctx, u.Username); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return d.Store.DeleteSessions(ctx, u.Username)
	})
}

// RequiresSecondFactor tells whether a user's role says they log in with a second factor.
func (d *Directory) RequiresSecondFactor(u *store.User) bool {
	r, ok := d.Model.Roles[u.Role]
	return ok && r.TwoFactor
}
