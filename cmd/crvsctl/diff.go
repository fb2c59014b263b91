package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/breaking"
	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/diag"
)

func newDiffCommand() *cobra.Command {
	var format string
	var allow []string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Say what a new version of a package breaks",
		Long: `diff compares two versions of a country package, each a package directory or a bundle
written by crvsctl build, and reports every change of NEW that breaks the records, the
integrators or the users of OLD, each with its rule id and how to avoid it: in NEW's files
when NEW is a directory, as validate writes its diagnostics (one a line as
file:line:col: RULE: message; fix when piped, --format json, github or pretty). --allow RULE,... accepts the changes of those rules.

Rules:
` + breaking.Describe() + `
Exit status: 0 when nothing breaks, 1 when something does (or a version does not build),
2 when the command line is wrong.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDiagFormat(format); err != nil {
				return err
			}
			if err := checkRules(allow); err != nil {
				return err
			}
			batchGC()
			old, _, l := loadVersion(args[0])
			if old == nil {
				return report(cmd, l, format)
			}
			new, pos, l := loadVersion(args[1])
			if new == nil {
				return report(cmd, l, format)
			}
			var out diag.List
			for _, c := range breaking.Check(old, new) {
				if !slices.Contains(allow, c.Rule) {
					out.Errorf(pos(c.Path...), c.Rule, c.Fix, "%s: %s", c.Rule, c.Message)
				}
			}
			return report(cmd, out, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "output format: auto, text, pretty, json or github")
	cmd.Flags().StringSliceVar(&allow, "allow", nil, "rule ids whose changes are accepted, comma-separated")
	return cmd
}

// loadVersion reads a version of a package: a directory is compiled (its diagnostics returned
// when it does not build), a file read as a bundle. pos places a path of the package in its
// files, or names the bundle file when there are none.
func loadVersion(path string) (*bundle.Bundle, func(...any) diag.Pos, diag.List) {
	var l diag.List
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		c, l := compiler.Compile(path)
		if c == nil {
			if !l.HasErrors() {
				l.Errorf(diag.Pos{File: path}, "build", "", "the package does not build")
			}
			return nil, nil, l
		}
		return c.Bundle, c.Pos, nil
	}
	data, err := os.ReadFile(path)
	if err == nil {
		var b *bundle.Bundle
		if b, err = bundle.Decode(data); err == nil {
			return b, func(...any) diag.Pos { return diag.Pos{File: path} }, nil
		}
	}
	l.Errorf(diag.Pos{File: path}, "bundle", "give a package directory, or a bundle written by crvsctl build", "%s", strings.TrimPrefix(err.Error(), path+": "))
	return nil, nil, l
}

// report writes diagnostics in a format (see writeDiagnostics), and fails when there are errors.
func report(cmd *cobra.Command, l diag.List, format string) error {
	if err := writeDiagnostics(cmd.OutOrStdout(), cmd.ErrOrStderr(), l, format); err != nil {
		return err
	}
	if l.HasErrors() {
		return exitCode(1)
	}
	return nil
}

// checkRules refuses an --allow naming no rule of crvsctl diff: a misspelt rule would allow nothing.
func checkRules(ids []string) error {
	for _, id := range ids {
		if !slices.ContainsFunc(breaking.Rules, func(r breaking.Rule) bool { return r.ID == id }) {
			return usageError{fmt.Errorf("--allow: no rule %s (the rules are listed by crvsctl diff --help)", id)}
		}
	}
	return nil
}
