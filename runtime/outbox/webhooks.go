package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

// Subscriber receives record events as webhooks, signed as the Standard Webhooks
// specification says (https://www.standardwebhooks.com): given at serve time, never in the
// package.
type Subscriber struct {
	URL    string
	Secret []byte   // the key: the base64 after "whsec_"
	Events []string // the actions it hears of ("declare", "register"...); empty: all
}

// ParseSubscriber reads a subscriber as crvsctl serve --webhook takes it:
// "URL,whsec_<base64>[,action...]".
func ParseSubscriber(s string) (*Subscriber, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return nil, fmt.Errorf("a webhook is URL,secret[,action...]: %q", s)
	}
	u, err := url.Parse(parts[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q: want an http or https URL", parts[0])
	}
	secret, err := webhooksig.ParseSecret(parts[1])
	if err != nil {
		return nil, err
	}
	var events []string
	for _, e := range parts[2:] {
		if e = strings.TrimSpace(e); e != "" && e != "*" {
			events = append(events, e)
		}
	}
	return &Subscriber{URL: parts[0], Secret: secret, Events: events}, nil
}

// Hears tells whether s is told of action.
func (s *Subscriber) Hears(action string) bool {
	return len(s.Events) == 0 || slices.Contains(s.Events, action)
}

// Event is the body of a webhook: the Standard Webhooks payload, naming the record and what
// happened to it, never its personal data (a receiver that needs them reads the record
// through the API, with its own credentials).
type Event struct {
	Type      string    `json:"type"` // "record." and the action
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

type EventData struct {
	Record  string   `json:"record"` // the tracking ID
	Event   string   `json:"event"`  // birth, death...
	Action  string   `json:"action"`
	Version int64    `json:"version"`
	Status  string   `json:"status"`
	Flags   []string `json:"flags"`
	Number  string   `json:"number,omitempty"`
	Office  string   `json:"office"`
	User    string   `json:"user"`
	Comment string   `json:"comment,omitempty"`
}

// WebhookMessages are the outbox's messages of an action for the subscribers who hear of it:
// one each, in order per record and subscriber (by version).
func WebhookMessages(subs []*Subscriber, r *store.Record, e *store.Entry) []store.OutboxMessage {
	var out []store.OutboxMessage
	var body []byte
	for _, s := range subs {
		if !s.Hears(e.Action) {
			continue
		}
		if body == nil {
			flags := r.Flags
			if flags == nil {
				flags = []string{}
			}
			body, _ = json.Marshal(Event{Type: "record." + e.Action, Timestamp: e.At.UTC(), Data: EventData{
				Record: r.ID, Event: r.Event, Action: e.Action, Version: r.Version, Status: r.Status, Flags: flags,
				Number: r.Number, Office: r.Office, User: e.User, Comment: e.Comment}})
		}
		out = append(out, store.OutboxMessage{
			Key:  fmt.Sprintf("%s/%d/webhook/%s", r.ID, r.Version, s.URL),
			Kind: store.OutboxWebhook, Target: s.URL,
			Order: r.ID + "/webhook/" + s.URL, Seq: r.Version, Payload: body,
		})
	}
	return out
}

// Webhooks is the transport of webhook messages: a POST of the payload to the subscriber's
// URL, signed; a 2xx answer is a delivery, anything else a failure.
type Webhooks struct {
	Subscribers []*Subscriber
	Client      *http.Client // nil: one with no redirects followed
	Now         func() time.Time
}

func (w *Webhooks) Send(ctx context.Context, m *store.OutboxMessage) error {
	i := slices.IndexFunc(w.Subscribers, func(s *Subscriber) bool { return s.URL == m.Target })
	if i < 0 {
		return fmt.Errorf("no webhook subscriber %s is configured", m.Target)
	}
	sub := w.Subscribers[i]
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	webhooksig.SetHeaders(req.Header, sub.Secret, m.ID, now(), m.Payload)
	client := w.Client
	if client == nil {
		client = defaultClient
	}
	return Deliver(client, req, sub.URL)
}

// defaultClient follows no redirect: a subscriber answers where it was registered.
var defaultClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
}
