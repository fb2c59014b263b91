package rules

import (
	"fmt"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"regexp"
	"slices"
	"strings"
)

// FieldType is the type of a form field, as the rule language sees it.
type FieldType string

// The field types. Text, long text, phone, email and identity numbers are all text to a rule;
// names and addresses are compounds of parts; headings and paragraphs are display fields.
const (
	TypeText        FieldType = "text"
	TypeNumber      FieldType = "number"
	TypeDate        FieldType = "date"
	TypeYesNo       FieldType = "yesno"
	TypeChoice      FieldType = "choice"
	TypeMultiChoice FieldType = "multichoice"
	TypeLocation    FieldType = "location"
	TypeCompound    FieldType = "compound"
	TypeDocument    FieldType = "document"
	TypeDisplay     FieldType = "display"
)

// Field is one field of a form, as far as rules are concerned.
type Field struct {
	ID      string    `json:"id"`                // a dot path: child.dob
	Type    FieldType `json:"type"`              //
	Options []string  `json:"options,omitempty"` // the values of a choice or multichoice field
	Parts   []string  `json:"parts,omitempty"`   // the parts of a compound field: given, family
	Lines   bool      `json:"lines,omitempty"`   // a text field of several lines (long text)
}

// Schema is what rules of one form can refer to: its fields and the package's statuses, flags
// and roles (so that record.status == "registerd" is caught at build time).
type Schema struct {
	Fields   []Field  `json:"fields"`
	Statuses []string `json:"statuses,omitempty"`
	Flags    []string `json:"flags,omitempty"`
	Roles    []string `json:"roles,omitempty"`
}

// Env checks expressions against one Schema. It is safe for concurrent use.
type Env struct {
	fields map[string]*Field
	order  []string // field ids in the schema's order
	ctx    map[string]Type
	names  []string // every path a rule may name, for "did you mean" hints
}

var segmentPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// contextRoots are the roots of the names that are not fields.
var contextRoots = []string{"record", "user"}

// NewEnv checks the schema itself: field ids that a rule could not name, duplicates, unknown
// types, choices without options, compounds without parts.
func NewEnv(s Schema) (*Env, error) {
	env := &Env{fields: make(map[string]*Field, len(s.Fields))}
	var problems []string
	for i := range s.Fields {
		f := &s.Fields[i]
		if err := checkFieldID(f.ID); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if _, dup := env.fields[f.ID]; dup {
			problems = append(problems, fmt.Sprintf("field %s is declared twice", f.ID))
			continue
		}
		switch f.Type {
		case TypeText, TypeNumber, TypeDate, TypeYesNo, TypeLocation, TypeDocument, TypeDisplay:
		case TypeChoice, TypeMultiChoice:
			if len(f.Options) == 0 {
				problems = append(problems, fmt.Sprintf("field %s is a %s with no options", f.ID, f.Type))
			}
		case TypeCompound:
			if len(f.Parts) == 0 {
				problems = append(problems, fmt.Sprintf("field %s is a compound with no parts", f.ID))
			}
			for _, p := range f.Parts {
				if checkFieldID(f.ID+"."+p) != nil {
					problems = append(problems, fmt.Sprintf("field %s: part %q is not a name a rule can use", f.ID, p))
				}
			}
		default:
			problems = append(problems, fmt.Sprintf("field %s has unknown type %q", f.ID, f.Type))
		}
		env.fields[f.ID] = f
		env.order = append(env.order, f.ID)
		if f.Type != TypeDisplay {
			env.names = append(env.names, f.ID)
			for _, p := range f.Parts {
				env.names = append(env.names, f.ID+"."+p)
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	env.ctx = map[string]Type{
		"record.status": {Kind: String, Options: s.Statuses, Of: "the statuses"},
		"record.flags":  {Kind: List, Elem: String, Options: s.Flags, Of: "the flags"},
		"user.role":     {Kind: String, Options: s.Roles, Of: "the roles"},
		"user.office":   {Kind: String},
		"user.area":     {Kind: String},
	}
	for name := range env.ctx {
		env.names = append(env.names, name)
	}
	slices.Sort(env.names[len(env.names)-len(env.ctx):])
	return env, nil
}

// checkFieldID reports a field id that a rule could not name: each dot-separated segment must be
// an identifier, the whole must read back from the parser as that chain of names (which rules
// out CEL's reserved words), and the first must not be a root of the context.
func checkFieldID(id string) error {
	segs := strings.Split(id, ".")
	for _, s := range segs {
		if !segmentPattern.MatchString(s) {
			return fmt.Errorf("field id %q: %q is not a name (letters, digits and _, not starting with a digit)", id, s)
		}
	}
	if slices.Contains(contextRoots, segs[0]) {
		return fmt.Errorf("field id %q: %q is reserved for the record and the user", id, segs[0])
	}
	tree, errs := celParser.Parse(common.NewTextSource(id))
	if len(errs.GetErrors()) > 0 || !isPath(tree.Expr(), segs) {
		return fmt.Errorf("field id %q: a rule could not name it: a part of it is a reserved word of the rule language", id)
	}
	return nil
}

// isPath reports whether e is the chain of names segs.
func isPath(e ast.Expr, segs []string) bool {
	last := len(segs) - 1
	switch e.Kind() {
	case ast.IdentKind:
		return last == 0 && e.AsIdent() == segs[0]
	case ast.SelectKind:
		return last > 0 && e.AsSelect().FieldName() == segs[last] && isPath(e.AsSelect().Operand(), segs[:last])
	}
	return false
}

// Field returns the field with the given id.
func (e *Env) Field(id string) (*Field, bool) {
	f, ok := e.fields[id]
	return f, ok
}

// Type is the type of an expression as the checker sees it.
type Type struct {
	Kind    Kind     // Bool, Number, String, Date, List or Compound; Error when it could not be typed
	Elem    Kind     // the kind of a List's elements; Unanswered for the empty list, which fits any
	Options []string // the values a choice (or a list's elements) can take, when known
	Of      string   // what Options belong to, for messages: "child.sex"
	Parts   []string // the parts of a compound
	Field   *Field   // the field the value comes straight from, if any
}

// typeOf is the type of a field's value.
func typeOf(f *Field) Type {
	t := Type{Field: f, Of: f.ID}
	switch f.Type {
	case TypeText, TypeLocation:
		t.Kind = String
	case TypeNumber:
		t.Kind = Number
	case TypeDate:
		t.Kind = Date
	case TypeYesNo:
		t.Kind = Bool
	case TypeChoice:
		t.Kind, t.Options = String, f.Options
	case TypeMultiChoice:
		t.Kind, t.Elem, t.Options = List, String, f.Options
	default: // compound, document, display
		t.Kind, t.Parts = Compound, f.Parts
	}
	return t
}

// kindName is the name of a field's value kind in compiled nodes ("field" nodes carry it so the
// evaluators know how to read the declaration).
func kindName(f *Field) string {
	switch f.Type {
	case TypeDocument:
		return "document"
	}
	return typeOf(f).Kind.String()
}

func (t Type) String() string {
	switch t.Kind {
	case List:
		if t.Elem == Unanswered {
			return "list"
		}
		return "list of " + t.Elem.String()
	case Compound:
		if t.Field != nil {
			switch t.Field.Type {
			case TypeDocument:
				return "document"
			case TypeDisplay:
				return "display field"
			}
			return "name or address"
		}
	}
	return t.Kind.String()
}
