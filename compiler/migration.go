package compiler

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/migration"
)

// CodeMigration is a mapping of an event's migration that does not fit the form it moves
// records to: a renamed or removed field the form still has, two fields renamed to one, a
// default its field does not take.
const CodeMigration = "migration"

// migrations checks each event's migration against the event's form, the version it moves
// records to; crvsctl diff checks it against the version they come from. Once the places are
// read: a location's default must be one of them.
func (c *checker) migrations(tb *tables) {
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		if ev := c.pkg.Events[id]; ev.Migration != nil {
			c.migration(id, ev, tb)
		}
	}
}

func (c *checker) migration(id string, ev event, tb *tables) {
	m := ev.Migration
	at := func(path ...any) []any { return append([]any{"events", id, "migration"}, path...) }
	byID := map[string]field{}
	var ids []string
	for _, pg := range ev.Form.Pages {
		for _, f := range pg.Fields {
			if _, dup := byID[f.ID]; !dup { // a field declared twice is reported with the form
				byID[f.ID] = f
				ids = append(ids, f.ID)
			}
		}
	}
	slices.Sort(ids)
	answerable := func(f field) bool { return f.Type != "heading" && f.Type != "paragraph" }

	targets := map[string][]string{} // new id -> the old ids renamed to it
	for _, old := range slices.Sorted(maps.Keys(m.Renamed)) {
		to := m.Renamed[old]
		pos := c.pos(at("renamed", old)...)
		if _, still := byID[old]; still {
			c.l.Errorf(pos, CodeMigration, "give the field its new id in the form, or take "+old+" out of renamed",
				"field %s is renamed to %s, but the form still has %s: a renamed field has a new id", old, to, old)
			continue
		}
		if slices.Contains(m.Removed, old) {
			c.l.Errorf(pos, CodeMigration, "keep one of the two", "field %s is both renamed and removed", old)
		}
		f, ok := byID[to]
		switch {
		case !ok:
			c.l.Errorf(pos, CodeUnknownRef, hintFor(to, ids), "field %s is renamed to %s, which is not a field of event %s", old, to, id)
			continue
		case !answerable(f):
			c.l.Errorf(pos, CodeWrongFieldType, "", "field %s is renamed to %s, a %s, which takes no answer", old, to, f.Type)
			continue
		}
		targets[to] = append(targets[to], old)
	}
	for _, to := range slices.Sorted(maps.Keys(targets)) {
		if olds := targets[to]; len(olds) > 1 {
			c.l.Errorf(c.pos(at("renamed", olds[1])...), CodeMigration, "rename one of them to another field, or remove it",
				"fields %s are all renamed to %s: a record holding answers to both could not move", strings.Join(olds, " and "), to)
		}
	}

	for i, old := range m.Removed {
		if _, still := byID[old]; still {
			c.l.Errorf(c.pos(at("removed", i)...), CodeMigration, "take it out of removed: records keep their answers to it",
				"field %s is removed, but the form still has it: records would lose their answers to a field it asks", old)
		}
		if slices.Contains(m.Removed[:i], old) {
			c.l.Warnf(c.pos(at("removed", i)...), CodeDuplicate, "", "field %s is removed twice", old)
		}
	}

	for _, fid := range slices.Sorted(maps.Keys(m.Options)) {
		f, ok := byID[fid]
		switch {
		case !ok:
			c.l.Errorf(c.pos(at("options", fid)...), CodeUnknownRef, hintFor(fid, ids),
				"options of field %s are mapped, but it is not a field of event %s (options are mapped by the new field's id)", fid, id)
			continue
		case f.Type != "select" && f.Type != "radio" && f.Type != "checkboxes":
			c.l.Errorf(c.pos(at("options", fid)...), CodeWrongFieldType, "",
				"options of field %s are mapped, but it is a %s: only select, radio and checkboxes fields have options", fid, f.Type)
			continue
		}
		opts := c.optionsOf(fieldAt{field: f})
		if opts == nil {
			continue // reported with the field
		}
		for _, from := range slices.Sorted(maps.Keys(m.Options[fid])) {
			if to := m.Options[fid][from]; !slices.Contains(opts, to) {
				c.l.Errorf(c.pos(at("options", fid, from)...), CodeUnknownRef, hintFor(to, opts),
					"option %s is mapped to %s, which is not an option of field %s (%s)", from, to, fid, strings.Join(opts, ", "))
			}
		}
	}

	for _, fid := range slices.Sorted(maps.Keys(m.Defaults)) {
		pos := c.pos(at("defaults", fid)...)
		f, ok := byID[fid]
		switch {
		case !ok:
			c.l.Errorf(pos, CodeUnknownRef, hintFor(fid, ids), "field %s has a default, but it is not a field of event %s", fid, id)
			continue
		case !answerable(f):
			c.l.Errorf(pos, CodeWrongFieldType, "", "field %s is a %s, which takes no answer", fid, f.Type)
			continue
		case f.Calculate != "":
			c.l.Errorf(pos, CodeMigration, "take it out of defaults", "field %s is calculated: its rule gives its value, not a default", fid)
			continue
		}
		if why := c.notAnswer(f, m.Defaults[fid], tb); why != "" {
			c.l.Errorf(pos, CodeMigration, "", "the default of field %s is not an answer it takes: %s", fid, why)
		}
	}
}

// notAnswer says why v is not an answer field f takes, or "": its shape, options, parts,
// bounds and dates (migration.Fits), a location's code, an identity number's pattern.
func (c *checker) notAnswer(f field, v any, tb *tables) string {
	bf := &bundle.Field{ID: f.ID, Type: f.Type, Min: f.Min, Max: f.Max, Integer: f.Integer, Parts: f.Parts, Of: f.Of,
		Level: f.Level, Types: f.Types, Pattern: f.Pattern, DocumentTypes: f.DocumentTypes}
	for _, o := range c.optionsOf(fieldAt{field: f}) {
		bf.Options = append(bf.Options, bundle.Option{Value: o})
	}
	if err := migration.Fits(bf, v); err != nil {
		return err.Error()
	}
	s, _ := v.(string)
	switch {
	case f.Type == "location" && f.Of == "office" && tb != nil:
		if typ, ok := tb.offices[s]; !ok {
			return fmt.Sprintf("%s is not an office", s)
		} else if len(f.Types) > 0 && !slices.Contains(f.Types, typ) {
			return fmt.Sprintf("office %s is a %s, not a %s", s, typ, strings.Join(f.Types, " or "))
		}
	case f.Type == "location" && tb != nil:
		if a, ok := tb.areas[s]; !ok {
			return fmt.Sprintf("%s is not an area", s)
		} else if f.Level != "" && a.level != f.Level {
			return fmt.Sprintf("area %s is a %s, not a %s", s, a.level, f.Level)
		}
	case f.Type == "idnumber" && f.Pattern != "":
		if re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err == nil && !re.MatchString(s) {
			return fmt.Sprintf("%s does not match the field's pattern", s)
		}
	}
	return ""
}
