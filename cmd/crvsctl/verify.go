package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/crvsctl/crvsctl/certificates/seal"
)

// envKeys names the key file verify reads when --keys is not given.
const envKeys = "CRVSCTL_KEYS"

// verifyResult is what verify --format json prints.
type verifyResult struct {
	Valid bool `json:"valid"`
	// Reason is seal.Code of the refusal: not-a-seal, unsupported, damaged, unknown-key,
	// bad-signature, key-expired, key-revoked.
	Reason  string        `json:"reason,omitempty"`
	Error   string        `json:"error,omitempty"`
	KeyID   string        `json:"keyId,omitempty"`
	Issuer  string        `json:"issuer,omitempty"`
	Payload *seal.Payload `json:"payload,omitempty"`
}

func newVerifyCommand() *cobra.Command {
	var keyFiles []string
	var format string
	cmd := &cobra.Command{
		Use:   "verify [--keys FILE] [PAYLOAD]",
		Short: "Check a certificate's QR code payload offline and print what it says",
		Long: `verify checks the signed payload of a certificate's QR code (the text that starts with
CRVS1:) against the public keys in a key file, without a network, and prints what it certifies.
The payload is the argument, or standard input (one line) when there is none or it is "-".
The key files are --keys (repeatable: their keys are put together), or $CRVSCTL_KEYS.

A payload is refused when it is not a crvsctl seal, is damaged (misread, cut, altered), names a
key the key files do not hold, has a bad signature (altered or forged), or was signed by a key
revoked or not valid on its issue date. --format json prints {"valid", "reason", "error",
"keyId", "issuer", "payload"} whether valid or not.

Exit status: 0 when the payload is valid, 1 when it is refused (with the reason), 2 when the
command line is wrong or a key file cannot be read (the payload was not checked).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format must be text or json, not %q", format)}
			}
			if len(keyFiles) == 0 {
				if env := os.Getenv(envKeys); env != "" {
					keyFiles = []string{env}
				} else {
					return usageError{fmt.Errorf("--keys FILE is required (or $%s): the public keys to check the payload against", envKeys)}
				}
			}
			ring, err := seal.ReadKeyring(keyFiles...)
			if err != nil {
				return usageError{fmt.Errorf("key file: %w", err)}
			}
			text, err := payloadText(cmd, args)
			if err != nil {
				return err
			}
			p, keyID, openErr := seal.Open(text, ring)
			res := verifyResult{Valid: openErr == nil, KeyID: keyID}
			if k, ok := ring.Key(keyID); ok {
				res.Issuer = k.Issuer
			}
			if openErr != nil {
				res.Reason, res.Error = seal.Code(openErr), openErr.Error()
			} else {
				res.Payload = &p
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else if openErr != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "invalid: %v\n", openErr)
			} else if err := printPayload(cmd.OutOrStdout(), res); err != nil {
				return err
			}
			if openErr != nil {
				return exitCode(exitProblems)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keyFiles, "keys", nil, "a public key file (JSON, as crvsctl keys generate writes); repeat for more")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// payloadText returns the payload from the argument or standard input. Only the line end is
// taken off what is read: Base45 has a space in its alphabet, so a payload may end with one.
func payloadText(cmd *cobra.Command, args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		return args[0], nil
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", usageError{errors.New("give the payload as the argument, or on standard input")}
	}
	data, err := io.ReadAll(io.LimitReader(in, 1<<16))
	if err != nil {
		return "", err
	}
	text := strings.TrimSuffix(string(data), "\n")
	text = strings.TrimSuffix(text, "\r")
	if strings.ContainsAny(text, "\r\n") {
		return "", usageError{errors.New("standard input holds more than one line: give one payload")}
	}
	return text, nil
}

// printPayload writes a valid payload for a person to read.
func printPayload(w io.Writer, res verifyResult) error {
	p := res.Payload
	signer := res.KeyID
	if res.Issuer != "" {
		signer += " (" + res.Issuer + ")"
	}
	fmt.Fprintf(w, "valid: signed by key %s\n\n", signer)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{
		{"registration number", p.RegistrationNumber},
		{"event", p.Event},
		{"event date", p.EventDate},
		{"event place", p.EventPlace},
		{"given names", p.GivenNames},
		{"family name", p.FamilyName},
		{"certificate serial", p.CertificateSerial},
		{"issue date", p.IssueDate},
	} {
		if row[1] == "" {
			row[1] = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}
