package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// mongoBackupAdvice is what backup and restore say to a MongoDB user: MongoDB's own tools do
// it, and only they can do it consistently while the server writes.
const mongoBackupAdvice = `crvsctl backs up the embedded store only; for MongoDB use its own tools: on a replica set, mongodump --oplog --uri URI --out DIR takes a consistent copy while crvsctl serves, and mongorestore --oplogReplay DIR puts it back (see README.md, "Backups")`

func newBackupCommand() *cobra.Command {
	var data, out, mongo string
	cmd := &cobra.Command{
		Use:   "backup --data DIR -o FILE",
		Short: "Copy the embedded store, consistently, while the server runs",
		Long: `backup writes a copy of the embedded store in --data to the file -o, which must not exist.
crvsctl serve may go on serving meanwhile: the copy is of the store as it was when the backup
began, with every record, action, document and number committed (acknowledged) before then,
and nothing of what is committed after. Declarations and actions go on during the backup.

The copy is written beside FILE, synced, checked (SQLite's integrity check) and only then
named FILE: a FILE that exists is a whole backup. crvsctl restore puts it back.

MongoDB is backed up with its own tools: see README.md, "Backups".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if mongo != "" {
				return errors.New(mongoBackupAdvice)
			}
			if data == "" || out == "" {
				return usageError{errors.New("--data DIR and -o FILE are required")}
			}
			path := filepath.Join(data, sqlitestore.FileName)
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s: no store there (no %s)", data, sqlitestore.FileName)
			} else if err != nil {
				return err
			}
			if _, err := os.Lstat(out); err == nil {
				return fmt.Errorf("%s already exists: a backup never overwrites a file; choose another -o", out)
			}
			st, err := sqlitestore.Open(data)
			if err != nil {
				return fmt.Errorf("opening the store: %w", err)
			}
			defer st.Close()
			start := time.Now()
			if err := st.Backup(cmd.Context(), out); err != nil {
				return err
			}
			fi, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: backup of %s, %d bytes, checked, in %s\n", out, data, fi.Size(), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "the directory of the embedded store (required)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "the backup file to write; it must not exist (required)")
	cmd.Flags().StringVar(&mongo, "mongodb", "", "refused, with the advice for MongoDB")
	return cmd
}

func newRestoreCommand() *cobra.Command {
	var data, mongo string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE --data DIR",
		Short: "Put a backup back as the embedded store",
		Long: `restore puts the backup FILE (of crvsctl backup) into --data as its store.

It checks FILE first (an SQLite file of a layout of the store this crvsctl can open, that
passes SQLite's integrity check), and changes nothing if it is not one. It refuses while a
process (crvsctl serve) has a store in DIR open, whatever --force says: stop the server
first. It refuses a DIR that holds anything, unless --force, which replaces the store there.

The copy is written beside the store, synced and checked again, then renamed into place.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if mongo != "" {
				return errors.New(mongoBackupAdvice)
			}
			if data == "" {
				return usageError{errors.New("--data DIR is required")}
			}
			start := time.Now()
			if err := sqlitestore.Restore(cmd.Context(), args[0], data, force); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: restored from %s, checked, in %s\n", data, args[0], time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "the directory of the embedded store to restore into (required)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the store (or whatever else) in DIR; never one in use")
	cmd.Flags().StringVar(&mongo, "mongodb", "", "refused, with the advice for MongoDB")
	return cmd
}
