package web_test

// TestEveryTextTranslated walks both of nerovia's forms, page by page, in each of the package's
// languages, and fails on any text a registrar would read that is not translated: a
// translation key shown as it is (or anything shaped like one), or, on a French or Amharic
// page, the English of a key whose French or Amharic differs, an English sentence that is in no
// catalogue, or English punctuation between translated texts. The texts are compared with
// crvsctl's catalogue (i18n/messages.csv) and the package's (translations.csv) as they are,
// so the test follows the texts as they change. WALK_DEBUG=1 logs every page's texts.

import (
	"encoding/csv"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// catalogue is every translation key and its texts by language, from both CSV files.
type catalogue struct {
	keys  map[string]bool
	texts map[string]map[string]string // key → language → text
	// of is, by language, every text of that language: a text that is some key's text in
	// the page's language is in that language, whatever else it equals.
	of map[string]map[string]bool
	// order is the keys sorted, for the same answer on every run; patterns, by key and
	// language, its text with placeholders as a pattern (see pattern).
	order    []string
	patterns map[string]map[string]*regexp.Regexp
}

func readCatalogue(t *testing.T, files ...string) *catalogue {
	t.Helper()
	c := &catalogue{keys: map[string]bool{}, texts: map[string]map[string]string{}, of: map[string]map[string]bool{}}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		header := rows[0]
		for _, row := range rows[1:] {
			key := row[0]
			c.keys[key] = true
			if c.texts[key] == nil {
				c.texts[key] = map[string]string{}
			}
			for i, col := range header {
				if i == 0 || col == "description" || i >= len(row) || row[i] == "" {
					continue
				}
				c.texts[key][col] = row[i]
				if c.of[col] == nil {
					c.of[col] = map[string]bool{}
				}
				c.of[col][row[i]] = true
			}
		}
	}
	c.order = slices.Sorted(maps.Keys(c.texts))
	c.patterns = map[string]map[string]*regexp.Regexp{}
	for key, tr := range c.texts {
		c.patterns[key] = map[string]*regexp.Regexp{}
		for lang, text := range tr {
			c.patterns[key][lang] = pattern(text)
		}
	}
	return c
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// pattern is a text with placeholders as a regular expression that any argument matches;
// nil for a text with too few words of its own to tell it from another.
func pattern(text string) *regexp.Regexp {
	if !placeholder.MatchString(text) {
		return nil
	}
	literal := placeholder.ReplaceAllString(text, "")
	if n := len(regexp.MustCompile(`\p{L}{2,}`).FindAllString(literal, -1)); n < 1 || len(strings.TrimSpace(literal)) < 4 {
		return nil
	}
	parts := placeholder.Split(text, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `.+`) + `$`)
}

// keyShaped is what a translation key, an option's value or a script's value looks like when
// it reaches a page untranslated: "ui.form.review", "birth.child.dob", "relative-or-friend",
// "true", "[object Object]".
var keyShaped = regexp.MustCompile(`^(?:[a-z][a-zA-Z0-9-]*(?:\.[a-zA-Z0-9-]+)+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+|true|false|null|undefined|NaN|\[object Object\])$`)

// Punctuation a page's code wrote in English between translated texts: French puts a space
// before ":", ";", "?" and "!"; Amharic has its own comma and colon (፣ ፦ ፡).
var (
	frenchPunctuation  = regexp.MustCompile(`[\p{L}\p{N})»][:;?!](\s|$)`)
	amharicPunctuation = regexp.MustCompile(`\p{Ethiopic}\s*[,:;]|[,:;]\s*\p{Ethiopic}`)
	// Arabic has its own comma, semicolon and question mark (، ؛ ؟).
	arabicPunctuation = regexp.MustCompile(`\p{Arabic}\s*[,;?]|[,;?]\s*\p{Arabic}`)
)

// nonLatin are the languages of the tests written in another script than Latin: lower-case
// Latin words on their pages are English in no catalogue.
var nonLatin = map[string]bool{"am": true, "ar": true, "bn": true}

