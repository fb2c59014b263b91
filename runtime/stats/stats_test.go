package stats_test

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/stats"
)

// The expectations below are worked out from the fixture's records with plain code, one
// record at a time, as a clerk with the register would count: none of it calls the package.

var parents = map[string]string{"D11": "P1", "D12": "P1", "D21": "P2", "V211": "D21"}

func within(place, area string) bool {
	for a := place; a != ""; a = parents[a] {
		if a == area {
			return true
		}
	}
	return area == ""
}

func counted(r record) bool {
	ok := r.Status == "registered" || (r.Event == "birth" && r.Status == "certified")
	return ok && (r.Number != "" || !r.Registered.IsZero())
}

func oneOf(v any, values ...string) string {
	s, _ := v.(string)
	if slices.Contains(values, s) {
		return s
	}
	return "not-stated"
}

func timelinessOf(date string, registered time.Time) string {
	if registered.IsZero() {
		return "not-stated"
	}
	d, _ := time.Parse(time.DateOnly, date)
	local := registered.In(addis)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	days := int(day.Sub(d) / (24 * time.Hour))
	switch {
	case days < 0:
		return "not-stated"
	case days <= 30:
		return "on-time"
	case days <= 365:
		return "late"
	}
	return "delayed"
}

func motherAgeOf(v any) string {
	n, ok := v.(float64)
	switch a := int(n); {
	case !ok:
		return "not-stated"
	case a < 15:
		return "<15"
	case a >= 50:
		return "50+"
	default:
		lo := a - a%5
		return fmt.Sprintf("%d-%d", lo, lo+4)
	}
}

func orderOf(v any) string {
	n, ok := v.(float64)
	switch {
	case !ok || n < 1:
		return "not-stated"
	case n >= 10:
		return "10+"
	}
	return strconv.Itoa(int(n))
}

func deathAgeOf(v any) string {
	n, ok := v.(float64)
	switch a := int(n); {
	case !ok:
		return "not-stated"
	case a < 1:
		return "<1"
	case a < 5:
		return "1-4"
	case a >= 85:
		return "85+"
	default:
		lo := a - a%5
		return fmt.Sprintf("%d-%d", lo, lo+4)
	}
}

var causeOf = map[string]string{
	"A09": "I", "I21.9": "IX", "c50": "II", " J18.9 ": "X", "R99": "XVIII", "U07.1": "XXII", "X99": "XX",
	"": "not-stated", "D49": "unknown-code", "123": "unknown-code", "V00": "unknown-code", "Z99.9": "XXI",
}

// expected are the tables of an area's year, counted from the records: table -> [row, column]
// -> count; the registrations table's rows are months.
func expected(records []record, event, area string, year int) map[string]map[[2]string]int64 {
	out := map[string]map[[2]string]int64{}
	add := func(table, row, col string) {
		if out[table] == nil {
			out[table] = map[[2]string]int64{}
		}
		out[table][[2]string{row, col}]++
	}
	for _, r := range records {
		if r.Event != event {
			continue
		}
		a := r.Answers
		dateField, sexField := "child.dob", "child.sex"
		if event == "death" {
			dateField, sexField = "death.date", "deceased.sex"
		}
		date := a[dateField].(string)
		if !counted(r) || !within(r.place, area) || date[:4] != strconv.Itoa(year) {
			continue
		}
		sex := oneOf(a[sexField], "female", "male")
		add("registrations", date[5:7], sex)
		add("timeliness", timelinessOf(date, r.Registered), sex)
		if event == "birth" {
			add("occurrence", oneOf(a["child.placeType"], "health-facility", "home"), oneOf(a["child.attendant"], "doctor", "midwife", "none"))
			add("mother-age", motherAgeOf(a["mother.age"]), sex)
			add("birth-order", orderOf(a["child.order"]), motherAgeOf(a["mother.age"]))
		} else {
			add("occurrence", oneOf(a["death.placeType"], "health-facility", "home"), sex)
			add("age", deathAgeOf(a["death.age"]), sex)
			add("cause", causeOf[a["death.cause"].(string)], sex)
		}
	}
	return out
}

