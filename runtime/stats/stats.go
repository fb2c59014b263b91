// Package stats makes the vital statistics of a bundle: which statistical cells a record counts
// in, and the tables, charts and exports made from the counts of those cells.
//
// # How a record is counted
//
// A registered record counts in a few dozen cells (Stats.Cells): opaque strings the store keeps
// on the record (store.Record.Stats), with one count per cell moved in the same write as the
// record. Tabulating an area's year reads the counts of a few hundred cells (Stats.Prefixes,
// store.Store.Counts) and never a record, so the national page of a register of millions
// costs what a district's does.
//
// A cell is six fields joined by Sep (0x1f, the ASCII unit separator):
//
//	event  area  table  YYYY-MM  row  column
//
// area is the area of the event's place, each of its ancestors, and Nation ("*") for the
// whole country: a record counts once at every level, so each level is read without summing
// its children. YYYY-MM is the month of the event's date (the statistics are by date of
// occurrence, as the UN recommends, not by date of registration). table, row and column are
// the keys of the package's tables (see Table); their values come from bounded sets (option
// values of the bundle, fixed groups), so the number of cells is bounded by the bundle, never
// by what people type. "birth\x1fNV02\x1fregistrations\x1f2025-" selects a table of an area's
// year: cells sort so that a prefix selects event, area, table and year.
//
// Cells depend only on a record's answers, status, number and registration time, and on the
// bundle's areas, offices, fields and options: a correction of the sex or the date gives
// other cells, which the store swaps for the old ones in the same write.
//
// # Tables
//
// The tables are the tabulations of the UN Principles and Recommendations for a Vital
// Statistics System, Revision 3 (2014), that the event's declared statistical fields allow
// (see EventStatistics); a table whose fields are not declared is left out:
//
//	registrations         month × sex: live births (deaths) by month of occurrence and sex
//	                      (Rev. 3 tabulations of births by month and sex, of deaths by month and sex)
//	timeliness            on time / late / delayed × sex: registration within the legal period,
//	                      the completeness-and-timeliness indicators of Rev. 3, paras. 480-485
//	occurrence            place of occurrence × attendant at birth (or × sex): births by site of
//	                      delivery and attendant; deaths by place of occurrence and sex
//	mother-age            mother's age in 5-year groups (under 15 ... 50 and over) × sex: live
//	                      births by age of mother and sex of child
//	birth-order           live-birth order (1 ... 9, 10 and over) × mother's age group: live
//	                      births by age of mother and live-birth order
//	age                   age at death (under 1, 1-4, 5-9 ... 80-84, 85 and over) × sex: deaths
//	                      by age and sex
//	cause                 underlying cause of death by ICD-10 chapter × sex: deaths by cause,
//	                      age and sex, at the level of chapters
//
// An unanswered value, or one the bundle does not know, is counted as "not stated" (key
// NotStated), so a table's total is always the number of records.
//
// # Showing them
//
// Labels name a report's keys in a language (option labels from the bundle's translations,
// groups, chapters and headings from the "stats." messages of i18n/messages.csv) and write its
// numbers as the language does (golang.org/x/text/number). BarChart draws a labelled series as
// accessible SVG on the server; Shade gives the band of a completeness ratio for shading a
// table of areas. WriteXLSX (one sheet per table, after a summary) and WriteCSV (one file,
// long form) export a report with small counts hidden by Suppress.
//
// # Using it
//
//	s, err := stats.New(bundle)                  // once per bundle
//	rec.Stats = s.Cells(stats.Facts{...})        // on each write of a record
//	p, err := s.Prefixes(q)                      // a page, an API call, an export
//	counts, err := store.Counts(ctx, p)
//	report, err := s.Tabulate(q, counts)
//	l := s.Labels(q.Event, catalog, lang)        // to show it
//
// A Stats is read-only once made, and safe for concurrent use.
package stats

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
)

// Sep joins the fields of a cell.
const Sep = "\x1f"

// Nation is the area of a cell that counts the whole country.
const Nation = "*"

// NotStated is the key of a value not answered (or not known to the bundle); a choice whose
// value is "not-stated" is counted with them.
const NotStated = "not-stated"

