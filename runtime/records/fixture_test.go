package records

// The fixture every test of the package shares: nerovia's bundle in the form the server
// serves, a real SQLite store per test, a clock the test sets, complete declarations with the
// files they attach, and helpers that drive records into the state a test needs through the
// service itself.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// testNow is the day the tests run on: a Monday morning in Nerovia (UTC+3), so that "today"
// is 2026-11-23 both in UTC and in the country.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var (
	modelOnce sync.Once
	model     *Model
	modelErr  error
)

// nerovia is the model of the example country, compiled once: building the package takes
// longer than most tests. The bundle goes through Encode and Decode so the tests see exactly
// what a server loads from disk (hash checked, unknown fields refused).
func nerovia(t testing.TB) *Model {
	t.Helper()
	modelOnce.Do(func() {
		b, diags := compiler.Build("../../countries/nerovia")
		if b == nil {
			var sb strings.Builder
			diags.WriteText(&sb)
			modelErr = errors.New(sb.String())
			return
		}
		raw, err := b.Encode()
		if err != nil {
			modelErr = err
			return
		}
		served, err := bundle.Decode(raw)
		if err != nil {
			modelErr = err
			return
		}
		model, modelErr = NewModel(served)
	})
	if modelErr != nil {
		t.Fatalf("nerovia: %v", modelErr)
	}
	return model
}

// clock is a settable clock: Service.Now reads it. Every reading moves it on by a millisecond
// (the store's resolution), so that records created one after the other sort in that order
// (queues are oldest first) while dates stay on the day set.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is one test's service over its own SQLite store.
type env struct {
	t     testing.TB
	ctx   context.Context
	m     *Model
	svc   *Service
	st    store.Store
	clock *clock
	// uploaded has a sync.Once per user, for uploading the files of the fixture (see
	// uploadFiles).
	uploaded *sync.Map
}

func newEnv(t testing.TB) *env {
	t.Helper()
	m := nerovia(t)
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: testNow}
	return &env{t: t, ctx: context.Background(), m: m, st: st, clock: c,
		svc: &Service{Model: m, Store: st, Now: c.Now, Printer: testPrinter(t, m)}, uploaded: &sync.Map{}}
}

// testKey signs the tests' certificates.
var testKey = sync.OnceValue(func() *seal.PrivateKey {
	k, err := seal.GenerateKey("NV-TEST-1", "2026-01-01", "2030-12-31", "Nerovia")
	if err != nil {
		panic(err)
	}
	return k
})

var printers sync.Map // *Model -> *certificates.Printer

// testPrinter prints the model's certificates, made once (its fonts are read then).
func testPrinter(t testing.TB, m *Model) *certificates.Printer {
	t.Helper()
	if p, ok := printers.Load(m); ok {
		return p.(*certificates.Printer)
	}
	p, err := certificates.New(m.Bundle, testKey())
	if err != nil {
		t.Fatal(err)
	}
	printers.Store(m, p)
	return p
}

// take takes an action as a client does: one that prints through Print, the others through
// Act.
func (e *env) take(a *Actor, id string, req ActionRequest) (*store.Record, error) {
	e.assignFor(a, id, req.Action)
	for _, ev := range e.m.Events {
		if act := ev.Actions[req.Action]; act != nil && act.Prints {
			r, _, err := e.svc.Print(e.ctx, a, id, PrintRequest{Action: req.Action, Version: req.Version})
			return r, err
		}
	}
	return e.svc.Act(e.ctx, a, id, req)
}

// assignFor assigns a record to the actor when the action needs it (nerovia's corrections), as
// the pages do before offering the action; a refusal is left for the action to tell.
func (e *env) assignFor(a *Actor, id, action string) {
	if r, err := e.st.Record(e.ctx, id); err == nil && e.svc.NeedsAssignment(r.Event, action) {
		e.svc.Assign(e.ctx, a, id)
	}
}

