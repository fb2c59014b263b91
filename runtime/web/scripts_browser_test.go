package web_test

// The declaration form in scripts other than Latin, in a real browser: in Arabic, written right
// to left (the test package testdata/wahat), and in Bengali (the example package sonadesh).
// The pages must be in the registrar's language (crvsctl's own texts too, which both packages
// translate), laid out in the direction of its script, drawn with a font that has its letters
// (Debian's fonts-noto-core: Noto Sans Arabic and Noto Sans Bengali), and keep a name as it
// was typed.

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/unicode/norm"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// drawnWith is the fonts the browser drew the text of the first element matching selector
// with, as the DevTools protocol reports them (CSS.getPlatformFontsForNode: the element's
// text and its inline children's): the family of each font and the glyphs it drew. The node
// is found through the page's script and DOM.requestNode, not DOM.getDocument, which would
// take their nodes from under chromedp's own queries.
func drawnWith(tab *browsertest.Tab, selector string) map[string]int {
	var fonts []*css.PlatformFontUsage
	tab.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		el, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{Expression: `document.querySelector(` + strconv.Quote(selector) + `)`})
		if err != nil {
			return err
		}
		if el.ExceptionDetails != nil || el.Result == nil || el.Result.ObjectID == "" {
			return fmt.Errorf("no element %s", selector)
		}
		defer cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: el.Result.ObjectID})
		n, err := cdp.Call(ctx, t, dom.RequestNode, dom.RequestNodeParams{ObjectID: el.Result.ObjectID})
		if err != nil {
			return err
		}
		r, err := cdp.Call(ctx, t, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: n.NodeID})
		fonts = r.Fonts
		return err
	}))
	out := map[string]int{}
	for _, f := range fonts {
		out[f.FamilyName] += int(f.GlyphCount)
	}
	return out
}

// ownText is the text of an element's own text nodes.
func ownText(tab *browsertest.Tab, selector string) string {
	return browsertest.Run(tab, chromedp.Evaluate[string](`[...document.querySelector(`+strconv.Quote(selector)+`).childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.nodeValue).join("")`))
}

// shownText is the text of an element as the page shows it.
func shownText(tab *browsertest.Tab, selector string) string {
	return browsertest.Run(tab, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(selector)+`).innerText`))
}

// script is what a test knows of a language's writing.
type script struct {
	lang    string
	dir     string              // "rtl" or "ltr"
	letters *unicode.RangeTable // the script's letters and marks
	font    *regexp.Regexp      // the families that draw it
}

var (
	arabic  = script{"ar", "rtl", unicode.Arabic, regexp.MustCompile(`^Noto (Sans|Naskh) Arabic`)}
	bengali = script{"bn", "ltr", unicode.Bengali, regexp.MustCompile(`^Noto Sans Bengali`)}
)

// checkDrawn fails the test unless the text of the element selector, which must be written
// in sc's script, is drawn by a font of the script: the script's font draws some
// glyphs, and the other fonts no more glyphs than the text has characters of no script
// (spaces, digits, punctuation), so that none of its letters is left to a fallback font or
// drawn as a box.
func checkDrawn(t *testing.T, tab *browsertest.Tab, sc script, selector string) {
	t.Helper()
	text := shownText(tab, selector)
	letters, others := 0, 0
	for _, r := range strings.TrimSpace(text) {
		switch {
		case unicode.Is(sc.letters, r):
			letters++
		case unicode.In(r, unicode.Common, unicode.Inherited):
			others++
		default:
			t.Errorf("%s: %q has %q, of another script than %s's", selector, text, r, sc.lang)
		}
	}
	if letters == 0 {
		t.Errorf("%s: %q has no letter of %s's script", selector, text, sc.lang)
		return
	}
	fonts := drawnWith(tab, selector)
	ours, theirs := 0, 0
	for family, n := range fonts {
		if sc.font.MatchString(family) {
			ours += n
		} else {
			theirs += n
		}
	}
	if ours == 0 || theirs > others {
		t.Errorf("%s: %q is drawn with %v, want its letters drawn with %s", selector, text, fonts, sc.font)
	}
}

