// Package sheets reads the tables that country implementers keep in spreadsheets (places,
// offices, users, translations) from CSV or XLSX files. It checks each table's header against
// the columns the table may have and keeps the position of every cell, so that the compiler can
// report a problem in a value exactly where the person keeping the file will look for it.
//
// # Positions
//
// A CSV position is file:line:column, as a text editor shows it. The line is the physical line
// of the file: a quoted value may span lines, and a row's Line is the line its record starts on,
// so the rows after a multi-line value keep their true lines. The column counts characters from
// 1 (not bytes: "Zürich" is six columns wide) and points at the first character of the field,
// its opening quote when it is quoted. A byte-order mark is not counted, as editors do not show
// it.
//
// An XLSX position is the sheet, the row number and the column letter, as Excel shows them:
//
//	places.xlsx: sheet areas, row 7, column C
//
// Row numbers are the workbook's own, counting the blank rows that are skipped, so they match
// what Excel shows. A problem with a whole file (not a workbook, no such sheet) has a position
// with the file alone, as does a CSV file that cannot be opened.
//
// # What is read
//
// The header is the first row that is not blank; rows above it and blank rows anywhere are
// skipped. Every cell is trimmed of surrounding white space (non-breaking spaces included)
// without comment: stray spaces are invisible in a spreadsheet, and nobody should have to hunt
// for them. Header names are matched case-insensitively, since "Code" and "code" look like the
// same column to the person who typed them, and are reported as written. A row's Cells line up
// with the header's columns but stop at the row's last cell: rows are not padded to the
// header's width, so that a stray header value far to the right (Excel goes to column XFD, the
// 16,384th) cannot make every row that wide. Read cells with Cell, which gives "" for a cell a
// row does not have, and for the -1 that Col returns for an absent column.
//
// A CSV file must be UTF-8; a byte-order mark is stripped. When its first line has semicolons
// and no comma, the file is read as semicolon-separated, which is what Excel writes in locales
// that use a decimal comma. A syntax error (a stray quote, an unclosed quoted value) stops the
// reading of that file: everything after it may be shifted, so nothing is returned.
//
// An XLSX value is read as Excel displays it, with the cell's number format applied: a date
// reads as the date shown, 3.14159 formatted with two decimals as "3.14", 0.125 as a percentage
// as "12.50%". Two exceptions make values safe to compare. Excel's built-in short date (number
// format 14) follows the reader's computer settings, showing 15/03/2023 to one person and
// 3/15/2023 to another, so it is read as the unambiguous 2023-03-15. A number in the General
// format is read in full ("1234567890123", not "1.23457E+12"): Excel shows the digits in a wide
// enough column, and an identifier must not lose them. Excel keeps 15 significant digits, so a
// longer identifier must be typed as text. Date and time (format 22) reads as 2023-03-15 12:00
// for the same reason as the short date. Every other date reads in the format its cells were
// given, so a compiler that parses dates from a workbook must expect what people choose, such
// as 15/03/2023 from dd/mm/yyyy. A formula reads as the value Excel saved with it, blank if a
// program wrote the formula without computing it. Hidden rows and columns are read like others.
//
// # Diagnostic codes
//
// File level: read-file (cannot be opened), file-type (neither .csv nor .xlsx), encoding (a CSV
// that is not UTF-8), csv-syntax, bad-xlsx (not a workbook, or a broken one), unknown-sheet,
// no-header (nothing but blank rows).
//
// Header: missing-column (at the header row), unknown-column, duplicate-column, unnamed-column
// (values below a blank header cell; reported once, at the header cell).
//
// Rows: extra-cells (a value right of the last header column, at that value), text-cell (a
// number in a workbook where Columns.Text wants text), and from the cell helpers missing-value
// and bad-number.
//
// # Published files as they come
//
// A row just under the header whose every value is an HXL hashtag (#adm1+name, #adm1+code),
// as the Humanitarian Data Exchange publishes its CSV files, describes the columns: it is
// skipped, and Table.HXL tells its line. A CSV file whose first line is Excel's separator hint
// (sep=; or sep=,) is read with that separator, the hint line counting as line 1. A CSV file
// whose lines end with a carriage return alone (old Mac text) is read as if they ended with a
// newline.
package sheets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/internal/suggest"
)

