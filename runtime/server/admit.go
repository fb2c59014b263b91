package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/crvsctl/crvsctl/breaking"
	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Admission says what a store allows of a bundle about to be served (see Admit).
type Admission struct {
	// Allow are the rule ids of crvsctl diff (breaking.Rules) whose changes are served anyway.
	Allow []string
	// Downgrade serves a bundle older than the newest the store has served.
	Downgrade bool
	Now       time.Time
}

// Refused is a bundle the store refuses to serve, with every reason.
type Refused struct {
	Reasons []string
}

func (r *Refused) Error() string {
	return "the bundle is not served:\n  " + strings.Join(r.Reasons, "\n  ")
}

// Admit compares a bundle about to be served with the last one the store served, and keeps it.
// It is refused (*Refused) when it would strand records or repeat registration numbers: a
// status, an event, an office or an area records are in or name, gone; a numbering that
// could give a number again once records are numbered — unless the rule is allowed; and when
// it is older than the newest served (a downgrade), unless allowed. The other breaking changes
// are returned, to be logged: records declared under the old version keep their answers.
func Admit(ctx context.Context, st store.Store, b *bundle.Bundle, data []byte, a Admission) ([]breaking.Change, error) {
	kept, err := st.Bundles(ctx)
	if err != nil {
		return nil, err
	}
	keep := func() error {
		return st.KeepBundle(ctx, store.BundleInfo{Hash: b.Hash, Version: b.Version, Served: a.Now}, data)
	}
	if len(kept) == 0 {
		return nil, keep()
	}
	newest := kept[len(kept)-1]
	if newest.Hash == b.Hash {
		return nil, nil
	}
	refused := &Refused{}
	older := slices.IndexFunc(kept, func(k store.BundleInfo) bool { return k.Hash == b.Hash }) >= 0 ||
		semver.Compare("v"+b.Version, "v"+newest.Version) < 0
	if older && !a.Downgrade {
		refused.Reasons = append(refused.Reasons, fmt.Sprintf(
			"version %s (%s) is older than %s (%s), the newest this store has served: records may hold what it does not know; serve the newest, or give --downgrade",
			b.Version, b.Hash, newest.Version, newest.Hash))
	}
	prevData, err := st.BundleData(ctx, newest.Hash)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s: %w", newest.Hash, err)
	}
	prev, err := bundle.Decode(prevData)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s (version %s) is damaged (%v): restore the store from a backup", newest.Hash, newest.Version, err)
	}
	changes := breaking.Check(prev, b)
	// A numbering given up and taken again would give the numbers it gave before: the new
	// one is checked against every numbering served, not only the last.
	for _, k := range kept[:len(kept)-1] {
		if k.Hash == b.Hash {
			continue
		}
		numbered, err := numberingOf(ctx, st, k)
		if err != nil {
			return nil, err
		}
		for _, c := range breaking.Numbering(numbered, b) {
			if !slices.ContainsFunc(changes, func(x breaking.Change) bool { return x.Rule == c.Rule && x.Subject == c.Subject }) {
				c.Message = fmt.Sprintf("version %s, served from %s: %s", k.Version, k.Served.UTC().Format(time.DateOnly), c.Message)
				changes = append(changes, c)
			}
		}
	}
	var others, places []breaking.Change
	refuse := func(c breaking.Change, held string) {
		refused.Reasons = append(refused.Reasons, fmt.Sprintf("%s: %s, and %s; %s (or give --allow %s)", c.Rule, c.Message, held, c.Fix, c.Rule))
	}
	for _, c := range changes {
		if slices.Contains(a.Allow, c.Rule) {
			continue
		}
		held, err := strands(ctx, st, c)
		if err != nil {
			return nil, err
		}
		switch {
		case held != "":
			refuse(c, held)
		case c.Rule == "AREA_REMOVED" || c.Rule == "OFFICE_REMOVED":
			places = append(places, c)
		default:
			others = append(others, c)
		}
	}
	if len(places) > 0 {
		// No record was declared there; one may still name the place in an answer (born in
		// that district, at that hospital), which its form could no longer show.
		codes := map[string]string{}
		for _, c := range places {
			codes[c.Subject] = ""
		}
		if err := namedIn(ctx, st, kept, codes); err != nil {
			return nil, err
		}
		for _, c := range places {
			if held := codes[c.Subject]; held != "" {
				refuse(c, "records name it ("+held+" among them)")
			} else {
				others = append(others, c)
			}
		}
	}
	if len(refused.Reasons) > 0 {
		return others, refused
	}
	return others, keep()
}

