package stats

import (
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/crvsctl/crvsctl/i18n"
)

// Labels name the keys of an event's reports in one language, and write their numbers as the
// language does (golang.org/x/text/number, from CLDR: "1,234" in English, "1 234" in French).
// Option labels are the bundle's translations; the groups, timeliness, ICD-10 chapters and
// headings are crvsctl's messages (the "stats." keys of i18n/messages.csv), which a package
// may reword like any other.
type Labels struct {
	s       *Stats
	e       *event // nil: an event without statistics; keys are named as they are
	catalog *i18n.Catalog
	lang    string
	printer *message.Printer
}

// Labels are the labels of an event's reports in lang, read from a catalog of the bundle
// (i18n.New with its languages and translations).
func (s *Stats) Labels(event string, c *i18n.Catalog, lang string) *Labels {
	return &Labels{s: s, e: s.events[event], catalog: c, lang: lang, printer: message.NewPrinter(language.Make(lang))}
}

// Lang is the labels' language.
func (l *Labels) Lang() string { return l.lang }

// Text is a message of the catalog in the labels' language.
func (l *Labels) Text(key string, args ...string) string { return l.catalog.Text(l.lang, key, args...) }

// Event is the event's name.
func (l *Labels) Event() string {
	if l.e == nil {
		return ""
	}
	return l.Text(l.e.ev.Label)
}

// Area is an area's name ("" the nation: the country's name).
func (l *Labels) Area(code string) string {
	if code == "" || code == Nation {
		return l.Text(l.s.b.Country.Name)
	}
	a := l.s.areas[code]
	if a == nil {
		return code
	}
	if n := a.Names[l.lang]; n != "" {
		return n
	}
	return a.Name
}

// Child is the name of a child area of a report, marked when the area did not exist during
// the report's year (AreaFigures.OutOfTime).
func (l *Labels) Child(c AreaFigures) string {
	if c.OutOfTime {
		return l.Text("stats.outOfTime", "area", l.Area(c.Area))
	}
	return l.Area(c.Area)
}

// Table is a table's title: its rows' dimension × its columns'.
func (l *Labels) Table(t *Table) string {
	return l.Text("stats.by", "rows", l.Dimension(t.Row), "columns", l.Dimension(t.Column))
}

// Dimension is the name of a dimension: the field's label for a choice, else crvsctl's.
func (l *Labels) Dimension(dim string) string {
	if l.e != nil {
		if d := l.e.dims[dim]; d != nil && d.label != "" {
			return l.Text(d.label)
		}
	}
	return l.Text("stats.dim." + dim)
}

// Key is the label of a key of a dimension. A key the bundle does not know (an option of an
// earlier bundle) is shown as it is.
func (l *Labels) Key(dim, key string) string {
	if key == NotStated {
		return l.Text("stats." + key)
	}
	switch dim {
	case DimTimeliness, DimAll:
		return l.Text("stats." + key)
	case DimMonth:
		if m, err := strconv.Atoi(key); err == nil && m >= 1 && m <= 12 {
			return l.Text("month." + strconv.Itoa(m))
		}
	case DimCause:
		if key == UnknownCode {
			return l.Text("stats." + key)
		}
		for _, c := range icdChapters {
			if c.key == key {
				return l.Text("stats.icd." + key)
			}
		}
	case DimMotherAge, DimAge, DimBirthOrder:
		return l.group(key)
	default:
		if l.e != nil {
			if d := l.e.dims[dim]; d != nil && d.labels[key] != "" {
				return l.Text(d.labels[key])
			}
		}
	}
	return key
}

// group is the label of a group's key: "<15" under 15, "15-19" 15–19, "50+" 50 and over.
func (l *Labels) group(key string) string {
	n := func(s string) string {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return s
		}
		return l.Int(v)
	}
	switch {
	case strings.HasPrefix(key, "<"):
		return l.Text("stats.under", "n", n(key[1:]))
	case strings.HasSuffix(key, "+"):
		return l.Text("stats.and-over", "n", n(key[:len(key)-1]))
	}
	if from, to, ok := strings.Cut(key, "-"); ok {
		return l.Text("stats.between", "from", n(from), "to", n(to))
	}
	return n(key)
}

// Int writes a count: 12,345 in English, 12 345 in French.
func (l *Labels) Int(n int64) string { return l.printer.Sprint(number.Decimal(n)) }

// Decimal writes a number with at most one decimal: expected births.
func (l *Labels) Decimal(x float64) string {
	return l.printer.Sprint(number.Decimal(x, number.MaxFractionDigits(1)))
}

// Percent writes a ratio as a percentage with at most one decimal (0.873: 87.3%); "" for nil.
func (l *Labels) Percent(x *float64) string {
	if x == nil {
		return ""
	}
	return l.printer.Sprint(number.Percent(*x, number.MaxFractionDigits(1)))
}

// Band is a band of completeness, for shading a table of areas: Class is a CSS class
// ("stats-band-0" lowest to "stats-band-3", "stats-band-none" unknown), Colour its fill (a
// sequential palette, dark text readable on each), Legend the translation key of its legend.
type Band struct {
	Class  string
	Colour string
	Legend string
}

// Bands are the bands of completeness, lowest first, then unknown: under 50 %, 50–74 %,
// 75–89 %, 90 % and over (the UN's threshold of complete registration), and no figures.
var Bands = []Band{
	{"stats-band-0", "#fde0dd", "stats.band.0"},
	{"stats-band-1", "#fdd49e", "stats.band.1"},
	{"stats-band-2", "#d9f0a3", "stats.band.2"},
	{"stats-band-3", "#78c679", "stats.band.3"},
	{"stats-band-none", "#f0f0f0", "stats.band.none"},
}

// Shade is the band of a completeness ratio (nil: unknown).
func Shade(completeness *float64) Band {
	switch c := completeness; {
	case c == nil:
		return Bands[4]
	case *c < 0.5:
		return Bands[0]
	case *c < 0.75:
		return Bands[1]
	case *c < 0.9:
		return Bands[2]
	}
	return Bands[3]
}
