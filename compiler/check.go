package compiler

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones are checked the same on every machine, with or without a tz database
	"unicode/utf8"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/unicode/norm"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates/pdf"
	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/internal/suggest"
	"github.com/crvsctl/crvsctl/rules"
)

// Diagnostic codes of the checks made in Go.
const (
	CodeDuplicate        = "duplicate"
	CodeUnknownRef       = "unknown-reference"
	CodeWrongFieldType   = "wrong-field-type"
	CodeNoOptions        = "no-options"
	CodeRule             = "rule" // followed by the rule checker's own code: rule/unknown-field
	CodeCycle            = "cycle"
	CodeUnreachable      = "unreachable-status"
	CodeNoRole           = "action-without-role"
	CodeNumbering        = "numbering"
	CodeUnused           = "unused"
	CodeBadFieldID       = "bad-field-id"
	CodeUnknownTimeZone  = "unknown-time-zone"
	CodeLanguage         = "language"
	CodeNoCreatingAction = "no-creating-action"
	CodeConstantRule     = "constant-rule"    // a condition the same whatever is answered
	CodeEventField       = "event-field"      // dateField, placeField or nameField not on every declaration
	CodeShadowedPart     = "shadowed-part"    // a field named as a part of another
	CodeIgnoredSetting   = "ignored-setting"  // a setting that does not apply to the field
	CodeNeverAnswerable  = "never-answerable" // a required answer some users cannot give
	CodeOverlap          = "overlapping-actions"
	CodeJurisdiction     = "jurisdiction" // a role administering a role of wider jurisdiction
	CodeUserState        = "user-state"   // a column of the users sheet for what the store keeps (active...)
)

// actionIf is an action's condition compiled: the whole, and its parts that have a message.
type actionIf struct {
	whole *rules.Node
	parts []bundle.Condition
}

// checker checks what CUE cannot: references between the parts of a package, and its rules.
type checker struct {
	src  *cueSource
	pkg  *pkgModel
	l    *diag.List
	used map[string]bool // option lists used by some field

	// What the checks compile, for the bundle.
	forms      map[string]*rules.FormIR           // by event
	titles     map[string]*rules.Node             // by event
	actionIfs  map[string]map[string]actionIf     // by event, then action
	certs      map[string][]bundle.Certificate    // by event
	dups       map[string]*bundle.Duplicates      // by event
	stats      map[string]*bundle.EventStatistics // by event
	statistics *bundle.Statistics                 // the population figures
	files      map[string][]byte                  // the certificates' files, by path
	cmaps      map[string]*pdf.Cmap               // the character maps of the fonts among them
	chains     map[string]*fontChain              // certificates' fonts read for shaping, by language and files
	fonts      map[string]*fontFile               // the fonts, read and parsed beside the other checks
	tb         *tables
}

// check runs every check on a package CUE found no fault with.
func check(src *cueSource, pkg *pkgModel, l *diag.List) *checker {
	c := &checker{src: src, pkg: pkg, l: l, used: map[string]bool{},
		forms: map[string]*rules.FormIR{}, titles: map[string]*rules.Node{}, actionIfs: map[string]map[string]actionIf{},
		certs: map[string][]bundle.Certificate{}, dups: map[string]*bundle.Duplicates{}, stats: map[string]*bundle.EventStatistics{}, files: map[string][]byte{}, cmaps: map[string]*pdf.Cmap{}}
	c.fonts = c.readFonts()
	c.country()
	for _, id := range slices.Sorted(maps.Keys(pkg.Events)) {
		c.event(id, pkg.Events[id])
	}
	c.roles()
	c.tb = c.tables()
	c.answerable(c.tb)
	c.migrations(c.tb)
	c.assignments()
	c.osia()
	c.notifications(c.tb)
	c.hooks()
	c.statistics = c.population(c.tb)
	c.checkKeys(c.tb)
	c.fontCoverage(c.tb)
	for _, id := range slices.Sorted(maps.Keys(pkg.OptionLists)) {
		if !c.used[id] {
			l.Warnf(c.pos("optionLists", id), CodeUnused, "", "option list %s is used by no field", id)
		}
		c.options(pkg.OptionLists[id], "optionLists", id)
	}
	c.unreadFiles()
	return c
}

// Severities of a rule that is the same whatever is answered (see constant).
const (
	idle  = iota // useless: a warning
	wrong        // defeats what it is for: an error
)

// constant reports a condition (what) that has the same value whatever is answered, whoever
// answers and whenever (rules.Constant): its severity and consequence when always true, and
// when never true. Nothing is said when it may depend on what it reads.
func (c *checker) constant(e *rules.Expr, path []any, what string, trueSev int, ifTrue string, falseSev int, ifFalse string) {
	if e == nil {
		return
	}
	v, ok := rules.Constant(e.Node)
	if !ok || v.Kind() != rules.Bool {
		return
	}
	sev, msg := falseSev, what+" never holds, whatever is answered: "+ifFalse
	if v.IsTrue() {
		sev, msg = trueSev, what+" always holds, whatever is answered: "+ifTrue
	}
	if sev == wrong {
		c.l.Errorf(c.pos(path...), CodeConstantRule, "", "%s", msg)
	} else {
		c.l.Warnf(c.pos(path...), CodeConstantRule, "", "%s", msg)
	}
}

// pos is the position of what the author wrote at path (or of the nearest thing around it).
func (c *checker) pos(path ...any) diag.Pos {
	p := make([]string, len(path))
	for i, x := range path {
		p[i] = fmt.Sprint(x)
	}
	return c.src.enclosing(p)
}

func (c *checker) country() {
	co := c.pkg.Country
	seen := map[string]bool{}
	for i, lang := range co.Languages {
		if seen[lang] {
			c.l.Errorf(c.pos("country", "languages", i), CodeDuplicate, "", "language %s is listed twice", lang)
		}
		seen[lang] = true
	}
	for _, key := range []string{"defaultLanguage", "fallbackLanguage"} {
		lang := co.DefaultLanguage
		if key == "fallbackLanguage" {
			lang = co.FallbackLanguage
		}
		if lang != "" && !seen[lang] {
			c.l.Errorf(c.pos("country", key), CodeLanguage, hintFor(lang, co.Languages),
				"%s %s is not one of the country's languages (%s)", key, lang, strings.Join(co.Languages, ", "))
		}
	}
	if _, err := time.LoadLocation(co.TimeZone); err != nil {
		c.l.Errorf(c.pos("country", "timeZone"), CodeUnknownTimeZone, "", "unknown time zone %s", co.TimeZone)
	}
}

// hintFor is a "did you mean" hint, or "".
func hintFor(name string, candidates []string) string {
	if s := suggest.Closest(name, candidates); s != "" {
		return "did you mean " + s + "?"
	}
	return ""
}