// Dimensions: what the rows or columns of a table are.
const (
	DimMonth      = "month"      // keys "01" to "12"
	DimSex        = "sex"        // the sex field's option values, then NotStated
	DimAll        = "all"        // one key, "all": the column of a table by sex when the form asks no sex
	DimTimeliness = "timeliness" // on-time, late, delayed, not-stated
	DimOccurrence = "occurrence" // the occurrence field's option values, then NotStated
	DimAttendant  = "attendant"  // the attendant field's option values, then NotStated
	DimMotherAge  = "mother-age" // "<15", "15-19" ... "45-49", "50+", not-stated
	DimBirthOrder = "birth-order"
	DimAge        = "age"   // "<1", "1-4", "5-9" ... "80-84", "85+", not-stated
	DimCause      = "cause" // ICD-10 chapters "I" to "XXII", "unknown-code", not-stated
)

// Timeliness keys.
const (
	OnTime  = "on-time"
	Late    = "late"
	Delayed = "delayed"
)

// UnknownCode is the cause of death whose code is not an ICD-10 code: kept apart from
// chapter XVIII (ill-defined causes, R00-R99), which is a cause, so that typing mistakes are
// seen rather than hidden among ill-defined deaths.
const UnknownCode = "unknown-code"

// Table ids, as in cells and reports.
const (
	TableRegistrations = "registrations"
	TableTimeliness    = "timeliness"
	TableOccurrence    = "occurrence"
	TableMotherAge     = "mother-age"
	TableBirthOrder    = "birth-order"
	TableAge           = "age"
	TableCause         = "cause"
)

// Stats makes the statistics of one bundle.
type Stats struct {
	b       *bundle.Bundle
	loc     *time.Location
	events  map[string]*event
	areas   map[string]*bundle.Area
	offices map[string]string   // office -> its area
	kids    map[string][]string // area ("" the nation) -> its children, by code
	dated   bool                // some area begins or ends: children are of a year (tabulate.go)
	// population: area ("" the nation) -> year -> row.
	population map[string]map[int]*bundle.Population
}

// event is what Stats knows of an event with statistics.
type event struct {
	ev      *bundle.Event
	st      *bundle.EventStatistics
	counted map[string]bool
	office  bool // the place field gives an office, not an area
	// placeLevel is the level of the areas the place field gives (a district), "" any: a
	// record counts in no area below it, so those are not offered as children.
	placeLevel string
	dims       map[string]*dim
	tables     []tableDef
}

// dim is a dimension: its keys in order, and how a record's answers give its key.
type dim struct {
	id     string
	field  string // the field read; "" for month, all, timeliness
	label  string // the field's label key, for choice dimensions
	keys   []string
	labels map[string]string // option value -> label key, for choice dimensions
	value  func(v any) string
}

// tableDef is a table: a dimension of rows and one of columns. The registrations table's rows
// are months, taken from the cell's month: its cells hold the column key only.
type tableDef struct {
	id       string
	row, col *dim
}

// New prepares the statistics of a bundle. It refuses a bundle whose codes or values would
// make ambiguous cells (holding Sep, or an area coded Nation).
func New(b *bundle.Bundle) (*Stats, error) {
	s := &Stats{
		b:          b,
		events:     map[string]*event{},
		areas:      map[string]*bundle.Area{},
		offices:    map[string]string{},
		kids:       map[string][]string{},
		population: map[string]map[int]*bundle.Population{},
	}
	s.loc = time.UTC
	if b.Country.TimeZone != "" {
		loc, err := time.LoadLocation(b.Country.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("stats: time zone %q: %w", b.Country.TimeZone, err)
		}
		s.loc = loc
	}
	for i := range b.Areas {
		a := &b.Areas[i]
		if a.Code == "" || a.Code == Nation || strings.Contains(a.Code, Sep) {
			return nil, fmt.Errorf("stats: area code %q cannot name a cell", a.Code)
		}
		s.areas[a.Code] = a
		s.dated = s.dated || a.ValidFrom != "" || a.ValidTo != ""
	}
	for i := range b.Areas {
		a := &b.Areas[i]
		parent := a.Parent
		if _, ok := s.areas[parent]; !ok {
			parent = ""
		}
		s.kids[parent] = append(s.kids[parent], a.Code)
	}
	for _, k := range s.kids {
		slices.Sort(k)
	}
	for _, o := range b.Offices {
		s.offices[o.Code] = o.Area
	}
	if b.Statistics != nil {
		for i := range b.Statistics.Population {
			p := &b.Statistics.Population[i]
			area := p.Area
			if area == b.Country.Code && s.areas[area] == nil {
				area = "" // the nation's row may name the country
			}
			if s.population[area] == nil {
				s.population[area] = map[int]*bundle.Population{}
			}
			s.population[area][p.Year] = p
		}
	}
	for i := range b.Events {
		ev := &b.Events[i]
		if ev.Statistics == nil {
			continue
		}
		if strings.Contains(ev.ID, Sep) || ev.ID == "" {
			return nil, fmt.Errorf("stats: event id %q cannot name a cell", ev.ID)
		}
		e, err := newEvent(ev)
		if err != nil {
			return nil, err
		}
		s.events[ev.ID] = e
	}
	return s, nil
}

