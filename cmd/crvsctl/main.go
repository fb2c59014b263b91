// Command crvsctl compiles a country's civil registration package and serves it.
//
// This file is the thin cobra layer: each subcommand lives in its own file and delegates to the
// packages that do the work (compiler, runtime, certificates).
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run())
}

// Exit statuses: 0 success, 1 problems found (the command said what they are), 2 a wrong
// command line.
const (
	exitProblems = 1
	exitUsage    = 2
)

// exitCode ends a command with a status after it has printed what it had to say.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a wrong command line found by a command itself.
type usageError struct{ error }

// run executes the command line and returns the process exit code, so tests can call it in-process.
func run() int {
	err := newRootCommand().Execute()
	var code exitCode
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "crvsctl:", err)
		return exitUsage
	case isCobraUsageError(err):
		fmt.Fprintln(os.Stderr, "crvsctl:", err)
		fmt.Fprintln(os.Stderr, "Run 'crvsctl --help' for usage.")
		return exitUsage
	}
	fmt.Fprintln(os.Stderr, "crvsctl:", err)
	return exitProblems
}

// isCobraUsageError recognises the errors cobra returns for a wrong command line: it has no
// type for them, only their wording.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument"} {
		if len(msg) >= len(prefix) && msg[:len(prefix)] == prefix {
			return true
		}
	}
	return false
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
	root.AddCommand(newVersionCommand(), newValidateCommand(), newBuildCommand(), newInspectCommand(), newTestCommand(), newInitCommand(), newServeCommand(), newUsersCommand(), newKeysCommand(), newVerifyCommand(), newPrintCommand(), newStatsCommand(), newDiffCommand(), newMigrateCommand(), newBackupCommand(), newRestoreCommand())
	root.AddCommand(newAuditCommand())
	return root
}

// batchGC lets a command that runs once over a package and exits (validate, build, test)
// collect garbage less often: its heap only grows until it exits, and collecting it at every
// doubling from 4 MB costs a fifth to a quarter of its time. The heap may then reach about five
// times what is live, bounded: a national package (100,000 places) peaks under 300 MB. GOGC, when
// set, is obeyed. serve keeps Go's default.
func batchGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