// ruleTypes maps the form's field types to the rule language's.
var ruleTypes = map[string]rules.FieldType{
	"text": rules.TypeText, "longtext": rules.TypeText, "phone": rules.TypeText, "email": rules.TypeText,
	"idnumber": rules.TypeText, "number": rules.TypeNumber, "date": rules.TypeDate, "yesno": rules.TypeYesNo,
	"select": rules.TypeChoice, "radio": rules.TypeChoice, "checkboxes": rules.TypeMultiChoice,
	"location": rules.TypeLocation, "name": rules.TypeCompound, "address": rules.TypeCompound,
	"document": rules.TypeDocument, "heading": rules.TypeDisplay, "paragraph": rules.TypeDisplay,
}

// fieldAt is a field of an event with where it is.
type fieldAt struct {
	field
	page, index int
}

func (c *checker) event(id string, ev event) {
	base := []any{"events", id}
	at := func(path ...any) diag.Pos { return c.pos(append(slices.Clip(base), path...)...) }

	// Fields and pages: each id once.
	var fields []fieldAt
	byID := map[string]fieldAt{}
	pageIDs := map[string]bool{}
	for p, pg := range ev.Form.Pages {
		if pageIDs[pg.ID] {
			c.l.Errorf(at("form", "pages", p, "id"), CodeDuplicate, "", "page %s is declared twice in event %s", pg.ID, id)
		}
		pageIDs[pg.ID] = true
		for i, f := range pg.Fields {
			fa := fieldAt{f, p, i}
			if first, dup := byID[f.ID]; dup {
				first := c.pos(append(slices.Clip(base), "form", "pages", first.page, "fields", first.index, "id")...)
				c.l.Errorf(at("form", "pages", p, "fields", i, "id"), CodeDuplicate, "", "field %s is declared twice (first at %s)", f.ID, first)
				continue
			}
			byID[f.ID] = fa
			fields = append(fields, fa)
		}
	}
	fieldPath := func(f fieldAt, key ...any) []any {
		return append([]any{"events", id, "form", "pages", f.page, "fields", f.index}, key...)
	}

	// The rule language's view of the form. Each field's id is checked on its own, to say which
	// one a rule could not name, only when the whole form is refused: a form's ids are parsed
	// once, not twice. The diagnostics and option lists of the first try are then undone.
	schema := rules.Schema{Statuses: ev.Workflow.Statuses, Flags: slices.Sorted(maps.Keys(ev.Flags)), Roles: slices.Sorted(maps.Keys(c.pkg.Roles))}
	addFields := func(checkEach bool) {
		for _, f := range fields {
			if checkEach {
				if _, err := rules.NewEnv(rules.Schema{Fields: []rules.Field{{ID: f.ID, Type: rules.TypeText}}}); err != nil {
					c.l.Errorf(c.pos(fieldPath(f, "id")...), CodeBadFieldID, "", "%v", err)
					continue
				}
			}
			rf := rules.Field{ID: f.ID, Type: ruleTypes[f.Type], Parts: f.Parts, Lines: f.Type == "longtext"}
			switch f.Type {
			case "select", "radio", "checkboxes":
				rf.Options = c.fieldOptions(f, fieldPath(f)...)
				if len(rf.Options) == 0 { // reported: let rules read it as text rather than cascade
					rf.Type = rules.TypeText
					if f.Type == "checkboxes" {
						rf.Type = rules.TypeMultiChoice
						rf.Options = []string{""}
					}
				}
			}
			schema.Fields = append(schema.Fields, rf)
		}
	}
	reported, used := len(*c.l), maps.Clone(c.used)
	addFields(false)
	env, err := rules.NewEnv(schema)
	if err != nil {
		*c.l, c.used, schema.Fields = (*c.l)[:reported], used, nil
		addFields(true)
		env, err = rules.NewEnv(schema)
	}
	if err != nil {
		c.l.Errorf(at(), CodeBadFieldID, "", "%v", err) // reported field by field above; a safety net
		return
	}
	valid := func(f fieldAt) bool { _, ok := env.Field(f.ID); return ok }

	// Numbers' bounds, defaults and identity number patterns.
	for _, f := range fields {
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			c.l.Errorf(c.pos(fieldPath(f, "min")...), CodeInvalid, "", "field %s: min %v is greater than max %v", f.ID, *f.Min, *f.Max)
		}
		if f.Pattern != "" {
			if err := rules.CheckPattern(f.Pattern); err != nil {
				c.l.Errorf(c.pos(fieldPath(f, "pattern")...), CodeInvalid, "", "field %s: %v", f.ID, err)
			}
		}
		if f.Default != nil {
			c.checkDefault(f, fieldPath(f, "default"))
		}
	}

	// Location fields name levels of areas and types of offices.
	for _, f := range fields {
		if f.Type != "location" {
			continue
		}
		if f.Level != "" && !slices.Contains(c.pkg.Places.Areas.Levels, f.Level) {
			c.l.Errorf(c.pos(fieldPath(f, "level")...), CodeUnknownRef, hintFor(f.Level, c.pkg.Places.Areas.Levels),
				"level %s is not one of places.areas.levels (%s)", f.Level, strings.Join(c.pkg.Places.Areas.Levels, ", "))
		}
		for i, ty := range f.Types {
			if !slices.Contains(c.pkg.Places.Offices.Types, ty) {
				c.l.Errorf(c.pos(fieldPath(f, "types", i)...), CodeUnknownRef, hintFor(ty, c.pkg.Places.Offices.Types),
					"office type %s is not one of places.offices.types (%s)", ty, strings.Join(c.pkg.Places.Offices.Types, ", "))
			}
		}
	}

	// The date and place of the event.
	for _, ref := range []struct{ key, id, want string }{{"dateField", ev.DateField, "date"}, {"placeField", ev.PlaceField, "location"}, {"nameField", ev.NameField, "name"}} {
		f, ok := byID[ref.id]
		switch {
		case !ok:
			c.l.Errorf(at(ref.key), CodeUnknownRef, hintFor(ref.id, slices.Sorted(maps.Keys(byID))), "%s %s is not a field of event %s", ref.key, ref.id, id)
		case f.Type != ref.want:
			c.l.Errorf(at(ref.key), CodeWrongFieldType, "", "%s %s must be a %s field, not a %s field", ref.key, ref.id, ref.want, f.Type)
		case f.Calculate != "":
			// Answered by its rule, not by the user.
		case f.ShownIf != "" || ev.Form.Pages[f.page].ShownIf != "":
			c.l.Errorf(at(ref.key), CodeEventField, "show it always (remove the shownIf of the field or its page)",
				"%s %s is hidden on some declarations: the statistics and the certificates would lose what every record must say", ref.key, ref.id)
		case f.Required != true:
			c.l.Errorf(at(ref.key), CodeEventField, "give field "+ref.id+" required: true",
				"%s %s may be left unanswered: the statistics and the certificates would lose what every record must say", ref.key, ref.id)
		}
	}

	// A field named as a part of another (child.name.given beside the name child.name) would
	// change what every rule and certificate naming that part reads.
	for _, f := range fields {
		if f.Type != "name" && f.Type != "address" {
			continue
		}
		for _, part := range f.Parts {
			if g, ok := byID[f.ID+"."+part]; ok {
				c.l.Errorf(c.pos(fieldPath(g, "id")...), CodeShadowedPart, "rename one of them",
					"field %s has the name of part %s of the %s field %s (%s): a rule or certificate naming %s could mean either", g.ID, part, f.Type, f.ID, c.pos(fieldPath(f, "id")...), g.ID)
			}
		}
	}

	// Settings of a location that do not apply to what it asks for.
	for _, f := range fields {
		switch {
		case f.Type != "location":
		case f.Of == "office" && f.Level != "":
			c.l.Errorf(c.pos(fieldPath(f, "level")...), CodeIgnoredSetting, `choose offices by their types, or ask for an area (of: "area")`,
				"field %s asks for an office: level applies to areas", f.ID)
		case f.Of != "office" && len(f.Types) > 0:
			c.l.Errorf(c.pos(fieldPath(f, "types")...), CodeIgnoredSetting, `set of: "office" to ask for an office of these types, or remove types`,
				"field %s asks for an area (of: \"area\", the default): types apply to offices", f.ID)
		}
	}

	// Every rule, checked against the form; then the form's dependencies.
	rule := func(src string, want rules.Kind, path ...any) *rules.Expr {
		if src == "" {
			return nil
		}
		e, errs := env.Check(src, want)
		for _, err := range errs {
			*c.l = append(*c.l, err.Diagnostic(func(off int) diag.Pos { return c.src.rulePos(path, off) }))
		}
		return e
	}
	if e := rule(ev.Title, rules.String, append(slices.Clip(base), "title")...); e != nil {
		c.titles[id] = e.Node
	}
	pageShown := make([]*rules.Expr, len(ev.Form.Pages))
	for p, pg := range ev.Form.Pages {
		path := append(slices.Clip(base), "form", "pages", p, "shownIf")
		pageShown[p] = rule(pg.ShownIf, rules.Bool, path...)
		c.constant(pageShown[p], path, "the shownIf of page "+pg.ID, idle, "the page is always shown: remove shownIf",
			idle, "the page is never shown, nor any of its fields answered")
	}
	var frs []rules.FieldRules
	for _, f := range fields {
		if !valid(f) || ruleTypes[f.Type] == rules.TypeDisplay {
			// A heading or paragraph has no value, so no rules of its own in the form (its
			// shownIf is still checked above, and the forms use it from the page).
			if ruleTypes[f.Type] == rules.TypeDisplay {
				rule(f.ShownIf, rules.Bool, fieldPath(f, "shownIf")...)
			}
			continue
		}
		fr := rules.FieldRules{ID: f.ID}
		fr.Shown = rule(f.ShownIf, rules.Bool, fieldPath(f, "shownIf")...)
		c.constant(fr.Shown, fieldPath(f, "shownIf"), "the shownIf of field "+f.ID, idle, "the field is always shown: remove shownIf",
			idle, "the field is never shown, nor answered")
		if ps := pageShown[f.page]; ps != nil {
			// A field of a hidden page is hidden: the page's condition joins the field's.
			src := ps.Source
			if f.ShownIf != "" {
				src = "(" + ps.Source + ") && (" + f.ShownIf + ")"
			}
			fr.Shown, _ = env.Check(src, rules.Bool)
		}
		fr.Enabled = rule(f.EnabledIf, rules.Bool, fieldPath(f, "enabledIf")...)
		switch r := f.Required.(type) {
		case bool:
			fr.Required = r
		case string:
			fr.RequiredIf = rule(r, rules.Bool, fieldPath(f, "required")...)
			c.constant(fr.RequiredIf, fieldPath(f, "required"), "the required rule of field "+f.ID, idle, "write required: true",
				idle, "the field is never required: remove it")
		}
		never := idle // a field nobody may answer is a mistake only if it must be answered
		if fr.Required {
			never = wrong
		}
		c.constant(fr.Enabled, fieldPath(f, "enabledIf"), "the enabledIf of field "+f.ID, idle, "the field is always enabled: remove enabledIf",
			never, "nobody can ever answer the field")
		if f.Calculate != "" {
			rf, _ := env.Field(f.ID)
			fr.Calculated = rule(f.Calculate, kindOf(rf.Type), fieldPath(f, "calculate")...)
		}
		for i, v := range f.Validations {
			if e := rule(v.Rule, rules.Bool, fieldPath(f, "validations", i, "rule")...); e != nil {
				c.constant(e, fieldPath(f, "validations", i, "rule"), "a validation of field "+f.ID, idle, "it checks nothing",
					wrong, "every answer is refused")
				fr.Validations = append(fr.Validations, rules.Validation{Rule: e, Message: v.Message})
			}
		}
		frs = append(frs, fr)
	}
	ir, errs := rules.BuildForm(env, frs)
	c.forms[id] = ir
	if len(errs) > 0 {
		for _, err := range errs {
			pos := at()
			if cy, ok := err.(*rules.Cycle); ok {
				f := byID[cy.Steps[0].Field]
				pos = c.pos(fieldPath(f, ruleKey[cy.Steps[0].Rule])...)
			}
			c.l.Errorf(pos, CodeCycle, "", "%v", err)
		}
	}
	c.workflow(id, ev, rule)
	c.creatingOverlap(id, ev)
	c.duplicates(id, ev, byID)
	c.eventStatistics(id, ev, byID)
	c.numbering(id, ev.Numbering)
	c.certificates(id, ev, rule)
}

