package rules

import (
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
)

// testSchema is a birth form, small but with every field type.
var testSchema = Schema{
	Fields: []Field{
		{ID: "child.dob", Type: TypeDate},
		{ID: "child.sex", Type: TypeChoice, Options: []string{"male", "female", "unknown"}},
		{ID: "child.weight", Type: TypeNumber},
		{ID: "child.multiple", Type: TypeYesNo},
		{ID: "child.name", Type: TypeCompound, Parts: []string{"given", "middle", "family"}},
		{ID: "child.placeOfBirth", Type: TypeChoice, Options: []string{"health-facility", "home", "other"}},
		{ID: "child.facility", Type: TypeLocation},
		{ID: "mother.dob", Type: TypeDate},
		{ID: "mother.name", Type: TypeCompound, Parts: []string{"given", "family"}},
		{ID: "mother.phone", Type: TypeText},
		{ID: "informant.languages", Type: TypeMultiChoice, Options: []string{"en", "fr", "sw"}},
		{ID: "doc.birthProof", Type: TypeDocument},
		{ID: "heading.intro", Type: TypeDisplay},
		{ID: "reason", Type: TypeText},
	},
	Statuses: []string{"declared", "validated", "registered"},
	Flags:    []string{"late", "printed"},
	Roles:    []string{"clerk", "registrar"},
}

