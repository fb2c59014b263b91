package records

import (
	"slices"
	"testing"
)

// datedEnv is newEnv over nerovia with places over time: Dravik (NV0102) ended on 2026-06-30,
// Amberu (NV0103) took its place, and Solenne (NV0104) began on 2026-07-01.
func datedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	b := *e.m.Bundle
	b.Areas = slices.Clone(b.Areas)
	for i := range b.Areas {
		switch b.Areas[i].Code {
		case "NV0102":
			b.Areas[i].ValidTo, b.Areas[i].Successors = "2026-06-30", []string{"NV0103"}
		case "NV0104":
			b.Areas[i].ValidFrom = "2026-07-01"
		}
	}
	m, err := NewModel(&b)
	if err != nil {
		t.Fatal(err)
	}
	e.m, e.svc.Model = m, m
	return e
}

func TestPlaceOfTheEventsDate(t *testing.T) {
	e := datedEnv(t)
	clerk := e.actor("marta.oyelund")
	birth := func(district, dob string) map[string]any {
		d := completeData("birth")
		d["child.birthDistrict"], d["child.dob"] = district, dob
		return d
	}

	// The birth of 2026-11-02 in Dravik, which ended in June: refused at the field, with
	// the successor named.
	_, _, err := e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: mustJSON(t, birth("NV0102", "2026-11-02"))})
	re := refusal(t, err, Invalid)
	if len(re.Details) != 1 || re.Details[0].Path != "/data/child.birthDistrict" || re.Details[0].Key != "ui.problem.placeEndedSuccessors" {
		t.Fatalf("a birth in an area that ended: %+v", re.Details)
	}
	d := re.Details[0]
	want := "area NV0102 (Dravik) ended on 2026-06-30, before the date of the event 2026-11-02: its successors are NV0103 (Amberu)"
	if d.Message != want || d.Args["successors"] != "NV0103 (Amberu)" || d.Args["end"] != "2026-06-30" || d.Args["date"] != "2026-11-02" {
		t.Errorf("problem %+v, want the message %q", d, want)
	}

	// In its successor: accepted.
	e.declare(clerk, "birth", birth("NV0103", "2026-11-02"))

	// Born before Dravik ended: placed in Dravik, as it was then.
	old := e.declare(clerk, "birth", birth("NV0102", "2026-05-10"))

	// Solenne did not exist yet in May.
	_, _, err = e.svc.Declare(e.ctx, clerk, Declaration{Event: "birth", Data: mustJSON(t, birth("NV0104", "2026-05-10"))})
	if re := refusal(t, err, Invalid); len(re.Details) != 1 || re.Details[0].Key != "ui.problem.placeNotBegun" || re.Details[0].Args["begin"] != "2026-07-01" {
		t.Errorf("a birth in an area not yet begun: %+v", re.Details)
	}
	e.declare(clerk, "birth", birth("NV0104", "2026-11-02"))

	// The record of May keeps Dravik through an edit of something else; an edit that moves
	// its date after Dravik's end is refused.
	if p := e.svc.Problems(clerk, "birth", mustJSON(t, birth("NV0102", ""))); p == nil ||
		!slices.ContainsFunc(p.Details, func(d Detail) bool {
			return d.Path == "/data/child.birthDistrict" && d.Args["date"] == testNow.Format("2006-01-02")
		}) {
		t.Errorf("without a date of birth, the place is not compared with today: %+v", p)
	}
	var data = dataOf(t, old)
	registrar := e.setupAt("CR0101")
	ev := e.m.Events["birth"]
	if err := e.svc.evaluate(ev, withAnswer(data, "child.weight", 3.4), data, e.svc.RuleContext(registrar, old)); err != nil {
		t.Errorf("an edit of the weight of a birth of Dravik in May: %v", err)
	}
	if err := e.svc.evaluate(ev, withAnswer(data, "child.dob", "2026-07-02"), data, e.svc.RuleContext(registrar, old)); err == nil ||
		!slices.Contains(paths(err), "/data/child.birthDistrict") {
		t.Errorf("an edit of the date of birth after Dravik ended: %v", err)
	}
}

// TestPlacesWithoutDates: a package without dates has no spans to look up.
func TestPlacesWithoutDates(t *testing.T) {
	if m := nerovia(t); m.spans != nil {
		t.Errorf("spans of a package without dates: %v", m.spans)
	}
}

func withAnswer(data map[string]any, id string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range data {
		out[k] = x
	}
	out[id] = v
	return out
}
