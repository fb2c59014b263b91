// Package compiler turns a country package — CUE files and spreadsheets — into a bundle the
// runtime serves, and reports every problem of the package at once, each with its position.
//
// It works in stages: loadCUE unifies the package's CUE with schema/package.cue and maps CUE's
// errors back to the author's files; check then looks at what CUE cannot (references between
// parts, rules with the rules package, workflows, numbering). Spreadsheets, translations and
// the bundle itself come next (issue 3).
package compiler

import (
	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/diag"
)

// Validate checks the package in dir and returns every problem found, sorted by position.
func Validate(dir string) diag.List {
	_, l := run(dir)
	return l
}

// Build checks the package in dir and, when it has no errors, compiles it into a bundle.
func Build(dir string) (*bundle.Bundle, diag.List) {
	c, l := run(dir)
	if c == nil || l.HasErrors() {
		return nil, l
	}
	return c.bundle(), l
}

func run(dir string) (*checker, diag.List) {
	src, l := loadCUE(dir)
	if src == nil || l.HasErrors() {
		// The checks in Go need the package decoded, which CUE refuses while it has errors.
		return nil, l
	}
	var pkg pkgModel
	if err := decode(src.value, &pkg); err != nil {
		src.addErrors(&l, err, CodeSchema)
		return nil, l
	}
	c := check(src, &pkg, &l)
	l.Sort()
	return c, l
}
