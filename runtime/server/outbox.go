package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"

	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Outbox is what a server delivers through the outbox (see runtime/outbox), given at serve
// time: subscribers and transports hold credentials, never in the package.
type Outbox struct {
	// Instance names this server in the outbox's leases ("": the host name and a random
	// suffix, unique among the instances on one store).
	Instance string
	Webhooks []*outbox.Subscriber
	// Transports deliver the other kinds: store.OutboxEmail, store.OutboxSMS.
	Transports map[string]outbox.Transport
	// MaxAttempts are the tries before a message is parked (0: the package's, or
	// outbox.DefaultMaxAttempts).
	MaxAttempts int
	// Lease is how long this server holds a message it sends (0: outbox.DefaultLease): after
	// a crash, the messages it held are sent again, by any server, once it has passed.
	Lease time.Duration
}

// UseOutbox has every action enqueue its webhooks and notifications with its write, and
// Serve deliver them. Call it before serving.
func (s *Server) UseOutbox(o Outbox) {
	if o.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		o.Instance = host + "-" + hex.EncodeToString(b)
	}
	transports := map[string]outbox.Transport{}
	for k, t := range o.Transports {
		transports[k] = t
	}
	if len(o.Webhooks) > 0 {
		transports[store.OutboxWebhook] = &outbox.Webhooks{Subscribers: o.Webhooks}
	}
	if o.MaxAttempts == 0 && s.Model.Bundle.Outbox != nil {
		o.MaxAttempts = s.Model.Bundle.Outbox.MaxAttempts
	}
	planner := &outbox.Planner{Model: s.Model, Webhooks: o.Webhooks, Answers: func(r *store.Record) (map[string]any, error) {
		// In the action's write: an older version is parsed already (the action read the
		// record with it), or read from the store's other connections.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.records.AnswersNow(ctx, r)
	}}
	if s.OSIA != nil {
		// OSIA's subscribers hear of births and deaths through the outbox, as webhooks do;
		// a new subscription's confirmation too.
		transports[osia.OutboxKind] = &osia.Sender{}
		planner.Others = func(r *store.Record, e *store.Entry) []store.OutboxMessage { return s.OSIA.RecordMessages(r, e.Action) }
		s.OSIA.Deliver = func(ctx context.Context, n osia.Notification) error {
			m := osia.OutboxMessage(n, "osia-confirm/"+n.Subscription, "osia/"+n.Subscription, 0)
			return s.Store.Enqueue(ctx, time.Now(), []store.OutboxMessage{m})
		}
	}
	s.records.Outbox = planner.Messages
	s.dispatcher = &outbox.Dispatcher{Store: s.Store, Transports: transports, Instance: o.Instance, Log: s.Log,
		MaxAttempts: o.MaxAttempts, Lease: o.Lease}
	s.records.Store = &waking{Store: s.records.Store, wake: s.dispatcher.Wake}
}

// waking is the records' store, which wakes this server's dispatcher once an action's write
// (and so its messages) is committed: they go out at once rather than at its next poll. (Other
// servers' dispatchers find them at theirs.)
type waking struct {
	store.Store
	wake func()
}

func (w *waking) CreateRecord(ctx context.Context, r *store.Record) error {
	return w.woken(w.Store.CreateRecord(ctx, r))
}

func (w *waking) UpdateRecord(ctx context.Context, r *store.Record, e store.Entry) error {
	return w.woken(w.Store.UpdateRecord(ctx, r, e))
}

func (w *waking) NumberRecord(ctx context.Context, r *store.Record, e store.Entry, counter string, number func(int64) string) error {
	return w.woken(w.Store.NumberRecord(ctx, r, e, counter, number))
}

func (w *waking) woken(err error) error {
	if err == nil {
		w.wake()
	}
	return err
}

// deliver runs the outbox's dispatcher until ctx ends (nothing without UseOutbox).
func (s *Server) deliver(ctx context.Context) {
	if s.dispatcher != nil {
		s.dispatcher.Run(ctx)
	}
}
