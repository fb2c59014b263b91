package records

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// nerovia's duplicate rules: a birth declared twice (by two offices, typed differently) is
// flagged, the flag stops its registration, and a district registrar decides.

// candidatesOf are the possible duplicates the record's last entry lists.
func candidatesOf(t *testing.T, r *store.Record) []string {
	t.Helper()
	var out []string
	for _, c := range openCandidates(r) {
		out = append(out, c.Record)
	}
	return out
}

func TestABirthDeclaredTwiceIsFlagged(t *testing.T) {
	e := newEnv(t)
	first := e.declare(e.actor("marta.oyelund"), "birth", completeData("birth")) // HF001, NV0101
	mother := dataOf(t, first)["mother.name"].(map[string]any)
	again := sameData("birth")
	maps.Copy(again, map[string]any{
		// The same child, typed by another office with a typo, the mother's names swapped
		// and the birth a day later.
		"child.name":  map[string]any{"given": "Amarra", "family": "Tesfaye"},
		"child.dob":   "2026-11-03",
		"mother.name": map[string]any{"given": mother["family"], "family": mother["given"]},
		"mother.dob":  dataOf(t, first)["mother.dob"],
		"mother.nid":  "9999999999",
	})
	second := e.declare(e.actor("tomas.ekwaro"), "birth", again)
	if !slices.Contains(second.Flags, "possible-duplicate") {
		t.Fatalf("second declaration flags %v, want possible-duplicate", second.Flags)
	}
	if got := candidatesOf(t, e.get(second.ID)); !slices.Equal(got, []string{first.ID}) {
		t.Errorf("candidates %v, want [%s]", got, first.ID)
	}
	if e.get(first.ID).Version != 1 {
		t.Errorf("the first declaration was changed by the second's check")
	}

	// The flag stops the second's registration.
	_, err := e.take(e.actor("tomas.ekwaro"), second.ID, ActionRequest{Action: "register", Version: second.Version})
	refusal(t, err, Conflict)

	// Registering the first finds the second: it is flagged too, not registered, and the
	// history says what was found.
	district := e.actor("fenna.albrecq")
	_, err = e.take(district, first.ID, ActionRequest{Action: "register", Version: 1})
	re := refusal(t, err, Conflict)
	if re.Details[0].Code != "possible-duplicate" || !strings.Contains(re.Details[0].Message, second.ID) {
		t.Errorf("refusal %+v, want possible-duplicate naming %s", re.Details, second.ID)
	}
	f := e.get(first.ID)
	if f.Status != "declared" || !slices.Contains(f.Flags, "possible-duplicate") || f.Number != "" {
		t.Fatalf("first after its register found a duplicate: status %s flags %v number %q", f.Status, f.Flags, f.Number)
	}
	if last := f.History[len(f.History)-1]; last.Action != FoundAction || !slices.Contains(candidatesOf(t, f), second.ID) {
		t.Errorf("first's last entry %s, candidates %v", last.Action, candidatesOf(t, f))
	}

	// The district registrar marks the second a duplicate of the first: archived, linked.
	s := e.get(second.ID)
	dup, err := e.take(district, s.ID, ActionRequest{Action: "mark-duplicate", Version: s.Version, DuplicateOf: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	if dup.Status != "duplicate" || slices.Contains(dup.Flags, "possible-duplicate") {
		t.Errorf("marked duplicate: status %s flags %v", dup.Status, dup.Flags)
	}
	if !slices.Equal(dup.Keys, store.WithFuzzyKeys([]string{duplicates.DuplicateOf + first.ID}, titleWords(dup))) {
		t.Errorf("the duplicate's keys %v, want only its link and its names'", dup.Keys)
	}
	of, err := e.svc.DuplicatesOf(e.ctx, district, f)
	if err != nil || len(of) != 1 || of[0].ID != second.ID {
		t.Errorf("duplicates of the first: %v %v", of, err)
	}

	// The first keeps the flag its registration raised: the reviewer says it is not a
	// duplicate (it is the original).
	f = e.get(first.ID)
	f = e.act(district, f, "not-duplicate", nil)
	if slices.Contains(f.Flags, "possible-duplicate") {
		t.Fatalf("flags after not-duplicate: %v", f.Flags)
	}
	// Now it registers: the second, a duplicate, is no candidate any more.
	f = e.act(district, f, "register", nil)
	if f.Status != "registered" || f.Number == "" {
		t.Errorf("first: status %s number %q", f.Status, f.Number)
	}
}

func TestNotADuplicateIsNeverRaisedAgain(t *testing.T) {
	e := newEnv(t)
	// The same answers twice: a reviewer who knows better (a clerk's test entry turned real,
	// say) says they are two births.
	first := e.declare(e.actor("marta.oyelund"), "birth", completeData("birth"))
	again := declarable(e.m, "birth", dataOf(t, first))
	again["child.name"] = map[string]any{"given": "Amara", "family": "Tesfaye"}
	second := e.declare(e.actor("marta.oyelund"), "birth", again)
	if !slices.Contains(second.Flags, "possible-duplicate") {
		t.Fatalf("flags %v", second.Flags)
	}
	district := e.actor("fenna.albrecq")
	second = e.act(district, e.get(second.ID), "not-duplicate", nil)
	if !slices.Contains(second.Keys, duplicates.Distinct+first.ID) {
		t.Errorf("keys %v lack the pair", second.Keys)
	}
	// Both register: neither raises the other again.
	second = e.act(district, second, "register", nil)
	f := e.act(district, e.get(first.ID), "register", nil)
	if second.Status != "registered" || f.Status != "registered" {
		t.Errorf("statuses %s %s", second.Status, f.Status)
	}
}

func TestDuplicateReviewByJurisdiction(t *testing.T) {
	e := newEnv(t)
	first := e.declare(e.actor("marta.oyelund"), "birth", completeData("birth")) // HF001, in NV0101
	again := declarable(e.m, "birth", dataOf(t, first))
	second := e.declare(e.setupAt("CR0203"), "birth", again) // another district
	if !slices.Contains(second.Flags, "possible-duplicate") {
		t.Fatalf("flags %v", second.Flags)
	}
	// The district registrar of CR0203 reads the second, not the first.
	other := e.actor("daniel.morvesh")
	items, err := e.svc.Candidates(e.ctx, other, e.get(second.ID))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || !items[0].Outside || items[0].Record != nil || items[0].Candidate.Record != "" {
		t.Fatalf("candidates seen from CR0203: %+v", items)
	}
	if !slices.ContainsFunc(items[0].Reviewers, func(r Reviewer) bool { return r.Role == "national-registrar" }) {
		t.Errorf("reviewers %q name no national registrar", items[0].Reviewers)
	}
	// Neither decision is theirs to take.
	for _, req := range []ActionRequest{
		{Action: "mark-duplicate", Version: second.Version, DuplicateOf: first.ID},
		{Action: "not-duplicate", Version: second.Version},
	} {
		_, err := e.take(other, second.ID, req)
		if re := refusal(t, err, Forbidden); re.Details[0].Code != "outside-jurisdiction" {
			t.Errorf("%s: %+v", req.Action, re.Details)
		}
	}
	// The history as the API gives it to them names no record outside.
	for _, entry := range e.svc.Redact(other, e.get(second.ID).History) {
		if strings.Contains(string(entry.Details), first.ID) {
			t.Errorf("redacted entry names the record outside: %s", entry.Details)
		}
	}
	// A national registrar decides.
	national := e.actor("ilena.marvosa")
	items, _ = e.svc.Candidates(e.ctx, national, e.get(second.ID))
	if len(items) != 1 || items[0].Record == nil || items[0].Record.ID != first.ID {
		t.Fatalf("candidates seen nationally: %+v", items)
	}
	if _, err := e.take(national, second.ID, ActionRequest{Action: "mark-duplicate", Version: second.Version, DuplicateOf: "NOTACANDIDATE"}); err == nil {
		t.Error("marked a duplicate of a record that is no candidate")
	}
	dup, err := e.take(national, second.ID, ActionRequest{Action: "mark-duplicate", Version: second.Version, DuplicateOf: first.ID})
	if err != nil || dup.Status != "duplicate" {
		t.Fatalf("mark-duplicate: %v", err)
	}
}

func TestADeclarationSentTwiceIsNoDuplicate(t *testing.T) {
	e := newEnv(t)
	a := e.actor("marta.oyelund")
	d := Declaration{Event: "birth", Data: mustJSON(t, completeData("birth")), IdempotencyKey: "k-1"}
	first, created, err := e.svc.Declare(e.ctx, a, d)
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := e.svc.Declare(e.ctx, a, d)
	if err != nil || created || again.ID != first.ID || len(again.Flags) != 0 {
		t.Fatalf("sent again: %v created %v id %s flags %v", err, created, again.ID, again.Flags)
	}
}

func TestNamesInOtherScriptsAreDuplicates(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, first, again [2]string }{
		{name: [2]string{"ethiopic"}, first: [2]string{"Abebe", "Kebede"}, again: [2]string{"አበበ", "ከበደ"}},
		{name: [2]string{"latin accents"}, first: [2]string{"Élodie", "Traoré"}, again: [2]string{"Elodie", "Traore"}},
		{name: [2]string{"arabic"}, first: [2]string{"Fatima", "Hassan"}, again: [2]string{"فاطمة", "حسن"}},
	} {
		t.Run(tc.name[0], func(t *testing.T) {
			e := e.with(t)
			d := completeData("birth")
			d["child.name"] = map[string]any{"given": tc.first[0], "family": tc.first[1]}
			first := e.declare(e.actor("marta.oyelund"), "birth", d)
			d2 := declarable(e.m, "birth", dataOf(t, first))
			d2["child.name"] = map[string]any{"given": tc.again[0], "family": tc.again[1]}
			second := e.declare(e.actor("marta.oyelund"), "birth", d2)
			if got := candidatesOf(t, e.get(second.ID)); !slices.Contains(got, first.ID) {
				t.Errorf("%v then %v: candidates %v", tc.first, tc.again, got)
			}
		})
	}
}

func TestDuplicateDetailsAreJSON(t *testing.T) {
	var d DuplicateDetails
	raw := withDetails(json.RawMessage(`{"copies":2}`), DuplicateDetails{Duplicates: []Candidate{{Record: "A", Rule: "r"}}})
	if err := json.Unmarshal(raw, &d); err != nil || len(d.Duplicates) != 1 || !strings.Contains(string(raw), `"copies":2`) {
		t.Errorf("details %s: %v", raw, err)
	}
}

// A record stored without keys (by an older crvsctl, or under rules whose blocks were
// other) is found as a candidate once Rekey has given it the bundle's keys.
func TestRekeyFindsOlderRecords(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("marta.oyelund")
	old := e.declare(clerk, "birth", completeData("birth"))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.st.SetIndex(e.ctx, old.ID, old.Version, nil, nil, ""))
	if read, n, err := e.svc.Rekey(e.ctx, "birth"); err != nil || read != 1 || n != 1 {
		t.Fatalf("Rekey: %d of %d records, %v; want 1 of 1", n, read, err)
	}
	if _, n, err := e.svc.Rekey(e.ctx, "birth"); err != nil || n != 0 {
		t.Errorf("Rekey again: %d records, %v; want none", n, err)
	}
	again := e.declare(clerk, "birth", declarable(e.m, "birth", dataOf(t, old)))
	if got := candidatesOf(t, e.get(again.ID)); !slices.Equal(got, []string{old.ID}) {
		t.Errorf("candidates %v, want the rekeyed %s", got, old.ID)
	}
	// A record marked a duplicate keeps its link only, and the keys that find it by a
	// mistyped name (as it is found by its name): it is never a candidate again.
	district := e.actor("fenna.albrecq")
	a := e.get(again.ID)
	dup, err := e.take(district, a.ID, ActionRequest{Action: "mark-duplicate", Version: a.Version, DuplicateOf: old.ID})
	must(err)
	if _, n, err := e.svc.Rekey(e.ctx, "birth"); err != nil || n != 0 {
		t.Errorf("Rekey after a duplicate was marked: %d, %v", n, err)
	}
	dk := e.get(dup.ID)
	if got := slices.DeleteFunc(slices.Clone(dk.Keys), func(k string) bool { return strings.HasPrefix(k, store.FuzzyPrefix) }); !slices.Equal(got, []string{duplicates.DuplicateOf + old.ID}) ||
		len(dk.Keys) != 1+len(store.FuzzyKeys(titleWords(dk))) {
		t.Errorf("the duplicate's keys after Rekey: %v", got)
	}
}

