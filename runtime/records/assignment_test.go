package records

import (
	"testing"
	"time"
)

// Nerovia's corrections are decided by the registrar who holds the record: assigned to
// themselves, refused to the others meanwhile, released by them or a supervisor, ended by
// itself after eight hours.
func TestAssignment(t *testing.T) {
	e := newEnv(t)
	fenna, ilena := e.actor("fenna.albrecq"), e.actor("ilena.marvosa")   // district, national
	lidya, daniel := e.actor("lidya.verhane"), e.actor("daniel.morvesh") // local of fenna's area, district of another
	r := e.recordIn("birth", "HF004", correctionRequested)
	approve := func(a *Actor) error {
		_, err := e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "approve-correction", Version: r.Version})
		return err
	}
	code := func(err error, want Kind, code string) {
		t.Helper()
		if re := refusal(t, err, want); re.Details[0].Code != code {
			t.Errorf("refused with %+v, want code %s", re.Details, code)
		}
	}
	holder := func() string {
		t.Helper()
		a, err := e.svc.Holder(e.ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if a == nil {
			return ""
		}
		return a.User
	}

	// Not assigned: the action is refused, and says what to do.
	code(approve(fenna), Conflict, "not-assigned")

	start := e.clock.Now()
	a, err := e.svc.Assign(e.ctx, fenna, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.User != "fenna.albrecq" || a.Until.Sub(start) < 8*time.Hour || a.Until.Sub(start) > 8*time.Hour+time.Second {
		t.Errorf("assigned %+v at %v, want fenna for eight hours", a, start)
	}
	if h := holder(); h != "fenna.albrecq" {
		t.Errorf("holder %q", h)
	}
	// Assigning is no action: the record's version and history stay.
	if got := e.get(r.ID); got.Version != r.Version || len(got.History) != len(r.History) {
		t.Errorf("assigning moved the record to version %d, %d entries", got.Version, len(got.History))
	}

	// Others cannot act nor take it; they are told who holds it and until when.
	err = approve(ilena)
	code(err, Conflict, "assigned-to-other")
	if d := err.(*Error).Details[0]; d.Args["name"] != "Fenna Albrecq" || d.Args["user"] != "fenna.albrecq" || d.Args["until"] == "" || d.Key != "ui.problem.assignedToOther" {
		t.Errorf("refusal %+v", d)
	}
	_, err = e.svc.Assign(e.ctx, ilena, r.ID)
	code(err, Conflict, "assigned-to-other")
	// A local registrar takes no correction decision: may not assign it, nor release hers.
	_, err = e.svc.Assign(e.ctx, lidya, r.ID)
	code(err, Forbidden, "forbidden")
	code(e.svc.Release(e.ctx, lidya, r.ID), Forbidden, "forbidden")
	// Outside their jurisdiction, the record is not there.
	_, err = e.svc.Assign(e.ctx, daniel, r.ID)
	code(err, NotFound, "not-found")
	code(e.svc.Release(e.ctx, daniel, r.ID), NotFound, "not-found")
	if h := holder(); h != "fenna.albrecq" {
		t.Errorf("holder %q after refusals", h)
	}

	// Released by the holder: anyone may take it.
	if err := e.svc.Release(e.ctx, fenna, r.ID); err != nil {
		t.Fatal(err)
	}
	if h := holder(); h != "" {
		t.Errorf("holder %q after release", h)
	}
	if err := e.svc.Release(e.ctx, fenna, r.ID); err != nil {
		t.Errorf("releasing a record nobody holds: %v", err)
	}

	// Released by a supervisor (a national registrar, releasedBy) while fenna holds it.
	if _, err := e.svc.Assign(e.ctx, fenna, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Release(e.ctx, ilena, r.ID); err != nil {
		t.Fatalf("release by a supervisor: %v", err)
	}
	if h := holder(); h != "" {
		t.Errorf("holder %q after a supervisor's release", h)
	}

	// An assignment ends by itself: eight hours on, another takes it over and acts.
	if _, err := e.svc.Assign(e.ctx, fenna, r.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(7*time.Hour + 59*time.Minute))
	code(approve(ilena), Conflict, "assigned-to-other")
	e.clock.Set(e.clock.Now().Add(2 * time.Minute))
	if h := holder(); h != "" {
		t.Errorf("holder %q after eight hours", h)
	}
	code(approve(ilena), Conflict, "not-assigned")
	if _, err := e.svc.Assign(e.ctx, ilena, r.ID); err != nil {
		t.Fatalf("assign once ended: %v", err)
	}
	code(approve(fenna), Conflict, "assigned-to-other")
	// Assigning again extends the holder's time.
	if a, err := e.svc.Assign(e.ctx, ilena, r.ID); err != nil || a.User != "ilena.marvosa" {
		t.Fatalf("assign again: %+v, %v", a, err)
	}
	if err := approve(ilena); err != nil {
		t.Fatalf("approve by the holder: %v", err)
	}
	// Decided: nothing left that needs it, the hold is released.
	if h := holder(); h != "" {
		t.Errorf("holder %q once the correction is decided", h)
	}

	// With no correction pending, no action needing an assignment is open: nothing to assign.
	_, err = e.svc.Assign(e.ctx, fenna, r.ID)
	code(err, Forbidden, "forbidden")
	// Actions that need none are taken without (print, by a local registrar).
	e.act(lidya, e.get(r.ID), "print", nil)
}
