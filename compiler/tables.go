package compiler

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/sheets"
)

// Diagnostic codes of the spreadsheets' contents (the sheets package reports their form).
const (
	CodeUnknownParent = "unknown-parent"
	CodeAreaLevel     = "area-level"
	CodeAreaCycle     = "area-cycle"
	CodeAreaConflict  = "area-conflict"
	CodePassword      = "password"
	CodeTranslation   = "translation"
	CodePlaceholder   = "placeholder"
	CodeMessage       = "message-syntax"
	CodePlural        = "plural-category"
	CodeNoContact     = "no-contact"
	// CodePlaceholderLevel is a placeholder (-, N/A) standing for a missing level of an OCHA table.
	CodePlaceholderLevel = "placeholder-level"
)

// area is an administrative area, from either layout of the areas sheet.
type area struct {
	code, name, parent, level string
	validFrom, validTo        string   // YYYY-MM-DD, or empty (see bundle.Area)
	successors                []string // of an area that ended
	row                       sheets.Row
	names                     map[string]string // by language, where it differs from name
	pos                       diag.Pos          // where it is defined
	orphan                    bool              // its parent is not an area (reported)
}

// setName gives the area's name in a language, kept only where it differs from its name.
func (a *area) setName(lang, name string) {
	if name == "" || name == a.name {
		return
	}
	if a.names == nil {
		a.names = map[string]string{}
	}
	a.names[lang] = name
}

// tables are a package's spreadsheets, read and checked.
type tables struct {
	areas   map[string]*area
	sorted  []*area             // the areas by code
	offices map[string]string   // code -> type
	keys    map[string]diag.Pos // translation keys, where each is defined

	officeRows []officeRow // the offices in the sheet's order, with where each one's area is

	areasAt, officesAt diag.Pos // the sheets of areas and offices (a file, and a workbook's sheet)

	// For the bundle.
	officeList []bundle.Office
	users      []bundle.User
	texts      map[string]map[string]string // language -> key -> text
}

// officeRow is an office of the offices sheet, its area, and the position of its area's cell.
type officeRow struct {
	code, area string
	pos        diag.Pos
}

var langColumn = regexp.MustCompile(`^name:([a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$`)

// read opens one of the package's spreadsheets.
func (c *checker) read(s sheet, cols sheets.Columns) *sheets.Table {
	t, l := sheets.Read(filepath.Join(c.src.dir, s.File), s.Sheet, cols)
	*c.l = append(*c.l, l...)
	return t
}

// sheetPos is where a sheet is: its file, and its name in a workbook.
func sheetPos(t *sheets.Table) diag.Pos { return diag.Pos{File: t.File, Sheet: t.Sheet} }

// tables reads and checks places, offices, users and translations.
func (c *checker) tables() *tables {
	tb := &tables{areas: map[string]*area{}, offices: map[string]string{}, keys: map[string]diag.Pos{}, texts: map[string]map[string]string{}}
	a := c.pkg.Places.Areas
	if a.Layout == "ocha" {
		c.ochaAreas(tb, a.sheet, a.Levels)
	} else {
		c.normalisedAreas(tb, a.sheet, a.Levels)
	}
	// In the sheet's order, which is often the codes' already: sorting it then costs little.
	slices.SortFunc(tb.sorted, func(x, y *area) int { return strings.Compare(x.code, y.code) })
	c.checkAreaTree(tb, a.Levels)
	c.offices(tb)
	c.users(tb)
	c.translations(tb)
	return tb
}

func (c *checker) normalisedAreas(tb *tables, s sheet, levels []string) {
	t := c.read(s, sheets.Columns{Required: []string{"code", "name", "parent", "type"}, Optional: []string{"validFrom", "validTo", "successors"},
		Pattern: langColumn, PatternDoc: "name:LANG, such as name:fr"})
	if t == nil {
		return
	}
	tb.areasAt = sheetPos(t)
	langs := c.nameColumns(t)
	code, name, parent, typ := t.Col("code"), t.Col("name"), t.Col("parent"), t.Col("type")

	tb.areas = make(map[string]*area, len(t.Rows))
	tb.sorted = make([]*area, 0, len(t.Rows))
	for _, row := range t.Rows {
		k, ok := t.Required(c.l, row, code)
		if !ok {
			continue
		}
		if first, dup := tb.areas[k]; dup {
			c.l.Errorf(t.Pos(row, code), CodeDuplicate, "", "area %s is defined twice (first at %s)", k, first.pos)
			continue
		}
		ar := &area{code: k, parent: t.Cell(row, parent), level: t.Cell(row, typ), pos: t.Pos(row, code), row: row}
		ar.name, _ = t.Required(c.l, row, name)
		if lv, ok := t.Required(c.l, row, typ); ok && !slices.Contains(levels, lv) {
			c.l.Errorf(t.Pos(row, typ), CodeAreaLevel, hintFor(lv, levels), "type %s is not one of the levels %s", lv, strings.Join(levels, ", "))
		}
		for lang, col := range langs {
			ar.setName(lang, t.Cell(row, col))
		}
		tb.areas[k] = ar
		tb.sorted = append(tb.sorted, ar)
	}
	for _, row := range t.Rows {
		ar := tb.areas[t.Cell(row, code)]
		if ar == nil || ar.pos != t.Pos(row, code) || ar.parent == "" {
			continue
		}
		if _, ok := tb.areas[ar.parent]; !ok {
			c.l.Errorf(t.Pos(row, parent), CodeUnknownParent, "", "parent %s of area %s is not an area", ar.parent, ar.code)
			ar.parent, ar.orphan = "", true
		}
	}
	c.areasOverTime(tb, t)
}

