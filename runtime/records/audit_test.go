package records

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

func (e *env) auditLog(q store.AuditQuery) []store.AuditEntry {
	e.t.Helper()
	q.Oldest = true
	p, err := e.st.AuditLog(e.ctx, q)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Entries
}

// Every action on a record is in the audit log, in order, with the record's place; a print is
// a print; and the chain holds.
func TestAuditedActions(t *testing.T) {
	e := newEnv(t)
	registrar := e.actor("lidya.verhane") // local registrar at CR0101
	r := e.declare(registrar, "birth", completeData("birth"))
	r = e.act(registrar, r, "validate", nil)
	r = e.act(registrar, r, "register", nil)
	clerk := e.actor("elsa.marunde")
	if _, _, err := e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: r.Version}); err != nil {
		t.Fatal(err)
	}
	got := e.auditLog(store.AuditQuery{Record: r.ID})
	var kinds []string
	for _, a := range got {
		kinds = append(kinds, a.Kind+" "+a.Action+" "+a.User)
		if a.Office != "CR0101" || !slices.Equal(a.Areas, r.Areas) || a.Hash != store.AuditHash(&a) {
			t.Errorf("entry %d: office %s areas %v, want the record's %s %v", a.Seq, a.Office, a.Areas, r.Office, r.Areas)
		}
	}
	want := []string{"action declare lidya.verhane", "action validate lidya.verhane", "action register lidya.verhane", "print print elsa.marunde"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("audit entries:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(want, "\n"))
	}
	var reg, printed auditDetails
	json.Unmarshal(got[2].Details, &reg)
	json.Unmarshal(got[3].Details, &printed)
	var number struct{ Number string }
	json.Unmarshal(got[2].Details, &number)
	if reg.Version != 3 || reg.Status != "registered" || number.Number == "" {
		t.Errorf("registration's entry: %s", got[2].Details)
	}
	if printed.Serial == "" || printed.Copies != 1 || printed.Template == "" {
		t.Errorf("print's entry: %s", got[3].Details)
	}
	// No value of the record is in the log: field names at most.
	for _, a := range got {
		if strings.Contains(string(a.Details), "Tesfaye") {
			t.Errorf("entry %d holds a value of the record: %s", a.Seq, a.Details)
		}
	}
}

// Reads are written for the roles the package marks audited, and only for them.
func TestAuditedReads(t *testing.T) {
	e := newEnv(t)
	r := e.recordIn("birth", "CR0101", registered)
	before := len(e.auditLog(store.AuditQuery{}))
	if _, err := e.svc.Read(e.ctx, e.actor("lidya.verhane"), r.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.auditLog(store.AuditQuery{})); n != before {
		t.Fatalf("a read by a role not audited was written: %d entries, %d before", n, before)
	}
	analyst := e.actor("yara.belcourt") // performance manager: audited
	if _, err := e.svc.Read(e.ctx, analyst, r.ID); err != nil {
		t.Fatal(err)
	}
	reads := e.auditLog(store.AuditQuery{Kind: store.AuditRead})
	if len(reads) != 1 || reads[0].User != "yara.belcourt" || reads[0].Record != r.ID || reads[0].Office != "CR0101" || reads[0].Role != "performance-manager" {
		t.Fatalf("reads: %+v", reads)
	}
	// A record outside the jurisdiction, or none, is not read and not written.
	if _, err := e.svc.Read(e.ctx, analyst, "NOSUCHREC0"); outcomeOf(err) != notFound {
		t.Fatalf("read of no record: %v", err)
	}
	if n := len(e.auditLog(store.AuditQuery{Kind: store.AuditRead})); n != 1 {
		t.Errorf("%d reads written, want 1", n)
	}
}

// The log is read by the roles the package lets, within their jurisdiction.
func TestAuditLogJurisdiction(t *testing.T) {
	e := newEnv(t)
	here := e.recordIn("birth", "CR0101", declared)  // district D01's
	there := e.recordIn("birth", "CR0203", declared) // another district's
	q, err := e.svc.AuditQueryOf(url.Values{"from": {"2020-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(a *Actor) []string {
		t.Helper()
		p, err := e.svc.AuditLog(e.ctx, a, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range p.Entries {
			out = append(out, x.Record)
		}
		return out
	}
	if got := ids(e.actor("fenna.albrecq")); !slices.Equal(got, []string{here.ID}) { // district registrar at CR0101
		t.Errorf("district registrar reads %v, want %s only", got, here.ID)
	}
	if got := ids(e.actor("ilena.marvosa")); !slices.Equal(got, []string{there.ID, here.ID}) {
		t.Errorf("national registrar reads %v, want both, newest first", got)
	}
	if _, err := e.svc.AuditLog(e.ctx, e.actor("lidya.verhane"), q); outcomeOf(err) != forbidden {
		t.Errorf("a role without auditLog: %v, want Forbidden", err)
	}
	for _, bad := range []url.Values{{"from": {"2026-13-01"}}, {"after": {"x"}}} {
		if _, err := e.svc.AuditQueryOf(bad); outcomeOf(err) != badReq {
			t.Errorf("%v: %v, want BadRequest", bad, err)
		}
	}
}
