package rules

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// formFile is testdata/forms.json: a form with its rules as source, and declarations with what
// the rules must say of them. The Go evaluator is checked here against the expected states it
// lists; testdata/forms.compiled.json then holds the compiled form and the Go evaluator's full
// results, which the JavaScript evaluator must give too.
type formFile struct {
	Fields  []Field     `json:"fields"`
	Rules   []ruleSrc   `json:"rules"`
	Context jsonContext `json:"context"`
	Cases   []struct {
		Name    string                    `json:"name"`
		Data    map[string]any            `json:"data"`
		Context json.RawMessage           `json:"context,omitempty"`
		Want    map[string]map[string]any `json:"want"`
	} `json:"cases"`
}

type ruleSrc struct {
	ID       string `json:"id"`
	Shown    string `json:"shown,omitempty"`
	Enabled  string `json:"enabled,omitempty"`
	Required any    `json:"required,omitempty"` // true, or a condition
	Calc     string `json:"calc,omitempty"`
	Checks   []struct {
		Rule    string `json:"rule"`
		Message string `json:"message"`
	} `json:"checks,omitempty"`
}

// buildForm checks rule sources against env and builds the form, failing the test on a mistake.
func buildForm(t testing.TB, env *Env, srcs []ruleSrc) (*FormIR, []error) {
	t.Helper()
	check := func(src string, want Kind) *Expr {
		if src == "" {
			return nil
		}
		e, errs := env.Check(src, want)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", src, errs)
		}
		return e
	}
	var rules []FieldRules
	for _, s := range srcs {
		f, _ := env.Field(s.ID)
		r := FieldRules{ID: s.ID, Shown: check(s.Shown, Bool), Enabled: check(s.Enabled, Bool)}
		if f != nil {
			r.Calculated = check(s.Calc, typeOf(f).Kind)
		}
		switch req := s.Required.(type) {
		case bool:
			r.Required = req
		case string:
			r.RequiredIf = check(req, Bool)
		}
		for _, c := range s.Checks {
			r.Validations = append(r.Validations, Validation{Rule: check(c.Rule, Bool), Message: c.Message})
		}
		rules = append(rules, r)
	}
	return BuildForm(env, rules)
}

func TestForms(t *testing.T) {
	var file formFile
	readJSON(t, "testdata/forms.json", &file)
	env, err := NewEnv(Schema{Fields: file.Fields, Roles: []string{"clerk", "registrar"}})
	if err != nil {
		t.Fatal(err)
	}
	ir, errs := buildForm(t, env, file.Rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// What a bundle stores must read back into the same form.
	enc, err := json.Marshal(ir)
	if err != nil {
		t.Fatal(err)
	}
	var back FormIR
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatalf("reading back the form: %v", err)
	}
	if again, _ := json.Marshal(&back); !bytes.Equal(enc, again) {
		t.Fatalf("the form changed on its way through JSON:\n%s\n%s", enc, again)
	}
	form, err := CompileForm(&back)
	if err != nil {
		t.Fatal(err)
	}
	type compiledCase struct {
		Name    string         `json:"name"`
		Form    *FormIR        `json:"form"`
		Data    map[string]any `json:"data"`
		Context jsonContext    `json:"context"`
		Want    map[string]any `json:"want"`
	}
	var compiled []compiledCase
	var res FormResult
	for _, c := range file.Cases {
		ctx := file.Context.with(t, c.Context)
		form.Evaluate(c.Data, ctx.context(t), &res)
		got := form.Encode(&res)
		for id, want := range c.Want {
			if !sameJSON(got[id], want) {
				t.Errorf("%s: %s\n got  %s\n want %s", c.Name, id, jsonString(got[id]), jsonString(want))
			}
		}
		compiled = append(compiled, compiledCase{Name: c.Name, Form: ir, Data: c.Data, Context: ctx, Want: got})
	}
	if !t.Failed() {
		golden(t, "testdata/forms.compiled.json", "cases", compiled)
	}
}

