package sheets

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/internal/suggest"
	"github.com/xuri/excelize/v2"
)

// maxUnpacked bounds what a workbook may unpack to. excelize's own bound is 16 GB; a table of
// a million short rows unpacks to a few hundred megabytes, and a zip bomb must not fill the
// memory or the disk.
const maxUnpacked = 512 << 20

// ReadXLSX reads a table from one sheet of a workbook: the named one, or the first when sheet is
// "". name is the file name that positions carry. The table is nil when no sheet could be read.
func ReadXLSX(name string, r io.Reader, sheet string, cols Columns) (tab *Table, l diag.List) {
	// Spreadsheet readers have a history of panicking on files that Excel itself opens or
	// repairs; a damaged file must give a diagnostic, not stop the compiler.
	defer func() {
		if p := recover(); p != nil {
			tab = nil
			l.Errorf(diag.Pos{File: name}, "bad-xlsx", saveAsXLSX, "the workbook could not be read: the XLSX reader failed on it (%v)", p)
		}
	}()
	data, ok := readAll(name, r, &l)
	if !ok {
		return nil, l
	}
	at := diag.Pos{File: name}
	if msg, hint := checkZip(data); msg != "" {
		l.Errorf(at, "bad-xlsx", hint, "%s", msg)
		return nil, l
	}
	f, err := openWorkbook(data)
	if err != nil {
		l.Errorf(at, "bad-xlsx", saveAsXLSX, "the file is damaged or not an Excel workbook (%v)", err)
		return nil, l
	}
	defer f.Close()

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		l.Errorf(at, "bad-xlsx", saveAsXLSX, "the file has no sheets: it is not an Excel workbook")
		return nil, l
	}
	sheet, ok = findSheet(sheets, sheet)
	if !ok {
		hint := "the sheets are " + listNames(sheets)
		if s := suggest.Closest(sheet, sheets); s != "" {
			hint = fmt.Sprintf("did you mean %q? %s", s, hint)
		}
		l.Errorf(at, "unknown-sheet", hint, "the workbook has no sheet %q", sheet)
		return nil, l
	}

	t := &Table{File: name, Sheet: sheet, xlsx: true}
	b := builder{t: t, cols: cols, l: &l}
	if err := readRows(f, sheet, b.add); err != nil {
		l.Errorf(err.pos(name, sheet), "bad-xlsx", "", "cannot read the sheet: %v", err.err)
		return nil, l
	}
	b.finish()
	if !b.started {
		return nil, l
	}
	textCells(f, t, cols.Text, &l)
	return t, l
}

// textCells reports the cells of text columns that the workbook stores as numbers: a phone
// number typed into a General cell has lost its leading zero or plus sign already.
func textCells(f *excelize.File, t *Table, text []string, l *diag.List) {
	for _, name := range text {
		col := t.Col(name)
		if col < 0 {
			continue
		}
		for _, row := range t.Rows {
			if t.Cell(row, col) == "" {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(col+1, row.Line)
			if err != nil {
				continue
			}
			if ty, err := f.GetCellType(t.Sheet, ref); err == nil && (ty == excelize.CellTypeNumber || ty == excelize.CellTypeUnset) {
				// A number cell has t="n" or, as Excel writes it, no type at all.
				if t.numbers == nil {
					t.numbers = map[[2]int]bool{}
				}
				t.numbers[[2]int{row.Line, col}] = true
				l.Errorf(t.Pos(row, col), "text-cell", fmt.Sprintf("format column %s as Text (Format Cells, Text) and type the values again, or type a ' before each", diag.ColumnName(col+1)),
					"%s %s is stored as a number: Excel drops a leading zero or plus sign", t.Header[col], t.Cell(row, col))
			}
		}
	}
}

// saveAsXLSX is the hint for a file that excelize cannot open.
const saveAsXLSX = "open it in Excel (or LibreOffice) and save it as .xlsx (Excel Workbook)"

// checkZip tells a file that is not a workbook from a broken one before excelize sees it, for a
// clearer message, and refuses declared sizes that would have excelize allocate without bound.
func checkZip(data []byte) (msg, hint string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "the file is an old Excel 97-2003 workbook or a password-protected one",
			"save it as .xlsx (Excel Workbook) without a password"
	case !bytes.HasPrefix(data, []byte("PK")):
		if isText(data) {
			return "the file is text, not an Excel workbook", "if it is CSV, name it .csv"
		}
		return "the file is not an Excel workbook", saveAsXLSX
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Sprintf("the file is not an Excel workbook: %v", err), saveAsXLSX
	}
	var total uint64
	for _, f := range zr.File {
		total += min(f.UncompressedSize64, math.MaxInt64)
		if total > maxUnpacked {
			return fmt.Sprintf("the workbook unpacks to more than %d MB", maxUnpacked>>20),
				"split the table into several files"
		}
	}
	return "", ""
}

// isText reports whether data looks like text, such as a CSV file named .xlsx.
func isText(data []byte) bool {
	head := data[:min(len(data), 512)]
	return len(head) > 0 && !bytes.ContainsAny(head, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f")
}

func openWorkbook(data []byte) (*excelize.File, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:   maxUnpacked,
		ShortDatePattern: "yyyy-mm-dd",
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, err
	}
	keepGeneralNumbers(f)
	return f, nil
}

// noFormat is a number format ID that is neither built in nor defined, so that excelize returns
// a value in it as stored.
var noFormat = -1

// keepGeneralNumbers has excelize read a number in the General format as it is stored, rather
// than as excelize renders General: it writes 1234567890123 as "1.23456789E+12", which loses
// digits of an identifier that Excel shows in full in a wide enough column. A cell without a
// style already reads that way; this makes a styled one (bold, a border) read the same.
func keepGeneralNumbers(f *excelize.File) {
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return
	}
	general := map[int]bool{0: true}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			if nf != nil && strings.EqualFold(nf.FormatCode, "General") {
				general[nf.NumFmtID] = true
			}
		}
	}
	for i := range f.Styles.CellXfs.Xf {
		xf := &f.Styles.CellXfs.Xf[i]
		if xf.NumFmtID == nil || general[*xf.NumFmtID] {
			xf.NumFmtID = &noFormat
		}
	}
}

// findSheet finds a sheet by name: exactly, or else ignoring case, as Excel does.
func findSheet(sheets []string, name string) (string, bool) {
	if name == "" {
		return sheets[0], true
	}
	for _, s := range sheets {
		if s == name {
			return s, true
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, name) {
			return s, true
		}
	}
	return name, false
}

// rowError is a sheet that could not be read, at the row where it broke (0 for the sheet).
type rowError struct {
	row int
	err error
}

func (e *rowError) pos(file, sheet string) diag.Pos {
	return diag.Pos{File: file, Sheet: sheet, Line: e.row}
}

// readRows streams a sheet's rows with excelize's iterator, which holds one row at a time
// rather than the whole sheet, and gives each to add with its row number.
func readRows(f *excelize.File, sheet string, add func(row int, cells []string, at []cellPos)) *rowError {
	rows, err := f.Rows(sheet)
	if err != nil {
		return &rowError{0, err}
	}
	defer rows.Close()
	// excelize numbers rows itself: Next stops at every row number, yielding none for the
	// rows the file leaves out, so counting calls gives the number Excel shows.
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return &rowError{n, err}
		}
		add(n, cells, nil)
	}
	if err := rows.Error(); err != nil {
		if errors.Is(err, excelize.ErrMaxRows) {
			return &rowError{n, fmt.Errorf("more than %d rows", excelize.TotalRows)}
		}
		return &rowError{n, err}
	}
	return nil
}
