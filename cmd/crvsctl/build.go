package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/compiler"
)

func newBuildCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR -o bundle.json",
		Short: "Compile a country package into a bundle",
		Long: `build checks the country package in DIR as validate does and, when it has no errors,
writes the bundle the runtime serves: one JSON file, the same bytes for the same package,
carrying the package's version and the sha256 of its content.

Exit status: 0 when the bundle was written, 1 when the package has errors (nothing is
written), 2 when the command line is wrong.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("-o FILE is required: where to write the bundle")}
			}
			batchGC()
			b, diags := compiler.Build(args[0])
			if err := writeDiagnostics(cmd.OutOrStdout(), cmd.ErrOrStderr(), diags, "auto"); err != nil {
				return err
			}
			if b == nil {
				return exitCode(exitProblems)
			}
			data, err := b.Encode()
			if err != nil {
				return err
			}
			// Write beside the target and rename: a failed build never leaves half a bundle.
			tmp := out + ".tmp"
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				return err
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s %s, %d bytes\n", out, b.Version, b.Hash, len(data))
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the bundle file to write")
	return cmd
}
