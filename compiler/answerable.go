package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// answerable checks, once the places are read, that every required place can be answered by
// every user: a required village where some communes have no village, or an office of a type no
// office has, is a declaration that can never be completed there.
func (c *checker) answerable(tb *tables) {
	if tb == nil {
		return
	}
	levels := c.pkg.Places.Areas.Levels
	// Worked out once, whatever the number of fields: a national package has 100,000 areas.
	hasChild := make(map[string]bool, len(tb.areas)/4)
	atLevel := map[string]int{}
	for _, a := range tb.sorted {
		hasChild[a.parent] = true
		atLevel[a.level]++
	}
	// The current areas no area lies under (the ends of branches), by the rank of their level.
	endsAt := make([][]*area, len(levels))
	for _, a := range tb.sorted {
		if r := slices.Index(levels, a.level); r >= 0 && !hasChild[a.code] && a.validTo == "" {
			endsAt[r] = append(endsAt[r], a)
		}
	}
	// An office works in an area that exists.
	for _, o := range tb.officeRows {
		if a := tb.areas[o.area]; a != nil && a.validTo != "" {
			c.l.Errorf(o.pos, CodeAreaDates, "give it one of the areas that took "+a.code+"'s place ("+strings.Join(a.successors, ", ")+")",
				"office %s is in area %s, which ended on %s", o.code, a.code, a.validTo)
		}
	}
	types := map[string]int{}
	for _, t := range tb.offices {
		types[t]++
	}
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		for p, pg := range c.pkg.Events[id].Form.Pages {
			for i, f := range pg.Fields {
				if f.Type != "location" || f.Required != true || f.Calculate != "" {
					continue
				}
				path := []any{"events", id, "form", "pages", p, "fields", i}
				if f.Of == "office" {
					if n := countOf(types, f.Types); n == 0 && len(tb.offices) > 0 {
						c.l.Errorf(c.pos(append(path, "types")...), CodeNeverAnswerable, "add offices of these types to the offices sheet, or make the field optional",
							"field %s is required, but no office of the offices sheet is of type %s: no declaration can be complete", f.ID, strings.Join(f.Types, " or "))
					}
					continue
				}
				rank := slices.Index(levels, f.Level)
				if rank < 0 || len(tb.areas) == 0 {
					continue // any level, or an unknown one (reported)
				}
				if atLevel[f.Level] == 0 {
					c.l.Errorf(c.pos(append(path, "level")...), CodeNeverAnswerable, "add the areas of that level to the areas sheet, or ask for another level",
						"field %s is required, but no area of the areas sheet is a %s: no declaration can be complete", f.ID, f.Level)
					continue
				}
				// The branches of a ragged tree that stop above the level (one that ended is
				// declared in no more).
				var short []string
				for r := range rank {
					for _, a := range endsAt[r] {
						short = append(short, a.name+" ("+a.code+")")
					}
				}
				if len(short) > 0 {
					where := short[0] + " has no " + f.Level + " below it"
					if len(short) > 1 {
						where = fmt.Sprintf("%d areas have no %s below them (%s)", len(short), f.Level, listSome(short, 3))
					}
					c.l.Errorf(c.pos(append(path, "level")...), CodeNeverAnswerable,
						"make it required only where there is a "+f.Level+" (a rule), or ask for a level every branch has",
						"field %s is required and asks for a %s, but %s: a declaration there can never be complete", f.ID, f.Level, where)
				}
			}
		}
	}
}

// countOf is the number of offices of any of the types (all offices when none is named).
func countOf(types map[string]int, want []string) int {
	n := 0
	for t, k := range types {
		if len(want) == 0 || slices.Contains(want, t) {
			n += k
		}
	}
	return n
}

// listSome is the first n of a list, and how many more.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// creatingOverlap reports two actions that create a record of an event which a role may both
// take with nothing to choose between them: the runtime takes the first whose condition holds,
// so one would silently never apply (its flags never raised). Certain only when one has no
// condition or both have the same; other conditions may or may not overlap, and nothing is said.
func (c *checker) creatingOverlap(id string, ev event) {
	var creating []string
	for _, name := range slices.Sorted(maps.Keys(ev.Workflow.Actions)) {
		if len(ev.Workflow.Actions[name].From) == 0 {
			creating = append(creating, name)
		}
	}
	source := func(name string) string {
		var parts []string
		for _, cond := range ev.Workflow.Actions[name].conditions() {
			parts = append(parts, strings.Join(strings.Fields(cond.Rule), " "))
		}
		return strings.Join(parts, " && ")
	}
	reported := map[[2]string]bool{}
	for _, roleID := range slices.Sorted(maps.Keys(c.pkg.Roles)) {
		grants := c.pkg.Roles[roleID].Grants[id]
		for i, a := range creating {
			for _, b := range creating[i+1:] {
				if !slices.Contains(grants, a) || !slices.Contains(grants, b) || reported[[2]string{a, b}] {
					continue
				}
				sa, sb := source(a), source(b)
				var why string
				switch {
				case sa == "" && sb == "":
					why = "neither has a condition"
				case sa == sb:
					why = "their conditions are the same"
				case sa == "":
					why = "whenever the condition of " + b + " holds, " + a + " (which has none) applies too"
				case sb == "":
					why = "whenever the condition of " + a + " holds, " + b + " (which has none) applies too"
				default:
					continue
				}
				reported[[2]string{a, b}] = true
				c.l.Errorf(c.pos("events", id, "workflow", "actions", b), CodeOverlap,
					"give them conditions that exclude each other (if: \"!(...)\" on one), as a late and an on-time declaration do",
					"actions %s and %s both create a %s record for role %s, and %s: which one a declaration takes is left to chance", a, b, id, roleID, why)
			}
		}
	}
}
