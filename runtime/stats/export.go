package stats

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Exports write a report for people outside the register: each table's counts are hidden by
// Suppress with the bundle's SuppressBelow, and the completeness of an area whose count is
// hidden is hidden with it (expected births times completeness would give the count back).
// The pages, for the register's own users, show every count.

// SuppressBelow is the bundle's threshold of suppression (0: none).
func (s *Stats) SuppressBelow() int {
	if s.b.Statistics == nil {
		return 0
	}
	return s.b.Statistics.SuppressBelow
}

// Suppressed is the value of a hidden count in the CSV export.
const Suppressed = "suppressed"

// WriteCSV writes a report as one CSV file in long form, one line per count, which a
// spreadsheet or a statistics package pivots as it likes:
//
//	event,area,year,table,row,column,value,table_label,row_label,column_label
//
// table, row and column are the keys of the report (stable whatever the language); a total
// has the key "*" for its row or column. The labels are in the language of l. The last
// table, "areas", is the report's children: one line each for "registered", "expected" and
// "completeness" (a ratio); a value not known is empty, a hidden one is "suppressed". Numbers
// are written plainly (1234.5), for machines.
func (s *Stats) WriteCSV(w io.Writer, r *Report, l *Labels) error {
	cw := csv.NewWriter(w)
	below := s.SuppressBelow()
	area := r.Area
	if area == "" {
		area = Nation
	}
	head := []string{r.Event, area, strconv.Itoa(r.Year)}
	line := func(table, row, col, value, tl, rl, cl string) {
		cw.Write(append(head[:3:3], table, row, col, value, tl, rl, cl))
	}
	cw.Write([]string{"event", "area", "year", "table", "row", "column", "value", "table_label", "row_label", "column_label"})
	count := func(n int64, hidden bool) string {
		if hidden {
			return Suppressed
		}
		return strconv.FormatInt(n, 10)
	}
	total := l.Text("stats.total")
	for ti := range r.Tables {
		t := &r.Tables[ti]
		m := Suppress(t, below)
		title := l.Table(t)
		for i, rk := range t.Rows {
			rl := l.Key(t.Row, rk)
			for j, ck := range t.Columns {
				line(t.ID, rk, ck, count(t.Counts[i][j], m.Cells[i][j]), title, rl, l.Key(t.Column, ck))
			}
			line(t.ID, rk, "*", count(t.RowTotals[i], m.RowTotals[i]), title, rl, total)
		}
		for j, ck := range t.Columns {
			line(t.ID, "*", ck, count(t.ColumnTotals[j], m.ColumnTotals[j]), title, total, l.Key(t.Column, ck))
		}
		line(t.ID, "*", "*", count(t.Total, m.Total), title, total, total)
	}
	kids := Suppress(childrenTable(r), below)
	title := l.Text("stats.children")
	for i, c := range r.Children {
		hidden := kids.Cells[i][0]
		name := l.Child(c)
		line("areas", c.Area, "registered", count(c.Registered, hidden), title, name, l.Text("stats.registered"))
		line("areas", c.Area, "expected", decimal(c.Expected, false), title, name, l.Text("stats.expected"))
		line("areas", c.Area, "completeness", decimal(c.Completeness, hidden), title, name, l.Text("stats.completeness"))
	}
	cw.Flush()
	return cw.Error()
}

func decimal(x *float64, hidden bool) string {
	switch {
	case hidden:
		return Suppressed
	case x == nil:
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

// WriteXLSX writes a report as a workbook: a summary sheet (the area, year, registrations,
// expected events and completeness, and the completeness of each child area), then one sheet
// per table with its totals. Headings are in the language of l; counts are numbers (a hidden
// one is the text of stats.suppressed, and a note under each table says what is hidden);
// sheet names are the tables' titles cut to Excel's 31 characters, made unique.
func (s *Stats) WriteXLSX(w io.Writer, r *Report, l *Labels) error {
	f := excelize.NewFile()
	defer f.Close()
	below := s.SuppressBelow()
	x := &xlsx{f: f, l: l, below: below, names: map[string]bool{}}
	var err error
	if x.count, err = f.NewStyle(&excelize.Style{NumFmt: 3}); err != nil { // #,##0
		return err
	}
	fmtOne, fmtPct := "#,##0.0", "0.0%"
	if x.dec, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtOne}); err != nil {
		return err
	}
	if x.pct, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtPct}); err != nil {
		return err
	}
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	summary := x.sheetName(l.Text("stats.summary"))
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return err
	}
	x.summary(summary, r)
	for ti := range r.Tables {
		t := &r.Tables[ti]
		name := x.sheetName(l.Table(t))
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		x.table(name, r, t)
	}
	if x.err != nil {
		return x.err
	}
	return f.Write(w)
}

// xlsx writes the sheets of a workbook, keeping the first error.
type xlsx struct {
	f                     *excelize.File
	l                     *Labels
	below                 int
	count, dec, pct, bold int
	names                 map[string]bool // taken, in lower case: Excel compares them so
	err                   error
}

func (x *xlsx) set(sheet string, col, row int, v any, style int) {
	if x.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		err = x.f.SetCellValue(sheet, cell, v)
	}
	if err == nil && style != 0 {
		err = x.f.SetCellStyle(sheet, cell, cell, style)
	}
	x.err = err
}

// countCell writes a count, or the text of a hidden one.
func (x *xlsx) countCell(sheet string, col, row int, n int64, hidden bool) {
	if hidden {
		x.set(sheet, col, row, x.l.Text("stats.suppressed"), 0)
		return
	}
	x.set(sheet, col, row, n, x.count)
}

