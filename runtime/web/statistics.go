package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

// The statistics page: an area's year of an event, read from the store's counts (never from
// records), drawn on the server — bars as SVG, each chart with its data table beneath for
// screen readers, completeness by area as a shaded table whose rows lead down a level — in
// the user's language, with numbers as the language writes them. No script is needed. The
// exports (XLSX, CSV) are the same report with small counts suppressed, for people outside
// the register.

type statsCell struct {
	Text  string
	Class string // a band of completeness, for shading
}

type statsRow struct {
	Label string
	Href  string // where the row leads (an area's own page), or ""
	Cells []statsCell
	Total bool // the totals of a tabulation, set off from its rows
}

// statsTable is a table as the page shows it: a caption, the columns' headings, the rows
// with their heading first.
type statsTable struct {
	ID      string
	Caption string
	Corner  string
	Columns []string
	Rows    []statsRow
	Chart   template.HTML // drawn above the table, when the table is a chart's data
}

type statsLink struct {
	Label, Href string
	Current     bool
}

// report reads the report asked for: the event of the path, the area and year of the query
// (the actor's own area and this year when none is), and the labels of the user's language.
// A refusal has been shown when ok is false.
func (s *Server) report(rq *request) (rep *stats.Report, l *stats.Labels, ok bool) {
	q := stats.Query{Event: rq.r.PathValue("event"), Area: rq.r.URL.Query().Get("area"),
		Year: time.Now().In(s.Records.Model.Loc).Year()}
	if y := rq.r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			s.problem(rq, http.StatusBadRequest, "ui.error.badRequest")
			return nil, nil, false
		}
		q.Year = n
	}
	rep, err := s.Records.Statistics(rq.r.Context(), rq.actor, q)
	if err != nil {
		s.fail(rq, err)
		return nil, nil, false
	}
	return rep, s.Records.Model.Stats.Labels(q.Event, s.Catalog, rq.lang), true
}

// statistics sends a user to the statistics of the first event they read.
func (s *Server) statisticsHome(rq *request) {
	events := s.Records.StatisticsEvents(rq.actor)
	if len(events) == 0 {
		s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
		return
	}
	http.Redirect(rq.w, rq.r, "/statistics/"+url.PathEscape(events[0]), http.StatusSeeOther)
}

