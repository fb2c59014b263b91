package records

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// One register, whatever version its records are at. A record is read, shown, acted on and
// printed with its own version, but it is found as a duplicate and counted in the statistics
// by the duplicate rules and the statistics of the version served, its answers read in that
// version's terms (migration.Project through each version kept after its own). Otherwise a
// version that renames a field the rules read, or maps a choice the statistics tabulate, would
// split the register in two: the records of before never found by a new declaration, and
// counted under a value the report no longer has.

// inCurrentTerms is a record's answers, as its version ver holds them, as the version served
// would hold them: data itself for a record of the version served.
func (s *Service) inCurrentTerms(ctx context.Context, event string, ver *Version, data map[string]any) (map[string]any, error) {
	if s.Versions == nil || ver == nil || ver.Model == s.current().Model {
		return data, nil
	}
	steps, err := s.versionsAfter(ctx, ver.Model.Bundle.Hash)
	if err != nil {
		return nil, err
	}
	prev := ver
	for _, v := range steps {
		if st := s.Versions.step(prev, v, event); st != nil {
			data = st.Project(data)
		}
		prev = v
	}
	return data, nil
}

// AnswersNow are a record's answers in the terms of the version served: what the package's
// notifications, which the version served declares, read of a record of any version.
func (s *Service) AnswersNow(ctx context.Context, r *store.Record) (map[string]any, error) {
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, fmt.Errorf("record %s: stored data: %w", r.ID, err)
	}
	ver, err := s.VersionOf(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.inCurrentTerms(ctx, r.Event, ver, data)
}

// keysOf are the keys a record is stored with: the keys the duplicate rules of the version
// served make of its answers (data, in that version's terms), the links it holds (old, its
// keys before), and the keys that find its title's words with a typo. A record marked a
// duplicate keeps only its links: it is nobody's candidate.
func (s *Service) keysOf(r *store.Record, data map[string]any, old []string) []string {
	keys := duplicates.Links(old)
	if cur := s.Model.Events[r.Event]; cur != nil && cur.dup != nil && !hasPrefix(old, duplicates.DuplicateOf) {
		keys = cur.dupKeys(r.ID, data, old)
	}
	return store.WithFuzzyKeys(keys, titleWords(r))
}

// indexScheme names the way keysOf and cells make a record's keys and cells, in the stamp a
// record is stored with (store.Record.IndexedBy): change it with any change to what they give
// a record (TestIndexSchemeHolds says when), so that serve brings the records stored before
// up to date.
const indexScheme = "index-1"

// indexStamp is the IndexedBy of a record whose keys and cells the version served made.
func (s *Service) indexStamp() string { return s.Model.Bundle.Hash + " " + indexScheme }

// reindex gives a record the keys and the statistics cells the version served makes of its
// answers (data, in that version's terms), and says so (IndexedBy): what every write that has
// its answers in those terms stores, so that the pass of Rekey at start passes it over.
func (s *Service) reindex(r *store.Record, data map[string]any) {
	r.Keys = s.keysOf(r, data, r.Keys)
	r.Stats = cells(s.Model, r, data)
	r.IndexedBy = s.indexStamp()
}

// candidateAnswers are the answers of a record found by its keys that the current duplicate
// rules read (ev is the event as the version served has it), in that version's terms.
func (s *Service) candidateAnswers(ctx context.Context, ev *Event, c *store.Record) (map[string]any, error) {
	if c.Bundle == s.Model.Bundle.Hash || s.Versions == nil {
		return ev.dup.Decode(c.Data)
	}
	ver, err := s.VersionOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if ver.Model == s.Model {
		return ev.dup.Decode(c.Data)
	}
	var data map[string]any
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return nil, err
	}
	return s.inCurrentTerms(ctx, c.Event, ver, data)
}
