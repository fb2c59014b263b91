package outbox

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// A receiver that is down (connection refused, 5xx, timeouts) is held back by a circuit
// breaker of the dispatcher, one per receiver: after a failed try of a message to it, the
// breaker opens for Backoff of its consecutive failures, during which the messages leased for
// that receiver are not sent but put off to the breaker's end, all those of a lease in one
// write (Store.OutboxDefer), with no try counted (the receiver was not tried for them, so none
// is parked because another failed). When the delay ends, one message is tried (half-open);
// the others wait for its answer: a success closes the breaker, and they go; a failure opens
// it again, for longer. Without it, each message to a receiver down was tried and its failure
// written, one write per message per try, which slowed the register's own writes.
//
// The breakers are the dispatcher's own: servers sharing a store each learn for themselves.

// Receiver is the receiver of m, by which the dispatcher's breakers go: the scheme and host
// of the target's URL for webhooks and OSIA notifications (a subscriber down is down for all
// its messages), the kind for email and SMS, whose target is the recipient's address, not the
// gateway.
func Receiver(m *store.OutboxMessage) string {
	if m.Kind == store.OutboxEmail || m.Kind == store.OutboxSMS {
		return m.Kind
	}
	if u, err := url.Parse(m.Target); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return m.Kind
}

// breaker is what the dispatcher knows of a receiver that failed; a receiver that answers
// has none.
type breaker struct {
	failures int       // consecutive failed tries: the one that opened it, and probes
	since    time.Time // the first of them
	until    time.Time // open until then: nothing is sent
	probe    string    // the ID of the message sent to learn whether the receiver is back ("": none)
	probeAt  time.Time // when the probe was let go
	wait     time.Time // until when the others are put off while the probe is out
}

// breakers are a dispatcher's, by receiver, and the messages it is to put off.
type breakers struct {
	mu      sync.Mutex
	m       map[string]*breaker
	putOff  map[time.Time][]string // IDs, by when they are due again
	pending int
	// answered is told when a probe's answer comes.
	answered chan struct{}
}

// probing tells whether a receiver's probe is out, its answer awaited.
func (d *Dispatcher) probing(now time.Time) bool {
	d.brk.mu.Lock()
	defer d.brk.mu.Unlock()
	for _, b := range d.brk.m {
		if b.probe != "" && !d.probeLost(b, now) {
			return true
		}
	}
	return false
}

// route holds the messages of a lease whose receivers are down, to be put off (see flush),
// and returns the others, to be sent. A receiver whose breaker's delay ended gets one
// message, its probe: of the lease's messages to it, one of those tried the fewest times, so
// that the tries of a long outage are spread over its messages rather than all one's (which
// would park it).
func (d *Dispatcher) route(msgs []store.OutboxMessage, now time.Time) []store.OutboxMessage {
	d.brk.mu.Lock()
	probes := map[*breaker]*store.OutboxMessage{}
	for i := range msgs {
		m := &msgs[i]
		b := d.brk.m[Receiver(m)]
		if b == nil || now.Before(b.until) || (b.probe != "" && !d.probeLost(b, now)) {
			continue
		}
		if p := probes[b]; p == nil || m.Attempts < p.Attempts {
			probes[b] = m
		}
	}
	for b, m := range probes {
		d.letProbe(b, m, now)
	}
	d.brk.mu.Unlock()
	send := msgs[:0]
	for i := range msgs {
		if wait := d.admit(&msgs[i], now); !wait.IsZero() {
			d.hold(&msgs[i], wait)
			continue
		}
		send = append(send, msgs[i])
	}
	return send
}

// probeLost tells whether b's probe should have had its answer long ago: its send was never
// made (the server stopping).
func (d *Dispatcher) probeLost(b *breaker, now time.Time) bool {
	return now.Sub(b.probeAt) > or(d.SendTimeout, DefaultSendTimeout)+time.Second
}

// letProbe makes m the probe of b. The others wait for its answer, at most as long as a send
// takes, and no longer than the breaker's delay (a short outage is not prolonged by a slow
// probe).
func (d *Dispatcher) letProbe(b *breaker, m *store.OutboxMessage, now time.Time) {
	b.probe, b.probeAt = m.ID, now
	b.wait = now.Add(min(or(d.SendTimeout, DefaultSendTimeout), d.Backoff(b.failures)))
}

