// Package national writes a national-scale country package, for measuring the compiler and
// the runtime: the example country's CUE and translations, with 105,210 areas over four levels,
// 20,000 offices and health facilities and 5,000 users. BenchmarkBuildNational uses it, and
// README.md ("Performance") gives the command that writes it for timing crvsctl build.
package national

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes the package into dir, from the example package in the directory example.
func Write(example, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "places"), 0o755); err != nil {
		return err
	}
	cues, err := filepath.Glob(filepath.Join(example, "*.cue"))
	if err != nil || len(cues) == 0 {
		return fmt.Errorf("no CUE files in %s", example)
	}
	for _, f := range append(cues, filepath.Join(example, "translations.csv")) {
		if err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			return err
		}
	}
	roles, offices, err := exampleRolesAndOffices(example)
	if err != nil {
		return err
	}

	var communes []string
	err = writeCSV(filepath.Join(dir, "places/areas.csv"), []string{"code", "name", "parent", "type", "name:fr", "name:am"}, func(w *csv.Writer) {
		for p := 1; p <= 10; p++ {
			pc := fmt.Sprintf("P%02d", p)
			w.Write([]string{pc, "Province " + pc, "", "province", "Province " + pc, "ክፍለ ሀገር " + pc})
			for d := 1; d <= 20; d++ {
				dc := fmt.Sprintf("%sD%02d", pc, d)
				w.Write([]string{dc, "District " + dc, pc, "district", "District " + dc, "ወረዳ " + dc})
				for c := 1; c <= 25; c++ {
					cc := fmt.Sprintf("%sC%02d", dc, c)
					communes = append(communes, cc)
					w.Write([]string{cc, "Commune " + cc, dc, "commune", "Commune " + cc, "ቀበሌ " + cc})
					for v := 1; v <= 20; v++ {
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
	// The example's own offices first (its rules and users name some of them), then the rest.
	codes := make([]string, 0, 20000)
	err = writeCSV(filepath.Join(dir, "places/offices.csv"), []string{"code", "name", "type", "area"}, func(w *csv.Writer) {
		for i := 0; i < 20000; i++ {
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
	_ = offices
	return writeCSV(filepath.Join(dir, "users.csv"), []string{"username", "name", "role", "office", "email", "phone"}, func(w *csv.Writer) {
		for i := 0; i < 5000; i++ {
			u := fmt.Sprintf("user%04d", i)
			w.Write([]string{u, "User " + u, roles[i%len(roles)], codes[(i*4)%len(codes)], u + "@registry.example", ""})
		}
	})
}

// exampleRolesAndOffices reads the roles the example's users have, and its offices.
func exampleRolesAndOffices(example string) (roles, offices []string, err error) {
	read := func(name string, col int, seen map[string]bool, out *[]string) error {
		f, err := os.Open(filepath.Join(example, name))
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return err
		}
		for _, r := range rows[1:] {
			if !seen[r[col]] {
				seen[r[col]] = true
				*out = append(*out, r[col])
			}
		}
		return nil
	}
	if err := read("users.csv", 2, map[string]bool{}, &roles); err != nil {
		return nil, nil, err
	}
	if err := read("places/offices.csv", 0, map[string]bool{}, &offices); err != nil {
		return nil, nil, err
	}
	return roles, offices, nil
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