// certificates checks each certificate template of an event: its languages can be printed, its
// files are there and are what they should be, each element prints one thing, its rules hold
// against the form. What it compiles goes into the bundle.
func (c *checker) certificates(id string, ev event, rule func(string, rules.Kind, ...any) *rules.Expr) {
	for _, name := range slices.Sorted(maps.Keys(ev.Certificates)) {
		cert := ev.Certificates[name]
		at := func(path ...any) diag.Pos {
			return c.pos(append([]any{"events", id, "certificates", name}, path...)...)
		}
		// A problem in a layout several certificates share is reported once for each, with
		// where that certificate uses it.
		certPath := []string{"events", id, "certificates", name}
		from := len(*c.l)
		used := func(path []string) {
			for i := range (*c.l)[from:] {
				d := &(*c.l)[from+i]
				if use, ok := c.src.useSite(path, len(certPath), d.Pos); ok && len(d.Related) == 0 {
					d.Related = []diag.Related{{Pos: use, Message: "used by certificate " + name}}
				}
			}
			from = len(*c.l)
		}
		out := bundle.Certificate{ID: name, Label: or(cert.Label, "certificate."+name), Languages: cert.Languages,
			Size: or(cert.Page.Size, "A4"), Orientation: or(cert.Page.Orientation, "portrait"), Background: cert.Background}
		for i, lang := range cert.Languages {
			switch {
			case !slices.Contains(c.pkg.Country.Languages, lang):
				c.l.Errorf(at("languages", i), CodeLanguage, hintFor(lang, c.pkg.Country.Languages),
					"certificate %s: %s is not one of the country's languages (%s)", name, lang, strings.Join(c.pkg.Country.Languages, ", "))
			default:
				if sup, err := pdf.Language(lang); err == nil && !sup.OK {
					c.l.Errorf(at("languages", i), CodeLanguage, "print it in another of the country's languages",
						"certificate %s: %s cannot be printed: %s (%s script); its certificates would come out garbled", name, lang, sup.Reason, sup.Script)
				}
			}
		}
		if cert.Background != "" {
			c.file(cert.Background, "image", at("background"), name)
		}
		for i, f := range cert.Fonts {
			c.file(f.Regular, "font", at("fonts", i, "regular"), name)
			if f.Bold != "" {
				c.file(f.Bold, "font", at("fonts", i, "bold"), name)
			}
			out.Fonts = append(out.Fonts, bundle.FontSet{Regular: f.Regular, Bold: f.Bold})
		}
		used(certPath)
		for i, e := range cert.Elements {
			path := []any{"events", id, "certificates", name, "elements", i}
			elementPath := append(slices.Clip(certPath), "elements", strconv.Itoa(i))
			var kinds []string
			for k, set := range map[string]bool{"text": e.Text != "", "value": e.Value != "", "registrationNumber": e.Number, "serial": e.Serial,
				"issued": e.Issued, "image": e.Image != "", "qr": e.QR, "watermark": e.Watermark != ""} {
				if set {
					kinds = append(kinds, k)
				}
			}
			slices.Sort(kinds)
			if len(kinds) != 1 {
				c.l.Errorf(at("elements", i), CodeInvalid, "give one of text, value, registrationNumber, serial, issued, image, qr, watermark",
					"certificate %s: element %d prints %s; an element prints exactly one thing", name, i+1, orNothing(kinds))
			}
			if e.Language > len(cert.Languages) {
				c.l.Errorf(at("elements", i, "language"), CodeInvalid, "", "certificate %s: element %d is in language %d of a certificate in %d", name, i+1, e.Language, len(cert.Languages))
			}
			if (e.Image != "" || e.QR) && (e.Width == 0 || e.Image != "" && e.Height == 0) {
				c.l.Errorf(at("elements", i), CodeInvalid, "give its width (and an image's height), in millimetres", "certificate %s: element %d has no size", name, i+1)
			}
			if e.Image != "" {
				c.file(e.Image, "image", at("elements", i, "image"), name)
			}
			c.placement(cert, name, i+1, e, at("elements", i))
			el := bundle.CertElement{X: e.X, Y: e.Y, Width: e.Width, Height: e.Height, Size: e.Size, Bold: e.Bold, Align: e.Align,
				Language: e.Language, Text: e.Text, Number: e.Number, Serial: e.Serial, Issued: e.Issued, Image: e.Image, QR: e.QR,
				Watermark: e.Watermark}
			if x := rule(e.If, rules.Bool, append(path, "if")...); x != nil {
				el.If = x.Node
			}
			if x := rule(e.Value, rules.AnyKind, append(path, "value")...); x != nil {
				el.Value = x.Node
				if x.Type.Field != nil {
					el.Field = x.Type.Field.ID
				}
			}
			out.Elements = append(out.Elements, el)
			used(elementPath)
		}
		c.certs[id] = append(c.certs[id], out)
	}
}

