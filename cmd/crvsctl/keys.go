package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/certificates/seal"
)

func newKeysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Make the keys that sign certificates' QR codes"}
	var id, out, notBefore, notAfter, issuer string
	generate := &cobra.Command{
		Use:   "generate --id ID --out DIR",
		Short: "Make an Ed25519 key pair: a private key file for the signer, a public one for verifiers",
		Long: `generate makes an Ed25519 key pair for signing certificates' QR codes and writes two files
in DIR (made if missing):

  ID.private.json  the private key, readable by its owner only (mode 0600): give it to the
                   runtime that prints certificates, and to nothing else; it is never printed
  ID.public.json   the public key, as a key file that crvsctl verify reads: add its key to
                   the country's keyring and publish it

The key signs certificates issued from --not-before to --not-after (YYYY-MM-DD; by default
from today for five years); a certificate stays valid after that, since its key was valid on
the day it was issued. Existing files are never overwritten.

Exit status: 0 when the files were written, 1 when they could not be, 2 when the command line
is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" || out == "" {
				return usageError{errors.New("--id ID and --out DIR are required")}
			}
			if notBefore == "" {
				notBefore = time.Now().Format(time.DateOnly)
			}
			if notAfter == "" {
				from, err := time.Parse(time.DateOnly, notBefore)
				if err != nil {
					return usageError{fmt.Errorf("--not-before %q is not a date YYYY-MM-DD", notBefore)}
				}
				notAfter = from.AddDate(5, 0, -1).Format(time.DateOnly)
			}
			key, err := seal.GenerateKey(id, notBefore, notAfter, issuer)
			if err != nil {
				return usageError{err}
			}
			private, err := seal.MarshalPrivateKey(key)
			if err != nil {
				return err
			}
			public, err := seal.MarshalKeyring(key.Public())
			if err != nil {
				return err
			}
			privatePath := filepath.Join(out, id+".private.json")
			publicPath := filepath.Join(out, id+".public.json")
			for _, p := range []string{privatePath, publicPath} {
				if _, err := os.Lstat(p); err == nil {
					return fmt.Errorf("%s exists: a key is never overwritten; choose another --id or --out", p)
				}
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return err
			}
			if err := writeNew(privatePath, private, 0o600); err != nil {
				return err
			}
			if err := writeNew(publicPath, public, 0o644); err != nil {
				os.Remove(privatePath)
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: private key %s, signs issue dates %s to %s; keep it secret, for the signer only\n", privatePath, id, notBefore, notAfter)
			fmt.Fprintf(w, "%s: its public key, for the keyring verifiers use\n", publicPath)
			return nil
		},
	}
	generate.Flags().StringVar(&id, "id", "", "the key's id, printed in every seal it makes: letters, digits, '.', '_', '-' (say NV-2026-1)")
	generate.Flags().StringVar(&out, "out", "", "the directory to write the two files in")
	generate.Flags().StringVar(&notBefore, "not-before", "", "the first issue date the key signs, YYYY-MM-DD (default today)")
	generate.Flags().StringVar(&notAfter, "not-after", "", "the last issue date the key signs, YYYY-MM-DD (default five years on)")
	generate.Flags().StringVar(&issuer, "issuer", "", "who signs with the key, shown by verify (say \"Civil Registration Office of Nerovia\")")
	keys.AddCommand(generate)
	return keys
}

// writeNew writes a file that must not exist yet, with its mode from the start: a private key
// is never readable by others, not even for a moment.
func writeNew(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
