// Package outbox delivers what the register owes the outside world: webhooks to subscribers
// and notifications (email, SMS) to informants. Messages are written to the store's outbox in
// the same write as the action that causes them (store.WithOutbox, through
// records.Service.Outbox, which a Planner makes); a Dispatcher in each server instance leases
// them (one instance per message, one message at a time per record and target), hands each to
// the Transport of its kind, and deletes it once delivered, or counts the failure and tries
// again after an exponential backoff with jitter, parking it after MaxAttempts for an
// administrator to retry. A receiver that fails is held as down for a while, by a circuit
// breaker (see breaker.go): its messages are put off meanwhile, with no try counted.
//
// Delivery is at least once: a server that dies after a receiver accepted a message, before
// the store heard so, sends it again once its lease ends. Receivers drop repeats by the
// message's ID (the webhook-id header, the Message-ID of an email).
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Transport delivers messages of one kind.
type Transport interface {
	Send(ctx context.Context, m *store.OutboxMessage) error
}

// Defaults of a Dispatcher.
const (
	DefaultBatch       = 100
	DefaultWorkers     = 32
	DefaultLease       = time.Minute
	DefaultMaxAttempts = 10
	DefaultBaseDelay   = 2 * time.Second
	DefaultMaxDelay    = time.Hour
	DefaultPoll        = time.Second
	DefaultSendTimeout = 30 * time.Second
	DefaultGather      = 20 * time.Millisecond
)

// Dispatcher delivers the outbox's messages. Several, one per server instance, share a store.
type Dispatcher struct {
	Store      store.Store
	Transports map[string]Transport // by store.OutboxMessage.Kind
	// Instance names this dispatcher in leases: unique among the instances on the store.
	Instance string
	Log      *slog.Logger

	Batch       int           // messages leased at once (DefaultBatch)
	Workers     int           // messages sent at once (DefaultWorkers)
	Lease       time.Duration // how long a message is held (DefaultLease): more than a send takes
	MaxAttempts int           // tries before a message is parked (DefaultMaxAttempts)
	BaseDelay   time.Duration // the delay after the first failure, doubled after each (DefaultBaseDelay)
	MaxDelay    time.Duration // the longest delay (DefaultMaxDelay)
	Poll        time.Duration // how often an idle dispatcher looks (DefaultPoll)
	SendTimeout time.Duration // one send's limit (DefaultSendTimeout)
	// Gather is how long the dispatcher, woken by messages enqueued or delivered, waits for
	// more before it leases (DefaultGather): under load, one lease of a batch rather than one
	// per action, each a write of the store.
	Gather time.Duration
	Now    func() time.Time

	wake chan struct{}
	once sync.Once
	brk  breakers
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.brk.answered = make(chan struct{}, 1)
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
	})
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Wake tells the dispatcher that messages were enqueued, so that it looks now rather than at
// its next poll. It never blocks.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Backoff is the delay before the try after attempts failures: BaseDelay doubled for each
// failure after the first, at most MaxDelay, then a random part of it taken off ("equal
// jitter": between half of it and all of it), so that messages that failed together (a
// receiver down) do not come back together.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	base, most := or(d.BaseDelay, DefaultBaseDelay), or(d.MaxDelay, DefaultMaxDelay)
	delay := base
	for i := 1; i < attempts && delay < most; i++ {
		delay *= 2
	}
	delay = min(delay, most)
	half := delay / 2
	return half + rand.N(delay-half+1)
}