// English that no catalogue has, written by code.
var (
	englishWords = regexp.MustCompile(`(?i)\b(?:the|of|and|is|not|does|this|that|for|with|from|has|have|must|cannot|should|your|you|no|or|by|at|hold)\b`)
	latinWords   = regexp.MustCompile(`\b[a-z]{3,}\s+[a-z]{2,}\b`)
)

// untranslated says what is wrong with a text on a page in lang, or "".
func (c *catalogue) untranslated(lang, text string) string {
	if lang == "fr" && frenchPunctuation.MatchString(text) && !c.of["fr"][text] {
		return "punctuated in English (French puts a space before : ; ? !)"
	}
	if lang == "am" && amharicPunctuation.MatchString(text) && !c.of["am"][text] {
		return "punctuated in English (Amharic writes ፣ and ፦)"
	}
	if lang == "ar" && arabicPunctuation.MatchString(text) && !c.of["ar"][text] {
		return "punctuated in English (Arabic writes ، ؛ ؟)"
	}
	if lang != "en" && !c.of[lang][text] {
		// English written by code, in no catalogue: a sentence with English's small words on a
		// French page, lower-case Latin words on an Amharic one.
		if n := len(englishWords.FindAllString(text, -1)); lang == "fr" && n >= 2 {
			return "English words, in no catalogue"
		}
		if nonLatin[lang] && latinWords.MatchString(text) {
			return "Latin words, in no catalogue"
		}
	}
	text = strings.TrimSpace(strings.TrimRight(text, " :*"))
	if c.keys[text] {
		return "a translation key"
	}
	if keyShaped.MatchString(text) {
		return "shaped like a key or a value"
	}
	if lang == "en" || c.of[lang][text] {
		return ""
	}
	for _, key := range c.order {
		tr := c.texts[key]
		en, their := tr["en"], tr[lang]
		// A key the language has no text for is shown in English: untranslated too.
		if en == "" || en == their {
			continue
		}
		if their == "" {
			their = "none"
		}
		if text == en {
			return fmt.Sprintf("English of %s (%s: %q)", key, lang, their)
		}
		if re := c.patterns[key]["en"]; re != nil && re.MatchString(text) {
			if own := c.patterns[key][lang]; own != nil && own.MatchString(text) {
				continue
			}
			return fmt.Sprintf("English of %s, %q (%s: %q)", key, en, lang, their)
		}
	}
	return ""
}

// pageTexts is what a registrar reads on the page: the lines of the page as shown, every
// text of the document (those of fields the form hides for now included: their conditions
// show them to someone), and the texts of attributes read aloud or shown on hovering.
const pageTexts = `(() => {
	const texts = new Set();
	const add = s => { if (s) for (const l of String(s).split("\n")) { const t = l.trim(); if (t) texts.add(t); } };
	add(document.body.innerText);
	add(document.title);
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const p = n.parentElement;
		if (p && p.closest("script, style, noscript, template")) continue;
		add(n.nodeValue);
	}
	for (const el of document.querySelectorAll("label, option, legend, [placeholder], [title], [aria-label], [alt], [data-text], button, input[type=submit], input[type=button]")) {
		if (el.tagName === "OPTION") add(el.parentElement.tagName === "DATALIST" ? el.value : el.label || el.textContent);
		else if (el.tagName === "LABEL" || el.tagName === "LEGEND") add(el.textContent);
		for (const a of ["placeholder", "title", "aria-label", "alt", "data-text"]) add(el.getAttribute(a));
		if (el.tagName === "BUTTON" || el.type === "submit" || el.type === "button") add(el.value && el.tagName !== "BUTTON" ? el.value : el.textContent);
	}
	return [...texts];
})()`

// walker collects the untranslated texts of the pages it is shown, each once, with the first
// page it was seen on.
type walker struct {
	t       *testing.T
	cat     *catalogue
	lang    string
	allowed map[string]bool // what the test typed, and the records' tracking IDs
	seen    map[string]bool
}

func (w *walker) check(tab *browsertest.Tab, page string) {
	w.t.Helper()
	texts := browsertest.Run(tab, chromedp.Evaluate[[]string](pageTexts))
	if os.Getenv("WALK_DEBUG") != "" {
		w.t.Logf("%s %s: %q", w.lang, page, texts)
	}
	for _, text := range texts {
		if w.seen[text] || w.allowed[text] {
			continue
		}
		w.seen[text] = true
		if why := w.cat.untranslated(w.lang, text); why != "" {
			w.t.Errorf("%s page %s: %q is %s", w.lang, page, text, why)
		}
	}
}

