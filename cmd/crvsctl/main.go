// Command crvsctl compiles a country's civil registration package and serves it.
//
// This file is the thin cobra layer: each subcommand lives in its own file and delegates to the
// packages that do the work (compiler, runtime, certificates).
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run())
}

// run executes the command line and returns the process exit code, so tests can call it in-process.
func run() int {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "crvsctl:", err)
		return 1
	}
	return 0
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "crvsctl",
		Short: "Civil registration from a country package",
		Long: `crvsctl turns a country package (CUE files and spreadsheets describing forms, places,
offices, users, roles, workflow, numbering, certificates and languages) into a checked,
versioned bundle, and serves that bundle as a civil registration system.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCommand())
	return root
}
