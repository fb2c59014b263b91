package stats_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

func table(counts ...[]int64) *stats.Table {
	t := &stats.Table{}
	for i, row := range counts {
		t.Rows = append(t.Rows, strconv.Itoa(i))
		t.Counts = append(t.Counts, row)
		var sum int64
		for _, n := range row {
			sum += n
		}
		t.RowTotals = append(t.RowTotals, sum)
		t.Total += sum
	}
	t.ColumnTotals = make([]int64, len(counts[0]))
	for j := range counts[0] {
		t.Columns = append(t.Columns, strconv.Itoa(j))
		for i := range counts {
			t.ColumnTotals[j] += counts[i][j]
		}
	}
	return t
}

// show is a table as its export shows it: S for a hidden count, totals last.
func show(t *stats.Table, m stats.Mask) string {
	var sb strings.Builder
	v := func(n int64, hidden bool) {
		if hidden {
			sb.WriteString(" S")
		} else {
			fmt.Fprintf(&sb, " %d", n)
		}
	}
	for i := range t.Rows {
		for j := range t.Columns {
			v(t.Counts[i][j], m.Cells[i][j])
		}
		sb.WriteString(" |")
		v(t.RowTotals[i], m.RowTotals[i])
		sb.WriteString(";")
	}
	for j := range t.Columns {
		v(t.ColumnTotals[j], m.ColumnTotals[j])
	}
	sb.WriteString(" |")
	v(t.Total, m.Total)
	return strings.TrimSpace(sb.String())
}

func TestSuppress(t *testing.T) {
	for _, tt := range []struct {
		t     *stats.Table
		below int
		want  string
	}{
		{table([]int64{10, 20}, []int64{30, 40}), 5, "10 20 | 30; 30 40 | 70; 40 60 | 100"},
		// A 3 alone in its row and column: its row's smallest (20) and its column's (30)
		// go too, and then the 40 that their row and column would give away.
		{table([]int64{3, 20}, []int64{30, 40}), 5, "S S | 23; S S | 70; 33 60 | 93"},
		// Zeros are shown. The 2 takes its row and column totals (2 too); the column total
		// would be 52 - 50, so the 50s go, all but the grand total.
		{table([]int64{2, 0}, []int64{0, 50}), 5, "S 0 | S; 0 S | S; S S | 52"},
		{table([]int64{3, 20}, []int64{30, 40}), 0, "3 20 | 23; 30 40 | 70; 33 60 | 93"},
		{table([]int64{3, 20}, []int64{30, 40}), 3, "3 20 | 23; 30 40 | 70; 33 60 | 93"},
		// One column (the registrations of a form without sex): cell and total go together.
		{table([]int64{4}, []int64{9}, []int64{12}), 5, "S | S; S | S; 12 | 12; 25 | 25"},
	} {
		if got := show(tt.t, stats.Suppress(tt.t, tt.below)); got != tt.want {
			t.Errorf("below %d:\n got %s\nwant %s", tt.below, got, tt.want)
		}
	}
	// On random tables: every small count hidden, no zero hidden, and every row and column
	// (totals included) with none or at least two hidden.
	rng := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		R, C := 1+rng.IntN(6), 1+rng.IntN(5)
		var rows [][]int64
		for range R {
			row := make([]int64, C)
			for j := range row {
				row[j] = []int64{0, 0, 1, 2, 4, 5, 9, 30, 100}[rng.IntN(9)]
			}
			rows = append(rows, row)
		}
		tab := table(rows...)
		m := stats.Suppress(tab, 5)
		g := func(i, j int) (int64, bool) {
			switch {
			case i < R && j < C:
				return tab.Counts[i][j], m.Cells[i][j]
			case i < R:
				return tab.RowTotals[i], m.RowTotals[i]
			case j < C:
				return tab.ColumnTotals[j], m.ColumnTotals[j]
			}
			return tab.Total, m.Total
		}
		for i := range R + 1 {
			hidden := 0
			for j := range C + 1 {
				n, h := g(i, j)
				if (n >= 1 && n < 5 && !h) || (n == 0 && h) {
					t.Fatalf("%d at %d,%d hidden %v: %s", n, i, j, h, show(tab, m))
				}
				if h {
					hidden++
				}
			}
			if hidden == 1 {
				t.Fatalf("row %d has one hidden count: %s", i, show(tab, m))
			}
		}
		for j := range C + 1 {
			hidden := 0
			for i := range R + 1 {
				if _, h := g(i, j); h {
					hidden++
				}
			}
			if hidden == 1 {
				t.Fatalf("column %d has one hidden count: %s", j, show(tab, m))
			}
		}
	}
}

