package stats

import (
	"fmt"
	"slices"
	"strings"
)

// MaxPrefixes is the most prefixes Prefixes gives (store.MaxCountPrefixes): an area with more
// children than fit has the rest left out of its table of children (Report.ChildrenOmitted).
const MaxPrefixes = 1024

// Query is the statistics of one event in one area ("" the nation) and one year (of the
// events' dates).
type Query struct {
	Event string `json:"event"`
	Area  string `json:"area"`
	Year  int    `json:"year"`
}

// Report is an area's year of an event: what the pages, the API and the exports show. Counts
// are of registered records by the date of their event; Expected and Completeness are nil
// where the population figures do not say.
type Report struct {
	Event string `json:"event"`
	Area  string `json:"area"` // "" the nation
	// Parents are the area's ancestors, from the top level down (not the nation): the way
	// back up from a drill-down.
	Parents []string `json:"parents"`
	Year    int      `json:"year"`

	Registered int64      `json:"registered"`
	BySex      []KeyCount `json:"bySex"` // the registrations table's columns
	Months     [12]int64  `json:"months"`
	Quarters   [4]int64   `json:"quarters"`
	// Expected is the births or deaths the population figures expect in the area and year,
	// Completeness Registered ÷ Expected (a ratio: 0.87 for 87 %).
	Expected     *float64 `json:"expected"`
	Completeness *float64 `json:"completeness"`
	// Timeliness is nil when the event declares no legal periods.
	Timeliness *Timeliness `json:"timeliness,omitempty"`
	// Children are the area's children (the top-level areas for the nation), by code: the
	// completeness by area, and where to drill down. None below the level of the event's
	// place field (a district's communes, when births are placed by district): no record
	// counts there.
	//
	// The children of a year are the areas that existed during it (bundle.Area's ValidFrom
	// and ValidTo): a district that ended before the year began is not one of them, nor one
	// created after it ended. A record keeps counting under the area it was declared with,
	// so a record of the year placed in an area that did not exist then (declared before the
	// server refused such places) still counts in it: that area is listed too, marked
	// OutOfTime, so that the children add up to the area's total.
	Children        []AreaFigures `json:"children"`
	ChildrenOmitted int           `json:"childrenOmitted,omitempty"`
	Tables          []Table       `json:"tables"`
}

// KeyCount is a count of a key.
type KeyCount struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// Timeliness are the registrations on time, late and delayed, and their shares of those whose
// timeliness is known (nil when none is).
type Timeliness struct {
	OnTime       int64    `json:"onTime"`
	Late         int64    `json:"late"`
	Delayed      int64    `json:"delayed"`
	NotStated    int64    `json:"notStated"`
	OnTimeShare  *float64 `json:"onTimeShare"`
	LateShare    *float64 `json:"lateShare"`
	DelayedShare *float64 `json:"delayedShare"`
}

// AreaFigures are one child area's registrations, expected events and completeness.
type AreaFigures struct {
	Area         string   `json:"area"`
	HasChildren  bool     `json:"hasChildren"` // it can be drilled into
	Registered   int64    `json:"registered"`
	Expected     *float64 `json:"expected"`
	Completeness *float64 `json:"completeness"`
	// OutOfTime: the area did not exist during the year (it ended before, or began after),
	// and is listed only because records of the year name it.
	OutOfTime bool `json:"outOfTime,omitempty"`
}

// Table is a table of counts: Counts[row][column], with the totals of rows, of columns and the
// whole. Rows and Columns are keys of the dimensions Row and Column (see the Dim constants);
// the Labels of a language name them.
type Table struct {
	ID           string    `json:"id"`
	Row          string    `json:"row"`
	Column       string    `json:"column"`
	Rows         []string  `json:"rows"`
	Columns      []string  `json:"columns"`
	Counts       [][]int64 `json:"counts"`
	RowTotals    []int64   `json:"rowTotals"`
	ColumnTotals []int64   `json:"columnTotals"`
	Total        int64     `json:"total"`
}

