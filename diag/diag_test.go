package diag

import (
	"bytes"
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
