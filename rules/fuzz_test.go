package rules

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// seedExpressions adds every expression of the parity vectors to a fuzz corpus.
func seedExpressions(f *testing.F) {
	var file vectorFile
	readJSON(f, "testdata/vectors.json", &file)
	for _, v := range file.Vectors {
		f.Add(v.Expr)
	}
	for _, s := range []string{"", "(", "'", "1 +", "a.b.c.d", "[[[[", "child.dob <= today() &&", "\x00", "'\\u00'"} {
		f.Add(s)
	}
}

// FuzzCheck: expression text is outside input. Checking must never panic or hang; an error must
// point inside the expression; what checks must compile, survive JSON, and evaluate.
func FuzzCheck(f *testing.F) {
	seedExpressions(f)
	env := testEnv(f)
	today, _ := ParseDate("2026-11-23")
	ctx := &Context{Today: today, Flags: []string{"late"}, Role: "clerk"}
	data := map[string]any{"child.dob": "2026-01-01", "child.weight": 3.2, "reason": "x",
		"mother.name": map[string]any{"given": "Ama"}, "informant.languages": []any{"en"}}
	f.Fuzz(func(t *testing.T, src string) {
		expr, errs := env.Check(src, AnyKind)
		for _, e := range errs {
			if e.Offset < 0 || e.End < e.Offset || e.End > len(src) || e.Message == "" || e.Code == "" {
				t.Fatalf("Check(%q): bad error %+v", src, e)
			}
			if utf8.ValidString(src) && !utf8.ValidString(src[e.Offset:e.End]) {
				t.Fatalf("Check(%q): error range [%d,%d) splits a character", src, e.Offset, e.End)
			}
		}
		if len(errs) > 0 {
			return
		}
		var n Node
		if err := json.Unmarshal([]byte(expr.Node.String()), &n); err != nil {
			t.Fatalf("Check(%q): tree %s does not read back: %v", src, expr.Node, err)
		}
		prog, err := Compile(&n)
		if err != nil {
			t.Fatalf("Check(%q) passed but its tree does not compile: %v", src, err)
		}
		prog.Eval(data, ctx)
	})
}

// FuzzCompile: a compiled tree comes from a bundle, outside input too. Reading, compiling and
// evaluating any bytes must never panic.
func FuzzCompile(f *testing.F) {
	env := testEnv(f)
	for _, s := range []string{"child.dob <= today()", "size(informant.languages) > 1 ? 'a' : reason",
		"[child.weight, 2] == [1, 2]", "matches(reason, '[a-z]+')", "coalesce(mother.name.given, 'x')",
		"!answered(doc.birthProof) || addMonths(child.dob, 1) > mother.dob"} {
		e, errs := env.Check(s, AnyKind)
		if len(errs) > 0 {
			f.Fatal(errs)
		}
		f.Add([]byte(e.Node.String()))
	}
	f.Add([]byte(`["call","in",["lit",1],["lit","x"]]`))
	f.Add([]byte(`["call","size",["field","x","number"]]`))
	today, _ := ParseDate("2026-11-23")
	ctx := &Context{Today: today}
	data := map[string]any{"child.dob": "2026-01-01", "child.weight": 3.2, "reason": "x", "x": 1.0}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var n Node
		if err := json.Unmarshal(raw, &n); err != nil {
			return
		}
		prog, err := Compile(&n)
		if err != nil {
			return
		}
		prog.Eval(data, ctx)
	})
}
