package records

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
)

// Places over time: an area split, merged or renamed ends on a day (bundle.Area.ValidTo) and
// its successors take its place; a new one begins on a day (ValidFrom). A declaration places
// its event in an area that existed on the event's date: a birth of March 2026 is not placed in
// a district that ended in December 2025, nor in one created in 2027. Records keep the codes
// they were declared with, so a record of 2025 keeps its old district; only an answer that is
// new (a declaration, or an edit that changes the place or the event's date) is checked.

// span is the days an area exists, YYYY-MM-DD ("" for always, still), with its name and its
// successors' as the messages write them ("NV0102 (Dravik)").
type span struct {
	from, to   string
	name       string
	successors []string
}

// areaSpans are the spans of the areas that have dates: none (and no cost per answer) when the
// package dates no area.
func areaSpans(b *bundle.Bundle) map[string]span {
	if !slices.ContainsFunc(b.Areas, func(a bundle.Area) bool { return a.ValidFrom != "" || a.ValidTo != "" }) {
		return nil
	}
	names := make(map[string]string, len(b.Areas))
	for _, a := range b.Areas {
		names[a.Code] = a.Code + " (" + a.Name + ")"
	}
	out := map[string]span{}
	for _, a := range b.Areas {
		if a.ValidFrom == "" && a.ValidTo == "" {
			continue
		}
		sp := span{from: a.ValidFrom, to: a.ValidTo, name: names[a.Code]}
		for _, c := range a.Successors {
			sp.successors = append(sp.successors, cmp.Or(names[c], c))
		}
		out[a.Code] = sp
	}
	return out
}

// placesInTime are the problems of the area answers (location fields of areas) that name an
// area that did not exist on the event's date (today's, when the date is not answered), each
// at its field's path. An answer unchanged from old (the record's, nil for a declaration),
// with the event's date unchanged too, is not checked: the record keeps what it was declared
// with. An answer that is not an area of the bundle is checkAnswer's to refuse.
func (s *Service) placesInTime(ev *Event, data, old map[string]any, rctx *rules.Context) []Detail {
	if len(s.Model.spans) == 0 {
		return nil
	}
	day, dated := data[ev.DateField].(string)
	if _, ok := rules.ParseDate(day); !ok {
		day, dated = rctx.Today.String(), false
	}
	dateChanged := old == nil || !bytes.Equal(marshal(data[ev.DateField]), marshal(old[ev.DateField]))
	var out []Detail
	for _, id := range ev.areaFields {
		code, _ := data[id].(string)
		sp, found := s.Model.spans[code]
		if !found || (!dateChanged && old[id] == code) {
			continue
		}
		if lv := ev.checks[id].level; lv != "" && s.Model.level[code] != lv {
			continue // not an area of the field's level: checkAnswer says so, once
		}
		if d, bad := outOfTime(sp, day, dated); bad {
			d.Path = "/data/" + id
			out = append(out, d)
		}
	}
	return out
}

// outOfTime is the problem of an area answered for an event on day (dated: the event's date;
// else today), if the area did not exist that day.
func outOfTime(sp span, day string, dated bool) (Detail, bool) {
	when := "the date of the event " + day
	if !dated {
		when = "today, " + day
	}
	place := sp.name
	switch {
	case sp.to != "" && sp.to < day:
		d := Detail{Code: "place-ended", Key: "ui.problem.placeEnded",
			Message: fmt.Sprintf("area %s ended on %s, before %s", place, sp.to, when),
			Args:    map[string]string{"place": place, "end": sp.to, "date": day}}
		if len(sp.successors) > 0 {
			names := strings.Join(sp.successors, ", ")
			d.Message += ": its successors are " + names
			d.Key, d.Args["successors"] = "ui.problem.placeEndedSuccessors", names
		}
		return d, true
	case sp.from != "" && day < sp.from:
		return Detail{Code: "place-not-begun", Key: "ui.problem.placeNotBegun",
			Message: fmt.Sprintf("area %s began on %s, after %s", place, sp.from, when),
			Args:    map[string]string{"place": place, "begin": sp.from, "date": day}}, true
	}
	return Detail{}, false
}
