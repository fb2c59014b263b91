package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"
)

// Context is what a rule knows besides the declaration: today's date in the country's time zone,
// the record and the acting user.
type Context struct {
	Today  Days
	Status string
	Flags  []string
	Role   string
	Office string
	Area   string
}

// evalFn evaluates one compiled node. Compiling a tree into nested closures once, when the
// bundle is loaded, makes evaluation a chain of direct calls with no interpretation left.
//
// A node's result is a pointer: to a constant (literals, true, false, unanswered, errors), to a
// field's slot, or to the node's own result cell in the activation. Returning the 40-byte Value
// itself made every step copy it through the stack, which cost more than the rule's own work;
// a parent only reads what its children point to and never writes through those pointers.
type evalFn func(a *activation) *Value

// activation is one declaration being evaluated. A field is read from the declaration the first
// time a rule needs it and kept in its slot, so every field is decoded at most once per
// declaration however many rules read it.
type activation struct {
	data  map[string]any
	ctx   *Context
	vals  []Value // the fields' slots
	state []uint8
	cells []Value // the result cells of the nodes that compute a value
}

const (
	slotUnread uint8 = iota
	slotRead
	slotSet // given by the form: a calculated value, or unanswered because hidden
)

// slot is a field (or one part of a compound field) that the rules read.
type slot struct {
	field, part string
	kind        readKind
	parent      int // the slot of the field a part belongs to, or -1
}

// readKind is how a slot's JSON value is read: the kinds of field nodes.
type readKind uint8

const (
	readBool readKind = iota
	readNumber
	readString
	readDate
	readList
	readCompound
	readDocument
)

var readKinds = map[string]readKind{"bool": readBool, "number": readNumber, "string": readString,
	"date": readDate, "list": readList, "compound": readCompound, "document": readDocument}

// slotTable assigns the fields' slots and the nodes' result cells while compiling.
type slotTable struct {
	index map[string]int
	slots []slot
	cells int
}

// cell assigns a node its result cell.
func (t *slotTable) cell() int {
	t.cells++
	return t.cells - 1
}

func (t *slotTable) get(field, part, kindName string) (int, error) {
	kind, ok := readKinds[kindName]
	if !ok {
		return 0, fmt.Errorf("field %s: unknown kind %q", field, kindName)
	}
	key := field + "\x00" + part
	if i, ok := t.index[key]; ok {
		if t.slots[i].kind != kind {
			return 0, fmt.Errorf("field %s is read both as %s and as %s", field, t.kindName(i), kindName)
		}
		return i, nil
	}
	parent := -1
	if part != "" {
		p, err := t.get(field, "", "compound")
		if err != nil {
			return 0, err
		}
		parent = p
	}
	t.slots = append(t.slots, slot{field: field, part: part, kind: kind, parent: parent})
	t.index[key] = len(t.slots) - 1
	return len(t.slots) - 1, nil
}

func (t *slotTable) kindName(i int) string {
	for name, k := range readKinds {
		if k == t.slots[i].kind {
			return name
		}
	}
	return "?"
}

func newSlotTable() *slotTable { return &slotTable{index: map[string]int{}} }

// pool recycles activations, so that evaluating a declaration allocates nothing of its own.
type pool struct {
	p sync.Pool
}

func newPool(t *slotTable) *pool {
	n, cells := len(t.slots), t.cells
	return &pool{p: sync.Pool{New: func() any {
		return &activation{vals: make([]Value, n), state: make([]uint8, n), cells: make([]Value, cells)}
	}}}
}

func (p *pool) get(data map[string]any, ctx *Context) *activation {
	a := p.p.Get().(*activation)
	a.data, a.ctx = data, ctx
	clear(a.state)
	return a
}

func (p *pool) put(a *activation) {
	a.data, a.ctx = nil, nil
	clear(a.vals) // drop references to the declaration's strings and lists
	clear(a.cells)
	p.p.Put(a)
}

// Program is one compiled expression, ready to evaluate any number of declarations, from any
// number of goroutines.
type Program struct {
	root  evalFn
	slots *slotTable
	pool  *pool
}

