package rules

import (
	"fmt"
	"testing"
)

// benchForm is a 150-field form with 60 rules in the mix of a real birth declaration, and a
// complete declaration for it: the server's hot path evaluates every rule of such a form on
// every submission.
func benchForm(b testing.TB) (*Form, map[string]any, *Context) {
	var fields []Field
	data := map[string]any{}
	add := func(prefix string, n int, typ FieldType, value func(i int) any, opts ...string) {
		for i := range n {
			f := Field{ID: fmt.Sprintf("%s%d.value", prefix, i), Type: typ}
			switch typ {
			case TypeChoice, TypeMultiChoice:
				f.Options = opts
			case TypeCompound:
				f.Parts = []string{"given", "middle", "family"}
			}
			fields = append(fields, f)
			data[f.ID] = value(i)
		}
	}
	add("date", 30, TypeDate, func(i int) any { return fmt.Sprintf("19%02d-%02d-%02d", 60+i, 1+i%12, 1+i%28) })
	add("num", 30, TypeNumber, func(i int) any { return float64(i) + 0.5 })
	add("text", 30, TypeText, func(i int) any { return fmt.Sprintf("+2335%08d", i*7919) })
	add("choice", 20, TypeChoice, func(i int) any { return []string{"yes", "no", "unknown"}[i%3] }, "yes", "no", "unknown")
	add("multi", 10, TypeMultiChoice, func(i int) any { return []any{"a", "c"} }, "a", "b", "c", "d")
	add("flag", 10, TypeYesNo, func(i int) any { return i%2 == 0 })
	add("name", 10, TypeCompound, func(i int) any { return map[string]any{"given": "Ama", "family": "Mensah"} })
	add("place", 10, TypeLocation, func(i int) any { return fmt.Sprintf("AREA-%d", i) })
	env, err := NewEnv(Schema{Fields: fields})
	if err != nil {
		b.Fatal(err)
	}
	var srcs []ruleSrc
	check := func(rule, msg string) []struct {
		Rule    string `json:"rule"`
		Message string `json:"message"`
	} {
		return []struct {
			Rule    string `json:"rule"`
			Message string `json:"message"`
		}{{rule, msg}}
	}
	for i := range 20 { // shown if
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("text%d.value", i), Shown: fmt.Sprintf("choice%d.value == 'yes' || flag%d.value", i, i%10)})
	}
	for i := range 10 { // validations of dates
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("date%d.value", i), Checks: check(fmt.Sprintf("date%d.value <= today()", i), "future")})
	}
	for i := range 5 { // validations between dates
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("date%d.value", 10+i), Checks: check(fmt.Sprintf("yearsBetween(date%d.value, date%d.value) >= 9", 10+i, 20+i), "young")})
	}
	for i := range 5 { // number ranges
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("num%d.value", i), Checks: check(fmt.Sprintf("num%d.value >= 0 && num%d.value < 100", i, i), "range")})
	}
	for i := range 5 { // patterns
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("text%d.value", 20+i), Checks: check(fmt.Sprintf(`matches(text%d.value, r'\+?[0-9]{8,15}')`, 20+i), "phone")})
	}
	for i := range 10 { // calculated values
		src := fmt.Sprintf("daysBetween(date%d.value, today())", i)
		if i%2 == 1 {
			src = fmt.Sprintf("num%d.value * 2 + size(multi%d.value)", i, i)
		}
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("num%d.value", 10+i), Calc: src})
	}
	for i := range 5 { // required if
		srcs = append(srcs, ruleSrc{ID: fmt.Sprintf("text%d.value", 25+i), Required: fmt.Sprintf("'a' in multi%d.value && name%d.value.family != ''", i, i)})
	}
	ir, errs := buildForm(b, env, srcs)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	form, err := CompileForm(ir)
	if err != nil {
		b.Fatal(err)
	}
	today, _ := ParseDate("2026-11-23")
	return form, data, &Context{Today: today, Role: "registrar"}
}

// BenchmarkFormEvaluate: every rule of a 150-field form (60 rules) against one complete
// declaration. The figure to beat is about 10 µs (AJV, precompiled JSON Schemas).
func BenchmarkFormEvaluate(b *testing.B) {
	form, data, ctx := benchForm(b)
	var res FormResult
	form.Evaluate(data, ctx, &res)
	for _, st := range res.Fields {
		if len(st.Errors) > 0 {
			b.Fatalf("the benchmark declaration must be valid: %v", res.Fields)
		}
	}
	if len(res.RuleErrors) > 0 {
		b.Fatalf("rule errors: %v", res.RuleErrors)
	}
	b.ReportAllocs()
	for b.Loop() {
		form.Evaluate(data, ctx, &res)
	}
}

// BenchmarkCheck1000: checking 1,000 expressions against a form (the figure to reach: 100 ms).
func BenchmarkCheck1000(b *testing.B) {
	env := testEnv(b)
	exprs := []string{
		"child.dob <= today()",
		"yearsBetween(mother.dob, child.dob) >= 10",
		"child.placeOfBirth == 'health-facility'",
		"coalesce(child.weight, 0) < 7 && child.weight > 0.3",
		`matches(mother.phone, r'\+?[0-9]{8,15}')`,
		"daysBetween(child.dob, today()) > 365 ? 'late' : 'on time'",
		"'en' in informant.languages || size(informant.languages) > 2",
		"answered(mother.name) && mother.name.family != ''",
		"record.status == 'declared' && 'late' in record.flags && user.role == 'registrar'",
		"addMonths(child.dob, 6) < today() && !child.multiple",
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range 1000 {
			if _, errs := env.Check(exprs[i%len(exprs)], AnyKind); len(errs) > 0 {
				b.Fatal(errs)
			}
		}
	}
}

// TestBenchForm writes the benchmark's form, declaration and context for the browser's
// evaluator: node rules/js/bench.js times rules.js on the very same work.
func TestBenchForm(t *testing.T) {
	form, data, ctx := benchForm(t)
	golden(t, "testdata/bench.compiled.json", "bench", []any{map[string]any{
		"form": form.ir, "data": data,
		"context": map[string]any{"today": ctx.Today.String(), "user": map[string]any{"role": ctx.Role}},
	}})
}