// with is the env for a subtest: its helpers must fail the subtest, from its own goroutine.
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// actor is a user of users.csv, who has uploaded the files the complete declarations attach.
// (A test of a user who has not takes the actor from the model.)
func (e *env) actor(username string) *Actor {
	e.t.Helper()
	a, ok := e.m.ActorFor(username)
	if !ok {
		e.t.Fatalf("no user %s in users.csv", username)
	}
	e.uploadFiles(username)
	return a
}

// files are what the complete declarations attach, by name: small files of their own, each a
// PDF or a JPEG as its content says.
var files = func() map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"notification.pdf", "marriage.pdf", "mccd.pdf", "health-card.pdf"} {
		out[name] = []byte("%PDF-1.4\n% " + name + "\n%%EOF\n")
	}
	for _, name := range []string{"mother-id.jpg", "father-id.jpg", "deceased-id.jpg", "informant-id.jpg"} {
		out[name] = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00" + name + "\xff\xd9")
	}
	return out
}()

// attach is a document answer: a file of files, as the kind of document it is.
func attach(kind, file string) map[string]any {
	b, ok := files[file]
	if !ok {
		panic("no file " + file)
	}
	return map[string]any{"type": kind, "file": store.DocumentID(b)}
}

// uploadFiles uploads files as the user's, once per test: what a client does before it
// declares.
func (e *env) uploadFiles(username string) {
	e.t.Helper()
	once, _ := e.uploaded.LoadOrStore(username, &sync.Once{}) // parallel subtests wait for the first
	once.(*sync.Once).Do(func() {
		for name, b := range files {
			typ := SniffDocument(b)
			if _, _, err := e.st.SaveDocument(e.ctx, &store.Document{User: username, Type: typ, Name: name, Data: b, Created: testNow}); err != nil {
				e.t.Fatalf("upload of %s as %s: %v", name, username, err)
			}
		}
	})
}

// setupRole may take every action of every event anywhere. It is not nerovia's: it is how the
// tests put a record at an office and in a state without going through the grants they test.
// Its users carry the role name national-registrar, so conditions on user.role (registering a
// late birth) hold for them.
func (e *env) setupRole() *Role {
	r := &Role{Role: bundle.Role{ID: "test-setup", Jurisdiction: "nation"}, grants: map[string]map[string]bool{}}
	for id, ev := range e.m.Events {
		r.grants[id] = map[string]bool{}
		for a := range ev.Actions {
			r.grants[id][a] = true
		}
	}
	return r
}

// setupAt is a setup user working at an office: records they declare are declared there.
func (e *env) setupAt(office string) *Actor {
	e.t.Helper()
	o, ok := e.m.Offices[office]
	if !ok {
		e.t.Fatalf("no office %s", office)
	}
	e.uploadFiles("setup." + office)
	return &Actor{User: bundle.User{Username: "setup." + office, Role: "national-registrar", Office: office},
		Role: e.setupRole(), Office: o}
}

// declare stores a declaration by an actor, failing the test on any refusal.
func (e *env) declare(a *Actor, event string, data map[string]any) *store.Record {
	e.t.Helper()
	r, created, err := e.svc.Declare(e.ctx, a, Declaration{Event: event, Data: mustJSON(e.t, data)})
	if err != nil {
		e.t.Fatalf("declare %s as %s: %v", event, a.User.Username, err)
	}
	if !created {
		e.t.Fatalf("declare %s as %s: not created", event, a.User.Username)
	}
	return r
}

// act takes an action at the record's current version, failing the test on any refusal.
func (e *env) act(a *Actor, r *store.Record, action string, data map[string]any) *store.Record {
	e.t.Helper()
	req := ActionRequest{Action: action, Version: r.Version}
	if a := e.m.Events[r.Event].Actions[action]; a != nil && a.CommentRequired {
		req.Comment = "as the documents show"
	}
	if data != nil {
		req.Data = mustJSON(e.t, data)
	}
	next, err := e.take(a, r.ID, req)
	if err != nil {
		e.t.Fatalf("%s %s as %s (status %s, flags %v): %v", action, r.ID, a.User.Username, r.Status, r.Flags, err)
	}
	return next
}