// statistics shows an area's year of an event.
func (s *Server) statistics(rq *request) {
	rep, l, ok := s.report(rq)
	if !ok {
		return
	}
	rtl := i18n.RightToLeft(rq.lang)
	here := func(area string, year int) string {
		v := url.Values{}
		if area != "" {
			v.Set("area", area)
		}
		v.Set("year", strconv.Itoa(year))
		return "/statistics/" + url.PathEscape(rep.Event) + "?" + v.Encode()
	}

	// The way back up: the user's own area (or the nation) and each level down to here.
	scope, _ := s.Records.StatisticsArea(rq.actor, rep.Event)
	var trail []statsLink
	if scope == "" {
		trail = append(trail, statsLink{Label: l.Area(""), Href: here("", rep.Year), Current: rep.Area == ""})
	}
	for _, a := range append(slices.Clone(rep.Parents), rep.Area) {
		if a == "" || (scope != "" && !slices.Contains(s.Records.Model.AreasOf(a), scope)) {
			continue
		}
		trail = append(trail, statsLink{Label: l.Area(a), Href: here(a, rep.Year), Current: a == rep.Area})
	}

	var events []statsLink
	for _, ev := range s.Records.StatisticsEvents(rq.actor) {
		events = append(events, statsLink{Label: s.Catalog.Text(rq.lang, s.Records.Model.Events[ev].Label),
			Href: "/statistics/" + url.PathEscape(ev) + "?" + url.Values{"area": {rep.Area}, "year": {strconv.Itoa(rep.Year)}}.Encode(), Current: ev == rep.Event})
	}
	var years []statsLink
	now := time.Now().In(s.Records.Model.Loc).Year()
	for y := now; y >= now-9; y-- {
		years = append(years, statsLink{Label: strconv.Itoa(y), Href: here(rep.Area, y), Current: y == rep.Year})
	}

	// The summary: registered, expected, completeness, timeliness, by sex.
	summary := statsTable{ID: "summary", Caption: l.Text("stats.summary"), Corner: l.Text("stats.area"), Columns: []string{l.Area(rep.Area)}}
	add := func(label, text string) {
		summary.Rows = append(summary.Rows, statsRow{Label: label, Cells: []statsCell{{Text: text}}})
	}
	add(l.Text("stats.registered"), l.Int(rep.Registered))
	for _, kc := range rep.BySex {
		add(l.Text("stats.pair", "name", l.Dimension(stats.DimSex), "value", l.Key(stats.DimSex, kc.Key)), l.Int(kc.Count))
	}
	if rep.Expected != nil {
		add(l.Text("stats.expected"), l.Decimal(*rep.Expected))
	}
	if rep.Completeness != nil {
		summary.Rows = append(summary.Rows, statsRow{Label: l.Text("stats.completeness"),
			Cells: []statsCell{{Text: l.Percent(rep.Completeness), Class: stats.Shade(rep.Completeness).Class}}})
	}
	if t := rep.Timeliness; t != nil {
		for _, p := range []struct {
			key   string
			n     int64
			share *float64
		}{{stats.OnTime, t.OnTime, t.OnTimeShare}, {stats.Late, t.Late, t.LateShare}, {stats.Delayed, t.Delayed, t.DelayedShare}} {
			text := l.Int(p.n)
			if p.share != nil {
				text += " (" + l.Percent(p.share) + ")"
			}
			add(l.Key(stats.DimTimeliness, p.key), text)
		}
	}

	// Registrations by month: the chart, and its data beneath.
	chart := l.MonthChart("chart-months", rep)
	chart.RightToLeft = rtl
	months := statsTable{ID: "months", Caption: chart.Title, Corner: l.Dimension(stats.DimMonth),
		Columns: []string{l.Text("stats.registered")}, Chart: template.HTML(chart.SVG())}
	for i, n := range rep.Months {
		months.Rows = append(months.Rows, statsRow{Label: l.Key(stats.DimMonth, fmt.Sprintf("%02d", i+1)), Cells: []statsCell{{Text: l.Int(n)}}})
	}
	quarters := statsTable{ID: "quarters", Caption: l.Text("ui.stats.quarters"), Corner: l.Text("ui.stats.quarter"), Columns: []string{l.Text("stats.registered")}}
	for i, n := range rep.Quarters {
		quarters.Rows = append(quarters.Rows, statsRow{Label: l.Text("ui.stats.q", "n", strconv.Itoa(i+1)), Cells: []statsCell{{Text: l.Int(n)}}})
	}

	// Completeness by area, shaded, each area leading a level down.
	areas := statsTable{ID: "areas", Caption: l.Text("stats.children"), Corner: l.Text("stats.area"),
		Columns: []string{l.Text("stats.registered"), l.Text("stats.expected"), l.Text("stats.completeness")}}
	for _, c := range rep.Children {
		row := statsRow{Label: l.Child(c), Href: here(c.Area, rep.Year)}
		expected := ""
		if c.Expected != nil {
			expected = l.Decimal(*c.Expected)
		}
		band := stats.Shade(c.Completeness)
		completeness := l.Percent(c.Completeness)
		if completeness == "" {
			completeness = l.Text(band.Legend)
		}
		row.Cells = []statsCell{{Text: l.Int(c.Registered)}, {Text: expected}, {Text: completeness, Class: band.Class}}
		areas.Rows = append(areas.Rows, row)
	}
	var legend []statsCell
	for _, b := range stats.Bands {
		legend = append(legend, statsCell{Text: l.Text(b.Legend), Class: b.Class})
	}

	// The tabulations, each with its totals.
	var tables []statsTable
	for i := range rep.Tables {
		t := &rep.Tables[i]
		if t.ID == stats.TableRegistrations {
			continue // the months' chart and table above, and the summary by sex
		}
		st := statsTable{ID: "table-" + t.ID, Caption: l.Table(t), Corner: l.Dimension(t.Row)}
		for _, c := range t.Columns {
			st.Columns = append(st.Columns, l.Key(t.Column, c))
		}
		st.Columns = append(st.Columns, l.Text("stats.total"))
		for r, key := range t.Rows {
			row := statsRow{Label: l.Key(t.Row, key)}
			for c := range t.Columns {
				row.Cells = append(row.Cells, statsCell{Text: l.Int(t.Counts[r][c])})
			}
			row.Cells = append(row.Cells, statsCell{Text: l.Int(t.RowTotals[r])})
			st.Rows = append(st.Rows, row)
		}
		total := statsRow{Label: l.Text("stats.total"), Total: true}
		for _, n := range t.ColumnTotals {
			total.Cells = append(total.Cells, statsCell{Text: l.Int(n)})
		}
		total.Cells = append(total.Cells, statsCell{Text: l.Int(t.Total)})
		st.Rows = append(st.Rows, total)
		tables = append(tables, st)
	}

	exports := url.Values{"year": {strconv.Itoa(rep.Year)}}
	if rep.Area != "" {
		exports.Set("area", rep.Area)
	}
	base := "/statistics/" + url.PathEscape(rep.Event) + "/export."
	title := l.Text("ui.stats.title", "event", l.Event(), "area", l.Area(rep.Area), "year", strconv.Itoa(rep.Year))
	s.render(rq.w, rq.r, http.StatusOK, "statistics", struct {
		view
		// StatEvents, not Events: that would hide the layout's view.Events (the events the
		// user declares, which the layout's menu lists) and fail every page.
		StatEvents, Years, Trail []statsLink
		Summary, Months          statsTable
		Quarters, Areas          statsTable
		Legend                   []statsCell
		Tables                   []statsTable
		XLSX, CSV, JSON          string
		Suppressed               string
		ChildrenOmitted          int
		Empty                    bool
	}{s.newView(rq.lang, title, rq), events, years, trail, summary, months, quarters, areas, legend, tables,
		base + "xlsx?" + exports.Encode(), base + "csv?" + exports.Encode(),
		"/api/v1/statistics/" + url.PathEscape(rep.Event) + "?" + exports.Encode(),
		suppressedNote(l, s.Records.Model.Stats.SuppressBelow()), rep.ChildrenOmitted, rep.Registered == 0})
}

func suppressedNote(l *stats.Labels, below int) string {
	if below <= 1 {
		return ""
	}
	return l.Text("stats.suppressed.note", "max", strconv.Itoa(below-1))
}

// statisticsExport sends the report as XLSX or CSV, its small counts suppressed.
func (s *Server) statisticsExport(rq *request) {
	rep, l, ok := s.report(rq)
	if !ok {
		return
	}
	area := rep.Area
	if area == "" {
		area = s.Records.Model.Bundle.Country.Code
	}
	name := fmt.Sprintf("%s-%s-%d", rep.Event, area, rep.Year)
	var b bytes.Buffer
	var err error
	h := rq.w.Header()
	switch rq.r.PathValue("file") {
	case "export.xlsx":
		err = s.Records.Model.Stats.WriteXLSX(&b, rep, l)
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	case "export.csv":
		err = s.Records.Model.Stats.WriteCSV(&b, rep, l)
		h.Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	default:
		s.problem(rq, http.StatusNotFound, "ui.error.notFound")
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rq.w.Write(b.Bytes())
}
