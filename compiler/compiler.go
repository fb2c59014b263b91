// Package compiler turns a country package — CUE files and spreadsheets — into a bundle the
// runtime serves, and reports every problem of the package at once, each with its position.
//
// It works in stages: loadCUE unifies the package's CUE with schema/package.cue and maps CUE's
// errors back to the author's files; check then looks at what CUE cannot (references between
// parts, rules with the rules package, workflows, numbering). Spreadsheets, translations and
// the bundle itself come next (issue 3).
package compiler

import (
	"fmt"

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

// Compiled is a package built into its bundle, with where each part of it is written.
type Compiled struct {
	Bundle *bundle.Bundle
	c      *checker
}

// Compile is Build, keeping where each part of the package is written (see Compiled.Pos).
func Compile(dir string) (*Compiled, diag.List) {
	c, l := run(dir)
	if c == nil || l.HasErrors() {
		return nil, l
	}
	return &Compiled{Bundle: c.bundle(), c: c}, l
}

// Pos is where the package writes what path names, as the package is written ("events",
// "birth", "form", "pages", 0, "fields", 3), or the nearest thing around it. The places are in
// their sheets: "places", "areas" is the areas' sheet, "places", "areas", "D11" the row of
// area D11; "places", "offices" the offices' sheet.
func (p *Compiled) Pos(path ...any) diag.Pos {
	if len(path) >= 2 && path[0] == "places" && p.c.tb != nil {
		switch tb := p.c.tb; path[1] {
		case "areas":
			if len(path) > 2 {
				if a := tb.areas[fmt.Sprint(path[2])]; a != nil {
					return a.pos
				}
			}
			if tb.areasAt.File != "" {
				return tb.areasAt
			}
		case "offices":
			if tb.officesAt.File != "" {
				return tb.officesAt
			}
		}
	}
	return p.c.pos(path...)
}
