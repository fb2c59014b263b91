package compiler

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/sheets"
)

// Diagnostic codes of the vital statistics: the population sheet and the events' and roles'
// statistics (besides references, field types and duplicates, reported with the codes of any
// other).
const (
	CodeStatistics       = "statistics"        // an event's or a role's statistics: periods, expected, events without statistics
	CodePopulationLayout = "population-layout" // a population sheet in neither layout
	CodePopulationYear   = "population-year"   // a year no population figure can be of
	CodePopulation       = "population"        // a figure that cannot be: negative, males and females not adding up
	CodeVitalRate        = "vital-rate"        // a crude birth or death rate no population has
	CodeAreaName         = "area-name"         // the sheet names an area otherwise than the areas sheet
	CodeNoPopulation     = "no-population"     // an area with offices and no figure
)

const (
	// A population figure is of a year between these: earlier is a typing slip (1023 for
	// 2023), and a projection further ahead than 2100 is no base for completeness.
	minPopulationYear, maxPopulationYear = 1900, 2100

	// Crude birth rates, per 1,000 people a year. National rates run from about 4.5 (the
	// Republic of Korea, 2023) to about 46 (Niger), and an area's may stray further from
	// them: 60 is above any population's, and a rate under 1 is a fraction (0.035) or a
	// percentage of a low rate (0.7%), never a rate per 1,000. Between 1 and 5, a rate may be
	// one of the few lowest in the world or a percentage (3.5% for 35 per 1,000): only the
	// author knows, and a warning asks.
	minBirthRate, lowBirthRate, maxBirthRate = 1.0, 5.0, 60.0
	// Crude death rates, per 1,000. National rates run from about 1 (Qatar, the United Arab
	// Emirates: young populations of migrant workers) to about 16 (Bulgaria, Lesotho); 40 is
	// reached only in famine and war. Under 1 is a fraction or a percentage.
	minDeathRate, maxDeathRate = 1.0, 40.0
	// Males and females may differ from the total by 1% of it: census tables count people
	// whose sex was not stated in the total alone, and projections round each figure on its
	// own. More is a figure typed in the wrong column or year.
	sexTolerance = 0.01
)

// wideColumn is a column of the wide layout: a figure and its year.
var wideColumn = regexp.MustCompile(`(?i)^(male_population|female_population|population|crude_birth_rate|crude_death_rate|expected_births|expected_deaths)_([0-9]+)$`)

// longColumns are the figures' columns of the long layout, with the wide layout's names.
var longColumns = map[string]string{"total": "population", "males": "male_population", "females": "female_population",
	"crudeBirthRate": "crude_birth_rate", "crudeDeathRate": "crude_death_rate", "expectedBirths": "expected_births", "expectedDeaths": "expected_deaths"}

// popCols are the columns of one year's figures; -1 for a column the sheet does not have.
type popCols struct{ total, males, females, birthRate, deathRate, births, deaths int }

func newPopCols() *popCols { return &popCols{-1, -1, -1, -1, -1, -1, -1} }

func (p *popCols) set(figure string, col int) {
	switch strings.ToLower(figure) {
	case "population":
		p.total = col
	case "male_population":
		p.males = col
	case "female_population":
		p.females = col
	case "crude_birth_rate":
		p.birthRate = col
	case "crude_death_rate":
		p.deathRate = col
	case "expected_births":
		p.births = col
	case "expected_deaths":
		p.deaths = col
	}
}

func (p *popCols) all() []int {
	return []int{p.total, p.males, p.females, p.birthRate, p.deathRate, p.births, p.deaths}
}

