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
type evalFn func(a *activation) Value

// activation is one declaration being evaluated. A field is read from the declaration the first
// time a rule needs it and kept in its slot, so every field is decoded at most once per
// declaration however many rules read it.
type activation struct {
	data  map[string]any
	ctx   *Context
	vals  []Value
	state []uint8
}

const (
	slotUnread uint8 = iota
	slotRead
	slotSet // given by the form: a calculated value, or unanswered because hidden
)

// slot is a field (or one part of a compound field) that the rules read.
type slot struct {
	field, part string
	kind        string // as in a field node: bool, number, string, date, list, compound, document
	parent      int    // the slot of the field a part belongs to, or -1
}

// slotTable assigns slots while compiling.
type slotTable struct {
	index map[string]int
	slots []slot
}

func (t *slotTable) get(field, part, kind string) (int, error) {
	key := field + "\x00" + part
	if i, ok := t.index[key]; ok {
		if t.slots[i].kind != kind {
			return 0, fmt.Errorf("field %s is read both as %s and as %s", field, t.slots[i].kind, kind)
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

func newSlotTable() *slotTable { return &slotTable{index: map[string]int{}} }

// pool recycles activations, so that evaluating a declaration allocates nothing of its own.
type pool struct {
	p sync.Pool
}

func newPool(t *slotTable) *pool {
	n := len(t.slots)
	return &pool{p: sync.Pool{New: func() any {
		return &activation{vals: make([]Value, n), state: make([]uint8, n)}
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
	v := p.root(a)
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
		return func(*activation) Value { return v }, arity(0)
	case opDate:
		d, ok := ParseDate(n.Arg)
		if !ok {
			return nil, fmt.Errorf("rule node %s: not a date", n)
		}
		v := dateValue(d)
		return func(*activation) Value { return v }, arity(0)
	case opList:
		return func(a *activation) Value {
			out := make([]Value, len(args))
			var firstErr Value
			for i, f := range args {
				v := f(a)
				switch v.kind {
				case Unanswered:
					return v
				case Error:
					if firstErr.kind != Error {
						firstErr = v
					}
				}
				out[i] = v
			}
			if firstErr.kind == Error {
				return firstErr
			}
			return Value{kind: List, list: out}
		}, nil
	case opField, opPart:
		part := ""
		kind := n.Arg
		if n.Op == opPart {
			part, kind = n.Arg, "string"
		} else if !validKinds[kind] {
			return nil, fmt.Errorf("rule node %s: unknown kind %q", n, kind)
		}
		i, err := t.get(n.Name, part, kind)
		if err != nil {
			return nil, err
		}
		return func(a *activation) Value { return a.read(i, t) }, arity(0)
	case opCtx:
		f, ok := contextReaders[n.Name]
		if !ok {
			return nil, fmt.Errorf("rule node %s: unknown context name", n)
		}
		return f, arity(0)
	case opNot:
		if err := arity(1); err != nil {
			return nil, err
		}
		x := args[0]
		return func(a *activation) Value {
			v := x(a)
			if v.kind != Bool {
				return v
			}
			return boolValue(v.num == 0)
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
		return func(a *activation) Value {
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
		return strict1(args[0], func(s Value) Value { return boolValue(re.MatchString(s.str)) }), nil
	case opCall:
		return compileCall(n, args)
	}
	return nil, fmt.Errorf("rule node %s: unknown operation %q", n, n.Op)
}

var validKinds = map[string]bool{"bool": true, "number": true, "string": true, "date": true,
	"list": true, "compound": true, "document": true}

// logic is && (or false) and || (or true): three-valued, as LANGUAGE.md says. The deciding value
// wins whatever the other side is; then an unanswered side; then the first error.
func logic(or bool, x, y evalFn) evalFn {
	var decide float64 // the value that decides: false for &&, true for ||
	if or {
		decide = 1
	}
	return func(a *activation) Value {
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

// strict1 and strict2 evaluate their operands and hand them on only when all have a value: an
// unanswered operand makes the result unanswered, else the first error is the result.
func strict1(x evalFn, f func(Value) Value) evalFn {
	return func(a *activation) Value {
		v := x(a)
		if v.kind <= Error {
			return v
		}
		return f(v)
	}
}

func strict2(x, y evalFn, f func(Value, Value) Value) evalFn {
	return func(a *activation) Value {
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
		return f(l, r)
	}
}

var unary = map[string]func(Value) Value{
	"neg":   func(x Value) Value { return numberValue(-x.num) },
	"date":  parseDateValue,
	"year":  func(x Value) Value { y, _, _ := x.Date().Civil(); return numberValue(float64(y)) },
	"month": func(x Value) Value { _, m, _ := x.Date().Civil(); return numberValue(float64(m)) },
	"day":   func(x Value) Value { _, _, d := x.Date().Civil(); return numberValue(float64(d)) },
	"size": func(x Value) Value {
		if x.kind == List {
			return numberValue(float64(len(x.list)))
		}
		return numberValue(float64(utf8.RuneCountInString(x.str)))
	},
	"abs":   func(x Value) Value { return numberValue(math.Abs(x.num)) },
	"floor": func(x Value) Value { return numberValue(math.Floor(x.num)) },
	"ceil":  func(x Value) Value { return numberValue(math.Ceil(x.num)) },
	"round": func(x Value) Value { return numberValue(math.Round(x.num)) }, // halves away from zero
}

var binary = map[string]func(Value, Value) Value{
	"eq":     func(x, y Value) Value { return boolValue(equal(x, y)) },
	"ne":     func(x, y Value) Value { return boolValue(!equal(x, y)) },
	"lt":     func(x, y Value) Value { return boolValue(compare(x, y) < 0) },
	"le":     func(x, y Value) Value { return boolValue(compare(x, y) <= 0) },
	"gt":     func(x, y Value) Value { return boolValue(compare(x, y) > 0) },
	"ge":     func(x, y Value) Value { return boolValue(compare(x, y) >= 0) },
	"add":    func(x, y Value) Value { return numberValue(x.num + y.num) },
	"concat": func(x, y Value) Value { return stringValue(x.str + y.str) },
	"sub":    func(x, y Value) Value { return numberValue(x.num - y.num) },
	"mul":    func(x, y Value) Value { return numberValue(x.num * y.num) },
	"div": func(x, y Value) Value {
		if y.num == 0 {
			return errorValue(ErrDivisionByZero)
		}
		return numberValue(x.num / y.num)
	},
	"mod": func(x, y Value) Value {
		if y.num == 0 {
			return errorValue(ErrDivisionByZero)
		}
		return numberValue(math.Mod(x.num, y.num))
	},
	"in": func(x, list Value) Value {
		for _, e := range list.list {
			if equal(x, e) {
				return trueValue
			}
		}
		return falseValue
	},
	"addDays":   func(d, n Value) Value { return addDays(d.Date(), n.num) },
	"addMonths": func(d, n Value) Value { return addMonths(d.Date(), n.num) },
	"addYears":  func(d, n Value) Value { return addYears(d.Date(), n.num) },
	"daysBetween": func(a, b Value) Value {
		return numberValue(float64(b.Date() - a.Date()))
	},
	"monthsBetween": func(a, b Value) Value { return numberValue(float64(monthsBetween(a.Date(), b.Date()))) },
	"yearsBetween":  func(a, b Value) Value { return numberValue(float64(yearsBetween(a.Date(), b.Date()))) },
	"contains":      func(s, t Value) Value { return boolValue(strings.Contains(s.str, t.str)) },
	"startsWith":    func(s, t Value) Value { return boolValue(strings.HasPrefix(s.str, t.str)) },
	"endsWith":      func(s, t Value) Value { return boolValue(strings.HasSuffix(s.str, t.str)) },
}

func parseDateValue(s Value) Value {
	d, ok := ParseDate(s.str)
	if !ok {
		return errorValue(ErrBadDate)
	}
	return dateValue(d)
}

func compileCall(n *Node, args []evalFn) (evalFn, error) {
	switch name := n.Name; {
	case name == "answered" && len(args) == 1:
		x := args[0]
		return func(a *activation) Value {
			v := x(a)
			switch v.kind {
			case Unanswered:
				return falseValue
			case Error:
				return v
			}
			return trueValue
		}, nil
	case name == "coalesce" && len(args) == 2:
		x, d := args[0], args[1]
		return func(a *activation) Value {
			if v := x(a); v.kind != Unanswered {
				return v
			}
			return d(a)
		}, nil
	case name == "today" && len(args) == 0:
		return func(a *activation) Value { return dateValue(a.ctx.Today) }, nil
	case unary[name] != nil && len(args) == 1:
		return strict1(args[0], unary[name]), nil
	case binary[name] != nil && len(args) == 2:
		return strict2(args[0], args[1], binary[name]), nil
	}
	return nil, fmt.Errorf("rule node %s: unknown function %q with %d arguments", n, n.Name, len(args))
}

var contextReaders = map[string]evalFn{
	"today":         func(a *activation) Value { return dateValue(a.ctx.Today) },
	"record.status": func(a *activation) Value { return optionalString(a.ctx.Status) },
	"record.flags": func(a *activation) Value {
		// A record always has its flags: none is the empty list, not an unanswered question.
		out := make([]Value, len(a.ctx.Flags))
		for i, f := range a.ctx.Flags {
			out[i] = stringValue(f)
		}
		return Value{kind: List, list: out}
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

// read returns the value of a slot, decoding it from the declaration the first time.
func (a *activation) read(i int, t *slotTable) Value {
	if a.state[i] != slotUnread {
		return a.vals[i]
	}
	s := &t.slots[i]
	var v Value
	if s.parent >= 0 {
		v = a.readPart(s, t)
	} else {
		v = decode(a.data[s.field], s.kind)
	}
	a.vals[i], a.state[i] = v, slotRead
	return v
}

func (a *activation) readPart(s *slot, t *slotTable) Value {
	if a.state[s.parent] == slotSet && a.vals[s.parent].kind == Unanswered {
		return unanswered // the whole field is hidden
	}
	raw := a.data[s.field]
	if raw == nil {
		return unanswered
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return errorValue(ErrBadValue)
	}
	return decode(obj[s.part], "string")
}

// decode reads a declaration's JSON value as the given kind.
func decode(raw any, kind string) Value {
	if raw == nil {
		return unanswered
	}
	switch kind {
	case "bool":
		if b, ok := raw.(bool); ok {
			return boolValue(b)
		}
	case "number":
		if f, ok := toFloat(raw); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return numberValue(f)
		}
	case "string":
		if s, ok := raw.(string); ok {
			return optionalString(s)
		}
	case "date":
		if s, ok := raw.(string); ok {
			if s == "" {
				return unanswered
			}
			if d, ok := ParseDate(s); ok {
				return dateValue(d)
			}
		}
	case "list":
		return decodeList(raw)
	case "compound":
		return decodeCompound(raw)
	case "document":
		switch d := raw.(type) {
		case string:
			return answeredIf(d != "")
		case map[string]any:
			return answeredIf(len(d) > 0)
		}
	}
	return errorValue(ErrBadValue)
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
	return Value{kind: List, list: out}
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