// Columns declares what a table's header may hold.
type Columns struct {
	Required []string // must be present, such as "code" and "name"
	Optional []string // may be present

	// Pattern accepts further names, such as ^name:[a-z]{2,3}(-[A-Za-z0-9]+)*$ for "name:fr".
	// It is tried on the name as written and in lower case. Nil accepts none.
	Pattern *regexp.Regexp
	// PatternDoc names what Pattern accepts in a hint, such as "name:LANG (name:fr)": a regular
	// expression means nothing to the person fixing a spreadsheet.
	PatternDoc string

	// Text names columns whose values are text even when they look like numbers, such as phone
	// numbers: in a workbook, a cell of theirs stored as a number is reported (text-cell), since
	// Excel has already dropped its leading zero or plus sign.
	Text []string
}

// Table is one CSV file or one sheet of a workbook, read whole.
type Table struct {
	File   string
	Sheet  string   // "" for a CSV file
	Header []string // the header's cells, trimmed, as written; blank cells at its end dropped
	Rows   []Row    // the data rows, blank ones skipped
	HXL    int      // the line (or row) of an HXL hashtag row under the header, 0 for none

	xlsx    bool            // positions are rows and column letters, not lines and characters
	numbers map[[2]int]bool // cells of Columns.Text stored as numbers (reported), by row and column
	head    Row             // the header, for its positions
	index   map[string]int  // lower-cased name to the first column with it
}

// Row is one data row.
type Row struct {
	// Line is the CSV line the row's record starts on, or the XLSX row number.
	Line int
	// Cells holds the row's trimmed values in the order of the header's columns, as far as the
	// row goes: a short row has fewer, and Cell reads the missing ones as blank.
	Cells []string

	at []cellPos // CSV only: where each cell starts, as far as the record had cells
}

// cellPos is a CSV cell's start, in int32 to keep 100,000 rows small.
type cellPos struct{ line, col int32 }

// Read reads a table from a .csv or .xlsx file, chosen by the extension. For a workbook, sheet
// names the sheet to read ("" for the first one); for a CSV file it is ignored. The table is nil
// when the file could not be read as a table at all, and the diagnostics say why; otherwise
// it is returned with whatever problems its header and rows have.
func Read(path string, sheet string, cols Columns) (*Table, diag.List) {
	var l diag.List
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".xlsx" {
		hint := "save the table as .xlsx (Excel Workbook) or .csv (CSV UTF-8)"
		if ext == ".xls" {
			hint = "this is the old Excel format: " + hint
		}
		l.Errorf(diag.Pos{File: path}, "file-type", hint, "cannot read a %q file as a table", ext)
		return nil, l
	}
	f, err := os.Open(path)
	if err != nil {
		l.Errorf(diag.Pos{File: path}, "read-file", "", "cannot read the file: %v", unwrapPath(err))
		return nil, l
	}
	defer f.Close()
	if ext == ".csv" {
		return ReadCSV(path, f, cols)
	}
	return ReadXLSX(path, f, sheet, cols)
}

// unwrapPath drops the path from an *os.PathError, which the position already names.
func unwrapPath(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readAll reads a whole input, reporting a failure at the file.
func readAll(name string, r io.Reader, l *diag.List) ([]byte, bool) {
	var data []byte
	var err error
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		// A file is read into a buffer of its size: a national areas sheet is megabytes, which
		// io.ReadAll would copy again each time its buffer doubles.
		if fi, serr := f.Stat(); serr == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
			_, err = buf.ReadFrom(r)
			data = buf.Bytes()
		} else {
			data, err = io.ReadAll(r)
		}
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		l.Errorf(diag.Pos{File: name}, "read-file", "", "cannot read the file: %v", unwrapPath(err))
		return nil, false
	}
	return data, true
}

