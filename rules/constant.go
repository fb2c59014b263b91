package rules

// Constant is the value a rule has for every declaration, record, user and day, when that is
// certain: it reads nothing (no answer, nothing of the context, not today), or an and/or
// whose one side is decided whatever the other gives (x || true). ok is false when the value
// may depend on what it reads, or when the rule cannot be compiled. The compiler uses it to
// say that a rule cannot be what its author meant, and says nothing when unsure.
func Constant(n *Node) (v Value, ok bool) {
	if n == nil {
		return Value{}, false
	}
	switch n.Op {
	case opField, opPart, opCtx:
		return Value{}, false
	case opAnd, opOr:
		if len(n.Args) != 2 {
			return Value{}, false
		}
		// A deciding value (false for and, true for or) on either side decides, whatever the
		// other is: unanswered, an error or anything else (see logic).
		decides := n.Op == opOr
		a, aok := Constant(n.Args[0])
		b, bok := Constant(n.Args[1])
		for _, x := range []struct {
			v  Value
			ok bool
		}{{a, aok}, {b, bok}} {
			if x.ok && x.v.kind == Bool && x.v.IsTrue() == decides {
				return x.v, true
			}
		}
		if !aok || !bok {
			return Value{}, false
		}
	case opIf:
		if len(n.Args) != 3 {
			return Value{}, false
		}
		c, ok := Constant(n.Args[0])
		switch {
		case !ok:
			return Value{}, false
		case c.IsTrue():
			return Constant(n.Args[1])
		case c.IsFalse():
			return Constant(n.Args[2])
		}
	default:
		for _, arg := range n.Args {
			if _, ok := Constant(arg); !ok {
				return Value{}, false
			}
		}
	}
	p, err := Compile(n)
	if err != nil {
		return Value{}, false
	}
	return p.Eval(nil, &Context{}), true
}
