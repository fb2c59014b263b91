package records

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// trackingID is what newTrackingID draws: 10 characters of Crockford's alphabet.
var trackingID = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{10}$`)

func TestDeclareStoresACompleteBirth(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund") // hospital-clerk at HF001, Velmora Old Town (NV010101)
	sent := completeData("birth")
	r, created, err := e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: mustJSON(t, sent), Comment: "from the ward register"})
	if err != nil || !created {
		t.Fatalf("Declare: created %v, %v", created, err)
	}
	if !trackingID.MatchString(r.ID) {
		t.Errorf("tracking ID %q is not 10 characters of Crockford's base 32", r.ID)
	}
	// What the service returns is what the store holds: a client may show it as saved.
	stored := e.get(r.ID)
	for _, got := range []*store.Record{r, stored} {
		if got.Event != "birth" || got.Status != "declared" || got.Version != 1 || got.Number != "" || len(got.Flags) != 0 {
			t.Errorf("event %s, status %s, version %d, number %q, flags %v: want a declared birth at version 1, no number, no flag",
				got.Event, got.Status, got.Version, got.Number, got.Flags)
		}
		if got.Bundle != e.m.Bundle.Hash {
			t.Errorf("bundle %q, want the hash of the bundle served %q", got.Bundle, e.m.Bundle.Hash)
		}
		// The record's place for jurisdictions is the declaring office and every area above it.
		if got.Office != "HF001" || !slices.Equal(got.Areas, []string{"NV010101", "NV0101", "NV01"}) {
			t.Errorf("office %s, areas %v: want HF001 in NV010101, NV0101, NV01", got.Office, got.Areas)
		}
		if got.Title != "Amara Tesfaye" || got.EventDate != "2026-11-02" {
			t.Errorf("title %q, event date %q", got.Title, got.EventDate)
		}
		// Every name of the declaration is searchable, lower case: the child's and the parents'.
		mother := sent["mother.name"].(map[string]any)
		for _, w := range []string{"amara", "tesfaye", strings.ToLower(mother["given"].(string)), strings.ToLower(mother["family"].(string)), "dawit"} {
			if !slices.Contains(got.Names, w) {
				t.Errorf("names %v: no %q", got.Names, w)
			}
		}
		if got.CreatedBy != "marta.oyelund" || !got.Created.Equal(got.Updated) || got.Created.Before(testNow) {
			t.Errorf("created by %s at %v, updated %v", got.CreatedBy, got.Created, got.Updated)
		}
		if len(got.History) != 1 {
			t.Fatalf("history %+v: want one entry", got.History)
		}
		h := got.History[0]
		if h.Version != 1 || h.Action != "declare" || h.User != "marta.oyelund" || h.Role != "hospital-clerk" ||
			h.Office != "HF001" || h.Status != "declared" || h.Comment != "from the ward register" || !h.At.Equal(got.Created) {
			t.Errorf("history entry %+v", h)
		}
		// The first entry lists no changes: version 1 is the declaration itself, and each later
		// entry lists what it changed (repeating the whole declaration doubled what is stored).
		if len(h.Changes) != 0 {
			t.Errorf("first entry has %d changes", len(h.Changes))
		}
	}
	// The declaration is kept as stored, calculated field included, and read back alike.
	if string(r.Data) != string(stored.Data) {
		t.Errorf("returned data %s\nstored data %s", r.Data, stored.Data)
	}
}

func TestDeclareAppliesTheFormRules(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	d := completeData("birth")
	// Answers to fields the rules hide: an address for a birth in a health facility, a late
	// reason for a birth on time, and a nationality written out when "nerovian" was chosen.
	d["child.birthAddress"] = map[string]any{"street": "Market Road"}
	d["registration.lateReason"] = "distance-or-cost"
	d["mother.nationalityOther"] = "Ardossia"
	// A calculated value sent by the client is not believed.
	d["mother.ageAtBirth"] = 99
	d["mother.dob"] = "1996-05-14"
	got := dataOf(t, e.declare(clerk, "birth", d))
	for _, id := range []string{"child.birthAddress", "registration.lateReason", "mother.nationalityOther"} {
		if v, ok := got[id]; ok {
			t.Errorf("hidden field %s kept its value %v", id, v)
		}
	}
	// Born 2026-11-02 to a mother born 1996-05-14: 30 whole years.
	if got["mother.ageAtBirth"] != 30.0 {
		t.Errorf("mother.ageAtBirth = %v, want 30", got["mother.ageAtBirth"])
	}

	// An unknown father hides his whole page: whatever was typed there is dropped.
	d = completeData("birth")
	d["father.known"] = false
	delete(d, "documents.fatherId")
	got = dataOf(t, e.declare(clerk, "birth", d))
	for k := range got {
		if strings.HasPrefix(k, "father.") && k != "father.known" {
			t.Errorf("father unknown, but %s = %v was kept", k, got[k])
		}
	}
}

func TestDeclareRefusesAnInvalidDeclaration(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	d := completeData("birth")
	delete(d, "child.sex")       // required
	delete(d, "child.attendant") // required
	d["child.weight"] = 0.8      // full term under 1 kg: message.weight-gestation, on child.gestationWeeks
	d["mother.dob"] = "2020-01-01"
	d["informant.attestation"] = false // an answer, but the validation refuses it
	_, _, err := e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: mustJSON(t, d)})
	re := refusal(t, err, Invalid)
	want := map[string]string{ // path -> code: one detail per problem, none more
		"/data/child.sex":             "required",
		"/data/child.attendant":       "required",
		"/data/child.gestationWeeks":  "rule",
		"/data/mother.dob":            "rule",
		"/data/informant.attestation": "rule",
	}
	if len(re.Details) != len(want) {
		t.Errorf("%d details, want %d: %v", len(re.Details), len(want), re)
	}
	for _, det := range re.Details {
		if want[det.Path] != det.Code {
			t.Errorf("detail %+v: want code %q at that path", det, want[det.Path])
		}
		// The message is the country's text in its default language, not the translation key.
		if det.Message == "" || strings.HasPrefix(det.Message, "message.") {
			t.Errorf("detail %+v: message not translated", det)
		}
	}
	if n := e.count("birth"); n != 0 {
		t.Errorf("%d records stored after a refusal", n)
	}
}

func TestDeclareRefusesWhatTheSchemaRefuses(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	with := func(k string, v any) json.RawMessage {
		d := completeData("birth")
		d[k] = v
		return mustJSON(t, d)
	}
	operator := map[string]any{"$gt": ""}
	tests := []struct {
		name  string
		data  json.RawMessage
		kind  Kind
		paths []string // the details' paths, sorted; nil: not checked
	}{
		{"malformed JSON", json.RawMessage(`{"child.sex": "female",`), BadRequest, []string{"/data"}},
		{"not an object", json.RawMessage(`["child.sex", "female"]`), Invalid, []string{"/data"}},
		{"null", json.RawMessage(`null`), Invalid, []string{"/data"}},
		// An unknown field is named in the path, as any other problem is.
		{"an unknown field", with("child.nickname", "Ami"), Invalid, []string{"/data/child.nickname"}},
		{"a number as text", with("child.birthOrder", "one"), Invalid, []string{"/data/child.birthOrder"}},
		{"a fraction where an integer is asked", with("child.birthOrder", 1.5), Invalid, []string{"/data/child.birthOrder"}},
		{"a number out of bounds", with("child.weight", 12), Invalid, []string{"/data/child.weight"}},
		{"a value not among the options", with("child.sex", "F"), Invalid, []string{"/data/child.sex"}},
		{"a date not written YYYY-MM-DD", with("child.dob", "02/11/2026"), Invalid, []string{"/data/child.dob"}},
		{"a text for a yes/no", with("father.known", "yes"), Invalid, []string{"/data/father.known"}},
		{"a name part not of a name", with("child.name", map[string]any{"given": "Amara", "middle": "X"}), Invalid, []string{"/data/child.name/middle"}},
		// Operators of MongoDB's query language, where a string or a name is expected: the
		// schema refuses them before anything reaches a store.
		{"an operator as a text", with("mother.nid", operator), Invalid, []string{"/data/mother.nid"}},
		{"an operator as an option", with("child.sex", operator), Invalid, []string{"/data/child.sex"}},
		{"an operator as a date", with("child.dob", operator), Invalid, []string{"/data/child.dob"}},
		{"an operator as a name", with("child.name", operator), Invalid, []string{"/data/child.name/$gt"}},
		{"an operator as a field", with("$where", "sleep(1000)"), Invalid, []string{"/data/$where"}},
		// A JSON Pointer escapes "/" and "~" in a name.
		{"a field name with a slash", with("a/b~c", 1), Invalid, []string{"/data/a~1b~0c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.with(t)
			_, _, err := e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: tt.data})
			re := refusal(t, err, tt.kind)
			if len(re.Details) == 0 {
				t.Fatal("a refusal without details")
			}
			for _, det := range re.Details {
				if !strings.HasPrefix(det.Path, "/data") || det.Message == "" {
					t.Errorf("detail %+v: want a path under /data and a message", det)
				}
				// Every problem of an answer has a key for the pages to translate.
				if tt.kind == Invalid && det.Path != "/data" && det.Key == "" {
					t.Errorf("detail %+v: no key", det)
				}
			}
			if tt.paths != nil && !slices.Equal(paths(re), tt.paths) {
				t.Errorf("paths %v, want %v", paths(re), tt.paths)
			}
		})
	}
	if n := e.count("birth"); n != 0 {
		t.Errorf("%d records stored after refusals", n)
	}
}

// TestSchemaProblemsHaveKeys: each refusal of the schema and of the service's own checks says
// its problem by a key of crvsctl's catalogue (with the bounds as arguments) or, where the
// package gives one, by the package's message; and the rules' problems come with the schema's,
// not one round after.
func TestSchemaProblemsHaveKeys(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	d := completeData("birth")
	d["child.birthOrder"] = 30       // over the maximum (25): no message of the package
	d["child.weight"] = 12           // over the maximum (7): the package's message.weight-range
	d["child.gestationWeeks"] = 38.5 // not an integer
	d["child.sex"] = "F"             // not an option
	d["father.known"] = "yes"        // not a boolean
	d["child.dob"] = "02/11/2026"    // not a date
	d["child.name"] = map[string]any{"given": strings.Repeat("A", 201), "family": "T"}
	d["mother.idType"] = "national-id"
	d["mother.nid"] = "0123" // not the pattern: the service's own check
	delete(d, "child.attendant")
	_, _, err := e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: mustJSON(t, d)})
	re := refusal(t, err, Invalid)
	got := map[string]string{}
	for _, det := range re.Details {
		k := det.Key
		for _, a := range slices.Sorted(maps.Keys(det.Args)) {
			k += " " + a + "=" + det.Args[a]
		}
		got[det.Path] = k
	}
	want := map[string]string{
		"/data/child.birthOrder":     "ui.problem.maximum max=25",
		"/data/child.weight":         "message.weight-range",
		"/data/child.gestationWeeks": "ui.problem.integer",
		"/data/child.sex":            "ui.problem.option",
		"/data/father.known":         "ui.problem.yesno",
		"/data/child.dob":            "ui.problem.date",
		"/data/child.name/given":     "ui.problem.maxLength max=200",
		"/data/mother.nid":           "ui.problem.pattern",
		"/data/child.attendant":      "ui.form.requiredAnswer",
	}
	if !maps.Equal(got, want) {
		t.Errorf("problems:\n got %v\nwant %v", got, want)
	}
}

func TestDeclareChecksWhatTheSchemaCannot(t *testing.T) {
	// The JSON Schema knows identity numbers and places as strings, and nothing of roles: the
	// service checks the rest, so that an API client cannot store what the form would refuse.
	e := newEnv(t)
	tests := []struct {
		name  string
		user  string
		field string
		value any
		want  string // the code of the one detail at /data/<field>; "" for accepted
	}{
		// The schema's YYYY-MM-DD lets through days that do not exist; as the child's date of
		// birth, one used to make the action's condition unanswered: a Conflict, not Invalid.
		{"30 February", "marta.oyelund", "child.dob", "2026-02-30", "invalid-value"},
		{"month 13", "marta.oyelund", "mother.marriageDate", "2022-13-01", "invalid-value"},
		{"29 February of a leap year", "marta.oyelund", "mother.dob", "1996-02-29", ""},
		{"a national ID of letters", "marta.oyelund", "mother.nid", "ABCDEFGHIJ", "invalid-value"},
		{"a national ID of 9 digits", "marta.oyelund", "mother.nid", "123456789", "invalid-value"},
		{"a national ID with a leading 0", "marta.oyelund", "mother.nid", "0123456789", "invalid-value"},
		{"a national ID with a digit more", "marta.oyelund", "mother.nid", "12345678901", "invalid-value"},
		{"a national ID", "marta.oyelund", "mother.nid", "9876543210", ""},
		{"a registration office as the place of birth", "marta.oyelund", "child.facility", "CR0101", "invalid-value"},
		{"a facility that does not exist", "marta.oyelund", "child.facility", "HF999", "invalid-value"},
		{"another facility", "marta.oyelund", "child.facility", "HF002", ""},
		{"a province as the district", "marta.oyelund", "child.birthDistrict", "NV01", "invalid-value"},
		{"an area that does not exist", "marta.oyelund", "child.birthDistrict", "NV99", "invalid-value"},
		{"a commune as a village", "marta.oyelund", "mother.residence", "NV010101", "invalid-value"},
		// The Tarsa Islands have no communes: their villages hang under the district, with
		// codes as long as communes' elsewhere. The level is the sheet's, not the code's.
		{"a village of the Tarsa Islands", "marta.oyelund", "mother.residence", "NV040401", ""},
		// "Everyone sees the registrar's notes; only registrars may write them" (birth.cue).
		{"registrar's notes by a clerk", "marta.oyelund", "registration.registrarNotes", "seen the mother", "disabled"},
		{"registrar's notes by a registrar", "tomas.ekwaro", "registration.registrarNotes", "seen the mother", ""},
		// An empty input is no answer: a form that sends every field, empty ones as "", is
		// not changing the notes.
		{"empty registrar's notes by a clerk", "marta.oyelund", "registration.registrarNotes", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := completeData("birth")
			d[tt.field] = tt.value
			r, _, err := e.svc.Declare(e.ctx, e.with(t).actor(tt.user), Declaration{Event: "birth", Data: mustJSON(t, d)})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := dataOf(t, r)[tt.field]; got != tt.value {
					t.Errorf("stored %v, want %v", got, tt.value)
				}
				return
			}
			re := refusal(t, err, Invalid)
			if len(re.Details) != 1 || re.Details[0].Path != "/data/"+tt.field || re.Details[0].Code != tt.want {
				t.Errorf("details %+v, want one %s at /data/%s", re.Details, tt.want, tt.field)
			}
		})
	}
}

func TestDisabledFieldsKeepTheirValue(t *testing.T) {
	// A registrar's notes written at validation travel with the record: the clerk who fixes
	// a rejected declaration sends them back unchanged, and may not change them.
	e := newEnv(t)
	clerk, registrar := e.actor("marta.oyelund"), e.actor("lidya.verhane")
	r := e.declare(clerk, "birth", completeData("birth"))
	r = e.act(registrar, r, "reject", nil)
	r = e.act(clerk, r, "resubmit", map[string]any{"child.weight": 3.3})
	r = e.act(registrar, r, "validate", map[string]any{"registration.registrarNotes": "weight checked on the card"})
	r = e.act(registrar, r, "reject", nil)
	full := dataOf(t, r)
	full["child.weight"] = 3.35
	r = e.act(clerk, r, "resubmit", full) // the whole form, notes unchanged
	if d := dataOf(t, r); d["registration.registrarNotes"] != "weight checked on the card" || d["child.weight"] != 3.35 {
		t.Errorf("notes %v, weight %v", d["registration.registrarNotes"], d["child.weight"])
	}
	r = e.act(registrar, r, "reject", nil)
	for _, notes := range []any{"all fine", nil} {
		_, err := e.svc.Act(e.ctx, clerk, r.ID, ActionRequest{Action: "resubmit", Version: r.Version,
			Data: mustJSON(t, map[string]any{"registration.registrarNotes": notes})})
		if re := refusal(t, err, Invalid); re.Details[0].Code != "disabled" {
			t.Errorf("a clerk setting the notes to %v: %+v", notes, re.Details)
		}
	}
}

func TestDeclareIncomplete(t *testing.T) {
	// A declaration without the child's date of birth cannot say whether declare or
	// declare-late applies; what the declarer must hear is what is missing.
	e := newEnv(t)
	d := completeData("birth")
	delete(d, "child.dob")
	delete(d, "child.sex")
	_, _, err := e.svc.Declare(e.ctx, e.actor("tomas.ekwaro"), Declaration{Event: "birth", Data: mustJSON(t, d)})
	re := refusal(t, err, Invalid)
	if want := []string{"/data/child.dob", "/data/child.sex"}; !slices.Equal(paths(re), want) {
		t.Errorf("paths %v, want %v", paths(re), want)
	}
	// An empty declaration lists every field the form requires, whatever the role's actions.
	_, _, err = e.svc.Declare(e.ctx, e.actor("marta.oyelund"), Declaration{Event: "birth", Data: json.RawMessage(`{}`)})
	re = refusal(t, err, Invalid)
	if len(re.Details) < 10 || !slices.Contains(paths(re), "/data/child.name") {
		t.Errorf("an empty declaration: %v", paths(re))
	}
	// But a role that may not declare hears that first, whatever it sent.
	_, _, err = e.svc.Declare(e.ctx, e.actor("fenna.albrecq"), Declaration{Event: "birth", Data: json.RawMessage(`{}`)})
	refusal(t, err, Forbidden)
}

func TestDeclareIsIdempotent(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	decl := Declaration{Event: "birth", Data: mustJSON(t, completeData("birth")), IdempotencyKey: "tablet-7/0042"}
	first, created, err := e.svc.Declare(e.ctx, clerk, decl)
	if err != nil || !created {
		t.Fatalf("first: created %v, %v", created, err)
	}
	// The same request sent again (the answer was lost on the way): the first record, not a
	// second birth of the same child.
	again, created, err := e.svc.Declare(e.ctx, clerk, decl)
	if err != nil || created || again.ID != first.ID || again.Version != 1 {
		t.Fatalf("again: created %v, err %v, id %s (first %s)", created, err, again.ID, first.ID)
	}
	// Written otherwise (spacing, key order, 3.20 for 3.2), it is the same request.
	var v map[string]any
	json.Unmarshal(decl.Data, &v)
	respaced := decl
	respaced.Data, _ = json.MarshalIndent(v, "", "   ")
	respaced.Data = bytes.Replace(respaced.Data, []byte(`"child.weight": 3.2`), []byte(`"child.weight": 3.20`), 1)
	if again, created, err := e.svc.Declare(e.ctx, clerk, respaced); err != nil || created || again.ID != first.ID {
		t.Fatalf("respaced: created %v, err %v", created, err)
	}
	// The key with another declaration, valid or not, is refused: not the first record as if
	// the second were stored.
	for _, change := range []map[string]any{{"child.weight": 3.4}, {"child.weight": "heavy"}} {
		other := completeData("birth")
		maps.Copy(other, change)
		reused := decl
		reused.Data = mustJSON(t, other)
		_, _, err = e.svc.Declare(e.ctx, clerk, reused)
		if re := refusal(t, err, Conflict); re.Details[0].Code != "key-reused" || !strings.Contains(re.Details[0].Message, first.ID) {
			t.Errorf("%v: %+v", change, re.Details)
		}
	}
	if n := e.count("birth"); n != 1 {
		t.Errorf("%d records stored, want 1", n)
	}
	// A key is the user's own: another clerk's request with the same key is another birth.
	other, created, err := e.svc.Declare(e.ctx, e.actor("selin.abravan"), decl)
	if err != nil || !created || other.ID == first.ID {
		t.Fatalf("another user's key: created %v, err %v", created, err)
	}
}

func TestDeclareIdempotentConcurrently(t *testing.T) {
	// Two sends of one declaration racing each other (a retry while the first is in flight)
	// still make one record: the store's unique index on (user, key) settles it.
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	decl := Declaration{Event: "birth", Data: mustJSON(t, completeData("birth")), IdempotencyKey: "retry"}
	const n = 10
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, _, err := e.svc.Declare(e.ctx, clerk, decl)
			errs[i] = err
			if r != nil {
				ids[i] = r.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Errorf("send %d: id %s, err %v; want %s", i, ids[i], errs[i], ids[0])
		}
	}
	if c := e.count("birth"); c != 1 {
		t.Errorf("%d records stored, want 1", c)
	}
}

func TestDeclareLateBirth(t *testing.T) {
	tests := []struct {
		name, dob  string
		action     string // the action named in the declaration; "" to let the service choose
		wantAction string // "" when refused
		wantKind   Kind
	}{
		// The one whose condition holds is chosen: the creating actions are written so that
		// exactly one applies to any date of birth.
		{"more than a year ago", "2024-06-30", "", "declare-late", 0},
		{"on the first birthday", "2025-11-23", "", "declare-late", 0},
		{"the day before the first birthday", "2025-11-24", "", "declare", 0},
		{"late, declare-late named", "2024-06-30", "declare-late", "declare-late", 0},
		// Naming the wrong one is a conflict with the record, not a lack of rights.
		{"late, declare named", "2024-06-30", "declare", "", Conflict},
		{"on time, declare-late named", "2026-11-02", "declare-late", "", Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			agent := e.actor("amani.desgorel") // registration-agent: declare and declare-late
			d := lateBirth()
			d["child.dob"] = tt.dob
			r, _, err := e.svc.Declare(e.ctx, agent, Declaration{Event: "birth", Action: tt.action, Data: mustJSON(t, d)})
			if tt.wantAction == "" {
				refusal(t, err, tt.wantKind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			late := tt.wantAction == "declare-late"
			if r.History[0].Action != tt.wantAction || slices.Contains(r.Flags, "late") != late || r.Status != "declared" {
				t.Errorf("action %s, flags %v, status %s: want %s", r.History[0].Action, r.Flags, r.Status, tt.wantAction)
			}
			// The late page is asked for, and kept, only for a late birth.
			if _, kept := dataOf(t, r)["registration.lateReason"]; kept != late {
				t.Errorf("late %v but registration.lateReason kept %v", late, kept)
			}
		})
	}
}

func TestDeclareLateBirthAsksForItsEvidence(t *testing.T) {
	e := newEnv(t)
	d := completeData("birth")
	d["child.dob"] = "2024-06-30"
	d["mother.marriageDate"] = "2020-01-11"
	_, _, err := e.svc.Declare(e.ctx, e.actor("amani.desgorel"), Declaration{Event: "birth", Data: mustJSON(t, d)})
	re := refusal(t, err, Invalid)
	want := []string{"/data/registration.lateEvidence", "/data/registration.lateReason",
		"/data/registration.witnessName", "/data/registration.witnessNid"}
	if !slices.Equal(paths(re), want) {
		t.Errorf("paths %v, want %v", paths(re), want)
	}
}

func TestDeclareByRole(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		user, event string
		data        map[string]any
		want        outcome
		wantAction  string
	}{
		{"marta.oyelund", "birth", completeData("birth"), allowed, "declare"},
		// A hospital clerk has no declare-late: for a late birth only declare is tried, and
		// its condition does not hold. (Naming declare-late is Forbidden: see the matrix.)
		{"marta.oyelund", "birth", lateBirth(), conflict, ""},
		{"tomas.ekwaro", "birth", lateBirth(), allowed, "declare-late"},
		{"fenna.albrecq", "birth", completeData("birth"), forbidden, ""},
		{"ilena.marvosa", "death", completeData("death"), forbidden, ""},
		{"elsa.marunde", "birth", completeData("birth"), forbidden, ""},
		{"yara.belcourt", "death", completeData("death"), forbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.event, func(t *testing.T) {
			e := e.with(t)
			r, _, err := e.svc.Declare(e.ctx, e.actor(tt.user), Declaration{Event: tt.event, Data: mustJSON(t, tt.data)})
			if got := outcomeOf(err); got != tt.want {
				t.Fatalf("%s: want %s", got, tt.want)
			}
			if err == nil && r.History[0].Action != tt.wantAction {
				t.Errorf("declared with %s, want %s", r.History[0].Action, tt.wantAction)
			}
		})
	}
	if _, _, err := e.svc.Declare(e.ctx, e.actor("marta.oyelund"), Declaration{Event: "marriage", Data: json.RawMessage(`{}`)}); outcomeOf(err) != notFound {
		t.Errorf("an unknown event: %v, want NotFound", err)
	}
	// Naming an action that does not create a record is not a lack of rights: the local
	// registrar may declare, but not with validate.
	for _, action := range []string{"validate", "adopt"} {
		_, _, err := e.svc.Declare(e.ctx, e.actor("tomas.ekwaro"), Declaration{Event: "birth", Action: action, Data: mustJSON(t, completeData("birth"))})
		if re := refusal(t, err, NotFound); re.Details[0].Code != "unknown-action" {
			t.Errorf("declare with %s: %+v", action, re.Details)
		}
	}
}

func TestDeclareTodayIsTheCountrysDay(t *testing.T) {
	// Nerovia is UTC+3. At 22:30 UTC on 23 November it is already 24 November there: a
	// child born on the 24th is not born in the future. At 20:00 UTC it still is 23 November.
	tests := []struct {
		now  time.Time
		want outcome
	}{
		{time.Date(2026, 11, 23, 22, 30, 0, 0, time.UTC), allowed},
		{time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), invalid},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.RFC3339), func(t *testing.T) {
			e := newEnv(t)
			e.clock.Set(tt.now)
			d := completeData("birth")
			d["child.dob"] = "2026-11-24"
			_, _, err := e.svc.Declare(e.ctx, e.actor("marta.oyelund"), Declaration{Event: "birth", Data: mustJSON(t, d)})
			if got := outcomeOf(err); got != tt.want {
				t.Fatalf("%s (%v), want %s", got, err, tt.want)
			}
			if err != nil {
				if re := refusal(t, err, Invalid); !slices.Equal(paths(re), []string{"/data/child.dob"}) {
					t.Errorf("paths %v", paths(re))
				}
			}
		})
	}
}

func TestDeclareDeath(t *testing.T) {
	e := newEnv(t)
	sent := completeData("death")
	sent["deceased.dob"] = "1948-03-10"
	r := e.declare(e.actor("petros.lumende"), "death", sent)
	d := dataOf(t, r)
	// Born 1948-03-10, died 2026-11-18: 78 whole years; no age in days past the first year.
	if d["death.ageAtDeath"] != 78.0 {
		t.Errorf("death.ageAtDeath = %v, want 78", d["death.ageAtDeath"])
	}
	if _, ok := d["death.ageInDays"]; ok {
		t.Errorf("death.ageInDays kept for an adult: %v", d["death.ageInDays"])
	}
	name := sent["deceased.name"].(map[string]any)
	if r.Title != name["given"].(string)+" "+name["family"].(string) || r.EventDate != "2026-11-18" || r.Office != "HF024" {
		t.Errorf("title %q, event date %q, office %s", r.Title, r.EventDate, r.Office)
	}
}

// --- Actions -------------------------------------------------------------------------------

func TestValidateWithChangedData(t *testing.T) {
	e := newEnv(t)
	registrar := e.actor("tomas.ekwaro") // local-registrar at CR010102, Terir (NV010102)
	r := e.recordIn("birth", "HF004", declared)
	before := dataOf(t, r)
	e.clock.Set(testNow.Add(time.Hour))
	// The registrar finds, against the documents, that the weight and the mother's date of
	// birth were mistyped: the mother's age at the birth is worked out again.
	got := e.act(registrar, r, "validate", map[string]any{"child.weight": 3.25, "mother.dob": "1996-11-03"})
	if got.Status != "validated" || got.Version != 2 || !got.Updated.After(got.Created) {
		t.Errorf("status %s, version %d, updated %v", got.Status, got.Version, got.Updated)
	}
	stored := e.get(r.ID)
	d := dataOf(t, stored)
	if d["child.weight"] != 3.25 || d["mother.dob"] != "1996-11-03" || d["mother.ageAtBirth"] != 29.0 {
		t.Errorf("data after validate: weight %v, mother.dob %v, ageAtBirth %v", d["child.weight"], d["mother.dob"], d["mother.ageAtBirth"])
	}
	if len(stored.History) != 2 {
		t.Fatalf("history: %d entries, want 2", len(stored.History))
	}
	h := stored.History[1]
	if h.Version != 2 || h.Action != "validate" || h.User != "tomas.ekwaro" || h.Role != "local-registrar" || h.Office != "CR010102" || h.Status != "validated" {
		t.Errorf("entry %+v", h)
	}
	// Every field that changed, the calculated one too, with its old and new value.
	want := []store.Change{
		{Field: "child.weight", Old: json.RawMessage(`3.2`), New: json.RawMessage(`3.25`)},
		{Field: "mother.ageAtBirth", Old: mustJSON(t, before["mother.ageAtBirth"]), New: json.RawMessage(`29`)},
		{Field: "mother.dob", Old: mustJSON(t, before["mother.dob"]), New: json.RawMessage(`"1996-11-03"`)},
	}
	if fmt.Sprint(h.Changes) != fmt.Sprint(want) {
		t.Errorf("changes\n%s\nwant\n%s", changesText(h.Changes), changesText(want))
	}
}

func TestValidateDropsWhatAChangeHides(t *testing.T) {
	// The registrar learns the child was born at home, not in the hospital: the village is
	// asked for, and the facility and its notification, now hidden, leave the record; the
	// history says so (a change with no new value).
	e := newEnv(t)
	registrar := e.actor("tomas.ekwaro")
	r := e.recordIn("birth", "HF004", declared)
	_, err := e.svc.Act(e.ctx, registrar, r.ID, ActionRequest{Action: "validate", Version: r.Version,
		Data: json.RawMessage(`{"child.placeType": "home"}`)})
	if re := refusal(t, err, Invalid); !slices.Equal(paths(re), []string{"/data/child.birthVillage"}) {
		t.Errorf("paths %v", paths(re))
	}
	r = e.act(registrar, r, "validate", map[string]any{"child.placeType": "home", "child.birthVillage": "NV01010201"})
	d := dataOf(t, r)
	for _, id := range []string{"child.facility", "documents.birthNotification"} {
		if _, kept := d[id]; kept {
			t.Errorf("%s kept after the birth moved home", id)
		}
	}
	h := r.History[len(r.History)-1]
	want := "  child.birthVillage:  -> \"NV01010201\"\n" +
		"  child.facility: \"HF001\" -> \n" +
		"  child.placeType: \"health-facility\" -> \"home\"\n" +
		"  documents.birthNotification: {\"file\":\"" + store.DocumentID(files["notification.pdf"]) + "\",\"type\":\"birth-notification\"} -> \n"
	if got := changesText(h.Changes); got != want {
		t.Errorf("changes\n%s\nwant\n%s", got, want)
	}
}

func changesText(cs []store.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s: %s -> %s\n", c.Field, c.Old, c.New)
	}
	return b.String()
}

func TestActRefusals(t *testing.T) {
	e := newEnv(t)
	registrar := e.actor("tomas.ekwaro")
	tests := []struct {
		name  string
		state state
		req   func(r *store.Record) ActionRequest
		kind  Kind
		code  string
		path  string
	}{
		{"an older version", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version - 1}
		}, Conflict, "stale", "/version"},
		{"a version not reached", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version + 1}
		}, Conflict, "stale", "/version"},
		{"print before registration", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "print", Version: r.Version}
		}, Conflict, "not-allowed", "/action"},
		{"validate twice", validated, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version}
		}, Conflict, "not-allowed", "/action"},
		{"register a rejected declaration", rejected, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "register", Version: r.Version}
		}, Conflict, "not-allowed", "/action"},
		{"request a correction before registration", validated, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "request-correction", Version: r.Version, Data: json.RawMessage(`{"child.weight": 3}`)}
		}, Conflict, "not-allowed", "/action"},
		{"an unknown action", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "certify", Version: r.Version}
		}, NotFound, "unknown-action", "/action"},
		{"a creating action on a record", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "declare", Version: r.Version}
		}, NotFound, "unknown-action", "/action"},
		{"data with an action that edits nothing", validated, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "register", Version: r.Version, Data: json.RawMessage(`{"child.weight": 3}`)}
		}, BadRequest, "no-edits", "/data"},
		{"a proposal without data", registered, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "request-correction", Version: r.Version, Comment: "the birth certificate"}
		}, BadRequest, "no-edits", "/data"},
		{"a proposal without its reason", registered, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "request-correction", Version: r.Version, Data: json.RawMessage(`{"child.weight": 3.4}`), Comment: " "}
		}, BadRequest, "required", "/comment"},
		{"a rejection without its reason", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "reject", Version: r.Version}
		}, BadRequest, "required", "/comment"},
		// It would raise correction-requested, and stop certificates, for nothing to decide.
		{"a proposal of the values the record has", registered, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "request-correction", Version: r.Version, Data: json.RawMessage(`{"child.weight": 3.2}`), Comment: "the birth certificate"}
		}, BadRequest, "no-edits", "/data"},
		{"data that is not an object", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version, Data: json.RawMessage(`[1]`)}
		}, BadRequest, "malformed", "/data"},
		{"a change that breaks a rule", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version, Data: json.RawMessage(`{"child.sex": null}`)}
		}, Invalid, "required", "/data/child.sex"},
		{"a change of an unknown field", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version, Data: json.RawMessage(`{"child.nickname": "Ami"}`)}
		}, Invalid, "schema", ""},
		{"an operator as a changed value", declared, func(r *store.Record) ActionRequest {
			return ActionRequest{Action: "validate", Version: r.Version, Data: json.RawMessage(`{"mother.nid": {"$ne": null}}`)}
		}, Invalid, "schema", "/data/mother.nid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.with(t)
			r := e.recordIn("birth", "HF004", tt.state)
			_, err := e.svc.Act(e.ctx, registrar, r.ID, tt.req(r))
			re := refusal(t, err, tt.kind)
			if re.Details[0].Code != tt.code || (tt.path != "" && re.Details[0].Path != tt.path) {
				t.Errorf("details %+v: want code %s at %s", re.Details, tt.code, tt.path)
			}
			// A refusal changes nothing.
			if after := e.get(r.ID); after.Version != r.Version || string(after.Data) != string(r.Data) || after.Status != r.Status {
				t.Errorf("refused, but the record changed: version %d -> %d, status %s -> %s", r.Version, after.Version, r.Status, after.Status)
			}
		})
	}
}

func TestActOnAnUnknownRecord(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Act(e.ctx, e.actor("ilena.marvosa"), "0000000000", ActionRequest{Action: "validate", Version: 1})
	refusal(t, err, NotFound)
	_, err = e.svc.Get(e.ctx, e.actor("ilena.marvosa"), "0000000000")
	refusal(t, err, NotFound)
}

func TestWorkflowOfADeclaration(t *testing.T) {
	// A declaration sent back, fixed by the clerk who declared it, validated, registered and
	// its certificate printed: one record's whole life, each step by its role.
	e := newEnv(t)
	clerk, registrar := e.actor("marta.oyelund"), e.actor("lidya.verhane") // HF001; local-registrar of district NV0101
	r := e.declare(clerk, "birth", completeData("birth"))
	r = e.act(registrar, r, "reject", nil)
	if r.Status != "rejected" {
		t.Fatalf("status %s after reject", r.Status)
	}
	r = e.act(clerk, r, "resubmit", map[string]any{"child.gestationWeeks": 38})
	r = e.act(registrar, r, "validate", nil)
	r = e.act(registrar, r, "register", nil)
	r = e.act(e.actor("elsa.marunde"), r, "print", nil) // the certificate counter of the district office
	stored := e.get(r.ID)
	var steps []string
	for _, h := range stored.History {
		steps = append(steps, fmt.Sprintf("%d %s %s %s", h.Version, h.Action, h.User, h.Status))
	}
	want := []string{
		"1 declare marta.oyelund declared",
		"2 reject lidya.verhane rejected",
		"3 resubmit marta.oyelund declared",
		"4 validate lidya.verhane validated",
		"5 register lidya.verhane registered",
		"6 print elsa.marunde ", // print changes no status
	}
	if !slices.Equal(steps, want) {
		t.Errorf("history\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
	if stored.Status != "registered" || stored.Version != 6 || stored.Number != "B-2026-CR0101-000001" {
		t.Errorf("status %s, version %d, number %s", stored.Status, stored.Version, stored.Number)
	}
	// The number is given once, by register: printing after it draws no other.
	if stored.History[4].Number != stored.Number || stored.History[5].Number != "" {
		t.Errorf("numbers in the history: register %q, print %q; the record has %q", stored.History[4].Number, stored.History[5].Number, stored.Number)
	}
	if dataOf(t, stored)["child.gestationWeeks"] != 38.0 {
		t.Errorf("the resubmitted change was lost")
	}
	// An archived declaration is out of the workflow: nothing more can be done to it.
	a := e.recordIn("birth", "HF001", rejected)
	a = e.act(e.actor("fenna.albrecq"), a, "archive", nil)
	for _, action := range []string{"resubmit", "validate", "register", "reject", "archive"} {
		actor := e.actor("fenna.albrecq")
		if action == "resubmit" {
			actor = clerk
		}
		if _, err := e.svc.Act(e.ctx, actor, a.ID, ActionRequest{Action: action, Version: a.Version}); outcomeOf(err) != conflict {
			t.Errorf("%s an archived record: %v, want Conflict", action, err)
		}
	}
}

func TestRegistrationNumbers(t *testing.T) {
	e := newEnv(t)
	tomas, saba := e.actor("tomas.ekwaro"), e.actor("saba.rinaldor") // CR010102 and CR0203
	const perOffice = 15
	type job struct {
		actor *Actor
		rec   *store.Record
	}
	var jobs []job
	for range perOffice {
		jobs = append(jobs, job{tomas, e.recordIn("birth", "HF004", validated)}, job{saba, e.recordIn("birth", "HF024", validated)})
	}
	// Registered from eight goroutines at once, the two offices interleaved.
	numbers := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				r, err := e.svc.Act(e.ctx, jobs[i].actor, jobs[i].rec.ID, ActionRequest{Action: "register", Version: jobs[i].rec.Version})
				errs[i] = err
				if err == nil {
					numbers[i] = r.Number
				}
			}
		})
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()

	format := regexp.MustCompile(`^B-2026-(CR010102|CR0203)-([0-9]{6})$`)
	seqs := map[string][]int{}
	seen := map[string]bool{}
	for i, n := range numbers {
		if errs[i] != nil {
			t.Fatalf("register %s: %v", jobs[i].rec.ID, errs[i])
		}
		m := format.FindStringSubmatch(n)
		if m == nil || m[1] != jobs[i].actor.Office.Code {
			t.Fatalf("number %q: want B-2026-%s-nnnnnn", n, jobs[i].actor.Office.Code)
		}
		if seen[n] {
			t.Errorf("number %s given twice", n)
		}
		seen[n] = true
		var seq int
		fmt.Sscan(strings.TrimLeft(m[2], "0"), &seq)
		seqs[m[1]] = append(seqs[m[1]], seq)
		// The number is on the record in the store, and on the entry that gave it.
		if s := e.get(jobs[i].rec.ID); s.Number != n || s.History[len(s.History)-1].Number != n {
			t.Errorf("record %s: stored number %q, entry %q, returned %q", s.ID, s.Number, s.History[len(s.History)-1].Number, n)
		}
	}
	// Each office's registrations are numbered 1..n, none skipped.
	for office, s := range seqs {
		slices.Sort(s)
		for i, v := range s {
			if v != i+1 {
				t.Errorf("office %s: sequence %v, want 1..%d", office, s, perOffice)
				break
			}
		}
	}
}

func TestRegistrationNumberScope(t *testing.T) {
	e := newEnv(t)
	tomas := e.actor("tomas.ekwaro")
	register := func(event string) string {
		return e.act(tomas, e.recordIn(event, "HF004", validated), "register", nil).Number
	}
	// Deaths have their own sequence and their own format.
	if got := register("birth"); got != "B-2026-CR010102-000001" {
		t.Errorf("first birth: %s", got)
	}
	if got := register("death"); got != "D-2026-CR010102-00001" {
		t.Errorf("first death: %s", got)
	}
	if got := register("birth"); got != "B-2026-CR010102-000002" {
		t.Errorf("second birth: %s", got)
	}
	// The year is Nerovia's: at 21:30 UTC on 31 December it is already 1 January 2027 there,
	// and the office's numbering starts again.
	e.clock.Set(time.Date(2026, 12, 31, 21, 30, 0, 0, time.UTC))
	if got := register("birth"); got != "B-2027-CR010102-000001" {
		t.Errorf("first birth of 2027: %s", got)
	}
	// The office in the number is the registrar's, not the declaring facility's: the district
	// registrar of NV0101 registers a birth declared at HF004 under CR0101.
	r := e.recordIn("birth", "HF004", validated)
	if got := e.act(e.actor("fenna.albrecq"), r, "register", nil).Number; got != "B-2027-CR0101-000001" {
		t.Errorf("registered at CR0101: %s", got)
	}
}

func TestLateBirthIsRegisteredByTheDistrict(t *testing.T) {
	e := newEnv(t)
	local, district := e.actor("tomas.ekwaro"), e.actor("fenna.albrecq") // Terir, and its district NV0101
	r := e.declare(local, "birth", lateBirth())
	r = e.act(local, r, "validate", nil)
	// Granted to local registrars, but the action's condition keeps late births for the
	// district: a Conflict with the record, not a Forbidden role.
	_, err := e.svc.Act(e.ctx, local, r.ID, ActionRequest{Action: "register", Version: r.Version})
	if re := refusal(t, err, Conflict); re.Details[0].Code != "not-allowed" {
		t.Errorf("details %+v", re.Details)
	}
	r = e.act(district, r, "register", nil)
	if r.Status != "registered" || r.Number != "B-2026-CR0101-000001" || !slices.Contains(r.Flags, "late") {
		t.Errorf("status %s, number %s, flags %v", r.Status, r.Number, r.Flags)
	}
}

// TestPossibleDuplicate: nerovia's flag of a possible duplicate stops registration, by anyone,
// until a district registrar decides: not a duplicate (the flag goes, registration goes on) or
// a duplicate (status duplicate, out of the register's way).
func TestPossibleDuplicate(t *testing.T) {
	e := newEnv(t)
	local, district := e.actor("tomas.ekwaro"), e.actor("fenna.albrecq") // Terir, and its district NV0101
	r := e.flagPossibleDuplicate(e.recordIn("birth", "HF004", validated))
	for _, a := range []*Actor{local, district} {
		_, err := e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "register", Version: r.Version})
		if re := refusal(t, err, Conflict); re.Details[0].Code != "not-allowed" {
			t.Errorf("register by %s: details %+v", a.User.Username, re.Details)
		}
	}
	r = e.act(district, r, "not-duplicate", nil)
	h := r.History[len(r.History)-1]
	if len(r.Flags) != 0 || !slices.Equal(h.DelFlags, []string{"possible-duplicate"}) || r.Status != "validated" {
		t.Errorf("flags %v, status %s, entry %+v", r.Flags, r.Status, h)
	}
	// Decided once: without the flag, neither decision can be taken.
	for _, action := range []string{"not-duplicate", "mark-duplicate"} {
		if _, err := e.svc.Act(e.ctx, district, r.ID, ActionRequest{Action: action, Version: r.Version}); outcomeOf(err) != conflict {
			t.Errorf("%s of a record without the flag: %v, want Conflict", action, err)
		}
	}
	if r = e.act(local, r, "register", nil); r.Status != "registered" || r.Number == "" {
		t.Errorf("status %s, number %q", r.Status, r.Number)
	}

	d := e.flagPossibleDuplicate(e.recordIn("death", "HF004", declared))
	d, err := e.take(district, d.ID, ActionRequest{Action: "mark-duplicate", Version: d.Version, DuplicateOf: openCandidates(d)[0].Record})
	if err != nil || d.Status != "duplicate" {
		t.Fatalf("marked a duplicate: %v", err)
	}
	if _, err := e.svc.Act(e.ctx, district, d.ID, ActionRequest{Action: "register", Version: d.Version}); outcomeOf(err) != conflict {
		t.Errorf("register of a duplicate: %v, want Conflict", err)
	}
}

func TestCorrection(t *testing.T) {
	e := newEnv(t)
	local, district := e.actor("tomas.ekwaro"), e.actor("fenna.albrecq")
	r := e.recordIn("birth", "HF004", registered)
	before, number := dataOf(t, r), r.Number

	// Asked for at the registration office: recorded, not applied.
	r = e.act(local, r, "request-correction", map[string]any{"child.weight": 3.45})
	stored := e.get(r.ID)
	if d := dataOf(t, stored); d["child.weight"] != before["child.weight"] {
		t.Errorf("a proposal changed the data: weight %v", d["child.weight"])
	}
	if !slices.Equal(stored.Flags, []string{"correction-requested"}) || stored.Status != "registered" {
		t.Errorf("flags %v, status %s", stored.Flags, stored.Status)
	}
	h := stored.History[len(stored.History)-1]
	if h.Action != "request-correction" || h.Status != "" || !slices.Equal(h.AddFlags, []string{"correction-requested"}) ||
		changesText(h.Changes) != "  child.weight: 3.2 -> 3.45\n" {
		t.Errorf("entry %+v", h)
	}
	// No certificate while a correction is pending, and no second request.
	for _, action := range []string{"print", "request-correction"} {
		req := ActionRequest{Action: action, Version: r.Version}
		if action == "request-correction" {
			req.Data = json.RawMessage(`{"child.weight": 3.5}`)
		}
		if _, err := e.svc.Act(e.ctx, local, r.ID, req); outcomeOf(err) != conflict {
			t.Errorf("%s with a correction pending: %v, want Conflict", action, err)
		}
	}
	// Decided by the district: applied, flag removed, number kept.
	r = e.act(district, r, "approve-correction", nil)
	stored = e.get(r.ID)
	if d := dataOf(t, stored); d["child.weight"] != 3.45 {
		t.Errorf("approved, but weight %v", d["child.weight"])
	}
	h = stored.History[len(stored.History)-1]
	if len(stored.Flags) != 0 || !slices.Equal(h.DelFlags, []string{"correction-requested"}) || changesText(h.Changes) != "  child.weight: 3.2 -> 3.45\n" {
		t.Errorf("flags %v, entry %+v", stored.Flags, h)
	}
	if number == "" || stored.Number != number {
		t.Errorf("number %q after the correction, %q before", stored.Number, number)
	}
	r = e.act(local, r, "print", nil) // certificates again

	// A second request, rejected: nothing applied, flag removed, and nothing left to approve.
	r = e.act(local, r, "request-correction", map[string]any{"child.name": map[string]any{"given": "Amira", "family": "Tesfaye"}})
	r = e.act(district, r, "reject-correction", nil)
	if d := dataOf(t, e.get(r.ID)); d["child.name"].(map[string]any)["given"] != "Amara" || !slices.Equal(r.Flags, []string{"certified"}) {
		t.Errorf("a rejected correction changed the record: %v, flags %v", d["child.name"], r.Flags)
	}
	if _, err := e.svc.Act(e.ctx, district, r.ID, ActionRequest{Action: "approve-correction", Version: r.Version}); outcomeOf(err) != conflict {
		t.Errorf("approve with no correction pending: %v, want Conflict", err)
	}
}

func TestCorrectionWithHiddenAndCalculatedFields(t *testing.T) {
	// A correction of the mother's date of birth changes her age at the birth; approving it
	// applies both, and the title and name words follow a corrected name.
	e := newEnv(t)
	r := e.recordIn("birth", "HF004", registered)
	r = e.act(e.actor("tomas.ekwaro"), r, "request-correction", map[string]any{
		"mother.dob": "1990-01-20", "child.name": map[string]any{"given": "Amira", "family": "Tesfaye"}})
	r = e.act(e.actor("ilena.marvosa"), r, "approve-correction", nil)
	d := dataOf(t, r)
	if d["mother.dob"] != "1990-01-20" || d["mother.ageAtBirth"] != 36.0 {
		t.Errorf("mother.dob %v, ageAtBirth %v", d["mother.dob"], d["mother.ageAtBirth"])
	}
	stored := e.get(r.ID)
	if stored.Title != "Amira Tesfaye" || !slices.Contains(stored.Names, "amira") || slices.Contains(stored.Names, "amara") {
		t.Errorf("title %q, names %v after correcting the name", stored.Title, stored.Names)
	}
}

func TestApproveAStaleCorrection(t *testing.T) {
	e := newEnv(t)
	r := e.recordIn("birth", "HF004", correctionRequested) // proposes child.weight 3.2 -> 3.45
	// Nerovia's workflow has no action that changes a registered record's data while a
	// correction is pending, so the change comes from outside the workflow: a data fix
	// written straight to the store (a migration, another server with another bundle).
	d := dataOf(t, r)
	d["child.weight"] = 3.3
	fix := *r
	fix.History, fix.Version, fix.Data = nil, r.Version+1, mustJSON(t, d)
	if err := e.st.UpdateRecord(e.ctx, &fix, store.Entry{Version: fix.Version, Action: "data-fix", User: "admin", At: testNow}); err != nil {
		t.Fatal(err)
	}
	e.assignFor(e.actor("fenna.albrecq"), r.ID, "approve-correction")
	_, err := e.svc.Act(e.ctx, e.actor("fenna.albrecq"), r.ID, ActionRequest{Action: "approve-correction", Version: fix.Version})
	re := refusal(t, err, Conflict)
	if re.Details[0].Path != "/data/child.weight" || re.Details[0].Code != "stale" {
		t.Errorf("details %+v", re.Details)
	}
	if got := dataOf(t, e.get(r.ID))["child.weight"]; got != 3.3 {
		t.Errorf("weight %v after a refused approval", got)
	}
}

func TestConcurrentActionsOnOneRecord(t *testing.T) {
	// Fifty registrars press the button at once on the version they all read: one wins, the
	// others are told the record changed. Run for an action that only changes the status and
	// for the one that draws a registration number.
	for _, tt := range []struct {
		action string
		from   state
	}{{"validate", declared}, {"register", validated}} {
		t.Run(tt.action, func(t *testing.T) {
			e := newEnv(t)
			r := e.recordIn("birth", "HF004", tt.from)
			registrar := e.actor("tomas.ekwaro")
			const n = 50
			errs := make([]error, n)
			var wg sync.WaitGroup
			// All fifty have read the record before any goes on: the clicks of one instant,
			// however the scheduler runs them.
			svc := *e.svc
			svc.Store = &gatedStore{Store: e.st, n: n, open: make(chan struct{})}
			for i := range n {
				wg.Go(func() {
					_, errs[i] = svc.Act(e.ctx, registrar, r.ID, ActionRequest{Action: tt.action, Version: r.Version})
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch outcomeOf(err) {
				case allowed:
					ok++
				case conflict:
				default:
					t.Errorf("want success or Conflict, got %v", err)
				}
			}
			if ok != 1 {
				t.Errorf("%d succeeded, want exactly 1", ok)
			}
			stored := e.get(r.ID)
			if stored.Version != r.Version+1 || len(stored.History) != int(r.Version)+1 {
				t.Errorf("version %d with %d history entries, want %d", stored.Version, len(stored.History), r.Version+1)
			}
			if tt.action == "register" {
				// The 49 who lost drew no number: the counter advanced by one, and the next
				// registration at the office gets the next number.
				if stored.Number != "B-2026-CR010102-000001" {
					t.Errorf("number %q, want the office's first", stored.Number)
				}
				if got := e.act(registrar, e.recordIn("birth", "HF004", validated), "register", nil).Number; got != "B-2026-CR010102-000002" {
					t.Errorf("the next registration got %s, want B-2026-CR010102-000002", got)
				}
			}
		})
	}
}

// TestAnEditThatMakesABirthLateRaisesTheFlag: a birth declared on time and then given, at
// validation, a date of birth more than a year ago is flagged late as if declared so, and the
// local registrar can no longer register it.
func TestAnEditThatMakesABirthLateRaisesTheFlag(t *testing.T) {
	e := newEnv(t)
	local, district := e.actor("tomas.ekwaro"), e.actor("fenna.albrecq")
	r := e.declare(local, "birth", completeData("birth"))
	if slices.Contains(r.Flags, "late") {
		t.Fatalf("declared late: %v", r.Flags)
	}
	// The late page is asked for, as it is of a late declaration.
	late := lateBirth()
	edit := map[string]any{"child.dob": late["child.dob"], "mother.marriageDate": late["mother.marriageDate"]}
	_, err := e.svc.Act(e.ctx, local, r.ID, ActionRequest{Action: "validate", Version: r.Version, Data: mustJSON(t, edit)})
	if re := refusal(t, err, Invalid); !strings.Contains(fmt.Sprint(re.Details), "registration.lateReason") {
		t.Errorf("a late birth without its reason: %+v", re.Details)
	}
	for _, f := range []string{"registration.lateReason", "registration.lateEvidence", "registration.witnessName", "registration.witnessNid"} {
		edit[f] = late[f]
	}
	r = e.act(local, r, "validate", edit)
	if !slices.Contains(r.Flags, "late") || !slices.Contains(r.History[len(r.History)-1].AddFlags, "late") {
		t.Fatalf("flags %v, entry %+v", r.Flags, r.History[len(r.History)-1])
	}
	_, err = e.svc.Act(e.ctx, local, r.ID, ActionRequest{Action: "register", Version: r.Version})
	refusal(t, err, Conflict)
	if r = e.act(district, r, "register", nil); r.Status != "registered" {
		t.Errorf("status %s", r.Status)
	}
}

// TestAvailable: the actions offered are the ones Act allows, for every user of the matrix
// and a record in each state.
func TestAvailable(t *testing.T) {
	e := newEnv(t)
	for _, st := range []state{declared, validated, registered, rejected, correctionRequested} {
		for _, u := range matrixUsers {
			for _, office := range u.offices {
				r := e.recordIn("birth", office, st)
				actor := e.actor(u.user)
				offered := map[string]bool{}
				for _, a := range e.svc.Available(context.Background(), actor, r) {
					offered[a.ID] = true
				}
				for _, a := range e.m.Events["birth"].Event.Actions {
					if len(a.From) == 0 {
						continue
					}
					req := ActionRequest{Action: a.ID, Version: r.Version, Comment: "as the documents show"}
					if a.Edits == "proposal" {
						req.Data = mustJSON(t, correctionOf("birth"))
					}
					_, err := e.take(actor, r.ID, req)
					if (err == nil) != offered[a.ID] {
						t.Errorf("%s on a %s record at %s by %s: offered %v, Act: %v", a.ID, r.Status, office, u.user, offered[a.ID], err)
					}
					if err == nil { // taken: a fresh record for the next action
						r = e.recordIn("birth", office, st)
					}
				}
			}
		}
	}
}

// gatedStore is a test's SQLite store whose first n reads of a record wait for one another:
// n requests that all read the record before any of them writes.
type gatedStore struct {
	store.Store
	n     int
	mu    sync.Mutex
	reads int
	open  chan struct{}
}

func (g *gatedStore) Record(ctx context.Context, id string) (*store.Record, error) {
	r, err := g.Store.Record(ctx, id)
	g.mu.Lock()
	g.reads++
	if g.reads == g.n {
		close(g.open)
	}
	g.mu.Unlock()
	<-g.open
	return r, err
}

// An action's condition that does not hold is told in the package's words, by the part that
// failed: a hospital told where a late birth is declared, a local registrar why a late birth
// waits for the district; crvsctl's own words where the package gave none.
func TestConditionRefusalsSayWhichPartFailed(t *testing.T) {
	e := newEnv(t)
	refusal := func(err error) Detail {
		t.Helper()
		var re *Error
		if !errors.As(err, &re) || re.Kind != Conflict || len(re.Details) != 1 {
			t.Fatalf("got %v, want one conflict", err)
		}
		return re.Details[0]
	}

	_, _, err := e.svc.Declare(e.ctx, e.actor("marta.oyelund"), Declaration{Event: "birth", Data: mustJSON(t, lateBirth())})
	d := refusal(err)
	if d.Key != "birth.declare.late" || d.Path != "/action" || !strings.Contains(d.Message, "civil registration office") {
		t.Errorf("late birth declared by a hospital: got %+v, want the package's birth.declare.late in English", d)
	}

	e.uploadFiles("lidya.verhane")
	local := e.actor("lidya.verhane") // a local registrar
	late := e.declare(local, "birth", lateBirth())
	_, err = e.take(local, late.ID, ActionRequest{Action: "register", Version: late.Version})
	if d := refusal(err); d.Key != "birth.register.late" {
		t.Errorf("late birth registered by a local registrar: got %+v, want birth.register.late", d)
	}
	dup := e.flagPossibleDuplicate(e.declare(local, "birth", completeData("birth")))
	_, err = e.take(local, dup.ID, ActionRequest{Action: "register", Version: dup.Version})
	if d := refusal(err); d.Key != "birth.register.duplicate" {
		t.Errorf("possible duplicate registered: got %+v, want birth.register.duplicate (the first part that fails)", d)
	}
	// mark-duplicate's condition has no message: crvsctl's.
	plain := e.declare(local, "birth", completeData("birth"))
	_, err = e.take(e.actor("ilena.marvosa"), plain.ID, ActionRequest{Action: "mark-duplicate", Version: plain.Version})
	if d := refusal(err); d.Key != "ui.problem.condition" {
		t.Errorf("mark-duplicate without the flag: got %+v, want ui.problem.condition", d)
	}
}
