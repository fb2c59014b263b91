package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/internal/suggest"
	"github.com/crvsctl/crvsctl/schema"
)

// Diagnostic codes of the CUE stage.
const (
	CodeCUESyntax   = "cue-syntax"
	CodeUnknownKey  = "unknown-key"
	CodeMissingKey  = "missing-key"
	CodeNotOneOf    = "not-one-of"
	CodeWrongType   = "wrong-type"
	CodeInvalid     = "invalid-value"
	CodeConflicting = "conflicting-values"
	CodeSchema      = "schema"
)

// cueSource is a package's CUE, unified with the schema.
type cueSource struct {
	dir    string    // the package directory as the user gave it
	abs    string    // the same, absolute, as CUE writes file names
	author cue.Value // the author's files alone, for positions
	value  cue.Value // unified with #Package

	parsed map[string]*ast.File // the author's files, parsed again when a diagnostic needs a range
}

// loadCUE loads every .cue file of dir and unifies it with #Package. Every problem CUE finds is
// reported, positioned in the author's files: CUE points many of its errors into the schema,
// reports one error per alternative of a disjunction, and reports a missing key only once every
// other error is fixed; loadCUE undoes all three.
func loadCUE(dir string) (*cueSource, diag.List) {
	var l diag.List
	abs, err := filepath.Abs(dir)
	if err != nil {
		l.Errorf(diag.Pos{File: dir}, CodeCUESyntax, "", "%v", err)
		return nil, l
	}
	src := &cueSource{dir: dir, abs: abs}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		l.Errorf(diag.Pos{File: dir}, CodeCUESyntax, "", "not a package directory: %v", errOr(err, "not a directory"))
		return nil, l
	}
	if cueFiles, _ := filepath.Glob(filepath.Join(dir, "*.cue")); len(cueFiles) == 0 {
		l.Errorf(diag.Pos{File: dir}, CodeCUESyntax, "", "no .cue files in %s: a country package describes itself in CUE files", dir)
		return nil, l
	}
	ctx := cuecontext.New()
	insts := load.Instances([]string{"."}, &load.Config{
		Dir: abs,
		Env: []string{"CUE_REGISTRY=none"}, // offline: a package never fetches anything
	})
	if len(insts) != 1 || insts[0].Err != nil {
		var err error
		if len(insts) > 0 {
			err = insts[0].Err
		}
		src.addErrors(&l, err, CodeCUESyntax)
		if len(l) == 0 {
			l.Errorf(diag.Pos{File: dir}, CodeCUESyntax, "", "no CUE package in %s", dir)
		}
		return nil, l
	}
	src.author = ctx.BuildInstance(insts[0])
	if err := src.author.Err(); err != nil {
		src.addErrors(&l, err, CodeConflicting)
		return nil, l
	}
	def := ctx.CompileString(schema.PackageCUE, cue.Filename(schema.PackageFile)).LookupPath(cue.ParsePath("#Package"))
	if err := def.Err(); err != nil {
		panic(fmt.Sprintf("the embedded schema does not compile: %v", err)) // a bug of ours, caught by every test
	}
	src.value = def.Unify(src.author)
	// CUE's Validate reports one error per struct; walking every value finds them all.
	var errs errors.Error
	src.walk(&l, src.value, nil, &errs)
	if err := src.value.Validate(cue.Concrete(false)); err != nil {
		errs = errors.Append(errs, errors.Promote(err, ""))
	}
	src.addErrors(&l, errs, CodeSchema)
	l.Sort()
	return src, l
}

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}

// addErrors turns CUE errors into diagnostics: one per path, positioned in the author's files.
func (s *cueSource) addErrors(l *diag.List, err error, code string) {
	if err == nil {
		return
	}
	type group struct {
		path []string
		errs []errors.Error
	}
	var groups []*group
	byPath := map[string]*group{}
	for _, e := range errors.Errors(err) {
		path := e.Path()
		if len(path) > 0 && path[0] == "#Package" {
			path = path[1:]
		}
		key := strings.Join(path, "\x00")
		g := byPath[key]
		if g == nil {
			g = &group{path: path}
			byPath[key] = g
			groups = append(groups, g)
		}
		g.errs = append(g.errs, e)
	}
	for _, g := range groups {
		s.addGroup(l, g.path, g.errs, code)
	}
}

