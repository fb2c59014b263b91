package compiler

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
)

// bundle assembles the checked package into a bundle, every list in a defined order and every
// default translation key written out, so the runtime has nothing left to work out.
func (c *checker) bundle() *bundle.Bundle {
	p := c.pkg
	b := &bundle.Bundle{
		Version: p.Country.Version,
		Country: bundle.Country{
			Code: p.Country.Code, Name: p.Country.Name, Languages: p.Country.Languages,
			DefaultLanguage: p.Country.DefaultLanguage, FallbackLanguage: p.Country.FallbackLanguage,
			TimeZone: p.Country.TimeZone, AreaLevels: p.Places.Areas.Levels, OfficeTypes: p.Places.Offices.Types, CallingCode: p.Country.CallingCode,
		},
		Offices:      c.tb.officeList,
		Files:        nilIfEmpty(c.files),
		Users:        c.tb.users,
		Translations: c.tb.texts,
		Statistics:   c.statistics,
		Outbox:       bundleOutbox(c.pkg),
	}
	if len(c.tb.sorted) > 0 {
		b.Areas = make([]bundle.Area, len(c.tb.sorted))
	}
	for i, a := range c.tb.sorted {
		b.Areas[i] = bundle.Area{Code: a.code, Name: a.name, Names: a.names, Parent: a.parent, Level: a.level,
			ValidFrom: a.validFrom, ValidTo: a.validTo, Successors: a.successors}
	}
	slices.SortFunc(b.Offices, func(x, y bundle.Office) int { return strings.Compare(x.Code, y.Code) })
	slices.SortFunc(b.Users, func(x, y bundle.User) int { return strings.Compare(x.Username, y.Username) })
	for _, id := range slices.Sorted(maps.Keys(p.Roles)) {
		r := p.Roles[id]
		b.Roles = append(b.Roles, bundle.Role{ID: id, Label: or(r.Label, "role."+id), Jurisdiction: r.Jurisdiction, Grants: r.Grants, Reads: r.Reads, Statistics: r.Statistics,
			Administers: r.Administers, Audited: r.Audited, AuditLog: r.AuditLog, TwoFactor: r.TwoFactor})
	}
	for _, id := range slices.Sorted(maps.Keys(p.Events)) {
		b.Events = append(b.Events, c.bundleEvent(id, p.Events[id]))
	}
	return b
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func (c *checker) bundleEvent(id string, ev event) bundle.Event {
	e := bundle.Event{ID: id, Label: or(ev.Label, "event."+id), DateField: ev.DateField, PlaceField: ev.PlaceField, NameField: ev.NameField,
		Title: c.titles[id], Rules: c.forms[id], Numbering: bundle.Numbering(ev.Numbering), Duplicates: c.dups[id], Statistics: c.stats[id], Certificates: c.certs[id]}
	for _, pg := range ev.Form.Pages {
		page := bundle.Page{ID: pg.ID, Title: or(pg.Title, id+".page."+pg.ID)}
		for _, f := range pg.Fields {
			bf := bundle.Field{ID: f.ID, Type: f.Type, Label: or(f.Label, id+"."+f.ID), Hint: f.Hint,
				Min: f.Min, Max: f.Max, Integer: f.Integer, Unit: f.Unit, Parts: f.Parts, Of: f.Of, Level: f.Level,
				Types: f.Types, Pattern: f.Pattern, DocumentTypes: f.DocumentTypes, Default: f.Default}
			if bf.Hint == "" {
				if _, ok := c.tb.keys[id+"."+f.ID+".hint"]; ok {
					bf.Hint = id + "." + f.ID + ".hint"
				}
			}
			bf.Options = c.bundleOptions(f)
			page.Fields = append(page.Fields, bf)
		}
		e.Pages = append(e.Pages, page)
	}
	for _, f := range slices.Sorted(maps.Keys(ev.Flags)) {
		e.Flags = append(e.Flags, bundle.Flag{ID: f, Label: or(ev.Flags[f].Label, "flag."+f)})
	}
	for _, s := range ev.Workflow.Statuses {
		e.Statuses = append(e.Statuses, bundle.Status{ID: s, Label: "status." + s})
	}
	for _, name := range slices.Sorted(maps.Keys(ev.Workflow.Actions)) {
		a := ev.Workflow.Actions[name]
		e.Actions = append(e.Actions, bundle.Action{ID: name, Label: or(a.Label, "action."+name), From: a.From, To: a.To,
			If: c.actionIfs[id][name].whole, Conditions: c.actionIfs[id][name].parts, AddFlags: a.AddFlags, RemoveFlags: a.RemoveFlags,
			Edits: a.Edits, Applies: a.Applies, CommentRequired: a.Comment == "required", Prints: a.Prints})
	}
	e.PayloadSchema = payloadSchema(e)
	e.Migration = bundleMigration(ev.Migration)
	e.Notifications = bundleNotifications(ev)
	e.Hooks = bundleHooks(ev)
	if a := ev.Assignment; a != nil {
		e.Assignment = &bundle.Assignment{Actions: a.Actions, ExpiresAfter: a.ExpiresAfter, ReleasedBy: a.ReleasedBy}
		if len(a.ReleasedBy) == 0 {
			e.Assignment.ReleasedBy = nil
		}
	}
	if o := ev.OSIA; o != nil {
		e.OSIA = &bundle.OSIA{Attributes: o.Attributes, Codes: nilIfNone(o.Codes), Events: nilIfNone(o.Events), Message: nilIfNone(o.Message)}
	}
	return e
}

// bundleMigration is an event's migration as the bundle holds it: nil when it maps nothing,
// the defaults in JSON.
func bundleMigration(m *migrationMap) *bundle.Migration {
	if m == nil || len(m.Renamed)+len(m.Removed)+len(m.Options)+len(m.Defaults) == 0 {
		return nil
	}
	out := &bundle.Migration{Renamed: nilIfNone(m.Renamed), Removed: m.Removed, Options: nilIfNone(m.Options)}
	if len(out.Removed) == 0 {
		out.Removed = nil
	}
	for id, v := range m.Defaults {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // as the rest of the bundle: "<" stays "<"
		if err := enc.Encode(v); err != nil {
			panic(err) // what CUE decodes into: bools, numbers, strings, lists and maps of them
		}
		if out.Defaults == nil {
			out.Defaults = map[string]json.RawMessage{}
		}
		out.Defaults[id] = json.RawMessage(strings.TrimSuffix(b.String(), "\n"))
	}
	return out
}

func nilIfNone[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nilIfEmpty(files map[string][]byte) map[string][]byte {
	if len(files) == 0 {
		return nil
	}
	return files
}

// bundleOptions is a choice field's options with their labels' translation keys: its own
// ("option.<value>" by default) or those of its option list ("<list>.<value>").
func (c *checker) bundleOptions(f field) []bundle.Option {
	opts, prefix := f.Options, "option."
	if f.OptionList != "" {
		opts, prefix = c.pkg.OptionLists[f.OptionList], f.OptionList+"."
	}
	var out []bundle.Option
	for _, o := range opts {
		out = append(out, bundle.Option{Value: o.Value, Label: or(o.Label, prefix+o.Value)})
	}
	return out
}
