package rules

import "testing"

func TestConstant(t *testing.T) {
	env, err := NewEnv(Schema{Fields: []Field{{ID: "x", Type: TypeNumber}, {ID: "d", Type: TypeDate}}, Roles: []string{"clerk"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		src   string
		known bool
		value bool
	}{
		{"1 > 2", true, false},
		{"'a' == 'a'", true, true},
		{"x > 1 || true", true, true},
		{"false && x > 1", true, false},
		{"x > 1 && true", false, false},
		{"x > 1", false, false},
		{"d <= today()", false, false},
		{"today() > date('2020-01-01')", false, false},
		{"user.role == 'clerk'", false, false},
		{"1 < 2 ? true : x > 1", true, true},
		{"x > 1 ? true : false", false, false},
		{"size('abc') == 3", true, true},
		{"!(2 > 1)", true, false},
	} {
		e, errs := env.Check(c.src, Bool)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", c.src, errs)
		}
		v, ok := Constant(e.Node)
		if ok != c.known || ok && v.IsTrue() != c.value {
			t.Errorf("%s: constant %v (%v), want %v (%v)", c.src, ok, v, c.known, c.value)
		}
	}
}
