package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/rules"
)

// exportedRecord is what print reads of a record exported from the API (GET
// /api/v1/records/{id}); other members are ignored.
type exportedRecord struct {
	ID     string         `json:"id"`
	Event  string         `json:"event"`
	Status string         `json:"status"`
	Flags  []string       `json:"flags"`
	Number string         `json:"number"`
	Data   map[string]any `json:"data"`
}

func newPrintCommand() *cobra.Command {
	var bundlePath, recordPath, template, lang, out, keyPath, serial, issued string
	var reprint bool
	cmd := &cobra.Command{
		Use:   "print --bundle B --record R.json [--template T] [--lang L] --key PRIVATE.json -o out.pdf",
		Short: "Print a certificate of an exported record, offline",
		Long: `print prints a certificate of a registered record exported from the runtime (the JSON
of GET /api/v1/records/{id}) with a bundle (or a package directory), as the runtime would,
without a server: the same template, texts and signed QR code.

--template names the certificate (crvsctl inspect lists them); without it, the first of the
record's event whose first language is --lang, else the first in --lang, else the first.
--key is the private key that signs the QR code (crvsctl keys generate). --serial defaults to
the registration number and "/offline-" and the issue date (--issued, today by default): the
register does not know a certificate printed offline, so the runtime's online check reports it
as unknown while its seal verifies offline. --reprint prints the watermark.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for flag, v := range map[string]string{"--bundle": bundlePath, "--record": recordPath, "-o": out} {
				if v == "" {
					return usageError{fmt.Errorf("%s is required", flag)}
				}
			}
			b, _, err := loadBundle(cmd, bundlePath)
			if err != nil {
				return err
			}
			var key *seal.PrivateKey
			if keyPath != "" {
				if key, err = seal.ReadPrivateKey(keyPath); err != nil {
					return usageError{err}
				}
			}
			rec, err := readExportedRecord(recordPath)
			if err != nil {
				return usageError{err}
			}
			p, err := certificates.New(b, key)
			if err != nil {
				return err
			}
			t, err := chooseTemplate(p, rec.Event, template, lang)
			if err != nil {
				return usageError{err}
			}
			if issued == "" {
				loc, err := time.LoadLocation(b.Country.TimeZone)
				if err != nil {
					return err
				}
				issued = time.Now().In(loc).Format(time.DateOnly)
			} else if _, err := time.Parse(time.DateOnly, issued); err != nil {
				return usageError{fmt.Errorf("--issued %q: write the date YYYY-MM-DD", issued)}
			}
			if serial == "" {
				serial = rec.Number + "/offline-" + issued
			}
			pg, err := p.Fill(t, certificates.Certificate{Number: rec.Number, Data: rec.Data,
				Context: &rules.Context{Status: rec.Status, Flags: rec.Flags}, Serial: serial, Issued: issued, Reprint: reprint})
			if err != nil {
				return fmt.Errorf("%s: certificate %s: %w", recordPath, t.ID, err)
			}
			var buf bytes.Buffer
			if err := t.Render(&buf, pg); err != nil {
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: certificate %s (%s) of %s, serial %s, %d bytes\n", out, t.ID, strings.Join(t.Languages, "+"), rec.Number, serial, buf.Len())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "", "the bundle file, or the package directory")
	f.StringVar(&recordPath, "record", "", "the exported record (JSON)")
	f.StringVar(&template, "template", "", "the certificate's id")
	f.StringVar(&lang, "lang", "", "the language to choose the certificate by")
	f.StringVar(&keyPath, "key", "", "the private key file that signs the QR code")
	f.StringVarP(&out, "output", "o", "", "the PDF to write")
	f.StringVar(&serial, "serial", "", "the certificate's serial")
	f.StringVar(&issued, "issued", "", "the date of issue, YYYY-MM-DD (today in the country by default)")
	f.BoolVar(&reprint, "reprint", false, "print the watermark of a reprint")
	return cmd
}

func readExportedRecord(path string) (*exportedRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rec exportedRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: not an exported record: %w", path, err)
	}
	switch {
	case rec.Event == "" || rec.Data == nil:
		return nil, fmt.Errorf("%s: not an exported record: it has no event or no data", path)
	case rec.Number == "":
		return nil, fmt.Errorf("%s: record %s has no registration number: only a registered record has a certificate", path, rec.ID)
	}
	return &rec, nil
}

// chooseTemplate is the certificate asked for by id, or by language.
func chooseTemplate(p *certificates.Printer, event, id, lang string) (*certificates.Template, error) {
	var ids []string
	for _, t := range p.Templates(event) {
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("event %s has no certificate", event)
	}
	if id == "" {
		t, _ := p.Choose(event, lang)
		return t, nil
	}
	t, ok := p.Template(event, id)
	switch {
	case !ok:
		return nil, fmt.Errorf("event %s has no certificate %q; it has %s", event, id, strings.Join(ids, ", "))
	case lang != "" && !slices.Contains(t.Languages, lang):
		return nil, fmt.Errorf("certificate %s is in %s, not %s", id, strings.Join(t.Languages, " and "), lang)
	}
	return t, nil
}