// Compile turns a node tree (from Check, or read from a bundle) into a Program. A tree that no
// checker could have written — an unknown operation or function, a wrong number of arguments,
// a bad pattern — is refused with an error.
func Compile(n *Node) (*Program, error) {
	if _, err := infer(n); err != nil {
		return nil, err
	}
	t := newSlotTable()
	root, err := compile(n, t)
	if err != nil {
		return nil, err
	}
	return &Program{root: root, slots: t, pool: newPool(t)}, nil
}

// Eval evaluates the expression against a declaration: a map from field id to its JSON value
// (as encoding/json decodes it), and the context.
func (p *Program) Eval(data map[string]any, ctx *Context) Value {
	a := p.pool.get(data, ctx)
	v := *p.root(a)
	p.pool.put(a)
	return v
}

func compile(n *Node, t *slotTable) (evalFn, error) {
	if n == nil {
		return nil, fmt.Errorf("missing rule node")
	}
	args := make([]evalFn, len(n.Args))
	for i, a := range n.Args {
		f, err := compile(a, t)
		if err != nil {
			return nil, err
		}
		args[i] = f
	}
	arity := func(want int) error {
		if len(args) != want {
			return fmt.Errorf("rule node %s takes %d arguments, not %d", n, want, len(args))
		}
		return nil
	}
	switch n.Op {
	case opLit:
		var v Value
		switch l := n.Lit.(type) {
		case bool:
			v = boolValue(l)
		case float64:
			v = numberValue(l)
		case string:
			v = stringValue(l)
		default:
			return nil, fmt.Errorf("rule node %s: a literal must be a bool, number or string", n)
		}
		return constant(v), arity(0)
	case opDate:
		d, ok := ParseDate(n.Arg)
		if !ok {
			return nil, fmt.Errorf("rule node %s: not a date", n)
		}
		return constant(dateValue(d)), arity(0)
	case opList:
		k := t.cell()
		return func(a *activation) *Value {
			out := make([]Value, len(args))
			var firstErr *Value
			for i, f := range args {
				v := f(a)
				switch v.kind {
				case Unanswered:
					return v
				case Error:
					if firstErr == nil {
						firstErr = v
					}
				}
				out[i] = *v
			}
			if firstErr != nil {
				return firstErr
			}
			r := &a.cells[k]
			*r = listValue(out)
			return r
		}, nil
	case opField, opPart:
		part, kind := "", n.Arg
		if n.Op == opPart {
			part, kind = n.Arg, "string"
		}
		i, err := t.get(n.Name, part, kind)
		if err != nil {
			return nil, err
		}
		return func(a *activation) *Value { return a.read(i, t) }, arity(0)
	case opCtx:
		if n.Name == "today" { // the commonest by far: no copy
			k := t.cell()
			return func(a *activation) *Value {
				r := &a.cells[k]
				r.kind, r.num = Date, float64(a.ctx.Today)
				return r
			}, arity(0)
		}
		f, ok := contextReaders[n.Name]
		if !ok {
			return nil, fmt.Errorf("rule node %s: unknown context name", n)
		}
		k := t.cell()
		return func(a *activation) *Value {
			r := &a.cells[k]
			*r = f(a)
			return r
		}, arity(0)
	case opNot:
		if err := arity(1); err != nil {
			return nil, err
		}
		x := args[0]
		return func(a *activation) *Value {
			v := x(a)
			if v.kind != Bool {
				return v
			}
			return boolResult(v.num == 0)
		}, nil
	case opAnd, opOr:
		if err := arity(2); err != nil {
			return nil, err
		}
		return logic(n.Op == opOr, args[0], args[1]), nil
	case opIf:
		if err := arity(3); err != nil {
			return nil, err
		}
		c, x, y := args[0], args[1], args[2]
		return func(a *activation) *Value {
			v := c(a)
			if v.kind != Bool {
				return v
			}
			if v.num != 0 {
				return x(a)
			}
			return y(a)
		}, nil
	case opMatches:
		if err := arity(1); err != nil {
			return nil, err
		}
		re, err := compileRegexp(n.Name)
		if err != nil {
			return nil, fmt.Errorf("rule node %s: %v", n, err)
		}
		return strict1(args[0], func(s, _ *Value) *Value { return boolResult(re.MatchString(s.str)) }, t), nil
	case opCall:
		return compileCall(n, args, t)
	}
	return nil, fmt.Errorf("rule node %s: unknown operation %q", n, n.Op)
}

