package i18n

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Messages are written in ICU MessageFormat (the syntax of ICU4J's MessageFormat, which
// translators' tools know), the part of it a form's texts need:
//
//	{name}                                  the argument as it is given
//	{n, number}  {n, number, integer}       a number written in the language ("3,2", "1 234")
//	{n, plural, =0 {none} one {# problem} other {# problems}}
//	{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}
//	{sex, select, female {she} male {he} other {they}}
//
// Inside a plural branch "#" is the number, written in the language. An apostrophe quotes as in
// ICU: "''" is one apostrophe, "'{" starts literal text that runs to the next lone apostrophe
// (so does "'}", and "'#" in a plural branch); any other apostrophe is itself, so that
// "Nom d'utilisateur" needs no doubling. No Go library on the module proxy reads this syntax
// (go-i18n has its own), so it is parsed here; the plural rules are CLDR's, from x/text.

// Message is a parsed message text.
type Message struct {
	parts []part
}

type partKind uint8

const (
	literal    partKind = iota
	simple              // {name}
	numeric             // {name, number[, style]}
	pluralArg           // {name, plural, ...}
	ordinalArg          // {name, selectordinal, ...}
	selectArg           // {name, select, ...}
	pound               // # in a plural branch
)

type part struct {
	kind   partKind
	text   string // a literal's text; the number style (integer, percent)
	name   string // the argument's name
	pos    int    // where the argument's { is in the text, in bytes
	offset int    // a plural's offset:
	cases  []branch
}

type branch struct {
	key   string // "=0", "one", "other", or a select's value
	parts []part
}

// SyntaxError is a message text that is not MessageFormat. Offset is in bytes from the text's
// start, where the reader should look.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// Parse reads a message text.
func Parse(text string) (*Message, error) {
	p := &parser{s: text}
	parts, err := p.message(false, -1)
	if err != nil {
		return nil, err
	}
	return &Message{parts: parts}, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) fail(at int, format string, args ...any) error {
	return &SyntaxError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

// message reads text up to the end, or up to the } that closes a branch opened at open (-1 at
// the top). inPlural: "#" is the plural's number.
func (p *parser) message(inPlural bool, open int) ([]part, error) {
	var out []part
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, part{kind: literal, text: text.String()})
			text.Reset()
		}
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\'':
			p.i++
			switch {
			case p.i < len(p.s) && p.s[p.i] == '\'':
				text.WriteByte('\'')
				p.i++
			case p.i < len(p.s) && (p.s[p.i] == '{' || p.s[p.i] == '}' || p.s[p.i] == '#' && inPlural):
				// Quoted text: up to the next lone apostrophe, or the end as ICU does.
				for p.i < len(p.s) {
					if p.s[p.i] == '\'' {
						if p.i+1 < len(p.s) && p.s[p.i+1] == '\'' {
							text.WriteByte('\'')
							p.i += 2
							continue
						}
						p.i++
						break
					}
					text.WriteByte(p.s[p.i])
					p.i++
				}
			default:
				text.WriteByte('\'')
			}
		case c == '#' && inPlural:
			flush()
			out = append(out, part{kind: pound, pos: p.i})
			p.i++
		case c == '{':
			flush()
			a, err := p.argument()
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		case c == '}':
			if open < 0 {
				return nil, p.fail(p.i, "a } closes nothing; write '}' for a brace in the text")
			}
			flush()
			p.i++
			return out, nil
		default:
			text.WriteByte(c)
			p.i++
		}
	}
	if open >= 0 {
		return nil, p.fail(open, "this { is never closed")
	}
	flush()
	return out, nil
}