// nameColumns maps the languages of name:<lang> columns to their columns, reporting a
// language the package does not declare.
func (c *checker) nameColumns(t *sheets.Table) map[string]int {
	out := map[string]int{}
	for i, h := range t.Header {
		m := langColumn.FindStringSubmatch(strings.ToLower(h))
		if m == nil {
			continue
		}
		if !slices.Contains(c.pkg.Country.Languages, m[1]) {
			c.l.Errorf(t.HeaderPos(i), CodeLanguage, hintFor(m[1], c.pkg.Country.Languages),
				"column %s is for language %s, which the country does not declare (%s)", h, m[1], strings.Join(c.pkg.Country.Languages, ", "))
			continue
		}
		out[m[1]] = i
	}
	return out
}

// ochaColumn reads UN OCHA's column names: ADM2_PCODE, ADM2_EN, admin2Pcode, admin2Name_fr.
// A suffix of three letters (ADM1_REF) is a language only when the package declares it.
var ochaColumn = regexp.MustCompile(`(?i)^(?:adm(\d)_(pcode|[a-z]{2,3})|admin(\d)(pcode|name_[a-z]{2,3}))$`)

// placeholder tells a value that OCHA tables put where a level is missing: a dash, N/A.
func placeholder(v string) bool {
	switch strings.ToLower(v) {
	case "-", "--", "—", "n/a", "na", "#n/a", "none", "null":
		return true
	}
	return false
}