// Prefixes are the cell prefixes of a query, for store.Store.Counts: each table of the area's
// year, and the registrations of each child area's year (at most MaxPrefixes in all).
func (s *Stats) Prefixes(q Query) ([]string, error) {
	e, err := s.check(q)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range e.tables {
		out = append(out, prefix(q.Event, cellArea(q.Area), t.id, q.Year))
	}
	kids, _ := s.children(e, q.Area, q.Year, MaxPrefixes-len(out))
	for _, k := range kids {
		out = append(out, prefix(q.Event, k, TableRegistrations, q.Year))
	}
	return out, nil
}

func prefix(event, area, table string, year int) string {
	return fmt.Sprintf("%s%s%s%s%s%s%04d-", event, Sep, area, Sep, table, Sep, year)
}

func cellArea(area string) string {
	if area == "" {
		return Nation
	}
	return area
}

// children are an area's children whose counts a year's report reads, at most max of them,
// and how many of those that existed during the year are left out; none when the event's
// records count in no area below it (see finest). Those of the year come first, then the
// others (which the report shows only when records of the year name them).
func (s *Stats) children(e *event, area string, year, max int) ([]string, int) {
	if s.finest(e, area) {
		return nil, 0
	}
	kids := s.kids[area]
	if s.dated {
		of, others := s.during(kids, year)
		kids = append(of, others...)
		if len(of) > max {
			return kids[:max], len(of) - max
		}
	} else if len(kids) > max {
		return kids[:max], len(kids) - max
	}
	return kids[:min(len(kids), max)], 0
}

// during splits areas into those that existed during a year and the others, in their order.
func (s *Stats) during(areas []string, year int) (of, others []string) {
	for _, a := range areas {
		if s.existed(a, year) {
			of = append(of, a)
		} else {
			others = append(others, a)
		}
	}
	return of, others
}

// existed tells whether an area existed on some day of a year.
func (s *Stats) existed(area string, year int) bool {
	a := s.areas[area]
	if a == nil || (a.ValidFrom == "" && a.ValidTo == "") {
		return a != nil
	}
	first, last := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
	return (a.ValidFrom == "" || a.ValidFrom <= last) && (a.ValidTo == "" || a.ValidTo >= first)
}

// kidsOf are an area's children that existed during a year (all of them when no area has
// dates).
func (s *Stats) kidsOf(area string, year int) []string {
	if !s.dated {
		return s.kids[area]
	}
	of, _ := s.during(s.kids[area], year)
	return of
}

// finest tells whether an area is at the level of the event's place field or below it (a
// district, or a commune, when the place asked is a district): no record counts in an area
// below, so its children would all show nothing, whatever was registered.
func (s *Stats) finest(e *event, area string) bool {
	if e.placeLevel == "" {
		return false
	}
	for a, n := s.areas[area], 0; a != nil && n <= len(s.areas); a, n = s.areas[a.Parent], n+1 {
		if a.Level == e.placeLevel {
			return true
		}
	}
	return false
}

func (s *Stats) check(q Query) (*event, error) {
	e := s.events[q.Event]
	if e == nil {
		return nil, fmt.Errorf("stats: no statistics of event %q", q.Event)
	}
	if q.Area != "" && s.areas[q.Area] == nil {
		return nil, fmt.Errorf("stats: no area %q", q.Area)
	}
	if q.Year < 1 || q.Year > 9999 {
		return nil, fmt.Errorf("stats: year %d", q.Year)
	}
	return e, nil
}

