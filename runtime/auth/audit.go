package auth

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// AuditFunc writes an entry in the audit log for the authenticator: the server's places it
// (the user's role, office and areas, from the bundle) and appends it to the store.
type AuditFunc func(ctx context.Context, e *store.AuditEntry) error

// auditLogin writes a login's outcome: a session opened, or a failure and why (a wrong
// username or password, or the limits). The username is the one typed, bounded by
// maxUsernameLen; the address is the client's. An error of the store is not a failure of the
// user's, and is not written.
func (a *Authenticator) auditLogin(ctx context.Context, username, addr string, err error) {
	if a.Audit == nil || username == "" || len(username) > maxUsernameLen {
		return
	}
	kind, reason := store.AuditLogin, ""
	switch {
	case err == nil:
	case errors.Is(err, ErrBadCredentials):
		kind, reason = store.AuditLoginFailed, "bad-credentials"
	case errors.Is(err, ErrRateLimited):
		kind, reason = store.AuditLoginFailed, "rate-limited"
	default:
		return
	}
	details, _ := json.Marshal(struct {
		Address string `json:"address"`
		Reason  string `json:"reason,omitempty"`
	}{addr, reason})
	a.WriteAudit(ctx, &store.AuditEntry{Time: a.now(), User: username, Kind: kind, Details: details})
}

// auditCode writes the second step of a login: the session opened, or the code refused (a
// wrong or used code, or the limits). An error of the store is not written.
func (a *Authenticator) auditCode(ctx context.Context, user, addr string, err error) {
	kind, reason := store.AuditLogin, ""
	switch {
	case err == nil:
	case errors.Is(err, ErrBadCode):
		kind, reason = store.AuditLoginFailed, "bad-code"
	case errors.Is(err, ErrRateLimited):
		kind, reason = store.AuditLoginFailed, "rate-limited"
	default:
		return
	}
	details, _ := json.Marshal(struct {
		Address      string `json:"address"`
		SecondFactor bool   `json:"secondFactor"`
		Reason       string `json:"reason,omitempty"`
	}{addr, true, reason})
	a.WriteAudit(ctx, &store.AuditEntry{Time: a.now(), User: user, Kind: kind, Details: details})
}

// WriteAudit appends an entry through Audit (nothing without it), whatever the request's
// context says (a client hanging up right after its login still leaves it in the log). A
// failure goes to AuditFailed, and does not stop what it records: a login is not refused
// because the log cannot be written (unlike an audited read, see records.Service.Read). For
// the steps of a login besides the password (a second factor: kind store.AuditLoginFailed,
// details {"reason": ...}).
func (a *Authenticator) WriteAudit(ctx context.Context, e *store.AuditEntry) {
	if a.Audit == nil {
		return
	}
	if err := a.Audit(context.WithoutCancel(ctx), e); err != nil && a.AuditFailed != nil {
		a.AuditFailed(e, err)
	}
}

// auditLogout writes a session ended by its user.
func (a *Authenticator) auditLogout(ctx context.Context, user string) {
	if a.Audit == nil || user == "" {
		return
	}
	a.WriteAudit(ctx, &store.AuditEntry{Time: a.now(), User: user, Kind: store.AuditLogout})
}
