package compiler

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/crvsctl/crvsctl/diag"
)

// FuzzPopulation: any population sheet — either layout, or neither — gives diagnostics placed
// in the sheet, never a panic, and the figures it gives are numbers. The package around the
// sheet (testdata/packages/valid) is loaded once; each input is read and checked against it.
func FuzzPopulation(f *testing.F) {
	dir := f.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/packages/valid")); err != nil {
		f.Fatal(err)
	}
	c, l := run(dir)
	if c == nil || l.HasErrors() {
		f.Fatalf("the valid package: %v", l)
	}
	sheet := filepath.Join(dir, c.pkg.Statistics.Population.sheet.File)
	valid, err := os.ReadFile(sheet)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte("area,year,total,males,females,crudeBirthRate\nBB,2024,1000,500,500,30\n"))
	f.Add([]byte("adminPcode,name,male_population_2023,female_population_2023,population_2023,crude_birth_rate_2023\nBB,B,1,2,3,99\n"))
	f.Add([]byte("area,year\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(sheet, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var l diag.List
		c.l = &l
		st := c.population(c.tb)
		for _, d := range l {
			if d.Pos.File == "" || d.Message == "" || d.Code == "" {
				t.Errorf("a diagnostic without its place, message or code: %+v", d)
			}
		}
		for _, p := range st.Population {
			for _, x := range []float64{float64(p.Total), float64(p.Males), float64(p.Females), p.ExpectedBirths, p.ExpectedDeaths} {
				if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("a figure from %q: %+v", data, p)
				}
			}
		}
	})
}
