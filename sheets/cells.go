package sheets

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/diag"
)

// The cell helpers read a typed value and report a bad one at its cell. Each returns ok false
// when there is no value to use. None reports a cell of an absent column (col -1): the header
// check has reported the column once, and a report on every row would bury it.

// Required returns a cell's value, reporting a blank one (missing-value).
func (t *Table) Required(l *diag.List, row Row, col int) (string, bool) {
	if col < 0 {
		return "", false
	}
	v := t.Cell(row, col)
	if v == "" {
		l.Errorf(t.Pos(row, col), "missing-value", "every row needs one", "%s is empty", t.colTitle(col))
		return "", false
	}
	return v, true
}

// Int returns a cell's whole number. A blank cell gives ok false and no report: whether it may
// be blank is the caller's to say, with Required. Thousands separators are refused rather than
// guessed at, since "1,234" is a thousand and some in one locale and one and a bit in another.
func (t *Table) Int(l *diag.List, row Row, col int) (int, bool) {
	v := t.Cell(row, col)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err == nil {
		return n, true
	}
	hint := "write digits only, such as 1234"
	if errors.Is(err, strconv.ErrRange) {
		hint = "it is too large"
	} else if strings.ContainsAny(v, ", .'\u00a0\u202f") {
		hint = "write it without thousands separators or decimals, such as 1234; in Excel, format the cells as General or as Number without separators"
	}
	l.Errorf(t.Pos(row, col), "bad-number", hint, "%s %q is not a whole number", t.colTitle(col), v)
	return 0, false
}

// decimal is the only number syntax Float accepts: strconv.ParseFloat would also take "Inf",
// "NaN", hexadecimal and underscores, which no spreadsheet means as a number.
var decimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// Float returns a cell's decimal number, written with a point. A blank cell gives ok false and
// no report.
func (t *Table) Float(l *diag.List, row Row, col int) (float64, bool) {
	v := t.Cell(row, col)
	if v == "" {
		return 0, false
	}
	if decimal.MatchString(v) {
		f, err := strconv.ParseFloat(v, 64)
		if err == nil {
			return f, true
		}
	}
	hint := "write a number such as 12.5"
	switch {
	case strings.HasSuffix(v, "%"):
		hint = "write the number without a percent sign; in Excel, format the cells as General or Number"
	case strings.Contains(v, ","):
		hint = "write it with a point for decimals and no thousands separators, such as 1234.5"
	}
	l.Errorf(t.Pos(row, col), "bad-number", hint, "%s %q is not a number", t.colTitle(col), v)
	return 0, false
}

// colTitle names a column in a message about one of its cells: by its header, as the person
// wrote it, or by its place when the header cell is blank.
func (t *Table) colTitle(col int) string {
	if col < len(t.Header) && t.Header[col] != "" {
		return t.Header[col]
	}
	return t.colName(col)
}
