package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Node is one node of a compiled expression: the form the Go and the JavaScript evaluators both
// run, stored in bundles. In JSON a node is an array whose first element is its Op; LANGUAGE.md
// ("The compiled form") lists them.
type Node struct {
	Op   string // lit, date, list, field, part, ctx, not, and, or, if, matches, call
	Name string // the field of field and part; the name of ctx and call; the Go pattern of matches
	Arg  string // the kind of field; the part of part; the JavaScript source of matches; a date
	Lit  any    // the bool, float64 or string of lit
	Args []*Node
}

// Operations (Node.Op).
const (
	opLit     = "lit"
	opDate    = "date"
	opList    = "list"
	opField   = "field"
	opPart    = "part"
	opCtx     = "ctx"
	opNot     = "not"
	opAnd     = "and"
	opOr      = "or"
	opIf      = "if"
	opMatches = "matches"
	opCall    = "call"
)

// And is the node that holds when every one of nodes holds (nil for none), as && does.
func And(nodes ...*Node) *Node {
	var out *Node
	for _, n := range nodes {
		if out == nil {
			out = n
		} else {
			out = &Node{Op: opAnd, Args: []*Node{out, n}}
		}
	}
	return out
}

// MarshalJSON writes the node as a compact JSON array.
func (n *Node) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	n.write(&b)
	return b.Bytes(), nil
}

func (n *Node) write(b *bytes.Buffer) {
	b.WriteByte('[')
	b.WriteString(strconv.Quote(n.Op))
	str := func(s string) {
		b.WriteByte(',')
		enc, _ := json.Marshal(s) // json, not strconv: JavaScript must read the escapes
		b.Write(enc)
	}
	switch n.Op {
	case opLit:
		enc, _ := json.Marshal(n.Lit)
		b.WriteByte(',')
		b.Write(enc)
	case opDate:
		str(n.Arg)
	case opField, opPart:
		str(n.Name)
		str(n.Arg)
	case opCtx:
		str(n.Name)
	case opCall:
		str(n.Name)
	case opMatches:
		b.WriteByte(',')
		n.Args[0].write(b)
		str(n.Name)
		str(n.Arg)
		b.WriteByte(']')
		return
	}
	for _, a := range n.Args {
		b.WriteByte(',')
		a.write(b)
	}
	b.WriteByte(']')
}

// UnmarshalJSON reads a node written by MarshalJSON. Its shape is checked here, and its
// operations and arities by Compile, so a damaged bundle is refused with a clear error.
func (n *Node) UnmarshalJSON(data []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("a rule node must be a JSON array: %w", err)
	}
	if len(raw) == 0 {
		return fmt.Errorf("a rule node must not be empty")
	}
	if err := json.Unmarshal(raw[0], &n.Op); err != nil {
		return fmt.Errorf("a rule node must start with its operation: %w", err)
	}
	strs := func(dst ...*string) error {
		if len(raw) < 1+len(dst) {
			return fmt.Errorf("rule node %q needs %d strings", n.Op, len(dst))
		}
		for i, d := range dst {
			if err := json.Unmarshal(raw[1+i], d); err != nil {
				return fmt.Errorf("rule node %q: element %d must be a string", n.Op, i+1)
			}
		}
		raw = raw[1+len(dst):]
		return nil
	}
	var err error
	switch n.Op {
	case opLit:
		if len(raw) != 2 {
			return fmt.Errorf(`rule node "lit" needs exactly one value`)
		}
		if err := json.Unmarshal(raw[1], &n.Lit); err != nil {
			return err
		}
		switch n.Lit.(type) {
		case bool, float64, string:
		default:
			return fmt.Errorf(`rule node "lit" holds %s, not a bool, number or string`, raw[1])
		}
		return nil
	case opDate:
		err = strs(&n.Arg)
	case opField, opPart:
		err = strs(&n.Name, &n.Arg)
	case opCtx, opCall:
		err = strs(&n.Name)
	case opMatches:
		if len(raw) != 4 {
			return fmt.Errorf(`rule node "matches" needs a value and two patterns`)
		}
		raw = []json.RawMessage{raw[0], raw[2], raw[3], raw[1]} // strings first, then the value
		err = strs(&n.Name, &n.Arg)
	default:
		raw = raw[1:]
	}
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return nil
	}
	n.Args = make([]*Node, len(raw))
	for i, r := range raw {
		n.Args[i] = new(Node)
		if err := n.Args[i].UnmarshalJSON(r); err != nil {
			return err
		}
	}
	return nil
}

// String writes the node as JSON, for messages and tests.
func (n *Node) String() string {
	b, _ := n.MarshalJSON()
	return string(b)
}