func testEnv(t testing.TB) *Env {
	env, err := NewEnv(testSchema)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestCheckErrors(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		expr        string
		want        Kind
		code        string
		offset, end int    // byte offsets of the first error
		message     string // a part of the message
		hint        string // a part of the hint
	}{
		// Unknown names, with a suggestion.
		{"child.dobb <= today()", Bool, CodeUnknownField, 0, 10, "unknown field child.dobb", "did you mean child.dob?"},
		{"yearsBetween(mothr.dob, child.dob) >= 10", Bool, CodeUnknownField, 13, 22, "mothr.dob", "mother.dob"},
		{"mother.name.famly == 'x'", Bool, CodeUnknownPart, 0, 17, `no part "famly"`, "did you mean family?"},
		{"child.dob.year == 2020", Bool, CodeUnknownPart, 0, 14, "has no parts", ""},
		{"record.stauts == 'declared'", Bool, CodeUnknownField, 0, 13, "unknown name record.stauts", "record.status"},
		{"today > child.dob", Bool, CodeUnknownField, 0, 5, "unknown field today", "today()"},
		{"heading.intro == 'x'", Bool, CodeNotAValue, 0, 13, "display field", ""},
		// Byte offsets count bytes, not characters: "é" is two.
		{"'é' == chlid.sex", Bool, CodeUnknownField, 8, 17, "chlid.sex", "child.sex"},

		// Options.
		{"child.sex == 'mal'", Bool, CodeUnknownOption, 13, 18, `"mal" is not one of the options of child.sex`, `did you mean "male"?`},
		{"'femal' == child.sex", Bool, CodeUnknownOption, 0, 7, `"femal"`, `"female"`},
		{"child.sex in ['male', 'x']", Bool, CodeUnknownOption, 22, 25, `"x" is not one of the options of child.sex`, "the options are male, female, unknown"},
		{"'de' in informant.languages", Bool, CodeUnknownOption, 0, 4, `"de" is not one of the options of informant.languages`, ""},
		{"record.status == 'registerd'", Bool, CodeUnknownOption, 17, 28, "is not one of the statuses", `"registered"`},
		{"'lat' in record.flags", Bool, CodeUnknownOption, 0, 5, "is not one of the flags", `"late"`},
		{"user.role == 'admin'", Bool, CodeUnknownOption, 13, 20, "is not one of the roles", "clerk, registrar"},
		{"coalesce(child.sex, 'none') == 'male'", Bool, CodeUnknownOption, 20, 26, `"none"`, ""},

		// Types.
		{"child.dob < '2020-01-01'", Bool, CodeType, 0, 24, "cannot compare a date with a string", `write date("2020-01-01")`},
		{"child.weight > '3'", Bool, CodeType, 0, 18, "needs two values of one type, not a number and a string", ""},
		{"child.weight + 1", Bool, CodeNotBoolean, 0, 16, "a condition must be true or false, but this expression is a number", ""},
		{"child.dob + 1", AnyKind, CodeType, 0, 13, "cannot add a date and a number", "addDays"},
		{"child.dob - mother.dob", AnyKind, CodeType, 0, 22, "cannot subtract a date and a date", "daysBetween"},
		{"addDays(child.dob, '1')", AnyKind, CodeType, 19, 22, "addDays needs a number as argument 2, not a string", ""},
		{"daysBetween('2020-01-01', child.dob)", AnyKind, CodeType, 12, 24, "needs a date as argument 1", `date("2020-01-01")`},
		{"child.multiple && 1", Bool, CodeType, 0, 19, "the right side is a number", ""},
		{"!child.weight", Bool, CodeType, 0, 13, "! needs true or false", ""},
		{"child.weight > 2 ? 'big' : 1", AnyKind, CodeType, 0, 28, "branches of ?:", ""},
		{"child.sex ? 1 : 2", AnyKind, CodeNotBoolean, 0, 9, "condition of ?:", ""},
		{"size(child.weight) > 1", Bool, CodeType, 5, 17, "string or list", ""},
		{"[1, 'a']", AnyKind, CodeType, 4, 7, "a list holds values of one type", ""},
		{"1 in child.sex", Bool, CodeType, 0, 14, "in needs a list", ""},
		{"1 in informant.languages", Bool, CodeType, 0, 24, "in looks for a number in a list of string", ""},
		{"mother.name == 'Ama'", Bool, CodeNotAValue, 0, 11, "made of parts (given, family)", "mother.name.given"},
		{"doc.birthProof == 'x'", Bool, CodeNotAValue, 0, 14, "is a document", "answered(doc.birthProof)"},
		{"child.dob", Number, CodeType, 0, 9, "must give a number, but it gives a date", ""},

		// Functions.
		{"lenght(reason) > 3", Bool, CodeUnknownFunction, 0, 6, "unknown function lenght", ""},
		{"sise(reason) > 3", Bool, CodeUnknownFunction, 0, 4, "unknown function sise", "did you mean size?"},
		{"has(child.dob)", Bool, CodeUnknownFunction, 0, 3, "unknown function has", "answered(x)"},
		{"reason.lenght() > 3", Bool, CodeUnknownFunction, 7, 13, "lenght", ""},
		{"daysBetween(child.dob) > 3", Bool, CodeArguments, 0, 22, "daysBetween takes 2 arguments (date, date), not 1", ""},
		{"date('2023-02-29') < child.dob", Bool, CodeBadDate, 5, 17, `"2023-02-29" is not a date`, ""},
		{"matches(reason, '[a-')", Bool, CodeBadRegex, 16, 21, "invalid regular expression", ""},
		{"matches(reason, reason)", Bool, CodeBadRegex, 16, 22, "must be a string literal", ""},
		{"matches(reason, '(?m)^a$')", Bool, CodeBadRegex, 16, 25, "multi-line", ""},

		// What the language leaves out.
		{"child.dob == null", Bool, CodeUnsupported, 13, 17, "null is not part of the rule language", ""},
		{"informant.languages[0] == 'en'", Bool, CodeUnsupported, 0, 22, "indexing", ""},
		{"{'a': 1} == {'a': 1}", Bool, CodeUnsupported, 0, 1, "maps", ""},
		{"b'x' == b'x'", Bool, CodeUnsupported, 0, 4, "bytes", ""},
		{"informant.languages.exists(l, l == 'en')", Bool, CodeUnknownFunction, 20, 26, "exists", "comprehensions"},

		// Syntax.
		{"child.dob <= ", Bool, CodeSyntax, 13, 13, "syntax error: unexpected end of expression", ""},
		{"(child.weight > 2", Bool, CodeSyntax, 17, 17, "missing ')'", ""},
		{"child.weight >> 2", Bool, CodeSyntax, 14, 14, "unexpected '>'", ""},
		{"é + 1", AnyKind, CodeSyntax, 0, 0, "unexpected character 'é'", ""},
		{"child.in == 1", Bool, CodeSyntax, 6, 6, "syntax error", ""},
		{strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), AnyKind, CodeTooLong, 0, 0, "nested more than 64 levels", ""},
		{strings.Repeat("1+", 2100) + "1", AnyKind, CodeTooLong, 0, 4201, "longer than 4096", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr[:min(len(tt.expr), 40)], func(t *testing.T) {
			_, errs := env.Check(tt.expr, tt.want)
			if len(errs) == 0 {
				t.Fatalf("Check(%q) found no error, want %s", tt.expr, tt.code)
			}
			e := errs[0]
			if e.Code != tt.code || e.Offset != tt.offset || e.End != tt.end ||
				!strings.Contains(e.Message, tt.message) || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("Check(%q):\n got  %s [%d,%d) %q hint %q\n want %s [%d,%d) %q hint %q",
					tt.expr, e.Code, e.Offset, e.End, e.Message, e.Hint, tt.code, tt.offset, tt.end, tt.message, tt.hint)
			}
		})
	}
}

