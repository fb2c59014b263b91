package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
)

// anchored is how a pattern is compiled for Go: matches() tests the whole value.
func anchored(pattern string) string { return `^(?:` + pattern + `)$` }

// CheckPattern reports a regular expression that matches() would refuse: not RE2, or one that
// cannot mean the same in the browser. Identity number patterns of forms use it too.
func CheckPattern(pattern string) error {
	_, err := translateRegexp(pattern)
	return err
}

// compileRegexp compiles a pattern for the Go evaluator.
func compileRegexp(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(anchored(pattern))
}

// translateRegexp turns an RE2 pattern into a JavaScript regular expression, for use with the
// "u" flag, that matches exactly the same strings. It works from RE2's own parse tree rather than
// from the text: every character class is written out as code point ranges and case folding is
// expanded, so \d, \w, \s, \p{L} and (?i) cannot mean something different in the browser, and no
// JavaScript flag (i, m, s) is ever needed.
func translateRegexp(pattern string) (string, error) {
	// The pattern alone first, so that an error quotes what its author wrote, not our anchors.
	if _, err := regexp.Compile(pattern); err != nil {
		return "", unwrapSyntaxError(err)
	}
	if _, err := compileRegexp(pattern); err != nil {
		return "", unwrapSyntaxError(err)
	}
	re, err := syntax.Parse(anchored(pattern), syntax.Perl)
	if err != nil {
		return "", unwrapSyntaxError(err)
	}
	var b strings.Builder
	// Not re.Simplify(): it would write x{8,15} out as fifteen copies of x.
	if err := writeJS(&b, re); err != nil {
		return "", err
	}
	return b.String(), nil
}

func unwrapSyntaxError(err error) error {
	if se, ok := err.(*syntax.Error); ok {
		return fmt.Errorf("%s: %s", se.Code, se.Expr)
	}
	return err
}

func writeJS(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`(?!)`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && hasFolds(r) {
				writeClass(b, foldOrbit(r), false)
			} else {
				writeRune(b, r)
			}
		}
	case syntax.OpCharClass:
		writeClass(b, re.Rune, false)
	case syntax.OpAnyCharNotNL:
		writeClass(b, []rune{'\n', '\n'}, true)
	case syntax.OpAnyChar:
		b.WriteString(`[\u{0}-\u{10FFFF}]`)
	case syntax.OpBeginText:
		b.WriteString(`^`)
	case syntax.OpEndText:
		b.WriteString(`$`)
	case syntax.OpBeginLine, syntax.OpEndLine:
		return fmt.Errorf("multi-line mode (?m) is not allowed: matches() tests the whole value")
	case syntax.OpWordBoundary:
		b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		b.WriteString(`(?:`)
		if err := writeJS(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(`)`)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		b.WriteString(`(?:`)
		if err := writeJS(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(`)`)
		switch re.Op {
		case syntax.OpStar:
			b.WriteString(`*`)
		case syntax.OpPlus:
			b.WriteString(`+`)
		case syntax.OpQuest:
			b.WriteString(`?`)
		default:
			b.WriteString(`{` + strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteString(`,`)
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteString(`}`)
		}
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString(`?`)
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := writeJS(b, sub); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		b.WriteString(`(?:`)
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteString(`|`)
			}
			if err := writeJS(b, sub); err != nil {
				return err
			}
		}
		b.WriteString(`)`)
	default:
		return fmt.Errorf("%s is not supported", re)
	}
	return nil
}

// writeRune writes one code point: letters and digits as themselves, everything else escaped, so
// no character can be taken for syntax.
func writeRune(b *strings.Builder, r rune) {
	if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == ' ') {
		b.WriteRune(r)
		return
	}
	fmt.Fprintf(b, `\u{%X}`, r)
}

// writeClass writes a class of code point ranges given as pairs lo, hi.
func writeClass(b *strings.Builder, ranges []rune, negate bool) {
	if len(ranges) == 0 {
		if negate {
			b.WriteString(`[\u{0}-\u{10FFFF}]`)
		} else {
			b.WriteString(`(?!)`)
		}
		return
	}
	b.WriteString(`[`)
	if negate {
		b.WriteString(`^`)
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		writeRune(b, ranges[i])
		if ranges[i+1] != ranges[i] {
			b.WriteString(`-`)
			writeRune(b, ranges[i+1])
		}
	}
	b.WriteString(`]`)
}

func hasFolds(r rune) bool { return unicode.SimpleFold(r) != r }

// foldOrbit returns the ranges of every code point that RE2's (?i) treats as equal to r.
func foldOrbit(r rune) []rune {
	out := []rune{r, r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f, f)
	}
	return out
}
