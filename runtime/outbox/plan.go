package outbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Planner makes the outbox's messages of an action (records.Service.Outbox): a webhook for each
// subscriber who hears of it, and the notifications the package declares for it.
type Planner struct {
	Model    *records.Model
	Webhooks []*Subscriber
	// Others make the messages of an action for other receivers (OSIA's subscribers), in
	// the action's write as the others; nil: none.
	Others func(r *store.Record, e *store.Entry) []store.OutboxMessage
	// Answers are a record's answers in the terms of Model, the version served, whose
	// notifications name the fields they read (records.Service.AnswersNow: a record of an
	// older version may hold the phone under the field's old id); nil: as the record holds
	// them.
	Answers func(r *store.Record) (map[string]any, error)
}

// Notice is the payload of a notification: what a transport sends, rendered when the action
// was taken (in the informant's language), so that every try sends the same text.
type Notice struct {
	To       string `json:"to"`
	Subject  string `json:"subject,omitempty"`
	Body     string `json:"body"`
	Language string `json:"language"`
}

// Messages are the messages of the action e made on r (r as stored by it).
func (p *Planner) Messages(r *store.Record, e *store.Entry) []store.OutboxMessage {
	msgs := WebhookMessages(p.Webhooks, r, e)
	msgs = append(msgs, p.Notifications(r, e)...)
	if p.Others != nil {
		msgs = append(msgs, p.Others(r, e)...)
	}
	return msgs
}

// Notifications are the notifications the package declares for e's action on r, by the
// bundle served (a record declared under an older one is told with today's texts, its answers
// read in today's terms: see Answers): one for
// each whose recipient field is answered. They are delivered in order per record and channel.
func (p *Planner) Notifications(r *store.Record, e *store.Entry) []store.OutboxMessage {
	if p.Model == nil {
		return nil
	}
	ev := p.Model.Events[r.Event]
	if ev == nil || len(ev.Notifications[e.Action]) == 0 {
		return nil
	}
	var data map[string]any
	if p.Answers != nil {
		var err error
		if data, err = p.Answers(r); err != nil {
			return nil
		}
	} else if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil
	}
	fields := map[string]bundle.Field{}
	for _, pg := range ev.Pages {
		for _, f := range pg.Fields {
			fields[f.ID] = f
		}
	}
	texts := p.Model.Texts
	var out []store.OutboxMessage
	for i, n := range ev.Notifications[e.Action] {
		to := strings.TrimSpace(answerText(data[n.To], fields[n.To]))
		if to == "" {
			continue
		}
		if n.Channel == "sms" {
			// E.164, as gateways take it: +251911234567.
			if norm, ok := bundle.NormalPhone(to, p.Model.Bundle.Country.CallingCode); ok {
				to = strings.Map(func(r rune) rune {
					if r == '+' || r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, norm)
			}
		}
		lang := p.Model.Bundle.Country.DefaultLanguage
		if l, ok := data[n.Language].(string); ok && n.Language != "" && slices.Contains(texts.Languages(), l) {
			lang = l
		}
		args := map[string]any{"trackingId": r.ID, "number": r.Number, "reason": e.Comment,
			"event": texts.Text(lang, ev.Label), "status": texts.Text(lang, "status."+r.Status), "action": e.Action}
		if a := ev.Actions[e.Action]; a != nil {
			args["action"] = texts.Text(lang, a.Label)
		}
		for _, name := range slices.Sorted(maps.Keys(n.With)) {
			args[name] = answerText(data[n.With[name]], fields[n.With[name]])
		}
		notice := Notice{To: to, Body: texts.Format(lang, n.Message, args), Language: lang}
		if n.Subject != "" {
			notice.Subject = texts.Format(lang, n.Subject, args)
		}
		payload, _ := json.Marshal(notice)
		kind := store.OutboxEmail
		if n.Channel == "sms" {
			kind = store.OutboxSMS
		}
		out = append(out, store.OutboxMessage{
			Key:  fmt.Sprintf("%s/%d/%s/%d", r.ID, r.Version, n.Channel, i),
			Kind: kind, Target: to,
			Order: r.ID + "/" + n.Channel, Seq: r.Version*1000 + int64(i), Payload: payload,
		})
	}
	return out
}

// answerText is an answer as a message shows it: a name's parts in the field's order, a list's
// values joined, a number as written.
func answerText(v any, f bundle.Field) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, answerText(x, bundle.Field{}))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := f.Parts
		if len(keys) == 0 {
			keys = slices.Sorted(maps.Keys(v))
		}
		var parts []string
		for _, k := range keys {
			if s := strings.TrimSpace(answerText(v[k], bundle.Field{})); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}