// box is an element's or a text's bounding box, in CSS pixels.
type box struct{ Left, Right, Top, Bottom float64 }

func boxOf(tab *browsertest.Tab, expr string) box {
	return browsertest.Run(tab, chromedp.Evaluate[box](`(() => { const r = (`+expr+`).getBoundingClientRect(); return {Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom}; })()`))
}

// textBox is the box of the first occurrence of part in the text of the first element
// matching selector, as drawn.
func textBox(tab *browsertest.Tab, selector, part string) box {
	return boxOf(tab, `(() => {
		const walk = document.createTreeWalker(document.querySelector(`+strconv.Quote(selector)+`), NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const i = n.nodeValue.indexOf(`+strconv.Quote(part)+`);
			if (i < 0) continue;
			const r = document.createRange();
			r.setStart(n, i);
			r.setEnd(n, i + `+strconv.Quote(part)+`.length);
			return r;
		}
		throw new Error("no text " + `+strconv.Quote(part)+` + " in " + `+strconv.Quote(selector)+`);
	})()`)
}

// startGap and endGap are how far inner is from the start and from the end of outer, in the
// direction dir: in a right-to-left page, the start is on the right.
func startGap(dir string, outer, inner box) float64 {
	if dir == "rtl" {
		return outer.Right - inner.Right
	}
	return inner.Left - outer.Left
}

func endGap(dir string, outer, inner box) float64 {
	if dir == "rtl" {
		return inner.Left - outer.Left
	}
	return outer.Right - inner.Right
}

// checkAtStart fails the test unless inner sits at the start of outer, in sc's direction: its
// start edge within a pixel of outer's, and far from outer's end.
func checkAtStart(t *testing.T, sc script, what string, outer, inner box) {
	t.Helper()
	if s, e := startGap(sc.dir, outer, inner), endGap(sc.dir, outer, inner); math.Abs(s) > 1 || e < 50 {
		t.Errorf("%s is not at the start (%s) of its line: %.0f px from the start, %.0f px from the end (%+v in %+v)", what, sc.dir, s, e, inner, outer)
	}
}

// checkInOrder fails the test unless the texts, as drawn in the first element matching
// selector, go from left to right in the order given (right to left when rtl).
func checkInOrder(t *testing.T, tab *browsertest.Tab, selector string, rtl bool, parts ...string) {
	t.Helper()
	for i := 1; i < len(parts); i++ {
		a, b := textBox(tab, selector, parts[i-1]), textBox(tab, selector, parts[i])
		if a.Top >= b.Bottom || b.Top >= a.Bottom {
			t.Errorf("%s: %q and %q are not on one line (%+v, %+v)", selector, parts[i-1], parts[i], a, b)
			continue
		}
		dir, inOrder := "left to right", a.Right <= b.Left+0.5
		if rtl {
			dir, inOrder = "right to left", b.Right <= a.Left+0.5
		}
		if !inOrder {
			t.Errorf("%s: %q (%.0f–%.0f px) and %q (%.0f–%.0f px) are not drawn %s", selector, parts[i-1], a.Left, a.Right, parts[i], b.Left, b.Right, dir)
		}
	}
}

// scriptCase is one language's walk.
type scriptCase struct {
	sc      script
	pkg     string
	user    string
	place   string // a health facility's code
	answers url.Values
	typed   map[string]string // names' parts, typed as the registrar types them
	drawn   [][]string        // texts of the review and the record page, from left to right
}

