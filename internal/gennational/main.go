// Command gennational writes the national-scale country package of internal/national, for
// timing crvsctl build (README.md, "Performance"). Run it from the repository's root:
//
//	go run ./internal/gennational /tmp/national
package main

import (
	"fmt"
	"os"

	"github.com/crvsctl/crvsctl/internal/national"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/gennational DIR   (run from the repository's root)")
		os.Exit(2)
	}
	if err := national.Write("countries/nerovia", os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gennational:", err)
		os.Exit(1)
	}
}
