package mongotest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestKeysExplain: a search for duplicate keys is answered by the keys index, never by reading
// the collection. The server's explain of the very find Search sends tells (see
// mongostore.Store.ExplainSearch).
//
// On MongoDB (CRVSCTL_TEST_MONGODB_URI), the full check: the winning plan scans the keys index
// and no collection, and examines only the documents holding the keys, among hundreds.
//
// On FerretDB v1 it cannot hold: FerretDB on SQLite pushes a filter down to SQLite only when
// it is an equality on _id, and reads every other find's whole collection, filtering in
// FerretDB (its explain says so: filterPushdown false, a SQLite plan that scans the
// collection's table). The keys index is created there (as a SQLite index on the array's
// JSON, which could not answer membership anyway) and not used. What is checked there: that
// explain answers for the find Search sends (the keys index named as the hint, the keys as
// $in), that FerretDB still says it scans (should a later FerretDB push the filter down, this
// test fails, to be made to check the index), that the index is declared on the keys as the
// store means it, and that the search finds what it should.
func TestKeysExplain(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := context.Background()
		name := database(t, uri)
		s := open(t, uri, name)
		defer s.Close()
		const n = 300
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for i := range n {
			at := start.Add(time.Duration(i) * time.Minute)
			r := &store.Record{ID: fmt.Sprintf("B%03d", i), Event: "birth", Status: "declared", Flags: []string{}, Data: []byte(`{}`),
				Keys: []string{fmt.Sprint("own-", i), fmt.Sprint("pair-", i/2), fmt.Sprint("date-", i%7)}, Version: 1,
				Created: at, Updated: at, CreatedBy: "amina"}
			if i == 41 {
				r.Flags = []string{"duplicate"}
			}
			if err := s.CreateRecord(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// own-17, and pair-20 (B040, B041), but B041 is flagged: B040 and B017.
		q := store.Query{Keys: []string{"own-17", "pair-20", "nobody"}, Event: "birth", NoFlags: []string{"duplicate"}}
		want := []string{"B040", "B017"}
		p, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.Records {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the search finds %v, want %v", got, want)
		}
		many := store.Query{Keys: []string{"own-17"}}
		for i := range store.MaxQueryKeys - 1 {
			many.Keys = append(many.Keys, fmt.Sprint("nobody-", i))
		}
		for _, c := range []struct {
			name     string
			q        store.Query
			returned int
			held     int // documents holding any of the keys
		}{{"a few keys", q, len(want), 3}, {"the most keys", many, 1, 1}} {
			explained, err := s.ExplainSearch(ctx, c.q, "executionStats")
			if err != nil {
				t.Fatalf("%s: explain: %v", c.name, err)
			}
			if _, ferret := explained.Lookup("filterPushdown").BooleanOK(); ferret {
				checkFerretDB(t, c.name, explained, c.q)
			} else if err := checkPlan(explained, c.returned, c.held); err != nil {
				t.Errorf("%s: %v\n%s", c.name, err, explained)
			}
		}
		// The index, as declared.
		cur, err := client(t, uri).Database(name).Collection("records").Indexes().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var indexes []struct {
			Name string `bson:"name"`
			Key  bson.D `bson:"key"`
		}
		if err := cur.All(ctx, &indexes); err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(indexes, func(ix struct {
			Name string `bson:"name"`
			Key  bson.D `bson:"key"`
		}) bool {
			return ix.Name == "keys"
		})
		if i < 0 {
			t.Fatalf("no keys index: %v", indexes)
		}
		if k := indexes[i].Key; len(k) != 3 || k[0].Key != "keys" || k[1].Key != "created" || k[2].Key != "_id" {
			t.Errorf("the keys index is on %v", k)
		}
	})
}

// checkFerretDB checks what FerretDB v1's explain can tell of a search for keys: see
// TestKeysExplain.
func checkFerretDB(t *testing.T, name string, explained bson.Raw, q store.Query) {
	t.Helper()
	if hint, _ := explained.Lookup("command", "hint").StringValueOK(); hint != "keys" {
		t.Errorf("%s: the command explained has hint %q, want keys", name, hint)
	}
	in, ok := explained.Lookup("command", "filter", "$and", "0", "keys", "$in").ArrayOK()
	if !ok {
		t.Fatalf("%s: the command explained has no $in of keys: %s", name, explained.Lookup("command"))
	}
	values, _ := in.Values()
	if len(values) != len(q.Keys) {
		t.Errorf("%s: $in of %d keys, want %d", name, len(values), len(q.Keys))
	}
	pushed, _ := explained.Lookup("filterPushdown").BooleanOK()
	plan := explained.Lookup("queryPlanner", "Plan").String()
	if pushed || !strings.Contains(plan, "SCAN") {
		t.Errorf("%s: FerretDB now pushes the filter down (%v), or does not scan: %s\ncheck that its plan uses the keys index, and make this test say so", name, pushed, plan)
	}
}