var (
	conflictRE     = regexp.MustCompile(`^conflicting values (.+) and (.+)$`)
	typeConflictRE = regexp.MustCompile(`^conflicting values (.+) and (.+) \(mismatched types (\S+) and (\S+)\)$`)
	outOfBoundRE   = regexp.MustCompile(`^invalid value (.+) \(out of bound (.+)\)$`)
)

// describePattern says in words what the schema's patterns mean.
var describePattern = map[string]string{
	`=~"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"`:    "an id: lower case letters and digits, words joined by hyphens",
	`=~"^[A-Z]{3}$"`:                       "an ISO 3166-1 alpha-3 code: three capital letters",
	`=~"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"`: "a BCP 47 language tag, such as en, fr or pt-BR",
	`=~"^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$"`: "a semantic version, such as 1.4.0",
	`=~"^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$"`:                    "a field id: names joined by dots, such as child.dob",
	`=~"\\.(csv|xlsx)$"`:                  "a .csv or .xlsx file",
	`=~"\\{seq(:[1-9][0-9]?)?\\}"`:        "a format with a {seq} or {seq:N} in it",
	`=~"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$"`: "an IANA time zone, such as Africa/Nairobi",
	`!=""`:                                "not empty",
	`>=0`:                                 "0 or more",
}

func (s *cueSource) addGroup(l *diag.List, path []string, errs []errors.Error, code string) {
	where := displayPath(path)
	pos := s.position(path, errs)
	var msgs []string // each once: walking and validating find the same errors
	for _, e := range errs {
		f, a := e.Msg()
		if m := fmt.Sprintf(f, a...); !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	last := ""
	if len(path) > 0 {
		last = path[len(path)-1]
	}
	// A value that is none of a disjunction's alternatives: CUE reports one conflict per
	// alternative. The author's value is the one every conflict shares.
	var alts []string
	var value string
	for _, m := range msgs {
		if typeConflictRE.MatchString(m) {
			continue
		}
		if c := conflictRE.FindStringSubmatch(m); c != nil {
			switch {
			case value == "" || value == c[2]:
				value = c[2]
				alts = append(alts, c[1])
			case value == c[1]:
				alts = append(alts, c[2])
			}
		}
	}
	if len(alts) > 1 || (len(alts) == 1 && slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "empty disjunction") })) {
		hint := ""
		if best := suggest.Closest(unquote(value), unquoteAll(alts)); best != "" {
			hint = fmt.Sprintf("did you mean %q?", best)
		}
		l.Errorf(pos, CodeNotOneOf, hint, "%s: %s is not one of %s", where, value, strings.Join(alts, ", "))
		return
	}
	for _, m := range msgs {
		if strings.Contains(m, "empty disjunction") {
			continue
		}
		tc := typeConflictRE.FindStringSubmatch(m)
		switch c := conflictRE.FindStringSubmatch(m); {
		case m == "field not allowed":
			hint := s.allowedHint(path)
			l.Errorf(pos, CodeUnknownKey, hint, "unknown key %s in %s", last, displayPath(path[:len(path)-1]))
		case tc != nil:
			// conflicting values "0" and number (mismatched types string and number): the
			// author's value is the concrete one; the schema's is a type or a constraint.
			want, got := tc[4], tc[1]
			if isTypeName(tc[1]) || !isLiteral(tc[1]) {
				want, got = tc[3], tc[2]
			}
			l.Errorf(pos, CodeWrongType, "", "%s must be %s, not %s", where, article(want), got)
			return // one type error says it all; the other alternatives would repeat it
		case c != nil:
			l.Errorf(pos, CodeConflicting, "", "%s: conflicting values %s and %s", where, c[1], c[2])
		default:
			if b := outOfBoundRE.FindStringSubmatch(m); b != nil {
				want := describePattern[b[2]]
				if want == "" {
					want = b[2]
				}
				l.Errorf(pos, CodeInvalid, "", "%s: %s is not %s", where, b[1], want)
				continue
			}
			if strings.HasPrefix(m, "incomplete value") {
				continue // reported by missing(), which sees them all
			}
			if code == CodeCUESyntax {
				l.Errorf(pos, code, "", "%s", m)
			} else {
				l.Errorf(pos, code, "", "%s: %s", where, m)
			}
		}
	}
}

