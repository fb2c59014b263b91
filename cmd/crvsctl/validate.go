package main

import (
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
registration numbering. Every problem is reported at once.

--format says how (default auto):
  auto    pretty when stderr is a terminal, text otherwise
  text    one a line on stderr, as file:line:col: message; hint (for editors and pipes)
  pretty  on stderr, each with its source line, the offending range underlined, and the hint
  json    a JSON array on stdout; each position has its range (endLine, endColumn)
  github  GitHub Actions workflow commands on stdout: annotations on a pull request's files

Exit status: 0 when the package has no errors (warnings may be printed), 1 when it has,
2 when the command line is wrong.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDiagFormat(format); err != nil {
				return err
			}
			batchGC()
			return report(cmd, compiler.Validate(args[0]), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "output format: auto, text, pretty, json or github")
	return cmd
}