// admit tells whether m may be sent now, or else until when it waits (then it is to be put
// off, see hold). The first message admitted after an open breaker's delay is its probe.
func (d *Dispatcher) admit(m *store.OutboxMessage, now time.Time) (wait time.Time) {
	d.brk.mu.Lock()
	defer d.brk.mu.Unlock()
	b := d.brk.m[Receiver(m)]
	switch {
	case b == nil || b.probe == m.ID:
		return time.Time{}
	case now.Before(b.until):
		return b.until
	case b.probe != "" && !d.probeLost(b, now):
		return b.wait
	}
	d.letProbe(b, m, now) // half-open (or its probe lost): m is the probe
	return time.Time{}
}

// hold notes that m is to be put off until then, with the others of its lease: flush writes them.
func (d *Dispatcher) hold(m *store.OutboxMessage, until time.Time) {
	d.brk.mu.Lock()
	defer d.brk.mu.Unlock()
	if d.brk.putOff == nil {
		d.brk.putOff = map[time.Time][]string{}
	}
	d.brk.putOff[until] = append(d.brk.putOff[until], m.ID)
	d.brk.pending++
}

// flush puts off the messages held, in one write for each time they are due again (one for
// each receiver down, for the messages of one lease).
func (d *Dispatcher) flush(ctx context.Context) {
	d.brk.mu.Lock()
	putOff := d.brk.putOff
	d.brk.putOff, d.brk.pending = nil, 0
	d.brk.mu.Unlock()
	ctx = context.WithoutCancel(ctx) // released now rather than when their leases end
	for until, ids := range putOff {
		if err := d.Store.OutboxDefer(ctx, ids, d.Instance, until); err != nil {
			d.Log.Error("outbox: messages to a receiver down were not put off (they are sent once their leases end)", "messages", len(ids), "err", err)
		}
	}
}

// held tells whether messages wait to be put off.
func (d *Dispatcher) held() bool {
	d.brk.mu.Lock()
	defer d.brk.mu.Unlock()
	return d.brk.pending > 0
}

// settle tells m's receiver's breaker how m's try went (err nil: delivered), and returns
// until when the receiver is held as down (zero: it is not). A failure opens the breaker (or
// opens it again, for longer, when it was the probe's); one of a message sent before the
// breaker opened changes nothing; a delivery, or a refusal of the message alone (Rejected),
// closes it.
func (d *Dispatcher) settle(m *store.OutboxMessage, err error, now time.Time) time.Time {
	key := Receiver(m)
	d.brk.mu.Lock()
	defer d.brk.mu.Unlock()
	if d.brk.m == nil {
		d.brk.m = map[string]*breaker{}
	}
	b := d.brk.m[key]
	if b != nil && b.probe == m.ID {
		select {
		case d.brk.answered <- struct{}{}:
		default:
		}
	}
	var rejected *Rejected
	switch {
	case err == nil || errors.As(err, &rejected): // the receiver answered
		if b != nil {
			delete(d.brk.m, key)
			d.Log.Info("outbox: a receiver is back: its messages go", "receiver", key,
				"failures", b.failures, "down", now.Sub(b.since).Round(time.Millisecond))
		}
		return time.Time{}
	case b == nil:
		b = &breaker{failures: 1, since: now}
		b.until = now.Add(d.Backoff(1))
		d.brk.m[key] = b
		d.Log.Warn("outbox: a receiver is down: its messages wait", "receiver", key,
			"retry", b.until.Sub(now).Round(time.Millisecond), "err", err.Error())
	case b.probe == m.ID:
		b.failures++
		b.until, b.probe = now.Add(d.Backoff(b.failures)), ""
		d.Log.Debug("outbox: a receiver is still down", "receiver", key, "failures", b.failures,
			"retry", b.until.Sub(now).Round(time.Millisecond), "err", err.Error())
		// The probe goes after the messages put off (those that waited for it too): the
		// next probe is another message, so that the tries of a long outage are not all one
		// message's (which would park it).
		if b.wait.After(b.until) {
			return b.wait.Add(time.Millisecond)
		}
		return b.until.Add(time.Millisecond)
	}
	return b.until
}
