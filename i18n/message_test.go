package i18n

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFormat(t *testing.T) {
	const problems = "{n, plural, =0 {aucun problème} one {# problème} other {# problèmes}}"
	for _, tt := range []struct {
		lang, text string
		args       map[string]any
		want       string
	}{
		{"en", "Hello {name}", map[string]any{"name": "Ada"}, "Hello Ada"},
		{"en", "Hello {name}", nil, "Hello {name}"}, // a gap is seen
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": 1}, "1 copy"},
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": "2"}, "2 copies"},
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": 0}, "0 copies"},
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": "1.0"}, "1.0 copies"}, // CLDR: v=1 is other
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": 1234}, "1,234 copies"},
		{"fr", problems, map[string]any{"n": 0}, "aucun problème"},
		{"fr", problems, map[string]any{"n": "1"}, "1 problème"},
		{"fr", problems, map[string]any{"n": 2}, "2 problèmes"},
		{"fr", "{n, plural, one {# problème} other {# problèmes}}", map[string]any{"n": 0}, "0 problème"}, // French: 0 is one
		{"fr", "{n, plural, one {# kilo} other {# kilos}}", map[string]any{"n": "1.5"}, "1,5 kilo"},
		{"fr", "{n, plural, one {# zone} other {# zones}}", map[string]any{"n": 12000}, "12\u00a0000 zones"},
		{"am", "{n, plural, one {# ቅጂ} other {# ቅጂዎች}}", map[string]any{"n": 1}, "1 ቅጂ"},
		{"am", "{n, plural, one {# ቅጂ} other {# ቅጂዎች}}", map[string]any{"n": 0}, "0 ቅጂ"}, // Amharic: 0 is one
		{"am", "{n, plural, one {# ቅጂ} other {# ቅጂዎች}}", map[string]any{"n": 3}, "3 ቅጂዎች"},
		{"pl", "{n, plural, one {# plik} few {# pliki} many {# plików} other {# pliku}}", map[string]any{"n": 22}, "22 pliki"},
		{"pl", "{n, plural, one {# plik} few {# pliki} many {# plików} other {# pliku}}", map[string]any{"n": 25}, "25 plików"},
		{"en", "{n, plural, offset:1 =0 {nobody} =1 {{who}} one {{who} and # other} other {{who} and # others}}", map[string]any{"n": 2, "who": "Ada"}, "Ada and 1 other"},
		{"en", "{n, plural, offset:1 =0 {nobody} =1 {{who}} one {{who} and # other} other {{who} and # others}}", map[string]any{"n": 1, "who": "Ada"}, "Ada"},
		{"en", "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}", map[string]any{"n": 23}, "23rd"},
		{"en", "{n, plural, one {# copy} other {# copies}}", map[string]any{"n": "100+"}, "100+ copies"}, // not a number: other
		{"en", "{n, plural, one {# copy} other {# copies}}", nil, "{n} copies"},
		// Numbers.
		{"fr", "{w, number} kg", map[string]any{"w": "3.2"}, "3,2 kg"},
		{"fr", "{w, number} kg", map[string]any{"w": 3.25}, "3,25 kg"},
		{"en", "{w, number, integer}", map[string]any{"w": "1234.6"}, "1,235"},
		{"en", "{w, number}", map[string]any{"w": "K2Y4"}, "K2Y4"},
		{"en", "{id}", map[string]any{"id": "1234567"}, "1234567"}, // a plain argument is not a number: serials stay as they are
		// Select, nested in a plural and holding one.
		{"fr", "{sex, select, female {{n, plural, one {# fille} other {# filles}}} other {{n, plural, one {# garçon} other {# garçons}}}}",
			map[string]any{"sex": "female", "n": 2}, "2 filles"},
		{"fr", "{n, plural, one {{sex, select, female {une fille} other {un garçon}}} other {{sex, select, female {# filles} other {# garçons}}}}",
			map[string]any{"sex": "male", "n": 1}, "un garçon"},
		{"en", "{n, plural, other {{s, select, a {#} other {x}}}}", map[string]any{"n": 3, "s": "a"}, "#"}, // as ICU4J: # is the plural's number in its own branches only
		{"en", "{sex, select, female {she} other {they}}", nil, "they"},
		// Quoting as ICU does.
		{"fr", "Nom d'utilisateur", nil, "Nom d'utilisateur"},
		{"en", "It''s '{name}' here", map[string]any{"name": "x"}, "It's {name} here"},
		{"en", "'{'{name}'}'", map[string]any{"name": "x"}, "{x}"},
		{"en", "{n, plural, other {'#' is #}}", map[string]any{"n": 5}, "# is 5"},
		{"en", "# is not special here", nil, "# is not special here"},
		{"en", "'{unclosed", nil, "{unclosed"},
		{"en", "a '' b", nil, "a ' b"},
		{"en", "'{it''s}'", nil, "{it's}"},
	} {
		m, err := Parse(tt.text)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.text, err)
			continue
		}
		if got := m.Format(tt.lang, tt.args); got != tt.want {
			t.Errorf("%s: %q with %v = %q, want %q", tt.lang, tt.text, tt.args, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		text   string
		offset int
		want   string
	}{
		{"Hello {name", 6, "this { is never closed"},
		{"Hello name}", 10, "a } closes nothing; write '}' for a brace in the text"},
		{"Hello {}", 7, "an argument's name is letters, digits and _; write '{' for a brace in the text"},
		{"{n, plural, one {# copy}}", 0, "the plural of n has no other branch: ICU needs one, for whatever no other branch matches"},
		{"{n, plural, one {# copy} other {# copies}", 0, "this { is never closed"},
		{"{n, plural, one {# copy other {# copies}}", 31, "an argument's name is letters, digits and _; write '{' for a brace in the text"},
		{"{n, plural, single {x} other {y}}", 12, "single is not a plural category: a branch is =N or one of other, zero, one, two, few, many"},
		{"{n, plural, one {x} one {y} other {z}}", 20, "the branch one of n is there twice"},
		{"{n, plural, =x {x} other {y}}", 12, "=x is not a number: an exact case is =0, =1, ..."},
		{"{n, plural one {x}}", 11, "the plural of n has no branches: write {n, plural, ... other {...}}"},
		{"{n, date}", 4, "unknown argument type date: an argument is {name}, {name, number}, {name, plural, ...}, {name, selectordinal, ...} or {name, select, ...}"},
		{"{n, number, currency}", 12, `the number style "currency" is not integer or percent`},
		{"{n; x}", 2, `';' after the name n: an argument is {name}, {name, number}, {name, plural, ...}, {name, selectordinal, ...} or {name, select, ...}`},
		{"{n, plural, one x other {y}}", 16, "the branch one of n has no {text}"},
		{"{s, select, a {x} {y}}", 18, `'{' where a branch of s was expected: a branch is a word then {text}`},
	} {
		_, err := Parse(tt.text)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tt.text, err)
			continue
		}
		if se.Offset != tt.offset || se.Msg != tt.want {
			t.Errorf("Parse(%q) = %d: %s\nwant %d: %s", tt.text, se.Offset, se.Msg, tt.offset, tt.want)
		}
	}
}

