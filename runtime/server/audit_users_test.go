package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUserChangesAudited: the users sheet's seeding at start and an administrator's change of a
// user are in the audit log, by whom, with what changed.
func TestUserChangesAudited(t *testing.T) {
	base, _ := inProcess(t)
	admin := login(t, base, "fenna.albrecq")
	var lidya struct{ Version int64 }
	admin.expect(t, http.StatusOK, "GET", "/api/v1/users/lidya.verhane", nil).decode(t, &lidya)
	admin.expect(t, http.StatusOK, "POST", "/api/v1/users/lidya.verhane/reset-password", map[string]any{"version": lidya.Version})

	national := login(t, base, "ilena.marvosa")
	var log struct {
		Entries []struct {
			User, Kind, Action, Office string
			Details                    map[string]any
		}
	}
	national.expect(t, http.StatusOK, "GET", "/api/v1/audit?kind=user-admin&limit=500", nil).decode(t, &log)
	var sheet, reset bool
	for _, e := range log.Entries {
		if e.User == "users-sheet" && strings.Contains(e.Action, "sheet-create") && e.Details["user"] == "lidya.verhane" {
			sheet = true
		}
		if e.User == "fenna.albrecq" && strings.Contains(e.Action, "reset-password") && e.Details["user"] == "lidya.verhane" && e.Office == "CR0101" {
			reset = true
		}
	}
	if !sheet || !reset {
		t.Errorf("user changes in the audit log: seeding %v, reset %v; entries %+v", sheet, reset, log.Entries)
	}
}
