package records

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Names and texts are refused, at their field, when they hold what no name holds: the
// control and invisible characters that would print one register entry as another's name or
// break the printed line. What is harmless is stored cleaned: Unicode NFC, the white space
// around dropped, a no-break space as a space. Text of several lines keeps its lines.
func TestDeclareCleansAndRefusesTexts(t *testing.T) {
	e := newEnv(t)
	a := e.setupAt("CR0101")
	for _, tc := range []struct {
		name  string
		field string
		value any
		char  string // in the refusal's message
	}{
		{"NUL", "child.name", map[string]any{"given": "Amara\x00", "family": "Tesfaye"}, "U+0000"},
		{"CR LF", "child.name", map[string]any{"given": "Amara", "family": "Tes\r\nfaye"}, "U+000D"},
		{"right-to-left override", "mother.name", map[string]any{"given": "Selam\u202e", "family": "Tesfaye"}, "U+202E"},
		{"first strong isolate", "mother.name", map[string]any{"given": "\u2068Selam", "family": "Tesfaye"}, "U+2068"},
		{"zero-width space", "child.name", map[string]any{"given": "Ama\u200bra", "family": "Tesfaye"}, "U+200B"},
		{"ZWJ between Latin letters", "child.name", map[string]any{"given": "Ama\u200dra", "family": "Tesfaye"}, "U+200D"},
		{"byte order mark", "child.name", map[string]any{"given": "\ufeffAmara", "family": "Tesfaye"}, "U+FEFF"},
		{"private use", "child.name", map[string]any{"given": "Amara\ue000", "family": "Tesfaye"}, "U+E000"},
		{"unassigned", "child.name", map[string]any{"given": "Amara\u0378", "family": "Tesfaye"}, "U+0378"},
		{"replacement character", "child.name", map[string]any{"given": "Amara\ufffd", "family": "Tesfaye"}, "U+FFFD"},
		{"a line break in one line of text", "mother.nid", "12345\n67890", "U+000A"},
		{"NUL in several lines", "registration.remarks", "born\x00at dawn", "U+0000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := completeData("birth")
			data[tc.field] = tc.value
			_, _, err := e.svc.Declare(e.ctx, a, Declaration{Event: "birth", Data: mustJSON(t, data)})
			re := refusal(t, err, Invalid)
			if len(re.Details) != 1 || re.Details[0].Path != "/data/"+tc.field || re.Details[0].Code != "characters" ||
				!strings.Contains(re.Details[0].Message, tc.char) {
				t.Errorf("details %+v, want one at /data/%s naming %s", re.Details, tc.field, tc.char)
			}
		})
	}
	if n := e.count("birth"); n != 0 {
		t.Errorf("%d records stored", n)
	}

	data := completeData("birth")
	data["child.name"] = map[string]any{"given": "  Jose\u0301\u00a0 Maria ", "family": "Tesfaye"}
	data["mother.name"] = map[string]any{"given": "\u0639\u0644\u06cc\u200c\u0631\u0636\u0627", "family": "\u0dc1\u0dca\u200d\u0dbb\u0dd3"}
	data["registration.remarks"] = "Born at dawn.\r\nThe midwife\tcame late.\n"
	r := e.declare(a, "birth", data)
	got := dataOf(t, r)
	stored := dataOf(t, e.get(r.ID))
	for _, d := range []map[string]any{got, stored} {
		if n := d["child.name"].(map[string]any)["given"]; n != "Jos\u00e9 Maria" {
			t.Errorf("child's given name stored as %+q, want %+q", n, "Jos\u00e9 Maria")
		}
		if n := d["mother.name"].(map[string]any); n["given"] != "\u0639\u0644\u06cc\u200c\u0631\u0636\u0627" || n["family"] != "\u0dc1\u0dca\u200d\u0dbb\u0dd3" {
			t.Errorf("names with joiners stored as %+q", n)
		}
		if s := d["registration.remarks"]; s != "Born at dawn.\nThe midwife\tcame late." {
			t.Errorf("remarks stored as %+q", s)
		}
	}
	if !strings.Contains(r.Title, "Jos\u00e9 Maria") {
		t.Errorf("title %q", r.Title)
	}

	// A correction is held to the same.
	reg := e.act(a, r, "register", nil)
	_, err := e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "request-correction", Version: reg.Version, Comment: "a typo",
		Data: mustJSON(t, map[string]any{"child.name": map[string]any{"given": "Amara\u202e", "family": "Tesfaye"}})})
	if re := refusal(t, err, Invalid); re.Details[0].Path != "/data/child.name" || re.Details[0].Code != "characters" {
		t.Errorf("a correction with an override: %+v", re.Details)
	}
	// And so is a comment, of several lines.
	_, err = e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "request-correction", Version: reg.Version, Comment: "a typo\u202e",
		Data: mustJSON(t, map[string]any{"child.name": map[string]any{"given": "Amira", "family": "Tesfaye"}})})
	if re := refusal(t, err, Invalid); re.Details[0].Path != "/comment" || re.Details[0].Code != "characters" {
		t.Errorf("a comment with an override: %+v", re.Details)
	}
	c, err := e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "request-correction", Version: reg.Version, Comment: " the given name:\r\nAmira \n",
		Data: mustJSON(t, map[string]any{"child.name": map[string]any{"given": "Amira", "family": "Tesfaye"}})})
	if err != nil || c.History[len(c.History)-1].Comment != "the given name:\nAmira" {
		t.Errorf("a comment of two lines: %v, stored %+q", err, c.History[len(c.History)-1].Comment)
	}
}

