package records

import (
	"slices"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
)

// TestWorkflowOrderFollowsTheStatuses: actions come in the order of the statuses they are
// taken from, as the package declares them (not the alphabet's: "submitted" before
// "approved"), then of the statuses they lead to, those that change none last; the id only
// breaks a tie (the bundle does not keep the package's order of actions).
func TestWorkflowOrderFollowsTheStatuses(t *testing.T) {
	statuses := []string{"submitted", "checked", "approved", "archived"}
	action := func(id, to string, from ...string) *Action {
		return &Action{Action: bundle.Action{ID: id, From: from, To: to}}
	}
	actions := []*Action{
		action("archive", "archived", "approved"),
		action("approve", "approved", "checked"),
		action("zap", "archived", "submitted"),
		action("note", "", "submitted"),
		action("check", "checked", "submitted"),
		action("annotate", "", "submitted"),
		action("submit", "submitted"),
		action("reopen", "submitted", "checked", "approved"),
	}
	workflowOrder(statuses, actions)
	var got []string
	for _, a := range actions {
		got = append(got, a.ID)
	}
	want := []string{"check", "zap", "annotate", "note", "reopen", "approve", "archive", "submit"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