func (p *parser) space() {
	for p.i < len(p.s) {
		r, size := rune(p.s[p.i]), 1
		if r >= 0x80 {
			r, size = decodeRune(p.s[p.i:])
		}
		if !unicode.IsSpace(r) {
			return
		}
		p.i += size
	}
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// word reads a name: letters, digits, _ and - (a select's values may have a hyphen).
func (p *parser) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

const argForms = "an argument is {name}, {name, number}, {name, plural, ...}, {name, selectordinal, ...} or {name, select, ...}"

// argument reads {...} from its opening brace.
func (p *parser) argument() (part, error) {
	open := p.i
	p.i++
	p.space()
	at := p.i
	name := p.word()
	if name == "" || strings.Contains(name, "-") {
		if p.i >= len(p.s) {
			return part{}, p.fail(open, "this { is never closed")
		}
		return part{}, p.fail(at, "an argument's name is letters, digits and _; write '{' for a brace in the text")
	}
	a := part{kind: simple, name: name, pos: open}
	p.space()
	if p.i >= len(p.s) {
		return part{}, p.fail(open, "this { is never closed")
	}
	if p.s[p.i] == '}' {
		p.i++
		return a, nil
	}
	if p.s[p.i] != ',' {
		return part{}, p.fail(p.i, "%q after the name %s: %s", p.s[p.i], name, argForms)
	}
	p.i++
	p.space()
	at = p.i
	typ := p.word()
	p.space()
	switch typ {
	case "number":
		a.kind = numeric
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			p.space()
			at := p.i
			a.text = p.word()
			if a.text != "integer" && a.text != "percent" {
				return part{}, p.fail(at, "the number style %q is not integer or percent", a.text)
			}
			p.space()
		}
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return part{}, p.fail(open, "this { is never closed")
		}
		p.i++
		return a, nil
	case "plural", "selectordinal", "select":
	case "":
		return part{}, p.fail(at, "no type after the comma: %s", argForms)
	default:
		return part{}, p.fail(at, "unknown argument type %s: %s", typ, argForms)
	}
	a.kind = map[string]partKind{"plural": pluralArg, "selectordinal": ordinalArg, "select": selectArg}[typ]
	if p.i >= len(p.s) || p.s[p.i] != ',' {
		return part{}, p.fail(p.i, "the %s of %s has no branches: write {%s, %s, ... other {...}}", typ, name, name, typ)
	}
	p.i++
	p.space()
	if a.kind != selectArg && strings.HasPrefix(p.s[p.i:], "offset:") {
		p.i += len("offset:")
		p.space()
		at := p.i
		n, err := strconv.Atoi(p.word())
		if err != nil || n < 0 {
			return part{}, p.fail(at, "offset: is followed by a whole number")
		}
		a.offset = n
		p.space()
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.i >= len(p.s) {
			return part{}, p.fail(open, "this { is never closed")
		}
		if p.s[p.i] == '}' {
			p.i++
			break
		}
		at := p.i
		var key string
		if p.s[p.i] == '=' && a.kind != selectArg {
			p.i++
			key = p.word()
			if p.i < len(p.s) && p.s[p.i] == '.' {
				p.i++
				key += "." + p.word()
			}
			if _, err := strconv.ParseFloat(key, 64); err != nil {
				return part{}, p.fail(at, "=%s is not a number: an exact case is =0, =1, ...", key)
			}
			key = "=" + key
		} else {
			key = p.word()
			if key == "" {
				return part{}, p.fail(at, "%q where a branch of %s was expected: a branch is a word then {text}", p.s[p.i], name)
			}
			if a.kind != selectArg && !slices.Contains(categoryNames, key) {
				return part{}, p.fail(at, "%s is not a plural category: a branch is =N or one of %s", key, strings.Join(categoryNames, ", "))
			}
		}
		if seen[key] {
			return part{}, p.fail(at, "the branch %s of %s is there twice", key, name)
		}
		seen[key] = true
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '{' {
			return part{}, p.fail(p.i, "the branch %s of %s has no {text}", key, name)
		}
		bopen := p.i
		p.i++
		parts, err := p.message(a.kind != selectArg, bopen)
		if err != nil {
			return part{}, err
		}
		a.cases = append(a.cases, branch{key: key, parts: parts})
	}
	if !seen["other"] {
		return part{}, p.fail(open, "the %s of %s has no other branch: ICU needs one, for whatever no other branch matches", typ, name)
	}
	return a, nil
}

