package records

import (
	"strings"
	"testing"
)

// The role × action × jurisdiction matrix of nerovia, each cell asserted.
//
// The expectations are written by hand from countries/nerovia/roles.cue, never computed from
// the model: a test that asks the code under test what to expect proves nothing. When
// roles.cue changes, this table is meant to be read and changed with it.

// Where the record is, relative to the acting user.
const (
	ownOffice = iota // declared at the user's own office
	sameArea         // at another office within the area of the user's office
	elsewhere        // in another province
)

var jurisdictionNames = [3]string{"own-office", "same-area", "elsewhere"}

// matrixUser is the user of users.csv who plays a role, and the offices where the records of
// each column are declared (offices.csv and areas.csv give their areas).
type matrixUser struct {
	role, user string
	offices    [3]string
}

var matrixUsers = []matrixUser{
	// office jurisdiction: HF002 is in the same commune NV010101 as HF001, but another office.
	{"hospital-clerk", "marta.oyelund", [3]string{"HF001", "HF002", "HF030"}},
	// office jurisdiction: Zimbana Health Centre is in the agent's commune NV010302.
	{"registration-agent", "amani.desgorel", [3]string{"CR010302", "HF013", "HF030"}},
	// area NV010102 (Terir commune): Terir Health Centre is in it.
	{"local-registrar", "tomas.ekwaro", [3]string{"CR010102", "HF004", "HF030"}},
	// area NV0101 (the district): Velmora General Hospital is in commune NV010101, below it.
	{"district-registrar", "fenna.albrecq", [3]string{"CR0101", "HF001", "HF030"}},
	// nation; CRHQ's area is NV0101, where the district office CR0101 also is.
	{"national-registrar", "ilena.marvosa", [3]string{"CRHQ", "CR0101", "HF030"}},
	// area NV0101, at the district office's certificate counter.
	{"certificate-clerk", "elsa.marunde", [3]string{"CR0101", "HF001", "HF030"}},
	// nation, no grants.
	{"performance-manager", "yara.belcourt", [3]string{"CRHQ", "CR0101", "HF030"}},
	// area NV0302 (Morvane district), statistics only: Morvane District Hospital is in its
	// commune NV030201; Velmora General Hospital in another province.
	{"district-statistician", "liya.mernasso", [3]string{"CR0302", "HF034", "HF001"}},
	// nation, administers users (runtime/users): no grants, no reads.
	{"user-admin", "nadia.ferrow", [3]string{"CRHQ", "CR0101", "HF030"}},
}

// Short names, so that the table below reads as a table.
const (
	OK = allowed
	FB = forbidden
	NF = notFound
)

// readMatrix is Get by role and jurisdiction. A role reads the records of an event it may take
// an action on, or that the package says it reads, within its jurisdiction: office roles only
// their office's, area roles their area and everything below it, nation roles everything.
// performance-manager reads the whole country and acts on nothing.
var readMatrix = map[string][3]outcome{
	"hospital-clerk":      {OK, NF, NF},
	"registration-agent":  {OK, NF, NF},
	"local-registrar":     {OK, OK, NF},
	"district-registrar":  {OK, OK, NF},
	"national-registrar":  {OK, OK, OK},
	"certificate-clerk":   {OK, OK, NF},
	"performance-manager": {OK, OK, OK},
	// Statistics are counts: the role reads no record, even in its district.
	"district-statistician": {NF, NF, NF},
	// User administrators read no record.
	"user-admin": {NF, NF, NF},
}

