package web_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// TestStatisticsInTheBrowser: the statistics page in Chromium at a phone's width, in English
// and in French, with and without JavaScript: the chart is an image named by its title and
// described by its data, the data table is beneath it, the page holds at 360 px, no script
// fails, and the areas' links lead down to a province and then a district.
func TestStatisticsInTheBrowser(t *testing.T) {
	s := newSite(t)
	births := statBirths()[:5] // on time, in three districts
	declareAndRegister(t, s, births)
	year := births[0].dob.Year()
	y := strconv.Itoa(year)
	b := browsertest.New(t, browsertest.Viewport(360, 740))
	for _, c := range []struct {
		lang, title, velmoraCentral string
	}{
		{"en", "Birth: registrations by month, Republic of Nerovia, " + y, "Velmora Central"},
		{"fr", "Naissance : enregistrements par mois, République de Nérovie, " + y, "Velmora-Centre"},
	} {
		for _, js := range []bool{true, false} {
			name := c.lang
			opts := []browsertest.Option{browsertest.Language(c.lang)}
			if !js {
				name += "-nojs"
				opts = append(opts, browsertest.WithoutJavaScript())
			}
			t.Run(name, func(t *testing.T) {
				tab := b.Tab(t, opts...)
				loginIn(t, tab, s, "yara.belcourt")
				// The menu leads to this year's page of the first event.
				tab.Do(chromedp.Click(`nav a[href="/statistics"]`))
				tab.WaitFor(`location.pathname === "/statistics/birth" && document.querySelector("svg.stats-chart") !== null`)
				tab.Navigate(s.url + statsPath("birth", "", year))
				e := expect(t, births, "", year)

				// The chart: an image, named by its title and described by its data.
				named := browsertest.Run(tab, chromedp.Evaluate[[]string](`(() => {
					const svg = document.querySelector("figure svg.stats-chart");
					if (!svg) return ["no chart"];
					const ids = (svg.getAttribute("aria-labelledby") || "").split(" ");
					return [svg.getAttribute("role"), svg.querySelector("title").textContent,
						...ids.map(id => (document.getElementById(id) || {textContent: "no element " + id}).textContent),
						String(svg.querySelectorAll("rect").length), String(Math.round(svg.getBoundingClientRect().width)),
						String(Math.min(...[...svg.querySelectorAll("text")].map(t => t.getBoundingClientRect().height)))];
				})()`))
				if len(named) != 7 || named[0] != "img" || named[1] != c.title || named[2] != c.title || named[4] != "12" {
					t.Errorf("the chart: %q", named)
				} else {
					if w, _ := strconv.Atoi(named[5]); w < 200 || w > 360 {
						t.Errorf("the chart is %d px wide at 360", w)
					}
					// Its labels and values are read on the phone: none smaller than a
					// small print (a 12 px line).
					if h, _ := strconv.ParseFloat(named[6], 64); h < 12 {
						t.Errorf("the chart's smallest text is %s px high at 360", named[6])
					}
					for i, m := range labelsOf[c.lang].months {
						if want := fmt.Sprintf("%s%s%d", m, labelsOf[c.lang].colon, e.months[i]); !strings.Contains(named[3], want) {
							t.Errorf("the chart's description %q lacks %q", named[3], want)
						}
					}
				}
				// Its data beneath it, month by month.
				months := browsertest.Run(tab, chromedp.Evaluate[[]string](`(() => {
					const table = document.querySelector("figure.stats-figure + .stats-wrap > table#months");
					return table ? [...table.tBodies[0].rows].map(r => r.cells[0].textContent + "=" + r.cells[1].textContent) : [];
				})()`))
				var want []string
				for i, m := range labelsOf[c.lang].months {
					want = append(want, fmt.Sprintf("%s=%d", m, e.months[i]))
				}
				if strings.Join(months, ";") != strings.Join(want, ";") {
					t.Errorf("the table beneath the chart: %q, want %q", months, want)
				}
				if w := browsertest.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
					t.Errorf("the page is %d px wide at 360", w)
				}
				// Only the totals' rows are set in bold, not the last row of every table
				// (December, the fourth quarter, the last province).
				bold := browsertest.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".stats tbody th")]
					.filter(th => Number(getComputedStyle(th).fontWeight) >= 600).map(th => th.textContent)`))
				total := map[string]string{"en": "Total", "fr": "Total"}[c.lang]
				if len(bold) == 0 || slices.ContainsFunc(bold, func(s string) bool { return s != total }) {
					t.Errorf("rows in bold: %q, want the totals alone", bold)
				}
				tab.Screenshot("statistics-" + name)

				// Down to Velmora, then to Velmora Central, by the areas' links.
				for _, step := range []struct{ area, label string }{{"NV01", "Velmora"}, {"NV0101", c.velmoraCentral}} {
					tab.Do(chromedp.Click(`#areas a[href*="area=` + step.area + `&"]`))
					want := strconv.Itoa(expect(t, births, step.area, year).registered)
					tab.WaitFor(`new URLSearchParams(location.search).get("area") === "` + step.area + `" &&
						document.querySelector("#summary tbody td").textContent === "` + want + `" &&
						document.querySelector("h1").textContent.includes("` + step.label + `")`)
				}
				if w := browsertest.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
					t.Errorf("the district's page is %d px wide at 360", w)
				}
				tab.Screenshot("statistics-district-" + name)
				if js {
					tab.CheckNoConsoleErrors()
				}
			})
		}
	}
}
