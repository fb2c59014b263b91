package sheets

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
)

// places declares the columns of the tables in these tests.
var places = Columns{
	Required:   []string{"code", "name"},
	Optional:   []string{"parent", "population"},
	Pattern:    regexp.MustCompile(`^name:[a-z]{2,3}(-[A-Za-z0-9]+)*$`),
	PatternDoc: "name:LANG (name:fr)",
}

// row is a data row as a test expects it: its line and cells.
type row struct {
	line  int
	cells string // the cells joined with "|"
}

func rowsOf(t *Table) []row {
	if t == nil {
		return nil
	}
	var rs []row
	for _, r := range t.Rows {
		rs = append(rs, row{r.Line, strings.Join(r.Cells, "|")})
	}
	return rs
}

func strs(l diag.List) []string {
	var s []string
	for _, d := range l {
		s = append(s, d.String())
	}
	return s
}

// writeTemp writes content to a file in a fresh directory and returns its path.
func writeTemp(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readCSVFile writes the text to a file named f.csv and reads it back with Read, which is how
// the compiler will call the package; positions then name the file by its base name.
func readCSVFile(t *testing.T, text string, cols Columns) (*Table, []string) {
	t.Helper()
	path := writeTemp(t, "f.csv", []byte(text))
	tab, l := Read(path, "", cols)
	got := strs(l)
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], path, "f.csv")
	}
	if tab != nil && tab.File != path {
		t.Errorf("File = %q, want %q", tab.File, path)
	}
	return tab, got
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		header string // joined with "|"
		rows   []row
		diags  []string
		nilTab bool
	}{
		{
			name:   "plain",
			text:   "code,name\nA,Alpha\nB,Beta\n",
			header: "code|name",
			rows:   []row{{2, "A|Alpha"}, {3, "B|Beta"}},
		},
		{
			name:   "no final newline, cells trimmed",
			text:   "  code , name\u00a0\nA ,  Alpha",
			header: "code|name",
			rows:   []row{{2, "A|Alpha"}},
		},
		{
			name:   "byte-order mark is not a column",
			text:   "\uFEFFcode,nmae\nA,Zürich\n",
			header: "code|nmae",
			rows:   []row{{2, "A|Zürich"}},
			diags: []string{
				`f.csv:1:6: unknown column "nmae"; did you mean "name"?`,
				`f.csv:1: missing column "name"; the header has "code", "nmae"`,
			},
		},
		{
			name:   "Excel's separator hint, a line of its own that is not the header",
			text:   "sep=;\r\ncode;name\r\nA;Alpha, the first\r\n",
			header: "code|name",
			rows:   []row{{3, "A|Alpha, the first"}},
		},
		{
			name:   "a separator hint for commas overrides the semicolons of the header",
			text:   "sep=,\ncode,name;fr\nA,Alpha\n",
			header: "code|name;fr",
			rows:   []row{{3, "A|Alpha"}},
			diags: []string{
				`f.csv:2:6: unknown column "name;fr"; the columns can be code, name, parent, population or name:LANG (name:fr)`,
				`f.csv:2: missing column "name"; the header has "code", "name;fr"`,
			},
		},
		{
			name:   "lines ended by a carriage return alone, as old Mac text",
			text:   "code,name\rA,Alpha\rB,Beta\r",
			header: "code|name",
			rows:   []row{{2, "A|Alpha"}, {3, "B|Beta"}},
		},
		{
			name:   "carriage returns alone, and a final newline an editor added",
			text:   "code,name\rA,Alpha\r\nB,Beta\n",
			header: "code|name",
			rows:   []row{{2, "A|Alpha"}, {3, "B|Beta"}},
		},
		{
			name:   "an HXL hashtag row under the header, as HDX publishes, is skipped",
			text:   "code,name,parent\n#adm1 +code,#adm1+name,\nA,Alpha,\n#B,Beta,A\n",
			header: "code|name|parent",
			rows:   []row{{3, "A|Alpha|"}, {4, "#B|Beta|A"}},
		},
		{
			name:   "a value that is not a hashtag makes the row data",
			text:   "code,name\n#adm1+code,Alpha\n",
			header: "code|name",
			rows:   []row{{2, "#adm1+code|Alpha"}},
		},
		{
			name:   "semicolons, as Excel writes in locales with a decimal comma",
			text:   "code;name;population\nA;Alpha, the first;1,5\n",
			header: "code|name|population",
			rows:   []row{{2, "A|Alpha, the first|1,5"}},
		},
		{
			name:   "semicolons named in the hint",
			text:   "code;name\nA;B;C\n",
			header: "code|name",
			rows:   []row{{2, "A|B"}},
			diags: []string{
				`f.csv:2:5: value "C" is beyond the last column of the header; the header has 2 columns: put a value that contains a ";" in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "a comma in the header keeps commas",
			text:   "code,name\nA;B,C\n",
			header: "code|name",
			rows:   []row{{2, "A;B|C"}},
		},
		{
			name:   "multi-line quoted values keep the lines of the rows after them",
			text:   "code,name\nA,\"two\nlines\"\nB,\"three\n\nlines\"\nC,\"say \"\"hi\"\"\",x\n",
			header: "code|name",
			rows:   []row{{2, "A|two\nlines"}, {4, "B|three\n\nlines"}, {7, `C|say "hi"`}},
			diags: []string{
				`f.csv:7:16: value "x" is beyond the last column of the header; the header has 2 columns: put a value that contains a "," in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "CRLF line ends",
			text:   "code,name\r\nA,B\r\nC,\"x\r\ny\"\r\nD,E,F\r\n",
			header: "code|name",
			rows:   []row{{2, "A|B"}, {3, "C|x\ny"}, {5, "D|E"}},
			diags: []string{
				`f.csv:5:5: value "F" is beyond the last column of the header; the header has 2 columns: put a value that contains a "," in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "columns count characters, not bytes",
			text:   "códe,name,zzz\nÉ,Zürich,Ω,x\n",
			header: "códe|name|zzz",
			rows:   []row{{2, "É|Zürich|Ω"}},
			diags: []string{
				`f.csv:1:1: unknown column "códe"; did you mean "code"?`,
				`f.csv:1:11: unknown column "zzz"; the columns can be code, name, parent, population or name:LANG (name:fr)`,
				`f.csv:1: missing column "code"; the header has "códe", "name", "zzz"`,
				`f.csv:2:12: value "x" is beyond the last column of the header; the header has 3 columns: put a value that contains a "," in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "names match whatever their case and are kept as written",
			text:   "Code,NAME,Name:FR,name:pt-BR\nA,B,C,D\n",
			header: "Code|NAME|Name:FR|name:pt-BR",
			rows:   []row{{2, "A|B|C|D"}},
		},
		{
			name:   "duplicate columns",
			text:   "code,name,Code,name:fr,name:fr\n",
			header: "code|name|Code|name:fr|name:fr",
			diags: []string{
				`f.csv:1:11: duplicate column "Code"; the first is column 1`,
				`f.csv:1:24: duplicate column "name:fr"; the first is column 4`,
			},
		},
		{
			name:   "a column with no name but values",
			text:   "code,,name,\nA,,B,\nC,x,D,\nE,y,F\n",
			header: "code||name",
			rows:   []row{{2, "A||B"}, {3, "C|x|D"}, {4, "E|y|F"}},
			diags: []string{
				`f.csv:1:6: column 2 has no name, but line 3 has a value in it; name the column, or delete its values`,
			},
		},
		{
			name:   "an unquoted comma shifts the row",
			text:   "code,name\nA,Smith, John\nB,Jones\n",
			header: "code|name",
			rows:   []row{{2, "A|Smith"}, {3, "B|Jones"}},
			diags: []string{
				`f.csv:2:9: value "John" is beyond the last column of the header; the header has 2 columns: put a value that contains a "," in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "a row with values only beyond the header is reported and dropped",
			text:   "code,name\n,,x\n",
			header: "code|name",
			diags: []string{
				`f.csv:2:3: value "x" is beyond the last column of the header; the header has 2 columns: put a value that contains a "," in double quotes, or name the column in the header`,
			},
		},
		{
			name:   "blank lines and blank rows are skipped, before the header too",
			text:   "\n , \ncode,name\n\n , \nA,B\n,,\n\n",
			header: "code|name",
			rows:   []row{{6, "A|B"}},
		},
		{
			name:   "short rows stay short",
			text:   "code,name,parent\nA\nB,b\n",
			header: "code|name|parent",
			rows:   []row{{2, "A"}, {3, "B|b"}},
		},
		{
			name:   "header only",
			text:   "code,name\n",
			header: "code|name",
		},
		{
			name:   "a bare quote stops the file",
			text:   "code,name\nA,Jo\"hn\nB,x\"y\n",
			nilTab: true,
			diags: []string{
				`f.csv:2:5: a quote inside a value that does not start with one; put the whole value in double quotes, and double each quote inside it: "say ""hi"""`,
			},
		},
		{
			name:   "text after a closing quote",
			text:   "code,name\nÀ,\"Jo\"hn\n",
			nilTab: true,
			diags: []string{
				`f.csv:2:6: text after the closing quote of a value; a value in quotes ends at its closing quote; double each quote inside it: "say ""hi"""`,
			},
		},
		{
			name:   "a quote never closed",
			text:   "code,name\nA,\"John\nB,Beta\n",
			nilTab: true,
			diags: []string{
				`f.csv:3:7: the file ends inside a quoted value; a value in the record that starts at line 2 opens a quote and never closes it`,
			},
		},
		{
			name:   "not UTF-8",
			text:   "code,name\nA,Z\xfcrich\n",
			nilTab: true,
			diags: []string{
				`f.csv:2:4: the file is not UTF-8: byte 0xFC is not a character; save it from Excel as "CSV UTF-8 (Comma delimited)": plain "CSV" uses the computer's own encoding`,
			},
		},
		{
			name:   "UTF-16",
			text:   "\xff\xfec\x00o\x00",
			nilTab: true,
			diags: []string{
				`f.csv:1:1: the file is UTF-16 text, not UTF-8; save it from Excel as "CSV UTF-8 (Comma delimited)": plain "CSV" uses the computer's own encoding`,
			},
		},
		{
			name:   "a workbook named .csv",
			text:   "PK\x03\x04\x14\x00",
			nilTab: true,
			diags: []string{
				`f.csv:1:1: the file is a zip archive, not CSV text; if it is an Excel workbook, name it .xlsx`,
			},
		},
		{
			name:   "empty",
			text:   "",
			nilTab: true,
			diags: []string{
				`f.csv:1: the file is empty: it has no header row; the first row that is not blank must name the columns`,
			},
		},
		{
			name:   "blank",
			text:   "\n,,\n  \n",
			nilTab: true,
			diags: []string{
				`f.csv:1: the file is empty: it has no header row; the first row that is not blank must name the columns`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, diags := readCSVFile(t, tt.text, places)
			if !slices.Equal(diags, tt.diags) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(diags, "\n"), strings.Join(tt.diags, "\n"))
			}
			if (tab == nil) != tt.nilTab {
				t.Fatalf("table = %v, want nil: %v", tab, tt.nilTab)
			}
			if tab == nil {
				return
			}
			if h := strings.Join(tab.Header, "|"); h != tt.header {
				t.Errorf("header = %q, want %q", h, tt.header)
			}
			if got := rowsOf(tab); !slices.Equal(got, tt.rows) {
				t.Errorf("rows = %+v, want %+v", got, tt.rows)
			}
			for _, r := range tab.Rows {
				if len(r.Cells) > len(tab.Header) {
					t.Errorf("line %d has %d cells for %d columns", r.Line, len(r.Cells), len(tab.Header))
				}
			}
		})
	}
}