func orNothing(kinds []string) string {
	if len(kinds) == 0 {
		return "nothing"
	}
	return strings.Join(kinds, " and ")
}

// fontFile is a font of the package, read and parsed in the background.
type fontFile struct {
	done    chan struct{}
	data    []byte
	err     error // reading it
	cmap    *pdf.Cmap
	cmapErr error // parsing it
}

// readFonts starts reading and parsing the certificates' fonts, and the Go fonts every
// certificate falls back on, while the forms and rules are checked: parsing a font's character
// map is milliseconds of work that needs nothing else.
func (c *checker) readFonts() map[string]*fontFile {
	go goCmap()
	fonts := map[string]*fontFile{}
	for _, ev := range c.pkg.Events {
		for _, cert := range ev.Certificates {
			for _, f := range cert.Fonts {
				for _, name := range []string{f.Regular, f.Bold} {
					if name == "" || fonts[name] != nil {
						continue
					}
					ff := &fontFile{done: make(chan struct{})}
					fonts[name] = ff
					go func(path string) {
						defer close(ff.done)
						if ff.data, ff.err = os.ReadFile(path); ff.err == nil {
							ff.cmap, ff.cmapErr = pdf.ReadCmap(ff.data)
						}
					}(filepath.Join(c.src.dir, filepath.FromSlash(name)))
				}
			}
		}
	}
	return fonts
}

// file checks a certificate's file, and keeps it for the bundle: an image is a PNG or a JPEG,
// a font a TrueType or OpenType font.
func (c *checker) file(name, kind string, pos diag.Pos, cert string) {
	if _, done := c.files[name]; done {
		return
	}
	ff := c.fonts[name]
	var data []byte
	var err error
	if ff != nil {
		<-ff.done
		data, err = ff.data, ff.err
	} else {
		data, err = os.ReadFile(filepath.Join(c.src.dir, filepath.FromSlash(name)))
	}
	if err != nil {
		c.l.Errorf(pos, CodeUnknownRef, "", "certificate %s: file %s is not in the package", cert, name)
		return
	}
	switch kind {
	case "image":
		if t := http.DetectContentType(data); t != "image/png" && t != "image/jpeg" {
			c.l.Errorf(pos, CodeInvalid, "", "certificate %s: %s is %s, not a PNG or JPEG image", cert, name, t)
			return
		}
	case "font":
		var cmap *pdf.Cmap
		if ff != nil {
			cmap, err = ff.cmap, ff.cmapErr
		} else {
			cmap, err = pdf.ReadCmap(data)
		}
		if err != nil {
			c.l.Errorf(pos, CodeInvalid, "", "certificate %s: font %s: %v", cert, name, err)
			return
		}
		c.cmaps[name] = cmap
	}
	c.files[name] = data
}

