package compiler

import (
	"maps"
	"slices"

	"github.com/crvsctl/crvsctl/bundle"
)

// CodeHook is an action hook that cannot work as written: on an action that creates a record
// or prints, filling a field that holds no answer, or waiting with a flag an action also
// raises or removes.
const CodeHook = "hook"

// defaultHookTimeout is a hook's timeout, in seconds, when the package gives none.
const defaultHookTimeout = 10

// hook is an event's #Hook.
type hook struct {
	System  string   `json:"system"`
	Sends   []string `json:"sends"`
	Stores  []string `json:"stores"`
	Timeout int      `json:"timeout"`
	Waiting string   `json:"waiting"`
}

// hooks checks each event's action hooks against its workflow and its form: the action exists
// and is taken on a record without printing, the fields sent and stored exist, a field stored
// holds an answer (not a heading, nor a document, which is a file), and the waiting flag is a
// flag of the event that no action raises or removes (the runtime alone does: a record holds
// it exactly while its system has not answered).
func (c *checker) hooks() {
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		ev := c.pkg.Events[id]
		fields := eventFields(ev)
		ids := slices.Sorted(maps.Keys(fields))
		actions := slices.Sorted(maps.Keys(ev.Workflow.Actions))
		flags := slices.Sorted(maps.Keys(ev.Flags))
		for _, name := range slices.Sorted(maps.Keys(ev.Hooks)) {
			h := ev.Hooks[name]
			at := func(path ...any) []any { return append([]any{"events", id, "hooks", name}, path...) }
			switch a, ok := ev.Workflow.Actions[name]; {
			case !ok:
				c.l.Errorf(c.pos(at()...), CodeUnknownRef, hintFor(name, actions), "event %s has no action %s to hook", id, name)
			case len(a.From) == 0:
				c.l.Errorf(c.pos(at()...), CodeHook, "hook the action that follows it (validate, register)",
					"action %s creates a record: a hook runs on an action taken on a record, which can wait for its answer", name)
			case a.Prints:
				c.l.Errorf(c.pos(at()...), CodeHook, "hook the action before it (register)", "action %s prints: a print has no hook", name)
			}
			for i, f := range h.Sends {
				if _, ok := fields[f]; !ok {
					c.l.Errorf(c.pos(at("sends", i)...), CodeUnknownRef, hintFor(f, ids), "event %s has no field %s to send", id, f)
				}
			}
			for i, f := range h.Stores {
				fd, ok := fields[f]
				switch {
				case !ok:
					c.l.Errorf(c.pos(at("stores", i)...), CodeUnknownRef, hintFor(f, ids), "event %s has no field %s to store an answer in", id, f)
				case fd.Type == "heading" || fd.Type == "paragraph" || fd.Type == "document":
					c.l.Errorf(c.pos(at("stores", i)...), CodeHook, "store the answer in a field that holds one (text, number, date, a choice...)",
						"field %s is a %s: a system's answer cannot be stored in it", f, fd.Type)
				}
			}
			if h.Waiting == "" {
				continue
			}
			if _, ok := ev.Flags[h.Waiting]; !ok {
				c.l.Errorf(c.pos(at("waiting")...), CodeUnknownRef, hintFor(h.Waiting, flags), "event %s has no flag %s (declare it in flags)", id, h.Waiting)
			}
			for _, other := range actions {
				a := ev.Workflow.Actions[other]
				for _, does := range []struct {
					verb  string
					flags []string
				}{{"raises", a.AddFlags}, {"removes", a.RemoveFlags}} {
					if slices.Contains(does.flags, h.Waiting) {
						c.l.Errorf(c.pos("events", id, "workflow", "actions", other), CodeHook, "take it out of the action's addFlags and removeFlags",
							"action %s %s flag %s, which the hook of %s holds records with while its system works: only the runtime raises and removes it", other, does.verb, h.Waiting, name)
					}
				}
			}
		}
	}
}

// bundleHooks are an event's hooks as the bundle holds them; nil for none.
func bundleHooks(ev event) map[string]bundle.Hook {
	if len(ev.Hooks) == 0 {
		return nil
	}
	out := map[string]bundle.Hook{}
	for action, h := range ev.Hooks {
		if h.Timeout == 0 {
			h.Timeout = defaultHookTimeout
		}
		out[action] = bundle.Hook{System: h.System, Sends: h.Sends, Stores: h.Stores, Timeout: h.Timeout, Waiting: h.Waiting}
	}
	return out
}
