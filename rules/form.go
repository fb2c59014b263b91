package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FieldRules are the checked rules a form attaches to one field.
type FieldRules struct {
	ID          string
	Shown       *Expr // shown if; nil: always shown
	Enabled     *Expr // enabled if; nil: always enabled
	Required    bool  // always required (when shown and enabled)
	RequiredIf  *Expr // required under a condition
	Calculated  *Expr // the field's value is calculated
	Validations []Validation
}

// Validation is a rule a field's answer must satisfy, and the message (a translation key) shown
// when it does not.
type Validation struct {
	Rule    *Expr
	Message string
}

// The rules a field can have, as cycles and rule errors name them.
const (
	RuleShown      = "shown if"
	RuleEnabled    = "enabled if"
	RuleRequired   = "required if"
	RuleCalculated = "calculated"
	RuleValidation = "validation"
)

// FormIR is a form's rules compiled: what a bundle stores and both evaluators run. Fields are
// in evaluation order: a field comes after every field its visibility or value depends on.
type FormIR struct {
	Fields []FieldIR `json:"fields"`
}

// FieldIR is one field of a FormIR.
type FieldIR struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"` // how its answer is read, as in a field node
	Shown    *Node        `json:"shown,omitempty"`
	Enabled  *Node        `json:"enabled,omitempty"`
	Required *Requirement `json:"required,omitempty"`
	Calc     *Node        `json:"calc,omitempty"`
	Checks   []CheckIR    `json:"checks,omitempty"`
	// Text is the kind of text a field of free text holds (TextLine, TextLines): its answer,
	// or each part of a name or address, must be one CleanText stores; "" for other fields.
	Text string `json:"text,omitempty"`
}

// Requirement is "required": true for always, or the condition's node.
type Requirement struct {
	Always bool
	If     *Node
}

func (r *Requirement) MarshalJSON() ([]byte, error) {
	if r.If != nil {
		return r.If.MarshalJSON()
	}
	return json.Marshal(r.Always)
}

func (r *Requirement) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.Always); err == nil {
		return nil
	}
	r.If = new(Node)
	return r.If.UnmarshalJSON(b)
}

// CheckIR is one compiled validation.
type CheckIR struct {
	Rule    *Node  `json:"rule"`
	Message string `json:"message"`
}

// Cycle is a chain of rules in which a field's visibility or value depends, in the end, on
// itself, so no order can evaluate them.
type Cycle struct {
	Steps []Step // the last step leads back to the first
	// Others are the fields caught in the same knot of dependencies but not on this path: two
	// cycles that share a field are one knot, and untying it takes looking at all of them.
	Others []string
}

// Step is one link of a Cycle: Field's Rule reads the next step's field.
type Step struct {
	Field string
	Rule  string
}

// Error writes the cycle as a path: a (calculated) -> b (shown if) -> a.
func (c *Cycle) Error() string {
	var b strings.Builder
	for _, s := range c.Steps {
		fmt.Fprintf(&b, "%s (%s) -> ", s.Field, s.Rule)
	}
	b.WriteString(c.Steps[0].Field)
	if len(c.Others) > 0 {
		fmt.Fprintf(&b, " (also caught in it: %s)", strings.Join(c.Others, ", "))
	}
	return "rules depend on each other in a cycle: " + b.String()
}

