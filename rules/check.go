package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/internal/suggest"
)

// Limits on an expression, so that hostile or runaway input cannot exhaust the checker.
const (
	MaxLength = 4096 // characters
	MaxDepth  = 64   // nesting levels
)

// Error codes of check errors. They are stable: the compiler's diagnostics and tests use them.
const (
	CodeSyntax          = "syntax"
	CodeTooLong         = "too-long"
	CodeUnknownField    = "unknown-field"
	CodeUnknownPart     = "unknown-part"
	CodeUnknownFunction = "unknown-function"
	CodeArguments       = "wrong-arguments"
	CodeType            = "type-mismatch"
	CodeNotBoolean      = "not-boolean"
	CodeUnknownOption   = "unknown-option"
	CodeBadRegex        = "bad-regex"
	CodeBadDate         = "bad-date"
	CodeUnsupported     = "unsupported"
	CodeNotAValue       = "not-a-value"
)

// CheckError is a mistake in an expression. Offset and End are byte offsets into the expression
// text, so the compiler can turn them into file:line:col inside the package's file.
type CheckError struct {
	Offset, End int
	Code        string
	Message     string
	Hint        string // a suggestion, when one can be computed: "did you mean child.dob?"
}

// CodePrefix is put before a rule checker's code in a diagnostic: rule/unknown-field.
const CodePrefix = "rule/"

// Diagnostic is the error as the compiler reports it, positioned by at, which turns a byte
// offset of the expression into its position in the package's file: the range is the offending
// token's, from Offset to End.
func (e *CheckError) Diagnostic(at func(offset int) diag.Pos) diag.Diagnostic {
	pos := at(e.Offset)
	if e.End > e.Offset {
		if end := at(e.End); end.File == pos.File && end.Line > 0 && (end.Line > pos.Line || end.Column > pos.Column) {
			pos.EndLine, pos.EndColumn = end.Line, end.Column
		}
	}
	return diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: CodePrefix + e.Code, Message: e.Message, Hint: e.Hint}
}

func (e *CheckError) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("%d: %s (%s)", e.Offset, e.Message, e.Hint)
	}
	return fmt.Sprintf("%d: %s", e.Offset, e.Message)
}

// Expr is a checked expression, compiled.
type Expr struct {
	Source string
	Type   Type
	Node   *Node
	Refs   []string // the fields it reads, each once, in order of appearance
}

// AnyKind passed to Check accepts an expression of any type.
const AnyKind = Unanswered

var celParser = func() *parser.Parser {
	p, err := parser.NewParser(
		parser.Macros(), // no has(), all(), exists(), map(), filter(): see LANGUAGE.md
		parser.MaxRecursionDepth(MaxDepth),
		parser.ExpressionSizeCodePointLimit(MaxLength),
		parser.ErrorReportingLimit(8),
		parser.ErrorRecoveryLimit(32),
		parser.ErrorRecoveryLookaheadTokenLimit(32),
	)
	if err != nil {
		panic(err)
	}
	return p
}()

// Check parses src, checks it against the environment, and compiles it. want is the kind the
// expression must give: Bool for a condition or a validation, the field's kind for a calculated
// value, AnyKind for no requirement. Every problem found is returned, in order of position.
func (e *Env) Check(src string, want Kind) (*Expr, []*CheckError) {
	c := &checker{env: e, src: src}
	if utf8.RuneCountInString(src) > MaxLength {
		return nil, []*CheckError{{Offset: 0, End: len(src), Code: CodeTooLong,
			Message: fmt.Sprintf("expression is longer than %d characters", MaxLength)}}
	}
	tree, errs := celParser.Parse(common.NewTextSource(src))
	if len(errs.GetErrors()) > 0 {
		return nil, c.syntaxErrors(errs.GetErrors())
	}
	c.info = tree.SourceInfo()
	n, t := c.expr(tree.Expr())
	if t.Kind != Error && want != AnyKind && t.Kind != want {
		start, end := c.span(tree.Expr())
		if want == Bool {
			c.errorf(start, end, CodeNotBoolean, "", "a condition must be true or false, but this expression is a %s", t)
		} else {
			c.errorf(start, end, CodeType, "", "this expression must give a %s, but it gives a %s", want, t)
		}
	}
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b *CheckError) int { return a.Offset - b.Offset })
		return nil, c.errs
	}
	return &Expr{Source: src, Type: t, Node: n, Refs: c.refs}, nil
}