func TestArgsAndPlurals(t *testing.T) {
	m, err := Parse("{who} — {n, plural, =0 {none} one {{sex, select, f {she} other {he}} and #} other {#}} {n}")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Args(); !slices.Equal(got, []string{"n", "sex", "who"}) {
		t.Errorf("args %v", got)
	}
	pl := m.Plurals()
	if len(pl) != 1 || pl[0].Name != "n" || pl[0].Pos != 10 || !slices.Equal(pl[0].Keys, []string{"=0", "one", "other"}) {
		t.Errorf("plurals %+v", pl)
	}
	for _, tt := range []struct {
		lang string
		keys []string
		want []string
	}{
		{"en", []string{"one", "other"}, nil},
		{"en", []string{"other"}, []string{"one"}},
		{"en", []string{"=1", "other"}, nil},             // English's one is 1 alone
		{"fr", []string{"=1", "other"}, []string{"one"}}, // French's one is also 0 and 1.5
		{"fr", []string{"=0", "=1", "other"}, []string{"one"}},
		{"am", []string{"other"}, []string{"one"}},
		{"pl", []string{"one", "other"}, []string{"few", "many"}},
		{"ar", []string{"other"}, []string{"zero", "one", "two", "few", "many"}},
	} {
		if got := (Plural{Keys: tt.keys}).Missing(tt.lang); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v misses %v, want %v", tt.lang, tt.keys, got, tt.want)
		}
	}
}