// TestArabicAndBengaliForms walks a registrar through the login page, the birth form (a
// validation message as they type, the server's problems when sent empty), the review and the
// record page, in Arabic then in Bengali, and checks on each: the page's lang and dir; the
// layout mirrored in Arabic (a label and its input at the right, the header and its navigation
// starting at the right) and not in Bengali; every text in the language (no English of any
// key, see walker); every label of the form drawn with a Noto face of its script, no letter
// left to another font; Latin names and numbers drawn in their order in a right-to-left page;
// and names typed in the script kept, in NFC, on the record page and from the API.
func TestArabicAndBengaliForms(t *testing.T) {
	b := browsertest.New(t)
	for _, c := range []scriptCase{{
		sc: arabic, pkg: "testdata/wahat", user: "salma", place: "H1",
		// A name typed with its vowel marks, the shadda before the fatha as keyboards give
		// them (NFC puts the fatha first), and alef with madda as alef and madda (NFC writes
		// آ); a Latin name and a number in a right-to-left page keep their order.
		typed: map[string]string{
			"child.name.given":  "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f", // مُحَمَّد, the shadda typed first
			"child.name.family": "\u0627\u0653\u0644 \u062b\u0627\u0646\u064a",      // آل ثاني, alef and madda
			"mother.name.given": "Maria",
		},
		answers: url.Values{
			"child.dob": {"2026-11-01"}, "child.sex": {"female"},
			"mother.name.family": {"Smith-Jones"}, "mother.nid": {"AB 12345"},
		},
		drawn: [][]string{{"Maria", "Smith-Jones"}, {"AB", "123", "45"}},
	}, {
		sc: bengali, pkg: "../../countries/sonadesh", user: "farida", place: "H1",
		// A name with the zero-width joiner of র‍্য (ra, ya-phala), and ড় and য় typed as one
		// character each (NFC writes them with a nukta).
		typed: map[string]string{
			"child.name.given":  "র\u200d্যাচেল",
			"child.name.family": "ব\u09dcু\u09dfা",
			"mother.name.given": "শ্রাবন্তী",
		},
		answers: url.Values{
			"child.dob": {"2026-11-01"}, "child.sex": {"female"},
			"mother.name.family": {"চক্রবর্তী"},
		},
	}} {
		t.Run(c.sc.lang, func(t *testing.T) {
			testScript(t, b, c)
		})
	}
}

