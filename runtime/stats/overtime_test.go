package stats_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

// splitBundle is the test country with Dembe (D12) split on 2025-01-01 into Dune (D13) and
// Dora (D14), each with its population figures of the years it existed.
func splitBundle() *bundle.Bundle {
	b := testBundle()
	for i := range b.Areas {
		if b.Areas[i].Code == "D12" {
			b.Areas[i].ValidTo, b.Areas[i].Successors = "2024-12-31", []string{"D13", "D14"}
		}
	}
	b.Areas = append(b.Areas,
		bundle.Area{Code: "D13", Name: "Dune", Parent: "P1", Level: "district", ValidFrom: "2025-01-01"},
		bundle.Area{Code: "D14", Name: "Dora", Parent: "P1", Level: "district", ValidFrom: "2025-01-01"})
	b.Statistics.Population = slices.DeleteFunc(b.Statistics.Population, func(p bundle.Population) bool { return p.Area == "D12" })
	b.Statistics.Population = append(b.Statistics.Population,
		bundle.Population{Area: "D12", Year: 2024, Total: 2000, ExpectedBirths: 40},
		bundle.Population{Area: "D13", Year: 2025, Total: 1500, ExpectedBirths: 30},
		bundle.Population{Area: "D14", Year: 2025, Total: 1000, ExpectedBirths: 20})
	return b
}

func births(places ...string) []record {
	var out []record
	for i := 0; i+1 < len(places); i += 2 {
		out = append(out, record{Facts: stats.Facts{Event: "birth", Status: "registered", Number: "N" + places[i+1],
			Answers:    map[string]any{"child.dob": places[i+1], "child.district": places[i], "child.sex": "female"},
			Registered: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}, place: places[i]})
	}
	return out
}

func TestChildrenOfTheYear(t *testing.T) {
	s, err := stats.New(splitBundle())
	if err != nil {
		t.Fatal(err)
	}
	report := func(year int, recs []record) *stats.Report {
		t.Helper()
		q := stats.Query{Event: "birth", Area: "P1", Year: year}
		p, err := s.Prefixes(q)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Tabulate(q, read(counts(s, recs), p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	type kid struct {
		area       string
		registered int64
		expected   float64 // 0: none
		outOfTime  bool
	}
	kids := func(r *stats.Report) []kid {
		var out []kid
		for _, c := range r.Children {
			k := kid{area: c.Area, registered: c.Registered, outOfTime: c.OutOfTime}
			if c.Expected != nil {
				k.expected = *c.Expected
			}
			out = append(out, k)
		}
		return out
	}
	recs := births("D11", "2024-07-01", "D12", "2024-06-01", "D13", "2025-03-01", "D14", "2025-04-01")

	// The year before the split: Dembe, not its successors.
	r := report(2024, recs)
	if got, want := kids(r), []kid{{"D11", 1, 90, false}, {"D12", 1, 40, false}}; !slices.Equal(got, want) {
		t.Errorf("2024's children %v, want %v", got, want)
	}
	if r.Registered != 2 || r.Expected == nil || *r.Expected != 130 {
		t.Errorf("2024: %d registered, expected %v; want 2 of 130", r.Registered, r.Expected)
	}

	// The year after: the successors, not Dembe; the province's figure sums those of its
	// districts of the year.
	r = report(2025, recs)
	if got, want := kids(r), []kid{{"D11", 0, 100, false}, {"D13", 1, 30, false}, {"D14", 1, 20, false}}; !slices.Equal(got, want) {
		t.Errorf("2025's children %v, want %v", got, want)
	}
	if r.Registered != 2 || r.Expected == nil || *r.Expected != 150 {
		t.Errorf("2025: %d registered, expected %v; want 2 of 150", r.Registered, r.Expected)
	}

	// A record of 2025 placed in Dembe (declared before the server refused it) keeps
	// counting there: Dembe is listed, out of its time, and the children add up.
	r = report(2025, append(recs, births("D12", "2025-05-01")...))
	if got, want := kids(r), []kid{{"D11", 0, 100, false}, {"D12", 1, 0, true}, {"D13", 1, 30, false}, {"D14", 1, 20, false}}; !slices.Equal(got, want) {
		t.Errorf("2025's children with a record in Dembe %v, want %v", got, want)
	}
	if r.Registered != 3 {
		t.Errorf("2025 with a record in Dembe: %d registered, want 3", r.Registered)
	}
	b := splitBundle()
	if got, want := labels(s, b, "birth", "en").Child(r.Children[1]), "Dembe (not an area that year)"; got != want {
		t.Errorf("Dembe in 2025 is named %q, want %q", got, want)
	}
}
