package compiler

import (
	"slices"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/sheets"
)

// CodeAreaDates is a place over time that cannot be: a date that is not one, an area that ends
// before it begins, a successor that is not there to take its place, a current area inside
// one that ended, an office in an area that ended.
const CodeAreaDates = "area-dates"

// areasOverTime reads and checks the areas' validFrom, validTo and successors columns: an area
// split, merged or renamed ends on a day, and its successors (codes, separated by spaces or
// semicolons) take its place from the day after. Records keep the code they were declared with.
func (c *checker) areasOverTime(tb *tables, t *sheets.Table) {
	from, to, succ := t.Col("validFrom"), t.Col("validTo"), t.Col("successors")
	if from < 0 && to < 0 && succ < 0 {
		return
	}
	date := func(a *area, col int) string {
		v := t.Cell(a.row, col)
		if v == "" {
			return ""
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			c.l.Errorf(t.Pos(a.row, col), CodeAreaDates, "write it YYYY-MM-DD, such as 2026-03-17", "%s is not a date of the calendar", v)
			return ""
		}
		return v
	}
	for _, a := range tb.sorted {
		a.validFrom, a.validTo = date(a, from), date(a, to)
		if a.validFrom != "" && a.validTo != "" && a.validTo < a.validFrom {
			c.l.Errorf(t.Pos(a.row, to), CodeAreaDates, "", "area %s ends on %s, before it begins on %s", a.code, a.validTo, a.validFrom)
		}
		a.successors = strings.FieldsFunc(t.Cell(a.row, succ), func(r rune) bool { return r == ' ' || r == ';' || r == ',' })
	}
	for _, a := range tb.sorted {
		if len(a.successors) > 0 && a.validTo == "" {
			c.l.Errorf(t.Pos(a.row, succ), CodeAreaDates, "give it the last day it existed in validTo",
				"area %s has successors but no end: two areas would hold the same place", a.code)
		}
		if a.validTo != "" && len(a.successors) == 0 {
			c.l.Warnf(t.Pos(a.row, to), CodeAreaDates, "name the areas that took its place in successors",
				"area %s ended on %s with no successor: the statistics cannot follow its records to the areas of today", a.code, a.validTo)
		}
		for _, code := range a.successors {
			s, ok := tb.areas[code]
			switch {
			case !ok:
				c.l.Errorf(t.Pos(a.row, succ), CodeAreaDates, hintFor(code, areaCodes(tb)), "successor %s of area %s is not an area", code, a.code)
			case s == a:
				c.l.Errorf(t.Pos(a.row, succ), CodeAreaDates, "", "area %s cannot succeed itself", a.code)
			case s.validTo != "" && a.validTo != "" && s.validTo <= a.validTo:
				c.l.Errorf(t.Pos(a.row, succ), CodeAreaDates, "", "successor %s of area %s ended on %s, not after %s did (%s)", code, a.code, s.validTo, a.code, a.validTo)
			case s.validFrom != "" && a.validTo != "" && s.validFrom > dayAfter(a.validTo):
				c.l.Errorf(t.Pos(a.row, succ), CodeAreaDates, "",
					"successor %s of area %s begins on %s, but %s ended on %s: no area held the place in between", code, a.code, s.validFrom, a.code, a.validTo)
			case s.level != a.level:
				c.l.Warnf(t.Pos(a.row, succ), CodeAreaDates, "", "successor %s of area %s is a %s, not a %s", code, a.code, s.level, a.level)
			}
		}
		// A place inside one that ended must have ended by then too.
		if p := tb.areas[a.parent]; p != nil && p.validTo != "" && (a.validTo == "" || a.validTo > p.validTo) {
			c.l.Errorf(t.Pos(a.row, t.Col("parent")), CodeAreaDates, "give it one of "+p.code+"'s successors as its parent, or end it too",
				"area %s is in %s, which ended on %s", a.code, p.code, p.validTo)
		}
	}
}

// dayAfter is the day after a date, YYYY-MM-DD.
func dayAfter(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

func areaCodes(tb *tables) []string {
	out := make([]string, 0, len(tb.sorted))
	for _, a := range tb.sorted {
		out = append(out, a.code)
	}
	return slices.Clip(out)
}
