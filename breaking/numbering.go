package breaking

import (
	"regexp"
	"strconv"

	"github.com/crvsctl/crvsctl/bundle"
)

// A position of a registration number: a character the format fixes, or a digit. Parts whose
// width varies (an office's or an area's code, a sequence past its width) end what is known.
type position struct {
	char  byte // 0: any digit
	fixed bool
}

var numberPart = regexp.MustCompile(`\{(event|year|office|area|seq)(?::([0-9]+))?\}`)

// positions are what a format fixes of a number from its start, up to its first part of
// varying width, and whether the whole number has a fixed shape.
func positions(format, event string) (known []position, whole bool) {
	rest := format
	for rest != "" {
		loc := numberPart.FindStringSubmatchIndex(rest)
		lit := rest
		if loc != nil {
			lit = rest[:loc[0]]
		}
		for i := 0; i < len(lit); i++ {
			known = append(known, position{lit[i], true})
		}
		if loc == nil {
			return known, true
		}
		switch name := rest[loc[2]:loc[3]]; name {
		case "event":
			for i := 0; i < len(event); i++ {
				known = append(known, position{event[i], true})
			}
		case "year":
			for range 4 {
				known = append(known, position{0, true})
			}
		case "seq":
			width := 1
			if loc[4] >= 0 {
				width, _ = strconv.Atoi(rest[loc[4]:loc[5]])
			}
			for range width {
				known = append(known, position{0, true})
			}
			return known, false // it grows past its width
		default: // office, area: codes of any length
			return known, false
		}
		rest = rest[loc[1]:]
	}
	return known, true
}

func reverse(format string) string {
	b := []byte(format)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// suffix is what a format fixes of a number from its end, read backwards.
func suffix(format, event string) []position {
	var out []position
	parts := numberPart.FindAllStringSubmatchIndex(format, -1)
	end := len(format)
	for k := len(parts); k >= 0; k-- {
		start := 0
		if k > 0 {
			start = parts[k-1][1]
		}
		lit := reverse(format[start:end])
		for i := 0; i < len(lit); i++ {
			out = append(out, position{lit[i], true})
		}
		if k == 0 {
			return out
		}
		p := parts[k-1]
		switch format[p[2]:p[3]] {
		case "event":
			ev := reverse(event)
			for i := 0; i < len(ev); i++ {
				out = append(out, position{ev[i], true})
			}
		case "year":
			for range 4 {
				out = append(out, position{0, true})
			}
		case "seq":
			// The last digits of a sequence are digits, however wide it grows.
			width := 1
			if p[4] >= 0 {
				width, _ = strconv.Atoi(format[p[4]:p[5]])
			}
			for range width {
				out = append(out, position{0, true})
			}
			return out
		default:
			return out
		}
		end = p[0]
	}
	return out
}

// apart tells whether two runs of known positions differ somewhere both know: a different
// character, or a character where the other has a digit.
func apart(a, b []position) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.char != 0 && y.char != 0 && x.char != y.char:
			return true
		case x.char == 0 && y.char != 0 && (y.char < '0' || y.char > '9'):
			return true
		case y.char == 0 && x.char != 0 && (x.char < '0' || x.char > '9'):
			return true
		}
	}
	return false
}

// collides says why a number of the new numbering could be one the old gave, or "" when it
// certainly cannot: their fixed text differs at the start or the end, or both have a fixed
// shape of different lengths. Unsure is a collision: a repeated number is the worst mistake a
// register can make.
func collides(event string, o, n bundle.Numbering) string {
	ok, owhole := positions(o.Format, event)
	nk, nwhole := positions(n.Format, event)
	if apart(ok, nk) || apart(suffix(o.Format, event), suffix(n.Format, event)) || owhole && nwhole && len(ok) != len(nk) {
		return ""
	}
	if o.Format == n.Format {
		return "the sequences restart in the new scope, and the same format writes the numbers they gave again"
	}
	return "nothing in the two formats' fixed text tells their numbers apart, so a new number could be one already given"
}