// Bytes that are not UTF-8, and escapes of lone surrogates, are refused, not read as U+FFFD.
func TestDeclareRefusesInvalidUTF8(t *testing.T) {
	e := newEnv(t)
	a := e.setupAt("CR0101")
	good, err := json.Marshal(completeData("birth"))
	if err != nil {
		t.Fatal(err)
	}
	for name, raw := range map[string]string{
		"invalid UTF-8":       strings.Replace(string(good), `"Amara"`, "\"Ama\xffra\"", 1),
		"a lone surrogate":    strings.Replace(string(good), `"Amara"`, `"Ama\ud800ra"`, 1),
		"a lone low half":     strings.Replace(string(good), `"Amara"`, `"Ama\udc00ra"`, 1),
		"two high halves":     strings.Replace(string(good), `"Amara"`, `"Ama\ud800\ud800ra"`, 1),
		"a UTF-8 surrogate":   strings.Replace(string(good), `"Amara"`, "\"Ama\xed\xa0\x80ra\"", 1),
		"an overlong slash":   strings.Replace(string(good), `"Amara"`, "\"Ama\xc0\xafra\"", 1),
		"a truncated request": strings.Replace(string(good), `"Amara"`, "\"Amara\xe1\x88\"", 1),
	} {
		if raw == string(good) {
			t.Fatalf("%s: the declaration did not change", name)
		}
		_, _, err := e.svc.Declare(e.ctx, a, Declaration{Event: "birth", Data: json.RawMessage(raw)})
		if re := refusal(t, err, BadRequest); re.Details[0].Path != "/data" || re.Details[0].Code != "malformed" {
			t.Errorf("%s: %+v", name, re.Details)
		}
	}
	// A pair is one character, and is kept.
	raw := strings.Replace(string(good), `"Amara"`, `"Amara \ud835\udc00"`, 1) // U+1D400, a mathematical A
	if err := CheckJSONText([]byte(raw)); err != nil {
		t.Errorf("a surrogate pair: %v", err)
	}
	for _, ok := range []string{`"\\ud800"`, `"\\\\"`, `"\u00e9\n\""`, `{"a":"\ud83d\ude00"}`, "\"\u00e9\""} {
		if err := CheckJSONText([]byte(ok)); err != nil || !utf8.ValidString(ok) {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
