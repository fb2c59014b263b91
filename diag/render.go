package diag

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// tabWidth is how many columns a tab of the source takes when it is shown: every tab alike, in
// the line and under it, so the carets stay under the offending text.
const tabWidth = 4

// Sources reads the files diagnostics point into, each once.
type Sources struct {
	read  func(string) ([]byte, error)
	lines map[string][]string // nil when the file cannot be read
}

// NewSources reads files with read, or os.ReadFile when read is nil.
func NewSources(read func(string) ([]byte, error)) *Sources {
	if read == nil {
		read = os.ReadFile
	}
	return &Sources{read: read, lines: map[string][]string{}}
}

// line returns a line of a file without its line ending, and whether it has one.
func (s *Sources) line(file string, n int) (string, bool) {
	lines, ok := s.lines[file]
	if !ok {
		if data, err := s.read(file); err == nil {
			lines = strings.Split(string(data), "\n")
		}
		s.lines[file] = lines
	}
	if n < 1 || n > len(lines) {
		return "", false
	}
	return strings.TrimSuffix(lines[n-1], "\r"), true
}

// WritePretty prints each diagnostic as the Rust, Elm and HCL compilers do, for a person at a
// terminal: a header with the severity, the message and the code, the position, the source line
// with the offending range underlined, the hint, and each related position likewise:
//
//	error: unknown field child.dobb [rule/unknown-field]
//	  --> pkg/birth.cue:11:74
//	   |
//	11 |             {id: "child.dob", type: "date", validations: [{rule: "child.dobb <= today()"}]},
//	   |                                                                   ^^^^^^^^^^
//	   = help: did you mean child.dob?
//
// src reads the files (nil reads them from disk); a position whose line cannot be read is
// printed without its source.
func (l List) WritePretty(w io.Writer, src *Sources) error {
	if src == nil {
		src = NewSources(nil)
	}
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		gutter := len(strconv.Itoa(d.Pos.Line))
		for _, r := range d.Related {
			gutter = max(gutter, len(strconv.Itoa(r.Pos.Line)))
		}
		fmt.Fprintf(&b, "%s: %s", d.Severity, d.Message)
		if d.Code != "" {
			fmt.Fprintf(&b, " [%s]", d.Code)
		}
		b.WriteByte('\n')
		snippet(&b, src, d.Pos, gutter)
		if d.Hint != "" {
			fmt.Fprintf(&b, "%s = help: %s\n", strings.Repeat(" ", gutter), d.Hint)
		}
		for _, r := range d.Related {
			fmt.Fprintf(&b, "note: %s\n", r.Message)
			snippet(&b, src, r.Pos, gutter)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// snippet writes the position line and, when the source can be read, the line with its range
// underlined.
func snippet(b *strings.Builder, src *Sources, p Pos, gutter int) {
	pad := strings.Repeat(" ", gutter)
	fmt.Fprintf(b, "%s--> %s\n", pad, p.Start())
	if p.Sheet != "" || p.Line == 0 {
		return
	}
	line, ok := src.line(p.File, p.Line)
	if !ok {
		return
	}
	text, under := underline(line, p)
	fmt.Fprintf(b, "%s |\n", pad)
	fmt.Fprintf(b, "%*d | %s\n", gutter, p.Line, strings.TrimRight(text, " "))
	if under != "" {
		fmt.Fprintf(b, "%s | %s\n", pad, under)
	}
}

// underline returns the line as shown (tabs expanded) and the carets under p's range on it: to
// the end of the line when the range goes on to another line, one caret when p is a point.
// Columns on the screen are counted in runes' display widths: an Amharic syllable or a Latin
// letter is one, a CJK character two, a combining accent none.
func underline(line string, p Pos) (text, under string) {
	if p.Column < 1 {
		return expand(line), ""
	}
	start := min(p.Column-1, len(line))
	end := start
	switch {
	case p.EndLine > p.Line:
		end = len(line)
	case p.EndLine == p.Line && p.EndColumn > p.Column:
		end = min(p.EndColumn-1, len(line))
	}
	before, n := displayWidth(line[:start]), displayWidth(line[start:end])
	return expand(line), strings.Repeat(" ", before) + strings.Repeat("^", max(n, 1))
}

// expand writes a line with every tab as tabWidth spaces.
func expand(s string) string {
	return strings.ReplaceAll(s, "\t", strings.Repeat(" ", tabWidth))
}

// displayWidth is how many terminal columns s takes once its tabs are expanded.
func displayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r == '\t':
		return tabWidth
	case r == utf8.RuneError, r < ' ':
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// WriteGitHub prints the diagnostics as GitHub Actions workflow commands, which the Actions
// runner turns into annotations on the pull request's files:
//
//	::error file=pkg/birth.cue,line=11,col=74,endLine=11,endColumn=83,title=rule/unknown-field::unknown field child.dobb; did you mean child.dob?
//
// endColumn is the column of the range's last character. A workbook's cell has no line of the
// file: its sheet, row and column go into the message.
func (l List) WriteGitHub(w io.Writer) error {
	var b strings.Builder
	for _, d := range l {
		b.WriteString("::")
		b.WriteString(d.Severity.String())
		p := d.Pos
		props := []string{"file=" + escapeProperty(p.File)}
		msg := d.Message
		if p.Sheet != "" {
			msg = strings.TrimPrefix(p.String(), p.File+": ") + ": " + msg
		} else if p.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", p.Line))
			if p.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", p.Column))
			}
			if p.HasRange() {
				props = append(props, fmt.Sprintf("endLine=%d", p.EndLine), fmt.Sprintf("endColumn=%d", max(p.EndColumn-1, 1)))
			}
		}
		if d.Code != "" {
			props = append(props, "title="+escapeProperty(d.Code))
		}
		b.WriteByte(' ')
		b.WriteString(strings.Join(props, ","))
		if d.Hint != "" {
			msg += "; " + d.Hint
		}
		for _, r := range d.Related {
			msg += "\n" + r.Pos.String() + ": " + r.Message
		}
		b.WriteString("::")
		b.WriteString(escapeData(msg))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message, as the Actions toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: its message's escapes, and the
// colon and comma that separate properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