// currentPage is the id of the form's page shown.
func currentPage(tab *browsertest.Tab) string {
	return browsertest.Run(tab, chromedp.Evaluate[string](`(document.querySelector("form.declare section.page:not(.off), #p-review:not(.off)") || {id: "?"}).id`))
}

// walkPages goes from the form's page shown through every page the form shows to its review,
// checking each.
func (w *walker) walkPages(tab *browsertest.Tab, event, when string) {
	w.t.Helper()
	for range 20 {
		page := currentPage(tab)
		w.check(tab, fmt.Sprintf("/declare/%s #%s (%s)", event, page, when))
		if page == "p-review" {
			return
		}
		tab.Do(chromedp.Click(`#next`))
		tab.WaitFor(`(document.querySelector("form.declare section.page:not(.off), #p-review:not(.off)") || {}).id !== "` + page + `"`)
	}
	w.t.Fatalf("%s: no way through the form's pages to its review", event)
}

// choosePlaces answers the location fields as a registrar does: the code typed (by fill) lists
// the places it begins, in the page's language, and the one of that code is chosen from the
// list, so that the review and the record show the place's name as the pages write it.
func choosePlaces(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	tab.WaitFor(`[...document.querySelectorAll("form.declare input[data-of]")].every(i => i.value === "" || i.list.options.length > 0)`)
	if bad := browsertest.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("form.declare input[data-of]")].filter(i => i.value !== "").filter(i => {
		const code = i.value;
		for (const o of i.list.options) {
			i.value = o.value;
			i.dispatchEvent(new Event("input", {bubbles: true}));
			i.dispatchEvent(new Event("change", {bubbles: true}));
			if (i.dataset.code === code) return false;
		}
		return true;
	}).map(i => i.name)`)); len(bad) > 0 {
		t.Fatalf("no place of the code typed in the list of %v", bad)
	}
}

// attach chooses a file for each document field named, and waits for each to be sent.
func attach(t *testing.T, tab *browsertest.Tab, fields ...string) {
	t.Helper()
	for _, field := range fields {
		file := filepath.Join(t.TempDir(), strings.TrimPrefix(field, "documents.")+".pdf")
		if err := os.WriteFile(file, aPDF, 0o600); err != nil {
			t.Fatal(err)
		}
		tab.Do(chromedp.SetUploadFiles(`input[name="`+field+`"]`, []string{file}))
		tab.WaitFor(`document.getElementsByName("` + field + `.file")[0].value.startsWith("sha256:")`)
	}
}

// lateBirthEverything is a late birth whose answers show every field they can: twins, born
// at another place, a mother of another nationality with an identity card, married, a known
// father with a passport who lives elsewhere, an informant who is not a parent, a late reason
// of its own.
func lateBirthEverything() url.Values {
	return url.Values{
		"child.name.given": {"Ama"}, "child.name.family": {"Walkerson"},
		"child.sex": {"female"}, "child.dob": {"2024-03-10"}, "child.typeOfBirth": {"twin"},
		"child.multipleBirthOrder": {"1"}, "child.birthOrder": {"2"}, "child.weight": {"3"},
		"child.gestationWeeks": {"39"}, "child.attendant": {"nurse-midwife"},
		"child.placeType": {"other"}, "child.birthDistrict": {"NV0101"}, "child.birthVillage": {"NV01010101"},
		"child.birthAddress.landmark": {"Blue gate"}, "child.birthPlaceOther": {"Roadside"},
		"mother.name.given": {"Selam"}, "mother.name.family": {"Walkerson"},
		"mother.dob": {"1990-05-01"}, "mother.nationality": {"other"}, "mother.nationalityOther": {"Kessan"},
		"mother.idType": {"national-id"}, "mother.nid": {"1234567890"},
		"mother.maritalStatus": {"married"}, "mother.marriageDate": {"2015-06-01"},
		"mother.residence": {"NV01010101"}, "father.known": {"true"},
		"father.name.given": {"Tarik"}, "father.name.family": {"Walkerson"}, "father.dob": {"1988-02-02"},
		"father.nationality": {"nerovian"}, "father.idType": {"passport"}, "father.passport": {"AB123456"},
		"father.sameAddress": {"false"}, "father.residence": {"NV01010101"},
		"informant.relationship": {"other"}, "informant.relationshipOther": {"Neighbour"},
		"informant.name.given": {"Hiwot"}, "informant.name.family": {"Nearby"},
		"informant.idType": {"national-id"}, "informant.nid": {"2345678901"},
		"informant.phone": {"0912345678"}, "informant.residence": {"NV01010101"}, "informant.attestation": {"true"},
		"registration.lateReason": {"other"}, "registration.lateReasonOther": {"Far away"},
		"registration.witnessName.given": {"Abeba"}, "registration.witnessName.family": {"Witness"},
		"registration.witnessNid": {"3456789012"},
	}
}

// certifiedDeath is a death certified by a doctor, in a health facility, by accident, of a
// woman of an age to be asked about pregnancy.
func certifiedDeath() url.Values {
	return url.Values{
		"deceased.name.given": {"Almaz"}, "deceased.name.family": {"Walkerson"},
		"deceased.sex": {"female"}, "deceased.dob": {"1985-01-01"},
		"deceased.nationality": {"nerovian"}, "deceased.idType": {"national-id"}, "deceased.nid": {"4567890123"},
		"deceased.maritalStatus": {"married"}, "deceased.residence": {"NV01010101"},
		"death.date": {"2026-11-20"}, "death.district": {"NV0101"}, "death.placeType": {"health-facility"},
		"death.facility": {"HF001"}, "death.manner": {"accident"}, "death.medicallyCertified": {"true"},
		"cause.immediate": {"Trauma"}, "cause.underlying": {"Fall"}, "cause.underlyingCode": {"W19"},
		"cause.certifier.given": {"Doctor"}, "cause.certifier.family": {"Certifier"},
		"cause.pregnancy":        {"not-pregnant"},
		"informant.relationship": {"spouse"}, "informant.name.given": {"Tarik"}, "informant.name.family": {"Walkerson"},
		"informant.idType": {"national-id"}, "informant.nid": {"2345678901"}, "informant.phone": {"0912345678"},
		"informant.residence": {"NV01010101"}, "informant.attestation": {"true"},
	}
}

// wrongBirth is a birth answered wrongly in every way the package's rules tell the registrar
// about as they type.
func wrongBirth() url.Values {
	return url.Values{
		"child.dob": {"2099-01-01"}, "child.typeOfBirth": {"twin"}, "child.multipleBirthOrder": {"5"},
		"child.weight": {"0,5"}, "child.gestationWeeks": {"39"}, "child.birthOrder": {"30"},
		"child.placeType": {"home"}, "child.birthDistrict": {"NV0101"}, "child.birthVillage": {"NV02010101"},
		"mother.dob": {"2098-01-01"}, "mother.idType": {"national-id"}, "mother.nid": {"0123"},
		"mother.phone": {"12"}, "mother.email": {"nobody@"},
		"father.known": {"false"}, "informant.relationship": {"father"}, "informant.attestation": {"false"},
	}
}

// wrongDeath is a death answered wrongly: dead before born, an ICD-10 code that is not one.
func wrongDeath() url.Values {
	return url.Values{
		"deceased.dob": {"2000-01-01"}, "deceased.idType": {"national-id"}, "deceased.nid": {"0123"},
		"death.date": {"1999-01-01"}, "death.medicallyCertified": {"true"}, "cause.underlyingCode": {"xx"},
		"informant.phone": {"12"}, "informant.attestation": {"false"},
	}
}

// sendWrong sends the form as it is and waits for its problems to show.
func sendWrong(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	send(t, tab)
	tab.WaitFor(`[...document.querySelectorAll("p.error")].some(p => p.textContent.trim() !== "")`)
}

func TestEveryTextTranslated(t *testing.T) {
	cat := readCatalogue(t, "../../i18n/messages.csv", "../../countries/nerovia/translations.csv")
	b := browsertest.New(t)
	noscript := browsertest.New(t, browsertest.WithoutJavaScript())
	events := []struct {
		id             string
		answers, wrong url.Values
		documents      []string
	}{
		{"birth", lateBirthEverything(), wrongBirth(), []string{"documents.motherId", "documents.fatherId", "documents.informantId", "registration.lateEvidence"}},
		{"death", certifiedDeath(), wrongDeath(), []string{"documents.medicalCertificate", "documents.informantId", "documents.policeReport", "documents.deceasedId"}},
	}
	for _, lang := range []string{"en", "fr", "am"} {
		t.Run(lang, func(t *testing.T) {
			// A register of its own: the declarations of one language are not possible
			// duplicates of another's, and the death can be registered.
			s := newSite(t)
			w := &walker{t: t, cat: cat, lang: lang, allowed: map[string]bool{}, seen: map[string]bool{}}
			// What the test types is the user's, not the package's.
			for _, e := range events {
				for _, vs := range []url.Values{e.answers, e.wrong} {
					for _, v := range vs {
						if strings.ContainsAny(v[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
							w.allowed[v[0]] = true
						}
					}
				}
				for _, d := range e.documents {
					w.allowed[strings.TrimPrefix(d, "documents.")+".pdf"] = true
				}
			}
			tab := b.Tab(t, browsertest.Language(lang))
			tab.Navigate(s.url + "/login")
			w.check(tab, "/login")
			loginIn(t, tab, s, "lidya.verhane") // local registrar: declares births, late ones too, and deaths
			tab.Navigate(s.url + "/work")
			w.check(tab, "/work (before)")
			records := map[string]string{}
			for _, e := range events {
				// Empty, to the review (what is still to answer), then sent as it is.
				openForm(tab, s.url+"/declare/"+e.id)
				w.walkPages(tab, e.id, "empty")
				sendWrong(t, tab)
				w.check(tab, "/declare/"+e.id+" (sent empty)")
				// Answered so that the conditional fields and pages show.
				openForm(tab, s.url+"/declare/"+e.id)
				fill(t, tab, e.answers)
				choosePlaces(t, tab)
				attach(t, tab, e.documents...)
				w.walkPages(tab, e.id, "answered")
				send(t, tab)
				id := waitRecord(t, tab)
				records[e.id] = id
				w.allowed[id] = true
				w.check(tab, "/records/"+id+" ("+e.id+")")
				// Answered wrongly: the package's messages.
				openForm(tab, s.url+"/declare/"+e.id)
				fill(t, tab, e.wrong)
				sendWrong(t, tab)
				w.check(tab, "/declare/"+e.id+" (answered wrongly)")
			}
			// The death registered: the record then offers its certificates.
			tab.Navigate(s.url + "/records/" + records["death"])
			tab.Do(chromedp.Click(`#a-register input[name=confirm]`), chromedp.Click(`#a-register button`), chromedp.WaitVisible(`.flash`))
			w.check(tab, "/records/"+records["death"]+" (registered)")
			tab.Navigate(s.url + "/work")
			w.check(tab, "/work")
			tab.Navigate(s.url + "/search?name=walkerson")
			w.check(tab, "/search")

			// A correction of the death asked for: the page of the district registrar who
			// decides it, before and after they assign the record to themselves, and the page
			// of a national registrar while she holds it.
			local := s.login("lidya.verhane", lang)
			local.get("/records/" + records["death"] + "/edit/request-correction")
			form := formOf(local.page)
			form.Set("informant.phone", "0912345679")
			form.Set("comment", "ID 2345678901")
			local.post("/records/"+records["death"]+"/edit/request-correction", form)
			if local.status != 200 {
				t.Fatalf("request a correction: %d\n%s", local.status, local.page)
			}
			w.allowed["0912345679"], w.allowed["ID 2345678901"] = true, true
			district := b.Tab(t, browsertest.Language(lang))
			loginIn(t, district, s, "fenna.albrecq")
			district.Navigate(s.url + "/records/" + records["death"])
			w.check(district, "/records/"+records["death"]+" (a correction to decide)")
			district.Do(chromedp.Click(`#assign`))
			waitShown(district, `#held`)
			w.check(district, "/records/"+records["death"]+" (assigned)")
			national := b.Tab(t, browsertest.Language(lang))
			loginIn(t, national, s, "ilena.marvosa")
			national.Navigate(s.url + "/records/" + records["death"])
			w.check(national, "/records/"+records["death"]+" (held by another)")

			// A hospital clerk, who may not declare a late birth.
			clerk := b.Tab(t, browsertest.Language(lang))
			loginIn(t, clerk, s, "marta.oyelund")
			openForm(clerk, s.url+"/declare/birth")
			fill(t, clerk, url.Values{"child.dob": {"2024-03-10"}})
			w.check(clerk, "/declare/birth (a late birth, by a hospital clerk)")
			clerk.Navigate(s.url + "/work")
			w.check(clerk, "/work (hospital clerk)")

			// Without the script: the whole form on one page, and the server's review.
			plain := noscript.Tab(t, browsertest.Language(lang))
			loginIn(t, plain, s, "lidya.verhane")
			for _, e := range events {
				plain.Navigate(s.url + "/declare/" + e.id)
				w.check(plain, "/declare/"+e.id+" (without script)")
				plain.Do(chromedp.Click(`#review-first`), chromedp.WaitVisible(`#review`))
				w.check(plain, "/declare/"+e.id+" (without script, reviewed)")
			}

			// A district registrar administers the users of their district; everyone changes
			// their own password.
			// Usernames are the users', as the sheet gives them.
			f, err := os.Open("../../countries/nerovia/users.csv")
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := csv.NewReader(f).ReadAll()
			f.Close()
			for _, r := range rows {
				w.allowed[r[0]] = true
			}
			admin := b.Tab(t, browsertest.Language(lang))
			loginIn(t, admin, s, "fenna.albrecq")
			for _, p := range []string{"/users", "/users/new", "/users/tomas.ekwaro", "/password"} {
				admin.Navigate(s.url + p)
				w.check(admin, p)
			}
		})
	}
}

