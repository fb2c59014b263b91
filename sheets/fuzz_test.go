package sheets

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/xuri/excelize/v2"
)

// checkTable uses every accessor of a table on the cells of every row, and beyond them, so that
// a fuzzer finds any that panics, and checks each position with valid.
func checkTable(t *testing.T, tab *Table, valid func(diag.Pos) bool) {
	t.Helper()
	var l diag.List
	for _, col := range []int{-1, 0, len(tab.Header) - 1, len(tab.Header), len(tab.Header) + 1} {
		if p := tab.HeaderPos(col); !valid(p) {
			t.Fatalf("header position %+v out of the input", p)
		}
	}
	last := 0
	for _, r := range tab.Rows {
		if r.Line <= last {
			t.Fatalf("row at line %d after line %d", r.Line, last)
		}
		last = r.Line
		if len(r.Cells) > len(tab.Header) {
			t.Fatalf("line %d: %d cells for %d columns", r.Line, len(r.Cells), len(tab.Header))
		}
		// The row's own cells and those either side of the header's end: every column of
		// every row would take a time quadratic in the input.
		cols := []int{-1, len(tab.Header) - 1, len(tab.Header), len(tab.Header) + 1}
		for col := range len(r.Cells) + 1 {
			cols = append(cols, col)
		}
		for _, col := range cols {
			if p := tab.Pos(r, col); !valid(p) {
				t.Fatalf("cell position %+v out of the input", p)
			}
			tab.Cell(r, col)
			tab.Required(&l, r, col)
			tab.Int(&l, r, col)
			tab.Float(&l, r, col)
		}
	}
	for _, d := range l {
		if !valid(d.Pos) {
			t.Fatalf("%s: position out of the input", d)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"code,name\nA,Alpha\nB,Beta\n",
		"\uFEFFcode;name;name:fr\r\nA;\"x;y\";z\r\n",
		"code,name\nA,\"two\nlines\"\nB,\"say \"\"hi\"\"\",x\n",
		"Code,,nmae,code\n\n,,\nA,Zürich,Ω,x,y\nB\n",
		"code,name\nA,Jo\"hn\n",
		"code,name\nA,\"Jo\"hn\n",
		"code,name\nA,\"John\nB,Beta",
		"code,name\nA,Z\xfcrich\n",
		"sep=;\r\ncode;name\r\n#adm1+code;#adm1+name\r\nA;Alpha, the first\r\n",
		"code,name\rA,\"two\rlines\"\rB,Beta\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(fuzzCSV)
}

func fuzzCSV(t *testing.T, data []byte) {
	tab, l := ReadCSV("f.csv", bytes.NewReader(data), places)
	// Lines end with a newline or a carriage return alone, as the reader reads them.
	text := crLines(bytes.Clone(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	lines := bytes.Split(text, []byte{'\n'})
	// A position is within the input: a line of the text, and a column at most one past
	// the line's last character (where a missing closing quote is found).
	valid := func(p diag.Pos) bool {
		if p.File != "f.csv" || p.Sheet != "" || p.Line < 1 || p.Line > len(lines) {
			return false
		}
		return p.Column >= 0 && p.Column <= utf8.RuneCount(lines[p.Line-1])+1
	}
	for _, d := range l {
		if !valid(d.Pos) {
			t.Fatalf("%s: position out of the input", d)
		}
	}
	if tab != nil {
		checkTable(t, tab, valid)
	} else if !l.HasErrors() {
		t.Fatal("no table and no error")
	}
}

func FuzzReadXLSX(f *testing.F) {
	book := workbook(f, "places", func(x *excelize.File) {
		setRows(f, x, "places", "A2",
			[]any{"code", "nmae", nil, "Code", "name:fr"},
			[]any{"A", "Alpha", "x", nil, 1234567890123},
			[]any{nil, nil, nil, nil, nil, "stray"},
		)
		id, err := x.NewStyle(&excelize.Style{NumFmt: 14})
		must(f, err)
		must(f, x.SetCellValue("places", "B5", 45000))
		must(f, x.SetCellStyle("places", "B5", "B5", id))
		_, err = x.NewSheet("offices")
		must(f, err)
	})
	f.Add(book)
	// Stored, not deflated, so that the fuzzer's mutations reach the XML.
	f.Add(stored(f, book))
	f.Add(bomb(f))
	f.Add(zipOf(f, map[string]string{"readme.txt": "hello"}))
	f.Add([]byte("code,name\nA,B\n"))
	f.Add([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, l := ReadXLSX("f.xlsx", bytes.NewReader(data), "", places)
		// A workbook's positions: the file alone for a problem with the whole file, else a
		// sheet, and a row and a column within Excel's bounds (0 for the whole sheet or row).
		valid := func(p diag.Pos) bool {
			if p.File != "f.xlsx" {
				return false
			}
			if p.Sheet == "" {
				return p.Line == 0 && p.Column == 0
			}
			return p.Line >= 0 && p.Line <= excelize.TotalRows && p.Column >= 0 && p.Column <= excelize.MaxColumns
		}
		for _, d := range l {
			if !valid(d.Pos) {
				t.Fatalf("%s: position out of the input", d)
			}
			// ReadXLSX turns a panic into a diagnostic, the last defence of the compiler;
			// the fuzzer must still see it, to find a check that would prevent it.
			if strings.Contains(d.Message, "the XLSX reader failed") {
				t.Fatal(d)
			}
		}
		if tab != nil {
			checkTable(t, tab, valid)
		} else if !l.HasErrors() {
			t.Fatal("no table and no error")
		}
	})
}

// stored repacks a zip archive without compression.
func stored(t testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, err := f.Open()
		must(t, err)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		must(t, err)
		_, err = io.Copy(w, r)
		must(t, err)
		r.Close()
	}
	must(t, zw.Close())
	return buf.Bytes()
}