func TestTabulate(t *testing.T) {
	s, _ := newStats(t)
	records := append(fixture("birth", 3000, 1), fixture("death", 2000, 2)...)
	all := counts(s, records)
	for _, q := range []stats.Query{
		{Event: "birth", Year: 2025}, {Event: "birth", Area: "P1", Year: 2025}, {Event: "birth", Area: "D11", Year: 2025},
		{Event: "birth", Area: "P2", Year: 2024}, {Event: "birth", Area: "V211", Year: 2025}, {Event: "birth", Area: "P3", Year: 2025},
		{Event: "birth", Year: 2023},
		{Event: "death", Year: 2025}, {Event: "death", Area: "D21", Year: 2025}, {Event: "death", Area: "P1", Year: 2024},
	} {
		t.Run(fmt.Sprintf("%s/%s/%d", q.Event, q.Area, q.Year), func(t *testing.T) {
			prefixes, err := s.Prefixes(q)
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Tabulate(q, read(all, prefixes))
			if err != nil {
				t.Fatal(err)
			}
			want := expected(records, q.Event, q.Area, q.Year)
			wantTables := []string{"registrations", "timeliness", "occurrence", "mother-age", "birth-order"}
			if q.Event == "death" {
				wantTables = []string{"registrations", "timeliness", "occurrence", "age", "cause"}
			}
			var got []string
			for _, tab := range r.Tables {
				got = append(got, tab.ID)
			}
			if !slices.Equal(got, wantTables) {
				t.Fatalf("tables %v, want %v", got, wantTables)
			}
			var total int64
			for _, n := range want["registrations"] {
				total += n
			}
			if total == 0 && q.Year == 2025 {
				t.Fatal("the fixture has no record here: the test proves nothing")
			}
			if r.Registered != total {
				t.Errorf("registered %d, want %d", r.Registered, total)
			}
			for _, tab := range r.Tables {
				var sum int64
				for i, row := range tab.Rows {
					var rowSum int64
					for j, col := range tab.Columns {
						if w := want[tab.ID][[2]string{row, col}]; tab.Counts[i][j] != w {
							t.Errorf("%s[%s][%s] = %d, want %d", tab.ID, row, col, tab.Counts[i][j], w)
						}
						rowSum += tab.Counts[i][j]
					}
					if tab.RowTotals[i] != rowSum {
						t.Errorf("%s: row total of %s %d, its cells sum to %d", tab.ID, row, tab.RowTotals[i], rowSum)
					}
					sum += rowSum
				}
				if sum != total || tab.Total != total {
					t.Errorf("%s: cells sum to %d, total %d, want %d (a count outside the declared keys?)", tab.ID, sum, tab.Total, total)
				}
			}
			// By month, quarter and sex.
			var quarters [4]int64
			for m := 1; m <= 12; m++ {
				var n int64
				for k, c := range want["registrations"] {
					if k[0] == fmt.Sprintf("%02d", m) {
						n += c
					}
				}
				if r.Months[m-1] != n {
					t.Errorf("month %d: %d, want %d", m, r.Months[m-1], n)
				}
				quarters[(m-1)/3] += n
			}
			if r.Quarters != quarters {
				t.Errorf("quarters %v, want %v", r.Quarters, quarters)
			}
			for _, ks := range r.BySex {
				var n int64
				for k, c := range want["registrations"] {
					if k[1] == ks.Key {
						n += c
					}
				}
				if ks.Count != n {
					t.Errorf("sex %s: %d, want %d", ks.Key, ks.Count, n)
				}
			}
			// Children: their registrations, counted from the records.
			for _, c := range r.Children {
				var n int64
				for k, v := range expected(records, q.Event, c.Area, q.Year)["registrations"] {
					_ = k
					n += v
				}
				if c.Registered != n {
					t.Errorf("child %s: %d, want %d", c.Area, c.Registered, n)
				}
			}
			// Timeliness shares.
			if tl := r.Timeliness; tl != nil {
				var on, late, del int64
				for k, c := range want["timeliness"] {
					switch k[0] {
					case "on-time":
						on += c
					case "late":
						late += c
					case "delayed":
						del += c
					}
				}
				if tl.OnTime != on || tl.Late != late || tl.Delayed != del {
					t.Errorf("timeliness %d/%d/%d, want %d/%d/%d", tl.OnTime, tl.Late, tl.Delayed, on, late, del)
				}
				if k := on + late + del; k > 0 && math.Abs(*tl.OnTimeShare-float64(on)/float64(k)) > 1e-12 {
					t.Errorf("on-time share %v, want %v", *tl.OnTimeShare, float64(on)/float64(k))
				}
			}
		})
	}
}

