package compiler

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/rules"
)

// The package's own tests live in DIR/tests/*.cue (package tests): each gives a declaration and
// what the package's rules must make of it, so implementers test their rules with no server
// and no browser.
const testsSchema = `
tests: [string]: {
	event: string & !=""
	// The day the rules see as today(): a test must give the same answer every day.
	today: =~"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
	user?: {role?: string, office?: string, area?: string}
	data: {[string]: _}
	expect: {
		// true: no field has an error.
		valid?: bool
		// The errors of the fields named, exactly: "required" or validation messages.
		errors?: [string]: [...string]
		shown?: [...string]
		hidden?: [...string]
		// The calculated values of the fields named, as JSON: a date as "YYYY-MM-DD".
		values?: [string]: _
		// The flags the creating action raises.
		flags?: [...string]
	}
}
`

type packageTest struct {
	Event string `json:"event"`
	Today string `json:"today"`
	User  struct {
		Role, Office, Area string
	} `json:"user"`
	Data   map[string]any `json:"data"`
	Expect struct {
		Valid  *bool               `json:"valid"`
		Errors map[string][]string `json:"errors"`
		Shown  []string            `json:"shown"`
		Hidden []string            `json:"hidden"`
		Values map[string]any      `json:"values"`
		Flags  []string            `json:"flags"`
	} `json:"expect"`
}

// TestResult is what crvsctl test reports.
type TestResult struct {
	Passed, Failed int
	Problems       diag.List // a failure or a broken test, each at its test
}

// RunTests runs the tests in dir/tests against the package's bundle. A package without a tests
// directory has no tests (and that is not an error).
func RunTests(dir string, b *bundle.Bundle) TestResult {
	var res TestResult
	testDir := filepath.Join(dir, "tests")
	if files, _ := filepath.Glob(filepath.Join(testDir, "*.cue")); len(files) == 0 {
		return res
	}
	src := &cueSource{dir: testDir}
	src.abs, _ = filepath.Abs(testDir)
	ctx := cuecontext.New()
	insts := load.Instances([]string{"."}, &load.Config{Dir: src.abs, Env: []string{"CUE_REGISTRY=none"}})
	if len(insts) != 1 || insts[0].Err != nil {
		src.addErrors(&res.Problems, insts[0].Err, CodeCUESyntax)
		return res
	}
	src.author = ctx.BuildInstance(insts[0])
	src.value = ctx.CompileString(testsSchema, cue.Filename("crvsctl:tests")).Unify(src.author)
	if err := src.value.Validate(cue.Concrete(true)); err != nil {
		src.addErrors(&res.Problems, err, CodeSchema)
		return res
	}
	var tests map[string]packageTest
	if err := src.value.LookupPath(cue.ParsePath("tests")).Decode(&tests); err != nil {
		src.addErrors(&res.Problems, err, CodeSchema)
		return res
	}
	events := map[string]bundle.Event{}
	for _, ev := range b.Events {
		events[ev.ID] = ev
	}
	forms := map[string]*rules.Form{}
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t := tests[name]
		pos := src.enclosing([]string{"tests", name})
		fail := func(format string, args ...any) {
			res.Problems.Errorf(pos, "test-failed", "", "%s: %s", name, fmt.Sprintf(format, args...))
		}
		ev, ok := events[t.Event]
		if !ok {
			res.Problems.Errorf(src.enclosing([]string{"tests", name, "event"}), CodeUnknownRef, hintFor(t.Event, slices.Sorted(maps.Keys(events))),
				"%s: event %s does not exist", name, t.Event)
			res.Failed++
			continue
		}
		form := forms[ev.ID]
		if form == nil {
			var err error
			if form, err = rules.CompileForm(ev.Rules); err != nil {
				fail("%v", err)
				res.Failed++
				continue
			}
			forms[ev.ID] = form
		}
		today, _ := rules.ParseDate(t.Today)
		ctx := &rules.Context{Today: today, Role: t.User.Role, Office: t.User.Office, Area: t.User.Area}
		var out rules.FormResult
		form.Evaluate(t.Data, ctx, &out)
		state := map[string]rules.FieldState{}
		for i, f := range ev.Rules.Fields {
			state[f.ID] = out.Fields[i]
		}
		before := len(res.Problems)
		c := testCheck{name: name, state: state, fail: fail}
		c.run(t, ev, ctx)
		if len(res.Problems) > before {
			res.Failed++
		} else {
			res.Passed++
		}
	}
	return res
}

type testCheck struct {
	name  string
	state map[string]rules.FieldState
	fail  func(format string, args ...any)
}

func (c testCheck) field(id string) (rules.FieldState, bool) {
	st, ok := c.state[id]
	if !ok {
		c.fail("%s is not a field of the form", id)
	}
	return st, ok
}

func (c testCheck) run(t packageTest, ev bundle.Event, ctx *rules.Context) {
	e := t.Expect
	if e.Valid != nil {
		var bad []string
		for _, id := range slices.Sorted(maps.Keys(c.state)) {
			if errs := c.state[id].Errors; len(errs) > 0 {
				bad = append(bad, fmt.Sprintf("%s %v", id, errs))
			}
		}
		switch {
		case *e.Valid && len(bad) > 0:
			c.fail("want a valid declaration, but: %s", strings.Join(bad, "; "))
		case !*e.Valid && len(bad) == 0:
			c.fail("want errors, but the declaration is valid")
		}
	}
	for _, id := range slices.Sorted(maps.Keys(e.Errors)) {
		if st, ok := c.field(id); ok && !slices.Equal(nonNil(st.Errors), nonNil(e.Errors[id])) {
			c.fail("%s: errors %v, want %v", id, nonNil(st.Errors), e.Errors[id])
		}
	}
	for _, id := range e.Shown {
		if st, ok := c.field(id); ok && !st.Shown {
			c.fail("%s is hidden, want it shown", id)
		}
	}
	for _, id := range e.Hidden {
		if st, ok := c.field(id); ok && st.Shown {
			c.fail("%s is shown, want it hidden", id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(e.Values)) {
		st, ok := c.field(id)
		if !ok {
			continue
		}
		got := st.Value.Encode()
		if d, isDate := got.(map[string]any); isDate && d["date"] != nil {
			got = d["date"] // tests write dates as plain strings
		}
		if g, w := jsonText(got), jsonText(e.Values[id]); g != w {
			c.fail("%s: value %s, want %s", id, g, w)
		}
	}
	if e.Flags != nil {
		got := raisedFlags(ev, t.Data, ctx)
		want := slices.Sorted(slices.Values(e.Flags))
		if !slices.Equal(got, want) {
			c.fail("flags raised %v, want %v", got, want)
		}
	}
}

// raisedFlags are the flags the actions that create a record raise, where their condition holds.
func raisedFlags(ev bundle.Event, data map[string]any, ctx *rules.Context) []string {
	var flags []string
	for _, a := range ev.Actions {
		if len(a.From) > 0 {
			continue
		}
		if a.If != nil {
			p, err := rules.Compile(a.If)
			if err != nil || !p.Eval(data, ctx).IsTrue() {
				continue
			}
		}
		flags = append(flags, a.AddFlags...)
	}
	slices.Sort(flags)
	return slices.Compact(flags)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