func TestFormOrder(t *testing.T) {
	env := testEnv(t)
	// reason is shown by a field that comes after it, which is calculated from one before it.
	ir, errs := buildForm(t, env, []ruleSrc{
		{ID: "reason", Shown: "child.multiple"},
		{ID: "child.multiple", Calc: "child.weight < 2"},
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var order []string
	for _, f := range ir.Fields {
		order = append(order, f.ID)
	}
	got := strings.Join(order, " ")
	if strings.Index(got, "child.weight") > strings.Index(got, "child.multiple") ||
		strings.Index(got, "child.multiple") > strings.Index(got, "reason") {
		t.Errorf("order %s: each field must come after what it depends on", got)
	}
	if !strings.HasPrefix(got, "child.dob child.sex child.weight child.multiple") {
		t.Errorf("order %s: fields free to stay in the form's order must", got)
	}
}

func TestFormCycles(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name  string
		rules []ruleSrc
		want  []string
	}{
		{"calculated and shown if", []ruleSrc{
			{ID: "child.weight", Calc: "child.multiple ? 1 : 2"},
			{ID: "child.multiple", Shown: "child.weight > 1"},
		}, []string{"child.weight (calculated) -> child.multiple (shown if) -> child.weight"}},
		{"a calculated value reading itself", []ruleSrc{
			{ID: "child.weight", Calc: "coalesce(child.weight, 0) + 1"},
		}, []string{"child.weight (calculated) -> child.weight"}},
		{"shown if reading its own field", []ruleSrc{
			{ID: "reason", Shown: "size(reason) < 3"},
		}, []string{"reason (shown if) -> reason"}},
		{"enabled if and required if reading their own field", []ruleSrc{
			{ID: "reason", Enabled: "answered(reason)", Required: "!answered(reason)"},
		}, []string{"reason (enabled if) -> reason", "reason (required if) -> reason"}},
		{"two cycles sharing a field are one knot", []ruleSrc{
			{ID: "child.dob", Shown: "answered(mother.dob)"},
			{ID: "mother.dob", Shown: "answered(child.dob) || answered(mother.phone)"},
			{ID: "mother.phone", Calc: "answered(mother.dob) ? 'x' : 'y'"},
		}, []string{"child.dob (shown if) -> mother.dob (shown if) -> child.dob (also caught in it: mother.phone)"}},
		{"three fields, and a second, separate cycle", []ruleSrc{
			{ID: "child.dob", Shown: "answered(mother.phone)"},
			{ID: "mother.dob", Calc: "child.dob"},
			{ID: "mother.phone", Shown: "answered(mother.dob)"},
			{ID: "child.sex", Shown: "child.placeOfBirth == 'home'"},
			{ID: "child.placeOfBirth", Shown: "child.sex == 'male'"},
		}, []string{
			"child.dob (shown if) -> mother.phone (shown if) -> mother.dob (calculated) -> child.dob",
			"child.sex (shown if) -> child.placeOfBirth (shown if) -> child.sex",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := buildForm(t, env, tt.rules)
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimPrefix(e.Error(), "rules depend on each other in a cycle: "))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("cycles:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	// A validation may read its own field, and other fields: no cycle.
	if _, errs := buildForm(t, env, []ruleSrc{
		{ID: "reason", Checks: []struct {
			Rule    string `json:"rule"`
			Message string `json:"message"`
		}{{Rule: "size(reason) > 3 && answered(child.dob)", Message: "short"}}},
		{ID: "child.dob", Shown: "answered(reason)"},
	}); len(errs) > 0 {
		t.Errorf("validation reading its own field: %v", errs)
	}
}

func TestCompileFormRejectsDamagedForms(t *testing.T) {
	tests := []struct {
		json, want string
	}{
		{`{"fields":[{"id":"a","kind":"colour"}]}`, `unknown kind "colour"`},
		{`{"fields":[{"id":"a","kind":"number"},{"id":"a","kind":"number"}]}`, "appears twice"},
		{`{"fields":[{"id":"a","kind":"number","calc":["call","frobnicate",["lit",1]]}]}`, `unknown function "frobnicate"`},
		{`{"fields":[{"id":"a","kind":"number","shown":["call","lt",["field","a","date"],["today"]]}]}`, "unknown operation"},
		{`{"fields":[{"id":"a","kind":"number","shown":["call","lt",["field","a","date"],["ctx","today"]]}]}`, "read both as number and as date"},
		{`{"fields":[{"id":"a","kind":"number","calc":["call","add",["lit",1]]}]}`, "takes 2 arguments, not 1"},
		{`{"fields":[{"id":"a","kind":"number","shown":["call","in",["lit",1],["lit","x"]]}]}`, "argument 2 must be a list, not a string"},
		{`{"fields":[{"id":"a","kind":"number","calc":["call","size",["field","a","number"]]}]}`, "argument 1 must be a string or list, not a number"},
		{`{"fields":[{"id":"a","kind":"number","calc":["lit","x"]}]}`, "gives a string, not a number"},
		{`{"fields":[{"id":"a","kind":"number","shown":["call","eq",["field","b","compound"],["field","b","compound"]]}]}`, "not a compound and a compound"},
		{`{"fields":[{"id":"a","kind":"number","shown":["matches",["lit","x"],"[","["]}]}`, "missing closing ]"},
		{`{"fields":[{"id":"a","kind":"number","shown":["call","lt",["date","2023-02-29"],["date","2023-03-01"]]}]}`, "not a date"},
		{`{"fields":[{"id":"a","kind":"number","shown":["ctx","user.password"]}]}`, "unknown context name"},
	}
	for _, tt := range tests {
		var ir FormIR
		err := json.Unmarshal([]byte(tt.json), &ir)
		if err == nil {
			_, err = CompileForm(&ir)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.json, err, tt.want)
		}
	}
}