func report(t *testing.T, event, area string, year int) (*stats.Stats, *stats.Report) {
	t.Helper()
	s, _ := newStats(t)
	records := append(fixture("birth", 600, 11), fixture("death", 400, 12)...)
	all := counts(s, records)
	q := stats.Query{Event: event, Area: area, Year: year}
	p, err := s.Prefixes(q)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Tabulate(q, read(all, p))
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// TestXLSX reads the workbook back and compares it cell by cell with the report, its
// suppression worked out by Suppress (tested above).
func TestXLSX(t *testing.T) {
	s, r := report(t, "birth", "P1", 2025)
	_, b := newStats(t)
	l := labels(s, b, "birth", "fr")
	var buf bytes.Buffer
	if err := s.WriteXLSX(&buf, r, l); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := excelize.Options{RawCellValue: true}
	get := func(sheet string, col, row int) string {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		v, err := f.GetCellValue(sheet, cell, raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	count := func(n int64, hidden bool) string {
		if hidden {
			return "masqué"
		}
		return strconv.FormatInt(n, 10)
	}
	sheets := f.GetSheetList()
	if len(sheets) != 1+len(r.Tables) || sheets[0] != "Résumé" {
		t.Fatalf("sheets %q", sheets)
	}
	if got := get("Résumé", 2, 4); got != "Nord" {
		t.Errorf("area %q", got)
	}
	reg := stats.Suppress(&r.Tables[0], 5)
	if got := get("Résumé", 2, 6); got != count(r.Registered, reg.Total) {
		t.Errorf("registered %q, want %d", got, r.Registered)
	}
	if got := get("Résumé", 2, 8); got != strconv.FormatFloat(*r.Completeness, 'f', -1, 64) {
		t.Errorf("completeness %q, want %v", got, *r.Completeness)
	}
	for i, c := range r.Children {
		if got := get("Résumé", 2, 12+i); got != strconv.FormatInt(c.Registered, 10) && got != "masqué" {
			t.Errorf("child %s: %q, want %d", c.Area, got, c.Registered)
		}
	}
	hidden := 0
	for ti, tab := range r.Tables {
		sheet := sheets[1+ti]
		m := stats.Suppress(&tab, 5)
		for j, ck := range tab.Columns {
			if got, want := get(sheet, 2+j, 4), l.Key(tab.Column, ck); got != want {
				t.Errorf("%s: heading %q, want %q", sheet, got, want)
			}
		}
		for i := range tab.Rows {
			for j := range tab.Columns {
				if got, want := get(sheet, 2+j, 5+i), count(tab.Counts[i][j], m.Cells[i][j]); got != want {
					t.Errorf("%s[%d][%d] = %q, want %s", sheet, i, j, got, want)
				}
				if m.Cells[i][j] {
					hidden++
				}
			}
			if got, want := get(sheet, 2+len(tab.Columns), 5+i), count(tab.RowTotals[i], m.RowTotals[i]); got != want {
				t.Errorf("%s: row total %d = %q, want %s", sheet, i, got, want)
			}
		}
		last := 5 + len(tab.Rows)
		for j := range tab.Columns {
			if got, want := get(sheet, 2+j, last), count(tab.ColumnTotals[j], m.ColumnTotals[j]); got != want {
				t.Errorf("%s: column total %d = %q, want %s", sheet, j, got, want)
			}
		}
		if got, want := get(sheet, 2+len(tab.Columns), last), count(tab.Total, m.Total); got != want {
			t.Errorf("%s: total %q, want %s", sheet, got, want)
		}
		// A count is a number, not a text.
		cell, _ := excelize.CoordinatesToCellName(2+len(tab.Columns), last)
		if typ, _ := f.GetCellType(sheet, cell); !m.Total && typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s!%s is of type %v", sheet, cell, typ)
		}
	}
	if hidden == 0 {
		t.Error("the fixture hides nothing: suppression is not exercised")
	}
}

// TestSheetNames: titles too long, or the same, still make valid and distinct names.
func TestSheetNames(t *testing.T) {
	s, r := report(t, "death", "", 2025)
	_, b := newStats(t)
	b.Translations["en"]["stats.by"] = "A title far longer than the thirty-one characters: of Excel [sic]"
	l := s.Labels("death", i18n.New(b.Country.Languages, b.Country.DefaultLanguage, b.Translations), "en")
	var buf bytes.Buffer
	if err := s.WriteXLSX(&buf, r, l); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range f.GetSheetList() {
		if len([]rune(name)) > 31 || strings.ContainsAny(name, "[]:*?/\\") || seen[strings.ToLower(name)] {
			t.Errorf("sheet name %q", name)
		}
		seen[strings.ToLower(name)] = true
	}
	if len(seen) != 1+len(r.Tables) {
		t.Errorf("%d sheets: %v", len(seen), f.GetSheetList())
	}
}

func TestCSV(t *testing.T) {
	s, r := report(t, "death", "P1", 2025)
	_, b := newStats(t)
	var buf bytes.Buffer
	if err := s.WriteCSV(&buf, r, labels(s, b, "death", "en")); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines[0], ",") != "event,area,year,table,row,column,value,table_label,row_label,column_label" {
		t.Errorf("header %q", lines[0])
	}
	values := map[string]string{}
	for _, l := range lines[1:] {
		if l[0] != "death" || l[1] != "P1" || l[2] != "2025" {
			t.Fatalf("line %q", l)
		}
		values[l[3]+"/"+l[4]+"/"+l[5]] = l[6]
	}
	for _, tab := range r.Tables {
		m := stats.Suppress(&tab, 5)
		for i, rk := range tab.Rows {
			for j, ck := range tab.Columns {
				want := strconv.FormatInt(tab.Counts[i][j], 10)
				if m.Cells[i][j] {
					want = "suppressed"
				}
				if got := values[tab.ID+"/"+rk+"/"+ck]; got != want {
					t.Errorf("%s/%s/%s = %q, want %s", tab.ID, rk, ck, got, want)
				}
			}
		}
		if got := values[tab.ID+"/*/*"]; got != strconv.FormatInt(tab.Total, 10) && !m.Total {
			t.Errorf("%s total %q, want %d", tab.ID, got, tab.Total)
		}
	}
	if got := values["areas/D11/expected"]; got != "20" {
		t.Errorf("D11 expected %q", got)
	}
	if got := values["areas/D12/completeness"]; got == "" {
		t.Error("no completeness of D12")
	}
	if !strings.Contains(fmt.Sprint(lines), "Certain infectious and parasitic diseases (A00–B99)") {
		t.Error("no chapter labels")
	}
}

func TestSVG(t *testing.T) {
	c := stats.BarChart{
		ID:    `m"1 <x>`,
		Title: `Births <script>alert("x")</script> & 'co'`,
		Desc:  "control \x00\x1f characters, invalid \xff UTF-8",
		Bars:  []stats.Bar{{Label: "Jan & <Feb>", Value: 10, Text: "10"}, {Label: "ጃንዩወሪ", Value: 0, Text: "0"}, {Label: "x", Value: 3.5, Text: "3,5"}},
	}
	for _, rtl := range []bool{false, true} {
		c.RightToLeft = rtl
		svg := c.SVG()
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<x>") || strings.Contains(svg, "<Feb>") {
			t.Errorf("text not escaped: %s", svg)
		}
		dec := xml.NewDecoder(strings.NewReader(svg))
		var root struct {
			XMLName xml.Name `xml:"svg"`
			Role    string   `xml:"role,attr"`
			Labels  string   `xml:"aria-labelledby,attr"`
			ViewBox string   `xml:"viewBox,attr"`
			Width   string   `xml:"width,attr"`
			Title   struct {
				ID   string `xml:"id,attr"`
				Text string `xml:",chardata"`
			} `xml:"title"`
			Desc struct {
				ID string `xml:"id,attr"`
			} `xml:"desc"`
			Bars []struct {
				Texts []string `xml:"text"`
			} `xml:"g"`
		}
		if err := dec.Decode(&root); err != nil {
			t.Fatalf("not XML: %v\n%s", err, svg)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Errorf("something after the svg element: %v", err)
		}
		if root.Role != "img" || root.Labels != root.Title.ID+" "+root.Desc.ID || root.Title.ID != "m1x-title" || root.Width != "100%" || root.ViewBox == "" {
			t.Errorf("attributes: %+v", root)
		}
		if root.Title.Text != c.Title || len(root.Bars) != 3 || root.Bars[0].Texts[0] != "Jan & <Feb>" || root.Bars[1].Texts[0] != "ጃንዩወሪ" {
			t.Errorf("texts: %+v", root)
		}
	}
	// The chart of a report's months, in French.
	s, r := report(t, "birth", "", 2025)
	_, b := newStats(t)
	mc := labels(s, b, "birth", "fr").MonthChart("months", r)
	if len(mc.Bars) != 12 || mc.Bars[0].Label != "janvier" || !strings.HasPrefix(mc.Title, "Naissance : enregistrements par mois, Testlande, 2025") {
		t.Errorf("month chart %+v", mc)
	}
	if err := xml.Unmarshal([]byte(mc.SVG()), new(struct{})); err != nil {
		t.Error(err)
	}
}