func TestTablePositions(t *testing.T) {
	tab, diags := readCSVFile(t, "code,name,parent\nA,\"Zü\nrich\", R9\nB\n", places)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	a, b := tab.Rows[0], tab.Rows[1]
	for _, c := range []struct {
		got  diag.Pos
		want string
	}{
		{tab.HeaderPos(-1), "f.csv:1"},
		{tab.HeaderPos(2), "f.csv:1:11"},
		{tab.Pos(a, -1), "f.csv:2"},
		{tab.Pos(a, 0), "f.csv:2:1"},
		{tab.Pos(a, 1), "f.csv:2:3"},
		{tab.Pos(a, 2), "f.csv:3:7"}, // the field starts at the space: positions are the field's start
		{tab.Pos(b, 0), "f.csv:4:1"},
		{tab.Pos(b, 2), "f.csv:4"}, // a cell the row did not have
		{tab.Pos(b, 99), "f.csv:4"},
	} {
		if s := strings.ReplaceAll(c.got.String(), tab.File, "f.csv"); s != c.want {
			t.Errorf("position %s, want %s", s, c.want)
		}
	}
	// A cell's position is its range: up to the next separator, or its text for the last one.
	for _, c := range []struct {
		got                diag.Pos
		endLine, endColumn int
	}{
		{tab.HeaderPos(0), 1, 5},
		{tab.HeaderPos(2), 1, 17},
		{tab.Pos(a, 0), 2, 2},
		{tab.Pos(a, 1), 0, 0}, // over two lines: a point
		{tab.Pos(b, 0), 4, 2},
		{tab.Pos(b, 2), 0, 0},
	} {
		if c.got.EndLine != c.endLine || c.got.EndColumn != c.endColumn {
			t.Errorf("%s ends at %d:%d, want %d:%d", c.got, c.got.EndLine, c.got.EndColumn, c.endLine, c.endColumn)
		}
	}
	if got := tab.Cell(a, tab.Col("PARENT")); got != "R9" {
		t.Errorf("Cell(parent) = %q", got)
	}
	for _, col := range []int{-1, 3, 1000} {
		if got := tab.Cell(b, col); got != "" {
			t.Errorf("Cell(%d) = %q, want blank", col, got)
		}
	}
	if tab.Col("population") != -1 || tab.Col("nope") != -1 || tab.Col("Name") != 1 {
		t.Errorf("Col: population %d, nope %d, Name %d", tab.Col("population"), tab.Col("nope"), tab.Col("Name"))
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.csv"), "missing.csv: cannot read the file: no such file or directory"},
		{filepath.Join(dir, "places.xls"), `places.xls: cannot read a ".xls" file as a table; this is the old Excel format: save the table as .xlsx (Excel Workbook) or .csv (CSV UTF-8)`},
		{filepath.Join(dir, "places.ods"), `places.ods: cannot read a ".ods" file as a table; save the table as .xlsx (Excel Workbook) or .csv (CSV UTF-8)`},
	} {
		tab, l := Read(c.path, "", places)
		if tab != nil || len(l) != 1 || !l.HasErrors() {
			t.Fatalf("%s: table %v, diagnostics %v", c.path, tab, l)
		}
		if got := strings.ReplaceAll(l[0].String(), dir+string(filepath.Separator), ""); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