type checker struct {
	env  *Env
	src  string
	info *ast.SourceInfo
	errs []*CheckError
	refs []string
}

var invalid = Type{Kind: Error}

func (c *checker) errorf(start, end int, code, hint, format string, args ...any) {
	c.errs = append(c.errs, &CheckError{Offset: start, End: end, Code: code, Hint: hint,
		Message: fmt.Sprintf(format, args...)})
}

// byteOffset turns CEL's offsets, counted in code points, into byte offsets.
func (c *checker) byteOffset(runes int) int {
	if runes <= 0 {
		return 0
	}
	i := 0
	for b := range c.src {
		if i == runes {
			return b
		}
		i++
	}
	return len(c.src)
}

// span returns the byte range an expression covers. CEL records one position per node (the
// operator, the dot, the opening parenthesis), so the range is put together from the children.
func (c *checker) span(e ast.Expr) (int, int) {
	s, t := c.runeSpan(e)
	return c.byteOffset(s), c.byteOffset(t)
}

func (c *checker) runeSpan(e ast.Expr) (start, end int) {
	r, _ := c.info.GetOffsetRange(e.ID())
	start, end = int(r.Start), int(r.Stop)
	widen := func(x ast.Expr) {
		s, t := c.runeSpan(x)
		start, end = min(start, s), max(end, t)
	}
	switch e.Kind() {
	case ast.SelectKind:
		sel := e.AsSelect()
		end = start + 1 + utf8.RuneCountInString(sel.FieldName())
		widen(sel.Operand())
	case ast.CallKind:
		call := e.AsCall()
		if !strings.HasPrefix(call.FunctionName(), "_") && !strings.HasPrefix(call.FunctionName(), "@") {
			end = start + 1 // the opening parenthesis
			if !call.IsMemberFunction() {
				start -= utf8.RuneCountInString(call.FunctionName())
			}
			defer func() { end++ }() // the closing parenthesis
		}
		if call.FunctionName() == "_[_]" {
			defer func() { end++ }() // the closing bracket
		}
		if call.IsMemberFunction() {
			widen(call.Target())
		}
		for _, a := range call.Args() {
			widen(a)
		}
	case ast.ListKind:
		for _, x := range e.AsList().Elements() {
			widen(x)
		}
		defer func() { end++ }()
	}
	return start, end
}

