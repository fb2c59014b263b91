package stats

// Mask says which counts of a table an export hides.
type Mask struct {
	Cells        [][]bool `json:"cells"`
	RowTotals    []bool   `json:"rowTotals"`
	ColumnTotals []bool   `json:"columnTotals"`
	Total        bool     `json:"total"`
}

// Any tells whether anything is hidden.
func (m Mask) Any() bool {
	if m.Total {
		return true
	}
	for _, b := range m.RowTotals {
		if b {
			return true
		}
	}
	for _, b := range m.ColumnTotals {
		if b {
			return true
		}
	}
	for _, row := range m.Cells {
		for _, b := range row {
			if b {
				return true
			}
		}
	}
	return false
}

// Suppress is what an export of a table hides when counts under below may identify people
// (bundle.Statistics.SuppressBelow; below <= 1 hides nothing).
//
// The rule, kept simple so that it can be explained to the reader of a table:
//
//  1. Primary: every count from 1 to below-1 is hidden, totals included. Zeros are shown:
//     they identify no one.
//  2. Secondary: a hidden count must not be found again by subtraction from its row's or
//     column's total. The table is taken with its totals (the totals are a row and a column
//     more), and as long as a row or a column of it holds exactly one hidden count, its
//     smallest shown non-zero count (a total if nothing else) is hidden too. Each row and column
//     then holds none or at least two, and no single hidden count is its line's total minus
//     what is shown. (Such a count always exists: a line's total is the sum of its other
//     counts, so a line with one hidden non-zero count holds another non-zero one.)
//
// This protects against subtraction within one table, assuming its totals are known (they
// are, from the other tables of the same report, which all sum to the registrations). It does
// not audit the intervals an attacker could deduce from several hidden counts, nor differences
// between areas (a province's table minus its districts'): publish the areas and levels whose
// counts are large enough.
func Suppress(t *Table, below int) Mask {
	R, C := len(t.Rows), len(t.Columns)
	// g is the table with its totals: row R is the column totals, column C the row totals.
	g := make([][]int64, R+1)
	hide := make([][]bool, R+1)
	for i := range R + 1 {
		g[i] = make([]int64, C+1)
		hide[i] = make([]bool, C+1)
		for j := range C + 1 {
			switch {
			case i < R && j < C:
				g[i][j] = t.Counts[i][j]
			case i < R:
				g[i][j] = t.RowTotals[i]
			case j < C:
				g[i][j] = t.ColumnTotals[j]
			default:
				g[i][j] = t.Total
			}
			hide[i][j] = below > 1 && g[i][j] >= 1 && g[i][j] < int64(below)
		}
	}
	type at struct{ i, j int }
	line := func(cells []at) bool {
		hidden, best := 0, -1
		for k, c := range cells {
			if hide[c.i][c.j] {
				hidden++
			} else if g[c.i][c.j] > 0 && (best < 0 || g[c.i][c.j] < g[cells[best].i][cells[best].j]) {
				best = k
			}
		}
		if hidden != 1 || best < 0 {
			return false
		}
		hide[cells[best].i][cells[best].j] = true
		return true
	}
	for changed := below > 1; changed; {
		changed = false
		for i := range R + 1 {
			var cells []at
			for j := range C + 1 {
				cells = append(cells, at{i, j})
			}
			changed = line(cells) || changed
		}
		for j := range C + 1 {
			var cells []at
			for i := range R + 1 {
				cells = append(cells, at{i, j})
			}
			changed = line(cells) || changed
		}
	}
	m := Mask{Cells: make([][]bool, R), RowTotals: make([]bool, R), ColumnTotals: make([]bool, C), Total: hide[R][C]}
	for i := range R {
		m.Cells[i] = hide[i][:C]
		m.RowTotals[i] = hide[i][C]
	}
	for j := range C {
		m.ColumnTotals[j] = hide[R][j]
	}
	return m
}

// childrenTable is a report's children as a table of one column, for Suppress.
func childrenTable(r *Report) *Table {
	t := &Table{ID: "areas", Columns: []string{"registered"}, ColumnTotals: []int64{0}}
	for _, c := range r.Children {
		t.Rows = append(t.Rows, c.Area)
		t.Counts = append(t.Counts, []int64{c.Registered})
		t.RowTotals = append(t.RowTotals, c.Registered)
		t.ColumnTotals[0] += c.Registered
		t.Total += c.Registered
	}
	return t
}
