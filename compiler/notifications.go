package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
)

// CodeNotification is a notification that cannot be sent as written: a recipient field of the
// wrong type for its channel, a language field whose choices are not the country's languages,
// a subject for an SMS, a placeholder that names nothing.
const CodeNotification = "notification"

// notification is a #Notification of an event.
type notification struct {
	Channel  string            `json:"channel"`
	To       string            `json:"to"`
	Message  string            `json:"message"`
	Subject  string            `json:"subject"`
	With     map[string]string `json:"with"`
	Language string            `json:"language"`
}

// eventFields are an event's fields by id.
func eventFields(ev event) map[string]field {
	out := map[string]field{}
	for _, pg := range ev.Form.Pages {
		for _, f := range pg.Fields {
			out[f.ID] = f
		}
	}
	return out
}

// notifications checks each event's notifications against its workflow, its form and the
// translations: the action exists, the recipient is a field of the channel's type, the
// language field's choices are languages of the country, every field of with exists, and the
// texts' placeholders are names of with or known ones (the translations' check holds every
// language's placeholders to the default language's).
func (c *checker) notifications(tb *tables) {
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		ev := c.pkg.Events[id]
		fields := eventFields(ev)
		ids := slices.Sorted(maps.Keys(fields))
		actions := slices.Sorted(maps.Keys(ev.Workflow.Actions))
		for _, action := range slices.Sorted(maps.Keys(ev.Notifications)) {
			at := func(path ...any) []any { return append([]any{"events", id, "notifications", action}, path...) }
			if _, ok := ev.Workflow.Actions[action]; !ok {
				c.l.Errorf(c.pos(at()...), CodeUnknownRef, hintFor(action, actions), "event %s has no action %s to notify of", id, action)
			}
			for i, n := range ev.Notifications[action] {
				want := map[string]string{"email": "email", "sms": "phone"}[n.Channel]
				if f, ok := fields[n.To]; !ok {
					c.l.Errorf(c.pos(at(i, "to")...), CodeUnknownRef, hintFor(n.To, ids), "event %s has no field %s to send a notification to", id, n.To)
				} else if f.Type != want {
					c.l.Errorf(c.pos(at(i, "to")...), CodeNotification, "send to a field of type "+want,
						"a notification by %s goes to a field of type %s; %s is a %s field", n.Channel, want, n.To, f.Type)
				}
				if n.Subject != "" && n.Channel != "email" {
					c.l.Errorf(c.pos(at(i, "subject")...), CodeNotification, "take it out", "an %s has no subject", n.Channel)
				}
				if n.Language != "" {
					c.languageField(id, fields, ids, n.Language, at(i, "language"))
				}
				for _, name := range slices.Sorted(maps.Keys(n.With)) {
					if _, ok := fields[n.With[name]]; !ok {
						c.l.Errorf(c.pos(at(i, "with", name)...), CodeUnknownRef, hintFor(n.With[name], ids), "event %s has no field %s", id, n.With[name])
					}
				}
				for _, k := range []struct{ key, what string }{{n.Message, "message"}, {n.Subject, "subject"}} {
					if k.key != "" {
						c.placeholders(tb, n, k.key, at(i, k.what))
					}
				}
			}
		}
	}
}

// languageField checks a notification's language field: a choice whose values are languages
// of the country.
func (c *checker) languageField(event string, fields map[string]field, ids []string, id string, path []any) {
	f, ok := fields[id]
	if !ok {
		c.l.Errorf(c.pos(path...), CodeUnknownRef, hintFor(id, ids), "event %s has no field %s to read a language from", event, id)
		return
	}
	if f.Type != "select" && f.Type != "radio" {
		c.l.Errorf(c.pos(path...), CodeNotification, "make it a select or radio field of the country's languages",
			"the language of a notification is a choice, not a %s field", f.Type)
		return
	}
	var wrong []string
	for _, o := range c.bundleOptions(f) {
		if !slices.Contains(c.pkg.Country.Languages, o.Value) {
			wrong = append(wrong, o.Value)
		}
	}
	if len(wrong) > 0 {
		c.l.Errorf(c.pos(path...), CodeNotification, "give the choices the values "+strings.Join(c.pkg.Country.Languages, ", "),
			"field %s's choices %s are not languages of the country", id, strings.Join(wrong, ", "))
	}
}

// placeholders checks that the default language's text of key (the others are held to it)
// uses only the names of n.With and the known names.
func (c *checker) placeholders(tb *tables, n notification, key string, path []any) {
	text, ok := tb.texts[c.pkg.Country.DefaultLanguage][key]
	if !ok {
		return // a key not translated is reported by checkKeys
	}
	m, err := i18n.Parse(text)
	if err != nil {
		return // reported with the translations
	}
	names := slices.Concat(slices.Sorted(maps.Keys(n.With)), bundle.NotificationNames)
	for _, a := range m.Args() {
		if !slices.Contains(names, a) {
			hint := fmt.Sprintf("name it in with (%s: \"a.field\")", a)
			if h := hintFor(a, names); h != "" {
				hint = h + ", or " + hint
			}
			c.l.Errorf(c.pos(path...), CodeNotification, hint,
				"the text of %s uses the placeholder {%s}, which is no name of with nor one of %s", key, a, strings.Join(bundle.NotificationNames, ", "))
		}
	}
}

// notificationKeys are the translation keys notifications use, for checkKeys.
func (c *checker) notificationKeys() []keyUse {
	var uses []keyUse
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		ev := c.pkg.Events[id]
		for _, action := range slices.Sorted(maps.Keys(ev.Notifications)) {
			for i, n := range ev.Notifications[action] {
				uses = append(uses, keyUse{key: n.Message, what: "a notification's message", pos: c.pos("events", id, "notifications", action, i, "message")})
				if n.Subject != "" {
					uses = append(uses, keyUse{key: n.Subject, what: "a notification's subject", pos: c.pos("events", id, "notifications", action, i, "subject")})
				}
			}
		}
	}
	return uses
}

// bundleNotifications are an event's notifications as the bundle holds them; nil for none.
func bundleNotifications(ev event) map[string][]bundle.Notification {
	if len(ev.Notifications) == 0 {
		return nil
	}
	out := map[string][]bundle.Notification{}
	for action, ns := range ev.Notifications {
		for _, n := range ns {
			b := bundle.Notification{Channel: n.Channel, To: n.To, Message: n.Message, Subject: n.Subject, Language: n.Language}
			if len(n.With) > 0 {
				b.With = n.With
			}
			out[action] = append(out[action], b)
		}
	}
	return out
}

// bundleOutbox is the package's outbox settings as the bundle holds them; nil for none.
func bundleOutbox(p *pkgModel) *bundle.Outbox {
	if p.Outbox == nil || p.Outbox.MaxAttempts == 0 {
		return nil
	}
	return &bundle.Outbox{MaxAttempts: p.Outbox.MaxAttempts}
}