// checkPlan checks a MongoDB explain (executionStats) of a search for keys: the winning plan
// scans the keys index and no collection, returns returned documents and examines no more
// than the held ones, those holding any of the keys.
func checkPlan(explained bson.Raw, returned, held int) error {
	winning, ok := explained.Lookup("queryPlanner", "winningPlan").DocumentOK()
	if !ok {
		return fmt.Errorf("no winning plan")
	}
	stages, indexes := map[string]bool{}, map[string]bool{}
	walkPlan(winning, stages, indexes)
	switch {
	case stages["COLLSCAN"]:
		return fmt.Errorf("the plan reads the collection")
	case !stages["IXSCAN"] || !indexes["keys"] || len(indexes) != 1:
		return fmt.Errorf("the plan scans indexes %v, not the keys index alone", slices.Sorted(maps.Keys(indexes)))
	}
	stats, ok := explained.Lookup("executionStats").DocumentOK()
	if !ok {
		return fmt.Errorf("no executionStats")
	}
	count := func(field string) int {
		v := stats.Lookup(field)
		if n, ok := v.AsInt64OK(); ok {
			return int(n)
		}
		return -1
	}
	if n := count("nReturned"); n != returned {
		return fmt.Errorf("%d documents returned, want %d", n, returned)
	}
	if n := count("totalDocsExamined"); n < 0 || n > held {
		return fmt.Errorf("%d documents examined, want at most the %d that hold the keys", n, held)
	}
	return nil
}

// walkPlan collects the stages and index names of a plan, whatever its shape: the classic
// engine's stages nest by inputStage and inputStages; the slot-based engine's answer holds
// the same tree under queryPlan.
func walkPlan(d bson.Raw, stages, indexes map[string]bool) {
	elems, _ := d.Elements()
	for _, e := range elems {
		v := e.Value()
		switch {
		case e.Key() == "stage":
			stages[v.StringValue()] = true
		case e.Key() == "indexName":
			indexes[v.StringValue()] = true
		case v.Type == bson.TypeEmbeddedDocument:
			walkPlan(v.Document(), stages, indexes)
		case v.Type == bson.TypeArray:
			walkPlan(bson.Raw(v.Array()), stages, indexes)
		}
	}
}

// TestCheckPlan: checkPlan, which only a MongoDB server exercises, on answers shaped as
// MongoDB's explain gives them.
func TestCheckPlan(t *testing.T) {
	ixscan := func(key string) string {
		return `{"stage": "IXSCAN", "keyPattern": {"keys": 1, "created": 1, "_id": 1}, "indexName": "keys", "isMultiKey": true,
			"direction": "backward", "indexBounds": {"keys": ["[\"` + key + `\", \"` + key + `\"]"]}}`
	}
	merged := `{"stage": "SORT_MERGE", "sortPattern": {"created": -1, "_id": -1}, "inputStages": [` + ixscan("own-17") + `, ` + ixscan("pair-20") + `]}`
	fetch := func(input string) string {
		return `{"stage": "LIMIT", "limitAmount": 21, "inputStage": {"stage": "PROJECTION_DEFAULT", "inputStage": {"stage": "FETCH", "inputStage": ` + input + `}}}`
	}
	stats := func(returned, examined int) string {
		return fmt.Sprintf(`"executionStats": {"executionSuccess": true, "nReturned": %d, "totalKeysExamined": 4, "totalDocsExamined": %d}`, returned, examined)
	}
	sorted := `{"stage": "SORT", "sortPattern": {"created": -1, "_id": -1}, "inputStage": ` + ixscan("own-17") + `}`
	for _, c := range []struct {
		name, explain string
		ok            bool
	}{
		{"classic, merged", `{"queryPlanner": {"winningPlan": ` + fetch(merged) + `, "rejectedPlans": []}, ` + stats(2, 3) + `}`, true},
		{"slot-based", `{"queryPlanner": {"winningPlan": {"queryPlan": ` + fetch(merged) + `, "slotBasedPlan": {"slots": "", "stages": ""}}}, ` + stats(2, 3) + `}`, true},
		{"sorted after", `{"queryPlanner": {"winningPlan": ` + fetch(sorted) + `}, ` + stats(2, 2) + `}`, true},
		{"a collection scan", `{"queryPlanner": {"winningPlan": {"stage": "LIMIT", "inputStage": {"stage": "COLLSCAN", "direction": "forward"}}}, ` + stats(2, 300) + `}`, false},
		{"another index", `{"queryPlanner": {"winningPlan": ` + fetch(`{"stage": "IXSCAN", "indexName": "created"}`) + `}, ` + stats(2, 300) + `}`, false},
		{"two indexes", `{"queryPlanner": {"winningPlan": {"stage": "FETCH", "inputStage": {"stage": "AND_SORTED", "inputStages": [` +
			ixscan("own-17") + `, {"stage": "IXSCAN", "indexName": "status"}]}}}, ` + stats(2, 3) + `}`, false},
		{"too many examined", `{"queryPlanner": {"winningPlan": ` + fetch(merged) + `}, ` + stats(2, 40) + `}`, false},
		{"too few returned", `{"queryPlanner": {"winningPlan": ` + fetch(merged) + `}, ` + stats(1, 3) + `}`, false},
		{"no statistics", `{"queryPlanner": {"winningPlan": ` + fetch(merged) + `}}`, false},
	} {
		var doc bson.Raw
		if err := bson.UnmarshalExtJSON([]byte(c.explain), false, &doc); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := checkPlan(doc, 2, 3); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
