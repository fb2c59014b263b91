package compiler

import (
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
	"github.com/crvsctl/crvsctl/internal/national"
)

// The example and the national package build without a single diagnostic: a benchmark whose
// input stops building must fail, with the reasons, not measure how fast a build is refused.

// BenchmarkValidateExample: crvsctl validate on the example country (the issue asks for under
// 300 ms, process start included; see README.md).
func BenchmarkValidateExample(b *testing.B) {
	for b.Loop() {
		mustBeClean(b, "../countries/nerovia", Validate("../countries/nerovia"))
	}
}

// BenchmarkBuildExample: crvsctl build on the example country, encoding included.
func BenchmarkBuildExample(b *testing.B) {
	for b.Loop() {
		bnd, diags := Build("../countries/nerovia")
		mustBeClean(b, "../countries/nerovia", diags)
		data, err := bnd.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}

// BenchmarkBuildNational: crvsctl build of a national-scale package (105,210 areas, 20,000
// offices, 5,000 users, the example's forms, certificates and three languages), encoding
// included.
func BenchmarkBuildNational(b *testing.B) {
	dir := b.TempDir()
	if err := national.Write("../countries/nerovia", dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		bnd, diags := Build(dir)
		mustBeClean(b, "the national package (internal/national)", diags)
		data, err := bnd.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}

// TestNationalPackageBuilds builds a small package of the national benchmark's generator, so
// that go test fails, not only make bench, when the generator no longer follows the example.
func TestNationalPackageBuilds(t *testing.T) {
	dir := t.TempDir()
	size := national.Size{Provinces: 2, Districts: 2, Communes: 2, Villages: 3, Offices: 12, Users: 20}
	if err := national.WriteSize("../countries/nerovia", dir, size); err != nil {
		t.Fatal(err)
	}
	bnd, diags := Build(dir)
	mustBeClean(t, "the national package (internal/national)", diags)
	if len(bnd.Areas) != size.Areas() || len(bnd.Offices) != size.Offices || len(bnd.Users) != size.Users {
		t.Errorf("%d areas, %d offices, %d users; want %d, %d, %d", len(bnd.Areas), len(bnd.Offices), len(bnd.Users), size.Areas(), size.Offices, size.Users)
	}
	if _, err := bnd.Encode(); err != nil {
		t.Fatal(err)
	}
	if national.National.Areas() != 105210 {
		t.Errorf("the national package has %d areas; README.md and the benchmarks say 105,210", national.National.Areas())
	}
}

// mustBeClean stops the test or benchmark when the package has any diagnostic, listing them
// one a line as crvsctl validate does.
func mustBeClean(tb testing.TB, what string, diags diag.List) {
	tb.Helper()
	if len(diags) == 0 {
		return
	}
	var s strings.Builder
	diags.WriteText(&s)
	tb.Fatalf("%s does not build cleanly (%d diagnostics):\n%s", what, len(diags), s.String())
}
