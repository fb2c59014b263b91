package web

import (
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/internal/national"
	"github.com/crvsctl/crvsctl/runtime/records"
)

// BenchmarkPlaces searches the places of a national-scale package (105,210 areas, 20,000
// offices) as the form's search box does, for words that match many places, few, or none.
func BenchmarkPlaces(b *testing.B) {
	dir := b.TempDir()
	if err := national.Write("../../countries/nerovia", dir); err != nil {
		b.Fatal(err)
	}
	bn, diags := compiler.Build(dir)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	m, err := records.NewModel(bn)
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Records: &records.Service{Model: m}, Catalog: i18n.New(bn.Country.Languages, bn.Country.DefaultLanguage, bn.Translations)}
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			newPlaceIndex(bn)
		}
	})
	s.placeIx = newPlaceIndex(bn)
	village := bundle.Field{Type: "location", Of: "area", Level: "village"}
	facility := bundle.Field{Type: "location", Of: "office", Types: []string{"health-facility"}}
	for _, c := range []struct {
		name string
		fl   bundle.Field
		q    string
	}{
		{"a common word", village, "village"},
		{"a word and a code", village, "village p07d13"},
		{"an office", facility, "office of01"},
		{"nothing", village, "vil zzz"},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = len(s.find(c.fl, c.q, 15))
			}
			b.ReportMetric(float64(n), "places")
		})
	}
}
