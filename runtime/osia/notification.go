package osia

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Subscription is a subscriber's request to be sent the messages of one topic (an OSIA
// event type: liveBirth, death, updatePerson...) at an address, over http (email is refused:
// the register sends no mail for OSIA). Messages go to active (confirmed) subscriptions only,
// and only while their owner may read the record.
type Subscription = store.Subscription

// view is a subscription as OSIA's Subscription object.
func view(s Subscription) map[string]any {
	v := map[string]any{"uuid": s.ID, "topic": s.Topic, "protocol": s.Protocol, "address": s.Address, "active": s.Active}
	if s.Policy != "" {
		v["policy"] = s.Policy
	}
	return v
}

// Topics are the topics the actor may subscribe to: the OSIA event types of the events their
// role reads, sorted.
func (s *Service) Topics(actor *records.Actor) []string {
	set := map[string]bool{}
	for _, id := range s.served(actor) {
		for _, t := range s.Records.Model.Events[id].OSIA.Events {
			set[t] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// ListTopics answers GET /v1/topics: the topics the caller may subscribe to, each its own
// uuid.
func (s *Service) ListTopics(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	out := []map[string]string{}
	for _, t := range s.Topics(actor) {
		out = append(out, map[string]string{"uuid": t, "name": t})
	}
	writeJSON(w, http.StatusOK, out)
}

// Subscribe answers POST /v1/subscriptions?topic=&address=[&protocol=http][&policy=]: the
// subscription, inactive until the subscriber confirms it with the token the confirmation
// message carries (see Confirmation).
func (s *Service) Subscribe(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	q := r.URL.Query()
	topic, address, protocol, policy := q.Get("topic"), q.Get("address"), q.Get("protocol"), q.Get("policy")
	if protocol == "" {
		protocol = "http"
	}
	switch {
	case topic == "" || address == "":
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "give a topic and an address")
		return
	case !slices.Contains(s.Topics(actor), topic):
		writeError(w, http.StatusBadRequest, CodeUnknownTopic, "the register publishes no topic "+topic+" you may read")
		return
	case protocol != "http":
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "the register sends notifications over http only")
		return
	case !goodAddress(address):
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "the address is not an absolute http or https URL")
		return
	case policy != "" && !goodPolicy(policy):
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "the policy is two integers separated by a comma: countdown,max")
		return
	}
	sub, err := s.Records.Store.AddSubscription(r.Context(), &Subscription{ID: newID(), Owner: actor.User.Username, Topic: topic,
		Protocol: protocol, Address: address, Policy: policy, Token: newID(), Created: s.now()})
	if errors.Is(err, store.ErrTooManySubscriptions) {
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, fmt.Sprintf("you keep %d subscriptions already: unsubscribe from some first", store.MaxSubscriptions))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if !sub.Active && s.Deliver != nil {
		if err := s.Deliver(r.Context(), s.Confirmation(*sub)); err != nil {
			s.fail(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, view(*sub))
}

func goodAddress(a string) bool {
	u, err := url.Parse(a)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(a) <= 2048
}

func goodPolicy(p string) bool {
	countdown, max, ok := strings.Cut(p, ",")
	c, err1 := strconv.Atoi(countdown)
	m, err2 := strconv.Atoi(max)
	return ok && err1 == nil && err2 == nil && c >= 0 && m >= -1
}

// ListSubscriptions answers GET /v1/subscriptions: the caller's subscriptions.
func (s *Service) ListSubscriptions(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	subs, err := s.Records.Store.Subscriptions(r.Context(), store.SubscriptionQuery{Owner: actor.User.Username})
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []map[string]any{}
	for _, sub := range subs {
		out = append(out, view(sub))
	}
	writeJSON(w, http.StatusOK, out)
}

// Unsubscribe answers DELETE /v1/subscriptions/{uuid}: 204, or 404 when the caller has no
// such subscription.
func (s *Service) Unsubscribe(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	err := s.Records.Store.DeleteSubscription(r.Context(), actor.User.Username, r.PathValue("uuid"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.WriteHeader(http.StatusNotFound)
	case err != nil:
		s.fail(w, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// Confirm answers GET /v1/subscriptions/confirm?token=: the caller's subscription the token
// was sent for is active from now on.
func (s *Service) Confirm(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	_, err := s.Records.Store.ConfirmSubscription(r.Context(), actor.User.Username, r.URL.Query().Get("token"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "invalid token")
	case err != nil:
		s.fail(w, err)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// Notification is a message the register owes a subscriber: POST Body to Address with
// Headers (OSIA's notificationCB callback), at least once. The outbox delivers it.
type Notification struct {
	Subscription string
	Address      string
	Policy       string
	Headers      map[string]string // message-type, subscription-id, message-id, topic-id
	Body         json.RawMessage   // OSIA's Message
}

// Message is OSIA's Message object, the body of every notification.
type Message struct {
	Type         string `json:"type"` // SubscriptionConfirmation or Notification
	Token        string `json:"token,omitempty"`
	Topic        string `json:"topic,omitempty"`
	Message      string `json:"message"` // the event's JSON (source, uin...), as text
	MessageID    string `json:"messageId,omitempty"`
	Subject      string `json:"subject,omitempty"`
	SubscribeURL string `json:"subscribeURL,omitempty"`
	Timestamp    string `json:"timestamp,omitempty"`
}

func (s *Service) notification(sub Subscription, m Message) Notification {
	m.MessageID, m.Topic, m.Timestamp = newID(), sub.Topic, s.now().UTC().Format(time.RFC3339)
	body, _ := json.Marshal(m)
	return Notification{Subscription: sub.ID, Address: sub.Address, Policy: sub.Policy, Body: body,
		Headers: map[string]string{"message-type": m.Type, "subscription-id": sub.ID, "message-id": m.MessageID, "topic-id": sub.Topic}}
}

// Confirmation is the message that asks a new subscription's address to confirm it: the
// token, and where to confirm it when the register knows its own URL.
func (s *Service) Confirmation(sub Subscription) Notification {
	m := Message{Type: "SubscriptionConfirmation", Token: sub.Token, Subject: "Subscription confirmation",
		Message: "Confirm the subscription " + sub.ID + " to " + sub.Topic + ": GET /osia/v1/subscriptions/confirm?token=" + sub.Token}
	if s.BaseURL != "" {
		m.SubscribeURL = strings.TrimSuffix(s.BaseURL, "/") + "/osia/v1/subscriptions/confirm?token=" + url.QueryEscape(sub.Token)
	}
	return s.notification(sub, m)
}

// Notifications are the messages an action on a record owes subscribers: when the record's
// event's osia mapping publishes an event type for the action, one message to each active
// subscription to it whose owner may read the record now (role and jurisdiction). r is the
// record as the action left it. This is the hook the outbox calls in the write of the action.
func (s *Service) Notifications(ctx context.Context, r *store.Record, action string) ([]Notification, error) {
	ev, _, err := s.Records.EventOf(ctx, r)
	if err != nil || ev.OSIA == nil {
		return nil, err
	}
	topic := ev.OSIA.Events[action]
	if topic == "" || r.Number == "" {
		return nil, nil
	}
	subs, err := s.Records.Store.Subscriptions(ctx, store.SubscriptionQuery{Topic: topic, ActiveOnly: true})
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	payload, err := s.EventMessage(ev, r)
	if err != nil {
		return nil, err
	}
	var out []Notification
	for _, sub := range subs {
		if s.Actor == nil {
			break
		}
		a, err := s.Actor(ctx, sub.Owner)
		if err != nil || a == nil || !a.Role.Reads(r.Event) || !a.InJurisdiction(r.Office, r.Areas) {
			continue // the owner left, or may no longer read it: nothing is sent
		}
		out = append(out, s.notification(sub, Message{Type: "Notification", Subject: topic, Message: string(payload)}))
	}
	return out, nil
}

// EventMessage is the event's message OSIA defines (technical/notification.rst): source,
// uin (the registration number), and the members the package's mapping adds (the parents'
// identity numbers of a liveBirth), those the record answers.
func (s *Service) EventMessage(ev *records.Event, r *store.Record) ([]byte, error) {
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, err
	}
	source := s.Source
	if source == "" {
		source = "crvsctl"
	}
	msg := map[string]any{"source": source, "uin": r.Number}
	for name, field := range ev.OSIA.Message {
		if v, ok := data[field].(string); ok && v != "" {
			msg[name] = v
		}
	}
	return json.Marshal(msg)
}