// syntaxErrors rewords the parser's messages: ANTLR's "expecting {'[', '{', '(', ...}" lists
// help nobody.
func (c *checker) syntaxErrors(errs []*common.Error) []*CheckError {
	lines := strings.SplitAfter(c.src, "\n")
	var out []*CheckError
	for _, e := range errs {
		off := 0
		for i := 0; i < e.Location.Line()-1 && i < len(lines); i++ {
			off += len(lines[i])
		}
		line := ""
		if l := e.Location.Line() - 1; l >= 0 && l < len(lines) {
			line = lines[l]
		}
		off += len(line) // past the end of the line unless the column is found in it
		col := 0
		for i := range line {
			if col == e.Location.Column() {
				off += i - len(line)
				break
			}
			col++
		}
		msg := strings.TrimPrefix(e.Message, "Syntax error: ")
		code := CodeSyntax
		switch {
		case strings.Contains(msg, "limit exceeded"), strings.Contains(msg, "exceeds"):
			code, msg = CodeTooLong, fmt.Sprintf("expression is nested more than %d levels deep", MaxDepth)
		case strings.HasPrefix(msg, "token recognition error at: "):
			msg = "unexpected character " + strings.TrimPrefix(msg, "token recognition error at: ")
		case strings.HasPrefix(msg, "extraneous input "), strings.HasPrefix(msg, "mismatched input "):
			tok := msg[strings.Index(msg, "input ")+6:]
			if i := strings.Index(tok, " expecting "); i >= 0 {
				expecting := tok[i+len(" expecting "):]
				tok = tok[:i]
				msg = "unexpected " + tok
				if !strings.HasPrefix(expecting, "{") {
					msg += ", expecting " + expecting
				}
			} else {
				msg = "unexpected " + tok
			}
		case strings.HasPrefix(msg, "no viable alternative at input "):
			msg = "unexpected " + strings.TrimPrefix(msg, "no viable alternative at input ")
		}
		msg = strings.ReplaceAll(msg, "'<EOF>'", "end of expression")
		out = append(out, &CheckError{Offset: off, End: off, Code: code, Message: "syntax error: " + msg})
	}
	return out
}

// expr checks one expression and compiles it. On a mistake it reports it and returns the invalid
// type, which every caller accepts silently, so one mistake is reported once.
func (c *checker) expr(e ast.Expr) (*Node, Type) {
	switch e.Kind() {
	case ast.LiteralKind:
		return c.literal(e)
	case ast.IdentKind, ast.SelectKind:
		return c.path(e)
	case ast.ListKind:
		return c.list(e)
	case ast.CallKind:
		return c.call(e)
	case ast.MapKind:
		c.unsupported(e, "maps are not part of the rule language")
	case ast.StructKind:
		c.unsupported(e, "messages are not part of the rule language")
	default:
		c.unsupported(e, "this construct is not part of the rule language")
	}
	return nil, invalid
}

func (c *checker) unsupported(e ast.Expr, format string, args ...any) {
	start, end := c.span(e)
	c.errorf(start, end, CodeUnsupported, "", format, args...)
}

func (c *checker) literal(e ast.Expr) (*Node, Type) {
	switch v := e.AsLiteral().(type) {
	case types.Bool:
		return &Node{Op: opLit, Lit: bool(v)}, Type{Kind: Bool}
	case types.Int:
		return &Node{Op: opLit, Lit: float64(v)}, Type{Kind: Number}
	case types.Uint:
		return &Node{Op: opLit, Lit: float64(v)}, Type{Kind: Number}
	case types.Double:
		return &Node{Op: opLit, Lit: float64(v)}, Type{Kind: Number}
	case types.String:
		return &Node{Op: opLit, Lit: string(v)}, Type{Kind: String}
	case types.Null:
		c.unsupported(e, "null is not part of the rule language: test an answer with answered(x), or give a default with coalesce(x, d)")
	case types.Bytes:
		c.unsupported(e, "bytes are not part of the rule language")
	default:
		c.unsupported(e, "this literal is not part of the rule language")
	}
	return nil, invalid
}

