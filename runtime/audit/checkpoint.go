package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Defaults of a Checkpointer's zero fields.
const (
	DefaultEvery    = 1000
	DefaultInterval = 5 * time.Minute
	DefaultPoll     = 10 * time.Second
)

// Checkpointer signs the head of a store's chain with Key: once Every entries were appended
// since the last checkpoint, or Interval passed with some appended, and when Run ends (the
// server stopping). Several servers sharing a store each sign with their own key, or the
// same: a head signed twice by one key is kept once.
type Checkpointer struct {
	Store    store.Store
	Key      *seal.PrivateKey
	Every    int64
	Interval time.Duration
	Poll     time.Duration // how often the head is read
	Now      func() time.Time
	Log      *slog.Logger

	last     int64 // the Seq last signed
	lastTime time.Time
}

func (c *Checkpointer) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Head reads the chain's head; nil when the log is empty.
func Head(ctx context.Context, s store.Store) (*store.AuditEntry, error) {
	p, err := s.AuditLog(ctx, store.AuditQuery{Limit: 1})
	if err != nil || len(p.Entries) == 0 {
		return nil, err
	}
	return &p.Entries[0], nil
}

// Checkpoint signs the head now if it moved since the last checkpoint (force), or if Every
// entries or Interval passed since. It returns the checkpoint stored, or nil.
func (c *Checkpointer) Checkpoint(ctx context.Context, force bool) (*store.AuditCheckpoint, error) {
	head, err := Head(ctx, c.Store)
	if err != nil || head == nil || head.Seq <= c.last {
		return nil, err
	}
	now := c.now()
	every, interval := c.Every, c.Interval
	if every <= 0 {
		every = DefaultEvery
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	if !force && head.Seq-c.last < every && now.Sub(c.lastTime) < interval {
		return nil, nil
	}
	cp := Sign(head, c.Key, now)
	if err := c.Store.AddAuditCheckpoint(ctx, cp); err != nil {
		return nil, err
	}
	c.last, c.lastTime = head.Seq, now
	return cp, nil
}

// Run checkpoints until ctx ends, then once more, so that a server stopping leaves its last
// entries signed.
func (c *Checkpointer) Run(ctx context.Context) {
	poll := c.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	c.lastTime = c.now()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, err := c.Checkpoint(final, true); err != nil && c.Log != nil {
				c.Log.Error("the audit log's last checkpoint", "err", err)
			}
			return
		case <-tick.C:
			if _, err := c.Checkpoint(ctx, false); err != nil && c.Log != nil && ctx.Err() == nil {
				c.Log.Error("checkpointing the audit log", "err", err)
			}
		}
	}
}
