// Package countries holds the example country packages, embedded so that crvsctl init can
// start a new package from one on any machine.
package countries

import "embed"

// Example is the example country, Nerovia, under the directory "nerovia".
//
//go:embed nerovia
var Example embed.FS

// ExampleDir is the example's directory inside Example.
const ExampleDir = "nerovia"
