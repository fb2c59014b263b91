package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

func newAuditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Export the audit log and check that nothing in it was altered or removed"}

	var sf storeFlags
	var out string
	export := &cobra.Command{
		Use:   "export [--data DIR | --mongodb URI] [-o FILE]",
		Short: "Write the whole audit log, with its signed checkpoints, as JSON lines",
		Long: `export writes every checkpoint of the audit log, then every entry oldest first, one JSON
object a line ({"checkpoint": ...} or {"entry": ...}), to FILE or standard output: what
crvsctl audit verify FILE checks, away from the server and its store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := server.OpenStore(cmd.Context(), sf.data, sf.mongo)
			if err != nil {
				return err
			}
			defer st.Close()
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				w = f
			}
			n, err := audit.Export(cmd.Context(), st, w)
			if err != nil {
				return err
			}
			if f, ok := w.(*os.File); ok && f != os.Stdout {
				if err := f.Sync(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d entries written to %s\n", n, out)
			}
			return nil
		},
	}
	sf.add(export)
	export.Flags().StringVarP(&out, "output", "o", "", "the file to write (it must not exist); standard output when not given")

	var vf storeFlags
	var keyFiles []string
	verify := &cobra.Command{
		Use:   "verify [--data DIR | --mongodb URI | FILE] --keys PUBLIC...",
		Short: "Check the audit log's chain and its signed checkpoints offline",
		Long: `verify reads the audit log — of the store (--data, --mongodb) or of a file crvsctl audit
export wrote — and checks that every entry's hash is that of its content, that each entry
names the hash of the one before, that no sequence number is missing, and that every
checkpoint is signed by one of the public keys of --keys (files of crvsctl keys generate) and
still matches the entry it signed. It names the first entry altered or removed.

What it cannot tell: entries removed from the end of the log after the last checkpoint, and a
log rewritten whole by someone who also holds a key that signs checkpoints.

Exit status: 0 when the log is intact, 1 when it is not (each problem printed, the first
first), 2 when the command line is wrong or the log cannot be read.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(keyFiles) == 0 {
				return usageError{fmt.Errorf("--keys FILE is required: the public keys of the checkpoints")}
			}
			ring, err := seal.ReadKeyring(keyFiles...)
			if err != nil {
				return usageError{err}
			}
			var next func() (*store.AuditEntry, error)
			var cps []store.AuditCheckpoint
			from := ""
			if len(args) == 1 {
				if cmd.Flags().Changed("data") || vf.mongo != "" {
					return usageError{fmt.Errorf("give a file or a store (--data, --mongodb), not both")}
				}
				f, err := os.Open(args[0])
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				if cps, next, err = audit.ReadExport(f); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				from = args[0]
			} else {
				st, err := server.OpenStore(cmd.Context(), vf.data, vf.mongo)
				if err != nil {
					return err
				}
				defer st.Close()
				if cps, err = st.AuditCheckpoints(cmd.Context()); err != nil {
					return err
				}
				next = audit.StoreEntries(cmd.Context(), st)
				from = "the store"
			}
			start := time.Now()
			rep, err := audit.Verify(next, cps, ring)
			if err != nil {
				return fmt.Errorf("%s: %w", from, err)
			}
			w := cmd.OutOrStdout()
			if !rep.OK() {
				fmt.Fprintf(w, "the audit log of %s was altered: %s read\n", from, plural(rep.Entries, "entry", "entries"))
				for _, p := range rep.Problems {
					fmt.Fprintln(w, p.Message)
				}
				if rep.Dropped > 0 {
					fmt.Fprintf(w, "and %d problems more\n", rep.Dropped)
				}
				return exitCode(exitProblems)
			}
			fmt.Fprintf(w, "the audit log of %s is intact: %s, %s signed and matching (%s)\n",
				from, plural(rep.Entries, "entry", "entries"), plural(int64(rep.Checkpoints), "checkpoint", "checkpoints"), time.Since(start).Round(time.Millisecond))
			if rep.Entries > 0 {
				fmt.Fprintf(w, "head: entry %d, %s, hash %s\n", rep.Head.Seq, rep.Head.Time.Format(time.RFC3339), rep.Head.Hash)
				last := int64(0)
				for _, c := range cps {
					last = max(last, c.Seq)
				}
				if last < rep.Head.Seq {
					fmt.Fprintf(w, "entries %d to %d are after the last checkpoint: removing them from the end would not be seen\n", last+1, rep.Head.Seq)
				}
			}
			return nil
		},
	}
	vf.add(verify)
	verify.Flags().StringArrayVar(&keyFiles, "keys", nil, "a public key file of the keys that sign checkpoints (repeatable)")
	cmd.AddCommand(export, verify)
	return cmd
}

func plural(n int64, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, other)
}
