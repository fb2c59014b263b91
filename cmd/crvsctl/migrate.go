package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// migrateShown is how many records that stay are listed, with why.
const migrateShown = 20

func newMigrateCommand() *cobra.Command {
	var event, user string
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "migrate PACKAGE_DIR | bundle.json",
		Short: "Move the records of older versions of the package to the one served",
		Long: `migrate moves every record declared under an older version of the country package to
the version given, which must be the newest the store has served (serve it first): each
record's answers go through the migration mapping of every version after its own, and must
then meet the new form as a declaration would. Each move is an entry of the record's history.

A record that cannot move (a new required field with no default, an answer the mapping does
not place) stays on its version, as it would without migrate: the records that stay are
listed with why, and the exit status is 1. Records move one by one, so migrate may run while
crvsctl serve does; a record changed meanwhile is listed, to be moved by running it again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := loadBundle(cmd, args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := server.OpenStore(ctx, sf.data, sf.mongo)
			if err != nil {
				return fmt.Errorf("opening the store: %w", err)
			}
			defer st.Close()
			kept, err := st.Bundles(ctx)
			if err != nil {
				return err
			}
			if len(kept) == 0 || kept[len(kept)-1].Hash != b.Hash {
				return usageError{fmt.Errorf("version %s (%s) is not the newest version this store has served: serve it first (crvsctl serve admits it)", b.Version, b.Hash)}
			}
			m, err := records.NewModel(b)
			if err != nil {
				return err
			}
			if event != "" && m.Events[event] == nil {
				return usageError{fmt.Errorf("the package has no event %q", event)}
			}
			cur := &records.Version{Model: m}
			svc := &records.Service{Model: m, Store: st, Versions: &records.Versions{Store: st, Current: cur}}
			moved, stayed, err := svc.MoveAll(ctx, event, user)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d records moved to version %s\n", moved, b.Version)
			if err != nil {
				return err
			}
			if len(stayed) == 0 {
				return nil
			}
			fmt.Fprintf(out, "%d records stay on older versions:\n", len(stayed))
			for i, s := range stayed {
				if i == migrateShown {
					fmt.Fprintf(out, "  ... and %d more\n", len(stayed)-migrateShown)
					break
				}
				var why []string
				for _, d := range s.Why {
					why = append(why, strings.TrimSpace(strings.TrimPrefix(d.Path, "/data/")+": "+d.Message))
				}
				fmt.Fprintf(out, "  %s: %s\n", s.ID, strings.Join(why, "; "))
			}
			return exitCode(exitProblems)
		},
	}
	cmd.Flags().StringVar(&event, "event", "", "move the records of this event only")
	cmd.Flags().StringVar(&user, "user", "crvsctl-migrate", "who the records' history says moved them")
	sf.add(cmd)
	return cmd
}