// population reads the package's population sheet, checks every figure at its cell, and warns
// of the areas with offices that no figure covers. It gives the bundle's figures, by area then
// year; nil when the package declares no statistics.
func (c *checker) population(tb *tables) *bundle.Statistics {
	st := c.pkg.Statistics
	if st == nil {
		return nil
	}
	out := &bundle.Statistics{Population: []bundle.Population{}, SuppressBelow: st.SuppressBelow}
	p := st.Population
	t := c.read(p.sheet, sheets.Columns{Pattern: regexp.MustCompile(`.`)})
	if t == nil {
		return out
	}
	layout := p.Layout
	if layout == "" {
		switch {
		case t.Col("year") >= 0:
			layout = "long"
		case slices.ContainsFunc(t.Header, wideColumn.MatchString):
			layout = "wide"
		default:
			c.l.Errorf(t.HeaderPos(-1), CodePopulationLayout, `set statistics.population.layout: "wide" or "long"`,
				"the population sheet has neither a year column (the long layout) nor population_YYYY columns (the wide layout)")
			return out
		}
	}
	pr := &popReader{c: c, tb: tb, t: t, first: map[string]diag.Pos{}, years: map[string]map[int]bool{}}
	if tb.areas != nil {
		pr.codes = make([]string, len(tb.sorted))
		for i, a := range tb.sorted {
			pr.codes[i] = a.code
		}
	}
	if layout == "wide" {
		pr.wide()
	} else {
		pr.long()
	}
	out.Population = pr.figures
	slices.SortFunc(out.Population, func(x, y bundle.Population) int {
		return cmp.Or(strings.Compare(x.Area, y.Area), cmp.Compare(x.Year, y.Year))
	})
	if len(tb.areas) > 0 {
		c.uncovered(tb, pr.years)
	}
	return out
}

// popReader reads the figures of a population sheet.
type popReader struct {
	c       *checker
	tb      *tables
	t       *sheets.Table
	codes   []string                // the areas' codes, for hints
	first   map[string]diag.Pos     // where each area (wide) or area and year (long) is first given
	years   map[string]map[int]bool // the years each area has a figure of
	figures []bundle.Population
}

func (pr *popReader) wide() {
	t, l := pr.t, pr.c.l
	t.CheckColumns(l, sheets.Columns{Required: []string{"adminPcode"}, Optional: []string{"name"}, Pattern: wideColumn,
		PatternDoc: "population_YYYY, male_population_YYYY, female_population_YYYY, crude_birth_rate_YYYY, crude_death_rate_YYYY, expected_births_YYYY, expected_deaths_YYYY"})
	byYear := map[int]*popCols{}
	for i, h := range t.Header {
		m := wideColumn.FindStringSubmatch(h)
		if m == nil || t.Col(h) != i {
			continue // not a figure, or a duplicate column (reported)
		}
		y, err := strconv.Atoi(m[2])
		if err != nil || y < minPopulationYear || y > maxPopulationYear {
			l.Errorf(t.HeaderPos(i), CodePopulationYear, "", "column %s is of year %s: population figures are of years from %d to %d",
				h, m[2], minPopulationYear, maxPopulationYear)
			continue
		}
		if byYear[y] == nil {
			byYear[y] = newPopCols()
		}
		byYear[y].set(m[1], i)
	}
	years := slices.Sorted(maps.Keys(byYear))
	for _, y := range years {
		if byYear[y].total < 0 {
			l.Errorf(t.HeaderPos(-1), "missing-column", fmt.Sprintf("every year needs its total: add population_%d", y),
				"missing column population_%d: the sheet has other figures of %d", y, y)
		}
	}
	code, name := t.Col("adminPcode"), t.Col("name")
	if code < 0 {
		return
	}
	for _, row := range t.Rows {
		k, ok := t.Required(l, row, code)
		if !ok {
			continue
		}
		if p, dup := pr.first[k]; dup {
			l.Errorf(t.Pos(row, code), CodeDuplicate, "", "area %s is given twice (first at %s)", k, p)
			continue
		}
		pr.first[k] = t.Pos(row, code)
		known := pr.area(row, code, name)
		for _, y := range years {
			pr.figure(row, k, known, y, byYear[y])
		}
	}
}