// Tabulate makes the report of a query from the counts of its Prefixes (cells that are not
// the query's are ignored). A key the bundle no longer declares (counted under an earlier
// bundle) gets a row or column of its own after the declared ones, so that totals stay whole.
func (s *Stats) Tabulate(q Query, counts map[string]int64) (*Report, error) {
	e, err := s.check(q)
	if err != nil {
		return nil, err
	}
	r := &Report{Event: q.Event, Area: q.Area, Year: q.Year, Parents: []string{}, Children: []AreaFigures{}}
	if q.Area != "" {
		for a := s.areas[s.areas[q.Area].Parent]; a != nil && len(r.Parents) < len(s.areas); a = s.areas[a.Parent] {
			r.Parents = append(r.Parents, a.Code)
		}
		slices.Reverse(r.Parents)
	}
	own := map[string]*Table{} // by table id
	builders := map[string]*builder{}
	for _, t := range e.tables {
		builders[t.id] = newBuilder(t)
	}
	kids, omitted := s.children(e, q.Area, q.Year, MaxPrefixes-len(e.tables))
	r.ChildrenOmitted = omitted
	kidCount := map[string]int64{}
	for _, k := range kids {
		kidCount[k] = 0
	}
	year := fmt.Sprintf("%04d-", q.Year)
	area := cellArea(q.Area)
	var fields [7]string
	for cell, n := range counts {
		parts := split(cell, fields[:0])
		if len(parts) < 5 || parts[0] != q.Event || !strings.HasPrefix(parts[3], year) || len(parts[3]) != 7 {
			continue
		}
		b := builders[parts[2]]
		if b == nil {
			continue
		}
		if parts[1] != area {
			if _, ok := kidCount[parts[1]]; ok && parts[2] == TableRegistrations {
				kidCount[parts[1]] += n
			}
			continue
		}
		if b.t.id == TableRegistrations {
			if len(parts) != 5 {
				continue
			}
			b.add(parts[3][5:], parts[4], n)
		} else if len(parts) == 6 {
			b.add(parts[4], parts[5], n)
		}
	}
	for _, t := range e.tables {
		tab := builders[t.id].table()
		own[t.id] = tab
		r.Tables = append(r.Tables, *tab)
	}
	reg := own[TableRegistrations]
	r.Registered = reg.Total
	r.BySex = []KeyCount{}
	for i, k := range reg.Columns {
		r.BySex = append(r.BySex, KeyCount{k, reg.ColumnTotals[i]})
	}
	for i := range 12 {
		r.Months[i] = reg.RowTotals[i]
		r.Quarters[i/3] += reg.RowTotals[i]
	}
	pop := s.expectation(e, q.Year)
	r.Expected = pop(q.Area)
	r.Completeness = ratio(r.Registered, r.Expected)
	for _, k := range kids {
		f := AreaFigures{Area: k, Registered: kidCount[k], Expected: pop(k), OutOfTime: !s.existed(k, q.Year)}
		if f.OutOfTime && f.Registered == 0 {
			continue
		}
		// An area out of its time is drilled into for the records under it, in its children
		// out of their time too.
		f.HasChildren = !s.finest(e, k) && (len(s.kidsOf(k, q.Year)) > 0 || f.OutOfTime && len(s.kids[k]) > 0)
		f.Completeness = ratio(f.Registered, f.Expected)
		r.Children = append(r.Children, f)
	}
	slices.SortStableFunc(r.Children, func(a, b AreaFigures) int { return strings.Compare(a.Area, b.Area) })
	if tl := own[TableTimeliness]; tl != nil {
		t := &Timeliness{}
		for i, k := range tl.Rows {
			switch k {
			case OnTime:
				t.OnTime = tl.RowTotals[i]
			case Late:
				t.Late = tl.RowTotals[i]
			case Delayed:
				t.Delayed = tl.RowTotals[i]
			default:
				t.NotStated += tl.RowTotals[i]
			}
		}
		known := float64(t.OnTime + t.Late + t.Delayed)
		t.OnTimeShare, t.LateShare, t.DelayedShare = ratio(t.OnTime, &known), ratio(t.Late, &known), ratio(t.Delayed, &known)
		r.Timeliness = t
	}
	return r, nil
}

// split is strings.Split(cell, Sep) into out's array, without allocating: at most 7 parts
// (more than a cell has, so that a longer string is seen as not a cell).
func split(cell string, out []string) []string {
	for len(out) < cap(out)-1 {
		i := strings.Index(cell, Sep)
		if i < 0 {
			break
		}
		out = append(out, cell[:i])
		cell = cell[i+len(Sep):]
	}
	return append(out, cell)
}

