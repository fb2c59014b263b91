package names

import "testing"

// The names of the benchmarks: a declaration's three-word name in Latin letters against
// a candidate's in Ethiopic letters (the slowest case: no word is equal, every word is
// compared), and the same in one script with one word differing.
var (
	benchA = []string{"Abebe", "Kebede Tesfaye"}
	benchB = []string{"አበበ", "ከበደ ተስፋዬ"}
	benchC = []string{"Abeba", "Kebede Tesfaye"}
)

var sinkName Name

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name  string
		parts []string
	}{{"latin", benchA}, {"ethiopic", benchB}, {"arabic", []string{"محمد", "عبد الله حسن"}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkName = Parse(bc.parts...)
			}
		})
	}
}

var sinkFloat float64

func BenchmarkSimilarity(b *testing.B) {
	for _, bc := range []struct {
		name string
		a, b []string
	}{
		{"across-scripts", benchA, benchB},
		{"one-word-differs", benchA, benchC},
		{"unrelated", benchA, []string{"Mohammed", "Ali Hassan"}},
		{"arabic-latin", []string{"محمد", "عبد الله حسن"}, []string{"Mohamed", "Abdallah Hasan"}},
	} {
		x, y := Parse(bc.a...), Parse(bc.b...)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkFloat = Similarity(x, y)
			}
		})
	}
}

var sinkKeys []string

func BenchmarkKeys(b *testing.B) {
	n := Parse(benchA...)
	b.ReportAllocs()
	for b.Loop() {
		sinkKeys = n.Keys()
	}
}