func (pr *popReader) long() {
	t, l := pr.t, pr.c.l
	optional := []string{"name"}
	for col := range longColumns {
		if col != "total" {
			optional = append(optional, col)
		}
	}
	slices.Sort(optional)
	t.CheckColumns(l, sheets.Columns{Required: []string{"area", "year", "total"}, Optional: optional})
	cols := newPopCols()
	for col, figure := range longColumns {
		cols.set(figure, t.Col(col))
	}
	code, year, name := t.Col("area"), t.Col("year"), t.Col("name")
	if code < 0 || year < 0 || cols.total < 0 {
		return
	}
	for _, row := range t.Rows {
		k, ok := t.Required(l, row, code)
		known := ok && pr.area(row, code, name)
		y, yok := 0, false
		if _, ok := t.Required(l, row, year); ok {
			y, yok = t.Int(l, row, year)
		}
		if yok && (y < minPopulationYear || y > maxPopulationYear) {
			l.Errorf(t.Pos(row, year), CodePopulationYear, "", "year %d: population figures are of years from %d to %d", y, minPopulationYear, maxPopulationYear)
			yok = false
		}
		if !ok || !yok {
			continue
		}
		key := k + "\x00" + strconv.Itoa(y)
		if p, dup := pr.first[key]; dup {
			l.Errorf(t.Pos(row, year), CodeDuplicate, "", "area %s has a second figure of %d (first at %s)", k, y, p)
			continue
		}
		pr.first[key] = t.Pos(row, year)
		pr.figure(row, k, known, y, cols)
	}
}

// area checks the area code of a row and, when the sheet has it, the name beside it. It
// reports whether the area exists.
func (pr *popReader) area(row sheets.Row, code, name int) bool {
	t, k := pr.t, pr.t.Cell(row, code)
	if pr.tb.areas == nil {
		return false // the areas sheet could not be read: reported
	}
	a, ok := pr.tb.areas[k]
	n := t.Cell(row, name)
	if !ok {
		named := ""
		if n != "" {
			named = fmt.Sprintf(" (%s)", n)
		}
		pr.c.l.Errorf(t.Pos(row, code), CodeUnknownRef, hintFor(k, pr.codes), "area %s%s is not an area of %s", k, named, pr.c.pkg.Places.Areas.File)
		return false
	}
	if n != "" && !sameName(n, a) {
		pr.c.l.Warnf(t.Pos(row, name), CodeAreaName, "check the code: the figures are counted for area "+k,
			"area %s is %q in %s, not %q", k, a.name, pr.c.pkg.Places.Areas.File, n)
	}
	return true
}

// sameName reports whether n is one of the area's names, case and spaces aside.
func sameName(n string, a *area) bool {
	if strings.EqualFold(strings.Join(strings.Fields(n), " "), strings.Join(strings.Fields(a.name), " ")) {
		return true
	}
	for _, name := range a.names {
		if strings.EqualFold(strings.Join(strings.Fields(n), " "), strings.Join(strings.Fields(name), " ")) {
			return true
		}
	}
	return false
}

// figure reads one area's figures of one year, from the columns given. A year whose cells are
// all blank is no figure (wide layout).
func (pr *popReader) figure(row sheets.Row, area string, known bool, year int, cols *popCols) {
	t, l := pr.t, pr.c.l
	if !slices.ContainsFunc(cols.all(), func(col int) bool { return t.Cell(row, col) != "" }) {
		return
	}
	count := func(col int) (int64, bool) {
		if col < 0 {
			return 0, false
		}
		n, ok := t.Int(l, row, col)
		if ok && n < 0 {
			l.Errorf(t.Pos(row, col), CodePopulation, "", "%s is %d: a number of people is 0 or more", t.Header[col], n)
			return 0, false
		}
		return int64(n), ok
	}
	decimal := func(col int) (float64, bool) {
		if col < 0 {
			return 0, false
		}
		f, ok := t.Float(l, row, col)
		if ok && f < 0 {
			l.Errorf(t.Pos(row, col), CodePopulation, "", "%s is %v: a number of people is 0 or more", t.Header[col], f)
			return 0, false
		}
		return f, ok
	}
	p := bundle.Population{Area: area, Year: year}
	var totalOK bool
	if _, ok := t.Required(l, row, cols.total); ok {
		p.Total, totalOK = count(cols.total)
	}
	males, mok := count(cols.males)
	females, fok := count(cols.females)
	p.Males, p.Females = males, females
	if totalOK && mok && fok {
		if diff := math.Abs(float64(males + females - p.Total)); diff > max(1, sexTolerance*float64(p.Total)) {
			l.Errorf(t.Pos(row, cols.total), CodePopulation, "",
				"area %s, %d: males and females add up to %d, not the total %d (%+d, more than 1%% of it)", area, year, males+females, p.Total, males+females-p.Total)
		}
	}
	birthRate, bok := decimal(cols.birthRate)
	if bok {
		pr.rate(row, cols.birthRate, area, year, "crude birth rate", birthRate, 0, 0, minBirthRate, lowBirthRate, maxBirthRate)
	}
	deathRate, dok := decimal(cols.deathRate)
	if dok {
		pr.rate(row, cols.deathRate, area, year, "crude death rate", deathRate, 0, 0, minDeathRate, minDeathRate, maxDeathRate)
	}
	if births, ok := decimal(cols.births); ok {
		p.ExpectedBirths = births
		if totalOK && p.Total > 0 {
			pr.rate(row, cols.births, area, year, "birth rate", births*1000/float64(p.Total), births, p.Total, minBirthRate, lowBirthRate, maxBirthRate)
		}
	} else if bok && totalOK {
		p.ExpectedBirths = birthRate * float64(p.Total) / 1000
	}
	if deaths, ok := decimal(cols.deaths); ok {
		p.ExpectedDeaths = deaths
		if totalOK && p.Total > 0 {
			pr.rate(row, cols.deaths, area, year, "death rate", deaths*1000/float64(p.Total), deaths, p.Total, minDeathRate, minDeathRate, maxDeathRate)
		}
	} else if dok && totalOK {
		p.ExpectedDeaths = deathRate * float64(p.Total) / 1000
	}
	if !known || !totalOK {
		return
	}
	if pr.years[area] == nil {
		pr.years[area] = map[int]bool{}
	}
	pr.years[area][year] = true
	pr.figures = append(pr.figures, p)
}

