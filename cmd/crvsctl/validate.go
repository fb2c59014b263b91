package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/compiler"
)

func newValidateCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate DIR",
		Short: "Check a country package and report every problem",
		Long: `validate checks the country package in DIR: its CUE against the package schema, and
what CUE cannot check — references between parts, rules, dependency cycles, the workflow,
registration numbering. Every problem is reported at once, one a line, as
file:line:col: message, or as a JSON array with --format json.

Exit status: 0 when the package has no errors (warnings may be printed), 1 when it has,
2 when the command line is wrong.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format must be text or json, not %q", format)}
			}
			batchGC()
			return report(cmd, compiler.Validate(args[0]), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