// categoryNames are CLDR's plural categories, in x/text's order of plural.Form.
var categoryNames = []string{"other", "zero", "one", "two", "few", "many"}

// Args are the names of the arguments a message uses, sorted, each once: those inside plural
// and select branches too.
func (m *Message) Args() []string {
	var out []string
	var walk func([]part)
	walk = func(ps []part) {
		for _, p := range ps {
			if p.name != "" {
				out = append(out, p.name)
			}
			for _, b := range p.cases {
				walk(b.parts)
			}
		}
	}
	walk(m.parts)
	slices.Sort(out)
	return slices.Compact(out)
}

// Plural is a plural or selectordinal argument of a message, for the compiler's checks.
type Plural struct {
	Name    string
	Pos     int // of its {, in bytes
	Ordinal bool
	Keys    []string // its branches: "=0", "one", "other", ...
}

// Plurals are the message's plural and selectordinal arguments, nested ones included.
func (m *Message) Plurals() []Plural {
	var out []Plural
	var walk func([]part)
	walk = func(ps []part) {
		for _, p := range ps {
			if p.kind == pluralArg || p.kind == ordinalArg {
				pl := Plural{Name: p.name, Pos: p.pos, Ordinal: p.kind == ordinalArg}
				for _, b := range p.cases {
					pl.Keys = append(pl.Keys, b.key)
				}
				out = append(out, pl)
			}
			for _, b := range p.cases {
				walk(b.parts)
			}
		}
	}
	walk(m.parts)
	return out
}

// Missing are the plural categories of lang (CLDR's) that the plural's branches leave to
// "other": a number of such a category would get the text written for other numbers, as "1
// problèmes". A category whose every number has an exact branch (=1 for English's one) is
// covered.
func (pl Plural) Missing(lang string) []string {
	var out []string
	for _, c := range rulesOf(tagOf(lang), pl.Ordinal) {
		if c.name == "other" || slices.Contains(pl.Keys, c.name) {
			continue
		}
		covered := true
		for _, s := range c.samples {
			if !slices.ContainsFunc(pl.Keys, func(k string) bool { return exactMatch(k, s) }) {
				covered = false
				break
			}
		}
		if !covered {
			out = append(out, c.name)
		}
	}
	return out
}

// PluralCategories are the plural categories lang uses for counts, as CLDR has them ("one",
// "other" for English; "one", "few", "many", "other" for Polish).
func PluralCategories(lang string) []string {
	var out []string
	for _, c := range rulesOf(tagOf(lang), false) {
		out = append(out, c.name)
	}
	return out
}

// CategoryExamples are a few numbers of a plural category in a language ("0", "1", "1.5" for
// French's one), for a diagnostic to show.
func CategoryExamples(lang string, ordinal bool, cat string) []string {
	var out []string
	decimal := false
	for _, c := range rulesOf(tagOf(lang), ordinal) {
		if c.name != cat {
			continue
		}
		for _, n := range c.samples {
			whole := n == float64(int(n))
			if whole && len(out) < 2 || !whole && !decimal {
				out = append(out, strconv.FormatFloat(n, 'f', -1, 64))
				decimal = decimal || !whole
			}
		}
	}
	return out
}

// category is a plural category of a language with numbers that fall in it.
type category struct {
	name    string
	samples []float64
}

var rulesCache sync.Map // language.Tag + ordinal -> []category

type rulesKey struct {
	tag     language.Tag
	ordinal bool
}

