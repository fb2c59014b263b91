// Package audit is the audit log's chain as a whole: checking it (Verify), exporting it and
// reading an export back (Export, ReadExport), and signing its head at intervals
// (Checkpointer). The entries themselves, and their hashes, are the store's (store.AuditEntry):
// every store appends them, and what is appended is checked here, offline, with nothing but
// the entries, the checkpoints and the public keys.
package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Sign makes the checkpoint of a head with a key, at a time.
func Sign(head *store.AuditEntry, key *seal.PrivateKey, at time.Time) *store.AuditCheckpoint {
	c := &store.AuditCheckpoint{Seq: head.Seq, Hash: head.Hash, KeyID: key.ID, Time: at.UTC().Truncate(time.Millisecond)}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key.Key, store.CheckpointMessage(c)))
	return c
}

// Problem is one thing Verify found wrong: the entry it is about, and what.
type Problem struct {
	Seq     int64
	Message string
}

func (p Problem) String() string { return p.Message }

// Report is what Verify found: the entries read, the head, the checkpoints that matched, and
// the problems in the order of the entries (the first names the first entry altered or
// removed). At most MaxProblems are kept; Dropped counts the others.
type Report struct {
	Entries     int64
	Head        store.AuditEntry
	Checkpoints int // signed and matching the chain
	Problems    []Problem
	Dropped     int
}

// MaxProblems bounds the problems a report keeps: one altered entry makes no more than two,
// but a log rewritten from some point on makes one per checkpoint after it.
const MaxProblems = 100

// OK tells a chain without problems.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(seq int64, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.Dropped++
		return
	}
	r.Problems = append(r.Problems, Problem{Seq: seq, Message: fmt.Sprintf(format, args...)})
}

// Verify checks a chain, entry by entry as next gives them (oldest first; nil at the end),
// against its checkpoints (any order) and the public keys that may have signed them:
//
//   - each entry's hash is that of its content (else it was altered);
//   - its Seq is the one after the entry before (else entries were removed), and its Prev
//     that entry's hash (else that entry was altered, its hash made again);
//   - each checkpoint is signed by a key of ring, and the entry of its Seq has its hash
//     (else an entry up to it was altered or removed, the chain made again after it, or
//     entries were removed from the end).
//
// What the chain cannot tell: entries removed from its end after the last checkpoint, and a
// chain rewritten by someone holding a key that signs checkpoints.
func Verify(next func() (*store.AuditEntry, error), checkpoints []store.AuditCheckpoint, ring *seal.Keyring) (*Report, error) {
	r := &Report{}
	bySeq := map[int64][]store.AuditCheckpoint{}
	var lastCheckpoint int64
	for _, c := range checkpoints {
		if msg := checkSignature(&c, ring); msg != "" {
			r.add(c.Seq, "checkpoint of entry %d (key %s, %s): %s", c.Seq, c.KeyID, c.Time.Format("2006-01-02 15:04:05Z"), msg)
			continue
		}
		bySeq[c.Seq] = append(bySeq[c.Seq], c)
		lastCheckpoint = max(lastCheckpoint, c.Seq)
	}
	var prev *store.AuditEntry
	lastGood := int64(0) // the last checkpointed entry found as signed
	for {
		e, err := next()
		if err != nil {
			return r, err
		}
		if e == nil {
			break
		}
		r.Entries++
		want := int64(1)
		if prev != nil {
			want = prev.Seq + 1
		}
		switch {
		case e.Seq > want:
			if e.Seq == want+1 {
				r.add(want, "entry %d was removed (entry %d follows entry %d)", want, e.Seq, want-1)
			} else {
				r.add(want, "entries %d to %d were removed (entry %d follows entry %d)", want, e.Seq-1, e.Seq, want-1)
			}
		case e.Seq < want:
			r.add(e.Seq, "entry %d appears again after entry %d: the log is out of order", e.Seq, want-1)
		}
		hashOK := store.AuditHash(e) == e.Hash
		if !hashOK {
			r.add(e.Seq, "entry %d was altered: its hash is not that of its content", e.Seq)
		}
		switch {
		case prev == nil && e.Seq == 1 && e.Prev != "":
			r.add(e.Seq, "entry 1 names an entry before it: the log was altered")
		case prev != nil && e.Seq == prev.Seq+1 && e.Prev != prev.Hash && hashOK:
			r.add(prev.Seq, "entry %d was altered: entry %d does not follow from it (the hash it names is another)", prev.Seq, e.Seq)
		}
		for _, c := range bySeq[e.Seq] {
			if c.Hash != e.Hash {
				r.add(e.Seq, "entry %d is not the one checkpoint %d signed (key %s, %s): an entry after %d up to %d was altered or removed",
					e.Seq, c.Seq, c.KeyID, c.Time.Format("2006-01-02 15:04:05Z"), lastGood, e.Seq)
			} else {
				r.Checkpoints++
				lastGood = e.Seq
			}
		}
		prev = e
	}
	if prev != nil {
		r.Head = *prev
	}
	if lastCheckpoint == r.Head.Seq+1 {
		r.add(lastCheckpoint, "entry %d was removed: the log ends at entry %d, and a checkpoint signed entry %d", lastCheckpoint, r.Head.Seq, lastCheckpoint)
	} else if lastCheckpoint > r.Head.Seq {
		r.add(r.Head.Seq+1, "entries %d to %d were removed: the log ends at entry %d, and a checkpoint signed entry %d",
			r.Head.Seq+1, lastCheckpoint, r.Head.Seq, lastCheckpoint)
	}
	return r, nil
}

// checkSignature is "" when the checkpoint's signature is one of ring's keys', else why not.
func checkSignature(c *store.AuditCheckpoint, ring *seal.Keyring) string {
	k, ok := ring.Key(c.KeyID)
	if !ok {
		return "signed by a key no key file given holds"
	}
	pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return "its key is malformed"
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, store.CheckpointMessage(c), sig) {
		return "its signature is not the key's: it was forged or altered"
	}
	return ""
}

// StoreEntries reads a store's log oldest first, a page at a time, for Verify: the next page
// is read while the entries of one are checked (reading them is half a verification's time).
func StoreEntries(ctx context.Context, s store.Store) func() (*store.AuditEntry, error) {
	type page struct {
		entries []store.AuditEntry
		err     error
	}
	pages := make(chan page, 2)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(pages)
		after := ""
		for {
			p, err := s.AuditLog(ctx, store.AuditQuery{Oldest: true, After: after, Limit: store.MaxAuditPage})
			select {
			case pages <- page{p.Entries, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || p.Next == "" {
				return
			}
			after = p.Next
		}
	}()
	var cur []store.AuditEntry
	return func() (*store.AuditEntry, error) {
		for len(cur) == 0 {
			p, ok := <-pages
			if !ok {
				cancel()
				return nil, nil
			}
			if p.err != nil {
				cancel()
				return nil, p.err
			}
			cur = p.entries
		}
		e := &cur[0]
		cur = cur[1:]
		return e, nil
	}
}

// Cursor turns a Seq into AuditQuery.After.
func Cursor(seq int64) string { return strconv.FormatInt(seq, 10) }
