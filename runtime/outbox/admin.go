package outbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/users"
)

// The outbox's administration, which the API (runtime/api) and the pages (runtime/web) share:
// who reads what is pending and parked, and the retry of a parked message with its audit entry.

// Administers tells whether a reads the outbox and retries its parked messages. The outbox is
// the whole register's, and its messages hold informants' addresses: administrators (roles
// that administer users) of nationwide jurisdiction only.
func Administers(a *records.Actor) bool {
	return a != nil && a.Role != nil && users.Administers(a) && a.Role.Jurisdiction == "nation"
}

// AuditRetry is the action of the audit entry of a retry (kind store.AuditUserAdmin).
const AuditRetry = "outbox-retry"

// Retry tries the parked message id again for the administrator a, at now (its tries counted
// from 0), and writes it in the audit log: who, when, and which message. It is refused (a
// records.Error, Forbidden) to anyone Administers does not hold; store.ErrNotFound when no
// parked message has id. The retry made, an audit entry that cannot be written is logged to
// log (nil: not), not returned: the message is due again either way.
func Retry(ctx context.Context, s *records.Service, a *records.Actor, id string, now time.Time, log *slog.Logger) error {
	if !Administers(a) {
		return &records.Error{Kind: records.Forbidden, Details: []records.Detail{{Code: "forbidden",
			Message: "only administrators of the whole country retry the outbox's messages", Key: "ui.error.forbidden"}}}
	}
	if err := s.Store.OutboxRetry(ctx, id, now); err != nil {
		return err
	}
	details, _ := json.Marshal(map[string]string{"message": id})
	e := &store.AuditEntry{Time: now, User: a.User.Username, Role: a.User.Role, Kind: store.AuditUserAdmin, Action: AuditRetry,
		Office: a.Office.Code, Areas: s.Model.AreasOf(a.Office.Area), Details: details}
	if err := s.Store.AppendAudit(ctx, e); err != nil && log != nil {
		log.Error("an audit entry was not written", "kind", AuditRetry, "message", id, "err", err)
	}
	return nil
}

// RecordOf is the tracking ID of the record a message is about, from its Key ("" when it is
// about none, as an OSIA subscription's confirmation): the messages of an action are keyed
// "<record>/<version>/..." (see Planner, WebhookMessages, osia.Service.RecordMessages).
func RecordOf(m *store.OutboxMessage) string {
	parts := strings.SplitN(m.Key, "/", 3)
	if len(parts) < 3 || parts[0] == "" {
		return ""
	}
	if _, err := strconv.ParseInt(parts[1], 10, 64); err != nil {
		return ""
	}
	return parts[0]
}
