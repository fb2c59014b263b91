package pdf

import (
	"errors"
	"fmt"
	"sync"

	"rsc.io/qr/coding"
)

// QR codes are encoded with rsc.io/qr/coding, its plans (the layout of a version, level and
// mask) made once and kept, and the mask chosen by the penalty rules of ISO/IEC 18004 §7.8.3,
// which rsc.io/qr's own Encode leaves at mask 0. An encoder choosing its mask the same way
// (github.com/boombuler/barcode) takes 9 ms a code of 330 characters; this takes well under one.
// The modules are drawn as filled rectangles: vector, crisp at any print resolution.

// quietZone is the white margin around a QR code, in modules, that ISO/IEC 18004 asks for.
const quietZone = 4

func qrLevel(s string) (coding.Level, error) {
	switch s {
	case "L":
		return coding.L, nil
	case "", "M":
		return coding.M, nil
	case "Q":
		return coding.Q, nil
	case "H":
		return coding.H, nil
	}
	return 0, fmt.Errorf("QR level %q: L, M, Q or H", s)
}

type planKey struct {
	v coding.Version
	l coding.Level
	m coding.Mask
}

var plans sync.Map // planKey → *coding.Plan; a plan is only read once made

func plan(v coding.Version, l coding.Level, m coding.Mask) (*coding.Plan, error) {
	k := planKey{v, l, m}
	if p, ok := plans.Load(k); ok {
		return p.(*coding.Plan), nil
	}
	p, err := coding.NewPlan(v, l, m)
	if err != nil {
		return nil, err
	}
	actual, _ := plans.LoadOrStore(k, p)
	return actual.(*coding.Plan), nil
}

// encodeQR encodes text in the smallest version that holds it, in numeric, alphanumeric (a
// seal's Base45 is) or byte mode, with the mask of least penalty.
func encodeQR(text string, level coding.Level) (*coding.Code, error) {
	var enc coding.Encoding
	switch {
	case coding.Num(text).Check() == nil:
		enc = coding.Num(text)
	case coding.Alpha(text).Check() == nil:
		enc = coding.Alpha(text)
	default:
		enc = coding.String(text)
	}
	v := coding.MinVersion
	for ; enc.Bits(coding.Version(v)) > coding.Version(v).DataBytes(level)*8; v++ {
		if v == coding.MaxVersion {
			return nil, errors.New("text too long for a QR code")
		}
	}
	var best *coding.Code
	bestPenalty := 0
	for m := range coding.Mask(8) {
		p, err := plan(coding.Version(v), level, m)
		if err != nil {
			return nil, err
		}
		c, err := p.Encode(enc)
		if err != nil {
			return nil, err
		}
		if pen := penalty(c); best == nil || pen < bestPenalty {
			best, bestPenalty = c, pen
		}
	}
	return best, nil
}

// penalty scores a code by ISO/IEC 18004 §7.8.3.1: runs of five or more modules of one colour
// in a row or column, 2×2 blocks of one colour, patterns that look like a finder
// (1:1:3:1:1 with four light modules beside; beyond the edge is the light quiet zone), and a
// dark proportion far from half.
func penalty(c *coding.Code) int {
	n := c.Size
	grid := make([]byte, 2*n*n) // 1 for dark: the rows, then the columns
	rows, cols := grid[:n*n], grid[n*n:]
	count := 0
	for y := range n {
		bits := c.Bitmap[y*c.Stride:]
		for x := range n {
			d := bits[x>>3] >> (7 - x&7) & 1
			rows[y*n+x], cols[x*n+y] = d, d
			count += int(d)
		}
	}
	// The last eleven modules of a line as bits, the line padded with four light modules each
	// side; a finder-like pattern's own dark modules keep either from matching across an edge.
	const finderBefore, finderAfter = 0b00001011101, 0b10111010000
	score := 0
	for i := range 2 * n {
		line := grid[i*n : (i+1)*n]
		// Branch-free: the modules are random, a branch on each would be mispredicted half the
		// time, and the penalty of eight masks is most of the time a QR code takes.
		prev, run, window := line[0], 1, int(line[0])
		for _, d := range line[1:] {
			change := int(d ^ prev)
			long := (run-5)>>63 + 1 // 1 when run ≥ 5
			score += change * long * (3 + run - 5)
			run = run*(1-change) + 1
			prev = d
			window = (window<<1 | int(d)) & 0x7ff
			if window == finderBefore || window == finderAfter {
				score += 40
			}
		}
		if run >= 5 {
			score += 3 + run - 5
		}
		for range 4 {
			if window = window << 1 & 0x7ff; window == finderAfter {
				score += 40
			}
		}
	}
	blocks := 0
	for y := 0; y+1 < n; y++ {
		a, b := rows[y*n:(y+1)*n], rows[(y+1)*n:(y+2)*n]
		for x := 0; x+1 < n; x++ {
			d := a[x]
			blocks += int(((d ^ a[x+1]) | (d ^ b[x]) | (d ^ b[x+1])) ^ 1)
		}
	}
	score += 3 * blocks
	deviation := count*100/(n*n) - 50
	if deviation < 0 {
		deviation = -deviation
	}
	return score + 10*(deviation/5)
}

// appendQR draws text as a QR code: a white square of the given side (points) whose top-left
// corner is at x, top, with the code inside its quiet zone. Each row's runs of dark modules are
// one rectangle.
// QRModules is the number of modules across the QR code of text at level (L, M, Q or H; ""
// for M), its quiet zone included: what its side is divided into when printed.
func QRModules(text, level string) (int, error) {
	l, err := qrLevel(level)
	if err != nil {
		return 0, err
	}
	code, err := encodeQR(text, l)
	if err != nil {
		return 0, err
	}
	return code.Size + 2*quietZone, nil
}

func appendQR(b []byte, text string, level coding.Level, x, top, side float64) ([]byte, error) {
	code, err := encodeQR(text, level)
	if err != nil {
		return b, fmt.Errorf("QR code: %v", err)
	}
	n := code.Size
	m := side / float64(n+2*quietZone)
	b = append(b, "q 1 g\n"...)
	b = appendNums(b, "re f", x, top-side, side, side)
	// Modules are drawn in module units, rows downwards: a rectangle is four small integers.
	b = appendNums(b, "cm 0 g", m, 0, 0, -m, x+quietZone*m, top-quietZone*m)
	for row := range n {
		for col := 0; col < n; {
			if !code.Black(col, row) {
				col++
				continue
			}
			start := col
			for col < n && code.Black(col, row) {
				col++
			}
			b = appendNums(b, "re", float64(start), float64(row), float64(col-start), 1)
		}
	}
	return append(b, "f Q\n"...), nil
}