// rulesOf finds the categories a language uses by asking x/text's rules about many numbers:
// x/text does not say which categories a language has, and the numbers tell. Whole numbers up
// to 1000 and their powers of ten, and decimals of one and two digits, meet every rule CLDR has
// (they test n, i, v, f and t modulo 10, 100 and 1000000).
func rulesOf(tag language.Tag, ordinal bool) []category {
	k := rulesKey{tag, ordinal}
	if c, ok := rulesCache.Load(k); ok {
		return c.([]category)
	}
	rules := plural.Cardinal
	if ordinal {
		rules = plural.Ordinal
	}
	by := map[plural.Form][]float64{plural.Other: nil}
	add := func(n float64, i, v, f int) {
		form := rules.MatchPlural(tag, i, v, v, f, f)
		by[form] = append(by[form], n)
	}
	for i := 0; i <= 1000; i++ {
		add(float64(i), i, 0, 0)
	}
	for i := 10000; i <= 10000000; i *= 10 {
		add(float64(i), i, 0, 0)
	}
	if !ordinal { // ordinals are whole numbers
		for i := 0; i <= 20; i++ {
			for f := 0; f < 10; f++ {
				add(float64(i)+float64(f)/10, i, 1, f)
			}
			for f := 0; f < 100; f++ {
				add(float64(i)+float64(f)/100, i, 2, f)
			}
		}
	}
	var out []category
	for form, name := range categoryNames {
		if s, ok := by[plural.Form(form)]; ok {
			out = append(out, category{name: name, samples: s})
		}
	}
	rulesCache.Store(k, out)
	return out
}

// exactMatch tells whether key is "=N" with N the number n.
func exactMatch(key string, n float64) bool {
	if !strings.HasPrefix(key, "=") {
		return false
	}
	x, err := strconv.ParseFloat(key[1:], 64)
	return err == nil && x == n
}

// num is a number argument: its value and its decimal digits as CLDR's rules read them.
type num struct {
	x    float64
	frac int // visible fraction digits (v)
}

// toNum reads an argument as a number: an int, a float, or a string of decimal digits ("3",
// "-12", "3.20": the trailing zero is kept, as it is visible and counts for plurals).
func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case int:
		return num{x: float64(x)}, true
	case int64:
		return num{x: float64(x)}, true
	case int32:
		return num{x: float64(x)}, true
	case uint:
		return num{x: float64(x)}, true
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		return toNum(s)
	case string:
		s := strings.TrimSpace(x)
		digits := strings.TrimPrefix(s, "-")
		whole, frac, _ := strings.Cut(digits, ".")
		if whole == "" || !allDigits(whole) || !allDigits(frac) || strings.HasSuffix(s, ".") {
			return num{}, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return num{}, false
		}
		return num{x: f, frac: len(frac)}, true
	}
	return num{}, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// form is the plural category of the number in a language.
func (n num) form(tag language.Tag, ordinal bool) string {
	rules := plural.Cardinal
	if ordinal {
		rules = plural.Ordinal
	}
	x := n.x
	if x < 0 {
		x = -x
	}
	scale := 1.0
	for range n.frac {
		scale *= 10
	}
	i := int(x)
	f := int((x-float64(i))*scale + 0.5)
	return categoryNames[rules.MatchPlural(tag, i%10000000, n.frac, n.frac, f, f)]
}

var printers sync.Map // language.Tag -> *message.Printer

// printer is the number printer of a language; a Printer copies itself for each call, so one
// serves every request.
func printer(tag language.Tag) *message.Printer {
	if p, ok := printers.Load(tag); ok {
		return p.(*message.Printer)
	}
	p := message.NewPrinter(tag)
	printers.Store(tag, p)
	return p
}

// FormatNumber writes a number in a language, with its visible fraction digits: "3,2" and
// "1 234" in French, "3.2" and "1,234" in English. A string that is not a number is returned
// as it is.
func FormatNumber(lang string, v any) string {
	n, ok := toNum(v)
	if !ok {
		return fmt.Sprint(v)
	}
	return n.format(tagOf(lang), "")
}