// isLiteral reports whether a value in a CUE message is one the author wrote: a string, number,
// bool, list or struct literal, not a type or a constraint.
func isLiteral(s string) bool {
	if s == "" || isTypeName(s) {
		return false
	}
	switch s[0] {
	case '"', '[', '{', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return true
	}
	return s == "true" || s == "false"
}

func isTypeName(s string) bool {
	switch s {
	case "string", "number", "int", "float", "bool", "list", "struct", "null", "bytes":
		return true
	}
	return false
}

func article(typ string) string {
	switch typ {
	case "int":
		return "a whole number"
	case "list":
		return "a list [...]"
	case "struct":
		return "a struct {...}"
	}
	return "a " + typ
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

func unquoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = unquote(s)
	}
	return out
}

// allowedHint suggests the key the author may have meant, among those the schema allows there.
func (s *cueSource) allowedHint(path []string) string {
	if len(path) == 0 {
		return ""
	}
	parent := s.value.LookupPath(cuePath(path[:len(path)-1]))
	it, err := parent.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	var allowed []string
	for it.Next() {
		if sel := it.Selector(); sel.IsString() {
			allowed = append(allowed, sel.Unquoted())
		}
	}
	if best := suggest.Closest(path[len(path)-1], allowed); best != "" {
		return "did you mean " + best + "?"
	}
	return ""
}

// position picks, among an error's positions, the first in the author's files; failing that,
// the position of the nearest enclosing value the author wrote.
func (s *cueSource) position(path []string, errs []errors.Error) diag.Pos {
	for _, e := range errs {
		for _, p := range append([]token.Pos{e.Position()}, errors.Positions(e)...) {
			if pos, ok := s.authorPos(p); ok {
				return s.extent(pos, p, false)
			}
		}
	}
	return s.enclosing(path)
}

func (s *cueSource) authorPos(p token.Pos) (diag.Pos, bool) {
	if !p.IsValid() || p.Filename() == "" || p.Filename() == schema.PackageFile {
		return diag.Pos{}, false
	}
	file := p.Filename()
	if rel, err := filepath.Rel(s.abs, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = filepath.Join(s.dir, rel)
	}
	return diag.Pos{File: file, Line: p.Line(), Column: p.Column()}, true
}

// withEnd makes pos a range that ends at end, when end is after it in the same file.
func withEnd(pos diag.Pos, end token.Pos) diag.Pos {
	if end.IsValid() && (end.Line() > pos.Line || end.Line() == pos.Line && end.Column() > pos.Column) {
		pos.EndLine, pos.EndColumn = end.Line(), end.Column()
	}
	return pos
}

// enclosing is the position of the innermost value on path that the author wrote, with its
// extent when its source is known: from its first character to just after its last.
func (s *cueSource) enclosing(path []string) diag.Pos {
	for n := len(path); n >= 0 && s.author.Exists(); n-- {
		v := s.author.LookupPath(cuePath(path[:n]))
		if !v.Exists() {
			continue
		}
		// The value itself, not its key: a rule's position must be its opening quote.
		node := v.Source()
		if f, ok := node.(*ast.Field); ok {
			node = f.Value
		}
		if node != nil {
			if pos, ok := s.authorPos(node.Pos()); ok {
				return withEnd(pos, nodeEnd(node))
			}
		}
		if pos, ok := s.authorPos(v.Pos()); ok {
			return s.extent(pos, v.Pos(), false)
		}
		// A struct put together from several files has no one position: take its first key's.
		if it, err := v.Fields(cue.Optional(true)); err == nil {
			for it.Next() {
				if pos, ok := s.authorPos(it.Value().Pos()); ok {
					return s.extent(pos, it.Value().Pos(), true)
				}
			}
		}
	}
	return diag.Pos{File: s.dir}
}

