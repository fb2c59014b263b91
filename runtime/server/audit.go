package server

import (
	"context"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// SignAudit has Serve sign the audit log's head with key (crvsctl serve --audit-key): every
// audit.DefaultEvery entries or audit.DefaultInterval, and when it stops. Call it before
// serving; without it, the chain is kept but no checkpoint signed.
func (s *Server) SignAudit(key *seal.PrivateKey) {
	s.checkpoints = &audit.Checkpointer{Store: s.Store, Key: key, Log: s.Log}
}

// Checkpointer is what signs the audit log's head; nil without SignAudit.
func (s *Server) Checkpointer() *audit.Checkpointer { return s.checkpoints }

// auditFor places the authenticator's entries: a user of the bundle's role, office and its
// areas, so that the log is searched by jurisdiction; an unknown username (a failed login)
// has none, and only a national reader of the log sees it.
func (s *Server) auditFor(ctx context.Context, e *store.AuditEntry) error {
	if u, ok := s.Model.Users[e.User]; ok {
		e.Role, e.Office = u.Role, u.Office
		if o, ok := s.Model.Offices[u.Office]; ok {
			e.Areas = s.Model.AreasOf(o.Area)
		}
	}
	return s.Store.AppendAudit(ctx, e)
}

// checkpoint runs the checkpointer until ctx ends (then signs once more).
func (s *Server) checkpoint(ctx context.Context) {
	if s.checkpoints != nil {
		s.checkpoints.Run(ctx)
	}
}
