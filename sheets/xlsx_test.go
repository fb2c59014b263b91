package sheets

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook builds a workbook with excelize, lets fill write into it, and returns its bytes.
// The first sheet is named after the first name given; fill may add more.
func workbook(t testing.TB, first string, fill func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", first); err != nil {
		t.Fatal(err)
	}
	fill(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// must fails the test on an error from excelize while building a workbook.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setRows writes rows of values from a cell down.
func setRows(t testing.TB, f *excelize.File, sheet, cell string, rows ...[]any) {
	t.Helper()
	col, row, err := excelize.CellNameToCoordinates(cell)
	must(t, err)
	for i, r := range rows {
		at, err := excelize.CoordinatesToCellName(col, row+i)
		must(t, err)
		must(t, f.SetSheetRow(sheet, at, &r))
	}
}

// readXLSXFile writes the workbook to f.xlsx and reads it back with Read; positions then name
// the file by its base name.
func readXLSXFile(t *testing.T, data []byte, sheet string, cols Columns) (*Table, []string) {
	t.Helper()
	path := writeTemp(t, "f.xlsx", data)
	tab, l := Read(path, sheet, cols)
	got := strs(l)
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], path, "f.xlsx")
	}
	return tab, got
}

// TestXLSXValuesAsShown checks the rule for workbooks: a value reads as Excel shows it, with
// its number format, but for the two exceptions the package doc gives.
func TestXLSXValuesAsShown(t *testing.T) {
	cases := []struct {
		name  string
		value any
		style *excelize.Style // nil: no style at all
		want  string
	}{
		{"short date, read as ISO whatever the locale", 45000, &excelize.Style{NumFmt: 14}, "2023-03-15"},
		{"date and time", 45000.5, &excelize.Style{NumFmt: 22}, "2023-03-15 12:00"},
		{"custom date", 45000, &excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")}, "15/03/2023"},
		{"long date", 45000, &excelize.Style{NumFmt: 15}, "15-Mar-23"},
		{"two decimals", 3.14159, &excelize.Style{NumFmt: 2}, "3.14"},
		{"thousands", 1234567.5, &excelize.Style{NumFmt: 4}, "1,234,567.50"},
		{"percentage", 0.125, &excelize.Style{NumFmt: 10}, "12.50%"},
		{"whole percentage", 0.125, &excelize.Style{NumFmt: 9}, "13%"},
		{"id without a style", 1234567890123, nil, "1234567890123"},
		{"id in General, bold", 1234567890123, &excelize.Style{Font: &excelize.Font{Bold: true}}, "1234567890123"},
		{"id in a custom General", 1234567890123, &excelize.Style{CustomNumFmt: ptr("General")}, "1234567890123"},
		{"id with format 0", 1234567890123, &excelize.Style{NumFmt: 1}, "1234567890123"},
		{"float noise in General", 0.1 + 0.2, &excelize.Style{Font: &excelize.Font{Bold: true}}, "0.3"},
		{"negative in General", -42, &excelize.Style{Font: &excelize.Font{Italic: true}}, "-42"},
		{"small decimal in General", 0.00015, &excelize.Style{Font: &excelize.Font{Bold: true}}, "0.00015"},
		{"text with leading zeros", "00123", nil, "00123"},
		{"text in a number format", "R9", &excelize.Style{NumFmt: 2}, "R9"},
		{"boolean", true, nil, "TRUE"},
		{"spaces trimmed", "  Zürich\u00a0", nil, "Zürich"},
	}
	data := workbook(t, "values", func(f *excelize.File) {
		must(t, f.SetCellValue("values", "A1", "code"))
		must(t, f.SetCellValue("values", "B1", "value"))
		for i, c := range cases {
			row := i + 2
			a, _ := excelize.CoordinatesToCellName(1, row)
			b, _ := excelize.CoordinatesToCellName(2, row)
			must(t, f.SetCellValue("values", a, c.name))
			must(t, f.SetCellValue("values", b, c.value))
			if c.style != nil {
				id, err := f.NewStyle(c.style)
				must(t, err)
				must(t, f.SetCellStyle("values", b, b, id))
			}
		}
		// A formula reads as the value saved with it.
		must(t, f.SetCellValue("values", "A30", "formula"))
		must(t, f.SetCellValue("values", "B30", 42))
		must(t, f.SetCellFormula("values", "B30", "=40+2"))
	})
	tab, diags := readXLSXFile(t, data, "", Columns{Required: []string{"code", "value"}})
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	got := map[string]string{}
	for _, r := range tab.Rows {
		got[r.Cells[0]] = r.Cells[1]
	}
	for _, c := range cases {
		if got[c.name] != c.want {
			t.Errorf("%s: %q, want %q", c.name, got[c.name], c.want)
		}
	}
	if got["formula"] != "42" {
		t.Errorf("formula: %q, want %q", got["formula"], "42")
	}
}

func ptr[T any](v T) *T { return &v }

func TestReadXLSX(t *testing.T) {
	data := workbook(t, "places", func(f *excelize.File) {
		// Row 1 is left blank, as above a title; rows 4 and 5 are blank too.
		setRows(t, f, "places", "A2",
			[]any{"code", " nmae", nil, "Code", "name:fr"},
			[]any{"A", "Alpha", "x", nil, "Alpha FR"},
		)
		setRows(t, f, "places", "A6",
			[]any{"B", "Beta", nil, nil, nil, "stray"},
			[]any{"C"},
			[]any{nil, nil, "y"},
		)
		setRows(t, f, "places", "AB9", []any{"far"})
		_, err := f.NewSheet("offices")
		must(t, err)
		setRows(t, f, "offices", "A1", []any{"code", "name"}, []any{"O1", "Office one"})
	})

	tab, diags := readXLSXFile(t, data, "", places)
	want := []string{
		`f.xlsx: sheet places, row 2, column B: unknown column "nmae"; did you mean "name"?`,
		`f.xlsx: sheet places, row 2, column D: duplicate column "Code"; the first is column A`,
		`f.xlsx: sheet places, row 2: missing column "name"; the header has "code", "nmae", "Code", "name:fr"`,
		`f.xlsx: sheet places, row 2, column C: column C has no name, but row 3 has a value in it; name the column, or delete its values`,
		`f.xlsx: sheet places, row 6, column F: value "stray" is beyond the last column of the header; name the column in the header (row 2), or delete the value`,
		`f.xlsx: sheet places, row 9, column AB: value "far" is beyond the last column of the header; name the column in the header (row 2), or delete the value`,
	}
	if !slices.Equal(diags, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(diags, "\n"), strings.Join(want, "\n"))
	}
	if tab.Sheet != "places" || strings.Join(tab.Header, "|") != "code|nmae||Code|name:fr" {
		t.Errorf("sheet %q, header %q", tab.Sheet, tab.Header)
	}
	wantRows := []row{{3, "A|Alpha|x||Alpha FR"}, {6, "B|Beta|||"}, {7, "C"}, {8, "||y"}}
	if got := rowsOf(tab); !slices.Equal(got, wantRows) {
		t.Errorf("rows = %+v, want %+v", got, wantRows)
	}
	if p := tab.Pos(tab.Rows[1], tab.Col("NAME:FR")).String(); !strings.HasSuffix(p, ": sheet places, row 6, column E") {
		t.Errorf("position %s", p)
	}

	for _, c := range []struct{ ask, got string }{{"offices", "offices"}, {"OFFICES", "offices"}, {"", "places"}} {
		tab, diags := readXLSXFile(t, data, c.ask, places)
		if tab == nil || tab.Sheet != c.got {
			t.Fatalf("sheet %q: read %v, %v", c.ask, tab, diags)
		}
	}
	tab, diags = readXLSXFile(t, data, "ofices", places)
	want = []string{`f.xlsx: the workbook has no sheet "ofices"; did you mean "offices"? the sheets are "places", "offices"`}
	if tab != nil || !slices.Equal(diags, want) {
		t.Errorf("unknown sheet: %v\n%s\nwant\n%s", tab, strings.Join(diags, "\n"), strings.Join(want, "\n"))
	}
}

