package osia

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// OutboxKind is the kind of the outbox's messages that carry OSIA notifications: they are
// delivered at least once, in order per record and subscription, with the outbox's retries.
const OutboxKind = "osia"

// OutboxMessage is a notification as the outbox keeps it. key makes it once per cause (a
// record's version, a subscription's confirmation); the messages of one record to one
// subscription go in the order of seq.
func OutboxMessage(n Notification, key, order string, seq int64) store.OutboxMessage {
	payload, _ := json.Marshal(n)
	return store.OutboxMessage{Key: key, Kind: OutboxKind, Target: n.Address, Order: order, Seq: seq, Payload: payload}
}

// RecordMessages are the outbox's messages of the notifications an action on a record owes
// OSIA's subscribers (see Notifications).
func (s *Service) RecordMessages(r *store.Record, action string) []store.OutboxMessage {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ns, err := s.Notifications(ctx, r, action)
	if err != nil && s.Log != nil {
		s.Log.Error("osia: the notifications of an action were not made", "record", r.ID, "action", action, "err", err)
	}
	var out []store.OutboxMessage
	for _, n := range ns {
		v := strconv.FormatInt(r.Version, 10)
		out = append(out, OutboxMessage(n, r.ID+"/"+v+"/osia/"+n.Subscription, r.ID+"/osia/"+n.Subscription, r.Version))
	}
	return out
}

// Sender posts the outbox's OSIA notifications to their subscription's address, with OSIA's
// headers (its message-id is the same on every try: a subscriber drops a repeat); an answer
// of 2xx delivers it.
type Sender struct {
	Client *http.Client // nil: one with a 10-second timeout
}

var senderClient = &http.Client{Timeout: 10 * time.Second}

func (s *Sender) Send(ctx context.Context, m *store.OutboxMessage) error {
	var n Notification
	if err := json.Unmarshal(m.Payload, &n); err != nil {
		return fmt.Errorf("osia: a damaged message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Address, bytes.NewReader(n.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range n.Headers {
		req.Header.Set(k, v)
	}
	client := s.Client
	if client == nil {
		client = senderClient
	}
	return outbox.Deliver(client, req, "osia: "+n.Address)
}