// rate checks a rate per 1,000 against the bounds of the constants above: an error outside
// [lowest, highest], a warning under low. what names the rate; count, when it is not 0, is the
// births or deaths expected that it was worked out from (a rate per 1,000 of the total).
func (pr *popReader) rate(row sheets.Row, col int, area string, year int, what string, r float64, count float64, total int64, lowest, low, highest float64) {
	pos := pr.t.Pos(row, col)
	hint, lowHint, of := "a rate is per 1,000 people a year: 32.5, not 0.0325 or 3.25%", "a rate is per 1,000 people a year: 32.5, not 3.25%", ""
	if count != 0 {
		of = fmt.Sprintf(" (%s of %s, a total of %d)", pr.t.Header[col], fmtRate(count), total)
		hint = pr.t.Header[col] + " is the number expected in the year in the whole area"
		lowHint = hint
	}
	switch {
	case r < lowest || r > highest:
		pr.c.l.Errorf(pos, CodeVitalRate, hint, "area %s, %d: a %s of %s per 1,000%s is outside what any population has (%g to %g)",
			area, year, what, fmtRate(r), of, lowest, highest)
	case r < low:
		pr.c.l.Warnf(pos, CodeVitalRate, lowHint, "area %s, %d: a %s of %s per 1,000%s is lower than almost any population's", area, year, what, fmtRate(r), of)
	}
}

func fmtRate(r float64) string { return strconv.FormatFloat(math.Round(r*100)/100, 'f', -1, 64) }

// uncovered warns, once for each area with offices, when the area has no population figure of
// any year, neither its own nor the sum of its children's: the registrations of its offices
// cannot be compared with the births and deaths expected there. The warning is at the first
// office of the area, in the offices sheet: that office is why the area needs a figure, and
// the warnings stand apart there rather than piled on the one line of the statistics
// declaration.
func (c *checker) uncovered(tb *tables, years map[string]map[int]bool) {
	children := map[string][]string{}
	for _, a := range tb.sorted {
		if a.parent != "" {
			children[a.parent] = append(children[a.parent], a.code)
		}
	}
	all := map[int]bool{}
	for _, ys := range years {
		for y := range ys {
			all[y] = true
		}
	}
	type key struct {
		area string
		year int
	}
	memo := map[key]bool{}
	var covered func(area string, year int, depth int) bool
	covered = func(area string, year int, depth int) bool {
		if years[area][year] {
			return true
		}
		kids := children[area]
		if len(kids) == 0 || depth > len(tb.sorted) { // depth: a cycle of areas, reported
			return false
		}
		k := key{area, year}
		if v, ok := memo[k]; ok {
			return v
		}
		v := true
		for _, ch := range kids {
			if !covered(ch, year, depth+1) {
				v = false
				break
			}
		}
		memo[k] = v
		return v
	}
	warned := map[string]bool{}
	file := c.pkg.Statistics.Population.File
	for _, o := range tb.officeRows {
		a, ok := tb.areas[o.area]
		if !ok || warned[o.area] {
			continue
		}
		warned[o.area] = true
		if slices.ContainsFunc(slices.Collect(maps.Keys(all)), func(y int) bool { return covered(o.area, y, 0) }) {
			continue
		}
		c.l.Warnf(o.pos, CodeNoPopulation, "add the area's figures, or its children's, to "+file,
			"area %s (%s) of office %s has no population figure in %s: the registrations there cannot be compared with the births and deaths expected",
			a.code, a.name, o.code, file)
	}
}