func newEvent(ev *bundle.Event) (*event, error) {
	st := ev.Statistics
	e := &event{ev: ev, st: st, counted: map[string]bool{}, dims: map[string]*dim{}}
	for _, c := range st.Counted {
		e.counted[c] = true
	}
	fields := map[string]*bundle.Field{}
	for p := range ev.Pages {
		for f := range ev.Pages[p].Fields {
			fields[ev.Pages[p].Fields[f].ID] = &ev.Pages[p].Fields[f]
		}
	}
	if f := fields[ev.PlaceField]; f != nil && f.Of == "office" {
		e.office = true
	} else if f != nil && f.Of == "area" {
		e.placeLevel = f.Level
	}
	choice := func(id, field string) (*dim, error) {
		d := &dim{id: id, field: field, labels: map[string]string{}}
		if f := fields[field]; f != nil {
			d.label = f.Label
			for _, o := range f.Options {
				if strings.Contains(o.Value, Sep) {
					return nil, fmt.Errorf("stats: event %s: option %q of %s cannot name a cell", ev.ID, o.Value, field)
				}
				if o.Value == NotStated || d.labels[o.Value] != "" {
					continue
				}
				d.keys = append(d.keys, o.Value)
				d.labels[o.Value] = o.Label
			}
		}
		d.keys = append(d.keys, NotStated)
		d.value = func(v any) string {
			if s, ok := v.(string); ok && d.labels[s] != "" {
				return s
			}
			return NotStated
		}
		return d, nil
	}
	var err error
	month := &dim{id: DimMonth}
	for m := 1; m <= 12; m++ {
		month.keys = append(month.keys, fmt.Sprintf("%02d", m))
	}
	sex := &dim{id: DimAll, keys: []string{"all"}, value: func(any) string { return "all" }}
	if st.Sex != "" {
		if sex, err = choice(DimSex, st.Sex); err != nil {
			return nil, err
		}
	}
	e.tables = append(e.tables, tableDef{TableRegistrations, month, sex})
	if st.OnTimeDays > 0 || st.LateDays > 0 {
		tl := &dim{id: DimTimeliness, keys: []string{OnTime, Late, Delayed, NotStated}}
		e.tables = append(e.tables, tableDef{TableTimeliness, tl, sex})
	}
	if st.Occurrence != "" {
		occ, err := choice(DimOccurrence, st.Occurrence)
		if err != nil {
			return nil, err
		}
		col := sex
		if st.Attendant != "" {
			if col, err = choice(DimAttendant, st.Attendant); err != nil {
				return nil, err
			}
		}
		e.tables = append(e.tables, tableDef{TableOccurrence, occ, col})
	} else if st.Attendant != "" {
		att, err := choice(DimAttendant, st.Attendant)
		if err != nil {
			return nil, err
		}
		e.tables = append(e.tables, tableDef{TableOccurrence, att, sex})
	}
	var motherAge *dim
	if st.MotherAge != "" {
		motherAge = groups(DimMotherAge, st.MotherAge, motherAgeGroups)
		e.tables = append(e.tables, tableDef{TableMotherAge, motherAge, sex})
	}
	if st.BirthOrder != "" {
		order := groups(DimBirthOrder, st.BirthOrder, birthOrderGroups)
		col := sex
		if motherAge != nil {
			col = motherAge
		}
		e.tables = append(e.tables, tableDef{TableBirthOrder, order, col})
	}
	if st.Age != "" {
		e.tables = append(e.tables, tableDef{TableAge, groups(DimAge, st.Age, deathAgeGroups), sex})
	}
	if st.Cause != "" {
		cause := &dim{id: DimCause, field: st.Cause, value: causeKey}
		for _, c := range icdChapters {
			cause.keys = append(cause.keys, c.key)
		}
		cause.keys = append(cause.keys, UnknownCode, NotStated)
		e.tables = append(e.tables, tableDef{TableCause, cause, sex})
	}
	for _, t := range e.tables {
		e.dims[t.row.id], e.dims[t.col.id] = t.row, t.col
	}
	return e, nil
}

