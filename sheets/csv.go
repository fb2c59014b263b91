package sheets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/diag"
)

// ReadCSV reads a table from CSV text; name is the file name that positions carry. The table is
// nil when the text cannot be read as a table (not UTF-8, a syntax error, no header).
func ReadCSV(name string, r io.Reader, cols Columns) (*Table, diag.List) {
	var l diag.List
	data, ok := readAll(name, r, &l)
	if !ok {
		return nil, l
	}
	data = crLines(bytes.TrimPrefix(data, []byte("\uFEFF")))
	if !checkEncoding(name, data, &l) {
		return nil, l
	}
	sep, ok := sepHint(data)
	if !ok {
		sep = separator(data)
	}
	src := source{data: data, lines: lineStarts(data)}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	t := &Table{File: name}
	b := builder{t: t, cols: cols, l: &l, sep: sep, rowsHint: len(src.lines)}
	var at []cellPos
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			src.syntaxError(name, err, &l)
			return nil, l
		}
		if len(rec) == 0 {
			continue // encoding/csv gives none, but at[0] below must not trust that
		}
		at = at[:0]
		var cc charCounter
		for i := range rec {
			line, col := cr.FieldPos(i)
			at = append(at, cellPos{int32(line), int32(cc.column(&src, line, col))})
		}
		b.add(int(at[0].line), rec, at)
	}
	b.finish()
	if !b.started {
		return nil, l
	}
	return t, l
}

// checkEncoding reports a CSV that is not UTF-8 text. It stops the reading: a file in another
// encoding would turn every accented name into an error of its own.
func checkEncoding(name string, data []byte, l *diag.List) bool {
	const hint = `save it from Excel as "CSV UTF-8 (Comma delimited)": plain "CSV" uses the computer's own encoding`
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		l.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "encoding", hint, "the file is UTF-16 text, not UTF-8")
		return false
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		l.Errorf(diag.Pos{File: name, Line: 1, Column: 1}, "file-type", "if it is an Excel workbook, name it .xlsx",
			"the file is a zip archive, not CSV text")
		return false
	case utf8.Valid(data):
		return true
	}
	i := 0
	for i < len(data) {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	line := 1 + bytes.Count(data[:i], []byte{'\n'})
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	col := 1 + utf8.RuneCount(data[start:i])
	l.Errorf(diag.Pos{File: name, Line: line, Column: col}, "encoding", hint, "the file is not UTF-8: byte 0x%02X is not a character", data[i])
	return false
}

// crLines turns the carriage returns that end lines alone (old Mac text, which encoding/csv
// would read as one line) into newlines; a CR before a newline is left to encoding/csv. They
// are as long as the newlines, so positions are unchanged; data is the reader's own copy.
func crLines(data []byte) []byte {
	for i := bytes.IndexByte(data, '\r'); i >= 0 && i < len(data); i++ {
		if data[i] == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			data[i] = '\n'
		}
	}
	return data
}

// sepHint reads Excel's separator hint, a first line sep=; (or sep=, or sep=|, sep=\t), and
// blanks it out with spaces so that the header is read from the next line while every line
// keeps its number.
func sepHint(data []byte) (rune, bool) {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) != 5 || !bytes.EqualFold(line[:4], []byte("sep=")) {
		return 0, false
	}
	sep := rune(line[4])
	if !strings.ContainsRune(",;|:\t", sep) {
		return 0, false
	}
	for i := range line {
		line[i] = ' '
	}
	return sep, true
}

// separator picks the field separator from the first line that is not blank: a semicolon when it
// has semicolons and no comma, as Excel writes CSV in locales with a decimal comma.
func separator(data []byte) rune {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !bytes.ContainsRune(line, ',') && bytes.ContainsRune(line, ';') {
			return ';'
		}
		break
	}
	return ','
}

// source is the CSV text with where each line starts, to turn encoding/csv's byte columns into
// the character columns an editor shows.
type source struct {
	data  []byte
	lines []int // offset of each line's first byte; lines[0] is line 1
}

func lineStarts(data []byte) []int {
	lines := make([]int, 1, 1+bytes.Count(data, []byte{'\n'}))
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return lines
		}
		i += j + 1
		lines = append(lines, i)
	}
}

// line returns the bytes of a line (1-based) without its newline, clamping a line out of range
// to the nearest one so that a position can never point outside the text.
func (s *source) line(n int) (int, []byte) {
	n = max(1, min(n, len(s.lines)))
	start, end := s.lines[n-1], len(s.data)
	if n < len(s.lines) {
		end = s.lines[n] - 1
	}
	return n, s.data[start:end]
}

// charCounter converts the byte columns of one record's fields, which come in order, into
// character columns, counting each line's characters once however many fields it has.
type charCounter struct{ line, byteCol, charCol int }

func (c *charCounter) column(s *source, line, byteCol int) int {
	line, text := s.line(line)
	byteCol = max(1, min(byteCol, len(text)+1))
	if line != c.line || byteCol < c.byteCol {
		c.line, c.byteCol, c.charCol = line, 1, 1
	}
	c.charCol += utf8.RuneCount(text[c.byteCol-1 : byteCol-1])
	c.byteCol = byteCol
	return c.charCol
}

// syntaxError reports what encoding/csv could not parse, where it says.
func (s *source) syntaxError(name string, err error, l *diag.List) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		l.Errorf(diag.Pos{File: name}, "read-file", "", "cannot read the file: %v", err)
		return
	}
	var cc charCounter
	line, text := s.line(pe.Line)
	pos := diag.Pos{File: name, Line: line, Column: cc.column(s, line, pe.Column)}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		l.Errorf(pos, "csv-syntax", `put the whole value in double quotes, and double each quote inside it: "say ""hi"""`,
			`a quote inside a value that does not start with one`)
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Column >= 1 && pe.Column <= len(text) && text[pe.Column-1] == '"':
		l.Errorf(pos, "csv-syntax", `a value in quotes ends at its closing quote; double each quote inside it: "say ""hi"""`,
			"text after the closing quote of a value")
	case errors.Is(pe.Err, csv.ErrQuote):
		l.Errorf(pos, "csv-syntax", "a value in the record that starts at line "+strconv.Itoa(pe.StartLine)+" opens a quote and never closes it",
			"the file ends inside a quoted value")
	default:
		l.Errorf(pos, "csv-syntax", "", "%v", pe.Err)
	}
}
