package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// An export is JSON lines: every checkpoint, each {"checkpoint": {...}}, then every entry,
// oldest first, each {"entry": {...}}. An entry's details are a JSON string holding the
// bytes hashed, so that no encoder's spacing or order changes them.

type exportLine struct {
	Entry      *exportEntry           `json:"entry,omitempty"`
	Checkpoint *store.AuditCheckpoint `json:"checkpoint,omitempty"`
}

type exportEntry struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Role    string    `json:"role,omitempty"`
	Office  string    `json:"office,omitempty"`
	Areas   []string  `json:"areas,omitempty"`
	Kind    string    `json:"kind"`
	Record  string    `json:"record,omitempty"`
	Action  string    `json:"action,omitempty"`
	Details string    `json:"details,omitempty"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// MaxExportLine is the longest line ReadExport reads.
const MaxExportLine = 1 << 20

// Export writes a store's whole log and its checkpoints to w; n is the entries written.
func Export(ctx context.Context, s store.Store, w io.Writer) (n int64, err error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	// The checkpoints first: read before the entries, they sign none the export lacks.
	cps, err := s.AuditCheckpoints(ctx)
	if err != nil {
		return 0, err
	}
	for i := range cps {
		if err := enc.Encode(exportLine{Checkpoint: &cps[i]}); err != nil {
			return 0, err
		}
	}
	next := StoreEntries(ctx, s)
	for {
		e, err := next()
		if err != nil {
			return n, err
		}
		if e == nil {
			break
		}
		if err := enc.Encode(exportLine{Entry: &exportEntry{e.Seq, e.Time, e.User, e.Role, e.Office, e.Areas, e.Kind, e.Record, e.Action, string(e.Details), e.Prev, e.Hash}}); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}

// ReadExport reads an export: its checkpoints at once, its entries one at a time through next
// (nil at the end). A line that is not one entry or one checkpoint, or a checkpoint after an
// entry, is an error naming its line. The entries are decoded by as many goroutines as there
// are CPUs, a batch of lines each, and given in the file's order: decoding JSON is most of
// the time of a verification.
func ReadExport(r io.Reader) (checkpoints []store.AuditCheckpoint, next func() (*store.AuditEntry, error), err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxExportLine)
	line := 0
	var firstLine []byte
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		e, c, err := parseLine(b, line)
		if err != nil {
			return nil, nil, err
		}
		if c == nil && e != nil {
			firstLine = slices.Clone(b)
			break
		}
		checkpoints = append(checkpoints, *c)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("line %d: %v", line+1, err)
	}

	// The entries: batches of lines read in order, decoded in parallel, given in order.
	const batchSize = 1024
	type batch struct {
		lines   [][]byte
		numbers []int
		entries []store.AuditEntry
		err     error
		done    chan struct{}
	}
	order := make(chan *batch, 4*runtime.GOMAXPROCS(0))
	work := make(chan *batch, 4*runtime.GOMAXPROCS(0))
	go func() {
		defer close(order)
		defer close(work)
		b := &batch{done: make(chan struct{})}
		if firstLine != nil {
			b.lines, b.numbers = append(b.lines, firstLine), append(b.numbers, line)
		}
		send := func() {
			order <- b
			work <- b
			b = &batch{done: make(chan struct{})}
		}
		for sc.Scan() {
			line++
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			b.lines, b.numbers = append(b.lines, slices.Clone(l)), append(b.numbers, line)
			if len(b.lines) == batchSize {
				send()
			}
		}
		if err := sc.Err(); err != nil {
			b.err = fmt.Errorf("line %d: %v", line+1, err)
		}
		send()
	}()
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for b := range work {
				b.entries = make([]store.AuditEntry, 0, len(b.lines))
				for i, l := range b.lines {
					if b.err != nil {
						break
					}
					e, c, err := parseLine(l, b.numbers[i])
					switch {
					case err != nil:
						b.err = err
					case c != nil:
						b.err = fmt.Errorf("line %d: a checkpoint after the entries (checkpoints come first)", b.numbers[i])
					default:
						b.entries = append(b.entries, *e)
					}
				}
				b.lines = nil
				close(b.done)
			}
		}()
	}
	var cur *batch
	var failed error
	next = func() (*store.AuditEntry, error) {
		if failed != nil {
			return nil, failed
		}
		for cur == nil || len(cur.entries) == 0 {
			if cur != nil && cur.err != nil {
				failed = cur.err
				go func() { // let the reader and decoders end
					for range order {
					}
				}()
				return nil, failed
			}
			b, ok := <-order
			if !ok {
				return nil, nil
			}
			<-b.done
			cur = b
		}
		e := &cur.entries[0]
		cur.entries = cur.entries[1:]
		return e, nil
	}
	return checkpoints, next, nil
}

// parseLine decodes a line of an export: an entry or a checkpoint.
func parseLine(b []byte, line int) (*store.AuditEntry, *store.AuditCheckpoint, error) {
	// JSON v2 (go-json-experiment/json, what encoding/json/v2 will be), twice as fast as
	// encoding/json, whose decoding was most of the time of a verification of a million
	// entries. It refuses a line holding more than one value, or a member twice; members it
	// does not know are ignored: they are no part of any hash.
	var l exportLine
	if err := jsonv2.Unmarshal(b, &l); err != nil {
		return nil, nil, fmt.Errorf("line %d: %v", line, err)
	}
	switch {
	case l.Entry != nil && l.Checkpoint == nil:
		x := l.Entry
		e := &store.AuditEntry{Seq: x.Seq, Time: x.Time.UTC(), User: x.User, Role: x.Role, Office: x.Office, Areas: x.Areas,
			Kind: x.Kind, Record: x.Record, Action: x.Action, Prev: x.Prev, Hash: x.Hash}
		if x.Details != "" {
			e.Details = json.RawMessage(x.Details)
		}
		return e, nil, nil
	case l.Checkpoint != nil && l.Entry == nil:
		c := *l.Checkpoint
		c.Time = c.Time.UTC()
		return nil, &c, nil
	}
	return nil, nil, fmt.Errorf("line %d: neither an entry nor a checkpoint", line)
}