// group is a range of whole numbers [lo, hi]; hi < 0: lo and over.
type group struct{ lo, hi int }

// The UN's 5-year groups of the mother's age (Rev. 3), of birth order, and of the age at death
// (with the first year apart, for infant mortality).
var (
	motherAgeGroups  = append(append([]group{{0, 14}}, fives(15, 49)...), group{50, -1})
	birthOrderGroups = []group{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}, {8, 8}, {9, 9}, {10, -1}}
	deathAgeGroups   = append(append([]group{{0, 0}, {1, 4}}, fives(5, 84)...), group{85, -1})
)

func fives(from, to int) []group {
	var out []group
	for lo := from; lo < to; lo += 5 {
		out = append(out, group{lo, lo + 4})
	}
	return out
}

// key is a group's key: "<15" for a first group from 0, "15-19", "50+", "3" for one number.
func (g group) key() string {
	switch {
	case g.hi < 0:
		return strconv.Itoa(g.lo) + "+"
	case g.lo == 0:
		return "<" + strconv.Itoa(g.hi+1)
	case g.lo == g.hi:
		return strconv.Itoa(g.lo)
	}
	return strconv.Itoa(g.lo) + "-" + strconv.Itoa(g.hi)
}

// groups is a dimension of a number field in groups: the whole part of the number decides;
// a number below the first group, or no number, is not stated.
func groups(id, field string, gs []group) *dim {
	d := &dim{id: id, field: field}
	for _, g := range gs {
		d.keys = append(d.keys, g.key())
	}
	d.keys = append(d.keys, NotStated)
	d.value = func(v any) string {
		n, ok := toNumber(v)
		if !ok {
			return NotStated
		}
		w := math.Floor(n)
		for _, g := range gs {
			if w >= float64(g.lo) && (g.hi < 0 || w <= float64(g.hi)) {
				return g.key()
			}
		}
		return NotStated
	}
	return d
}