// Every mistake is reported, not only the first, in order of position.
func TestCheckReportsAllErrors(t *testing.T) {
	_, errs := testEnv(t).Check("child.dobb <= today() && child.sex == 'mal' && size(child.weight) > 1", Bool)
	var codes []string
	for _, e := range errs {
		codes = append(codes, e.Code)
	}
	if got, want := strings.Join(codes, " "), "unknown-field unknown-option type-mismatch"; got != want {
		t.Errorf("codes = %s, want %s (%v)", got, want, errs)
	}
}

func TestCheckResult(t *testing.T) {
	env := testEnv(t)
	e, errs := env.Check("yearsBetween(mother.dob, child.dob) >= 10 && mother.name.family != '' && answered(mother.name) && child.dob <= today()", Bool)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, want := strings.Join(e.Refs, " "), "mother.dob child.dob mother.name"; got != want {
		t.Errorf("Refs = %s, want %s", got, want)
	}
	if e.Type.Kind != Bool {
		t.Errorf("Type = %s", e.Type)
	}
	// date("...") with a literal is folded into a date node at build time.
	e, errs = env.Check("date('2024-02-29')", Date)
	if len(errs) > 0 || e.Node.String() != `["date","2024-02-29"]` {
		t.Errorf("date literal: %v %v", e, errs)
	}
	// Method calls are the same calls.
	a, _ := env.Check("size(reason)", Number)
	b, _ := env.Check("reason.size()", Number)
	if a.Node.String() != b.Node.String() {
		t.Errorf("size(reason) = %s but reason.size() = %s", a.Node, b.Node)
	}
}

func TestNewEnvRejectsBadSchemas(t *testing.T) {
	tests := []struct {
		field Field
		want  string
	}{
		{Field{ID: "child.in", Type: TypeText}, "reserved word"},
		{Field{ID: "null.x", Type: TypeText}, "reserved word"},
		{Field{ID: "child.place-of-birth", Type: TypeText}, "is not a name"},
		{Field{ID: "record.note", Type: TypeText}, "reserved for the record and the user"},
		{Field{ID: "child..dob", Type: TypeText}, "is not a name"},
		{Field{ID: "child.sex", Type: TypeChoice}, "no options"},
		{Field{ID: "child.name", Type: TypeCompound}, "no parts"},
		{Field{ID: "child.name", Type: TypeCompound, Parts: []string{"true"}}, `part "true"`},
		{Field{ID: "child.x", Type: "colour"}, `unknown type "colour"`},
	}
	for _, tt := range tests {
		_, err := NewEnv(Schema{Fields: []Field{tt.field}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewEnv(%v) = %v, want an error containing %q", tt.field, err, tt.want)
		}
	}
	_, err := NewEnv(Schema{Fields: []Field{{ID: "a", Type: TypeText}, {ID: "a", Type: TypeNumber}}})
	if err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("duplicate: %v", err)
	}
}

// TestCheckErrorDiagnostic: a rule checker's error becomes the compiler's diagnostic, its range
// the offending token's, placed by the caller (here: column = offset + 1 on line 3).
func TestCheckErrorDiagnostic(t *testing.T) {
	_, errs := testEnv(t).Check("child.dobb <= today()", Bool)
	if len(errs) == 0 {
		t.Fatal("no error")
	}
	d := errs[0].Diagnostic(func(off int) diag.Pos { return diag.Pos{File: "f.cue", Line: 3, Column: off + 1} })
	if d.Code != "rule/unknown-field" || d.Severity != diag.Error || d.Pos.Column != 1 || d.Pos.EndLine != 3 || d.Pos.EndColumn != 11 || d.Hint == "" {
		t.Errorf("%+v", d)
	}
	// An end that cannot be placed after the start leaves a point.
	d = errs[0].Diagnostic(func(int) diag.Pos { return diag.Pos{File: "f.cue", Line: 3, Column: 5} })
	if d.Pos.HasRange() || d.Pos.EndLine != 0 {
		t.Errorf("%+v", d.Pos)
	}
}