// duplicateOf is refused where it does not belong, and required where it does, with the
// request's path; nothing changes.
func TestDuplicateOfRefusals(t *testing.T) {
	e := newEnv(t)
	first := e.declare(e.actor("marta.oyelund"), "birth", completeData("birth"))
	second := e.declare(e.actor("marta.oyelund"), "birth", declarable(e.m, "birth", dataOf(t, first)))
	district := e.actor("fenna.albrecq")
	for _, tc := range []struct {
		req  ActionRequest
		code string
	}{
		{ActionRequest{Action: "validate", Version: second.Version, DuplicateOf: first.ID}, "not-allowed"},
		{ActionRequest{Action: "not-duplicate", Version: second.Version, DuplicateOf: first.ID}, "not-allowed"},
		{ActionRequest{Action: "mark-duplicate", Version: second.Version}, "required"},
		{ActionRequest{Action: "mark-duplicate", Version: second.Version, DuplicateOf: second.ID}, "not-a-candidate"},
	} {
		_, err := e.take(district, second.ID, tc.req)
		if re := refusal(t, err, BadRequest); re.Details[0].Path != "/duplicateOf" || re.Details[0].Code != tc.code {
			t.Errorf("%s with duplicateOf %q: %+v, want /duplicateOf %s", tc.req.Action, tc.req.DuplicateOf, re.Details, tc.code)
		}
	}
	if got := e.get(second.ID); got.Version != second.Version || !slices.Contains(got.Flags, "possible-duplicate") {
		t.Errorf("refusals changed the record: version %d, flags %v", got.Version, got.Flags)
	}
	// A record without the flag has nothing to review.
	_, err := e.take(district, first.ID, ActionRequest{Action: "mark-duplicate", Version: first.Version, DuplicateOf: second.ID})
	if outcomeOf(err) != conflict {
		t.Errorf("mark-duplicate of an unflagged record: %v, want a conflict", err)
	}
}
