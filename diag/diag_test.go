package diag

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestColumnName(t *testing.T) {
	for n, want := range map[int]string{1: "A", 2: "B", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA"} {
		if got := ColumnName(n); got != want {
			t.Errorf("ColumnName(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestPrint(t *testing.T) {
	var l List
	l.Errorf(Pos{File: "countries/x/places.xlsx", Sheet: "areas", Line: 7, Column: 3}, "unknown-parent", "", `parent "R9" is not an area`)
	l.Warnf(Pos{File: "countries/x/roles.cue", Line: 3, Column: 2}, "unused-role", "", "role auditor is never given to a user")
	l.Errorf(Pos{File: "countries/x/birth.cue", Line: 42, Column: 13}, "unknown-field", "did you mean child.dob?", "unknown field child.dobb")
	l.Errorf(Pos{File: "countries/x/birth.cue", Line: 9, Column: 1}, "duplicate-field", "", "field child.sex is declared twice")
	l.Errorf(Pos{File: "countries/x/offices.csv", Line: 12}, "blank-cell", "", "the name of office OFF-12 is blank")
	l.Sort()
	var b bytes.Buffer
	if err := l.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `countries/x/birth.cue:9:1: field child.sex is declared twice
countries/x/birth.cue:42:13: unknown field child.dobb; did you mean child.dob?
countries/x/offices.csv:12: the name of office OFF-12 is blank
countries/x/places.xlsx: sheet areas, row 7, column C: parent "R9" is not an area
countries/x/roles.cue:3:2: warning: role auditor is never given to a user
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if !l.HasErrors() || (List{l[4]}).HasErrors() {
		t.Error("HasErrors")
	}
	b.Reset()
	if err := l[:1].WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"file": "countries/x/birth.cue"`, `"line": 9`, `"severity": "error"`, `"code": "duplicate-field"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, b.String())
		}
	}
	b.Reset()
	if err := List(nil).WriteJSON(&b); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("empty list as JSON = %q, %v", b.String(), err)
	}
}

func TestPretty(t *testing.T) {
	files := map[string]string{
		"pkg/birth.cue": "package country\n\n\trule: \"child.dobb <= today()\"\n",
		"pkg/am.cue":    "title: \"ልደት\" + \"x\" // ok\n",
		"pkg/cjk.cue":   "\tname: \"名前\", value: \"e\u0301 x\" & 3\n",
		"pkg/long.cue":  "elements: [{x: 1,\r\n\ty: 2}]\r\n",
		"pkg/wide.cue":  "x: 1\n",
	}
	src := NewSources(func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("no %s", name)
		}
		return []byte(s), nil
	})
	l := List{
		// A tab before the range.
		{Pos: Pos{File: "pkg/birth.cue", Line: 3, Column: 9, EndLine: 3, EndColumn: 19}, Code: "rule/unknown-field", Message: "unknown field child.dobb", Hint: "did you mean child.dob?"},
		// Multibyte characters (Ethiopic: three bytes, one column) before the range.
		{Pos: Pos{File: "pkg/am.cue", Line: 1, Column: 22, EndLine: 1, EndColumn: 25}, Severity: Warning, Code: "w", Message: "a warning"},
		// Wide characters and a combining accent before the range.
		{Pos: Pos{File: "pkg/cjk.cue", Line: 1, Column: 35, EndLine: 1, EndColumn: 36}, Code: "wrong-type", Message: "not a number"},
		// A range that goes on to the next line is underlined to the end of its first (CRLF).
		{Pos: Pos{File: "pkg/long.cue", Line: 1, Column: 12, EndLine: 2, EndColumn: 7}, Code: "placement", Message: "off the page",
			Related: []Related{{Pos: Pos{File: "pkg/wide.cue", Line: 1, Column: 1, EndLine: 1, EndColumn: 5}, Message: "used by certificate b"}}},
		// A point, a cell, and a file that cannot be read.
		{Pos: Pos{File: "pkg/wide.cue", Line: 1, Column: 4}, Code: "c", Message: "a point"},
		{Pos: Pos{File: "pkg/places.xlsx", Sheet: "areas", Line: 7, Column: 3}, Code: "unknown-parent", Message: `parent "R9" is not an area`},
		{Pos: Pos{File: "pkg/gone.cue", Line: 2, Column: 1}, Code: "gone", Message: "no source"},
	}
	var b bytes.Buffer
	if err := l.WritePretty(&b, src); err != nil {
		t.Fatal(err)
	}
	want := `error: unknown field child.dobb [rule/unknown-field]
 --> pkg/birth.cue:3:9
  |
3 |     rule: "child.dobb <= today()"
  |            ^^^^^^^^^^
  = help: did you mean child.dob?

warning: a warning [w]
 --> pkg/am.cue:1:22
  |
1 | title: "ልደት" + "x" // ok
  |                ^^^

error: not a number [wrong-type]
 --> pkg/cjk.cue:1:35
  |
1 |     name: "名前", value: "é x" & 3
  |                                  ^

error: off the page [placement]
 --> pkg/long.cue:1:12
  |
1 | elements: [{x: 1,
  |            ^^^^^^
note: used by certificate b
 --> pkg/wide.cue:1:1
  |
1 | x: 1
  | ^^^^

error: a point [c]
 --> pkg/wide.cue:1:4
  |
1 | x: 1
  |    ^

error: parent "R9" is not an area [unknown-parent]
 --> pkg/places.xlsx: sheet areas, row 7, column C

error: no source [gone]
 --> pkg/gone.cue:2:1
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestGitHub(t *testing.T) {
	l := List{
		{Pos: Pos{File: "pkg/a,b:c.cue", Line: 3, Column: 9, EndLine: 3, EndColumn: 19}, Code: "rule/unknown-field", Message: "unknown field child.dobb: 100%", Hint: "did you mean child.dob?"},
		{Pos: Pos{File: "pkg/roles.cue", Line: 3, Column: 2}, Severity: Warning, Code: "unused-role", Message: "role auditor\r\nis never given"},
		{Pos: Pos{File: "pkg/places.xlsx", Sheet: "areas", Line: 7, Column: 3}, Code: "unknown-parent", Message: `parent "R9" is not an area`},
		{Pos: Pos{File: "pkg/c.cue", Line: 5, Column: 3, EndLine: 6, EndColumn: 4}, Code: "placement", Message: "off",
			Related: []Related{{Pos: Pos{File: "pkg/b.cue", Line: 9, Column: 13}, Message: "used by certificate b"}}},
	}
	var b bytes.Buffer
	if err := l.WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	want := `::error file=pkg/a%2Cb%3Ac.cue,line=3,col=9,endLine=3,endColumn=18,title=rule/unknown-field::unknown field child.dobb: 100%25; did you mean child.dob?
::warning file=pkg/roles.cue,line=3,col=2,title=unused-role::role auditor%0D%0Ais never given
::error file=pkg/places.xlsx,title=unknown-parent::sheet areas, row 7, column C: parent "R9" is not an area
::error file=pkg/c.cue,line=5,col=3,endLine=6,endColumn=3,title=placement::off%0Apkg/b.cue:9:13: used by certificate b
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRelatedOneLine(t *testing.T) {
	d := Diagnostic{Pos: Pos{File: "a.cue", Line: 2, Column: 3, EndLine: 2, EndColumn: 9}, Code: "c", Message: "m", Hint: "h",
		Related: []Related{{Pos: Pos{File: "b.cue", Line: 4, Column: 5}, Message: "used by certificate x"}}}
	if got, want := d.String(), "a.cue:2:3: m; h\n\tb.cue:4:5: used by certificate x"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