// extent makes pos, the start of a value CUE gives no source for (an element a comprehension
// or a shared layout makes), a range: that of the expression that starts at p in the author's
// file or, with inStruct, that of the innermost struct around p, where p is a key's position.
// The file is read again with CUE's parser, once, and only when a diagnostic needs it.
func (s *cueSource) extent(pos diag.Pos, p token.Pos, inStruct bool) diag.Pos {
	if s.parsed == nil {
		s.parsed = map[string]*ast.File{}
	}
	f, ok := s.parsed[p.Filename()]
	if !ok {
		f, _ = parser.ParseFile(p.Filename(), nil, parser.ParseComments)
		s.parsed[p.Filename()] = f
	}
	if f == nil {
		return pos
	}
	before := func(a, b token.Pos) bool {
		return a.Line() < b.Line() || a.Line() == b.Line() && a.Column() <= b.Column()
	}
	var found ast.Node
	ast.Walk(f, func(n ast.Node) bool {
		if _, isFile := n.(*ast.File); isFile {
			return true
		}
		start, end := n.Pos(), nodeEnd(n)
		if !start.IsValid() || !end.IsValid() {
			return true // a node without a span (a let clause): look inside
		}
		if !before(start, p) || before(end, p) {
			return false // not around p: nothing inside it is
		}
		switch {
		case !inStruct && start.Line() == p.Line() && start.Column() == p.Column():
			found = n
			return false
		case inStruct:
			if _, ok := n.(*ast.StructLit); ok {
				found = n // the innermost wins: it is found last
			}
		}
		return true
	}, nil)
	if found == nil {
		return pos
	}
	if st, ok := found.(*ast.StructLit); ok && len(st.Elts) > 0 {
		// pos is its first key: the range is its keys, from the first to the last.
		return withEnd(pos, nodeEnd(st.Elts[len(st.Elts)-1]))
	}
	return withEnd(pos, nodeEnd(found))
}

// nodeEnd is where a node ends: just after its last character. (CUE's struct and list
// literals give their closing brace's position.)
func nodeEnd(n ast.Node) token.Pos {
	switch x := n.(type) {
	case *ast.StructLit:
		if x.Rbrace.IsValid() {
			return x.Rbrace.Add(1)
		}
	case *ast.ListLit:
		if x.Rbrack.IsValid() {
			return x.Rbrack.Add(1)
		}
	}
	return n.End()
}

// useSite says where a value that a shared layout defines is used. pos is where the value at
// path was found. Going out from path to path[:stop], the values whose source holds pos are the
// layout itself; the first one whose source does not is the use that brought the layout in,
// such as a certificate's elements: _birthElements. There is none when every source holds pos:
// the value is written where it is used.
func (s *cueSource) useSite(path []string, stop int, pos diag.Pos) (diag.Pos, bool) {
	if pos.Line == 0 || !s.author.Exists() {
		return diag.Pos{}, false
	}
	for n := len(path); n >= stop && n >= 0; n-- {
		v := s.author.LookupPath(cuePath(path[:n]))
		if !v.Exists() {
			continue
		}
		node := v.Source()
		if node == nil {
			continue // put together from several places, or made by a comprehension
		}
		start, ok := s.authorPos(node.Pos())
		if !ok {
			continue
		}
		if at := withEnd(start, nodeEnd(node)); !contains(at, pos) {
			return at, true
		}
	}
	return diag.Pos{}, false
}

