package breaking

import (
	"regexp"
	"strconv"

	"github.com/crvsctl/crvsctl/bundle"
)

// A position of a registration number: a character the format fixes, or a digit.
type position struct {
	char byte // 0: any digit
}

var numberPart = regexp.MustCompile(`\{(event|year|office|area|seq)(?::([0-9]+))?\}`)

// A part of a format: the positions it fixes, and whether its width varies (an office's or an
// area's code fixes none; a sequence fixes its width in digits, and grows past it).
type part struct {
	known  []position
	varies bool
}

func parts(format, event string) []part {
	var out []part
	chars := func(s string) part {
		p := part{}
		for i := 0; i < len(s); i++ {
			p.known = append(p.known, position{s[i]})
		}
		return p
	}
	digits := func(n int, varies bool) part {
		return part{known: make([]position, n), varies: varies} // char 0: a digit
	}
	rest := format
	for rest != "" {
		loc := numberPart.FindStringSubmatchIndex(rest)
		if loc == nil {
			return append(out, chars(rest))
		}
		out = append(out, chars(rest[:loc[0]]))
		switch rest[loc[2]:loc[3]] {
		case "event":
			out = append(out, chars(event))
		case "year":
			out = append(out, digits(4, false))
		case "seq":
			width := 1
			if loc[4] >= 0 {
				width, _ = strconv.Atoi(rest[loc[4]:loc[5]])
			}
			out = append(out, digits(width, true))
		default: // office, area
			out = append(out, part{varies: true})
		}
		rest = rest[loc[1]:]
	}
	return out
}

// ends are what a format fixes of a number from its start, and from its end (read backwards),
// up to its first part of varying width each way. (Every format has a sequence, which varies:
// two formats are never told apart by their lengths alone.)
func ends(format, event string) (start, end []position) {
	ps := parts(format, event)
	for _, p := range ps {
		start = append(start, p.known...)
		if p.varies {
			break
		}
	}
	for i := len(ps) - 1; i >= 0; i-- {
		for j := len(ps[i].known) - 1; j >= 0; j-- {
			end = append(end, ps[i].known[j])
		}
		if ps[i].varies {
			break
		}
	}
	return start, end
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
// certainly cannot: their fixed text differs at the start or the end. Unsure is a collision: a repeated number is the worst mistake a
// register can make.
func collides(event string, o, n bundle.Numbering) string {
	os, oe := ends(o.Format, event)
	ns, ne := ends(n.Format, event)
	if apart(os, ns) || apart(oe, ne) {
		return ""
	}
	if o.Format == n.Format {
		return "the sequences restart in the new scope, and the same format writes the numbers they gave again"
	}
	return "nothing in the two formats' fixed text tells their numbers apart, so a new number could be one already given"
}

// apartFormat is the new format with fixed text added that tells its numbers from the old
// format's for certain: "2-" after its leading text ("B2-{year}{seq:6}"), else "-2" at its
// end (a format that starts with an office's code, whose numbers could start with anything);
// "" when neither does.
func apartFormat(event string, o, n bundle.Numbering) string {
	lead := n.Format
	if i := numberPart.FindStringIndex(n.Format); i != nil {
		lead = n.Format[:i[0]]
	}
	for _, f := range []string{lead + "2-" + n.Format[len(lead):], n.Format + "-2"} {
		if collides(event, o, bundle.Numbering{Format: f, Scope: n.Scope}) == "" {
			return f
		}
	}
	return ""
}
