package records

import (
	"context"
	"slices"

	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// cells are the statistics cells a record counts in, as it is about to be stored, by the
// statistics of the version it is at (its answers are that version's).
func cells(m *Model, r *store.Record, data map[string]any) []string {
	return m.Stats.Cells(stats.Facts{Event: r.Event, Status: r.Status, Number: r.Number, Answers: data, Registered: r.Registered})
}

// StatisticsArea is the area whose statistics of an event an actor reads when they ask for
// none ("" the nation), and whether they may read any: their role must name the event in its
// statistics. A role of the nation reads the nation; a role of an area or an office reads the
// area of its office (statistics are by the place of the event, not by the office that
// declared it, and are counts only: an office's staff see their area's figures).
func (s *Service) StatisticsArea(actor *Actor, event string) (string, bool) {
	ev := s.Model.Events[event]
	if ev == nil || ev.Statistics == nil || !slices.Contains(actor.Role.Role.Statistics, event) {
		return "", false
	}
	if actor.Role.Jurisdiction == "nation" {
		return "", true
	}
	return actor.Office.Area, true
}

// StatisticsEvents are the events whose statistics an actor reads.
func (s *Service) StatisticsEvents(actor *Actor) []string {
	var out []string
	for _, id := range actor.Role.Role.Statistics {
		if _, ok := s.StatisticsArea(actor, id); ok {
			out = append(out, id)
		}
	}
	return out
}

// Statistics is the report of an event's vital statistics for an area ("" the actor's own)
// and year, read from the store's counts: never a record, so its time does not grow with the
// register. An area outside the actor's jurisdiction is refused as unknown (NotFound), like a
// record outside it.
func (s *Service) Statistics(ctx context.Context, actor *Actor, q stats.Query) (*stats.Report, error) {
	scope, ok := s.StatisticsArea(actor, q.Event)
	if !ok {
		if ev := s.Model.Events[q.Event]; ev == nil || ev.Statistics == nil {
			return nil, refuse(NotFound, "/event", "unknown-event", "no event %q with statistics", q.Event)
		}
		return nil, refuse(Forbidden, "/event", "forbidden", "role %s does not read the statistics of %s", actor.User.Role, q.Event)
	}
	if q.Area == "" {
		q.Area = scope
	}
	if q.Area != "" {
		if _, known := s.Model.level[q.Area]; !known || (scope != "" && !slices.Contains(s.Model.AreasOf(q.Area), scope)) {
			return nil, refuse(NotFound, "/area", "unknown-area", "no area %q within your jurisdiction", q.Area)
		}
	}
	prefixes, err := s.Model.Stats.Prefixes(q)
	if err != nil {
		return nil, refuse(BadRequest, "/year", "invalid", "%v", err)
	}
	counts, err := s.Store.Counts(ctx, prefixes)
	if err != nil {
		return nil, err
	}
	return s.Model.Stats.Tabulate(q, counts)
}