// ochaAreas reads the wide tables of UN OCHA's Common Operational Datasets as published: a row
// per lowest-level area, with the code and the names of every level above it. ADM0 is the
// country itself; ADM1 is the package's first level. Names in languages the package does not
// declare are warned about and left out; other columns (ADM1_REF, ADM1ALT1EN, validOn,
// Shape_Area...) are not the package's and are passed over. A level whose code is blank or a
// placeholder (-, N/A) is missing in that row: the ragged branch it stands for.
func (c *checker) ochaAreas(tb *tables, s sheet, levels []string) {
	t := c.read(s, sheets.Columns{Pattern: regexp.MustCompile(`.`), PatternDoc: "ADMn_PCODE, ADMn_EN..."})
	if t == nil {
		return
	}
	tb.areasAt = sheetPos(t)
	type levelCols struct {
		pcode int
		names map[string]int // by language
	}
	byLevel := map[int]*levelCols{}
	langs := c.pkg.Country.Languages
	undeclared := map[string][]int{} // a language the package does not have: its columns
	for i, h := range t.Header {
		m := ochaColumn.FindStringSubmatch(h)
		if m == nil {
			continue // OCHA tables carry dates, validity and other columns: not ours
		}
		n, kind := m[1], strings.ToLower(m[2])
		if n == "" {
			n, kind = m[3], strings.ToLower(strings.TrimPrefix(strings.ToLower(m[4]), "name_"))
		}
		if kind != "pcode" && !slices.ContainsFunc(langs, func(l string) bool { return strings.SplitN(l, "-", 2)[0] == kind }) {
			if len(kind) == 2 {
				undeclared[kind] = append(undeclared[kind], i)
			}
			continue // ADM1_REF, ADM1_ALT: a three-letter suffix that is no language of ours
		}
		lv, _ := strconv.Atoi(n)
		if byLevel[lv] == nil {
			byLevel[lv] = &levelCols{pcode: -1, names: map[string]int{}}
		}
		if kind == "pcode" {
			byLevel[lv].pcode = i
		} else {
			byLevel[lv].names[kind] = i
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(undeclared)) {
		cols := undeclared[lang]
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = t.Header[col]
		}
		c.l.Warnf(t.HeaderPos(cols[0]), CodeLanguage, "add "+lang+" to country.languages to keep them, or delete the columns",
			"%s %s %s names in language %s, which the country does not declare (%s): they are not read",
			plural(len(names), "column", "columns"), strings.Join(names, ", "), plural(len(names), "has", "have"), lang, strings.Join(langs, ", "))
	}
	if len(byLevel) == 0 || byLevel[1] == nil || byLevel[1].pcode < 0 {
		c.l.Errorf(t.HeaderPos(-1), "missing-column", "OCHA tables have ADM1_PCODE, ADM1_EN, ADM2_PCODE... or admin1Pcode, admin1Name_en...",
			"no ADM1_PCODE column: this is not an OCHA administrative table")
		return
	}
	deepest := slices.Max(slices.Collect(maps.Keys(byLevel)))
	if deepest > len(levels) {
		c.l.Errorf(t.HeaderPos(byLevel[deepest].pcode), CodeAreaLevel, "", "the table has %d levels below the country, but places.areas.levels names %d", deepest, len(levels))
		return
	}
	def := c.pkg.Country.DefaultLanguage
	var roots []string
	var placeheld []sheets.Row // rows with a placeholder for a missing level, warned about at once
	for _, row := range t.Rows {
		parent := ""
		if cols := byLevel[0]; cols != nil && cols.pcode >= 0 {
			if k := t.Cell(row, cols.pcode); k != "" && !slices.Contains(roots, k) {
				roots = append(roots, k)
				if len(roots) == 2 {
					c.l.Errorf(t.Pos(row, cols.pcode), CodeAreaConflict, "", "a second country (ADM0) %s: the table holds one country", k)
				}
			}
		}
		held := false
		for lv := 1; lv <= deepest; lv++ {
			cols := byLevel[lv]
			if cols == nil || cols.pcode < 0 {
				continue
			}
			k := t.Cell(row, cols.pcode)
			names := map[string]string{}
			named := "" // a real name given at this level
			// In a stable order, the default language first: a message names one name.
			langs := slices.Sorted(maps.Keys(cols.names))
			if i := slices.Index(langs, def); i > 0 {
				langs = append([]string{def}, slices.Delete(langs, i, i+1)...)
			}
			for _, lang := range langs {
				v := t.Cell(row, cols.names[lang])
				if placeholder(v) {
					held, v = true, ""
				}
				names[lang] = v
				if v != "" && named == "" {
					named = v
				}
			}
			switch {
			case (k == "" || placeholder(k)) && named != "":
				c.l.Errorf(t.Pos(row, cols.pcode), "missing-value", "", "%s is named %s here but has no code: an area needs one", levels[lv-1], named)
				continue
			case k == "" || placeholder(k) || named == "" && len(cols.names) > 0:
				// A ragged branch: this level is missing here, the next hangs from the last.
				// Farajaland's table gives such a level a code and "-" for its names.
				held = held || k != ""
				continue
			}
			name := names[strings.SplitN(def, "-", 2)[0]]
			if prev, ok := tb.areas[k]; ok {
				if prev.parent != parent || prev.level != levels[lv-1] {
					c.l.Errorf(t.Pos(row, cols.pcode), CodeAreaConflict, "", "area %s is under %s here but under %s at %s", k, orNone(parent), orNone(prev.parent), prev.pos)
				}
			} else {
				if name == "" {
					c.l.Errorf(t.Pos(row, cols.pcode), "missing-value", "", "area %s has no name in %s", k, def)
				}
				ar := &area{code: k, name: name, parent: parent, level: levels[lv-1], pos: t.Pos(row, cols.pcode)}
				for lang, n := range names {
					ar.setName(lang, n)
				}
				tb.areas[k] = ar
				tb.sorted = append(tb.sorted, ar)
			}
			parent = k
		}
		if held {
			placeheld = append(placeheld, row)
		}
	}
	if len(placeheld) > 0 {
		lines := make([]string, 0, min(len(placeheld), 10))
		for _, r := range placeheld[:min(len(placeheld), 10)] {
			lines = append(lines, strconv.Itoa(r.Line))
		}
		more := ""
		if len(placeheld) > 10 {
			more = fmt.Sprintf(" and %d more", len(placeheld)-10)
		}
		what := "line"
		if t.Sheet != "" {
			what = "row"
		}
		if len(placeheld) > 1 {
			what += "s"
		}
		c.l.Warnf(t.Pos(placeheld[0], -1), CodePlaceholderLevel, "leave a missing level's cells blank, its code's too, to say so without this warning",
			"a level named -, N/A or nothing is read as missing (the level below hangs from the one above) and a code given for it as no area, at %s %s%s",
			what, strings.Join(lines, ", "), more)
	}
}

// plural picks the singular or plural form of a word for a count.
func plural(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}

func orNone(s string) string {
	if s == "" {
		return "no parent"
	}
	return s
}

// checkAreaTree finds cycles of parents, and areas whose level is not below their parent's.
func (c *checker) checkAreaTree(tb *tables, levels []string) {
	depth := func(level string) int { return slices.Index(levels, level) }
	inCycle := map[string]bool{}
	for _, ar := range tb.sorted {
		code := ar.code
		// Walk up: meeting an area twice is a cycle, reported once, from its first area.
		path := []string{code}
		for p := ar.parent; p != "" && !inCycle[code]; p = tb.areas[p].parent {
			if i := slices.Index(path, p); i >= 0 {
				if i == 0 {
					for _, a := range path {
						inCycle[a] = true
					}
					c.l.Errorf(ar.pos, CodeAreaCycle, "", "areas are their own ancestors: %s -> %s", strings.Join(path, " -> "), code)
				}
				break
			}
			path = append(path, p)
		}
		if inCycle[code] {
			continue
		}
		if ar.parent == "" {
			if !ar.orphan && depth(ar.level) > 0 {
				c.l.Errorf(ar.pos, CodeAreaLevel, "", "area %s is a %s but has no parent: only a %s may be at the top", code, ar.level, levels[0])
			}
			continue
		}
		parent := tb.areas[ar.parent]
		if d, pd := depth(ar.level), depth(parent.level); d >= 0 && pd >= 0 && d <= pd {
			c.l.Errorf(ar.pos, CodeAreaLevel, "", "area %s is a %s, but its parent %s is a %s: a level may be skipped, not repeated or reversed", code, ar.level, parent.code, parent.level)
		}
	}
}

