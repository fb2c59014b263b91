package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
)

// writer writes a PDF's objects as they come, numbering them and remembering where each
// starts for the cross-reference table. Objects can be numbered before they are written, so
// a page can name a font written at the end, once every page has said which glyphs it uses.
type writer struct {
	w       io.Writer
	buf     []byte
	written int64   // bytes already flushed to w
	offsets []int64 // offsets[n]: where object n starts; [0] unused
	err     error
}

// flushAt is the size of buffered output past which it goes to the io.Writer.
const flushAt = 256 << 10

func newWriter(w io.Writer) *writer {
	pw := &writer{w: w, offsets: []int64{0}}
	pw.buf = append(pw.buf, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"...)
	return pw
}

// alloc numbers a new object.
func (w *writer) alloc() int {
	w.offsets = append(w.offsets, -1)
	return len(w.offsets) - 1
}

func (w *writer) begin(n int) {
	w.offsets[n] = w.written + int64(len(w.buf))
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, " 0 obj\n"...)
}

func (w *writer) end() {
	w.buf = append(w.buf, "\nendobj\n"...)
	if len(w.buf) >= flushAt {
		w.flush()
	}
}

// object writes object n, its dictionary or value as given.
func (w *writer) object(n int, body string) {
	w.begin(n)
	w.buf = append(w.buf, body...)
	w.end()
}

// stream writes object n as a stream of data already encoded, its dictionary entries (without
// Length) given in dict.
func (w *writer) stream(n int, dict string, data []byte) {
	w.begin(n)
	w.buf = append(w.buf, "<<"...)
	w.buf = append(w.buf, dict...)
	w.buf = append(w.buf, "/Length "...)
	w.buf = strconv.AppendInt(w.buf, int64(len(data)), 10)
	w.buf = append(w.buf, ">>\nstream\n"...)
	w.buf = append(w.buf, data...)
	w.buf = append(w.buf, "\nendstream"...)
	w.end()
}

// deflated writes object n as a stream of data, compressed.
func (w *writer) deflated(n int, dict string, data []byte) {
	z := deflate(data)
	w.stream(n, "/Filter/FlateDecode"+dict, z.Bytes())
	release(z)
}

func (w *writer) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.written += int64(len(w.buf))
	w.buf = w.buf[:0]
}

// finish writes the cross-reference table and the trailer, and flushes.
func (w *writer) finish(root, info int) error {
	for n, off := range w.offsets[1:] {
		if off < 0 {
			return fmt.Errorf("pdf: object %d numbered but not written", n+1)
		}
	}
	xref := w.written + int64(len(w.buf))
	w.buf = fmt.Appendf(w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets))
	for _, off := range w.offsets[1:] {
		w.buf = fmt.Appendf(w.buf, "%010d 00000 n \n", off)
	}
	w.buf = fmt.Appendf(w.buf, "trailer\n<</Size %d/Root %d 0 R/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets), root, info, xref)
	w.flush()
	return w.err
}

var zlibPool = sync.Pool{New: func() any {
	z, _ := zlib.NewWriterLevel(io.Discard, zlib.DefaultCompression)
	return z
}}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// deflate compresses data with zlib, as FlateDecode reads it. release the buffer when done.
func deflate(data []byte) *bytes.Buffer {
	out := bufPool.Get().(*bytes.Buffer)
	out.Reset()
	z := zlibPool.Get().(*zlib.Writer)
	z.Reset(out)
	z.Write(data) // a bytes.Buffer does not fail
	z.Close()
	zlibPool.Put(z)
	return out
}

func release(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		bufPool.Put(b)
	}
}

// appendNum writes a number as PDF wants it: no exponent, at most 3 decimals, no trailing zeros.
func appendNum(b []byte, v float64) []byte {
	v = math.Round(v*1000) / 1000
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	b = strconv.AppendFloat(b, v, 'f', 3, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// appendNums writes numbers separated by spaces, then the operator.
func appendNums(b []byte, op string, vs ...float64) []byte {
	for _, v := range vs {
		b = appendNum(b, v)
		b = append(b, ' ')
	}
	b = append(b, op...)
	return append(b, '\n')
}

// pdfString writes s as a PDF text string: PDFDocEncoding for ASCII, UTF-16BE otherwise.
func pdfString(s string) string {
	ascii := true
	for i := range len(s) {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	var b []byte
	if ascii {
		b = append(b, '(')
		for i := range len(s) {
			c := s[i]
			switch c {
			case '(', ')', '\\':
				b = append(b, '\\', c)
			case '\n', '\r':
				b = append(b, ' ')
			default:
				b = append(b, c)
			}
		}
		return string(append(b, ')'))
	}
	b = append(b, "<FEFF"...)
	for _, r := range s {
		b = appendUTF16Hex(b, r)
	}
	return string(append(b, '>'))
}

const hexDigits = "0123456789ABCDEF"

func appendHex16(b []byte, v uint16) []byte {
	return append(b, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}

func appendUTF16Hex(b []byte, r rune) []byte {
	if r >= 0x10000 {
		r -= 0x10000
		b = appendHex16(b, uint16(0xD800+(r>>10)))
		return appendHex16(b, uint16(0xDC00+(r&0x3ff)))
	}
	return appendHex16(b, uint16(r))
}
