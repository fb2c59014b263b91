package compiler

import (
	"testing"

	"github.com/crvsctl/crvsctl/internal/national"
)

// BenchmarkValidateExample: crvsctl validate on the example country (the issue asks for under
// 300 ms, process start included; see README.md).
func BenchmarkValidateExample(b *testing.B) {
	for b.Loop() {
		if diags := Validate("../countries/nerovia"); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkBuildNational: crvsctl build of a national-scale package (105,210 areas, 20,000
// offices, 5,000 users, the example's forms and three languages), encoding included.
func BenchmarkBuildNational(b *testing.B) {
	dir := b.TempDir()
	if err := national.Write("../countries/nerovia", dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		bnd, diags := Build(dir)
		if bnd == nil {
			b.Fatal(diags)
		}
		data, err := bnd.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}