// TestXLSXFarColumn checks that a stray header value in Excel's last column is reported there
// and does not widen the rows.
// TestXLSXTextColumns checks that a phone number stored as a number is named with the fix, and
// one stored as text is not.
func TestXLSXTextColumns(t *testing.T) {
	data := workbook(t, "users", func(f *excelize.File) {
		setRows(t, f, "users", "A1", []any{"code", "name", "phone"}, []any{"a", "Amina", 911111111}, []any{"b", "Bekele", "0911111111"},
			[]any{"c", "Chala", 251911111111.0})
	})
	cols := places
	cols.Optional = append(slices.Clone(places.Optional), "phone")
	cols.Text = []string{"phone", "absent"}
	tab, diags := readXLSXFile(t, data, "", cols)
	const hint = "format column C as Text (Format Cells, Text) and type the values again, or type a ' before each"
	want := []string{
		`f.xlsx: sheet users, row 2, column C: phone 911111111 is stored as a number: Excel drops a leading zero or plus sign; ` + hint,
		`f.xlsx: sheet users, row 4, column C: phone 251911111111 is stored as a number: Excel drops a leading zero or plus sign; ` + hint,
	}
	if !slices.Equal(diags, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(diags, "\n"), strings.Join(want, "\n"))
	}
	if tab == nil || len(tab.Rows) != 3 {
		t.Fatalf("table %+v", tab)
	}
	for i, want := range []bool{true, false, true} {
		if got := tab.StoredAsNumber(tab.Rows[i], 2); got != want {
			t.Errorf("row %d stored as a number: %v, want %v", tab.Rows[i].Line, got, want)
		}
	}
}