// fontCoverage checks that each certificate's fonts have every character its texts print in
// each of its languages: the translations it prints, and the words dates are written out with.
// A character is printed with the first of the fonts that has it, the Go fonts last (as the
// renderer does). Answers typed by registrars cannot be known here; the country's texts show
// its scripts.
//
// What a certificate prints is gathered as a set of distinct characters, and the characters of
// the places' and offices' names once per language and level, whichever certificates print
// them: a national package has a hundred thousand places.
func (c *checker) fontCoverage(tb *tables) {
	cat := i18n.New(c.pkg.Country.Languages, c.pkg.Country.DefaultLanguage, tb.texts)
	names := &nameRunes{tb: tb, places: map[[2]string]*runeSet{}, offices: map[string]*runeSet{}}
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		for _, name := range slices.Sorted(maps.Keys(c.pkg.Events[id].Certificates)) {
			cert := c.pkg.Events[id].Certificates[name]
			var fonts []*pdf.Cmap
			for _, f := range cert.Fonts {
				for _, file := range []string{f.Regular, f.Bold} {
					if cmap := c.cmaps[file]; cmap != nil {
						fonts = append(fonts, cmap)
					}
				}
			}
			fonts = append(fonts, goCmap())
			for _, lang := range cert.Languages {
				if !slices.Contains(c.pkg.Country.Languages, lang) {
					continue // reported as not the country's: what it prints is not known
				}
				printed := newRuneSet()
				printed.addText(cat.LongDate(lang, "2026-01-01"))
				printed.addText(i18n.Digits(lang, 1234567890)) // every digit of a date
				for m := 1; m <= 12; m++ {
					printed.addText(cat.Text(lang, fmt.Sprintf("month.%d", m)))
				}
				// What prints in bold, shaped again with the bold faces: a bold face may
				// lack a conjunct its regular has.
				bold := newRuneSet()
				for _, e := range cert.Elements {
					if e.Text != "" {
						printed.addText(cat.Text(lang, e.Text))
						if e.Bold {
							bold.addText(cat.Text(lang, e.Text))
						}
					}
					if e.Watermark != "" {
						printed.addText(cat.Text(lang, e.Watermark))
					}
					if e.Issued && e.Bold {
						bold.addText(cat.LongDate(lang, "2026-01-01"))
						for m := 1; m <= 12; m++ {
							bold.addText(cat.Text(lang, fmt.Sprintf("month.%d", m)))
						}
					}
				}
				c.printedAnswers(printed, id, name, lang, cat, names, false)
				c.printedAnswers(bold, id, name, lang, cat, names, true)
				if missing := missingRunes(fonts, printed.runes); len(missing) > 0 {
					c.l.Errorf(c.pos("events", id, "certificates", name, "languages"), CodeInvalid, "add a font of the package that has them (fonts: [{regular: \"fonts/....ttf\"}])",
						"certificate %s: none of its fonts has %s, which its %s texts print", name, runeList(missing), lang)
				} else if bad := c.shapedCoverage(cert, lang, printed.shaped, false); len(bad) > 0 {
					c.l.Errorf(c.pos("events", id, "certificates", name, "languages"), CodeInvalid, "use a font of the package that has the script's conjuncts (its OpenType substitutions), such as Noto Sans for the script",
						"certificate %s: its fonts cannot print what its %s texts print, once shaped: %s", name, lang, unprintedList(bad))
				} else if bad := c.shapedCoverage(cert, lang, bold.shaped, true); len(bad) > 0 {
					c.l.Errorf(c.pos("events", id, "certificates", name, "fonts"), CodeInvalid, "use a bold face that has the script's conjuncts, or print those elements in the regular weight",
						"certificate %s: its bold fonts cannot print what its %s texts print in bold, once shaped: %s", name, lang, unprintedList(bad))
				}
			}
			// Names are typed in any of the country's languages: a certificate whose fonts
			// lack another language's letters cannot print a name written in them.
			for _, lang := range c.pkg.Country.Languages {
				if slices.Contains(cert.Languages, lang) {
					continue
				}
				country := newRuneSet()
				country.addText(cat.Text(lang, "country.name"))
				if missing := missingRunes(fonts, country.runes); len(missing) > 0 {
					c.l.Warnf(c.pos("events", id, "certificates", name, "languages"), CodeInvalid, "add a font of the package that has them, if names are written so",
						"certificate %s: its fonts lack letters of %s (%s): a name written in them cannot be printed on it", name, lang, runeList(missing))
				}
			}
		}
	}
}

// shapedCoverage shapes the texts of a certificate in a language that go through the shaper
// (Arabic, the Indic scripts...) with its fonts, and returns those that would not print whole:
// a conjunct the font lacks prints as a visible virama, which a font's character map does not
// show. Each text is shaped once per set of fonts and language, whichever certificates print it.
// bold: with the fonts' bold faces.
func (c *checker) shapedCoverage(cert certificate, lang string, texts []string, bold bool) []*pdf.Unprinted {
	if len(texts) == 0 {
		return nil
	}
	var files [][]byte
	key := lang
	for _, f := range cert.Fonts {
		// The renderer prints bold with a font's bold face, or its regular one when it has
		// none.
		file := f.Regular
		if bold && f.Bold != "" {
			file = f.Bold
		}
		if data, ok := c.files[file]; ok && c.cmaps[file] != nil {
			files = append(files, data)
			key += "\x00" + file
		}
	}
	if c.chains == nil {
		c.chains = map[string]*fontChain{}
	}
	ch := c.chains[key]
	if ch == nil {
		chain, err := pdf.NewFontChain(lang, files...)
		if err != nil { // the fonts' own errors are reported where they are named
			return nil
		}
		ch = &fontChain{chain: chain, checked: map[string]*pdf.Unprinted{}}
		c.chains[key] = ch
	}
	var bad []*pdf.Unprinted
	for _, t := range texts {
		u, done := ch.checked[t]
		if !done {
			u = ch.chain.Check(t)
			ch.checked[t] = u
		}
		if u != nil {
			bad = append(bad, u)
		}
	}
	return bad
}

// fontChain is a certificate's fonts read for shaping, and the texts checked with them.
type fontChain struct {
	chain   *pdf.FontChain
	checked map[string]*pdf.Unprinted
}

// unprintedList names three texts that would not print, and how many more.
func unprintedList(bad []*pdf.Unprinted) string {
	var out []string
	for _, u := range bad[:min(3, len(bad))] {
		out = append(out, u.Error())
	}
	if len(bad) > 3 {
		out = append(out, fmt.Sprintf("and %d more", len(bad)-3))
	}
	return strings.Join(out, "; ")
}

