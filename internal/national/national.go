// Package national writes a national-scale country package, for measuring the compiler and
// the runtime: the example country's whole package (CUE, translations, certificates' images
// and fonts, tests) with its places, offices and users replaced by 105,210 areas over four
// levels, 20,000 offices and health facilities and 5,000 users, and a population sheet of its
// communes. BenchmarkBuildNational uses
// it, and README.md ("Performance") gives the command that writes it for timing crvsctl build.
// WriteSize writes the same package at another size: the compiler's tests build a small one,
// so that a change to the example that the generator does not follow fails go test, not only
// make bench.
package national

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Size is how many places, offices and users a package has.
type Size struct {
	Provinces int // top-level areas
	Districts int // per province
	Communes  int // per district
	Villages  int // per commune
	Offices   int // offices and health facilities, one in four an office, spread over the communes
	Users     int // spread over the roles of the example's users and over the offices
}

// National is the size of Write's package: 105,210 areas, 20,000 offices, 5,000 users.
var National = Size{Provinces: 10, Districts: 20, Communes: 25, Villages: 20, Offices: 20000, Users: 5000}

// Areas is the number of areas of a package of this size.
func (s Size) Areas() int {
	return s.Provinces * (1 + s.Districts*(1+s.Communes*(1+s.Villages)))
}

// generated are the files of the example that the package replaces.
var generated = map[string]bool{"places/areas.csv": true, "places/offices.csv": true, "users.csv": true, "places/population.csv": true}

// Write writes the national-scale package into dir, from the example package in the
// directory example.
func Write(example, dir string) error {
	return WriteSize(example, dir, National)
}

// WriteSize writes into dir a package of the given size: every file of the example package
// (its CUE, translations, certificates' images and fonts, tests) but its areas, offices and
// users, which are generated.
func WriteSize(example, dir string, size Size) error {
	if size.Provinces < 1 || size.Districts < 1 || size.Communes < 1 || size.Offices < 1 || size.Users < 0 {
		return fmt.Errorf("a package needs at least one province, district, commune and office: %+v", size)
	}
	if cues, err := filepath.Glob(filepath.Join(example, "*.cue")); err != nil || len(cues) == 0 {
		return fmt.Errorf("no CUE files in %s", example)
	}
	err := filepath.WalkDir(example, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(example, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		case generated[filepath.ToSlash(rel)] || !d.Type().IsRegular():
			return nil
		}
		return copyFile(path, filepath.Join(dir, rel))
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "places"), 0o755); err != nil {
		return err
	}
	roles, err := exampleRoles(example)
	if err != nil {
		return err
	}

	var communes []string
	err = writeCSV(filepath.Join(dir, "places/areas.csv"), []string{"code", "name", "parent", "type", "name:fr", "name:am"}, func(w *csv.Writer) {
		for p := 1; p <= size.Provinces; p++ {
			pc := fmt.Sprintf("P%02d", p)
			w.Write([]string{pc, "Province " + pc, "", "province", "Province " + pc, "ክፍለ ሀገር " + pc})
			for d := 1; d <= size.Districts; d++ {
				dc := fmt.Sprintf("%sD%02d", pc, d)
				w.Write([]string{dc, "District " + dc, pc, "district", "District " + dc, "ወረዳ " + dc})
				for c := 1; c <= size.Communes; c++ {
					cc := fmt.Sprintf("%sC%02d", dc, c)
					communes = append(communes, cc)
					w.Write([]string{cc, "Commune " + cc, dc, "commune", "Commune " + cc, "ቀበሌ " + cc})
					for v := 1; v <= size.Villages; v++ {
						vc := fmt.Sprintf("%sV%02d", cc, v)
						w.Write([]string{vc, "Village " + vc, cc, "village", "Village " + vc, "መንደር " + vc})
					}
				}
			}
		}
	})
	if err != nil {
		return err
	}
	// The population of every commune, where every office is, in the example's wide layout:
	// districts and provinces are their communes' sums. 2,000 to 12,000 people a commune.
	err = writeCSV(filepath.Join(dir, "places/population.csv"), []string{"adminPcode",
		"male_population_2023", "female_population_2023", "population_2023", "crude_birth_rate_2023", "crude_death_rate_2023",
		"male_population_2024", "female_population_2024", "population_2024", "crude_birth_rate_2024", "crude_death_rate_2024"}, func(w *csv.Writer) {
		for i, cc := range communes {
			total := 2000 + (i*7919)%10000
			next := total + total*24/1000
			w.Write([]string{cc, fmt.Sprint(total / 2), fmt.Sprint(total - total/2), fmt.Sprint(total), "33.5", "9.1",
				fmt.Sprint(next / 2), fmt.Sprint(next - next/2), fmt.Sprint(next), "33.2", "9.0"})
		}
	})
	if err != nil {
		return err
	}
	codes := make([]string, 0, size.Offices)
	err = writeCSV(filepath.Join(dir, "places/offices.csv"), []string{"code", "name", "type", "area"}, func(w *csv.Writer) {
		for i := 0; i < size.Offices; i++ {
			typ := "health-facility"
			if i%4 == 0 {
				typ = "crvs-office"
			}
			code := fmt.Sprintf("OF%05d", i)
			codes = append(codes, code)
			w.Write([]string{code, "Office " + code, typ, communes[i%len(communes)]})
		}
	})
	if err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, "users.csv"), []string{"username", "name", "role", "office", "email", "phone"}, func(w *csv.Writer) {
		for i := 0; i < size.Users; i++ {
			u := fmt.Sprintf("user%04d", i)
			w.Write([]string{u, "User " + u, roles[i%len(roles)], codes[(i*4)%len(codes)], u + "@registry.example", ""})
		}
	})
}

// exampleRoles reads the roles the example's users have, in their order of first appearance.
func exampleRoles(example string) ([]string, error) {
	f, err := os.Open(filepath.Join(example, "users.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var roles []string
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if len(r) > 2 && !seen[r[2]] {
			seen[r[2]] = true
			roles = append(roles, r[2])
		}
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("%s: no users, so no roles to give", filepath.Join(example, "users.csv"))
	}
	return roles, nil
}

func writeCSV(path string, header []string, rows func(*csv.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(f)
	w := csv.NewWriter(b)
	w.Write(header)
	rows(w)
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
