package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/compiler"
)

func newTestCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "test DIR",
		Short: "Run a country package's own tests",
		Long: `test builds the country package in DIR and runs the tests in DIR/tests/*.cue: each gives a
declaration, the day it is evaluated on and what the package's rules must make of it (errors
by field, fields shown or hidden, calculated values, flags raised). No server, no browser.

Each failure is printed at its test as file:line:col, then a summary line.
Exit status: 0 when every test passes, 1 when the package has errors or a test fails.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			batchGC()
			b, diags := compiler.Build(args[0])
			if err := writeDiagnostics(cmd.OutOrStdout(), cmd.ErrOrStderr(), diags, "auto"); err != nil {
				return err
			}
			if b == nil {
				return exitCode(exitProblems)
			}
			res := compiler.RunTests(args[0], b)
			if err := writeDiagnostics(cmd.OutOrStdout(), cmd.ErrOrStderr(), res.Problems, "auto"); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d passed, %d failed\n", res.Passed, res.Failed)
			if res.Failed > 0 || res.Problems.HasErrors() {
				return exitCode(exitProblems)
			}
			return nil
		},
	}
}