func TestChildrenAndParents(t *testing.T) {
	s, _ := newStats(t)
	r, err := s.Tabulate(stats.Query{Event: "birth", Area: "V211", Year: 2025}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Parents, []string{"P2", "D21"}) || len(r.Children) != 0 {
		t.Errorf("V211: parents %v, children %v", r.Parents, r.Children)
	}
	r, _ = s.Tabulate(stats.Query{Event: "birth", Year: 2025}, nil)
	var kids []string
	for _, c := range r.Children {
		kids = append(kids, c.Area+" "+strconv.FormatBool(c.HasChildren))
	}
	if !slices.Equal(kids, []string{"P1 true", "P2 true", "P3 false"}) || len(r.Parents) != 0 {
		t.Errorf("nation: children %v parents %v", kids, r.Parents)
	}
}

// TestChildrenAtThePlaceLevel: when the place field asks for a district, no record counts
// in an area below one, so a district (or an area within it) has no children to show, all
// empty whatever was registered, and is not offered as one to drill into.
func TestChildrenAtThePlaceLevel(t *testing.T) {
	b := testBundle()
	b.Events[0].Pages[0].Fields[2].Level = "district" // child.district
	s, err := stats.New(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, area := range []string{"D21", "V211"} {
		r, err := s.Tabulate(stats.Query{Event: "birth", Area: area, Year: 2025}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Children) != 0 {
			t.Errorf("%s: children %v", area, r.Children)
		}
		p, _ := s.Prefixes(stats.Query{Event: "birth", Area: area, Year: 2025})
		if len(p) != len(r.Tables) {
			t.Errorf("%s: %d prefixes for %d tables", area, len(p), len(r.Tables))
		}
	}
	r, _ := s.Tabulate(stats.Query{Event: "birth", Area: "P2", Year: 2025}, nil)
	if len(r.Children) != 1 || r.Children[0].Area != "D21" || r.Children[0].HasChildren {
		t.Errorf("P2: children %+v, want D21 without children", r.Children)
	}
	// Deaths are placed by office, whose area may be of any level: a district has its children.
	r, _ = s.Tabulate(stats.Query{Event: "death", Area: "D21", Year: 2025}, nil)
	if len(r.Children) != 1 || r.Children[0].Area != "V211" {
		t.Errorf("deaths in D21: children %+v", r.Children)
	}
}

func TestPopulation(t *testing.T) {
	s, _ := newStats(t)
	f := func(x *float64) string {
		if x == nil {
			return "nil"
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	}
	for _, tt := range []struct {
		event, area string
		year        int
		want        string
	}{
		{"birth", "D11", 2025, "100"},
		{"birth", "P1", 2025, "150"},  // no row: D11 + D12
		{"birth", "P2", 2025, "40"},   // its own row, not its children's 30
		{"birth", "P3", 2025, "nil"},  // no row, no children
		{"birth", "", 2025, "nil"},    // P3 unknown, so the nation too
		{"birth", "P2", 2024, "12.5"}, // V211 -> D21 -> P2, recursively
		{"birth", "P1", 2024, "nil"},  // D12 has no row in 2024
		{"birth", "D11", 2026, "nil"},
		{"death", "", 2025, "500"}, // the nation's own row
		{"death", "P1", 2025, "30"},
		{"death", "D21", 2025, "nil"}, // a row with no expected deaths
	} {
		r, err := s.Tabulate(stats.Query{Event: tt.event, Area: tt.area, Year: tt.year}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := f(r.Expected); got != tt.want {
			t.Errorf("%s %q %d: expected %s, want %s", tt.event, tt.area, tt.year, got, tt.want)
		}
		if r.Completeness != nil && *r.Completeness != 0 {
			t.Errorf("completeness %v with no records", *r.Completeness)
		}
	}
	// Completeness, of the area and of each child.
	records := fixture("birth", 2000, 3)
	all := counts(s, records)
	q := stats.Query{Event: "birth", Area: "P1", Year: 2025}
	p, _ := s.Prefixes(q)
	r, _ := s.Tabulate(q, read(all, p))
	var n, d11 int64
	for _, rec := range records {
		if counted(rec) && within(rec.place, "P1") && strings.HasPrefix(rec.Answers["child.dob"].(string), "2025") {
			n++
			if rec.place == "D11" {
				d11++
			}
		}
	}
	if r.Completeness == nil || *r.Completeness != float64(n)/150 {
		t.Errorf("P1 completeness %s, want %d/150", f(r.Completeness), n)
	}
	if c := r.Children[0]; c.Area != "D11" || c.Completeness == nil || *c.Completeness != float64(d11)/100 || f(c.Expected) != "100" {
		t.Errorf("D11: %+v, want %d/100", c, d11)
	}
	// Shade bands.
	for _, tt := range []struct {
		c    *float64
		want string
	}{{nil, "stats-band-none"}, {ptr(0.2), "stats-band-0"}, {ptr(0.5), "stats-band-1"}, {ptr(0.75), "stats-band-2"}, {ptr(0.9), "stats-band-3"}, {ptr(1.4), "stats-band-3"}} {
		if got := stats.Shade(tt.c).Class; got != tt.want {
			t.Errorf("Shade(%s) = %s, want %s", f(tt.c), got, tt.want)
		}
	}
}

func ptr(x float64) *float64 { return &x }

func TestNotCounted(t *testing.T) {
	s, _ := newStats(t)
	ok := stats.Facts{Event: "birth", Status: "registered", Number: "B1", Answers: map[string]any{"child.dob": "2025-03-04", "child.district": "D11"}}
	if c := s.Cells(ok); len(c) == 0 {
		t.Fatal("a registered birth has no cells")
	}
	for name, change := range map[string]func(f *stats.Facts){
		"declared":        func(f *stats.Facts) { f.Status = "declared" },
		"no number":       func(f *stats.Facts) { f.Number = "" },
		"no statistics":   func(f *stats.Facts) { f.Event = "marriage" },
		"unknown event":   func(f *stats.Facts) { f.Event = "adoption" },
		"no date":         func(f *stats.Facts) { delete(f.Answers, "child.dob") },
		"bad date":        func(f *stats.Facts) { f.Answers["child.dob"] = "2025-02-30" },
		"no place":        func(f *stats.Facts) { delete(f.Answers, "child.district") },
		"unknown place":   func(f *stats.Facts) { f.Answers["child.district"] = "D99" },
		"place an office": func(f *stats.Facts) { f.Answers["child.district"] = "O11" },
	} {
		f := ok
		f.Answers = maps.Clone(ok.Answers)
		change(&f)
		if c := s.Cells(f); c != nil {
			t.Errorf("%s: cells %q", name, c)
		}
	}
}

// TestCells: the format of cells, every level, and how many a record holds.
func TestCells(t *testing.T) {
	s, _ := newStats(t)
	f := stats.Facts{Event: "birth", Status: "certified", Number: "B1", Registered: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC),
		Answers: map[string]any{"child.dob": "2025-03-04", "child.district": "V211", "child.sex": "female", "mother.age": 27.0, "child.order": 2.0}}
	cells := s.Cells(f)
	if !slices.IsSorted(cells) || len(slices.Compact(slices.Clone(cells))) != len(cells) {
		t.Errorf("not sorted and unique: %q", cells)
	}
	if len(cells) != 5*4 { // five tables, at four levels (V211, D21, P2, the nation)
		t.Errorf("%d cells, want 20: %q", len(cells), cells)
	}
	for _, want := range []string{
		"birth\x1f*\x1fregistrations\x1f2025-03\x1ffemale",
		"birth\x1fV211\x1ftimeliness\x1f2025-03\x1fon-time\x1ffemale",
		"birth\x1fP2\x1fbirth-order\x1f2025-03\x1f2\x1f25-29",
		"birth\x1fD21\x1fmother-age\x1f2025-03\x1f25-29\x1ffemale",
		"birth\x1fD21\x1foccurrence\x1f2025-03\x1fnot-stated\x1fnot-stated",
	} {
		if !slices.Contains(cells, want) {
			t.Errorf("no cell %q in %q", want, cells)
		}
	}
	d := stats.Facts{Event: "death", Status: "registered", Number: "D1", Answers: map[string]any{"death.date": "2025-12-31", "death.office": "O12"}}
	if c := s.Cells(d); !slices.Contains(c, "death\x1fP1\x1fcause\x1f2025-12\x1fnot-stated\x1fnot-stated") || len(c) != 15 {
		t.Errorf("a death placed by office: %q", c)
	}
}

// TestCorrection: a correction of the sex or the date moves the record's counts, as the store
// moves them: the old cells less, the new ones more.
func TestCorrection(t *testing.T) {
	s, _ := newStats(t)
	records := fixture("birth", 500, 4)
	all := counts(s, records)
	r := records[0]
	for !counted(r) {
		records = records[1:]
		r = records[0]
	}
	q := func(year int) *stats.Report {
		q := stats.Query{Event: "birth", Area: r.place, Year: year}
		p, _ := s.Prefixes(q)
		rep, err := s.Tabulate(q, read(all, p))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	update := func(f func(a map[string]any)) {
		old := s.Cells(r.Facts)
		r.Answers = maps.Clone(r.Answers)
		f(r.Answers)
		for _, c := range old {
			all[c]--
		}
		for _, c := range s.Cells(r.Facts) {
			all[c]++
		}
	}
	year, _ := strconv.Atoi(r.Answers["child.dob"].(string)[:4])
	before := q(year)
	sexOf := func(rep *stats.Report, key string) int64 {
		for _, k := range rep.BySex {
			if k.Key == key {
				return k.Count
			}
		}
		return -1
	}
	old := oneOf(r.Answers["child.sex"], "female", "male")
	other := map[string]string{"female": "male", "male": "female", "not-stated": "male"}[old]
	update(func(a map[string]any) { a["child.sex"] = other })
	after := q(year)
	if sexOf(after, old) != sexOf(before, old)-1 || sexOf(after, other) != sexOf(before, other)+1 || after.Registered != before.Registered {
		t.Errorf("sex %s -> %s: before %v, after %v", old, other, before.BySex, after.BySex)
	}
	update(func(a map[string]any) { a["child.dob"] = "2019-06-15" })
	if got := q(year); got.Registered != before.Registered-1 {
		t.Errorf("date moved out of %d: %d registered, want %d", year, got.Registered, before.Registered-1)
	}
	if got := q(2019); got.Registered != 1 || got.Months[5] != 1 {
		t.Errorf("2019: %d registered, June %d", got.Registered, got.Months[5])
	}
}

// TestTimeliness: the periods counted in days from the event's date to the registration's,
// in the country's time zone (UTC+3): 21:00 UTC is already the next day.
func TestTimeliness(t *testing.T) {
	s, _ := newStats(t)
	at := func(registered time.Time) string {
		cells := s.Cells(stats.Facts{Event: "birth", Status: "registered", Number: "1", Registered: registered,
			Answers: map[string]any{"child.dob": "2025-01-01", "child.district": "P3"}})
		for _, c := range cells {
			if p := strings.Split(c, stats.Sep); p[1] == "P3" && p[2] == "timeliness" {
				return p[4]
			}
		}
		return "none"
	}
	for _, tt := range []struct {
		utc  string
		want string
	}{
		{"2025-01-01T00:00:00Z", "on-time"},
		{"2024-12-31T21:00:00Z", "on-time"},    // 1 January, midnight, in Addis Ababa
		{"2024-12-31T20:59:59Z", "not-stated"}, // 31 December there: before the birth
		{"2025-01-31T20:59:59Z", "on-time"},    // day 30
		{"2025-01-31T21:00:00Z", "late"},       // day 31
		{"2026-01-01T20:59:59Z", "late"},       // day 365
		{"2026-01-01T21:00:00Z", "delayed"},    // day 366
		{"0001-01-01T00:00:00Z", "not-stated"}, // never registered (zero time)
	} {
		ts, _ := time.Parse(time.RFC3339, tt.utc)
		if got := at(ts); got != tt.want {
			t.Errorf("registered %s: %s, want %s", tt.utc, got, tt.want)
		}
	}
}

func TestChapter(t *testing.T) {
	for code, want := range map[string]string{
		"A00": "I", "B99.9": "I", "C00": "II", "D48.9": "II", "D49": "unknown-code", "D50": "III", "D89": "III", "D90": "unknown-code",
		"E90": "IV", "E91": "unknown-code", "F32.1": "V", "G40": "VI", "H59": "VII", "H60": "VIII", "H95.8": "VIII", "H96": "unknown-code",
		"I21.9": "IX", "J189": "X", "K93": "XI", "K94": "unknown-code", "L00": "XII", "M99": "XIII", "N18.5": "XIV", "O99.4": "XV",
		"P96": "XVI", "P97": "unknown-code", "Q90.9": "XVII", "R99": "XVIII", "S00": "XIX", "T98.3": "XIX", "T99": "unknown-code",
		"V00": "unknown-code", "V01": "XX", "X59": "XX", "Y98": "XX", "Y99": "unknown-code", "Z00": "XXI", "U07.1": "XXII", "U85": "XXII",
		"U99": "unknown-code", "": "not-stated", "   ": "not-stated", " i10 ": "IX", "A0": "unknown-code", "AA0": "unknown-code",
		"123": "unknown-code", "A09.": "unknown-code", "A09.123456": "unknown-code", "A09-1": "unknown-code", "é09": "unknown-code",
		"T36.0X1A": "XIX", "T36.0X1": "XIX",
	} {
		if got := stats.Chapter(code); got != want {
			t.Errorf("Chapter(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestQueries(t *testing.T) {
	s, _ := newStats(t)
	for _, q := range []stats.Query{{Event: "marriage", Year: 2025}, {Event: "birth", Area: "X", Year: 2025}, {Event: "birth", Year: 0}} {
		if _, err := s.Prefixes(q); err == nil {
			t.Errorf("Prefixes(%+v) is no error", q)
		}
		if _, err := s.Tabulate(q, nil); err == nil {
			t.Errorf("Tabulate(%+v) is no error", q)
		}
	}
	p, _ := s.Prefixes(stats.Query{Event: "birth", Area: "P1", Year: 2025})
	want := []string{
		"birth\x1fP1\x1fregistrations\x1f2025-", "birth\x1fP1\x1ftimeliness\x1f2025-", "birth\x1fP1\x1foccurrence\x1f2025-",
		"birth\x1fP1\x1fmother-age\x1f2025-", "birth\x1fP1\x1fbirth-order\x1f2025-",
		"birth\x1fD11\x1fregistrations\x1f2025-", "birth\x1fD12\x1fregistrations\x1f2025-",
	}
	if !slices.Equal(p, want) {
		t.Errorf("prefixes %q, want %q", p, want)
	}
	// A bundle whose codes would make ambiguous cells is refused.
	b := testBundle()
	b.Areas[0].Code = "D\x1f11"
	if _, err := stats.New(b); err == nil {
		t.Error("an area code holding the separator is taken")
	}
	b = testBundle()
	b.Events[0].Pages[0].Fields[0].Options[0].Value = "f\x1f"
	if _, err := stats.New(b); err == nil {
		t.Error("an option holding the separator is taken")
	}
}

// TestUnknownKeys: counts of an option the bundle no longer has (counted under an earlier
// bundle) get a row of their own, so that totals stay whole.
func TestUnknownKeys(t *testing.T) {
	s, _ := newStats(t)
	r, err := s.Tabulate(stats.Query{Event: "birth", Year: 2025}, map[string]int64{
		"birth\x1f*\x1fregistrations\x1f2025-02\x1fintersex":              2,
		"birth\x1f*\x1fregistrations\x1f2025-02\x1ffemale":                3,
		"birth\x1f*\x1foccurrence\x1f2025-02\x1fboat\x1fdoctor":           5,
		"birth\x1f*\x1fregistrations\x1f2025-13\x1ffemale":                7, // not a month
		"birth\x1f*\x1fregistrations\x1f2026-01\x1ffemale":                7, // another year
		"death\x1f*\x1fregistrations\x1f2025-01\x1ffemale":                7, // another event
		"birth\x1fP1\x1fregistrations\x1f2025-01\x1ffemale":               7, // another area
		"birth\x1f*\x1fnosuch\x1f2025-01\x1ffemale":                       7,
		"birth\x1f*\x1ftimeliness\x1f2025-01\x1fon-time":                  7, // too few fields
		"birth\x1f*\x1fregistrations\x1f2025-01\x1ffemale\x1fextra":       7,
		"birth\x1f*\x1ftimeliness\x1f2025-01\x1fon-time\x1fmale\x1fextra": 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Registered != 5 || !slices.Equal(r.Tables[0].Columns, []string{"female", "male", "not-stated", "intersex"}) {
		t.Errorf("registered %d, columns %v", r.Registered, r.Tables[0].Columns)
	}
	if o := r.Tables[2]; !slices.Equal(o.Rows, []string{"health-facility", "home", "not-stated", "boat"}) || o.Total != 5 {
		t.Errorf("occurrence rows %v total %d", o.Rows, o.Total)
	}
}
