// Package schema holds the contract of country packages: the CUE definitions every package must
// satisfy (package.cue) and the JSON Schema of compiled bundles (bundle.schema.json), both
// embedded in the binary.
package schema

import _ "embed"

// BundleSchema is the JSON Schema of a compiled bundle (bundle.schema.json), for anyone who
// reads bundles and for the runtime, which checks a bundle against it before serving it.
//
//go:embed bundle.schema.json
var BundleSchema []byte

// PackageCUE is the source of package.cue. Its file name in positions is PackageFile.
//
//go:embed package.cue
var PackageCUE string

// PackageFile names package.cue in CUE positions, so that the compiler can tell a position in
// the schema from one in the author's files.
const PackageFile = "crvsctl:schema/package.cue"