func (x *xlsx) note(sheet string, row int, any bool) {
	if any {
		x.set(sheet, 1, row, x.l.Text("stats.suppressed.note", "max", x.l.Int(int64(x.below-1))), 0)
	}
}

func (x *xlsx) heading(sheet string, r *Report) {
	x.set(sheet, 1, 1, x.l.Event()+" — "+x.l.Area(r.Area)+" — "+strconv.Itoa(r.Year), x.bold)
}

func (x *xlsx) summary(sheet string, r *Report) {
	l := x.l
	x.heading(sheet, r)
	reg := Suppress(&r.Tables[0], x.below) // the registrations table: its total is Registered
	rows := []struct {
		key   string
		value any
		style int
	}{
		{"stats.event", l.Event(), 0},
		{"stats.area", l.Area(r.Area), 0},
		{"stats.year", r.Year, 0},
	}
	for i, row := range rows {
		x.set(sheet, 1, 3+i, l.Text(row.key), x.bold)
		x.set(sheet, 2, 3+i, row.value, row.style)
	}
	x.set(sheet, 1, 6, l.Text("stats.registered"), x.bold)
	x.countCell(sheet, 2, 6, r.Registered, reg.Total)
	x.set(sheet, 1, 7, l.Text("stats.expected"), x.bold)
	if r.Expected != nil {
		x.set(sheet, 2, 7, *r.Expected, x.dec)
	}
	x.set(sheet, 1, 8, l.Text("stats.completeness"), x.bold)
	x.ratio(sheet, 2, 8, r.Completeness, reg.Total)

	const top = 10
	x.set(sheet, 1, top, l.Text("stats.children"), x.bold)
	for j, key := range []string{"stats.area", "stats.registered", "stats.expected", "stats.completeness"} {
		x.set(sheet, j+1, top+1, l.Text(key), x.bold)
	}
	kids := Suppress(childrenTable(r), x.below)
	for i, c := range r.Children {
		row := top + 2 + i
		x.set(sheet, 1, row, l.Child(c), 0)
		x.countCell(sheet, 2, row, c.Registered, kids.Cells[i][0])
		if c.Expected != nil {
			x.set(sheet, 3, row, *c.Expected, x.dec)
		}
		x.ratio(sheet, 4, row, c.Completeness, kids.Cells[i][0])
	}
	x.note(sheet, top+3+len(r.Children), reg.Any() || kids.Any())
	if x.err == nil {
		x.err = x.f.SetColWidth(sheet, "A", "A", 32)
	}
}

func (x *xlsx) ratio(sheet string, col, row int, v *float64, hidden bool) {
	switch {
	case hidden:
		x.set(sheet, col, row, x.l.Text("stats.suppressed"), 0)
	case v != nil:
		x.set(sheet, col, row, *v, x.pct)
	}
}

// table writes a table from row 3: a heading row (the rows' dimension, each column, the
// total), a row per key, the totals.
func (x *xlsx) table(sheet string, r *Report, t *Table) {
	l := x.l
	x.heading(sheet, r)
	x.set(sheet, 1, 2, l.Table(t), x.bold)
	m := Suppress(t, x.below)
	const top = 4
	x.set(sheet, 1, top, l.Dimension(t.Row), x.bold)
	for j, ck := range t.Columns {
		x.set(sheet, 2+j, top, l.Key(t.Column, ck), x.bold)
	}
	x.set(sheet, 2+len(t.Columns), top, l.Text("stats.total"), x.bold)
	for i, rk := range t.Rows {
		x.set(sheet, 1, top+1+i, l.Key(t.Row, rk), 0)
		for j := range t.Columns {
			x.countCell(sheet, 2+j, top+1+i, t.Counts[i][j], m.Cells[i][j])
		}
		x.countCell(sheet, 2+len(t.Columns), top+1+i, t.RowTotals[i], m.RowTotals[i])
	}
	last := top + 1 + len(t.Rows)
	x.set(sheet, 1, last, l.Text("stats.total"), x.bold)
	for j := range t.Columns {
		x.countCell(sheet, 2+j, last, t.ColumnTotals[j], m.ColumnTotals[j])
	}
	x.countCell(sheet, 2+len(t.Columns), last, t.Total, m.Total)
	x.note(sheet, last+2, m.Any())
	if x.err == nil {
		x.err = x.f.SetColWidth(sheet, "A", "A", 32)
	}
}

// sheetName makes a title a sheet's name: without the characters Excel refuses
// ([ ] : * ? / \), at most 31 characters, not starting or ending with an apostrophe, and
// unlike every name taken (Excel ignores case), with " (2)", " (3)"... when needed.
func (x *xlsx) sheetName(title string) string {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			return '-'
		}
		if r < 0x20 {
			return -1
		}
		return r
	}, strings.ToValidUTF8(title, ""))
	clean = strings.Trim(strings.TrimSpace(clean), "'")
	if clean == "" {
		clean = "Sheet"
	}
	for n := 1; ; n++ {
		suffix := ""
		if n > 1 {
			suffix = fmt.Sprintf(" (%d)", n)
		}
		name := cut(clean, 31-len(suffix)) + suffix
		if !x.names[strings.ToLower(name)] {
			x.names[strings.ToLower(name)] = true
			return name
		}
	}
}

// cut keeps at most n UTF-16 units, as Excel counts a sheet's name.
func cut(s string, n int) string {
	used := 0
	for i, r := range s {
		used += utf16.RuneLen(r)
		if used > n {
			return strings.TrimRight(s[:i], " '")
		}
	}
	return s
}