// path resolves child.dob, mother.name.family, record.status: a chain of names.
func (c *checker) path(e ast.Expr) (*Node, Type) {
	var segs []string
	for x := e; ; {
		if x.Kind() == ast.IdentKind {
			segs = append(segs, x.AsIdent())
			break
		}
		if x.Kind() != ast.SelectKind {
			c.unsupported(e, "only fields have parts: .%s cannot follow an expression", e.AsSelect().FieldName())
			return nil, invalid
		}
		segs = append(segs, x.AsSelect().FieldName())
		x = x.AsSelect().Operand()
	}
	slices.Reverse(segs)
	full := strings.Join(segs, ".")
	start, end := c.span(e)
	if slices.Contains(contextRoots, segs[0]) {
		if t, ok := c.env.ctx[full]; ok {
			return &Node{Op: opCtx, Name: full}, t
		}
		c.errorf(start, end, CodeUnknownField, c.didYouMean(full, c.env.names), "unknown name %s: %s has %s", full, segs[0], c.contextNames(segs[0]))
		return nil, invalid
	}
	// The longest prefix that is a field; what follows may be one part of a compound.
	for i := len(segs); i > 0; i-- {
		id := strings.Join(segs[:i], ".")
		f, ok := c.env.fields[id]
		if !ok {
			continue
		}
		if f.Type == TypeDisplay {
			c.errorf(start, end, CodeNotAValue, "", "%s is a display field (a heading or paragraph) and has no value", id)
			return nil, invalid
		}
		c.ref(id)
		rest := segs[i:]
		if len(rest) == 0 {
			return &Node{Op: opField, Name: id, Arg: kindName(f)}, typeOf(f)
		}
		if f.Type != TypeCompound {
			c.errorf(start, end, CodeUnknownPart, "", "%s is a %s field and has no parts: .%s cannot follow it", id, f.Type, strings.Join(rest, "."))
			return nil, invalid
		}
		if len(rest) > 1 || !slices.Contains(f.Parts, rest[0]) {
			c.errorf(start, end, CodeUnknownPart, c.didYouMean(rest[0], f.Parts), "%s has no part %q (its parts: %s)", id, strings.Join(rest, "."), strings.Join(f.Parts, ", "))
			return nil, invalid
		}
		return &Node{Op: opPart, Name: id, Arg: rest[0]}, Type{Kind: String}
	}
	hint := c.didYouMean(full, c.env.names)
	if full == "today" {
		hint = "did you mean today()?"
	}
	c.errorf(start, end, CodeUnknownField, hint, "unknown field %s", full)
	return nil, invalid
}