// BuildForm puts the checked rules of a form together. It reports every dependency cycle (as a
// *Cycle), one
// per group of fields caught in one: a field's value depends on its calculated value and on its
// shown-if condition (a hidden field is unanswered), so those may not lead back to the field;
// neither may enabled-if and required-if read the field they belong to. Only a validation may
// read its own field. Without cycles, it orders the fields so that each comes after the fields
// its value depends on, keeping the form's order where it is free.
func BuildForm(env *Env, fields []FieldRules) (*FormIR, []error) {
	byID := make(map[string]*FieldRules, len(fields))
	var errs []error
	for i := range fields {
		if f, ok := env.fields[fields[i].ID]; !ok || f.Type == TypeDisplay {
			errs = append(errs, fmt.Errorf("rules given for %s, which is not a field with a value", fields[i].ID))
		}
		byID[fields[i].ID] = &fields[i]
	}
	// The order of the form is the order of the schema's fields.
	var ids []string
	for _, id := range env.order {
		if env.fields[id].Type != TypeDisplay {
			ids = append(ids, id)
		}
	}
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}

	// deps[i] are the fields field i's value depends on, each with the rule that reads it.
	type edge struct {
		to   int
		rule string
	}
	deps := make([][]edge, len(ids))
	var cycles []*Cycle
	for i, id := range ids {
		r := byID[id]
		if r == nil {
			continue
		}
		for _, x := range []struct {
			e    *Expr
			rule string
		}{{r.Calculated, RuleCalculated}, {r.Shown, RuleShown}} {
			if x.e == nil {
				continue
			}
			for _, ref := range x.e.Refs {
				if j, ok := index[ref]; ok && !slices.ContainsFunc(deps[i], func(e edge) bool { return e.to == j }) {
					deps[i] = append(deps[i], edge{j, x.rule})
				}
			}
		}
		for _, x := range []struct {
			e    *Expr
			rule string
		}{{r.Enabled, RuleEnabled}, {r.RequiredIf, RuleRequired}} {
			if x.e != nil && slices.Contains(x.e.Refs, id) {
				cycles = append(cycles, &Cycle{Steps: []Step{{id, x.rule}}})
			}
		}
	}

	// Tarjan's strongly connected components: each component with more than one field, or one
	// field that reads itself, holds a cycle. Then a post-order walk gives the evaluation order.
	var (
		order   []int
		stack   []int
		onStack = make([]bool, len(ids))
		low     = make([]int, len(ids))
		num     = make([]int, len(ids)) // 0: not visited yet
		counter = 0
	)
	var visit func(i int)
	visit = func(i int) {
		counter++
		num[i], low[i] = counter, counter
		stack = append(stack, i)
		onStack[i] = true
		for _, e := range deps[i] {
			if num[e.to] == 0 {
				visit(e.to)
				low[i] = min(low[i], low[e.to])
			} else if onStack[e.to] {
				low[i] = min(low[i], num[e.to])
			}
		}
		order = append(order, i)
		if low[i] != num[i] {
			return
		}
		var comp []int
		for {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[j] = false
			comp = append(comp, j)
			if j == i {
				break
			}
		}
		in := func(j int) bool { return slices.Contains(comp, j) }
		start := slices.Min(comp) // the first field of the cycle in form order, for stable output
		if len(comp) == 1 && !slices.ContainsFunc(deps[i], func(e edge) bool { return e.to == i }) {
			return
		}
		// Walk the component from its first field back to it, by a depth-first search.
		var path []Step
		seen := map[int]bool{}
		var walk func(j int) bool
		walk = func(j int) bool {
			for _, e := range deps[j] {
				if !in(e.to) {
					continue
				}
				path = append(path, Step{ids[j], e.rule})
				if e.to == start {
					return true
				}
				if !seen[e.to] {
					seen[e.to] = true
					if walk(e.to) {
						return true
					}
				}
				path = path[:len(path)-1]
			}
			return false
		}
		walk(start)
		cycle := &Cycle{Steps: path}
		slices.Sort(comp)
		for _, j := range comp {
			if !slices.ContainsFunc(path, func(s Step) bool { return s.Field == ids[j] }) {
				cycle.Others = append(cycle.Others, ids[j])
			}
		}
		cycles = append(cycles, cycle)
	}
	for i := range ids {
		if num[i] == 0 {
			visit(i)
		}
	}
	if len(cycles) > 0 || len(errs) > 0 {
		slices.SortStableFunc(cycles, func(a, b *Cycle) int { return index[a.Steps[0].Field] - index[b.Steps[0].Field] })
		for _, c := range cycles {
			errs = append(errs, c)
		}
		return nil, errs
	}

	ir := &FormIR{Fields: make([]FieldIR, 0, len(ids))}
	for _, i := range order {
		id := ids[i]
		f := FieldIR{ID: id, Kind: kindName(env.fields[id]), Text: textKind(env.fields[id])}
		if r := byID[id]; r != nil {
			f.Shown, f.Enabled, f.Calc = node(r.Shown), node(r.Enabled), node(r.Calculated)
			switch {
			case r.RequiredIf != nil:
				f.Required = &Requirement{If: r.RequiredIf.Node}
			case r.Required:
				f.Required = &Requirement{Always: true}
			}
			for _, v := range r.Validations {
				f.Checks = append(f.Checks, CheckIR{Rule: v.Rule.Node, Message: v.Message})
			}
		}
		ir.Fields = append(ir.Fields, f)
	}
	return ir, nil
}