// constant is a node whose value never changes.
func constant(v Value) evalFn {
	return func(*activation) *Value { return &v }
}

// The constant results. Nothing writes through a result pointer, so they can be shared.
var (
	unansweredResult = unanswered
	trueResult       = trueValue
	falseResult      = falseValue
	errorResults     = map[string]*Value{}
)

func init() {
	for _, code := range []string{ErrDivisionByZero, ErrOverflow, ErrNotInteger, ErrBadDate, ErrDateRange, ErrBadValue} {
		v := errorValue(code)
		errorResults[code] = &v
	}
}

func boolResult(b bool) *Value {
	if b {
		return &trueResult
	}
	return &falseResult
}

// setResult puts a computed value into a node's cell, or returns the shared constant of an
// error, so that numbers and dates are written field by field and never copied whole.
func setResult(out *Value, v Value) *Value {
	if v.kind == Error {
		return errorResults[v.str]
	}
	*out = v
	return out
}

// setNumber is numberValue into a cell: a result that is not finite is an overflow.
func setNumber(out *Value, f float64) *Value {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return errorResults[ErrOverflow]
	}
	if f == 0 {
		f = 0 // never -0
	}
	out.kind, out.num = Number, f
	return out
}

// logic is && (or false) and || (or true): three-valued, as LANGUAGE.md says. The deciding value
// wins whatever the other side is; then an unanswered side; then the first error.
func logic(or bool, x, y evalFn) evalFn {
	var decide float64 // the value that decides: false for &&, true for ||
	if or {
		decide = 1
	}
	return func(a *activation) *Value {
		l := x(a)
		if l.kind == Bool && l.num == decide {
			return l
		}
		r := y(a)
		switch {
		case r.kind == Bool && r.num == decide:
			return r
		case l.kind == Unanswered:
			return l
		case r.kind == Unanswered:
			return r
		case l.kind == Error:
			return l
		}
		return r
	}
}

// operation computes a result from operands that all have a value, into the node's cell out
// (or as a constant: a bool, an error).
type operation func(x, y, out *Value) *Value

// strict1 and strict2 evaluate their operands and hand them on only when all have a value: an
// unanswered operand makes the result unanswered, else the first error is the result.
func strict1(x evalFn, f func(x, out *Value) *Value, t *slotTable) evalFn {
	k := t.cell()
	return func(a *activation) *Value {
		v := x(a)
		if v.kind <= Error {
			return v
		}
		return f(v, &a.cells[k])
	}
}

func strict2(x, y evalFn, f operation, t *slotTable) evalFn {
	k := t.cell()
	return func(a *activation) *Value {
		l := x(a)
		if l.kind == Unanswered {
			return l
		}
		r := y(a)
		switch {
		case r.kind == Unanswered:
			return r
		case l.kind == Error:
			return l
		case r.kind == Error:
			return r
		}
		return f(l, r, &a.cells[k])
	}
}

var unary = map[string]func(x, out *Value) *Value{
	"neg":   func(x, out *Value) *Value { return setNumber(out, -x.num) },
	"date":  func(s, out *Value) *Value { return setResult(out, parseDateValue(*s)) },
	"year":  func(x, out *Value) *Value { y, _, _ := x.Date().Civil(); return setNumber(out, float64(y)) },
	"month": func(x, out *Value) *Value { _, m, _ := x.Date().Civil(); return setNumber(out, float64(m)) },
	"day":   func(x, out *Value) *Value { _, _, d := x.Date().Civil(); return setNumber(out, float64(d)) },
	"size": func(x, out *Value) *Value {
		if x.kind == List {
			return setNumber(out, float64(len(*x.list)))
		}
		return setNumber(out, float64(utf8.RuneCountInString(x.str)))
	},
	"abs":   func(x, out *Value) *Value { return setNumber(out, math.Abs(x.num)) },
	"floor": func(x, out *Value) *Value { return setNumber(out, math.Floor(x.num)) },
	"ceil":  func(x, out *Value) *Value { return setNumber(out, math.Ceil(x.num)) },
	"round": func(x, out *Value) *Value { return setNumber(out, math.Round(x.num)) }, // halves away from zero
}

