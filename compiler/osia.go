package compiler

import (
	"maps"
	"slices"
	"strings"
)

// CodeOSIA is an event's OSIA mapping that cannot work: an attribute read from a field that
// cannot hold it, codes for a value the field never takes or an attribute with no choice.
const CodeOSIA = "osia"

// osia checks each event's OSIA mapping against its form and workflow: every field and part
// exists, every code is for one of the field's options, every action is the event's.
func (c *checker) osia() {
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		ev := c.pkg.Events[id]
		o := ev.OSIA
		if o == nil {
			continue
		}
		at := func(path ...any) []any { return append([]any{"events", id, "osia"}, path...) }
		byID := map[string]field{}
		for _, pg := range ev.Form.Pages {
			for _, f := range pg.Fields {
				if f.Type != "heading" && f.Type != "paragraph" {
					byID[f.ID] = f
				}
			}
		}
		ids := slices.Sorted(maps.Keys(byID))
		for _, name := range slices.Sorted(maps.Keys(o.Attributes)) {
			ref := o.Attributes[name]
			if _, ok := byID[ref]; ok {
				continue
			}
			// A part of a name or address: child.name.given.
			if i := strings.LastIndexByte(ref, '.'); i > 0 {
				if f, ok := byID[ref[:i]]; ok && (f.Type == "name" || f.Type == "address") {
					if !slices.Contains(f.Parts, ref[i+1:]) {
						c.l.Errorf(c.pos(at("attributes", name)...), CodeUnknownRef, hintFor(ref[i+1:], f.Parts),
							"the %s field %s has no part %s (its parts: %s)", f.Type, f.ID, ref[i+1:], strings.Join(f.Parts, ", "))
					}
					continue
				}
			}
			c.l.Errorf(c.pos(at("attributes", name)...), CodeUnknownRef, hintFor(ref, ids), "OSIA attribute %s reads %s, which is not a field of event %s", name, ref, id)
		}
		for _, name := range slices.Sorted(maps.Keys(o.Codes)) {
			f, ok := byID[o.Attributes[name]]
			if !ok || (f.OptionList == "" && len(f.Options) == 0) {
				c.l.Errorf(c.pos(at("codes", name)...), CodeOSIA, "give codes only to an attribute read from a choice (select or radio)",
					"OSIA attribute %s has codes, but is not read from a field with options", name)
				continue
			}
			values := optionValues(f.Options)
			if f.OptionList != "" {
				values = optionValues(c.pkg.OptionLists[f.OptionList])
			}
			for _, v := range slices.Sorted(maps.Keys(o.Codes[name])) {
				if !slices.Contains(values, v) {
					c.l.Errorf(c.pos(at("codes", name, v)...), CodeUnknownRef, hintFor(v, values), "field %s has no option %s", f.ID, v)
				}
			}
			for _, v := range values {
				if _, ok := o.Codes[name][v]; !ok {
					c.l.Warnf(c.pos(at("codes", name)...), CodeOSIA, "", "OSIA attribute %s has no code for option %s of field %s: such answers are not read", name, v, f.ID)
				}
			}
		}
		actions := slices.Sorted(maps.Keys(ev.Workflow.Actions))
		for _, name := range slices.Sorted(maps.Keys(o.Events)) {
			if _, ok := ev.Workflow.Actions[name]; !ok {
				c.l.Errorf(c.pos(at("events", name)...), CodeUnknownRef, hintFor(name, actions), "event %s has no action %s to publish an OSIA event for", id, name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(o.Message)) {
			switch name {
			case "source", "uin":
				c.l.Errorf(c.pos(at("message", name)...), CodeOSIA, "take it out of message", "the message's %s is crvsctl's to write", name)
				continue
			}
			if _, ok := byID[o.Message[name]]; !ok {
				c.l.Errorf(c.pos(at("message", name)...), CodeUnknownRef, hintFor(o.Message[name], ids), "message member %s reads %s, which is not a field of event %s", name, o.Message[name], id)
			}
		}
	}
}