// get reads a record back from the store itself, bypassing the service's checks.
func (e *env) get(id string) *store.Record {
	e.t.Helper()
	r, err := e.st.Record(e.ctx, id)
	if err != nil {
		e.t.Fatalf("record %s: %v", id, err)
	}
	return r
}

// state is a state a record can be put in for an action: its status and flags.
type state string

const (
	declared            state = "declared"
	validated           state = "validated"
	registered          state = "registered"
	rejected            state = "rejected"
	correctionRequested state = "registered+correction-requested"
	possibleDuplicate   state = "declared+possible-duplicate"
)

// stateFor is the state in which an action's `from` and `if` allow it on a record that is not
// late: what the matrix puts each record in, so that only the role and the jurisdiction decide.
var stateFor = map[string]state{
	"validate":           declared,
	"register":           validated,
	"reject":             declared,
	"resubmit":           rejected,
	"archive":            rejected,
	"revoke":             registered,
	"request-correction": registered,
	"approve-correction": correctionRequested,
	"reject-correction":  correctionRequested,
	"print":              registered,
	"mark-duplicate":     possibleDuplicate,
	"not-duplicate":      possibleDuplicate,
}

// recordIn declares a record of an event at an office and takes it to a state, as the setup
// user of that office.
func (e *env) recordIn(event, office string, s state) *store.Record {
	e.t.Helper()
	a := e.setupAt(office)
	r := e.declare(a, event, completeData(event))
	switch s {
	case declared:
	case validated:
		r = e.act(a, r, "validate", nil)
	case rejected:
		r = e.act(a, r, "reject", nil)
	case registered:
		r = e.act(a, r, "register", nil)
	case correctionRequested:
		r = e.act(a, r, "register", nil)
		r = e.act(a, r, "request-correction", correctionOf(event))
	case possibleDuplicate:
		r = e.flagPossibleDuplicate(r)
	default:
		e.t.Fatalf("no state %s", s)
	}
	return r
}

// flagPossibleDuplicate raises the flag nerovia's duplicate rules raise on a record that
// resembles another, as the runtime does: a copy of the record is declared (and flagged, as
// the record's possible duplicate), then the record's registration finds the copy, which flags
// the record and stops the registration.
func (e *env) flagPossibleDuplicate(r *store.Record) *store.Record {
	e.t.Helper()
	a := e.setupAt(r.Office)
	e.declare(a, r.Event, declarable(e.m, r.Event, dataOf(e.t, r)))
	if _, err := e.svc.Act(e.ctx, a, r.ID, ActionRequest{Action: "register", Version: r.Version}); outcomeOf(err) != conflict {
		e.t.Fatalf("register of a record declared twice: %v, want the conflict of a possible duplicate", err)
	}
	flagged := e.get(r.ID)
	if !slices.Contains(flagged.Flags, "possible-duplicate") {
		e.t.Fatalf("flags %v: not a possible duplicate", flagged.Flags)
	}
	return flagged
}

// declarable is a record's data as it can be declared again: without its calculated answers.
func declarable(m *Model, event string, data map[string]any) map[string]any {
	out := maps.Clone(data)
	for _, f := range m.Events[event].Rules.Fields {
		if f.Calc != nil {
			delete(out, f.ID)
		}
	}
	return out
}

// correctionOf is a correction a registrar may ask for: a change of one field that leaves the
// declaration valid.
func correctionOf(event string) map[string]any {
	if event == "death" {
		return map[string]any{"deceased.occupation": "Fisherman"}
	}
	return map[string]any{"child.weight": 3.45}
}