// ratio is n ÷ d, nil when d is unknown or not positive.
func ratio(n int64, d *float64) *float64 {
	if d == nil || *d <= 0 {
		return nil
	}
	v := float64(n) / *d
	return &v
}

// expectation gives the births or deaths expected in an area ("" the nation) in a year: its
// population row's, else the sum of its children's when each child has one (recursively);
// nil when unknown, or when the event compares with nothing. A figure of 0 is taken as not
// given (the bundle omits it).
func (s *Stats) expectation(e *event, year int) func(area string) *float64 {
	memo := map[string]*float64{}
	var get func(area string, depth int) *float64
	get = func(area string, depth int) *float64 {
		if v, ok := memo[area]; ok {
			return v
		}
		memo[area] = nil // a cycle of parents gives unknown
		var v *float64
		if p := s.population[area][year]; p != nil {
			x := p.ExpectedBirths
			if e.st.Expected == "deaths" {
				x = p.ExpectedDeaths
			}
			if x > 0 {
				v = &x
			}
		}
		if kids := s.kidsOf(area, year); v == nil && len(kids) > 0 && depth <= len(s.areas) {
			sum := 0.0
			for _, k := range kids {
				kv := get(k, depth+1)
				if kv == nil {
					sum = -1
					break
				}
				sum += *kv
			}
			if sum > 0 {
				v = &sum
			}
		}
		memo[area] = v
		return v
	}
	return func(area string) *float64 {
		if e.st.Expected != "births" && e.st.Expected != "deaths" {
			return nil
		}
		return get(area, 0)
	}
}

// builder sums the counts of one table.
type builder struct {
	t          tableDef
	rows, cols map[string]int
	rowKeys    []string
	colKeys    []string
	counts     map[[2]string]int64
}

func newBuilder(t tableDef) *builder {
	b := &builder{t: t, rows: map[string]int{}, cols: map[string]int{}, counts: map[[2]string]int64{}}
	for _, k := range t.row.keys {
		b.rows[k] = len(b.rowKeys)
		b.rowKeys = append(b.rowKeys, k)
	}
	for _, k := range t.col.keys {
		b.cols[k] = len(b.colKeys)
		b.colKeys = append(b.colKeys, k)
	}
	return b
}

func (b *builder) add(row, col string, n int64) {
	if _, ok := b.rows[row]; !ok {
		if b.t.row.id == DimMonth {
			return // not a month
		}
		b.rows[row] = -1 // placed after the declared keys, below
	}
	if _, ok := b.cols[col]; !ok {
		b.cols[col] = -1
	}
	b.counts[[2]string{row, col}] += n
}

func (b *builder) table() *Table {
	rowKeys, colKeys := b.rowKeys, b.colKeys
	var extraRows, extraCols []string
	for k, i := range b.rows {
		if i < 0 {
			extraRows = append(extraRows, k)
		}
	}
	for k, i := range b.cols {
		if i < 0 {
			extraCols = append(extraCols, k)
		}
	}
	slices.Sort(extraRows)
	slices.Sort(extraCols)
	rowKeys = append(slices.Clone(rowKeys), extraRows...)
	colKeys = append(slices.Clone(colKeys), extraCols...)
	t := &Table{
		ID: b.t.id, Row: b.t.row.id, Column: b.t.col.id, Rows: rowKeys, Columns: colKeys,
		Counts: make([][]int64, len(rowKeys)), RowTotals: make([]int64, len(rowKeys)), ColumnTotals: make([]int64, len(colKeys)),
	}
	for i, rk := range rowKeys {
		t.Counts[i] = make([]int64, len(colKeys))
		for j, ck := range colKeys {
			n := b.counts[[2]string{rk, ck}]
			t.Counts[i][j] = n
			t.RowTotals[i] += n
			t.ColumnTotals[j] += n
			t.Total += n
		}
	}
	return t
}
