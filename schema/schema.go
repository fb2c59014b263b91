// Package schema holds the contract of country packages: the CUE definitions every package must
// satisfy (package.cue, embedded in the binary) and, later, the JSON Schema of compiled bundles.
package schema

import _ "embed"

// PackageCUE is the source of package.cue. Its file name in positions is PackageFile.
//
//go:embed package.cue
var PackageCUE string

// PackageFile names package.cue in CUE positions, so that the compiler can tell a position in
// the schema from one in the author's files.
const PackageFile = "crvsctl:schema/package.cue"