// toNumber is an answer as a number: JSON decodes numbers as float64; ints are accepted for
// callers that build answers by hand.
func toNumber(v any) (float64, bool) {
	var n float64
	switch v := v.(type) {
	case float64:
		n = v
	case int:
		n = float64(v)
	case int64:
		n = float64(v)
	default:
		return 0, false
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// Facts are what the statistics read of a record.
type Facts struct {
	Event   string
	Status  string
	Number  string         // the registration number; "" before registration
	Answers map[string]any // the record's data, decoded from JSON
	// Registered is when the record was given its number (store.Record.Registered): the
	// timeliness of the registration, from the event's date, in the country's time zone.
	Registered time.Time
}

// Cells are the cells a record counts in, sorted, each once; nil when it is not counted: its
// event has no statistics, its status is not counted, it was never registered (no number,
// no time of registration), or no valid date of event or known place (an answer the bundle's
// areas or offices do not hold). The time of registration is enough: the cells of a record
// are made before the store draws its number, to be written with it.
func (s *Stats) Cells(f Facts) []string {
	e := s.events[f.Event]
	if e == nil || (f.Number == "" && f.Registered.IsZero()) || !e.counted[f.Status] {
		return nil
	}
	date, ok := eventDate(f.Answers[e.ev.DateField])
	if !ok {
		return nil
	}
	area, _ := f.Answers[e.ev.PlaceField].(string)
	if e.office {
		area = s.offices[area]
	}
	chain := s.chain(area)
	if chain == nil {
		return nil
	}
	month := date.Format("2006-01")
	var out []string
	for _, t := range e.tables {
		var row string
		if t.id == TableRegistrations {
			row = "" // the month is the row
		} else if t.row.id == DimTimeliness {
			row = s.timeliness(e.st, date, f.Registered)
		} else {
			row = t.row.value(f.Answers[t.row.field])
		}
		col := t.col.value(f.Answers[t.col.field])
		for _, a := range chain {
			c := f.Event + Sep + a + Sep + t.id + Sep + month + Sep
			if row != "" {
				c += row + Sep
			}
			out = append(out, c+col)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// eventDate reads a date answer, YYYY-MM-DD.
func eventDate(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// chain is an area, its ancestors, and Nation; nil for an area the bundle does not hold.
func (s *Stats) chain(area string) []string {
	a := s.areas[area]
	if a == nil {
		return nil
	}
	var out []string
	for a != nil && len(out) <= len(s.areas) { // the bound breaks a cycle of parents
		out = append(out, a.Code)
		a = s.areas[a.Parent]
	}
	return append(out, Nation)
}

// timeliness is on time, late or delayed: the days from the event's date to the date of
// registration in the country's time zone, within OnTimeDays, within LateDays, or after. A
// registration day before the event's (a wrong date) or unknown is not stated.
func (s *Stats) timeliness(st *bundle.EventStatistics, date, registered time.Time) string {
	if registered.IsZero() {
		return NotStated
	}
	r := registered.In(s.loc)
	day := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, time.UTC)
	days := int(day.Sub(date).Hours() / 24)
	switch {
	case days < 0:
		return NotStated
	case days <= st.OnTimeDays:
		return OnTime
	case days <= st.LateDays:
		return Late
	}
	return Delayed
}

// icdChapter is a chapter of ICD-10 (WHO, 2019 edition): its key and its range of codes
// (letter and two digits, as letter*100+number).
type icdChapter struct {
	key      string
	from, to int
}

func icd(code string) int { return int(code[0]-'A')*100 + int(code[1]-'0')*10 + int(code[2]-'0') }

var icdChapters = func() []icdChapter {
	var out []icdChapter
	for _, c := range [][3]string{
		{"I", "A00", "B99"}, {"II", "C00", "D48"}, {"III", "D50", "D89"}, {"IV", "E00", "E90"},
		{"V", "F00", "F99"}, {"VI", "G00", "G99"}, {"VII", "H00", "H59"}, {"VIII", "H60", "H95"},
		{"IX", "I00", "I99"}, {"X", "J00", "J99"}, {"XI", "K00", "K93"}, {"XII", "L00", "L99"},
		{"XIII", "M00", "M99"}, {"XIV", "N00", "N99"}, {"XV", "O00", "O99"}, {"XVI", "P00", "P96"},
		{"XVII", "Q00", "Q99"}, {"XVIII", "R00", "R99"}, {"XIX", "S00", "T98"}, {"XX", "V01", "Y98"},
		{"XXI", "Z00", "Z99"}, {"XXII", "U00", "U85"},
	} {
		out = append(out, icdChapter{c[0], icd(c[1]), icd(c[2])})
	}
	return out
}()

// Chapter is the ICD-10 chapter of a code ("I" to "XXII"): a letter and two digits, then at
// most four letters or digits, with or without a dot after the third character ("I21.9",
// "i219", "U07.1"); case and surrounding spaces do not matter. A blank code is NotStated;
// anything else, or a code in no chapter (D49, E95...), is UnknownCode.
func Chapter(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	if c == "" {
		return NotStated
	}
	if len(c) < 3 || c[0] < 'A' || c[0] > 'Z' || !digit(c[1]) || !digit(c[2]) {
		return UnknownCode
	}
	rest := strings.TrimPrefix(c[3:], ".")
	if len(rest) > 4 || (rest == "" && len(c) > 3) {
		return UnknownCode
	}
	for i := 0; i < len(rest); i++ {
		if !digit(rest[i]) && (rest[i] < 'A' || rest[i] > 'Z') {
			return UnknownCode
		}
	}
	n := icd(c)
	for _, ch := range icdChapters {
		if n >= ch.from && n <= ch.to {
			return ch.key
		}
	}
	return UnknownCode
}

func digit(b byte) bool { return b >= '0' && b <= '9' }

func causeKey(v any) string {
	s, ok := v.(string)
	if !ok {
		return NotStated
	}
	return Chapter(s)
}
