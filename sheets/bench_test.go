package sheets

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// bigRows is the size of the tables the benchmarks read: a country's places, say.
const bigRows = 100_000

// bigRow is the i-th data row (from 1) of the benchmark tables.
func bigRow(i int) []any {
	return []any{fmt.Sprintf("P%06d", i), fmt.Sprintf("Lieu n° %d, Zürich", i), fmt.Sprintf("P%06d", i/10), i * 7, fmt.Sprintf("Place %d", i)}
}

var bigHeader = []any{"code", "name", "parent", "population", "name:en"}

func bigCSV() []byte {
	var b bytes.Buffer
	b.WriteString("code,name,parent,population,name:en\n")
	for i := 1; i <= bigRows; i++ {
		r := bigRow(i)
		fmt.Fprintf(&b, "%s,%q,%s,%d,%s\n", r...)
	}
	return b.Bytes()
}

// bigXLSX writes the table as Excel does, with its strings shared (excelize's stream writer
// would write them inline, which no Excel file does and which reads slower).
func bigXLSX(b *testing.B) []byte {
	return workbook(b, "places", func(f *excelize.File) {
		setRows(b, f, "places", "A1", bigHeader)
		for i := 1; i <= bigRows; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			r := bigRow(i)
			must(b, f.SetSheetRow("places", cell, &r))
		}
	})
}

// checkBig checks that a benchmark read the whole table right, at the lines expected.
func checkBig(b *testing.B, tab *Table) {
	b.Helper()
	if tab == nil || len(tab.Rows) != bigRows {
		b.Fatalf("read %v", tab)
	}
	for _, i := range []int{1, bigRows / 2, bigRows} {
		r := tab.Rows[i-1]
		want := bigRow(i)
		if r.Line != i+1 || r.Cells[0] != want[0] || r.Cells[1] != want[1] || r.Cells[3] != strconv.Itoa(want[3].(int)) {
			b.Fatalf("row %d: line %d, %q", i, r.Line, r.Cells)
		}
	}
}

// retained returns the megabytes of heap that a table keeps once read, as opposed to what
// reading it allocated on the way (B/op).
func retained(read func() *Table) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tab := read()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tab)
	return float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
}

func BenchmarkReadCSV100k(b *testing.B) {
	data := bigCSV()
	read := func() *Table {
		tab, l := ReadCSV("places.csv", bytes.NewReader(data), places)
		if len(l) != 0 {
			b.Fatal(l)
		}
		return tab
	}
	checkBig(b, read())
	kept := retained(read)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		read()
	}
	b.ReportMetric(kept, "MB-kept")
}

func BenchmarkReadXLSX100k(b *testing.B) {
	data := bigXLSX(b)
	read := func() *Table {
		tab, l := ReadXLSX("places.xlsx", bytes.NewReader(data), "", places)
		if len(l) != 0 {
			b.Fatal(l)
		}
		return tab
	}
	checkBig(b, read())
	kept := retained(read)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		read()
	}
	b.ReportMetric(kept, "MB-kept")
}