// TestUntranslated holds the walk's judge to what it is meant to find, without a browser.
func TestUntranslated(t *testing.T) {
	cat := readCatalogue(t, "../../i18n/messages.csv", "../../countries/nerovia/translations.csv")
	for _, c := range []struct {
		lang, text string
		bad        bool
	}{
		{"fr", "Historique", false},
		{"fr", "History", true},                                       // ui.record.history's English
		{"am", "History", true},                                       // ...on an Amharic page too
		{"en", "History", false},                                      // ...and right on an English one
		{"en", "ui.record.history", true},                             // a key
		{"fr", "birth.child.sex", true},                               // the package's key
		{"en", "relative-or-friend", true},                            // an option's value
		{"en", "[object Object]", true},                               // a script's value
		{"fr", "Page 2 of 6", true},                                   // ui.form.pageOf's English, its numbers filled in
		{"fr", "Page 2 sur 6", false},                                 // its French
		{"fr", "Actions", false},                                      // English and French alike
		{"fr", "Déclarer: Naissance", true},                           // an English colon
		{"fr", "Déclarer : Naissance", false},                         // a French one
		{"am", "አስመዝግብ: ልደት", true},                                   // an English colon in Amharic
		{"am", "ባብሮ, ቬልሞራ አሮጌ ከተማ", true},                             // an English comma
		{"am", "ባብሮ፣ ቬልሞራ አሮጌ ከተማ", false},                            // the Amharic one
		{"fr", "the condition of action declare does not hold", true}, // English in no catalogue
		{"am", "the condition does not hold", true},
		{"ar", "مستشفى النخلة, النخلة", true},     // an English comma in Arabic
		{"ar", "مستشفى النخلة، النخلة", false},    // the Arabic one
		{"fr", "Velmora General Hospital", false}, // a proper name
		{"fr", "2026-11-20", false},
	} {
		if why := cat.untranslated(c.lang, c.text); (why != "") != c.bad {
			t.Errorf("%s %q: %q, want untranslated %v", c.lang, c.text, why, c.bad)
		}
	}
}
