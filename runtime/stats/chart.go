package stats

import (
	"fmt"
	"html"
	"strings"
)

// Bar is one bar of a chart: its label and its value's text given already translated and
// formatted (Labels.Key, Labels.Int...), the value itself for its length.
type Bar struct {
	Label string
	Value float64
	Text  string
}

// BarChart is a chart of labelled values drawn as horizontal bars, each under its label: long
// labels (area names, ICD-10 chapters) and a dozen bars stay readable at a phone's width, and
// it needs no script, no font metrics and no framework.
type BarChart struct {
	// ID names the chart's title and description for aria-labelledby: unique in its page.
	ID    string
	Title string
	Desc  string // what the chart shows, for readers who do not see it
	Bars  []Bar
	// RightToLeft draws the bars from the right, for Arabic, Hebrew...
	RightToLeft bool
}

// The chart's geometry, in the units of its viewBox: it scales to the width of its container.
// The width is about a phone's, so that its text keeps about the size it is drawn at there
// (600 units shrank 15-unit labels to 8 px in a 360 px screen); a wider page caps the figure's
// width (app.css) rather than scale the text up without end.
const (
	chartWidth = 360
	chartTop   = 8
	rowHeight  = 46
	barHeight  = 18
	labelSize  = 15
)

// SVG is the chart as an <svg> element to put in a page: role="img", labelled by its
// <title> and described by its <desc>, every text escaped.
func (c BarChart) SVG() string {
	id := chartID(c.ID)
	height := chartTop*2 + rowHeight*len(c.Bars)
	max := 0.0
	for _, b := range c.Bars {
		if b.Value > max {
			max = b.Value
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart" role="img" aria-labelledby="%[1]s-title %[1]s-desc" viewBox="0 0 %[2]d %[3]d" width="100%%" preserveAspectRatio="xMinYMin meet" font-family="sans-serif">`,
		id, chartWidth, height)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, text(c.Title), id, text(c.Desc))
	// Room at the end of the longest bar for its value's text.
	room := chartWidth * 0.78
	for i, b := range c.Bars {
		y := chartTop + i*rowHeight
		w := 0.0
		if max > 0 && b.Value > 0 {
			w = b.Value / max * room
		}
		x, anchor, tx := 0.0, "start", w+6
		lx := 0.0
		if c.RightToLeft {
			x, anchor, tx, lx = chartWidth-w, "end", chartWidth-w-6, chartWidth
		}
		fmt.Fprintf(&sb, `<g class="stats-bar"><text x="%g" y="%d" font-size="%d" text-anchor="%s">%s</text>`, lx, y+labelSize, labelSize, anchor, text(b.Label))
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#2b6cb0"/>`, x, y+labelSize+5, w, barHeight)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="%d" text-anchor="%s">%s</text></g>`, tx, y+labelSize+5+barHeight-4, labelSize, anchor, text(b.Text))
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// text escapes a text for HTML and XML, and leaves out the characters XML cannot hold
// (control characters but tab and newlines, lone surrogates, U+FFFE, U+FFFF).
func text(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return html.EscapeString(s)
}

// chartID keeps the letters, digits, hyphens and underscores of an id ("chart" if none).
func chartID(s string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
	if out == "" {
		return "chart"
	}
	return out
}

// MonthChart is the chart of a report's registrations by month, in the labels' language.
func (l *Labels) MonthChart(id string, r *Report) BarChart {
	c := BarChart{
		ID:    id,
		Title: l.Text("stats.chart.months", "event", l.Event(), "area", l.Area(r.Area), "year", fmt.Sprint(r.Year)),
	}
	var desc []string
	for i, n := range r.Months {
		label := l.Key(DimMonth, fmt.Sprintf("%02d", i+1))
		c.Bars = append(c.Bars, Bar{Label: label, Value: float64(n), Text: l.Int(n)})
		desc = append(desc, l.Text("stats.pair", "name", label, "value", l.Int(n)))
	}
	c.Desc = strings.Join(desc, "; ")
	return c
}
