package sheets

import (
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/xuri/excelize/v2"
)

func TestCellHelpers(t *testing.T) {
	cols := Columns{Required: []string{"code", "name"}, Optional: []string{"population", "area"}}
	const text = "code,name,population,area\n" +
		"A,Alpha,1234,12.5\n" +
		",Beta,\"1,234\",\"12,5\"\n" +
		"C,,12.0,12%\n" +
		"D,Delta,99999999999999999999,NaN\n" +
		"E,Epsilon,-7,-.5e3\n" +
		"F\n"
	tab, diags := readCSVFile(t, text, cols)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	var l diag.List
	type got struct {
		code, name string
		pop        int
		area       float64
	}
	var values []got
	for _, r := range tab.Rows {
		code, _ := tab.Required(&l, r, tab.Col("code"))
		name, _ := tab.Required(&l, r, tab.Col("name"))
		pop, _ := tab.Int(&l, r, tab.Col("population"))
		area, _ := tab.Float(&l, r, tab.Col("area"))
		tab.Required(&l, r, tab.Col("absent")) // reports nothing: the header check did
		values = append(values, got{code, name, pop, area})
	}
	want := []string{
		`f.csv:3:1: code is empty; every row needs one`,
		`f.csv:3:7: population "1,234" is not a whole number; write it without thousands separators or decimals, such as 1234; in Excel, format the cells as General or as Number without separators`,
		`f.csv:3:15: area "12,5" is not a number; write it with a point for decimals and no thousands separators, such as 1234.5`,
		`f.csv:4:3: name is empty; every row needs one`,
		`f.csv:4:4: population "12.0" is not a whole number; write it without thousands separators or decimals, such as 1234; in Excel, format the cells as General or as Number without separators`,
		`f.csv:4:9: area "12%" is not a number; write the number without a percent sign; in Excel, format the cells as General or Number`,
		`f.csv:5:9: population "99999999999999999999" is not a whole number; it is too large`,
		`f.csv:5:30: area "NaN" is not a number; write a number such as 12.5`,
		`f.csv:7: name is empty; every row needs one`,
	}
	if got := replaceAll(strs(l), tab.File, "f.csv"); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantValues := []got{
		{"A", "Alpha", 1234, 12.5}, {"", "Beta", 0, 0}, {"C", "", 0, 0}, {"D", "Delta", 0, 0},
		{"E", "Epsilon", -7, -500}, {"F", "", 0, 0},
	}
	if !slices.Equal(values, wantValues) {
		t.Errorf("values %v, want %v", values, wantValues)
	}
}

func TestCellHelpersXLSX(t *testing.T) {
	data := workbook(t, "areas", func(f *excelize.File) {
		setRows(t, f, "areas", "A1", []any{"code", "", "population"}, []any{nil, "x", "many"})
	})
	cols := Columns{Required: []string{"code"}, Optional: []string{"population"}}
	tab, diags := readXLSXFile(t, data, "", cols)
	want := []string{`f.xlsx: sheet areas, row 1, column B: column B has no name, but row 2 has a value in it; name the column, or delete its values`}
	if !slices.Equal(diags, want) {
		t.Fatalf("diagnostics %q", diags)
	}
	var l diag.List
	r := tab.Rows[0]
	tab.Required(&l, r, tab.Col("code"))
	tab.Int(&l, r, 1)
	tab.Int(&l, r, tab.Col("population"))
	want = []string{
		`f.xlsx: sheet areas, row 2, column A: code is empty; every row needs one`,
		`f.xlsx: sheet areas, row 2, column B: column B "x" is not a whole number; write digits only, such as 1234`,
		`f.xlsx: sheet areas, row 2, column C: population "many" is not a whole number; write digits only, such as 1234`,
	}
	if got := replaceAll(strs(l), tab.File, "f.xlsx"); !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func replaceAll(s []string, old, new string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strings.ReplaceAll(x, old, new)
	}
	return out
}