var binary = map[string]operation{
	"eq":     func(x, y, _ *Value) *Value { return boolResult(equal(*x, *y)) },
	"ne":     func(x, y, _ *Value) *Value { return boolResult(!equal(*x, *y)) },
	"lt":     func(x, y, _ *Value) *Value { return boolResult(compare(x, y) < 0) },
	"le":     func(x, y, _ *Value) *Value { return boolResult(compare(x, y) <= 0) },
	"gt":     func(x, y, _ *Value) *Value { return boolResult(compare(x, y) > 0) },
	"ge":     func(x, y, _ *Value) *Value { return boolResult(compare(x, y) >= 0) },
	"add":    func(x, y, out *Value) *Value { return setNumber(out, x.num+y.num) },
	"concat": func(x, y, out *Value) *Value { out.kind, out.str = String, x.str+y.str; return out },
	"sub":    func(x, y, out *Value) *Value { return setNumber(out, x.num-y.num) },
	"mul":    func(x, y, out *Value) *Value { return setNumber(out, x.num*y.num) },
	"div": func(x, y, out *Value) *Value {
		if y.num == 0 {
			return errorResults[ErrDivisionByZero]
		}
		return setNumber(out, x.num/y.num)
	},
	"mod": func(x, y, out *Value) *Value {
		if y.num == 0 {
			return errorResults[ErrDivisionByZero]
		}
		return setNumber(out, math.Mod(x.num, y.num))
	},
	"in": func(x, list, _ *Value) *Value {
		for _, e := range *list.list {
			if equal(*x, e) {
				return &trueResult
			}
		}
		return &falseResult
	},
	"addDays":   func(d, n, out *Value) *Value { return setResult(out, addDays(d.Date(), n.num)) },
	"addMonths": func(d, n, out *Value) *Value { return setResult(out, addMonths(d.Date(), n.num)) },
	"addYears":  func(d, n, out *Value) *Value { return setResult(out, addYears(d.Date(), n.num)) },
	"daysBetween": func(a, b, out *Value) *Value {
		return setNumber(out, float64(b.Date()-a.Date()))
	},
	"monthsBetween": func(a, b, out *Value) *Value {
		return setNumber(out, float64(monthsBetween(a.Date(), b.Date())))
	},
	"yearsBetween": func(a, b, out *Value) *Value {
		return setNumber(out, float64(yearsBetween(a.Date(), b.Date())))
	},
	"contains":   func(s, t, _ *Value) *Value { return boolResult(strings.Contains(s.str, t.str)) },
	"startsWith": func(s, t, _ *Value) *Value { return boolResult(strings.HasPrefix(s.str, t.str)) },
	"endsWith":   func(s, t, _ *Value) *Value { return boolResult(strings.HasSuffix(s.str, t.str)) },
}

func parseDateValue(s Value) Value {
	d, ok := ParseDate(s.str)
	if !ok {
		return errorValue(ErrBadDate)
	}
	return dateValue(d)
}

func compileCall(n *Node, args []evalFn, t *slotTable) (evalFn, error) {
	switch name := n.Name; {
	case name == "answered" && len(args) == 1:
		x := args[0]
		return func(a *activation) *Value {
			v := x(a)
			switch v.kind {
			case Unanswered:
				return &falseResult
			case Error:
				return v
			}
			return &trueResult
		}, nil
	case name == "coalesce" && len(args) == 2:
		x, d := args[0], args[1]
		return func(a *activation) *Value {
			if v := x(a); v.kind != Unanswered {
				return v
			}
			return d(a)
		}, nil
	case unary[name] != nil && len(args) == 1:
		return strict1(args[0], unary[name], t), nil
	case binary[name] != nil && len(args) == 2:
		return strict2(args[0], args[1], binary[name], t), nil
	}
	return nil, fmt.Errorf("rule node %s: unknown function %q with %d arguments", n, n.Name, len(args))
}

