// Package diag holds the diagnostics of the compiler: a problem found in a country package,
// where it is, and what to do about it. Every check produces diagnostics; none stops at the first.
//
// They print like the Go compiler's, one a line, so editors and terminals can jump to them:
//
//	countries/x/birth.cue:42:13: unknown field child.dobb; did you mean child.dob?
//	countries/x/places.xlsx: sheet areas, row 7, column C: parent "R9" is not an area
//
// and as JSON (--format json) for editors and CI.
package diag

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Severity says whether a diagnostic stops the build.
type Severity int

const (
	Error   Severity = iota // the package cannot be built
	Warning                 // the package builds, but something is likely wrong (declared and unused)
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Pos is where a problem is: a line and column of a text file (CUE, CSV), or a sheet, row and
// column of a workbook (XLSX). Lines, columns and rows count from 1; 0 means unknown. Columns
// count bytes, as CUE's and Go's positions do.
//
// A position may be a range: EndLine and EndColumn are where the offending text ends, the
// column one past its last byte (as in HCL and the Language Server Protocol); 0 means the
// position is a point. A range is only ever in a text file.
type Pos struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Sheet     string `json:"sheet,omitempty"` // set for workbooks: then Line is the row
	EndLine   int    `json:"endLine,omitempty"`
	EndColumn int    `json:"endColumn,omitempty"`
}

// Start is the position without its end.
func (p Pos) Start() Pos {
	p.EndLine, p.EndColumn = 0, 0
	return p
}

// HasRange reports whether the position has an end after its start.
func (p Pos) HasRange() bool {
	return p.Sheet == "" && p.Line > 0 && p.Column > 0 &&
		(p.EndLine > p.Line || p.EndLine == p.Line && p.EndColumn > p.Column)
}

// String writes the position as file:line:col, or file: sheet S, row R, column C for a sheet,
// with the column as a spreadsheet letter, as the person who keeps the workbook sees it.
func (p Pos) String() string {
	if p.Sheet != "" {
		s := fmt.Sprintf("%s: sheet %s", p.File, p.Sheet)
		if p.Line > 0 {
			s += fmt.Sprintf(", row %d", p.Line)
		}
		if p.Column > 0 {
			s += ", column " + ColumnName(p.Column)
		}
		return s
	}
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// ColumnName turns a column number into its spreadsheet letters: 1 is A, 27 is AA.
func ColumnName(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append([]byte{byte('A' + n%26)}, b...)
		n /= 26
	}
	return string(b)
}

// Diagnostic is one problem.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`           // stable, for tests and documentation: "unknown-field"
	Message  string   `json:"message"`        // what is wrong, naming the offending token
	Hint     string   `json:"hint,omitempty"` // what to do, when it can be worked out
	// Related are other places that explain the problem: where a shared layout that holds the
	// offending value is used, for one.
	Related []Related `json:"related,omitempty"`
}

// Related is a second position of a diagnostic, with what it is.
type Related struct {
	Pos     Pos    `json:"pos"`
	Message string `json:"message"` // "used by certificate birth-certificate"
}

// String writes the diagnostic as one line: position, message, hint.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString("; ")
		b.WriteString(d.Hint)
	}
	for _, r := range d.Related {
		b.WriteString("\n\t")
		b.WriteString(r.Pos.String())
		b.WriteString(": ")
		b.WriteString(r.Message)
	}
	return b.String()
}

// List collects diagnostics.
type List []Diagnostic

// Errorf adds an error.
func (l *List) Errorf(pos Pos, code, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Warnf adds a warning.
func (l *List) Warnf(pos Pos, code, hint, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Sort orders diagnostics by file, sheet, line and column, so output is stable whatever order
// the checks ran in.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		c := cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Sheet, b.Pos.Sheet),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
		if c == 0 && len(a.Related) > 0 && len(b.Related) > 0 {
			// One problem of a shared layout, once per use: in the order of the uses.
			c = cmp.Or(
				cmp.Compare(a.Related[0].Pos.File, b.Related[0].Pos.File),
				cmp.Compare(a.Related[0].Pos.Line, b.Related[0].Pos.Line),
				cmp.Compare(a.Related[0].Pos.Column, b.Related[0].Pos.Column),
			)
		}
		return c
	})
}

// WriteText prints one diagnostic a line.
func (l List) WriteText(w io.Writer) error {
	for _, d := range l {
		if _, err := fmt.Fprintln(w, d.String()); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints the diagnostics as a JSON array (an empty array when there are none).
func (l List) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if l == nil {
		l = List{}
	}
	return enc.Encode(l)
}
