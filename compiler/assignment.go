package compiler

import (
	"maps"
	"slices"

	"github.com/crvsctl/crvsctl/bundle"
)

// CodeAssignment is an event's assignment that cannot work: a duration that is none, an
// action that is not the event's or creates a record, a role that does not exist or could
// never see the records it would release.
const CodeAssignment = "assignment"

// assignments checks each event's assignment against its workflow and the roles.
func (c *checker) assignments() {
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		ev := c.pkg.Events[id]
		a := ev.Assignment
		if a == nil {
			continue
		}
		at := func(path ...any) []any { return append([]any{"events", id, "assignment"}, path...) }
		if _, err := bundle.ParseDuration(a.ExpiresAfter); err != nil {
			c.l.Errorf(c.pos(at("expiresAfter")...), CodeAssignment, "", "%v", err)
		}
		actions := slices.Sorted(maps.Keys(ev.Workflow.Actions))
		seen := map[string]bool{}
		for i, name := range a.Actions {
			act, ok := ev.Workflow.Actions[name]
			switch {
			case !ok:
				c.l.Errorf(c.pos(at("actions", i)...), CodeUnknownRef, hintFor(name, actions), "event %s has no action %s to assign records for", id, name)
			case len(act.From) == 0:
				c.l.Errorf(c.pos(at("actions", i)...), CodeAssignment, "take it out of actions",
					"action %s creates a record: there is no record to assign before it", name)
			case seen[name]:
				c.l.Warnf(c.pos(at("actions", i)...), CodeDuplicate, "", "action %s is listed twice", name)
			}
			seen[name] = true
		}
		roles := slices.Sorted(maps.Keys(c.pkg.Roles))
		for i, name := range a.ReleasedBy {
			r, ok := c.pkg.Roles[name]
			if !ok {
				c.l.Errorf(c.pos(at("releasedBy", i)...), CodeUnknownRef, hintFor(name, roles), "role %s does not exist", name)
				continue
			}
			if _, grants := r.Grants[id]; !grants && !slices.Contains(r.Reads, id) {
				c.l.Errorf(c.pos(at("releasedBy", i)...), CodeAssignment, "grant it an action on "+id+" records, or give it reads",
					"role %s releases assignments of %s records, but reads none of them", name, id)
			}
		}
	}
}