// goCmap is the character map of the Go fonts, which every certificate falls back on.
var goCmap = sync.OnceValue(func() *pdf.Cmap {
	cmap, err := pdf.ReadCmap(goregular.TTF)
	if err != nil {
		panic(fmt.Sprintf("the Go fonts do not read: %v", err)) // a bug of ours, caught by every test
	}
	return cmap
})

// missingRunes returns the characters, of those given, that none of the fonts has, in the
// order given.
func missingRunes(fonts []*pdf.Cmap, rs []rune) []rune {
	// Missing reads a text as the renderer prints it (NFC); characters kept apart by spaces
	// stay what they are.
	var text strings.Builder
	for _, r := range rs {
		text.WriteRune(r)
		text.WriteByte(' ')
	}
	missing := fonts[0].Missing(text.String())
	for _, f := range fonts[1:] {
		if len(missing) == 0 {
			break
		}
		text.Reset()
		for _, r := range missing {
			text.WriteRune(r)
			text.WriteByte(' ')
		}
		missing = f.Missing(text.String())
	}
	return missing
}

// printedAnswers adds what a certificate's values straight from a field can print in a
// language, as far as the package knows it: a choice's labels, a place's names; boldOnly: those of
// the values printed in bold.
func (c *checker) printedAnswers(printed *runeSet, event, cert, lang string, cat *i18n.Catalog, names *nameRunes, boldOnly bool) {
	fields := map[string]field{}
	for _, pg := range c.pkg.Events[event].Form.Pages {
		for _, f := range pg.Fields {
			fields[f.ID] = f
		}
	}
	seen := map[string]bool{}
	for _, bc := range c.certs[event] {
		if bc.ID != cert {
			continue
		}
		for _, e := range bc.Elements {
			f, ok := fields[e.Field]
			if !ok || seen[f.ID] || (boldOnly && !e.Bold) {
				continue
			}
			seen[f.ID] = true
			for _, o := range c.bundleOptions(f) {
				printed.addText(cat.Text(lang, o.Label))
			}
			if f.Type == "location" && f.Of != "office" {
				printed.addSet(names.placeNames(lang, f.Level))
			}
			if f.Type == "location" && f.Of != "area" {
				printed.addSet(names.officeNames(lang))
			}
		}
	}
}

// nameRunes holds the characters of the places' names, by language and level ("" for every
// level), and of the offices' names, each set worked out once.
type nameRunes struct {
	tb      *tables
	places  map[[2]string]*runeSet
	offices map[string]*runeSet
}

func (n *nameRunes) placeNames(lang, level string) *runeSet {
	key := [2]string{lang, level}
	if s := n.places[key]; s != nil {
		return s
	}
	s := newRuneSet()
	for _, a := range n.tb.sorted {
		if level == "" || level == a.level {
			s.addText(or(a.names[lang], a.name))
		}
	}
	n.places[key] = s
	return s
}

// officeNames: the offices' names in a language, their name where they have none in it.
func (n *nameRunes) officeNames(lang string) *runeSet {
	if s := n.offices[lang]; s != nil {
		return s
	}
	s := newRuneSet()
	for _, o := range n.tb.officeList {
		s.addText(or(o.Names[lang], o.Name))
	}
	n.offices[lang] = s
	return s
}

// runeSet is a set of characters, in the order they were first added.
type runeSet struct {
	bmp    []uint64 // a bit for each character of the Basic Multilingual Plane
	astral map[rune]bool
	runes  []rune
	shaped []string // the texts that go through the shaper, each once, checked in glyphs
	seen   map[string]bool
}

func newRuneSet() *runeSet { return &runeSet{bmp: make([]uint64, 0x10000/64)} }

func (s *runeSet) add(r rune) {
	if r >= 0 && r < 0x10000 {
		if s.bmp[r/64]&(1<<(r%64)) != 0 {
			return
		}
		s.bmp[r/64] |= 1 << (r % 64)
	} else {
		if s.astral[r] {
			return
		}
		if s.astral == nil {
			s.astral = map[rune]bool{}
		}
		s.astral[r] = true
	}
	s.runes = append(s.runes, r)
}

// addText adds the characters of a text as the renderer prints it: normalised to NFC.
func (s *runeSet) addText(text string) {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			text = norm.NFC.String(text)
			for _, r := range text {
				s.add(r)
			}
			if pdf.NeedsShaping(text) {
				s.addShaped(text)
			}
			return
		}
		s.add(rune(text[i]))
	}
}

func (s *runeSet) addShaped(text string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[text] {
		s.seen[text] = true
		s.shaped = append(s.shaped, text)
	}
}

func (s *runeSet) addSet(o *runeSet) {
	for _, t := range o.shaped {
		s.addShaped(t)
	}
	for _, r := range o.runes {
		s.add(r)
	}
}

// runeList writes characters as "ፌ (U+134C), ...", five at most.
func runeList(rs []rune) string {
	var out []string
	for i, r := range rs {
		if i == 5 {
			out = append(out, "...")
			break
		}
		out = append(out, fmt.Sprintf("%c (U+%04X)", r, r))
	}
	return strings.Join(out, ", ")
}

// checkDefault reports a default a field could not hold.
func (c *checker) checkDefault(f fieldAt, path []any) {
	want := ""
	switch v := f.Default.(type) {
	case bool:
		if f.Type != "yesno" {
			want = "a yes/no field"
		}
	case float64, int, int64:
		if f.Type != "number" {
			want = "a number field"
		}
	case string:
		switch f.Type {
		case "select", "radio":
			opts := c.optionsOf(f)
			if opts != nil && !slices.Contains(opts, v) {
				c.l.Errorf(c.pos(path...), CodeInvalid, hintFor(v, opts), "field %s: default %q is not one of its options", f.ID, v)
			}
		case "number", "yesno", "checkboxes", "name", "address", "document", "date":
			want = "a text or choice field"
		}
	}
	if want != "" {
		c.l.Errorf(c.pos(path...), CodeInvalid, "", "field %s: default %v fits %s, not a %s field", f.ID, f.Default, want, f.Type)
	}
}

// optionsOf returns a choice field's option values without reporting anything.
func (c *checker) optionsOf(f fieldAt) []string {
	if f.OptionList != "" {
		if list, ok := c.pkg.OptionLists[f.OptionList]; ok {
			return optionValues(list)
		}
		return nil
	}
	return optionValues(f.Options)
}

// ruleKey is the key of the package that holds a rule of each kind.
var ruleKey = map[string]string{rules.RuleShown: "shownIf", rules.RuleEnabled: "enabledIf",
	rules.RuleRequired: "required", rules.RuleCalculated: "calculate"}

