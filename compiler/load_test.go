package compiler

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/xuri/excelize/v2"
)

// TestScripts runs the corpus of broken packages, testdata/script/*.txtar: each script holds a
// package, the command "validate DIR" and the exact diagnostics it must print.
// UPDATE_SCRIPTS=1 go test ./compiler rewrites the expected diagnostics in place; review the diff.
// $TESTDATA is compiler/testdata, for the files vendored there (cp $TESTDATA/farajaland/...).
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") == "1",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", testdata)
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"validate": validateCmd,
			"xlsx":     xlsxCmd,
			"people":   peopleCmd,
		},
	})
}

// validateCmd is crvsctl validate in-process: the diagnostics in text, with paths relative
// to the script's work directory; it fails when there are errors.
func validateCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: validate DIR")
	}
	diags := Validate(ts.MkAbs(args[0]))
	var out bytes.Buffer
	diags.WriteText(&out)
	ts.Stdout().Write([]byte(strings.ReplaceAll(out.String(), ts.Getenv("WORK")+string(filepath.Separator), "")))
	if diags.HasErrors() != neg {
		ts.Fatalf("validate %s: errors %v", args[0], diags.HasErrors())
	}
}

// peopleCmd builds a package and prints its bundle's offices and users, one JSON object a
// line: what the runtime will read from the sheets.
func peopleCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: people DIR")
	}
	b, diags := Build(ts.MkAbs(args[0]))
	if diags.HasErrors() {
		ts.Fatalf("build %s: errors", args[0])
	}
	for _, o := range b.Offices {
		line, err := json.Marshal(o)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "office %s\n", line)
	}
	for _, u := range b.Users {
		line, err := json.Marshal(u)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "user %s\n", line)
	}
}

// FuzzLoadCUE: a package's CUE is outside input. Loading any file must not panic, and every
// diagnostic must say where it is. The seeds are the CUE files of the valid package and of
// the corpus of broken ones.
func FuzzLoadCUE(f *testing.F) {
	files, _ := filepath.Glob("testdata/packages/valid/*.cue")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	scripts, _ := filepath.Glob("testdata/script/*.txtar")
	for _, script := range scripts {
		a, err := txtar.ParseFile(script)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if strings.HasSuffix(file.Name, ".cue") {
				f.Add(file.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "country.cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		_, diags := loadCUE(dir)
		for _, d := range diags {
			if d.Pos.File == "" || d.Message == "" || d.Code == "" {
				t.Fatalf("diagnostic without a place or a message: %+v", d)
			}
		}
	})
}

// xlsxCmd writes CSV files as the sheets of one workbook, so that a script can hold a package's
// spreadsheets as text: "xlsx OUT.xlsx SHEET=FILE.csv...". A value that reads as a number is
// written as a number cell, as Excel stores what people type; "@N" after the file name gives
// the sheet's number cells Excel's number format N, such as 3 (#,##0) or 14 (short date).
func xlsxCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: xlsx OUT.xlsx SHEET=FILE.csv[@N]...")
	}
	f := excelize.NewFile()
	defer f.Close()
	for i, arg := range args[1:] {
		sheet, file, ok := strings.Cut(arg, "=")
		if !ok {
			ts.Fatalf("%s: not SHEET=FILE.csv", arg)
		}
		file, format, _ := strings.Cut(file, "@")
		style := 0
		if format != "" {
			n, err := strconv.Atoi(format)
			ts.Check(err)
			style, err = f.NewStyle(&excelize.Style{NumFmt: n})
			ts.Check(err)
		}
		if i == 0 {
			ts.Check(f.SetSheetName("Sheet1", sheet))
		} else if _, err := f.NewSheet(sheet); err != nil {
			ts.Fatalf("%v", err)
		}
		rows, err := csv.NewReader(strings.NewReader(ts.ReadFile(file))).ReadAll()
		ts.Check(err)
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if n, err := strconv.ParseFloat(v, 64); err == nil && r > 0 {
					ts.Check(f.SetCellValue(sheet, cell, n))
					if style != 0 {
						ts.Check(f.SetCellStyle(sheet, cell, cell, style))
					}
				} else {
					ts.Check(f.SetCellStr(sheet, cell, v))
				}
			}
		}
	}
	ts.Check(f.SaveAs(ts.MkAbs(args[0])))
}

// TestDecodeIsCUEs: the compiler's decoder, led by the Go types, gives what cue.Value.Decode
// gives, on every package of the tests that CUE accepts (the scripts' too).
func TestDecodeIsCUEs(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/packages/*")
	dirs = append(dirs, "../countries/nerovia")
	scripts, _ := filepath.Glob("testdata/script/*.txtar")
	for _, script := range scripts {
		a, err := txtar.ParseFile(script)
		if err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		for _, f := range a.Files {
			p := filepath.Join(root, f.Name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, f.Data, 0o644)
			if strings.HasSuffix(f.Name, ".cue") && !slices.Contains(dirs, filepath.Dir(p)) {
				dirs = append(dirs, filepath.Dir(p))
			}
		}
	}
	decoded := 0
	for _, dir := range dirs {
		src, l := loadCUE(dir)
		if src == nil || l.HasErrors() {
			continue
		}
		var want, got pkgModel
		if err := src.value.Decode(&want); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if err := decode(src.value, &got); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", dir, got, want)
		}
		decoded++
	}
	t.Logf("%d packages", decoded)
	if decoded < 5 {
		t.Errorf("%d packages decoded", decoded)
	}
}