func testScript(t *testing.T, b *browsertest.Browser, c scriptCase) {
	sc := c.sc
	rtl := sc.dir == "rtl"
	s := newSiteOf(t, t.TempDir(), c.pkg, nil)
	cat := readCatalogue(t, "../../i18n/messages.csv", c.pkg+"/translations.csv")
	text := func(key string) string {
		t.Helper()
		tr := cat.texts[key][sc.lang]
		if tr == "" {
			t.Errorf("%s has no %s text", key, sc.lang)
			return cat.texts[key]["en"]
		}
		return tr
	}
	w := &walker{t: t, cat: cat, lang: sc.lang, allowed: map[string]bool{}, seen: map[string]bool{}}
	for _, v := range c.typed {
		w.allowed[norm.NFC.String(v)] = true
	}
	for _, v := range c.answers {
		w.allowed[v[0]] = true
	}
	tab := b.Tab(t, browsertest.Language(sc.lang))

	// The page says its language and direction, and the browser lays it out so.
	checkDocument := func(page string) {
		t.Helper()
		got := browsertest.Run(tab, chromedp.Evaluate[[]string](`[document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction]`))
		if want := []string{sc.lang, sc.dir, sc.dir}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: lang, dir and direction %q, want %q", page, got, want)
		}
	}

	tab.Navigate(s.url + "/login")
	checkDocument("/login")
	if got := shownText(tab, `h1`); got != text("ui.login.title") {
		t.Errorf("login page's title %q, want %q", got, text("ui.login.title"))
	}
	checkDrawn(t, tab, sc, `h1`)
	checkDrawn(t, tab, sc, `label[for=username]`)
	checkAtStart(t, sc, "the username's label", boxOf(tab, `document.querySelector("label[for=username]")`), textBox(tab, `label[for=username]`, ownText(tab, `label[for=username]`)))
	w.check(tab, "/login")
	tab.Screenshot("login-" + sc.lang)

	loginIn(t, tab, s, c.user)
	checkDocument("/work")
	// The header starts with the country's name, and the navigation with its first link.
	header, country, nav := boxOf(tab, `document.querySelector("header")`), boxOf(tab, `document.querySelector("header .country")`), boxOf(tab, `document.querySelector("header nav")`)
	if startGap(sc.dir, header, country) >= startGap(sc.dir, header, nav) {
		t.Errorf("the header does not start (%s) with the country's name: %+v, the navigation %+v", sc.dir, country, nav)
	}
	first, last := boxOf(tab, `document.querySelector("header nav a:first-of-type")`), boxOf(tab, `document.querySelector("header nav a:last-of-type")`)
	if math.Abs(startGap(sc.dir, nav, first)) > 1 || startGap(sc.dir, nav, last) <= startGap(sc.dir, nav, first) {
		t.Errorf("the navigation does not start (%s) with its first link: %+v, the last %+v, in %+v", sc.dir, first, last, nav)
	}
	checkDrawn(t, tab, sc, `header nav a:first-of-type`)

	openForm(tab, s.url+"/declare/birth")
	checkDocument("/declare/birth")
	// Every label of the form is drawn with a font of its script, page by page (a page the
	// form hides is not drawn).
	labels := 0
	for range 20 {
		page := currentPage(tab)
		if page == "p-review" {
			break
		}
		for _, id := range browsertest.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#`+page+` label[for]")].filter(l => l.getClientRects().length > 0).map(l => l.htmlFor)`)) {
			checkDrawn(t, tab, sc, `label[for="`+id+`"]`)
			labels++
		}
		tab.Do(chromedp.Click(`#next`))
		tab.WaitFor(`(document.querySelector("form.declare section.page:not(.off), #p-review:not(.off)") || {}).id !== "` + page + `"`)
	}
	if labels < 6 {
		t.Errorf("the form's pages have %d labels", labels)
	}
	openForm(tab, s.url+"/declare/birth")
	if got := strings.TrimSpace(ownText(tab, `label[for="i-child.dob"]`)); got != text("birth.child.dob") {
		t.Errorf("the date of birth's label %q, want %q", got, text("birth.child.dob"))
	}
	// The label and its input start at the start of the line: on the right in Arabic.
	main := boxOf(tab, `document.querySelector("form.declare section.page:not(.off)")`)
	label := boxOf(tab, `document.querySelector("label[for='i-child.dob']")`)
	checkAtStart(t, sc, "the date of birth's label", main, textBox(tab, `label[for="i-child.dob"]`, text("birth.child.dob")))
	checkAtStart(t, sc, "the date of birth's input", label, boxOf(tab, `document.getElementById("i-child.dob")`))
	checkDrawn(t, tab, sc, `#next`)
	if got := shownText(tab, `#next`); got != text("ui.form.next") {
		t.Errorf("the form's next button %q, want %q", got, text("ui.form.next"))
	}

	// A validation message, in the language, as the registrar types.
	fill(t, tab, url.Values{"child.dob": {"2099-01-01"}})
	tab.WaitFor(`document.getElementById("e-child.dob").textContent.trim() !== ""`)
	if got := errorOf(tab, "child.dob"); got != text("birth.dob.future") {
		t.Errorf("a birth in 2099: message %q, want %q", got, text("birth.dob.future"))
	}
	checkDrawn(t, tab, sc, `[id="e-child.dob"]`)
	tab.Screenshot("declare-error-" + sc.lang)
	// Empty, page by page to the review, and sent: the server's messages.
	w.walkPages(tab, "birth", "a birth in 2099")
	sendWrong(t, tab)
	w.check(tab, "/declare/birth (sent empty)")
	waitShown(tab, `#problems`)
	checkDrawn(t, tab, sc, `#problems`)

	// Answered: the names typed key by key.
	openForm(tab, s.url+"/declare/birth")
	answers := url.Values{"child.place": {c.place}}
	for k, v := range c.answers {
		answers[k] = v
	}
	fill(t, tab, answers)
	choosePlaces(t, tab)
	// Typed, page by page, as an input method commits a word (Input.insertText): a joiner or
	// a nukta goes in as it is, which key events need not carry.
	for range 20 {
		page := currentPage(tab)
		if page == "p-review" {
			break
		}
		for field, v := range c.typed {
			if !browsertest.Run(tab, chromedp.Evaluate[bool](`(e => { if (e.closest("section.page").id !== "`+page+`") return false; e.focus(); return document.activeElement === e; })(document.getElementsByName(`+strconv.Quote(field)+`)[0])`)) {
				continue
			}
			tab.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: v})
				return err
			}))
			if got := browsertest.Run(tab, chromedp.Evaluate[string](`document.getElementsByName(`+strconv.Quote(field)+`)[0].value`)); got != v {
				t.Errorf("%s typed %q, the input holds %q", field, v, got)
			}
		}
		tab.Do(chromedp.Click(`#next`))
		tab.WaitFor(`(document.querySelector("form.declare section.page:not(.off), #p-review:not(.off)") || {}).id !== "` + page + `"`)
	}
	w.check(tab, "/declare/birth #p-review (answered)")
	for _, v := range c.typed {
		tab.WaitFor(`document.getElementById("p-review").innerText.includes(` + strconv.Quote(v) + `)`)
	}
	review := shownText(tab, `#p-review`)
	for field, v := range c.typed {
		if !strings.Contains(review, v) && !strings.Contains(review, norm.NFC.String(v)) {
			t.Errorf("the review lacks %s %q:\n%s", field, v, review)
		}
	}
	for _, parts := range c.drawn {
		checkInOrder(t, tab, `#p-review`, false, parts...)
	}
	tab.Screenshot("review-" + sc.lang)
	send(t, tab)
	id := waitRecord(t, tab)
	w.allowed[id] = true
	checkDocument("/records/" + id)
	w.check(tab, "/records/"+id)
	tab.Screenshot("record-" + sc.lang)

	// The record keeps every name as typed, in Unicode's normal form C: on its page, and
	// from the API.
	page := shownText(tab, `main`)
	data := browsertest.Run(tab, chromedp.Evaluate[map[string]any](`fetch("/api/v1/records/`+id+`").then(r => r.json()).then(r => r.data)`, chromedp.EvalAwaitPromise))
	for field, v := range c.typed {
		want := norm.NFC.String(v)
		if !strings.Contains(page, want) {
			t.Errorf("the record page lacks %s %q (%+q):\n%s", field, want, want, page)
		}
		if got := answerOf(data, field); got != want {
			t.Errorf("the API gives %s %q (%+q), want %q (%+q)", field, got, got, want, want)
		}
	}
	for _, parts := range c.drawn {
		checkInOrder(t, tab, `main`, false, parts...)
	}
	// The child's name, in the script, is drawn in its direction: the given name first.
	given, family := norm.NFC.String(c.typed["child.name.given"]), norm.NFC.String(c.typed["child.name.family"])
	checkInOrder(t, tab, `main`, rtl, given, family)
	tab.CheckNoConsoleErrors()
}

// answerOf is the answer to a field (a dot path) in a record's data from the API, which nests
// a name's parts ({"child.name": {"given": ...}}) or not.
func answerOf(data map[string]any, field string) string {
	if v, ok := data[field].(string); ok {
		return v
	}
	i := strings.LastIndex(field, ".")
	if m, ok := data[field[:i]].(map[string]any); ok {
		if v, ok := m[field[i+1:]].(string); ok {
			return v
		}
	}
	return fmt.Sprintf("%v", data)
}