// declareMatrix is Declare by role: the record is declared at the user's own office, so the
// jurisdiction does not apply. Each creating action is named in the declaration.
var declareMatrix = map[string]map[string]outcome{ // role -> "event/action" -> outcome
	"hospital-clerk":        {"birth/declare": OK, "birth/declare-late": FB, "death/declare": OK},
	"registration-agent":    {"birth/declare": OK, "birth/declare-late": OK, "death/declare": OK},
	"local-registrar":       {"birth/declare": OK, "birth/declare-late": OK, "death/declare": OK},
	"district-registrar":    {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
	"national-registrar":    {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
	"certificate-clerk":     {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
	"performance-manager":   {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
	"district-statistician": {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
	"user-admin":            {"birth/declare": FB, "birth/declare-late": FB, "death/declare": FB},
}

// actMatrix is every action on existing records, by event, role and jurisdiction. Outside the
// jurisdiction a record does not exist for the user (NotFound) whatever the grants; within
// it, an action not granted is Forbidden. Birth and death have the same grants in roles.cue,
// and are written out both, so that a change to one is caught.
var actMatrix = map[string]map[string]map[string][3]outcome{ // event -> role -> action -> outcomes
	"birth": {
		"hospital-clerk": {
			"validate":           {FB, NF, NF},
			"register":           {FB, NF, NF},
			"reject":             {FB, NF, NF},
			"resubmit":           {OK, NF, NF},
			"archive":            {FB, NF, NF},
			"revoke":             {FB, NF, NF},
			"mark-duplicate":     {FB, NF, NF},
			"not-duplicate":      {FB, NF, NF},
			"request-correction": {FB, NF, NF},
			"approve-correction": {FB, NF, NF},
			"reject-correction":  {FB, NF, NF},
			"print":              {FB, NF, NF},
		},
		"registration-agent": {
			"validate":           {FB, NF, NF},
			"register":           {FB, NF, NF},
			"reject":             {FB, NF, NF},
			"resubmit":           {OK, NF, NF},
			"archive":            {FB, NF, NF},
			"revoke":             {FB, NF, NF},
			"mark-duplicate":     {FB, NF, NF},
			"not-duplicate":      {FB, NF, NF},
			"request-correction": {FB, NF, NF},
			"approve-correction": {FB, NF, NF},
			"reject-correction":  {FB, NF, NF},
			"print":              {FB, NF, NF},
		},
		"local-registrar": {
			"validate":           {OK, OK, NF},
			"register":           {OK, OK, NF},
			"reject":             {OK, OK, NF},
			"resubmit":           {OK, OK, NF},
			"archive":            {FB, FB, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {FB, FB, NF},
			"not-duplicate":      {FB, FB, NF},
			"request-correction": {OK, OK, NF},
			"approve-correction": {FB, FB, NF},
			"reject-correction":  {FB, FB, NF},
			"print":              {OK, OK, NF},
		},
		"district-registrar": {
			"validate":           {OK, OK, NF},
			"register":           {OK, OK, NF},
			"reject":             {OK, OK, NF},
			"resubmit":           {FB, FB, NF},
			"archive":            {OK, OK, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {OK, OK, NF},
			"not-duplicate":      {OK, OK, NF},
			"request-correction": {FB, FB, NF},
			"approve-correction": {OK, OK, NF},
			"reject-correction":  {OK, OK, NF},
			"print":              {OK, OK, NF},
		},
		"national-registrar": {
			"validate":           {OK, OK, OK},
			"register":           {OK, OK, OK},
			"reject":             {OK, OK, OK},
			"resubmit":           {FB, FB, FB},
			"archive":            {OK, OK, OK},
			"revoke":             {OK, OK, OK},
			"mark-duplicate":     {OK, OK, OK},
			"not-duplicate":      {OK, OK, OK},
			"request-correction": {FB, FB, FB},
			"approve-correction": {OK, OK, OK},
			"reject-correction":  {OK, OK, OK},
			"print":              {OK, OK, OK},
		},
		"certificate-clerk": {
			"validate":           {FB, FB, NF},
			"register":           {FB, FB, NF},
			"reject":             {FB, FB, NF},
			"resubmit":           {FB, FB, NF},
			"archive":            {FB, FB, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {FB, FB, NF},
			"not-duplicate":      {FB, FB, NF},
			"request-correction": {FB, FB, NF},
			"approve-correction": {FB, FB, NF},
			"reject-correction":  {FB, FB, NF},
			"print":              {OK, OK, NF},
		},
		// Reads everything, takes no action.
		"performance-manager": {
			"validate":           {FB, FB, FB},
			"register":           {FB, FB, FB},
			"reject":             {FB, FB, FB},
			"resubmit":           {FB, FB, FB},
			"archive":            {FB, FB, FB},
			"revoke":             {FB, FB, FB},
			"mark-duplicate":     {FB, FB, FB},
			"not-duplicate":      {FB, FB, FB},
			"request-correction": {FB, FB, FB},
			"approve-correction": {FB, FB, FB},
			"reject-correction":  {FB, FB, FB},
			"print":              {FB, FB, FB},
		},
		"district-statistician": {
			"validate":           {NF, NF, NF},
			"register":           {NF, NF, NF},
			"reject":             {NF, NF, NF},
			"resubmit":           {NF, NF, NF},
			"archive":            {NF, NF, NF},
			"revoke":             {NF, NF, NF},
			"mark-duplicate":     {NF, NF, NF},
			"not-duplicate":      {NF, NF, NF},
			"request-correction": {NF, NF, NF},
			"approve-correction": {NF, NF, NF},
			"reject-correction":  {NF, NF, NF},
			"print":              {NF, NF, NF},
		},
		"user-admin": {
			"validate":           {NF, NF, NF},
			"register":           {NF, NF, NF},
			"reject":             {NF, NF, NF},
			"resubmit":           {NF, NF, NF},
			"archive":            {NF, NF, NF},
			"revoke":             {NF, NF, NF},
			"mark-duplicate":     {NF, NF, NF},
			"not-duplicate":      {NF, NF, NF},
			"request-correction": {NF, NF, NF},
			"approve-correction": {NF, NF, NF},
			"reject-correction":  {NF, NF, NF},
			"print":              {NF, NF, NF},
		},
	},
	"death": {
		"hospital-clerk": {
			"validate":           {FB, NF, NF},
			"register":           {FB, NF, NF},
			"reject":             {FB, NF, NF},
			"resubmit":           {OK, NF, NF},
			"archive":            {FB, NF, NF},
			"revoke":             {FB, NF, NF},
			"mark-duplicate":     {FB, NF, NF},
			"not-duplicate":      {FB, NF, NF},
			"request-correction": {FB, NF, NF},
			"approve-correction": {FB, NF, NF},
			"reject-correction":  {FB, NF, NF},
			"print":              {FB, NF, NF},
		},
		"registration-agent": {
			"validate":           {FB, NF, NF},
			"register":           {FB, NF, NF},
			"reject":             {FB, NF, NF},
			"resubmit":           {OK, NF, NF},
			"archive":            {FB, NF, NF},
			"revoke":             {FB, NF, NF},
			"mark-duplicate":     {FB, NF, NF},
			"not-duplicate":      {FB, NF, NF},
			"request-correction": {FB, NF, NF},
			"approve-correction": {FB, NF, NF},
			"reject-correction":  {FB, NF, NF},
			"print":              {FB, NF, NF},
		},
		"local-registrar": {
			"validate":           {OK, OK, NF},
			"register":           {OK, OK, NF},
			"reject":             {OK, OK, NF},
			"resubmit":           {OK, OK, NF},
			"archive":            {FB, FB, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {FB, FB, NF},
			"not-duplicate":      {FB, FB, NF},
			"request-correction": {OK, OK, NF},
			"approve-correction": {FB, FB, NF},
			"reject-correction":  {FB, FB, NF},
			"print":              {OK, OK, NF},
		},
		"district-registrar": {
			"validate":           {OK, OK, NF},
			"register":           {OK, OK, NF},
			"reject":             {OK, OK, NF},
			"resubmit":           {FB, FB, NF},
			"archive":            {OK, OK, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {OK, OK, NF},
			"not-duplicate":      {OK, OK, NF},
			"request-correction": {FB, FB, NF},
			"approve-correction": {OK, OK, NF},
			"reject-correction":  {OK, OK, NF},
			"print":              {OK, OK, NF},
		},
		"national-registrar": {
			"validate":           {OK, OK, OK},
			"register":           {OK, OK, OK},
			"reject":             {OK, OK, OK},
			"resubmit":           {FB, FB, FB},
			"archive":            {OK, OK, OK},
			"revoke":             {OK, OK, OK},
			"mark-duplicate":     {OK, OK, OK},
			"not-duplicate":      {OK, OK, OK},
			"request-correction": {FB, FB, FB},
			"approve-correction": {OK, OK, OK},
			"reject-correction":  {OK, OK, OK},
			"print":              {OK, OK, OK},
		},
		"certificate-clerk": {
			"validate":           {FB, FB, NF},
			"register":           {FB, FB, NF},
			"reject":             {FB, FB, NF},
			"resubmit":           {FB, FB, NF},
			"archive":            {FB, FB, NF},
			"revoke":             {FB, FB, NF},
			"mark-duplicate":     {FB, FB, NF},
			"not-duplicate":      {FB, FB, NF},
			"request-correction": {FB, FB, NF},
			"approve-correction": {FB, FB, NF},
			"reject-correction":  {FB, FB, NF},
			"print":              {OK, OK, NF},
		},
		"performance-manager": {
			"validate":           {FB, FB, FB},
			"register":           {FB, FB, FB},
			"reject":             {FB, FB, FB},
			"resubmit":           {FB, FB, FB},
			"archive":            {FB, FB, FB},
			"revoke":             {FB, FB, FB},
			"mark-duplicate":     {FB, FB, FB},
			"not-duplicate":      {FB, FB, FB},
			"request-correction": {FB, FB, FB},
			"approve-correction": {FB, FB, FB},
			"reject-correction":  {FB, FB, FB},
			"print":              {FB, FB, FB},
		},
		"district-statistician": {
			"validate":           {NF, NF, NF},
			"register":           {NF, NF, NF},
			"reject":             {NF, NF, NF},
			"resubmit":           {NF, NF, NF},
			"archive":            {NF, NF, NF},
			"revoke":             {NF, NF, NF},
			"mark-duplicate":     {NF, NF, NF},
			"not-duplicate":      {NF, NF, NF},
			"request-correction": {NF, NF, NF},
			"approve-correction": {NF, NF, NF},
			"reject-correction":  {NF, NF, NF},
			"print":              {NF, NF, NF},
		},
		"user-admin": {
			"validate":           {NF, NF, NF},
			"register":           {NF, NF, NF},
			"reject":             {NF, NF, NF},
			"resubmit":           {NF, NF, NF},
			"archive":            {NF, NF, NF},
			"revoke":             {NF, NF, NF},
			"mark-duplicate":     {NF, NF, NF},
			"not-duplicate":      {NF, NF, NF},
			"request-correction": {NF, NF, NF},
			"approve-correction": {NF, NF, NF},
			"reject-correction":  {NF, NF, NF},
			"print":              {NF, NF, NF},
		},
	},
}

// TestMatrixCoversTheCountry fails when nerovia gains a role, an event or an action the
// tables above do not have a row for: every cell must be written down, not skipped.
func TestMatrixCoversTheCountry(t *testing.T) {
	m := nerovia(t)
	users := map[string]bool{}
	for _, u := range matrixUsers {
		users[u.role] = true
		a, found := m.ActorFor(u.user)
		if !found || a.User.Role != u.role || a.Office.Code != u.offices[ownOffice] {
			t.Errorf("user %s: want a %s at %s in users.csv", u.user, u.role, u.offices[ownOffice])
		}
	}
	for id := range m.Roles {
		if !users[id] || readMatrix[id] == [3]outcome{} || declareMatrix[id] == nil {
			t.Errorf("role %s has no row in the matrix", id)
		}
	}
	for id, ev := range m.Events {
		for a, act := range ev.Actions {
			for _, u := range matrixUsers {
				if act.Creating() {
					if _, found := declareMatrix[u.role][id+"/"+a]; !found {
						t.Errorf("%s %s by %s: no expected outcome", id, a, u.role)
					}
				} else if actMatrix[id][u.role][a] == [3]outcome{} {
					t.Errorf("%s %s by %s: no expected outcome", id, a, u.role)
				} else if _, found := stateFor[a]; !found {
					t.Errorf("%s %s: no state to take it from", id, a)
				}
			}
		}
	}
}

func TestMatrixRead(t *testing.T) {
	e := newEnv(t)
	for _, event := range []string{"birth", "death"} {
		for _, u := range matrixUsers {
			for j, office := range u.offices {
				t.Run(event+"/"+u.role+"/"+jurisdictionNames[j], func(t *testing.T) {
					t.Parallel()
					e := e.with(t)
					r := e.recordIn(event, office, declared)
					got, err := e.svc.Get(e.ctx, e.actor(u.user), r.ID)
					if o := outcomeOf(err); o != readMatrix[u.role][j] {
						t.Fatalf("Get of a %s declared at %s by %s (%s): %s (%v), want %s", event, office, u.user, u.role, o, err, readMatrix[u.role][j])
					}
					if err == nil && (got.ID != r.ID || len(got.History) != 1) {
						t.Errorf("Get returned %s with %d history entries", got.ID, len(got.History))
					}
				})
			}
		}
	}
}

func TestMatrixDeclare(t *testing.T) {
	e := newEnv(t)
	for _, u := range matrixUsers {
		for key, want := range declareMatrix[u.role] {
			t.Run(u.role+"/"+key, func(t *testing.T) {
				e := e.with(t)
				event, action, _ := strings.Cut(key, "/")
				data := completeData(event)
				if action == "declare-late" {
					data = lateBirth()
				}
				before := e.count(event)
				r, _, err := e.svc.Declare(e.ctx, e.actor(u.user), Declaration{Event: event, Action: action, Data: mustJSON(t, data)})
				if got := outcomeOf(err); got != want {
					t.Fatalf("%s: %s (%v), want %s", u.user, got, err, want)
				}
				wantCount := before
				if want == allowed {
					wantCount++
					if r.History[0].Action != action || r.Office != u.offices[ownOffice] {
						t.Errorf("declared with %s at %s", r.History[0].Action, r.Office)
					}
				}
				if n := e.count(event); n != wantCount {
					t.Errorf("%d records, want %d", n, wantCount)
				}
			})
		}
	}
}

func TestMatrixAct(t *testing.T) {
	e := newEnv(t)
	for _, event := range []string{"birth", "death"} {
		for _, u := range matrixUsers {
			for action, want := range actMatrix[event][u.role] {
				for j, office := range u.offices {
					t.Run(event+"/"+u.role+"/"+action+"/"+jurisdictionNames[j], func(t *testing.T) {
						t.Parallel()
						e := e.with(t)
						// A fresh record, in the state the action's `from` and `if` allow, so
						// that only the role and the jurisdiction decide.
						r := e.recordIn(event, office, stateFor[action])
						req := ActionRequest{Action: action, Version: r.Version, Comment: "as the documents show"}
						if action == "request-correction" {
							req.Data = mustJSON(t, correctionOf(event))
						}
						if action == "mark-duplicate" {
							req.DuplicateOf = openCandidates(r)[0].Record
						}
						next, err := e.take(e.actor(u.user), r.ID, req)
						if got := outcomeOf(err); got != want[j] {
							t.Fatalf("%s %s declared at %s, by %s (%s): %s (%v), want %s",
								action, event, office, u.user, u.role, got, err, want[j])
						}
						stored := e.get(r.ID)
						wantVersion := r.Version
						if err == nil {
							wantVersion++
							last := stored.History[len(stored.History)-1]
							if next.Version != wantVersion || last.Action != action || last.User != u.user {
								t.Errorf("allowed, but the last entry is %s by %s at version %d", last.Action, last.User, next.Version)
							}
						}
						if stored.Version != wantVersion {
							t.Errorf("version %d, want %d", stored.Version, wantVersion)
						}
					})
				}
			}
		}
	}
}