func (c *checker) contextNames(root string) string {
	var names []string
	for _, n := range c.env.names {
		if strings.HasPrefix(n, root+".") {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func (c *checker) ref(id string) {
	if !slices.Contains(c.refs, id) {
		c.refs = append(c.refs, id)
	}
}

func (c *checker) didYouMean(name string, candidates []string) string {
	if s := suggest.Closest(name, candidates); s != "" {
		return "did you mean " + s + "?"
	}
	return ""
}

func (c *checker) list(e ast.Expr) (*Node, Type) {
	n := &Node{Op: opList}
	t := Type{Kind: List, Elem: Unanswered}
	ok := true
	for _, x := range e.AsList().Elements() {
		en, et := c.expr(x)
		if et.Kind == Error {
			ok = false
			continue
		}
		if !c.isValue(x, et) {
			ok = false
			continue
		}
		if et.Kind == List {
			c.unsupported(x, "a list cannot hold lists")
			ok = false
			continue
		}
		if t.Elem == Unanswered {
			t.Elem = et.Kind
		} else if t.Elem != et.Kind {
			start, end := c.span(x)
			c.errorf(start, end, CodeType, "", "a list holds values of one type: this %s follows a %s", et, t.Elem)
			ok = false
			continue
		}
		n.Args = append(n.Args, en)
	}
	if !ok {
		return nil, invalid
	}
	return n, t
}

// isValue reports (and returns false for) a compound used where a value is needed.
func (c *checker) isValue(e ast.Expr, t Type) bool {
	if t.Kind != Compound {
		return true
	}
	start, end := c.span(e)
	f := t.Field
	switch f.Type {
	case TypeCompound:
		c.errorf(start, end, CodeNotAValue, fmt.Sprintf("use one of its parts, such as %s.%s, or answered(%s)", f.ID, f.Parts[0], f.ID),
			"%s is made of parts (%s) and has no value of its own", f.ID, strings.Join(f.Parts, ", "))
	default:
		c.errorf(start, end, CodeNotAValue, fmt.Sprintf("use answered(%s)", f.ID), "%s is a document: a rule can only test that it is given", f.ID)
	}
	return false
}

// operators maps CEL's operator functions to the language's.
var operators = map[string]string{
	"_==_": "==", "_!=_": "!=", "_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">=",
	"_+_": "+", "_-_": "-", "_*_": "*", "_/_": "/", "_%_": "%", "-_": "-", "!_": "!",
	"_&&_": "&&", "_||_": "||", "_?_:_": "?:", "@in": "in",
}

func (c *checker) call(e ast.Expr) (*Node, Type) {
	call := e.AsCall()
	name := call.FunctionName()
	args := call.Args()
	if call.IsMemberFunction() {
		args = append([]ast.Expr{call.Target()}, args...)
	}
	if op, ok := operators[name]; ok {
		return c.operator(e, op, args)
	}
	if name == "_[_]" || name == "_[?_]" {
		c.unsupported(e, "indexing is not part of the rule language: use x in list, or size(list)")
		return nil, invalid
	}
	if strings.HasPrefix(name, "_") || strings.HasPrefix(name, "@") {
		c.unsupported(e, "this operator is not part of the rule language")
		return nil, invalid
	}
	sig, ok := functions[name]
	if !ok {
		r, _ := c.info.GetOffsetRange(e.ID()) // the opening parenthesis, after the name
		start, end := c.byteOffset(int(r.Start)-utf8.RuneCountInString(name)), c.byteOffset(int(r.Start))
		hint := unknownFunctionHints[name]
		if hint == "" {
			hint = c.didYouMean(name, functionNames)
		}
		c.errorf(start, end, CodeUnknownFunction, hint, "unknown function %s", name)
		return nil, invalid
	}
	if len(args) != len(sig.params) {
		start, end := c.span(e)
		c.errorf(start, end, CodeArguments, "", "%s takes %d argument%s (%s), not %d", name, len(sig.params), plural(len(sig.params)), sig.describe(), len(args))
		return nil, invalid
	}
	var nodes []*Node // nil, not empty, for today(): the tree must read back from JSON as it was
	typs := make([]Type, len(args))
	if len(args) > 0 {
		nodes = make([]*Node, len(args))
	}
	ok = true
	for i, a := range args {
		nodes[i], typs[i] = c.expr(a)
		if typs[i].Kind == Error {
			ok = false
		}
	}
	if !ok {
		return nil, invalid
	}
	if name == "answered" {
		return &Node{Op: opCall, Name: name, Args: nodes}, Type{Kind: Bool}
	}
	for i, a := range args {
		if !c.isValue(a, typs[i]) {
			return nil, invalid
		}
		p := sig.params[i]
		if p == AnyKind || typs[i].Kind == p || (p == sizeable && (typs[i].Kind == String || typs[i].Kind == List)) {
			continue
		}
		start, end := c.span(a)
		hint := ""
		if p == Date && typs[i].Kind == String && nodes[i].Op == opLit {
			hint = fmt.Sprintf("write date(%s)", strconv.Quote(nodes[i].Lit.(string)))
		}
		c.errorf(start, end, CodeType, hint, "%s needs a %s as argument %d, not a %s", name, describeParam(p), i+1, typs[i])
		ok = false
	}
	if !ok {
		return nil, invalid
	}
	switch name {
	case "today":
		return &Node{Op: opCtx, Name: "today"}, Type{Kind: Date}
	case "coalesce":
		if !c.sameType(e, "coalesce", args, typs) {
			return nil, invalid
		}
		c.checkOptions(typs[0], args[1], nodes[1])
		t := typs[0]
		t.Field = nil
		return &Node{Op: opCall, Name: name, Args: nodes}, t
	case "date":
		if nodes[0].Op == opLit {
			s := nodes[0].Lit.(string)
			if _, ok := ParseDate(s); !ok {
				start, end := c.span(args[0])
				c.errorf(start, end, CodeBadDate, "", "%s is not a date: write YYYY-MM-DD, a real date in the years 1 to 9999", strconv.Quote(s))
				return nil, invalid
			}
			return &Node{Op: opDate, Arg: s}, Type{Kind: Date}
		}
	case "matches":
		return c.matches(args, nodes)
	}
	return &Node{Op: opCall, Name: name, Args: nodes}, Type{Kind: sig.result}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (c *checker) matches(args []ast.Expr, nodes []*Node) (*Node, Type) {
	start, end := c.span(args[1])
	if nodes[1].Op != opLit {
		c.errorf(start, end, CodeBadRegex, "", "the pattern of matches must be a string literal, so it can be checked when the package is built")
		return nil, invalid
	}
	pattern := nodes[1].Lit.(string)
	js, err := translateRegexp(pattern)
	if err != nil {
		c.errorf(start, end, CodeBadRegex, "", "invalid regular expression %s: %v", strconv.Quote(pattern), err)
		return nil, invalid
	}
	return &Node{Op: opMatches, Name: pattern, Arg: js, Args: nodes[:1]}, Type{Kind: Bool}
}

// operator checks the operands of an operator and picks its meaning.
func (c *checker) operator(e ast.Expr, op string, args []ast.Expr) (*Node, Type) {
	nodes := make([]*Node, len(args))
	typs := make([]Type, len(args))
	for i, a := range args {
		nodes[i], typs[i] = c.expr(a)
	}
	for i, a := range args {
		if typs[i].Kind == Error {
			return nil, invalid
		}
		if !c.isValue(a, typs[i]) {
			return nil, invalid
		}
	}
	start, end := c.span(e)
	mismatch := func(format string, args ...any) (*Node, Type) {
		c.errorf(start, end, CodeType, "", format, args...)
		return nil, invalid
	}
	node := func(opName string, t Kind) (*Node, Type) {
		switch opName {
		case opNot, opAnd, opOr, opIf:
			return &Node{Op: opName, Args: nodes}, Type{Kind: t}
		}
		return &Node{Op: opCall, Name: opName, Args: nodes}, Type{Kind: t}
	}
	switch op {
	case "!":
		if typs[0].Kind != Bool {
			return mismatch("! needs true or false, not a %s", typs[0])
		}
		return node(opNot, Bool)
	case "&&", "||":
		for i, side := range []string{"left", "right"} {
			if typs[i].Kind != Bool {
				c.errorf(start, end, CodeType, "", "%s needs true or false on both sides, but the %s side is a %s", op, side, typs[i])
				return nil, invalid
			}
		}
		if op == "&&" {
			return node(opAnd, Bool)
		}
		return node(opOr, Bool)
	case "?:":
		if typs[0].Kind != Bool {
			s, t := c.span(args[0])
			c.errorf(s, t, CodeNotBoolean, "", "the condition of ?: must be true or false, but it is a %s", typs[0])
			return nil, invalid
		}
		if !c.sameType(e, "the two branches of ?:", args[1:], typs[1:]) {
			return nil, invalid
		}
		n, _ := node(opIf, Bool)
		return n, unify(typs[1], typs[2])
	case "-":
		if len(args) == 1 {
			if typs[0].Kind != Number {
				return mismatch("- needs a number, not a %s", typs[0])
			}
			return node("neg", Number)
		}
		fallthrough
	case "*", "/", "%":
		if typs[0].Kind == Date || typs[1].Kind == Date {
			c.errorf(start, end, CodeType, "use addDays(d, n) to move a date, and daysBetween(a, b) for the days between two dates",
				"cannot %s a %s and a %s", verb(op), typs[0], typs[1])
			return nil, invalid
		}
		if typs[0].Kind != Number || typs[1].Kind != Number {
			return mismatch("%s needs numbers on both sides, not a %s and a %s", op, typs[0], typs[1])
		}
		return node(map[string]string{"-": "sub", "*": "mul", "/": "div", "%": "mod"}[op], Number)
	case "+":
		switch {
		case typs[0].Kind == Number && typs[1].Kind == Number:
			return node("add", Number)
		case typs[0].Kind == String && typs[1].Kind == String:
			return node("concat", String)
		case typs[0].Kind == Date || typs[1].Kind == Date:
			c.errorf(start, end, CodeType, "use addDays(d, n), addMonths(d, n) or addYears(d, n)", "cannot add a %s and a %s", typs[0], typs[1])
			return nil, invalid
		}
		return mismatch("+ adds two numbers or joins two strings; it cannot add a %s and a %s", typs[0], typs[1])
	case "==", "!=":
		if !c.comparable(e, op, args, typs, nodes) {
			return nil, invalid
		}
		if !c.sameType(e, op, args, typs) {
			return nil, invalid
		}
		c.checkOptions(typs[0], args[1], nodes[1])
		c.checkOptions(typs[1], args[0], nodes[0])
		if op == "==" {
			return node("eq", Bool)
		}
		return node("ne", Bool)
	case "<", "<=", ">", ">=":
		if !c.comparable(e, op, args, typs, nodes) {
			return nil, invalid
		}
		if k := typs[0].Kind; k != Number && k != String && k != Date {
			return mismatch("%s orders numbers, strings and dates, not a %s", op, typs[0])
		}
		if !c.sameType(e, op, args, typs) {
			return nil, invalid
		}
		return node(map[string]string{"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op], Bool)
	case "in":
		if typs[1].Kind != List {
			return mismatch("in needs a list on its right, not a %s", typs[1])
		}
		if typs[1].Elem != Unanswered && typs[0].Kind != typs[1].Elem {
			return mismatch("in looks for a %s in a list of %s", typs[0], typs[1].Elem)
		}
		if typs[0].Kind == List {
			return mismatch("in looks for one value in a list, not a list")
		}
		// "fever" in death.symptoms: the value must be one of the list's options.
		c.checkOptions(Type{Kind: String, Options: typs[1].Options, Of: typs[1].Of}, args[0], nodes[0])
		// child.sex in ["male", "femal"]: each literal must be one of the field's options.
		if nodes[1].Op == opList {
			for i, el := range args[1].AsList().Elements() {
				c.checkOptions(typs[0], el, nodes[1].Args[i])
			}
		}
		return node("in", Bool)
	}
	return mismatch("unknown operator %s", op)
}

func verb(op string) string {
	return map[string]string{"-": "subtract", "*": "multiply", "/": "divide", "%": "take the remainder of"}[op]
}

// comparable reports a comparison of a date with a string literal, the commonest mistake, with
// the fix.
func (c *checker) comparable(e ast.Expr, op string, args []ast.Expr, typs []Type, nodes []*Node) bool {
	for i := range 2 {
		if typs[i].Kind == Date && typs[1-i].Kind == String && nodes[1-i].Op == opLit {
			start, end := c.span(e)
			c.errorf(start, end, CodeType, fmt.Sprintf("write date(%s)", strconv.Quote(nodes[1-i].Lit.(string))),
				"cannot compare a date with a string")
			return false
		}
	}
	return true
}

// sameType reports operands of different types.
func (c *checker) sameType(e ast.Expr, what string, args []ast.Expr, typs []Type) bool {
	a, b := typs[0], typs[1]
	if a.Kind == b.Kind && (a.Kind != List || a.Elem == b.Elem || a.Elem == Unanswered || b.Elem == Unanswered) {
		return true
	}
	start, end := c.span(e)
	c.errorf(start, end, CodeType, "", "%s needs two values of one type, not a %s and a %s", what, a, b)
	return false
}

func unify(a, b Type) Type {
	t := Type{Kind: a.Kind, Elem: a.Elem}
	if t.Elem == Unanswered {
		t.Elem = b.Elem
	}
	return t
}

// checkOptions reports a string literal compared with a choice that does not offer it.
func (c *checker) checkOptions(choice Type, lit ast.Expr, n *Node) {
	if len(choice.Options) == 0 || n == nil || n.Op != opLit {
		return
	}
	s, ok := n.Lit.(string)
	if !ok || slices.Contains(choice.Options, s) {
		return
	}
	start, end := c.span(lit)
	hint := ""
	if best := suggest.Closest(s, choice.Options); best != "" {
		hint = fmt.Sprintf("did you mean %s?", strconv.Quote(best))
	} else if len(choice.Options) <= 12 {
		hint = "the options are " + strings.Join(choice.Options, ", ")
	}
	c.errorf(start, end, CodeUnknownOption, hint, "%s is not one of %s", strconv.Quote(s), optionsOf(choice))
}

func optionsOf(t Type) string {
	if strings.HasPrefix(t.Of, "the ") {
		return t.Of
	}
	return "the options of " + t.Of
}

// signature is the parameter and result kinds of a function. AnyKind accepts any type; sizeable
// accepts a string or a list.
type signature struct {
	params []Kind
	result Kind
}

const sizeable = Compound + 1

func describeParam(k Kind) string {
	if k == sizeable {
		return "string or list"
	}
	return k.String()
}

func (s signature) describe() string {
	names := make([]string, len(s.params))
	for i, p := range s.params {
		names[i] = describeParam(p)
		if p == AnyKind {
			names[i] = "any"
		}
	}
	return strings.Join(names, ", ")
}

var functions = map[string]signature{
	"answered":      {[]Kind{AnyKind}, Bool},
	"coalesce":      {[]Kind{AnyKind, AnyKind}, AnyKind},
	"today":         {nil, Date},
	"date":          {[]Kind{String}, Date},
	"addDays":       {[]Kind{Date, Number}, Date},
	"addMonths":     {[]Kind{Date, Number}, Date},
	"addYears":      {[]Kind{Date, Number}, Date},
	"daysBetween":   {[]Kind{Date, Date}, Number},
	"monthsBetween": {[]Kind{Date, Date}, Number},
	"yearsBetween":  {[]Kind{Date, Date}, Number},
	"year":          {[]Kind{Date}, Number},
	"month":         {[]Kind{Date}, Number},
	"day":           {[]Kind{Date}, Number},
	"matches":       {[]Kind{String, String}, Bool},
	"size":          {[]Kind{sizeable}, Number},
	"contains":      {[]Kind{String, String}, Bool},
	"startsWith":    {[]Kind{String, String}, Bool},
	"endsWith":      {[]Kind{String, String}, Bool},
	"abs":           {[]Kind{Number}, Number},
	"floor":         {[]Kind{Number}, Number},
	"ceil":          {[]Kind{Number}, Number},
	"round":         {[]Kind{Number}, Number},
}

var functionNames = func() []string {
	var names []string
	for n := range functions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// unknownFunctionHints answer what people coming from CEL, JavaScript or spreadsheets try first.
var unknownFunctionHints = map[string]string{
	"has":        "use answered(x) to test that a field has an answer",
	"exists":     "comprehensions are not part of the rule language: use x in list",
	"all":        "comprehensions are not part of the rule language",
	"map":        "comprehensions are not part of the rule language",
	"filter":     "comprehensions are not part of the rule language",
	"exists_one": "comprehensions are not part of the rule language",
	"length":     "use size(x)",
	"len":        "use size(x)",
	"count":      "use size(list) for the number of selected options",
	"now":        "use today()",
	"age":        "use yearsBetween(dob, today()) for an age in whole years",
	"if":         "use c ? a : b",
	"isNull":     "use answered(x)",
	"ifNull":     "use coalesce(x, d)",
	"timestamp":  "use date(\"YYYY-MM-DD\")",
	"int":        "use floor(n), ceil(n) or round(n)",
	"lower":      "use matches(s, \"(?i)...\") for a comparison that ignores case",
	"upper":      "use matches(s, \"(?i)...\") for a comparison that ignores case",
}