func kindOf(t rules.FieldType) rules.Kind {
	switch t {
	case rules.TypeNumber:
		return rules.Number
	case rules.TypeDate:
		return rules.Date
	case rules.TypeYesNo:
		return rules.Bool
	case rules.TypeMultiChoice:
		return rules.List
	case rules.TypeCompound, rules.TypeDocument, rules.TypeDisplay:
		return rules.Compound
	}
	return rules.String
}

// fieldOptions returns a choice field's option values, from its own list or a named one.
func (c *checker) fieldOptions(f fieldAt, path ...any) []string {
	switch {
	case f.OptionList != "" && len(f.Options) > 0:
		c.l.Errorf(c.pos(append(path, "optionList")...), CodeNoOptions, "", "field %s has both options and an optionList: keep one", f.ID)
	case f.OptionList != "":
		list, ok := c.pkg.OptionLists[f.OptionList]
		if !ok {
			c.l.Errorf(c.pos(append(path, "optionList")...), CodeUnknownRef, hintFor(f.OptionList, slices.Sorted(maps.Keys(c.pkg.OptionLists))),
				"option list %s does not exist", f.OptionList)
			return nil
		}
		c.used[f.OptionList] = true
		return optionValues(list)
	case len(f.Options) == 0:
		c.l.Errorf(c.pos(path...), CodeNoOptions, "", "field %s is a %s with no options: give options or an optionList", f.ID, f.Type)
		return nil
	}
	c.options(f.Options, append(slices.Clip(path), "options")...)
	return optionValues(f.Options)
}

func (c *checker) options(opts []option, path ...any) {
	seen := map[string]bool{}
	for i, o := range opts {
		if seen[o.Value] {
			c.l.Errorf(c.pos(append(slices.Clip(path), i, "value")...), CodeDuplicate, "", "option %s is listed twice", o.Value)
		}
		seen[o.Value] = true
	}
}

func optionValues(opts []option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// workflow checks statuses, actions and flags: every name known, every status reachable from
// the action that creates a record, every flag raised by some action.
func (c *checker) workflow(id string, ev event, rule func(string, rules.Kind, ...any) *rules.Expr) {
	wf := ev.Workflow
	at := func(path ...any) diag.Pos { return c.pos(append([]any{"events", id, "workflow"}, path...)...) }
	statuses := map[string]bool{}
	for i, s := range wf.Statuses {
		if statuses[s] {
			c.l.Errorf(at("statuses", i), CodeDuplicate, "", "status %s is listed twice", s)
		}
		statuses[s] = true
	}
	flags := slices.Sorted(maps.Keys(ev.Flags))
	raised := map[string]bool{}
	reached := map[string]bool{}
	next := map[string][]string{}
	creating := 0
	for _, name := range slices.Sorted(maps.Keys(wf.Actions)) {
		a := wf.Actions[name]
		for i, s := range a.From {
			if !statuses[s] {
				c.l.Errorf(at("actions", name, "from", i), CodeUnknownRef, hintFor(s, wf.Statuses), "action %s: status %s does not exist", name, s)
			}
		}
		if a.To != "" && !statuses[a.To] {
			c.l.Errorf(at("actions", name, "to"), CodeUnknownRef, hintFor(a.To, wf.Statuses), "action %s: status %s does not exist", name, a.To)
		}
		for _, key := range []string{"addFlags", "removeFlags"} {
			list := a.AddFlags
			if key == "removeFlags" {
				list = a.RemoveFlags
			}
			for i, f := range list {
				if _, ok := ev.Flags[f]; !ok {
					c.l.Errorf(at("actions", name, key, i), CodeUnknownRef, hintFor(f, flags), "action %s: flag %s is not a flag of event %s", name, f, id)
				}
				if key == "addFlags" {
					raised[f] = true
				}
			}
		}
		var whole []*rules.Node
		var parts []bundle.Condition
		for _, cond := range a.conditions() {
			path := append([]any{"events", id, "workflow", "actions", name}, cond.path...)
			if e := rule(cond.Rule, rules.Bool, path...); e != nil {
				c.constant(e, path, "the condition of action "+name, idle, "remove it", wrong, "the action can never be taken")
				whole = append(whole, e.Node)
				if cond.Message != "" {
					parts = append(parts, bundle.Condition{If: e.Node, Message: cond.Message})
				}
			}
		}
		if len(whole) > 0 {
			if c.actionIfs[id] == nil {
				c.actionIfs[id] = map[string]actionIf{}
			}
			c.actionIfs[id][name] = actionIf{whole: rules.And(whole...), parts: parts}
		}
		if a.Applies != "" {
			if p, ok := wf.Actions[a.Applies]; !ok {
				c.l.Errorf(at("actions", name, "applies"), CodeUnknownRef, hintFor(a.Applies, slices.Sorted(maps.Keys(wf.Actions))),
					"action %s applies the proposal of action %s, which does not exist", name, a.Applies)
			} else if p.Edits != "proposal" {
				c.l.Errorf(at("actions", name, "applies"), CodeInvalid, "give action "+a.Applies+` edits: "proposal"`,
					"action %s applies the proposal of action %s, which proposes nothing", name, a.Applies)
			}
		}
		if a.Prints && len(ev.Certificates) == 0 {
			c.l.Errorf(at("actions", name, "prints"), CodeInvalid, "describe one under events."+id+".certificates",
				"action %s prints a certificate, but event %s has none", name, id)
		}
		if a.Prints && len(a.From) == 0 {
			c.l.Errorf(at("actions", name, "prints"), CodeInvalid, "",
				"action %s prints a certificate of a record it creates: print it once the record is registered", name)
		}
		if len(a.From) == 0 {
			creating++
			if a.To != "" {
				reached[a.To] = true
			}
		}
		for _, s := range a.From {
			if a.To != "" {
				next[s] = append(next[s], a.To)
			}
		}
		if !c.granted(id, name) {
			c.l.Errorf(at("actions", name), CodeNoRole, "", "no role may take action %s on %s: grant it in some role's grants.%s", name, id, id)
		}
	}
	if creating == 0 {
		c.l.Errorf(at("actions"), CodeNoCreatingAction, "", "no action creates a %s record: one action needs from: [] (declare)", id)
	}
	queue := slices.Sorted(maps.Keys(reached))
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range next[s] {
			if !reached[t] {
				reached[t] = true
				queue = append(queue, t)
			}
		}
	}
	if creating > 0 {
		for i, s := range wf.Statuses {
			if !reached[s] {
				c.l.Errorf(at("statuses", i), CodeUnreachable, "", "no sequence of actions leads to status %s", s)
			}
		}
	}
	if ev.Duplicates != nil {
		raised[ev.Duplicates.Flag] = true // by the actions that compare the record with the register
	}
	for _, h := range ev.Hooks {
		if h.Waiting != "" {
			raised[h.Waiting] = true // by the runtime, while the hook's system works
		}
	}
	for _, f := range flags {
		if !raised[f] {
			c.l.Warnf(c.pos("events", id, "flags", f), CodeUnused, "", "flag %s is raised by no action", f)
		}
	}
}

