package records

import (
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// named is a complete birth of a child with the given names, declared at an office.
func (e *env) named(office, given, family string, s state) *store.Record {
	e.t.Helper()
	a := e.setupAt(office)
	d := completeData("birth")
	d["child.name"] = map[string]any{"given": given, "family": family}
	// Every child's mother is a Selam, whose names differ otherwise (completeData).
	d["mother.name"].(map[string]any)["given"] = "Selam"
	r := e.declare(a, "birth", d)
	switch s {
	case declared:
	case validated:
		r = e.act(a, r, "validate", nil)
	case registered:
		r = e.act(a, r, "register", nil)
	default:
		e.t.Fatalf("named: no state %s", s)
	}
	return r
}

// ids are the tracking IDs of a page, in its order.
func ids(p store.Page) []string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSearchByName(t *testing.T) {
	e := newEnv(t)
	national := e.actor("ilena.marvosa")
	muller := e.named("HF001", "Élise", "Müller", declared).ID
	jose := e.named("HF001", "José", "Okonkwo-Dàvila", registered).ID
	amara := e.named("HF001", "Amara", "Tesfaye", declared).ID
	abebe := e.named("HF001", "አበበ", "ከበደ", declared).ID // Ethiopic has no case and no marks: kept as written
	tests := []struct {
		name string
		want []string
	}{
		// Case and accents are ignored, both in what was declared and in what is typed.
		{"muller", []string{muller}},
		{"MÜLLER", []string{muller}},
		{"elise", []string{muller}},
		{"Jose", []string{jose}},
		// A hyphenated family name is two words; each word typed is a prefix of one.
		{"davila", []string{jose}},
		{"okon", []string{jose}},
		{"jose dav", []string{jose}},
		{"jose muller", nil},
		// The parents' names are searched too: every child of completeData has mother Selam.
		{"selam", []string{muller, jose, amara, abebe}},
		{"tesfaye amara", []string{amara}},
		{"አበበ", []string{abebe}},
		{"ከበ", []string{abebe}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.svc.Search(e.ctx, national, store.Query{}, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := sorted(ids(p)); !slices.Equal(got, sorted(tt.want)) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSearchByStatusAndNewestFirst(t *testing.T) {
	e := newEnv(t)
	national := e.actor("ilena.marvosa")
	a := e.named("HF001", "Abel", "One", declared).ID
	b := e.named("HF001", "Bethel", "Two", registered).ID
	c := e.named("HF001", "Caleb", "Three", declared).ID
	d := e.named("HF001", "Dina", "Four", validated).ID
	tests := []struct {
		statuses []string
		want     []string // newest first: a search shows the latest declarations on top
	}{
		{nil, []string{d, c, b, a}},
		{[]string{"declared"}, []string{c, a}},
		{[]string{"registered"}, []string{b}},
		{[]string{"declared", "validated"}, []string{d, c, a}},
		{[]string{"archived"}, nil},
	}
	for _, tt := range tests {
		p, err := e.svc.Search(e.ctx, national, store.Query{Event: "birth", Statuses: tt.statuses}, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p), tt.want) {
			t.Errorf("statuses %v: got %v, want %v", tt.statuses, ids(p), tt.want)
		}
	}
	// A registration number finds its record.
	number := e.get(b).Number
	p, err := e.svc.Search(e.ctx, national, store.Query{Number: number}, "")
	if err != nil || !slices.Equal(ids(p), []string{b}) {
		t.Errorf("number %s: %v, %v", number, ids(p), err)
	}
	// A cursor that is not the store's is the client's mistake.
	if _, err := e.svc.Search(e.ctx, national, store.Query{After: "not-a-cursor"}, ""); outcomeOf(err) != badReq {
		t.Errorf("a bad cursor: %v, want BadRequest", err)
	}
}

func TestSearchWithinJurisdiction(t *testing.T) {
	e := newEnv(t)
	// One Tesfaye birth in each of four places: two hospitals of commune NV010101, Terir's
	// health centre (NV010102) and Kessara's hospital in another province.
	at := map[string]string{}
	for _, office := range []string{"HF001", "HF002", "HF004", "HF030"} {
		at[office] = e.named(office, "Amara", "Tesfaye", declared).ID
		e.declare(e.setupAt(office), "death", completeData("death")) // not a Tesfaye: never found
	}
	tests := []struct {
		user string
		want []string // offices whose record the user finds
	}{
		{"marta.oyelund", []string{"HF001"}},                            // hospital clerk: own office only
		{"selin.abravan", []string{"HF002"}},                            // the other hospital of the same commune
		{"tomas.ekwaro", []string{"HF004"}},                             // local registrar of commune NV010102
		{"lidya.verhane", []string{"HF001", "HF002", "HF004"}},          // local registrar of district NV0101
		{"fenna.albrecq", []string{"HF001", "HF002", "HF004"}},          // district registrar of NV0101
		{"elsa.marunde", []string{"HF001", "HF002", "HF004"}},           // certificate clerk of NV0101
		{"hanna.zelaku", []string{"HF030"}},                             // district registrar of NV0301
		{"ilena.marvosa", []string{"HF001", "HF002", "HF004", "HF030"}}, // national
		{"amani.desgorel", nil},                                         // agent at CR010302: nothing declared there
		{"yara.belcourt", []string{"HF001", "HF002", "HF004", "HF030"}}, // performance-manager: reads everything
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			e := e.with(t)
			var want []string
			for _, o := range tt.want {
				want = append(want, at[o])
			}
			actor := e.actor(tt.user)
			for _, q := range []store.Query{{}, {Event: "birth"}} {
				p, err := e.svc.Search(e.ctx, actor, q, "tesfaye")
				if err != nil {
					t.Fatal(err)
				}
				if got := sorted(ids(p)); !slices.Equal(got, sorted(want)) {
					t.Errorf("query %+v: got %v, want %v", q, got, sorted(want))
				}
			}
		})
	}

	// An office or an area named in the query narrows the jurisdiction, and is never replaced
	// by it: what is found matches the query and the jurisdiction both.
	narrowed := []struct {
		user string
		q    store.Query
		want []string
	}{
		{"marta.oyelund", store.Query{Office: "HF001"}, []string{"HF001"}},
		{"marta.oyelund", store.Query{Office: "HF002"}, nil}, // not her office: nothing, not her own records
		{"marta.oyelund", store.Query{Area: "NV010101"}, []string{"HF001"}},
		{"fenna.albrecq", store.Query{Office: "HF004"}, []string{"HF004"}},
		{"fenna.albrecq", store.Query{Office: "HF030"}, nil},
		{"fenna.albrecq", store.Query{Area: "NV010102"}, []string{"HF004"}},               // a commune of her district
		{"fenna.albrecq", store.Query{Area: "NV01"}, []string{"HF001", "HF002", "HF004"}}, // her province: her district of it
		{"fenna.albrecq", store.Query{Area: "NV03"}, nil},                                 // another province
		{"tomas.ekwaro", store.Query{Area: "NV0101"}, []string{"HF004"}},
		{"tomas.ekwaro", store.Query{Area: "NV010101"}, nil}, // the neighbouring commune
		{"ilena.marvosa", store.Query{Area: "NV03"}, []string{"HF030"}},
		{"ilena.marvosa", store.Query{Office: "HF002"}, []string{"HF002"}},
	}
	for _, tt := range narrowed {
		p, err := e.svc.Search(e.ctx, e.actor(tt.user), tt.q, "tesfaye")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, o := range tt.want {
			want = append(want, at[o])
		}
		if got := sorted(ids(p)); !slices.Equal(got, sorted(want)) {
			t.Errorf("%s, query %+v: got %v, want %v (from %v)", tt.user, tt.q, got, sorted(want), tt.want)
		}
	}
}

func TestSearchPages(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 5 {
		want = append([]string{e.named("HF001", "Amara", "Tesfaye", declared).ID}, want...) // newest first
	}
	var got []string
	q := store.Query{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		p, err := e.svc.Search(e.ctx, e.actor("marta.oyelund"), q, "amara")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(p)...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages give %v, want %v", got, want)
	}
}

func TestQueuesOfALocalRegistrar(t *testing.T) {
	e := newEnv(t)
	tomas := e.actor("tomas.ekwaro") // local registrar of Terir (NV010102)
	// One queue per action granted on existing records, none for the creating actions.
	var got []string
	for _, q := range e.svc.Queues(tomas) {
		got = append(got, q.Event+"/"+q.Action)
	}
	want := []string{
		"birth/print", "birth/register", "birth/reject", "birth/request-correction", "birth/resubmit", "birth/validate",
		"death/print", "death/register", "death/reject", "death/request-correction", "death/resubmit", "death/validate",
	}
	if !slices.Equal(sorted(got), want) {
		t.Errorf("queues %v, want %v", sorted(got), want)
	}

	// Records in Terir, created one after the other (the clock moves on with each), and
	// records elsewhere that are in no queue of his.
	d1 := e.recordIn("birth", "HF004", declared).ID
	v1 := e.recordIn("birth", "CR010102", validated).ID
	d2 := e.recordIn("birth", "CR010102", declared).ID
	r1 := e.recordIn("birth", "HF004", registered).ID
	x1 := e.recordIn("birth", "HF004", rejected).ID
	e.recordIn("birth", "HF004", correctionRequested) // registered, correction pending: no print, no request
	late := e.declare(e.setupAt("HF004"), "birth", lateBirth()).ID
	v2 := e.recordIn("birth", "HF004", validated).ID
	dd := e.recordIn("death", "HF004", declared).ID
	for _, office := range []string{"HF001", "HF030"} {
		for _, s := range []state{declared, validated, registered, rejected} {
			e.recordIn("birth", office, s)
		}
	}
	tests := []struct {
		event, action string
		want          []string // oldest first: the longest waiting comes first
	}{
		{"birth", "validate", []string{d1, d2, late}},
		// Register takes declared and validated records alike, but not the late birth: its
		// condition keeps it for the district, and a queue lists only what he can do now.
		{"birth", "register", []string{d1, v1, d2, v2}},
		{"birth", "reject", []string{d1, v1, d2, late, v2}},
		{"birth", "resubmit", []string{x1}},
		// Registered records, without the one whose pending correction stops print and a
		// second request.
		{"birth", "print", []string{r1}},
		{"birth", "request-correction", []string{r1}},
		{"death", "validate", []string{dd}},
		{"death", "print", nil},
	}
	for _, tt := range tests {
		t.Run(tt.event+"/"+tt.action, func(t *testing.T) {
			p, err := e.svc.QueueRecords(e.ctx, tomas, tt.event, tt.action, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(p), tt.want) {
				t.Errorf("got %v, want %v", ids(p), tt.want)
			}
		})
	}

	// A queue comes a page at a time, in the same order; the page that held the late birth
	// comes out one short, and the pages still go on to the end.
	var paged []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		p, err := e.svc.QueueRecords(e.ctx, tomas, "birth", "register", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids(p)...)
		if after = p.Next; after == "" {
			break
		}
	}
	if want := []string{d1, v1, d2, v2}; !slices.Equal(paged, want) {
		t.Errorf("paged register queue %v, want %v", paged, want)
	}

	// No queue for an action the role is not granted, a creating action, or an unknown one.
	for _, q := range [][2]string{{"birth", "approve-correction"}, {"birth", "archive"}, {"birth", "declare"}, {"birth", "certify"}, {"marriage", "validate"}} {
		if _, err := e.svc.QueueRecords(e.ctx, tomas, q[0], q[1], "", 0); outcomeOf(err) != notFound {
			t.Errorf("queue %s/%s: %v, want NotFound", q[0], q[1], err)
		}
	}
}

func TestQueueOfCorrections(t *testing.T) {
	// The district registrar's correction queues hold only the registered records with a
	// pending correction, of the district. approve-correction finds them by the flag of the
	// request it applies; reject-correction, which applies nothing, by its condition.
	e := newEnv(t)
	fenna := e.actor("fenna.albrecq")
	e.recordIn("birth", "HF001", registered)
	c1 := e.recordIn("birth", "HF001", correctionRequested).ID
	c2 := e.recordIn("birth", "HF004", correctionRequested).ID
	e.recordIn("birth", "HF030", correctionRequested) // another province
	late := e.declare(e.setupAt("HF001"), "birth", lateBirth())
	late = e.act(e.setupAt("HF001"), late, "validate", nil)
	for _, action := range []string{"approve-correction", "reject-correction"} {
		p, err := e.svc.QueueRecords(e.ctx, fenna, "birth", action, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{c1, c2}; !slices.Equal(ids(p), want) {
			t.Errorf("%s: got %v, want %v", action, ids(p), want)
		}
	}
	// Once decided, the record leaves the queue.
	e.act(fenna, e.get(c1), "approve-correction", nil)
	p, err := e.svc.QueueRecords(e.ctx, fenna, "birth", "approve-correction", "", 0)
	if err != nil || !slices.Equal(ids(p), []string{c2}) {
		t.Errorf("after approving %s: %v, %v", c1, ids(p), err)
	}
	// The late birth a local registrar's queue leaves out is in the district's.
	p, err = e.svc.QueueRecords(e.ctx, fenna, "birth", "register", "", 0)
	if err != nil || !slices.Contains(ids(p), late.ID) {
		t.Errorf("district register queue %v (%v): no late birth %s", ids(p), err, late.ID)
	}
}

// TestQueuesInWorkflowOrder: queues come as the workflow runs, from the package's order of
// statuses, not by the actions' names.
func TestQueuesInWorkflowOrder(t *testing.T) {
	e := newEnv(t)
	var got []string
	for _, q := range e.svc.Queues(e.actor("tomas.ekwaro")) {
		if q.Event == "birth" {
			got = append(got, q.Action)
		}
	}
	want := []string{"validate", "register", "reject", "print", "request-correction", "resubmit"}
	if !slices.Equal(got, want) {
		t.Errorf("queues %v, want %v", got, want)
	}
}

// TestSearchIDAndNumberInAnyCase: a tracking ID and a registration number are found as typed
// in lower case, with spaces around, and an ID with an O or an I for a 0 or a 1.
func TestSearchIDAndNumberInAnyCase(t *testing.T) {
	e := newEnv(t)
	national := e.actor("ilena.marvosa")
	r := e.named("HF001", "Bethel", "Two", registered)
	if !strings.HasPrefix(r.Number, "B-") || !strings.Contains(r.Number, "-HF001-") {
		t.Fatalf("number %q: the test expects nerovia's B-{year}-{office}-{seq}", r.Number)
	}
	typo := strings.NewReplacer("0", "o", "1", "i")
	for _, q := range []store.Query{
		{ID: r.ID}, {ID: strings.ToLower(r.ID)}, {ID: "  " + strings.ToLower(r.ID) + " "}, {ID: typo.Replace(strings.ToLower(r.ID))},
		{Number: r.Number}, {Number: strings.ToLower(r.Number)}, {Number: " " + strings.ToLower(r.Number) + "\t"},
	} {
		p, err := e.svc.Search(e.ctx, national, q, "")
		if err != nil || !slices.Equal(ids(p), []string{r.ID}) {
			t.Errorf("%+v: %v, %v", q, ids(p), err)
		}
	}
	for _, q := range []store.Query{{ID: r.ID[:9]}, {Number: r.Number + "0"}, {Number: strings.Replace(r.Number, "HF001", "HF00", 1)}} {
		if p, err := e.svc.Search(e.ctx, national, q, ""); err != nil || len(p.Records) != 0 {
			t.Errorf("%+v: %v, %v", q, ids(p), err)
		}
	}
	if !IsTrackingID(" "+strings.ToLower(r.ID)) || IsTrackingID(r.Number) || IsTrackingID("ABCDEFGHJU") {
		t.Error("IsTrackingID")
	}
}

// TestSearchWithATypo: a name with one typo finds its record, after those it matches, and
// never one two edits away; the jurisdiction holds for both.
func TestSearchWithATypo(t *testing.T) {
	e := newEnv(t)
	dubreuil := e.named("HF001", "Marc", "Dubreuil", declared).ID
	dubreil := e.named("HF001", "Marc", "Dubreil", declared).ID // the name typed: matched
	dubriel := e.named("HF001", "Lucie", "Dubriel", declared).ID
	far := e.named("HF001", "Marc", "Ubreilz", declared).ID // shares a key with dubreil, two edits away
	elsewhere := e.named("HF030", "Marc", "Dubreuil", declared).ID
	national, clerk := e.actor("ilena.marvosa"), e.actor("marta.oyelund")
	tests := []struct {
		actor *Actor
		name  string
		want  []string // in order
	}{
		// The match first, then the near ones (newest first within each).
		{national, "Dubreil", []string{dubreil, elsewhere, dubriel, dubreuil}},
		{clerk, "dubreil", []string{dubreil, dubriel, dubreuil}},
		{clerk, "marc dubreil", []string{dubreil, dubreuil}},
		{clerk, "marc  DUBREUIL", []string{dubreuil, dubreil}},
		{clerk, "mrac dubreuil", []string{dubreuil}}, // the typo in the other word
		{clerk, "lucie dubreil", []string{dubriel}},
		{clerk, "mrac dubreil", []string{dubreil}},
		{clerk, "mrac dubrel", nil}, // a typo in each word: two edits
		{clerk, "dubrl", nil},       // two letters dropped
		{clerk, "dubrel", []string{dubriel, dubreil}},
		{clerk, "ubreil", []string{far, dubreil}},
		{clerk, "Ubreilz", []string{far}},
	}
	for _, tt := range tests {
		p, err := e.svc.Search(e.ctx, tt.actor, store.Query{}, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p), tt.want) {
			t.Errorf("%s, %q: got %v, want %v", tt.actor.User.Username, tt.name, ids(p), tt.want)
		}
		// Page by page, one record each: the same records in the same order.
		var paged []string
		q := store.Query{Limit: 1}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			p, err := e.svc.Search(e.ctx, tt.actor, q, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, ids(p)...)
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if !slices.Equal(paged, tt.want) {
			t.Errorf("%s, %q by pages of one: got %v, want %v", tt.actor.User.Username, tt.name, paged, tt.want)
		}
	}
	for _, after := range []string{"~", "~9~", "~x~", "~0~not-a-cursor"} {
		if _, err := e.svc.Search(e.ctx, national, store.Query{After: after}, "dubreil"); outcomeOf(err) != badReq {
			t.Errorf("cursor %q: %v, want BadRequest", after, err)
		}
	}

	// A record stored without the keys of its names (before they were made) gets them from
	// Rekey, as the server does at start.
	r := e.get(dubreuil)
	if err := e.svc.Store.SetIndex(e.ctx, r.ID, r.Version, slices.DeleteFunc(slices.Clone(r.Keys), func(k string) bool {
		return strings.HasPrefix(k, store.FuzzyPrefix)
	}), r.Stats, ""); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.Search(e.ctx, clerk, store.Query{}, "marc dubreil"); !slices.Equal(ids(p), []string{dubreil}) {
		t.Fatalf("without its keys: %v", ids(p))
	}
	if _, changed, err := e.svc.Rekey(e.ctx, "birth"); err != nil || changed != 1 {
		t.Fatalf("Rekey: %d changed, %v", changed, err)
	}
	if p, _ := e.svc.Search(e.ctx, clerk, store.Query{}, "marc dubreil"); !slices.Equal(ids(p), []string{dubreil, dubreuil}) {
		t.Errorf("rekeyed: %v", ids(p))
	}
}