// people counts the declarations completeData made: each is of another person, so that the
// package's duplicate rules never take two declarations of a test for one event (a test of
// duplicates makes its own).
var people atomic.Int64

// otherFamilies are family names far from each other and from the fixture's others.
var otherFamilies = strings.Fields("Kassahun Bekele Mengistu Girma Worku Desta Alemayehu Negash Lemma Assefa Yohannes Gudeta Shiferaw Tilahun Mulugeta Dagne Fikre Birhanu Zewdu Ketema")

// otherGiven are given names likewise.
var otherGiven = strings.Fields("Gebre Hirut Tadesse Mesfin Solomon Yared Berhane Kidane Asrat Getachew")

// completeData is a complete and valid declaration of an event on testNow: a birth three weeks
// before, in Velmora General Hospital, of married parents; a death five days before, in
// hospital, medically certified. Each call returns a fresh copy the test may change, of
// another mother (name, year of birth and ID number: her age at the birth varies) or another
// deceased (name, year of birth and ID number): the rest is the same every time.
func completeData(event string) map[string]any {
	d := sameData(event)
	n := people.Add(1)
	family := otherFamilies[n%int64(len(otherFamilies))]
	round := n / int64(len(otherFamilies))
	given := otherGiven[round%int64(len(otherGiven))]
	switch event {
	case "birth":
		// 20 family names, 10 given names, and a mother two years older for each round
		// of both: 2,400 mothers before one comes again.
		d["mother.name"] = map[string]any{"given": given, "family": family}
		d["mother.dob"] = fmt.Sprintf("%d-05-14", 1996-2*((round/int64(len(otherGiven)))%12))
		d["mother.nid"] = fmt.Sprintf("%010d", 1000000000+n)
	case "death":
		d["deceased.name"] = map[string]any{"given": given, "family": family}
		d["deceased.dob"] = fmt.Sprintf("%d-03-10", 1948-2*((round/int64(len(otherGiven)))%12))
		d["deceased.nid"] = fmt.Sprintf("%010d", 3000000000+n)
	}
	return d
}

// sameData is completeData's declaration before it is made another person's: two calls give
// one event twice.
func sameData(event string) map[string]any {
	switch event {
	case "birth":
		return map[string]any{
			"child.name":           map[string]any{"given": "Amara", "family": "Tesfaye"},
			"child.sex":            "female",
			"child.dob":            "2026-11-02",
			"child.typeOfBirth":    "single",
			"child.birthOrder":     1,
			"child.weight":         3.2,
			"child.gestationWeeks": 39,
			"child.attendant":      "doctor",
			"child.placeType":      "health-facility",
			"child.birthDistrict":  "NV0101",
			"child.facility":       "HF001",

			"mother.name":          map[string]any{"given": "Selam", "family": "Tesfaye"},
			"mother.dob":           "1996-05-14",
			"mother.nationality":   "nerovian",
			"mother.idType":        "national-id",
			"mother.nid":           "1234567890",
			"mother.maritalStatus": "married",
			"mother.marriageDate":  "2022-02-19",
			"mother.residence":     "NV01010101",
			"father.known":         true,

			"father.name":          map[string]any{"given": "Dawit", "family": "Tesfaye"},
			"father.dob":           "1993-08-01",
			"father.nationality":   "nerovian",
			"father.idType":        "national-id",
			"father.nid":           "2345678901",
			"father.maritalStatus": "married",
			"father.sameAddress":   true,

			"informant.relationship": "mother",
			"informant.attestation":  true,

			"documents.birthNotification":   attach("birth-notification", "notification.pdf"),
			"documents.motherId":            attach("national-id", "mother-id.jpg"),
			"documents.fatherId":            attach("national-id", "father-id.jpg"),
			"documents.marriageCertificate": attach("marriage-certificate", "marriage.pdf"),
		}
	case "death":
		return map[string]any{
			"deceased.name":          map[string]any{"given": "Gebre", "family": "Alemu"},
			"deceased.sex":           "male",
			"deceased.dob":           "1948-03-10",
			"deceased.nationality":   "nerovian",
			"deceased.idType":        "national-id",
			"deceased.nid":           "3456789012",
			"deceased.maritalStatus": "widowed",
			"deceased.residence":     "NV01010102",

			"death.date":               "2026-11-18",
			"death.district":           "NV0101",
			"death.placeType":          "health-facility",
			"death.facility":           "HF001",
			"death.manner":             "natural",
			"death.medicallyCertified": true,

			"cause.immediate":      "Cardiac arrest",
			"cause.underlying":     "Ischaemic heart disease",
			"cause.underlyingCode": "I25.9",
			"cause.certifier":      map[string]any{"given": "Liya", "family": "Haile"},

			"informant.relationship": "child",
			"informant.name":         map[string]any{"given": "Hana", "family": "Gebre"},
			"informant.idType":       "national-id",
			"informant.nid":          "4567890123",
			"informant.phone":        "0911234567",
			"informant.attestation":  true,

			"documents.medicalCertificate": attach("medical-certificate", "mccd.pdf"),
			"documents.deceasedId":         attach("national-id", "deceased-id.jpg"),
			"documents.informantId":        attach("national-id", "informant-id.jpg"),
		}
	}
	panic("no complete declaration of " + event)
}

