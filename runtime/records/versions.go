package records

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/migration"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Version is a bundle records were declared under, ready to read them: its model (the forms,
// rules, actions and labels of that version) and the printer of its certificates.
type Version struct {
	Model   *Model
	Printer *certificates.Printer // nil: the server prints no certificates
}

// DefaultKeepVersions is how many older versions Versions keeps parsed at most.
const DefaultKeepVersions = 4

// Versions reads the older bundles records were declared under from the store, when a record
// needs one, and keeps the last few used parsed: a store that served twenty versions costs the
// server, at start and in memory, what it costs to serve one, until its old records are read.
type Versions struct {
	Store store.Store
	// Current is the version served: new declarations use it, and what it says of users,
	// roles, offices and numbering holds for every record.
	Current *Version
	// Key signs the certificates an older version prints, as the current one's do.
	Key *seal.PrivateKey
	// Keep is how many older versions stay parsed (0: DefaultKeepVersions).
	Keep int

	mu     sync.Mutex
	loaded map[string]*loading
	used   []string // hashes of loaded, least recently used first
	// kept remembers, per older bundle, the bundles kept after it (see after).
	kept map[string][]string
	// steps are the moves between two versions of an event, prepared (see step).
	steps map[stepKey]*migration.Step
}

type stepKey struct{ from, to, event string }

// step is the move of an event's records from version from to version to, prepared once for
// every record that takes it; nil when either version lacks the event.
func (vs *Versions) step(from, to *Version, event string) *migration.Step {
	k := stepKey{from.Model.Bundle.Hash, to.Model.Bundle.Hash, event}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if st, ok := vs.steps[k]; ok {
		return st
	}
	var st *migration.Step
	if old, new := from.Model.Events[event], to.Model.Events[event]; old != nil && new != nil {
		st = migration.NewStep(&old.Event, &new.Event)
	}
	if vs.steps == nil {
		vs.steps = map[stepKey]*migration.Step{}
	}
	vs.steps[k] = st
	return st
}

// after are the hashes of the bundles the store kept after the one with the hash, in the order
// they were served, up to the current one (which ends the list; alone for a hash the store
// does not list). What the store keeps changes only when a server starts with a new version:
// reading it once per older bundle spares a pass over the register a store read per record.
func (vs *Versions) after(ctx context.Context, hash string) ([]string, error) {
	vs.mu.Lock()
	hs, ok := vs.kept[hash]
	vs.mu.Unlock()
	if ok {
		return hs, nil
	}
	kept, err := vs.Store.Bundles(ctx)
	if err != nil {
		return nil, err
	}
	cur := vs.Current.Model.Bundle.Hash
	if at := slices.IndexFunc(kept, func(b store.BundleInfo) bool { return b.Hash == hash }); at >= 0 {
		for _, b := range kept[at+1:] {
			if b.Hash == cur {
				break
			}
			hs = append(hs, b.Hash)
		}
	}
	hs = append(hs, cur)
	vs.mu.Lock()
	if vs.kept == nil {
		vs.kept = map[string][]string{}
	}
	vs.kept[hash] = hs
	vs.mu.Unlock()
	return hs, nil
}

// loading is an older version being read, or read: whoever needs it meanwhile waits for it
// rather than reading it again.
type loading struct {
	done chan struct{}
	v    *Version
	err  error
}

// ErrUnknownVersion is a record's bundle that the store does not keep (records declared before
// the store kept bundles): it is read with the current version.
var ErrUnknownVersion = errors.New("the store does not keep the bundle")

// Get is the version of the bundle with the hash.
func (vs *Versions) Get(ctx context.Context, hash string) (*Version, error) {
	if hash == vs.Current.Model.Bundle.Hash {
		return vs.Current, nil
	}
	vs.mu.Lock()
	if vs.loaded == nil {
		vs.loaded = map[string]*loading{}
	}
	l, ok := vs.loaded[hash]
	if !ok {
		l = &loading{done: make(chan struct{})}
		vs.loaded[hash] = l
		go vs.load(hash, l)
	}
	vs.touch(hash)
	vs.mu.Unlock()
	select {
	case <-l.done:
		return l.v, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// touch makes hash the most recently used, and forgets the least recently used beyond Keep.
// Called with mu held.
func (vs *Versions) touch(hash string) {
	for i, h := range vs.used {
		if h == hash {
			vs.used = append(vs.used[:i], vs.used[i+1:]...)
			break
		}
	}
	vs.used = append(vs.used, hash)
	keep := vs.Keep
	if keep <= 0 {
		keep = DefaultKeepVersions
	}
	for len(vs.used) > keep {
		delete(vs.loaded, vs.used[0])
		vs.used = vs.used[1:]
	}
}

// load reads and prepares an older version, on its own context: a request that gives up
// waiting leaves it to the next one.
func (vs *Versions) load(hash string, l *loading) {
	defer close(l.done)
	l.v, l.err = vs.read(context.Background(), hash)
	if l.err != nil {
		// A version that could not be read is read again next time: the store may answer then.
		vs.mu.Lock()
		if vs.loaded[hash] == l {
			delete(vs.loaded, hash)
		}
		vs.mu.Unlock()
	}
}

func (vs *Versions) read(ctx context.Context, hash string) (*Version, error) {
	data, err := vs.Store.BundleData(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownVersion
	}
	if err != nil {
		return nil, err
	}
	b, err := bundle.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s is damaged (%v): restore the store from a backup", hash, err)
	}
	m, err := NewModel(b)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s (version %s): %w", hash, b.Version, err)
	}
	// Its texts, over the current ones: its labels as they were, and the pages' own texts
	// (ui.*) of the crvsctl serving it, in the languages served now.
	cur := vs.Current.Model.Bundle
	texts := map[string]map[string]string{}
	for _, l := range cur.Country.Languages {
		texts[l] = maps.Clone(cur.Translations[l])
		if texts[l] == nil {
			texts[l] = map[string]string{}
		}
		maps.Copy(texts[l], b.Translations[l])
	}
	m.setTexts(i18n.New(cur.Country.Languages, cur.Country.DefaultLanguage, texts))
	v := &Version{Model: m}
	if vs.Current.Printer != nil {
		if v.Printer, err = certificates.New(b, vs.Key); err != nil {
			return nil, fmt.Errorf("the store's bundle %s (version %s): certificates: %w", hash, b.Version, err)
		}
	}
	return v, nil
}

// current is the version served.
func (s *Service) current() *Version {
	if s.Versions != nil {
		return s.Versions.Current
	}
	return &Version{Model: s.Model, Printer: s.Printer}
}

// VersionOf is the version a record is read, shown, acted on and printed with: the one it was
// declared under (or moved to). A record of a bundle the store does not keep is read with the
// current one.
func (s *Service) VersionOf(ctx context.Context, r *store.Record) (*Version, error) {
	if s.Versions == nil || r.Bundle == s.Model.Bundle.Hash {
		return s.current(), nil
	}
	v, err := s.Versions.Get(ctx, r.Bundle)
	if errors.Is(err, ErrUnknownVersion) {
		return s.current(), nil
	}
	return v, err
}

// EventOf is a record's event, as its version has it.
func (s *Service) EventOf(ctx context.Context, r *store.Record) (*Event, *Version, error) {
	v, err := s.VersionOf(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	ev := v.Model.Events[r.Event]
	if ev == nil {
		return nil, nil, refuse(Conflict, "/event", "unknown-event", "the record's event %s is not in its bundle %s", r.Event, r.Bundle)
	}
	return ev, v, nil
}

// Current is the version served, which new declarations use.
func (s *Service) Current() *Version { return s.current() }