func TestLabels(t *testing.T) {
	s, b := newStats(t)
	en, fr, am := labels(s, b, "birth", "en"), labels(s, b, "birth", "fr"), labels(s, b, "death", "am")
	for _, tt := range []struct {
		l              *stats.Labels
		dim, key, want string
	}{
		{en, "sex", "female", "Female"},
		{fr, "sex", "female", "Féminin"},
		{fr, "sex", "not-stated", "Non déclaré"},
		{en, "sex", "intersex", "intersex"}, // not in the bundle: as it is
		{en, "attendant", "doctor", "Doctor"},
		{fr, "month", "03", "mars"},
		{en, "mother-age", "<15", "Under 15"},
		{fr, "mother-age", "15-19", "15–19"},
		{fr, "mother-age", "50+", "50 et plus"},
		{en, "birth-order", "3", "3"},
		{en, "birth-order", "10+", "10 and over"},
		{am, "age", "<1", "ከ1 በታች"},
		{en, "timeliness", "late", "Late"},
		{en, "attendant", "late", "late"}, // an option named like a key of another dimension
		{fr, "cause", "XXII", "Codes d'utilisation particulière (U00–U85)"},
		{en, "cause", "unknown-code", "Not an ICD-10 code"},
	} {
		if got := tt.l.Key(tt.dim, tt.key); got != tt.want {
			t.Errorf("%s %s %s = %q, want %q", tt.l.Lang(), tt.dim, tt.key, got, tt.want)
		}
	}
	if got := fr.Dimension("sex"); got != "Sexe de l'enfant" {
		t.Errorf("dimension %q", got)
	}
	if got := fr.Table(&stats.Table{Row: "mother-age", Column: "sex"}); got != "Âge de la mère × Sexe de l'enfant" {
		t.Errorf("title %q", got)
	}
	if got := fr.Area("P1") + "/" + en.Area("P1") + "/" + fr.Area(""); got != "Nord/North/Testlande" {
		t.Errorf("areas %q", got)
	}
	x := 0.8734
	if got := en.Int(1234567) + " " + fr.Int(1234567) + " " + en.Percent(&x) + " " + fr.Percent(&x) + " " + fr.Decimal(1234.56); got != "1,234,567 1\u00a0234\u00a0567 87.3% 87,3\u00a0% 1\u00a0234,6" {
		t.Errorf("numbers %q", got)
	}
}