// contains reports whether p starts within the range r.
func contains(r, p diag.Pos) bool {
	if r.File != p.File {
		return false
	}
	if !r.HasRange() {
		return r.Line == p.Line && r.Column <= p.Column
	}
	after := p.Line > r.Line || p.Line == r.Line && p.Column >= r.Column
	before := p.Line < r.EndLine || p.Line == r.EndLine && p.Column < r.EndColumn
	return after && before
}

// walk goes through every value of the package: it collects the error of each value that has
// one, and reports every key the schema requires that the package does not give (CUE reports
// those only when no other error is left; a compiler must report them all at once).
func (s *cueSource) walk(l *diag.List, v cue.Value, path []string, errs *errors.Error) {
	s.walkAt(l, v, s.author, path, errs)
}

// walkAt is walk with author, the author's own value at path (which may not exist), looked up
// a step at a time beside v rather than from the root for every value.
func (s *cueSource) walkAt(l *diag.List, v, author cue.Value, path []string, errs *errors.Error) {
	// A key the author did not write at all is missing whole: say so once, not for each of
	// the keys the schema requires inside it.
	if len(path) > 0 && !author.Exists() && !hasDefault(v) {
		if kind := v.IncompleteKind(); kind == cue.StructKind || kind == cue.ListKind {
			l.Errorf(s.enclosing(path), CodeMissingKey, "", "missing %s (%s)", displayPath(path), describeKind(v))
			return
		}
	}
	child := func(sel cue.Selector) cue.Value {
		if !author.Exists() {
			return author
		}
		return author.LookupPath(cue.MakePath(sel))
	}
	// A struct or list holding an error has the kind bottom: look inside it all the same.
	kind := v.IncompleteKind()
	if kind == cue.StructKind || kind == cue.BottomKind {
		if it, err := v.Fields(); err == nil {
			for it.Next() {
				sel := it.Selector()
				s.walkAt(l, it.Value(), child(sel), append(slices.Clip(path), sel.String()), errs)
			}
			return
		}
	}
	if kind == cue.ListKind || kind == cue.BottomKind {
		if it, err := v.List(); err == nil {
			for i := 0; it.Next(); i++ {
				s.walkAt(l, it.Value(), child(cue.Index(i)), append(slices.Clip(path), strconv.Itoa(i)), errs)
			}
			return
		}
	}
	if err := v.Err(); err != nil {
		if !isIncomplete(err) {
			*errs = errors.Append(*errs, errors.Promote(err, ""))
		}
		return
	}
	if kind == cue.StructKind || kind == cue.ListKind {
		return
	}
	if hasDefault(v) || v.IsConcrete() {
		return
	}
	l.Errorf(s.enclosing(path), CodeMissingKey, "", "missing %s (%s)", displayPath(path), describeKind(v))
}

func hasDefault(v cue.Value) bool {
	_, ok := v.Default()
	return ok
}

func isIncomplete(err error) bool {
	for _, e := range errors.Errors(err) {
		if f, _ := e.Msg(); !strings.HasPrefix(f, "incomplete value") {
			return false
		}
	}
	return true
}

func describeKind(v cue.Value) string {
	k := v.IncompleteKind()
	switch {
	case k == cue.StringKind:
		return "a string"
	case k == cue.BoolKind:
		return "true or false"
	case k&cue.NumberKind == k:
		return "a number"
	case k == cue.StructKind:
		return "a struct {...}"
	case k == cue.ListKind:
		return "a list [...]"
	}
	return "a value"
}

// displayPath writes a CUE path as the author reads it: events.birth.form.pages[0].fields[3].
func displayPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "the package"
	}
	return b.String()
}

func cuePath(path []string) cue.Path {
	sels := make([]cue.Selector, len(path))
	for i, p := range path {
		if n, err := strconv.Atoi(p); err == nil {
			sels[i] = cue.Index(n)
		} else {
			sels[i] = cue.Str(unquote(p))
		}
	}
	return cue.MakePath(sels...)
}