var contextReaders = map[string]func(a *activation) Value{
	"today":         func(a *activation) Value { return dateValue(a.ctx.Today) },
	"record.status": func(a *activation) Value { return optionalString(a.ctx.Status) },
	"record.flags": func(a *activation) Value {
		// A record always has its flags: none is the empty list, not an unanswered question.
		out := make([]Value, len(a.ctx.Flags))
		for i, f := range a.ctx.Flags {
			out[i] = stringValue(f)
		}
		return listValue(out)
	},
	"user.role":   func(a *activation) Value { return optionalString(a.ctx.Role) },
	"user.office": func(a *activation) Value { return optionalString(a.ctx.Office) },
	"user.area":   func(a *activation) Value { return optionalString(a.ctx.Area) },
}

func optionalString(s string) Value {
	if s == "" {
		return unanswered
	}
	return stringValue(s)
}

// read returns the value of a slot, decoding it from the declaration the first time. It is
// small enough to be inlined into every field node; decoding is not.
func (a *activation) read(i int, t *slotTable) *Value {
	if a.state[i] != slotUnread {
		return &a.vals[i]
	}
	return a.decodeSlot(i, t)
}

func (a *activation) decodeSlot(i int, t *slotTable) *Value {
	v := &a.vals[i]
	a.state[i] = slotRead
	s := &t.slots[i]
	if s.parent < 0 {
		decode(a.data[s.field], s.kind, v)
		return v
	}
	switch parent := &a.vals[s.parent]; {
	case a.state[s.parent] == slotSet && parent.kind == Unanswered:
		v.kind = Unanswered // the whole field is hidden
	default:
		switch obj := a.data[s.field].(type) {
		case nil:
			v.kind = Unanswered
		case string:
			v.kind, v.str = Error, ErrBadValue
			if obj == "" {
				v.kind = Unanswered // as for any field: an empty input is no answer
			}
		case map[string]any:
			decode(obj[s.part], readString, v)
		default:
			v.kind, v.str = Error, ErrBadValue
		}
	}
	return v
}

// decode reads a declaration's JSON value as the given kind into out, field by field: copying
// a whole Value through the stack is slower than the decoding (see evalFn).
func decode(raw any, kind readKind, out *Value) {
	if raw == nil || raw == "" {
		out.kind = Unanswered // whatever the field's type: an empty input is no answer
		return
	}
	switch kind {
	case readBool:
		if b, ok := raw.(bool); ok {
			out.kind, out.num = Bool, 0
			if b {
				out.num = 1
			}
			return
		}
	case readNumber:
		if f, ok := toFloat(raw); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			out.kind, out.num = Number, f+0 // +0 turns -0 into 0
			return
		}
	case readString:
		if s, ok := raw.(string); ok {
			out.kind, out.str = String, s
			return
		}
	case readDate:
		if s, ok := raw.(string); ok {
			if d, ok := ParseDate(s); ok {
				out.kind, out.num = Date, float64(d)
				return
			}
		}
	case readList:
		*out = decodeList(raw)
		return
	case readCompound:
		*out = decodeCompound(raw)
		return
	case readDocument:
		// A document's answer is its metadata (type, file...); {} is no answer.
		if d, ok := raw.(map[string]any); ok {
			*out = answeredIf(len(d) > 0)
			return
		}
	}
	out.kind, out.str = Error, ErrBadValue
}

func answeredIf(ok bool) Value {
	if ok {
		return compound
	}
	return unanswered
}

func toFloat(raw any) (float64, bool) {
	switch n := raw.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func decodeList(raw any) Value {
	var out []Value
	switch l := raw.(type) {
	case []any:
		out = make([]Value, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return errorValue(ErrBadValue)
			}
			out[i] = stringValue(s)
		}
	case []string:
		out = make([]Value, len(l))
		for i, s := range l {
			out[i] = stringValue(s)
		}
	default:
		return errorValue(ErrBadValue)
	}
	if len(out) == 0 {
		return unanswered
	}
	return listValue(out)
}

// decodeCompound reads a name or an address: answered when some part is filled in.
func decodeCompound(raw any) Value {
	obj, ok := raw.(map[string]any)
	if !ok {
		return errorValue(ErrBadValue)
	}
	filled := false
	for _, p := range obj {
		switch s := p.(type) {
		case nil:
		case string:
			filled = filled || s != ""
		default:
			return errorValue(ErrBadValue)
		}
	}
	return answeredIf(filled)
}
