package dupgen

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// The generated declarations are held to the example country's real form: each is declared
// through the records service (the JSON Schema of the payload, the form's rules — required
// fields, shownIf, validations, calculations —, the answers' types: dates of the calendar,
// identity numbers' patterns, places of the right level and type, the documents attached) into
// a real SQLite store, as a registrar of the country, on the day the population was made for.
// Declared, a record must keep every answer as generated: a hidden field's answer would be
// dropped, a calculated value recomputed, a text cleaned, so any difference is a generator
// that does not know the form.

var (
	modelOnce sync.Once
	model     *records.Model
	modelErr  error
)

// nerovia is the example country's model as a server loads it (encoded, decoded, hash checked).
func nerovia(t testing.TB) *records.Model {
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
		model, modelErr = records.NewModel(served)
	})
	if modelErr != nil {
		t.Fatalf("nerovia: %v", modelErr)
	}
	return model
}

// registrar is a service over a new store on a day, and a local registrar of users.csv (who may
// declare births, late ones too, and deaths) who has uploaded Documents.
func registrar(t *testing.T, today string) (*records.Service, *records.Actor) {
	t.Helper()
	m := nerovia(t)
	st, err := sqlitestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Nine in the morning UTC is noon in Nerovia: the same day in both.
	now := mustDay(today).Add(9 * time.Hour)
	svc := &records.Service{Model: m, Store: st, Now: func() time.Time { return now }}
	actor, ok := m.ActorFor("lidya.verhane")
	if !ok {
		t.Fatal("no user lidya.verhane in users.csv")
	}
	for file, data := range Documents() {
		if _, _, err := svc.SaveDocument(context.Background(), actor, file, data); err != nil {
			t.Fatalf("upload of %s: %v", file, err)
		}
	}
	return svc, actor
}

// declare declares a record and checks that it is stored as generated.
func declare(t *testing.T, svc *records.Service, actor *records.Actor, what string, r Record) {
	t.Helper()
	raw, err := json.Marshal(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	rec, created, err := svc.Declare(context.Background(), actor, records.Declaration{Event: r.Event, Data: raw})
	if err != nil {
		t.Fatalf("%s: refused: %v\n%s", what, err, raw)
	}
	if !created {
		t.Fatalf("%s: not created", what)
	}
	var stored map[string]any
	if err := json.Unmarshal(rec.Data, &stored); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, r.Data) {
		t.Fatalf("%s: stored otherwise than generated: %s", what, describe(r.Data, stored))
	}
}

// TestValid declares every record of populations of both events (the people, their duplicates
// and near-misses) on two days, one of them 29 February, and people far down Person's
// numbering.
func TestValid(t *testing.T) {
	for _, today := range []string{"2026-11-23", "2028-02-29"} {
		t.Run(today, func(t *testing.T) {
			svc, actor := registrar(t, today)
			for _, event := range []string{"birth", "death"} {
				p := Generate(event, 7, 120, 6, today)
				for i, r := range p.Records {
					declare(t, svc, actor, event+" record "+itoa(i), r)
				}
				for _, i := range []int{10_000, 99_999, 1_000_000, 123_456_789} {
					declare(t, svc, actor, event+" person "+itoa(i), Record{Event: event, Data: Person(event, 7, i, today)})
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestValidCatches shows the check above refuses what the form refuses, and notices an answer
// the form drops: a check that passes everything proves nothing.
func TestValidCatches(t *testing.T) {
	const today = "2026-11-23"
	svc, actor := registrar(t, today)
	var birth, death map[string]any
	for i := 0; birth == nil || death == nil; i++ {
		if d := Person("birth", 1, i, today); birth == nil && d["child.placeType"] == "health-facility" && d["mother.idType"] == "national-id" {
			birth = d
		}
		if d := Person("death", 1, i, today); death == nil && d["deceased.dob"] != nil {
			death = d
		}
	}
	change := func(d map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for k, v := range d {
			c[k] = v
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		what, event string
		data        map[string]any
		refused     bool // else stored otherwise
	}{
		{"no child's name", "birth", change(birth, "child.name", nil), true},
		{"a mother of 5", "birth", change(birth, "mother.dob", birth["child.dob"]), true},
		{"a child born tomorrow", "birth", change(birth, "child.dob", "2026-11-24"), true},
		{"a village for a facility birth", "birth", change(birth, "child.birthVillage", birth["mother.residence"]), false},
		{"a wrong mother's age", "birth", change(birth, "mother.ageAtBirth", 99.0), false},
		{"an int, not a float64", "birth", change(birth, "child.birthOrder", 1), false},
		{"a short nid", "birth", change(birth, "mother.nid", "12345"), true},
		{"no birth notification", "birth", change(birth, "documents.birthNotification", nil), true},
		{"a document not uploaded", "birth", change(birth, "documents.motherId", map[string]any{"type": "national-id", "file": "sha256:" + strings.Repeat("0", 64)}), true},
		{"a district for a village", "death", change(death, "deceased.residence", death["death.district"]), true},
		{"a death before the birth", "death", change(death, "death.date", "1900-01-01"), true},
	} {
		raw, _ := json.Marshal(tc.data)
		rec, _, err := svc.Declare(context.Background(), actor, records.Declaration{Event: tc.event, Data: raw})
		switch {
		case tc.refused && err == nil:
			t.Errorf("%s: declared", tc.what)
		case !tc.refused && err != nil:
			t.Errorf("%s: refused (%v), want it stored otherwise", tc.what, err)
		case !tc.refused:
			var stored map[string]any
			json.Unmarshal(rec.Data, &stored)
			if reflect.DeepEqual(stored, tc.data) {
				t.Errorf("%s: stored as sent, want a difference declare would notice", tc.what)
			}
		}
	}
}