// opencrvsID is the package's id of an OpenCRVS name in capitals (CRVS_OFFICE, LOCAL_REGISTRAR):
// the same in lower case with hyphens (crvs-office, local-registrar).
func opencrvsID(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// offices reads the offices and health facilities, in the normalised layout (code, name, type,
// area, name:LANG) or OpenCRVS's (id, name, partOf, locationType, as its locations.csv is
// published). An office whose area is national (OpenCRVS's Location/0) has none: it is the
// whole country's, such as headquarters or an embassy.
func (c *checker) offices(tb *tables) {
	o := c.pkg.Places.Offices
	opencrvs := o.Layout == "opencrvs"
	cols := sheets.Columns{Required: []string{"code", "name", "type", "area"}, Pattern: langColumn, PatternDoc: "name:LANG, such as name:fr"}
	if opencrvs {
		cols.Required = []string{"id", "name", "partOf", "locationType"}
	}
	t := c.read(o.sheet, cols)
	if t == nil {
		return
	}
	tb.officesAt = sheetPos(t)
	langs := c.nameColumns(t)
	code, name, typ, ar := t.Col("code"), t.Col("name"), t.Col("type"), t.Col("area")
	if opencrvs {
		code, typ, ar = t.Col("id"), t.Col("locationType"), t.Col("partOf")
	}
	first := make(map[string]diag.Pos, len(t.Rows))
	tb.offices = make(map[string]string, len(t.Rows))
	if len(t.Rows) > 0 {
		tb.officeList = make([]bundle.Office, 0, len(t.Rows)) // nil for none, as the bundle has always said
	}
	for _, row := range t.Rows {
		k, ok := t.Required(c.l, row, code)
		if !ok {
			continue
		}
		if p, dup := first[k]; dup {
			c.l.Errorf(t.Pos(row, code), CodeDuplicate, "", "office %s is defined twice (first at %s)", k, p)
			continue
		}
		first[k] = t.Pos(row, code)
		t.Required(c.l, row, name)
		of := bundle.Office{Code: k, Name: t.Cell(row, name)}
		for lang, col := range langs {
			if n := t.Cell(row, col); n != "" && n != of.Name {
				if of.Names == nil {
					of.Names = map[string]string{}
				}
				of.Names[lang] = n
			}
		}
		if ty, ok := t.Required(c.l, row, typ); ok {
			if opencrvs && !slices.Contains(o.Types, ty) {
				ty = opencrvsID(ty)
			}
			if !slices.Contains(o.Types, ty) {
				hint := hintFor(ty, o.Types)
				if opencrvs {
					hint = fmt.Sprintf("declare %s in places.offices.types (the type %s in lower case, with hyphens)", ty, t.Cell(row, typ))
				}
				c.l.Errorf(t.Pos(row, typ), CodeUnknownRef, hint, "type %s is not one of the office types %s", t.Cell(row, typ), strings.Join(o.Types, ", "))
			}
			tb.offices[k] = ty
			of.Type = ty
		}
		a := t.Cell(row, ar)
		switch {
		case opencrvs:
		case a == "":
			// Blank is not national: a forgotten area must not give the office's area roles
			// the whole nation.
			c.l.Errorf(t.Pos(row, ar), "missing-value", "write the office's area, or national for an office of the whole country (headquarters, an embassy)",
				"area is empty")
		case a == "national":
			if _, known := tb.areas[a]; !known {
				a = ""
			}
		}
		if opencrvs {
			a, ok = strings.CutPrefix(a, "Location/")
			if !ok {
				c.l.Errorf(t.Pos(row, ar), CodeWrongType, "OpenCRVS writes Location/ and the area's code, or Location/0 for a national office",
					"partOf %q of office %s is not Location/<area>", t.Cell(row, ar), k)
				a = ""
			} else if a == "0" {
				a = "" // a national office: headquarters, an embassy
			}
		}
		of.Area = a
		tb.officeList = append(tb.officeList, of)
		if a != "" {
			tb.officeRows = append(tb.officeRows, officeRow{code: k, area: a, pos: t.Pos(row, ar)})
			if _, known := tb.areas[a]; !known && len(tb.areas) > 0 {
				c.l.Errorf(t.Pos(row, ar), CodeUnknownRef, "", "area %s of office %s is not an area", a, k)
			}
		}
	}
}

// users reads the users, in the normalised layout (username, name, role, office, email,
// phone) or OpenCRVS's (primaryOfficeId, givenNames, familyName, role, mobile, username,
// email, as its default-employees.csv is published, roles in capitals). A phone number
// written as dialled within the country (0911 111 111) is read in international form when
// the country declares its calling code.
func (c *checker) users(tb *tables) {
	opencrvs := c.pkg.Users.Layout == "opencrvs"
	cols := sheets.Columns{Required: []string{"username", "name", "role", "office"}, Optional: []string{"email", "phone"},
		Pattern: userSheetState, PatternDoc: "username, name, role, office, email, phone", Text: []string{"phone"}}
	if opencrvs {
		cols.Required = []string{"primaryOfficeId", "givenNames", "familyName", "role", "username"}
		cols.Optional, cols.Text = []string{"mobile", "email"}, []string{"mobile"}
		cols.PatternDoc = "primaryOfficeId, givenNames, familyName, role, mobile, username, email"
	}
	t := c.read(c.pkg.Users.sheet, cols)
	if t == nil {
		return
	}
	for i, h := range t.Header {
		switch {
		case strings.HasPrefix(strings.ToLower(h), "pass"):
			c.l.Errorf(t.HeaderPos(i), CodePassword, "delete the column; set passwords with crvsctl users set-password",
				"column %s: a package never holds passwords (it is shared, versioned and copied)", h)
		case userSheetState.MatchString(h):
			// Which wins, the sheet or an administrator (schema/package.cue, #Role.administers):
			// the sheet names users, the store keeps their state.
			c.l.Errorf(t.HeaderPos(i), CodeUserState, "delete the column: a user left out of the sheet is deactivated at start, unless an administrator changed them; administrators deactivate and reactivate users in the pages or the API",
				"column %s: the users sheet does not say whether a user is active", h)
		}
	}
	user, role, office, email, phone := t.Col("username"), t.Col("role"), t.Col("office"), t.Col("email"), t.Col("phone")
	nameOf := func(row sheets.Row) string { return t.Cell(row, t.Col("name")) }
	if opencrvs {
		office, phone = t.Col("primaryOfficeId"), t.Col("mobile")
		given, family := t.Col("givenNames"), t.Col("familyName")
		nameOf = func(row sheets.Row) string {
			return strings.TrimSpace(t.Cell(row, given) + " " + t.Cell(row, family))
		}
	}
	roles := slices.Sorted(maps.Keys(c.pkg.Roles))
	first := map[string]diag.Pos{}
	held := map[string]bool{} // roles held by a user
	for _, row := range t.Rows {
		u, ok := t.Required(c.l, row, user)
		if !ok {
			continue
		}
		if p, dup := first[u]; dup {
			c.l.Errorf(t.Pos(row, user), CodeDuplicate, "", "user %s is defined twice (first at %s)", u, p)
			continue
		}
		first[u] = t.Pos(row, user)
		bu := bundle.User{Username: u, Name: nameOf(row), Role: t.Cell(row, role), Office: t.Cell(row, office), Email: t.Cell(row, email)}
		if opencrvs {
			t.Required(c.l, row, t.Col("givenNames"))
			t.Required(c.l, row, t.Col("familyName"))
		} else {
			t.Required(c.l, row, t.Col("name"))
		}
		if r, ok := t.Required(c.l, row, role); ok {
			if opencrvs && !slices.Contains(roles, r) {
				r = opencrvsID(r)
			}
			if !slices.Contains(roles, r) {
				hint := hintFor(r, roles)
				if opencrvs {
					hint = fmt.Sprintf("declare the role %s (%s in lower case, with hyphens)", r, bu.Role)
				}
				c.l.Errorf(t.Pos(row, role), CodeUnknownRef, hint, "role %s of user %s does not exist", bu.Role, u)
			}
			bu.Role = r
		}
		if o, ok := t.Required(c.l, row, office); ok && len(tb.offices) > 0 {
			if _, known := tb.offices[o]; !known && opencrvs {
				o = opencrvsOffice(o, tb)
			}
			if _, known := tb.offices[o]; !known {
				c.l.Errorf(t.Pos(row, office), CodeUnknownRef, hintFor(o, slices.Sorted(maps.Keys(tb.offices))), "office %s of user %s is not an office", o, u)
			}
			bu.Office = o
		}
		if !bundle.ValidUsername(u) {
			c.l.Errorf(t.Pos(row, user), CodeWrongType, "lower-case letters and digits, joined by dots, hyphens or underscores, such as amina.tarek",
				"username %q cannot be typed at a login", u)
		}
		if e := t.Cell(row, email); e != "" {
			if !bundle.ValidEmail(e) {
				c.l.Errorf(t.Pos(row, email), CodeWrongType, "write the address alone, such as amina@example.org", "email %q of user %s is not an email address", e, u)
			}
		}
		if p := t.Cell(row, phone); p != "" {
			bu.Phone = c.phone(t, row, phone, u)
		}
		if t.Cell(row, email) == "" && t.Cell(row, phone) == "" {
			c.l.Warnf(t.Pos(row, user), CodeNoContact, "", "user %s has neither an email nor a phone: they cannot be reached to set a password", u)
		}
		held[bu.Role] = true
		tb.users = append(tb.users, bu)
	}
	// A role nobody holds is declared and unused: its actions are out of everyone's reach.
	for _, r := range roles {
		if !held[r] {
			c.l.Warnf(c.pos("roles", r), CodeUnused, "", "role %s is given to no user in %s", r, c.pkg.Users.File)
		}
	}
}

// opencrvsOffice finds the office of an OpenCRVS primaryOfficeId, which its seeding writes as
// the office's id after CRVS_OFFICE_ (CRVS_OFFICE_LHUYvwY2Aq1 for LHUYvwY2Aq1, a health
// facility's too), or returns it.
func opencrvsOffice(id string, tb *tables) string {
	if k, ok := strings.CutPrefix(id, "CRVS_OFFICE_"); ok {
		if _, known := tb.offices[k]; known {
			return k
		}
	}
	return id
}

// userSheetState matches the columns of the users sheet refused with a message of their own: a
// password, and the state of a user, which the store keeps and administrators change.
var userSheetState = regexp.MustCompile(`(?i)^(pass|(active|status|state|enabled|disabled|deactivated|locked)$)`)

// phone reads a user's phone number in international form: as written when it is, or as
// dialled within the country (a leading 0) with the country's calling code in its place.
func (c *checker) phone(t *sheets.Table, row sheets.Row, col int, u string) string {
	p := t.Cell(row, col)
	if t.StoredAsNumber(row, col) {
		return p // a number cell is reported already, with its fix
	}
	cc := c.pkg.Country.CallingCode
	if n, ok := bundle.NormalPhone(p, cc); ok {
		return n
	}
	hint := "write it in international form, such as +251 91 123 4567"
	if cc == "" && strings.HasPrefix(p, "0") {
		hint += ", or declare country.callingCode (such as \"+251\") to write numbers as dialled in the country"
	} else if cc != "" {
		hint = fmt.Sprintf("write it in international form (%s 91 123 4567) or as dialled in the country (091 123 4567)", cc)
	}
	c.l.Errorf(t.Pos(row, col), CodeWrongType, hint, "phone %q of user %s is not a phone number", p, u)
	return p
}

// translations reads the sheet of translations: a column per declared language, each key once,
// every text a MessageFormat message with the same arguments in every language and the plural
// branches its language needs, every cell filled unless the country has a fallback language.
func (c *checker) translations(tb *tables) {
	co := c.pkg.Country
	t := c.read(c.pkg.Translations, sheets.Columns{Required: append([]string{"key"}, co.Languages...), Optional: []string{"description"}})
	if t == nil {
		tb.keys = nil // unreadable: do not report every key as missing
		return
	}
	key := t.Col("key")
	langs := make([]int, len(co.Languages))
	for i, lang := range co.Languages {
		langs[i] = t.Col(lang)
	}
	def := t.Col(co.DefaultLanguage)
	seen := map[string]sheets.Row{}
	for _, row := range t.Rows {
		k, ok := t.Required(c.l, row, key)
		if !ok {
			continue
		}
		if prev, dup := seen[k]; dup {
			if t.Cell(prev, def) != t.Cell(row, def) {
				c.l.Errorf(t.Pos(row, key), CodeDuplicate, "", "key %s is defined twice with two different texts (first at %s)", k, t.Pos(prev, key))
			} else {
				c.l.Warnf(t.Pos(row, key), CodeDuplicate, "", "key %s is defined twice (first at %s)", k, t.Pos(prev, key))
			}
			continue
		}
		seen[k] = row
		tb.keys[k] = t.Pos(row, key)
		want, wantOK := c.message(t, row, def, k, co.DefaultLanguage)
		for i, col := range langs {
			text := t.Cell(row, col)
			if text != "" {
				lang := co.Languages[i]
				if tb.texts[lang] == nil {
					tb.texts[lang] = map[string]string{}
				}
				tb.texts[lang][k] = text
			}
			if text == "" {
				if co.FallbackLanguage == "" {
					c.l.Errorf(t.Pos(row, col), CodeTranslation, "fill it in, or set country.fallbackLanguage",
						"key %s has no %s text", k, co.Languages[i])
				}
				continue
			}
			if col == def {
				// A rewording of crvsctl's own text can only use the arguments crvsctl gives it:
				// another would be shown as {name}.
				if i18n.Known(k) && wantOK {
					var extra []string
					for _, a := range want {
						if !slices.Contains(i18n.Args(k), strings.Trim(a, "{}")) {
							extra = append(extra, a)
						}
					}
					if extra != nil {
						var given []string
						for _, a := range i18n.Args(k) {
							given = append(given, "{"+a+"}")
						}
						c.l.Errorf(t.Pos(row, col), CodePlaceholder, "", "key %s rewords crvsctl's text, which is given %s, and uses %s", k, listOr(given), listOr(extra))
					}
				}
				continue
			}
			// Arguments are compared by name, those of plural and select branches included:
			// a language may order them its own way, and word each branch its own way.
			if got, ok := c.message(t, row, col, k, co.Languages[i]); ok && wantOK && !slices.Equal(got, want) {
				c.l.Errorf(t.Pos(row, col), CodePlaceholder, "", "key %s: the %s text has the placeholders %s, the %s text %s",
					k, co.Languages[i], listOr(got), co.DefaultLanguage, listOr(want))
			}
		}
	}
}

// message parses a text of the translations as MessageFormat and checks that each plural in it
// has a branch for every plural category its language has (CLDR's, as x/text knows them):
// without one, "1 problème" comes out "1 problèmes". It returns the text's arguments, as {name}.
func (c *checker) message(t *sheets.Table, row sheets.Row, col int, key, lang string) ([]string, bool) {
	text := t.Cell(row, col)
	if text == "" {
		return nil, false
	}
	m, err := i18n.Parse(text)
	if err != nil {
		var se *i18n.SyntaxError
		errors.As(err, &se)
		c.l.Errorf(cellOffset(t.Pos(row, col), text, se.Offset), CodeMessage,
			"a text is ICU MessageFormat: {name}, {n, number}, {n, plural, one {# copy} other {# copies}}, {x, select, a {...} other {...}}; write '{' for a brace",
			"key %s: the %s text is not a valid message: %s", key, lang, se.Msg)
		return nil, false
	}
	for _, pl := range m.Plurals() {
		for _, cat := range pl.Missing(lang) {
			kind := "plural"
			if pl.Ordinal {
				kind = "selectordinal"
			}
			c.l.Errorf(cellOffset(t.Pos(row, col), text, pl.Pos), CodePlural,
				fmt.Sprintf("add a branch %s {...} (CLDR's plural rules of %s: numbers such as %s are %s)", cat, lang, strings.Join(i18n.CategoryExamples(lang, pl.Ordinal, cat), ", "), cat),
				"key %s: the %s text's %s of %s has no branch for the category %s, which %s needs: those numbers would take the other branch's words", key, lang, kind, pl.Name, cat, lang)
		}
	}
	var args []string
	for _, a := range m.Args() {
		args = append(args, "{"+a+"}")
	}
	return args, true
}

func listOr(p []string) string {
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, " ")
}

