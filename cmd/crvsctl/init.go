package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/countries"
)

func newInitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Start a new country package from the example",
		Long: `init writes the example country package (Nerovia: CUE files, spreadsheets and tests) into
DIR, ready to edit: a working package to change step by step, checking it with validate as
you go. DIR must not exist yet, or be empty.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s is not empty: init writes a new package into a new directory", dir)
			}
			root, err := fs.Sub(countries.Example, countries.ExampleDir)
			if err != nil {
				return err
			}
			n := 0
			err = fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				target := filepath.Join(dir, path)
				if d.IsDir() {
					return os.MkdirAll(target, 0o755)
				}
				data, err := fs.ReadFile(root, path)
				if err != nil {
					return err
				}
				n++
				return os.WriteFile(target, data, 0o644)
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s; check it with: crvsctl validate %s\n", n, dir, dir)
			return err
		},
	}
}