// crvsctl's own messages parse, have the same arguments in every language, and their plurals
// the branches each language needs.
func TestBuiltinMessages(t *testing.T) {
	for lang, texts := range builtin {
		for key, text := range texts {
			m, err := Parse(text)
			if err != nil {
				t.Errorf("%s %s: %v", lang, key, err)
				continue
			}
			for _, pl := range m.Plurals() {
				if miss := pl.Missing(lang); miss != nil {
					t.Errorf("%s %s: the plural of %s lacks %v", lang, key, pl.Name, miss)
				}
			}
			en, _ := Parse(builtin["en"][key])
			if en != nil && !slices.Equal(m.Args(), en.Args()) {
				t.Errorf("%s %s: arguments %v, English %v", lang, key, m.Args(), en.Args())
			}
		}
	}
}

func TestCatalogPlurals(t *testing.T) {
	c := New([]string{"en", "fr", "am"}, "fr", map[string]map[string]string{"fr": {"x.weight": "{w, number} kg"}})
	for _, tt := range []struct{ lang, key, want string }{
		{"fr", "ui.form.errors", "La déclaration comporte 1 problème : voir le champ signalé ci-dessous."},
		{"en", "ui.form.errors", "The declaration has 1 problem: see the field marked below."},
		{"am", "ui.form.errors", "መግለጫው 1 ችግር አለው፦ ከዚህ በታች የተጠቀሰውን መስክ ይመልከቱ።"},
	} {
		if got := c.Text(tt.lang, tt.key, "n", "1"); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if got := c.Format("fr", "ui.record.printed", map[string]any{"certificate": "A", "serial": "7", "copies": 2}); got != "Acte A, numéro de série 7, 2 exemplaires" {
		t.Errorf("printed: %q", got)
	}
	if got := c.Text("en", "x.weight", "w", "3.2"); got != "3,2 kg" { // the default language's text, written as that language does
		t.Errorf("fallback: %q", got)
	}
	forms := c.PluralForms("fr", "ui.form.errors", "n")
	if forms["one"] != "La déclaration comporte {n} problème : voir le champ signalé ci-dessous." || !strings.Contains(forms["other"], "{n} problèmes") {
		t.Errorf("forms: %q", forms)
	}
	if c.PluralForms("fr", "ui.logout", "n") != nil {
		t.Error("forms of a text without a plural")
	}
}

// The problems with a count are plural messages, their numbers written in the language, on
// the server as the script writes them from the forms it is given.
func TestProblemsWithACount(t *testing.T) {
	c := New([]string{"en", "fr", "am"}, "en", nil)
	for _, tt := range []struct{ lang, key, arg, n, want string }{
		{"en", "ui.problem.minLength", "min", "1", "Write at least 1 character."},
		{"en", "ui.problem.maxLength", "max", "200", "Write at most 200 characters."},
		{"fr", "ui.problem.maxLength", "max", "1", "Écrivez au plus 1 caractère."},
		{"fr", "ui.problem.minLength", "min", "2", "Écrivez au moins 2 caractères."},
		{"am", "ui.problem.maxLength", "max", "1", "ቢበዛ 1 ፊደል ይጻፉ።"},
		{"am", "ui.problem.maxLength", "max", "5", "ቢበዛ 5 ፊደላት ይጻፉ።"},
		{"fr", "ui.problem.minItems", "min", "1", "Choisissez au moins 1 réponse."},
		{"en", "ui.problem.maxItems", "max", "3", "Choose at most 3 answers."},
		{"fr", "ui.problem.maximum", "max", "1000", "Écrivez un nombre d'au plus 1\u00a0000."},
		{"fr", "ui.problem.multipleOf", "step", "0.5", "Écrivez un multiple de 0,5."},
		{"en", "ui.problem.exclusiveMinimum", "min", "1500", "Write a number greater than 1,500."},
	} {
		if got := c.Text(tt.lang, tt.key, tt.arg, tt.n); got != tt.want {
			t.Errorf("%s %s %s=%s: %q, want %q", tt.lang, tt.key, tt.arg, tt.n, got, tt.want)
		}
	}
	for _, key := range []string{"ui.problem.minLength", "ui.problem.maxLength", "ui.problem.minItems", "ui.problem.maxItems"} {
		for _, lang := range []string{"en", "fr", "am"} {
			arg := c.PluralArg(lang, key)
			if arg == "" || c.PluralForms(lang, key, arg)["one"] == "" {
				t.Errorf("%s %s: plural %q, forms %v", lang, key, arg, c.PluralForms(lang, key, arg))
			}
		}
	}
	if arg := c.PluralArg("fr", "ui.problem.maximum"); arg != "" {
		t.Errorf("a plural in ui.problem.maximum: %q", arg)
	}
}

// What a record waits for reads as a sentence whatever the number of roles: no article is
// left before a role's name in French, no suffix on the last of a list in Amharic.
func TestWaitingForRoles(t *testing.T) {
	c := New([]string{"en", "fr", "am"}, "en", nil)
	for _, tt := range []struct{ lang, roles, count, want string }{
		{"fr", "Officier de l'état civil de district", "1", "Valider : en attente du rôle Officier de l'état civil de district"},
		{"fr", "A ou B", "2", "Valider : en attente de l'un de ces rôles : A ou B"},
		{"en", "District registrar", "1", "Valider: waiting for District registrar"},
		{"am", "ሀ ወይም ለ", "2", "Valider፦ ከሚከተሉት ሚናዎች አንዱን በመጠበቅ ላይ፦ ሀ ወይም ለ"},
		{"am", "ሀ", "1", "Valider፦ የሚከተለውን ሚና በመጠበቅ ላይ፦ ሀ"},
	} {
		if got := c.Text(tt.lang, "ui.record.waiting", "action", "Valider", "roles", tt.roles, "count", tt.count); got != tt.want {
			t.Errorf("%s, %s roles: %q, want %q", tt.lang, tt.count, got, tt.want)
		}
	}
}

func FuzzMessage(f *testing.F) {
	rows, _ := csv.NewReader(bytes.NewReader(messagesCSV)).ReadAll()
	for _, row := range rows[1:] {
		for _, text := range row[1:] {
			f.Add(text, "3")
		}
	}
	f.Add("{n, plural, offset:1 =0 {a} one {'#'} other {{s, select, x {#} other {''}}}}", "1.5")
	f.Add("{n, selectordinal, one {#st} other {#th}}", "-2")
	f.Fuzz(func(t *testing.T, text, n string) {
		m, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(text) {
				t.Fatalf("Parse(%q): %v", text, err)
			}
			return
		}
		for _, lang := range []string{"en", "fr", "am", "ar"} {
			out := m.Format(lang, map[string]any{"n": n, "s": n, "name": n})
			if utf8.ValidString(text) && utf8.ValidString(n) && !utf8.ValidString(out) {
				t.Fatalf("%q formats to invalid UTF-8 %q", text, out)
			}
		}
		for _, pl := range m.Plurals() {
			if pl.Pos < 0 || pl.Pos >= len(text) || text[pl.Pos] != '{' {
				t.Fatalf("%q: plural at %d", text, pl.Pos)
			}
			pl.Missing("fr")
		}
	})
}

func BenchmarkText(b *testing.B) {
	c := New([]string{"en", "fr", "am"}, "fr", nil)
	b.ReportAllocs()
	for b.Loop() {
		c.Text("fr", "ui.form.required")
		c.Text("fr", "ui.history.by", "action", "Déclarer", "user", "Ama", "office", "HF001", "at", "1 novembre 2026")
		c.Text("fr", "ui.form.errors", "n", "2")
	}
}