// cellOffset is where the byte at off of a CSV cell's text is in the file. A cell's position is
// its first character, its opening quote when quoted; the sheet does not say whether it was, so
// a cell is taken as quoted when it must be (a comma, a quote or a line break in it, as every
// plural has a comma), with its quotes doubled. A workbook's cell is the position itself.
func cellOffset(p diag.Pos, text string, off int) diag.Pos {
	if p.Sheet != "" || p.Column == 0 {
		return p
	}
	p = p.Start() // a point inside the cell
	quoted := strings.ContainsAny(text, ",;\"\n")
	if quoted {
		p.Column++
	}
	for _, r := range text[:min(off, len(text))] {
		switch {
		case r == '\n':
			p.Line++
			p.Column = 1
		case r == '"' && quoted:
			p.Column += 2
		default:
			p.Column++
		}
	}
	return p
}

// keyUse is a translation key the package uses, what it is for, and where it is used; bare
// when its text is shown as written, given no arguments (a validation's or a condition's
// message).
type keyUse struct {
	key, what string
	pos       diag.Pos
	bare      bool
}

// usedKeys lists every translation key the package uses, explicitly or by default.
func (c *checker) usedKeys() []keyUse {
	var uses []keyUse
	add := func(explicit, def, what string, path ...any) {
		k := explicit
		if k == "" {
			k = def
		}
		uses = append(uses, keyUse{key: k, what: what, pos: c.pos(path...)})
	}
	add(c.pkg.Country.Name, "", "the country's name", "country", "name")
	for _, id := range slices.Sorted(maps.Keys(c.pkg.Roles)) {
		add(c.pkg.Roles[id].Label, "role."+id, "the name of role "+id, "roles", id)
	}
	for _, id := range slices.Sorted(maps.Keys(c.pkg.OptionLists)) {
		for i, o := range c.pkg.OptionLists[id] {
			add(o.Label, id+"."+o.Value, "option "+o.Value, "optionLists", id, i)
		}
	}
	for _, ev := range slices.Sorted(maps.Keys(c.pkg.Events)) {
		e := c.pkg.Events[ev]
		add(e.Label, "event."+ev, "the name of event "+ev, "events", ev)
		for p, pg := range e.Form.Pages {
			add(pg.Title, ev+".page."+pg.ID, "the title of page "+pg.ID, "events", ev, "form", "pages", p)
			for i, f := range pg.Fields {
				path := []any{"events", ev, "form", "pages", p, "fields", i}
				add(f.Label, ev+"."+f.ID, "the label of field "+f.ID, path...)
				if f.Hint != "" {
					add(f.Hint, "", "the hint of field "+f.ID, append(path, "hint")...)
				}
				if f.Unit != "" {
					add(f.Unit, "", "the unit of field "+f.ID, append(path, "unit")...)
				}
				for j, o := range f.Options {
					add(o.Label, "option."+o.Value, "option "+o.Value, append(path, "options", j)...)
				}
				for j, v := range f.Validations {
					add(v.Message, "", "a validation message of field "+f.ID, append(path, "validations", j, "message")...)
					uses[len(uses)-1].bare = true
				}
			}
		}
		for _, s := range e.Workflow.Statuses {
			add("", "status."+s, "the name of status "+s, "events", ev, "workflow", "statuses")
		}
		for _, a := range slices.Sorted(maps.Keys(e.Workflow.Actions)) {
			add(e.Workflow.Actions[a].Label, "action."+a, "the name of action "+a, "events", ev, "workflow", "actions", a)
			for i, cond := range e.Workflow.Actions[a].conditions() {
				if cond.Message != "" {
					add(cond.Message, "", "a condition message of action "+a, "events", ev, "workflow", "actions", a, "if", i, "message")
					uses[len(uses)-1].bare = true
				}
			}
		}
		for _, f := range slices.Sorted(maps.Keys(e.Flags)) {
			add(e.Flags[f].Label, "flag."+f, "the name of flag "+f, "events", ev, "flags", f)
		}
		if e.Duplicates != nil {
			for _, r := range slices.Sorted(maps.Keys(e.Duplicates.Rules)) {
				add(e.Duplicates.Rules[r].Label, ev+".duplicates."+r, "the name of duplicate rule "+r, "events", ev, "duplicates", "rules", r)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(e.Certificates)) {
			cert := e.Certificates[name]
			add(cert.Label, "certificate."+name, "the name of certificate "+name, "events", ev, "certificates", name)
			for i, e := range cert.Elements {
				if e.Text != "" {
					add(e.Text, "", "a text of certificate "+name, "events", ev, "certificates", name, "elements", i, "text")
				}
				if e.Watermark != "" {
					add(e.Watermark, "", "the watermark of certificate "+name, "events", ev, "certificates", name, "elements", i, "watermark")
				}
			}
		}
	}
	return append(uses, c.notificationKeys()...)
}

// checkBare reports a placeholder in the texts of a key shown as written (a validation's or a
// condition's message): the pages and the API give it no arguments, so the registrar would read
// {today} where a date was meant.
func (c *checker) checkBare(tb *tables, u keyUse) {
	for _, lang := range c.pkg.Country.Languages {
		m, err := i18n.Parse(tb.texts[lang][u.key])
		if err != nil || len(m.Args()) == 0 {
			continue
		}
		var args []string
		for _, a := range m.Args() {
			args = append(args, "{"+a+"}")
		}
		c.l.Errorf(tb.keys[u.key], CodePlaceholder, "write the message without them (a rule's message is shown as written)",
			"key %s is %s, which is given no arguments, and its %s text uses %s", u.key, u.what, lang, listOr(args))
		return
	}
}

// checkKeys reports every key the package uses that the translations lack, and warns of the
// keys no one uses.
func (c *checker) checkKeys(tb *tables) {
	if tb.keys == nil {
		return
	}
	used := map[string]bool{}
	reported := map[string]bool{}
	var known []string
	for k := range tb.keys {
		known = append(known, k)
	}
	slices.Sort(known)
	bare := map[string]bool{}
	for _, u := range c.usedKeys() {
		used[u.key] = true
		if _, ok := tb.keys[u.key]; ok && u.bare && !bare[u.key] {
			bare[u.key] = true
			c.checkBare(tb, u)
		}
		if _, ok := tb.keys[u.key]; ok || reported[u.key] {
			continue
		}
		reported[u.key] = true
		c.l.Errorf(u.pos, CodeTranslation, hintFor(u.key, known), "translation key %s (%s) is not in %s", u.key, u.what, c.pkg.Translations.File)
	}
	for _, k := range known {
		if !used[k] && !strings.HasSuffix(k, ".hint") && !i18n.Known(k) {
			c.l.Warnf(tb.keys[k], CodeUnused, "", "translation key %s is used nowhere", k)
		}
	}
	// The runtime's own texts (menus, buttons, name parts) ship in a few languages; a package
	// language without them shows them in the default language.
	for _, lang := range c.pkg.Country.Languages {
		var missing []string
		for _, k := range i18n.Keys() {
			if !i18n.Ships(lang, k) && tb.texts[lang][k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			c.l.Warnf(c.pos("country", "languages"), CodeTranslation, "add keys "+strings.Join(missing[:min(3, len(missing))], ", ")+"... to "+c.pkg.Translations.File,
				"crvsctl's pages have %d texts with no %s translation (%s is not one of the languages crvsctl ships: %s); they show in the default language or English",
				len(missing), lang, lang, strings.Join(i18n.Shipped(), ", "))
		}
	}
}