func (c *checker) granted(eventID, action string) bool {
	for _, r := range c.pkg.Roles {
		if slices.Contains(r.Grants[eventID], action) {
			return true
		}
	}
	return false
}

func (c *checker) roles() {
	for _, name := range slices.Sorted(maps.Keys(c.pkg.Roles)) {
		r := c.pkg.Roles[name]
		for _, evID := range slices.Sorted(maps.Keys(r.Grants)) {
			ev, ok := c.pkg.Events[evID]
			if !ok {
				c.l.Errorf(c.pos("roles", name, "grants", evID), CodeUnknownRef, hintFor(evID, slices.Sorted(maps.Keys(c.pkg.Events))),
					"role %s: event %s does not exist", name, evID)
				continue
			}
			actions := slices.Sorted(maps.Keys(ev.Workflow.Actions))
			for i, a := range r.Grants[evID] {
				if _, ok := ev.Workflow.Actions[a]; !ok {
					c.l.Errorf(c.pos("roles", name, "grants", evID, i), CodeUnknownRef, hintFor(a, actions),
						"role %s: event %s has no action %s", name, evID, a)
				}
			}
		}
		for i, evID := range r.Reads {
			if _, ok := c.pkg.Events[evID]; !ok {
				c.l.Errorf(c.pos("roles", name, "reads", i), CodeUnknownRef, hintFor(evID, slices.Sorted(maps.Keys(c.pkg.Events))),
					"role %s reads event %s, which does not exist", name, evID)
			}
		}
		for i, evID := range r.Statistics {
			ev, ok := c.pkg.Events[evID]
			switch {
			case !ok:
				c.l.Errorf(c.pos("roles", name, "statistics", i), CodeUnknownRef, hintFor(evID, slices.Sorted(maps.Keys(c.pkg.Events))),
					"role %s reads the statistics of event %s, which does not exist", name, evID)
			case ev.Statistics == nil:
				c.l.Errorf(c.pos("roles", name, "statistics", i), CodeStatistics, "declare events."+evID+".statistics",
					"role %s reads the statistics of event %s, which declares none", name, evID)
			}
		}
		for i, other := range r.Administers {
			o, ok := c.pkg.Roles[other]
			switch {
			case !ok:
				c.l.Errorf(c.pos("roles", name, "administers", i), CodeUnknownRef, hintFor(other, slices.Sorted(maps.Keys(c.pkg.Roles))),
					"role %s administers role %s, which does not exist", name, other)
			case jurisdictionWidth[o.Jurisdiction] > jurisdictionWidth[r.Jurisdiction]:
				c.l.Errorf(c.pos("roles", name, "administers", i), CodeJurisdiction, "administer "+other+" from a role of "+o.Jurisdiction+" jurisdiction",
					"role %s, of %s jurisdiction, administers role %s, of %s jurisdiction: its administrators would create users who act beyond their own reach",
					name, r.Jurisdiction, other, o.Jurisdiction)
			}
		}
	}
}

// jurisdictionWidth orders jurisdictions: a role administers none wider than its own.
var jurisdictionWidth = map[string]int{"office": 0, "area": 1, "nation": 2}

var numberToken = regexp.MustCompile(`\{([^{}]*)\}`)

// numbering checks that a registration number can be unique where the package says it is: a
// sequence that restarts per office must have the office in the number, and one that restarts
// every year must have the year.
func (c *checker) numbering(id string, n numbering) {
	pos := c.pos("events", id, "numbering", "format")
	has := map[string]bool{}
	for _, m := range numberToken.FindAllStringSubmatch(n.Format, -1) {
		tok := m[1]
		if strings.HasPrefix(tok, "seq") {
			tok = "seq"
		}
		switch tok {
		case "event", "year", "office", "area", "seq":
			has[tok] = true
		default:
			c.l.Errorf(pos, CodeNumbering, hintFor(tok, []string{"event", "year", "office", "area", "seq"}),
				"unknown part {%s} in the registration number format", m[1])
		}
	}
	if _, ok := c.pkg.Events[id].Workflow.Actions[n.Action]; !ok {
		c.l.Errorf(c.pos("events", id, "numbering"), CodeUnknownRef, hintFor(n.Action, slices.Sorted(maps.Keys(c.pkg.Events[id].Workflow.Actions))),
			"numbers are given by action %s, which event %s does not have; set numbering.action", n.Action, id)
	}
	scope := n.Scope
	if (scope == "office" || scope == "office-year") && !has["office"] {
		c.l.Errorf(pos, CodeNumbering, "add {office}, or make the scope national",
			"numbers restart per office (scope %s) but the format %s has no {office}: two offices would give the same number", scope, n.Format)
	}
	if (scope == "year" || scope == "office-year") && !has["year"] {
		c.l.Errorf(pos, CodeNumbering, "add {year}",
			"numbers restart every year (scope %s) but the format %s has no {year}: two years would give the same number", scope, n.Format)
	}
}

// rulePos turns a byte offset inside a rule into the position of that character in the
// package's file: the rule is a CUE string literal, whose escapes the offset must step over.
// When the offset cannot be placed (a multi-line literal), it is the whole literal's range.
func (s *cueSource) rulePos(path []any, offset int) diag.Pos {
	p := make([]string, len(path))
	for i, x := range path {
		p[i] = fmt.Sprint(x)
	}
	pos := s.enclosing(p) // the literal's range, when the offset cannot be placed inside it
	if pos.Line == 0 {
		return pos
	}
	src, err := os.ReadFile(pos.File)
	if err != nil {
		return pos
	}
	lines := strings.SplitAfter(string(src), "\n")
	if pos.Line > len(lines) {
		return pos
	}
	line := lines[pos.Line-1]
	// Columns count bytes in CUE positions; find the literal's opening quote.
	start := pos.Column - 1
	if start < 0 || start >= len(line) || line[start] != '"' || strings.HasPrefix(line[start:], `"""`) {
		return pos // a multi-line or raw literal: point at its start
	}
	i, decoded := start+1, 0
	for i < len(line) && decoded < offset {
		switch {
		case line[i] == '"':
			return pos
		case line[i] == '\\' && i+1 < len(line):
			_, _, tail, err := strconv.UnquoteChar(line[i:], '"')
			if err != nil {
				return pos
			}
			r, _, _, _ := strconv.UnquoteChar(line[i:], '"')
			decoded += utf8.RuneLen(r)
			i = len(line) - len(tail)
		default:
			decoded++
			i++
		}
	}
	pos.Column = i + 1
	return pos.Start()
}