func TestXLSXFarColumn(t *testing.T) {
	data := workbook(t, "places", func(f *excelize.File) {
		setRows(t, f, "places", "A1", []any{"code", "name"}, []any{"A", "Alpha"})
		must(t, f.SetCellValue("places", "XFD1", "note"))
	})
	tab, diags := readXLSXFile(t, data, "", places)
	want := []string{`f.xlsx: sheet places, row 1, column XFD: unknown column "note"; the columns can be code, name, parent, population or name:LANG (name:fr)`}
	if !slices.Equal(diags, want) {
		t.Errorf("diagnostics %q, want %q", diags, want)
	}
	if len(tab.Header) != 16384 || len(tab.Rows) != 1 || len(tab.Rows[0].Cells) != 2 {
		t.Errorf("header of %d columns, rows %+v", len(tab.Header), tab.Rows)
	}
}

func TestXLSXEmptySheet(t *testing.T) {
	data := workbook(t, "empty", func(f *excelize.File) {
		must(t, f.SetCellValue("empty", "C3", "  "))
	})
	tab, diags := readXLSXFile(t, data, "", places)
	want := []string{`f.xlsx: sheet empty, row 1: the sheet is empty: it has no header row; the first row that is not blank must name the columns`}
	if tab != nil || !slices.Equal(diags, want) {
		t.Errorf("got %v %q, want %q", tab, diags, want)
	}
}

// zipOf packs files into a zip archive, as a workbook is.
func zipOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		w, err := zw.Create(name)
		must(t, err)
		_, err = w.Write([]byte(files[name]))
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// noSheets is a workbook whose list of sheets is empty.
func noSheets(t testing.TB) []byte {
	data := workbook(t, "places", func(*excelize.File) {})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(r)
		must(t, err)
		if f.Name == "xl/workbook.xml" {
			b = regexp.MustCompile(`<sheet [^>]*>(</sheet>)?`).ReplaceAll(b, nil)
		}
		w, err := zw.Create(f.Name)
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// bomb is a zip whose one entry claims to unpack to a terabyte.
func bomb(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store,
		CompressedSize64: 3, UncompressedSize64: 1 << 40})
	must(t, err)
	_, err = w.Write([]byte("abc"))
	must(t, err)
	must(t, zw.Close())
	return buf.Bytes()
}

func TestNotAWorkbook(t *testing.T) {
	const resave = "open it in Excel (or LibreOffice) and save it as .xlsx (Excel Workbook)"
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"a CSV file named .xlsx", []byte("code,name\nA,B\n"),
			"f.xlsx: the file is text, not an Excel workbook; if it is CSV, name it .csv"},
		{"empty", nil,
			"f.xlsx: the file is not an Excel workbook; " + resave},
		{"garbage", []byte{0, 1, 2, 3, 0xff, 0xfe},
			"f.xlsx: the file is not an Excel workbook; " + resave},
		{"a broken zip", []byte("PK\x03\x04 truncated"),
			"f.xlsx: the file is not an Excel workbook: zip: not a valid zip file; " + resave},
		{"an Excel 97 file", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 and more"),
			"f.xlsx: the file is an old Excel 97-2003 workbook or a password-protected one; save it as .xlsx (Excel Workbook) without a password"},
		{"a zip that is no workbook", zipOf(t, map[string]string{"readme.txt": "hello"}),
			"f.xlsx: the file is damaged or not an Excel workbook (EOF); " + resave},
		{"a workbook without sheets", noSheets(t),
			"f.xlsx: the file has no sheets: it is not an Excel workbook; " + resave},
		{"a zip bomb", bomb(t),
			"f.xlsx: the workbook unpacks to more than 512 MB; split the table into several files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, diags := readXLSXFile(t, c.data, "", places)
			if tab != nil || !slices.Equal(diags, []string{c.want}) {
				t.Errorf("got %v\n%s\nwant\n%s", tab, strings.Join(diags, "\n"), c.want)
			}
		})
	}
}

// TestXLSXClosesEverything reads a workbook big enough that excelize unpacks its sheet and
// shared strings to temporary files, and checks that none is left behind.
func TestXLSXClosesEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20 MB workbook")
	}
	long := strings.Repeat("x", 10_000)
	data := workbook(t, "big", func(f *excelize.File) {
		sw, err := f.NewStreamWriter("big")
		must(t, err)
		must(t, sw.SetRow("A1", []any{"code", "name"}))
		for i := 2; i <= 2001; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i)
			must(t, sw.SetRow(cell, []any{i, strconv.Itoa(i) + long}))
		}
		must(t, sw.Flush())
	})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tab, diags := ReadXLSX("big.xlsx", bytes.NewReader(data), "", places)
	if len(diags) != 0 || len(tab.Rows) != 2000 || tab.Rows[1999].Cells[0] != "2001" || tab.Rows[0].Cells[1] != "2"+long {
		t.Fatalf("read %d rows, %v", len(tab.Rows), diags)
	}
	left, err := os.ReadDir(tmp)
	must(t, err)
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
