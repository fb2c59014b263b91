package rules

import "fmt"

// nodeType is the type of a node of a compiled tree: its kind, and for a list the kind of its
// elements (Unanswered for the empty list, which fits any).
type nodeType struct {
	kind, elem Kind
}

func (t nodeType) String() string {
	if t.kind == List && t.elem != Unanswered {
		return "list of " + t.elem.String()
	}
	return t.kind.String()
}

var readKindTypes = map[string]nodeType{
	"bool": {kind: Bool}, "number": {kind: Number}, "string": {kind: String}, "date": {kind: Date},
	"list": {kind: List, elem: String}, "compound": {kind: Compound}, "document": {kind: Compound},
}

var contextTypes = map[string]nodeType{
	"today": {kind: Date}, "record.status": {kind: String}, "record.flags": {kind: List, elem: String},
	"user.role": {kind: String}, "user.office": {kind: String}, "user.area": {kind: String},
}

// infer types a compiled tree. The checker only writes well-typed trees, but a tree read from a
// bundle could be damaged or forged: the evaluators trust the types, so Compile refuses a tree
// whose types do not add up, exactly as the checker would have.
func infer(n *Node) (nodeType, error) {
	if n == nil {
		return nodeType{}, fmt.Errorf("missing rule node")
	}
	args := make([]nodeType, len(n.Args))
	for i, a := range n.Args {
		t, err := infer(a)
		if err != nil {
			return nodeType{}, err
		}
		args[i] = t
	}
	bad := func(format string, a ...any) (nodeType, error) {
		return nodeType{}, fmt.Errorf("rule node %s: %s", n, fmt.Sprintf(format, a...))
	}
	want := func(ts []nodeType, kinds ...Kind) error {
		if len(ts) != len(kinds) {
			return fmt.Errorf("rule node %s takes %d arguments, not %d", n, len(kinds), len(ts))
		}
		for i, k := range kinds {
			if k == AnyKind || ts[i].kind == k || (k == sizeable && (ts[i].kind == String || ts[i].kind == List)) {
				continue
			}
			return fmt.Errorf("rule node %s: argument %d must be a %s, not a %s", n, i+1, describeParam(k), ts[i])
		}
		return nil
	}
	same := func() error {
		if err := want(args, AnyKind, AnyKind); err != nil {
			return err
		}
		a, b := args[0], args[1]
		if a.kind != b.kind || (a.kind == List && a.elem != b.elem && a.elem != Unanswered && b.elem != Unanswered) || a.kind == Compound {
			return fmt.Errorf("rule node %s: needs two values of one type, not a %s and a %s", n, a, b)
		}
		return nil
	}
	switch n.Op {
	case opLit:
		switch n.Lit.(type) {
		case bool:
			return nodeType{kind: Bool}, want(args)
		case float64:
			return nodeType{kind: Number}, want(args)
		case string:
			return nodeType{kind: String}, want(args)
		}
		return bad("a literal must be a bool, number or string")
	case opDate:
		return nodeType{kind: Date}, want(args)
	case opList:
		t := nodeType{kind: List}
		for _, a := range args {
			if a.kind == List || a.kind == Compound || (t.elem != Unanswered && a.kind != t.elem) {
				return bad("a list holds values of one type")
			}
			t.elem = a.kind
		}
		return t, nil
	case opField:
		t, ok := readKindTypes[n.Arg]
		if !ok {
			return bad("unknown kind %q", n.Arg)
		}
		return t, want(args)
	case opPart:
		return nodeType{kind: String}, want(args)
	case opCtx:
		t, ok := contextTypes[n.Name]
		if !ok {
			return bad("unknown context name")
		}
		return t, want(args)
	case opNot:
		return nodeType{kind: Bool}, want(args, Bool)
	case opAnd, opOr:
		return nodeType{kind: Bool}, want(args, Bool, Bool)
	case opIf:
		if err := want(args, Bool, AnyKind, AnyKind); err != nil {
			return nodeType{}, err
		}
		if err := want(args[1:], AnyKind, AnyKind); err != nil {
			return nodeType{}, err
		}
		a, b := args[1], args[2]
		if a.kind != b.kind || a.kind == Compound {
			return bad("the two branches must be of one type, not a %s and a %s", a, b)
		}
		if a.elem == Unanswered {
			a.elem = b.elem
		}
		return a, nil
	case opMatches:
		return nodeType{kind: Bool}, want(args, String)
	case opCall:
		return inferCall(n, args, want, same)
	}
	return bad("unknown operation %q", n.Op)
}

func inferCall(n *Node, args []nodeType, want func([]nodeType, ...Kind) error, same func() error) (nodeType, error) {
	boolean, number := nodeType{kind: Bool}, nodeType{kind: Number}
	switch n.Name {
	case "eq", "ne":
		return boolean, same()
	case "lt", "le", "gt", "ge":
		if err := same(); err != nil {
			return nodeType{}, err
		}
		if k := args[0].kind; k != Number && k != String && k != Date {
			return nodeType{}, fmt.Errorf("rule node %s: orders numbers, strings and dates, not a %s", n, args[0])
		}
		return boolean, nil
	case "add", "sub", "mul", "div", "mod":
		return number, want(args, Number, Number)
	case "neg":
		return number, want(args, Number)
	case "concat":
		return nodeType{kind: String}, want(args, String, String)
	case "in":
		if err := want(args, AnyKind, List); err != nil {
			return nodeType{}, err
		}
		if args[0].kind == List || args[0].kind == Compound || (args[1].elem != Unanswered && args[1].elem != args[0].kind) {
			return nodeType{}, fmt.Errorf("rule node %s: looks for a %s in a %s", n, args[0], args[1])
		}
		return boolean, nil
	case "answered":
		return boolean, want(args, AnyKind)
	case "coalesce":
		if err := same(); err != nil {
			return nodeType{}, err
		}
		t := args[0]
		if t.elem == Unanswered {
			t.elem = args[1].elem
		}
		return t, nil
	case "today", "matches":
		// Written as ["ctx", "today"] and ["matches", ...], never as calls.
	default:
		if sig, ok := functions[n.Name]; ok {
			for _, a := range args {
				if a.kind == Compound {
					return nodeType{}, fmt.Errorf("rule node %s: a name, address or document has no value", n)
				}
			}
			return nodeType{kind: sig.result}, want(args, sig.params...)
		}
	}
	return nodeType{}, fmt.Errorf("rule node %s: unknown function %q", n, n.Name)
}