// textKind is the kind of text a field holds, "" for a field that is not free text.
func textKind(f *Field) string {
	switch {
	case f.Type == TypeText && f.Lines:
		return TextLines
	case f.Type == TypeText, f.Type == TypeCompound:
		return TextLine
	}
	return ""
}

func node(e *Expr) *Node {
	if e == nil {
		return nil
	}
	return e.Node
}

// Form is a compiled FormIR, ready to evaluate declarations from any number of goroutines.
type Form struct {
	ir     *FormIR
	fields []compiledField
	slots  *slotTable
	pool   *pool
}

type compiledField struct {
	id                   string
	slot                 int
	shown, enabled, calc evalFn
	required             bool
	requiredIf           evalFn
	checks               []evalFn
	messages             []string
	needsValue           bool   // calculated, required or validated
	text                 string // FieldIR.Text of an answered field (not calculated)
}

// CompileForm compiles a FormIR, from BuildForm or read from a bundle.
func CompileForm(ir *FormIR) (*Form, error) {
	t := newSlotTable()
	f := &Form{ir: ir, slots: t, fields: make([]compiledField, len(ir.Fields))}
	seen := map[string]bool{}
	opt := func(n *Node, what string, id string, want Kind) (evalFn, error) {
		if n == nil {
			return nil, nil
		}
		typ, err := infer(n)
		if err != nil {
			return nil, fmt.Errorf("field %s, %s: %w", id, what, err)
		}
		if typ.kind != want {
			return nil, fmt.Errorf("field %s, %s: gives a %s, not a %s", id, what, typ, want)
		}
		fn, err := compile(n, t)
		if err != nil {
			return nil, fmt.Errorf("field %s, %s: %w", id, what, err)
		}
		return fn, nil
	}
	for i, fi := range ir.Fields {
		if seen[fi.ID] {
			return nil, fmt.Errorf("field %s appears twice in the form", fi.ID)
		}
		seen[fi.ID] = true
		slot, err := t.get(fi.ID, "", fi.Kind)
		if err != nil {
			return nil, err
		}
		cf := compiledField{id: fi.ID, slot: slot}
		switch fi.Text {
		case "", TextLine, TextLines:
		default:
			return nil, fmt.Errorf("field %s: unknown kind of text %q", fi.ID, fi.Text)
		}
		if fi.Calc == nil {
			cf.text = fi.Text
		}
		if cf.shown, err = opt(fi.Shown, RuleShown, fi.ID, Bool); err != nil {
			return nil, err
		}
		if cf.enabled, err = opt(fi.Enabled, RuleEnabled, fi.ID, Bool); err != nil {
			return nil, err
		}
		if cf.calc, err = opt(fi.Calc, RuleCalculated, fi.ID, readKindTypes[fi.Kind].kind); err != nil {
			return nil, err
		}
		if fi.Required != nil {
			cf.required = fi.Required.Always
			if cf.requiredIf, err = opt(fi.Required.If, RuleRequired, fi.ID, Bool); err != nil {
				return nil, err
			}
		}
		for _, c := range fi.Checks {
			fn, err := opt(c.Rule, RuleValidation, fi.ID, Bool)
			if err != nil {
				return nil, err
			}
			if fn == nil {
				return nil, fmt.Errorf("field %s: a validation has no rule", fi.ID)
			}
			cf.checks = append(cf.checks, fn)
			cf.messages = append(cf.messages, c.Message)
		}
		cf.needsValue = cf.calc != nil || cf.required || cf.requiredIf != nil || len(cf.checks) > 0
		f.fields[i] = cf
	}
	f.pool = newPool(t)
	return f, nil
}

// FieldState is what the rules say of one field of a declaration.
type FieldState struct {
	Shown, Enabled, Required bool
	Value                    Value    // the effective value (calculated, unanswered when hidden, else the answer) of a field with a calculation, requirement or validation; Unanswered for other fields, whose answers are not read
	Errors                   []string // "required", or the messages of the validations that failed
}