// eventStatistics checks an event's statistics: the statuses counted, the legal periods, and
// the fields the tables read. What it compiles goes into the bundle.
func (c *checker) eventStatistics(id string, ev event, byID map[string]fieldAt) {
	s := ev.Statistics
	if s == nil {
		return
	}
	at := func(path ...any) diag.Pos { return c.pos(append([]any{"events", id, "statistics"}, path...)...) }
	out := &bundle.EventStatistics{Counted: s.Counted, Expected: s.Expected, OnTimeDays: s.Timeliness.OnTime.Days, LateDays: s.Timeliness.Late.Days,
		Sex: s.Sex, MotherAge: s.MotherAge, BirthOrder: s.BirthOrder, Attendant: s.Attendant, Occurrence: s.Occurrence, Age: s.Age, Cause: s.Cause}
	seen := map[string]bool{}
	for i, st := range s.Counted {
		switch {
		case seen[st]:
			c.l.Errorf(at("counted", i), CodeDuplicate, "", "statistics: status %s is listed twice in counted", st)
		case !slices.Contains(ev.Workflow.Statuses, st):
			c.l.Errorf(at("counted", i), CodeUnknownRef, hintFor(st, ev.Workflow.Statuses), "statistics: event %s has no status %s", id, st)
		}
		seen[st] = true
	}
	if s.Expected != "" && c.pkg.Statistics == nil {
		c.l.Errorf(at("expected"), CodeStatistics, "declare the population: statistics: population: file: \"places/population.csv\"",
			"statistics: expected %s compares registrations with the %s the population figures expect, but the package has no population figures", s.Expected, s.Expected)
	}
	on, late := s.Timeliness.OnTime.Days, s.Timeliness.Late.Days
	for _, p := range []struct {
		key  string
		days int
	}{{"onTime", on}, {"late", late}} {
		if p.days < 1 {
			c.l.Errorf(at("timeliness", p.key, "days"), CodeStatistics, "", "statistics: timeliness.%s.days is %d: a period is 1 day or more", p.key, p.days)
		}
	}
	if on >= 1 && late >= 1 && on > late {
		c.l.Errorf(at("timeliness", "late", "days"), CodeStatistics, "both are counted from the event's date: late.days is the longer",
			"statistics: the late period (%d days) ends before the on-time period (%d days)", late, on)
	}
	choice, number, text := []string{"select", "radio"}, []string{"number"}, []string{"text"}
	for _, f := range []struct {
		key, ref, want string
		types          []string
	}{
		{"sex", s.Sex, "a select or radio field", choice},
		{"motherAge", s.MotherAge, "a number field", number},
		{"birthOrder", s.BirthOrder, "a number field", number},
		{"attendant", s.Attendant, "a select or radio field", choice},
		{"occurrence", s.Occurrence, "a select or radio field", choice},
		{"age", s.Age, "a number field", number},
		{"cause", s.Cause, "a text field", text},
	} {
		if f.ref == "" {
			continue
		}
		fa, ok := byID[f.ref]
		if !ok {
			var fit []string
			for fid, fa := range byID {
				if slices.Contains(f.types, fa.Type) {
					fit = append(fit, fid)
				}
			}
			slices.Sort(fit)
			c.l.Errorf(at(f.key), CodeUnknownRef, hintFor(f.ref, fit), "statistics: %s %s is not a field of event %s", f.key, f.ref, id)
			continue
		}
		if !slices.Contains(f.types, fa.Type) {
			c.l.Errorf(at(f.key), CodeWrongFieldType, "", "statistics: %s needs %s; %s is a %s field", f.key, f.want, f.ref, fa.Type)
		}
	}
	c.stats[id] = out
}