// numberingOf is a kept bundle's events with their numbering only: reading that much of each
// older version keeps serving a new one quick however many the store has kept.
func numberingOf(ctx context.Context, st store.Store, k store.BundleInfo) (*bundle.Bundle, error) {
	data, err := st.BundleData(ctx, k.Hash)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s: %w", k.Hash, err)
	}
	var numbered struct {
		Events []struct {
			ID        string           `json:"id"`
			Numbering bundle.Numbering `json:"numbering"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &numbered); err != nil {
		return nil, fmt.Errorf("the store's bundle %s (version %s) is damaged (%v): restore the store from a backup", k.Hash, k.Version, err)
	}
	b := &bundle.Bundle{}
	for _, e := range numbered.Events {
		b.Events = append(b.Events, bundle.Event{ID: e.ID, Numbering: e.Numbering})
	}
	return b, nil
}

// strands says which records a change would strand or number again, "" when none would.
func strands(ctx context.Context, st store.Store, c breaking.Change) (string, error) {
	var q store.Query
	var what string
	switch c.Rule {
	case "STATUS_REMOVED":
		q.Event, q.Statuses, what = eventOf(c), []string{c.Subject}, "records are in it"
	case "EVENT_REMOVED":
		q.Event, what = c.Subject, "records of it are kept"
	case "NUMBERING_CHANGED":
		q.Event, what = c.Subject, "records of the event are kept, whose numbers a new one could repeat"
	case "OFFICE_REMOVED":
		q.Office, what = c.Subject, "records were declared at it"
	case "AREA_REMOVED":
		q.Area, what = c.Subject, "records were declared within it"
	default:
		return "", nil
	}
	q.Limit = 1
	p, err := st.Search(ctx, q)
	if err != nil {
		return "", err
	}
	if len(p.Records) == 0 {
		return "", nil
	}
	return what + " (" + p.Records[0].ID + " among them)", nil
}

// eventOf is the event a change of an event is in (its path: "events", id, ...).
func eventOf(c breaking.Change) string {
	if len(c.Path) > 1 && c.Path[0] == "events" {
		if id, ok := c.Path[1].(string); ok {
			return id
		}
	}
	return ""
}

// namedIn finds, for each place code in codes (an area's or an office's), a record that names
// it in an answer to a location field of its own version's form: codes[code] becomes "ID's
// field". The whole register is read, a page at a time, until every code is found: this is
// done only when a new version removes places no record was declared at, which is rare, and
// no index holds what the answers name.
func namedIn(ctx context.Context, st store.Store, kept []store.BundleInfo, codes map[string]string) error {
	fields := map[string]map[string][]string{} // bundle hash, event: its location fields
	left := len(codes)
	var quoted [][]byte // each code as JSON writes it
	for code := range codes {
		q, _ := json.Marshal(code)
		quoted = append(quoted, q)
	}
	q := store.Query{Oldest: true, Limit: 100}
	for left > 0 {
		page, err := st.Search(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			byEvent, ok := fields[r.Bundle]
			if !ok {
				if byEvent, err = locationFields(ctx, st, kept, r.Bundle); err != nil {
					return err
				}
				fields[r.Bundle] = byEvent
			}
			// Most records name none of the places: their JSON is not decoded.
			if len(byEvent[r.Event]) == 0 || !slices.ContainsFunc(quoted, func(q []byte) bool { return bytes.Contains(r.Data, q) }) {
				continue
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				continue // a record the store cannot read is reported where it is read
			}
			for _, f := range byEvent[r.Event] {
				code, _ := data[f].(string)
				if held, ok := codes[code]; ok && held == "" {
					codes[code] = r.ID + "'s " + f
					left--
				}
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
	return nil
}

// locationFields are the location fields of each event of a kept bundle, read from its JSON
// without building it; none for a bundle the store does not hold.
func locationFields(ctx context.Context, st store.Store, kept []store.BundleInfo, hash string) (map[string][]string, error) {
	i := slices.IndexFunc(kept, func(k store.BundleInfo) bool { return k.Hash == hash })
	if i < 0 {
		return nil, nil
	}
	data, err := st.BundleData(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("the store's bundle %s: %w", hash, err)
	}
	var forms struct {
		Events []struct {
			ID    string        `json:"id"`
			Pages []bundle.Page `json:"pages"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &forms); err != nil {
		return nil, fmt.Errorf("the store's bundle %s (version %s) is damaged (%v): restore the store from a backup", hash, kept[i].Version, err)
	}
	out := map[string][]string{}
	for _, e := range forms.Events {
		for _, p := range e.Pages {
			for _, f := range p.Fields {
				if f.Type == "location" {
					out[e.ID] = append(out[e.ID], f.ID)
				}
			}
		}
	}
	return out, nil
}