// Run delivers messages until ctx ends, then lets the sends under way finish. Workers send
// from a queue that Run keeps filled: it leases more as soon as half of it is taken, so that
// sending never waits for a lease, nor a lease for the slowest send of a batch.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	poll := or(d.Poll, DefaultPoll)
	batch := or(d.Batch, DefaultBatch)
	queue := make(chan store.OutboxMessage, batch)
	freed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range or(d.Workers, DefaultWorkers) {
		wg.Go(func() {
			for m := range queue {
				if ctx.Err() != nil {
					continue // stopping: left to its lease's end, then sent again by any server
				}
				d.deliver(ctx, &m)
				select {
				case freed <- struct{}{}:
				default:
				}
			}
		})
	}
	defer func() {
		close(queue)
		wg.Wait()
		d.flush(ctx)
	}()
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for ctx.Err() == nil {
		if d.held() {
			d.flush(ctx)
		}
		room := cap(queue) - len(queue)
		if room < cap(queue)/2 {
			select {
			case <-ctx.Done():
			case <-freed:
			}
			continue
		}
		now := d.now()
		msgs, err := d.Store.Lease(ctx, room, now, or(d.Lease, DefaultLease), d.Instance)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("outbox: leasing messages", "err", err)
		}
		send := d.route(msgs, now)
		for _, m := range send {
			queue <- m // room was made for them
		}
		d.flush(ctx) // those of receivers down, with those workers held
		if len(msgs) == room {
			if len(send) == 0 && d.probing(now) {
				// A full lease, all put off, while a receiver's probe is out: what is due
				// next is likely more of that receiver's backlog. It is leased once the
				// probe's answer is known (sent if it is back, put off once, to the
				// breaker's end, if not), rather than put off now until the answer, then
				// again; a second at most (a receiver that hangs holds no one up).
				timer.Reset(min(or(d.SendTimeout, DefaultSendTimeout), time.Second))
				select {
				case <-ctx.Done():
				case <-d.brk.answered:
				case <-timer.C:
				}
			}
			continue // a full lease: more may be due
		}
		wake := d.wake
		if len(msgs) > 0 && len(send) == 0 {
			// Every message leased was put off, its receiver down: the next actions'
			// messages are likely for it too. They are leased at the next poll, not at each
			// wake: a lease and a put-off a poll, rather than two writes every few actions.
			wake = nil
		}
		timer.Reset(poll)
		select {
		case <-ctx.Done():
			continue
		case <-timer.C:
			continue
		case <-wake:
		case <-freed: // a message delivered may let the next of its order go
		}
		// Woken: more messages are likely to come in the next moments (each action of a
		// busy server enqueues its own); they are leased together.
		timer.Reset(or(d.Gather, DefaultGather))
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
	}
}

// RunOnce leases one batch of the messages due and tries each (Workers at once), returning
// how many it leased.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.init()
	now := d.now()
	msgs, err := d.Store.Lease(ctx, or(d.Batch, DefaultBatch), now, or(d.Lease, DefaultLease), d.Instance)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	n := len(msgs)
	defer d.flush(ctx)
	msgs = d.route(msgs, now)
	sem := make(chan struct{}, or(d.Workers, DefaultWorkers))
	var wg sync.WaitGroup
	for i := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d.deliver(ctx, &msgs[i])
		})
	}
	wg.Wait()
	return n, nil
}

// deliver sends m, and tells the store how it went. A send cut short because ctx ended (the
// server stopping) is no failure: the message is sent again once its lease ends. A message
// whose receiver is held as down (it failed since m was leased) is not sent but held, to be
// put off with others.
func (d *Dispatcher) deliver(ctx context.Context, m *store.OutboxMessage) {
	if wait := d.admit(m, d.now()); !wait.IsZero() {
		d.hold(m, wait)
		return
	}
	err := d.send(ctx, m)
	if err != nil && ctx.Err() != nil {
		return
	}
	now := d.now() // when the try ended: the time of the try the store keeps
	down := d.settle(m, err, now)
	ctx = context.WithoutCancel(ctx) // what the store is told is told whatever happens next
	if err == nil {
		if err := d.Store.OutboxDone(ctx, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			d.Log.Error("outbox: a message delivered was not marked so (it will be sent again)", "id", m.ID, "err", err)
		}
		return
	}
	attempts := m.Attempts + 1
	park := attempts >= or(d.MaxAttempts, DefaultMaxAttempts)
	retry := now.Add(d.Backoff(attempts))
	if retry.Before(down) {
		retry = down // not leased again only to be put off
	}
	reason := err.Error()
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	if park {
		d.Log.Warn("outbox: a message parked", "id", m.ID, "kind", m.Kind, "target", m.Target, "attempts", attempts, "err", reason)
	}
	if err := d.Store.OutboxFail(ctx, m.ID, d.Instance, reason, now, retry, park); err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		d.Log.Error("outbox: a failure not recorded", "id", m.ID, "err", err)
	}
}

func (d *Dispatcher) send(ctx context.Context, m *store.OutboxMessage) error {
	t := d.Transports[m.Kind]
	if t == nil {
		return errors.New("no transport for " + m.Kind + " messages is configured")
	}
	ctx, cancel := context.WithTimeout(ctx, or(d.SendTimeout, DefaultSendTimeout))
	defer cancel()
	return t.Send(ctx, m)
}