func (n num) format(tag language.Tag, style string) string {
	switch style {
	case "integer":
		return printer(tag).Sprint(number.Decimal(n.x, number.MaxFractionDigits(0)))
	case "percent":
		return printer(tag).Sprint(number.Percent(n.x))
	}
	return printer(tag).Sprint(number.Decimal(n.x, number.MinFractionDigits(n.frac), number.MaxFractionDigits(n.frac)))
}

// forced is an argument given to a plural as a branch to take and a text for #, not a number:
// how the pages hand a plural message to their script, one text per category.
type forced struct{ key, shown string }

// Format writes the message in a language with its arguments. An argument that is missing is
// left as {name}, so that a gap is seen; a plural given something that is not a number takes
// its other branch.
func (m *Message) Format(lang string, args map[string]any) string {
	if len(m.parts) == 1 && m.parts[0].kind == literal {
		return m.parts[0].text // most texts: nothing to format
	}
	var b strings.Builder
	format(&b, tagOf(lang), m.parts, args, nil)
	return b.String()
}

var tags sync.Map // string -> language.Tag

// tagOf is language.Make, which parses its argument each time, remembered: the pages format
// hundreds of texts for each request.
func tagOf(lang string) language.Tag {
	if t, ok := tags.Load(lang); ok {
		return t.(language.Tag)
	}
	t := language.Make(lang)
	tags.Store(lang, t)
	return t
}

// pluralNum is what # writes in a branch: the plural's number (less its offset), or the text
// it was given.
type pluralNum struct {
	n     num
	isNum bool
	text  string
}

func format(b *strings.Builder, tag language.Tag, parts []part, args map[string]any, hash *pluralNum) {
	for _, p := range parts {
		v, given := args[p.name]
		switch p.kind {
		case literal:
			b.WriteString(p.text)
		case pound:
			switch {
			case hash == nil:
				b.WriteByte('#')
			case hash.isNum:
				b.WriteString(hash.n.format(tag, ""))
			default:
				b.WriteString(hash.text)
			}
		case simple:
			if !given {
				b.WriteString("{" + p.name + "}")
				continue
			}
			b.WriteString(text(v))
		case numeric:
			if !given {
				b.WriteString("{" + p.name + "}")
				continue
			}
			if n, ok := toNum(v); ok {
				b.WriteString(n.format(tag, p.text))
			} else {
				b.WriteString(text(v))
			}
		case selectArg:
			key := text(v)
			c := p.branch(func(k string) bool { return given && k == key })
			format(b, tag, c.parts, args, hash)
		case pluralArg, ordinalArg:
			h := &pluralNum{text: "{" + p.name + "}"}
			var c *branch
			switch x := v.(type) {
			case forced:
				h.text = x.shown
				c = p.branch(func(k string) bool { return k == x.key })
			default:
				if given {
					h.text = text(v)
				}
				n, ok := toNum(v)
				if !given || !ok {
					c = p.branch(func(string) bool { return false })
					break
				}
				h.n, h.isNum = num{x: n.x - float64(p.offset), frac: n.frac}, true
				c = p.branch(func(k string) bool { return exactMatch(k, n.x) })
				if c.key == "other" {
					cat := h.n.form(tag, p.kind == ordinalArg)
					c = p.branch(func(k string) bool { return k == cat })
				}
			}
			format(b, tag, c.parts, args, h)
		}
	}
}

// branch is the first branch whose key matches, else the other branch (which a parsed plural
// or select always has).
func (p *part) branch(match func(string) bool) *branch {
	var other *branch
	for i := range p.cases {
		if match(p.cases[i].key) {
			return &p.cases[i]
		}
		if p.cases[i].key == "other" {
			other = &p.cases[i]
		}
	}
	return other
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case forced:
		return x.shown
	}
	return fmt.Sprint(v)
}