// Col returns the index of the named column, compared case-insensitively, or -1 when the header
// has no such column. A column named twice gives the first.
func (t *Table) Col(name string) int {
	if i, ok := t.index[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

// StoredAsNumber tells a cell of a Columns.Text column that the workbook stores as a number,
// which Read has reported: a check of its value need not report it again.
func (t *Table) StoredAsNumber(row Row, col int) bool {
	return t.numbers[[2]int{row.Line, col}]
}

// Cell returns a row's value in a column: "" when col is -1 (an absent column) or out of range.
func (t *Table) Cell(row Row, col int) string {
	if col < 0 || col >= len(row.Cells) {
		return ""
	}
	return row.Cells[col]
}

// Pos returns the position of a row's cell: in a CSV file, the range of the cell's text. With
// col -1, or a cell the CSV record did not have, it is the row's line alone.
func (t *Table) Pos(row Row, col int) diag.Pos {
	return t.pos(row, col)
}

// HeaderPos returns the position of a header cell, or of the header row with col -1.
func (t *Table) HeaderPos(col int) diag.Pos {
	return t.pos(t.head, col)
}

func (t *Table) pos(row Row, col int) diag.Pos {
	p := diag.Pos{File: t.File, Sheet: t.Sheet, Line: row.Line}
	at := row.at
	switch {
	case col < 0:
	case t.xlsx:
		p.Column = col + 1
	case col < len(at):
		p.Line, p.Column = int(at[col].line), int(at[col].col)
		// The cell ends before the separator of the next; the last one, after its text
		// (trimmed, and with its quotes when it needs them: close enough to underline it).
		switch {
		case col+1 < len(at) && at[col+1].line == at[col].line:
			p.EndLine, p.EndColumn = p.Line, int(at[col+1].col)-1
		case col < len(row.Cells) && row.Cells[col] != "" && !strings.Contains(row.Cells[col], "\n"):
			n := len(row.Cells[col])
			if strings.ContainsAny(row.Cells[col], ",;\"") {
				n += 2 + strings.Count(row.Cells[col], "\"")
			}
			p.EndLine, p.EndColumn = p.Line, p.Column+n
		}
		if !p.HasRange() {
			p.EndLine, p.EndColumn = 0, 0
		}
	}
	return p
}

// colName names a column in a message the way the person sees it: a letter in a workbook, a
// field number in a CSV file.
func (t *Table) colName(col int) string {
	if t.xlsx {
		return "column " + diag.ColumnName(col+1)
	}
	return fmt.Sprintf("column %d", col+1)
}

// rowName names a row in a message.
func (t *Table) rowName(line int) string {
	if t.xlsx {
		return fmt.Sprintf("row %d", line)
	}
	return fmt.Sprintf("line %d", line)
}

// builder turns records, CSV or XLSX alike, into a table: the first non-blank one is the header.
type builder struct {
	t        *Table
	cols     Columns
	l        *diag.List
	sep      rune // the CSV separator, for hints
	started  bool
	reported []bool // unnamed columns whose values have been reported

	// Rows' cells are cut from larger arrays, a few allocations for a whole sheet rather than
	// two a row; rowsHint is about how many rows there are, when it is known.
	cells    []string
	at       []cellPos
	rowsHint int
}

// slab returns a copy of s cut from *from, which is refilled when too short.
func slab[T any](from *[]T, s []T) []T {
	if len(*from) < len(s) {
		*from = make([]T, max(1024, len(s)))
	}
	out := (*from)[:len(s):len(s)]
	copy(out, s)
	*from = (*from)[len(s):]
	return out
}

// add takes one record at a line (or row). at gives the CSV position of each cell and is nil
// for a workbook. cells may be reused by the caller afterwards.
func (b *builder) add(line int, cells []string, at []cellPos) {
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
	}
	if !b.started {
		if !blank(cells) {
			b.header(line, cells, at)
		}
		return
	}
	t := b.t
	width := len(t.Header)
	for i := width; i < len(cells); i++ {
		if cells[i] != "" {
			hint := fmt.Sprintf("name the column in the header (%s), or delete the value", t.rowName(t.head.Line))
			if !t.xlsx {
				hint = fmt.Sprintf("the header has %d columns: put a value that contains a %q in double quotes, or name the column in the header", width, b.comma())
			}
			b.l.Errorf(t.pos(Row{Line: line, Cells: cells, at: at}, i), "extra-cells", hint, "value %q is beyond the last column of the header", cells[i])
			break
		}
	}
	if blank(cells[:min(width, len(cells))]) {
		return
	}
	if t.Rows == nil && t.HXL == 0 && hxlRow(cells) {
		t.HXL = line
		return
	}
	row := Row{Line: line, Cells: slab(&b.cells, cells[:min(width, len(cells))])}
	if at != nil {
		row.at = slab(&b.at, at[:min(width, len(at))])
	}
	for i, c := range row.Cells {
		if c != "" && t.Header[i] == "" && !b.reported[i] {
			b.reported[i] = true
			b.l.Errorf(t.HeaderPos(i), "unnamed-column", "name the column, or delete its values",
				"%s has no name, but %s has a value in it", t.colName(i), t.rowName(line))
		}
	}
	if t.Rows == nil && b.rowsHint > 0 {
		t.Rows = make([]Row, 0, b.rowsHint)
	}
	t.Rows = append(t.Rows, row)
}

// comma names the CSV separator for a hint.
func (b *builder) comma() string {
	if b.sep == ';' {
		return ";"
	}
	return ","
}

// hxlTag is a hashtag of the Humanitarian Exchange Language: #adm1+name, #affected +f.
var hxlTag = regexp.MustCompile(`^#[a-zA-Z][a-zA-Z0-9_]*(\s*\+[a-zA-Z][a-zA-Z0-9_]*)*$`)

// hxlRow tells a row of HXL hashtags, which HDX puts under the header to describe the columns:
// every value is a hashtag (a blank is a column without one).
func hxlRow(cells []string) bool {
	for _, c := range cells {
		if c != "" && !hxlTag.MatchString(c) {
			return false
		}
	}
	return true
}

func blank(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

func (b *builder) header(line int, cells []string, at []cellPos) {
	b.started = true
	t := b.t
	width := len(cells)
	for width > 0 && cells[width-1] == "" {
		width--
	}
	t.Header = slices.Clone(cells[:width])
	t.head = Row{Line: line, Cells: t.Header}
	if at != nil {
		t.head.at = slices.Clone(at[:min(width, len(at))])
	}
	b.reported = make([]bool, width)

	t.index = make(map[string]int, width)
	for i, name := range t.Header {
		if name == "" {
			continue
		}
		if _, dup := t.index[strings.ToLower(name)]; !dup {
			t.index[strings.ToLower(name)] = i
		}
	}
	t.checkColumns(b.l, b.cols, true)
}

// CheckColumns reports the header's columns that cols does not declare (unknown-column) and
// those it requires that the header lacks (missing-column), as Read does. It is for a table
// whose columns are known only once its header is read (a sheet in one of two layouts): read
// it with a Pattern that accepts every name, then check it against the layout's columns.
func (t *Table) CheckColumns(l *diag.List, cols Columns) {
	t.checkColumns(l, cols, false)
}

func (t *Table) checkColumns(l *diag.List, cols Columns, duplicates bool) {
	declared := slices.Concat(cols.Required, cols.Optional)
	known := make(map[string]bool, len(declared))
	for _, n := range declared {
		known[strings.ToLower(n)] = true
	}
	for i, name := range t.Header {
		key := strings.ToLower(name)
		if name == "" {
			continue
		}
		if first := t.index[key]; first != i {
			if duplicates {
				l.Errorf(t.HeaderPos(i), "duplicate-column", "the first is "+t.colName(first), "duplicate column %q", name)
			}
			continue
		}
		if known[key] || cols.Pattern != nil && (cols.Pattern.MatchString(name) || cols.Pattern.MatchString(key)) {
			continue
		}
		var hint string
		if s := suggest.Closest(name, declared); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		} else {
			hint = "the columns can be " + expected(declared, cols.PatternDoc)
		}
		l.Errorf(t.HeaderPos(i), "unknown-column", hint, "unknown column %q", name)
	}
	for _, name := range cols.Required {
		if _, ok := t.index[strings.ToLower(name)]; !ok {
			l.Errorf(t.HeaderPos(-1), "missing-column", "the header has "+listNames(t.Header), "missing column %q", name)
		}
	}
}

// expected lists the declared columns for a hint.
func expected(declared []string, patternDoc string) string {
	names := slices.Clone(declared)
	if patternDoc != "" {
		names = append(names, patternDoc)
	}
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// listNames quotes a header's names for a hint, eliding a very wide one.
func listNames(header []string) string {
	const most = 12
	var q []string
	for _, h := range header {
		if h != "" {
			q = append(q, fmt.Sprintf("%q", h))
		}
	}
	switch {
	case len(q) == 0:
		return "no names"
	case len(q) > most:
		return strings.Join(q[:most], ", ") + fmt.Sprintf(" and %d more", len(q)-most)
	}
	return strings.Join(q, ", ")
}

// finish reports a table that never had a header.
func (b *builder) finish() {
	if b.started {
		return
	}
	what := "file"
	if b.t.xlsx {
		what = "sheet"
	}
	b.l.Errorf(b.t.pos(Row{Line: 1}, -1), "no-header", "the first row that is not blank must name the columns",
		"the %s is empty: it has no header row", what)
}