// RuleError is a rule that ended in an error: a mistake in the package or the data that the
// server logs. The form treats the rule's result as unanswered.
type RuleError struct {
	Field, Rule, Code string
}

// FormResult is a form evaluated against one declaration. Fields are in the order of the
// FormIR. A FormResult can be passed to Evaluate again and again: its memory is reused.
type FormResult struct {
	Fields     []FieldState
	RuleErrors []RuleError
}

// ErrRequired is the error of a required field left unanswered.
const ErrRequired = "required"

// Evaluate applies every rule of the form to a declaration: which fields are shown, enabled and
// required, the calculated values, and the errors of each field. See LANGUAGE.md for what an
// unanswered or failed rule means.
func (f *Form) Evaluate(data map[string]any, ctx *Context, res *FormResult) {
	a := f.pool.get(data, ctx)
	defer f.pool.put(a)
	if cap(res.Fields) < len(f.fields) {
		res.Fields = make([]FieldState, len(f.fields))
	}
	res.Fields = res.Fields[:len(f.fields)]
	res.RuleErrors = res.RuleErrors[:0]
	cond := func(fn evalFn, field, rule string) bool {
		if fn == nil {
			return true
		}
		v := fn(a)
		if v.kind == Error {
			res.RuleErrors = append(res.RuleErrors, RuleError{field, rule, v.str})
		}
		return v.IsTrue()
	}
	// First the values, in dependency order: a later field's rules see earlier fields as they are.
	for i := range f.fields {
		cf := &f.fields[i]
		st := &res.Fields[i]
		st.Shown = cond(cf.shown, cf.id, RuleShown)
		switch {
		case !st.Shown:
			a.vals[cf.slot], a.state[cf.slot] = unanswered, slotSet
		case cf.calc != nil:
			v := cf.calc(a)
			if v.kind == Error {
				res.RuleErrors = append(res.RuleErrors, RuleError{cf.id, RuleCalculated, v.str})
				v = &unansweredResult
			}
			a.vals[cf.slot], a.state[cf.slot] = *v, slotSet
		}
	}
	// Then what depends on all values: enabled, required, validations.
	for i := range f.fields {
		cf := &f.fields[i]
		st := &res.Fields[i]
		st.Errors = st.Errors[:0]
		st.Enabled = cond(cf.enabled, cf.id, RuleEnabled)
		st.Required = cf.required || (cf.requiredIf != nil && cond(cf.requiredIf, cf.id, RuleRequired))
		if cf.text != "" && st.Shown && textRefused(data[cf.id], cf.text) {
			// Before the other checks: they would read the text that will not be stored.
			st.Errors = append(st.Errors, ErrCharacters)
			st.Value = Value{}
			continue
		}
		if !cf.needsValue {
			// Nothing to report on a field without a calculation, requirement or validation:
			// leave its answer undecoded (most fields of a large form are like that).
			st.Value = Value{} // unanswered, written as zeros: no copy
			continue
		}
		st.Value = *a.read(cf.slot, f.slots)
		if !st.Shown {
			continue
		}
		if st.Value.kind == Unanswered {
			if st.Enabled && st.Required {
				st.Errors = append(st.Errors, ErrRequired)
			}
			continue
		}
		if st.Value.kind == Error {
			continue
		}
		for j, check := range cf.checks {
			v := check(a)
			if v.kind == Error {
				res.RuleErrors = append(res.RuleErrors, RuleError{cf.id, RuleValidation, v.str})
			}
			if v.IsFalse() {
				st.Errors = append(st.Errors, cf.messages[j])
			}
		}
	}
}

// Encode returns the result in the JSON encoding the browser's evaluateForm gives: for each field
// id, shown, enabled, required, errors, and the value of calculated fields.
func (f *Form) Encode(res *FormResult) map[string]any {
	out := make(map[string]any, len(f.fields))
	for i, cf := range f.fields {
		st := res.Fields[i]
		m := map[string]any{"shown": st.Shown, "enabled": st.Enabled, "required": st.Required,
			"errors": append([]string{}, st.Errors...)}
		if cf.calc != nil {
			m["value"] = st.Value.Encode()
		}
		out[cf.id] = m
	}
	return out
}