// lateBirth is a complete birth declared on testNow more than a year after it happened, with
// what a late declaration needs besides.
func lateBirth() map[string]any {
	d := completeData("birth")
	d["child.dob"] = "2024-06-30"
	d["mother.marriageDate"] = "2020-01-11"
	maps.Copy(d, map[string]any{
		"registration.lateReason":   "distance-or-cost",
		"registration.lateEvidence": attach("health-card", "health-card.pdf"),
		"registration.witnessName":  map[string]any{"given": "Abebe", "family": "Kebede"},
		"registration.witnessNid":   "5678901234",
	})
	return d
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dataOf decodes a record's declaration.
func dataOf(t testing.TB, r *store.Record) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatalf("record %s: data: %v", r.ID, err)
	}
	return d
}

// outcome is how a call ended, as the matrix writes it.
type outcome string

const (
	allowed   outcome = "allowed"
	forbidden outcome = "Forbidden"
	notFound  outcome = "NotFound"
	conflict  outcome = "Conflict"
	invalid   outcome = "Invalid"
	badReq    outcome = "BadRequest"
)

// outcomeOf names how a call ended; an error that is not a refusal (a store failure) is
// named by its text, which no expectation matches.
func outcomeOf(err error) outcome {
	if err == nil {
		return allowed
	}
	var re *Error
	if !errors.As(err, &re) {
		return outcome("error: " + err.Error())
	}
	switch re.Kind {
	case BadRequest:
		return badReq
	case Forbidden:
		return forbidden
	case NotFound:
		return notFound
	case Conflict:
		return conflict
	case Invalid:
		return invalid
	}
	return outcome("unknown kind: " + err.Error())
}

// refusal checks that err is a refusal of a kind and returns it.
func refusal(t testing.TB, err error, want Kind) *Error {
	t.Helper()
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("got %v (%T), want a *records.Error of kind %v", err, err, want)
	}
	if re.Kind != want {
		t.Fatalf("got kind %d (%v), want kind %d", re.Kind, re, want)
	}
	return re
}

// paths are the paths of a refusal's details, sorted.
func paths(re *Error) []string {
	var out []string
	for _, d := range re.Details {
		out = append(out, d.Path)
	}
	slices.Sort(out)
	return out
}

// count is how many records of an event the store holds.
func (e *env) count(event string) int {
	e.t.Helper()
	n := 0
	q := store.Query{Event: event, Limit: 100}
	for {
		p, err := e.st.Search(e.ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(p.Records)
		if p.Next == "" {
			return n
		}
		q.After = p.Next
	}
}
