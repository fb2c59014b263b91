package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/stats"
)

func newStatsCommand() *cobra.Command {
	var sf storeFlags
	var event, area, lang, format, out string
	var year int
	cmd := &cobra.Command{
		Use:   "stats PACKAGE_DIR|bundle.json --event E [--area A] [--year Y] [--lang L] [--format xlsx|csv|json] [-o FILE]",
		Short: "Write an event's vital statistics from a store, offline",
		Long: `stats reads the counts of a store (the embedded one in --data, or MongoDB with --mongodb)
and writes an area's year of an event's vital statistics, as the statistics page and its
exports give them: registrations by sex, month and quarter, completeness against the
package's population figures, timeliness, the tabulations the event's fields allow, and the
completeness of each area one level down.

--area is an area code ("" the nation), --year the year of the events' dates (this year by
default). --format xlsx (one sheet per table) and csv (one long table) suppress small counts
as the package says (statistics.suppressBelow), for publication; json is the API's report,
every count shown. Without --format, -o's extension chooses, else csv. Headings are in
--lang (the package's default language by default).

The counts are those crvsctl serve keeps: a store last served by an older crvsctl, or under a
bundle without these statistics, is brought up to date by crvsctl serve at its start.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := loadBundle(cmd, args[0])
			if err != nil {
				return err
			}
			if format == "" {
				format = strings.TrimPrefix(filepath.Ext(out), ".")
				if format == "" {
					format = "csv"
				}
			}
			if !slices.Contains([]string{"xlsx", "csv", "json"}, format) {
				return usageError{fmt.Errorf("--format %s: xlsx, csv or json", format)}
			}
			if lang == "" {
				lang = b.Country.DefaultLanguage
			}
			if !slices.Contains(b.Country.Languages, lang) {
				return usageError{fmt.Errorf("--lang %s: the package's languages are %s", lang, strings.Join(b.Country.Languages, ", "))}
			}
			if event == "" {
				return usageError{fmt.Errorf("--event is required: one of %s", strings.Join(statisticsEvents(b), ", "))}
			}
			if year == 0 {
				loc, err := time.LoadLocation(b.Country.TimeZone)
				if err != nil {
					return err
				}
				year = time.Now().In(loc).Year()
			}
			tab, err := stats.New(b)
			if err != nil {
				return err
			}
			q := stats.Query{Event: event, Area: area, Year: year}
			prefixes, err := tab.Prefixes(q)
			if err != nil {
				return usageError{err}
			}
			st, err := server.OpenStore(cmd.Context(), sf.data, sf.mongo)
			if err != nil {
				return fmt.Errorf("opening the store: %w", err)
			}
			counts, err := st.Counts(cmd.Context(), prefixes)
			st.Close()
			if err != nil {
				return err
			}
			rep, err := tab.Tabulate(q, counts)
			if err != nil {
				return err
			}
			labels := tab.Labels(event, i18n.New(b.Country.Languages, b.Country.DefaultLanguage, b.Translations), lang)
			var buf bytes.Buffer
			switch format {
			case "xlsx":
				err = tab.WriteXLSX(&buf, rep, labels)
			case "csv":
				err = tab.WriteCSV(&buf, rep, labels)
			case "json":
				enc := json.NewEncoder(&buf)
				enc.SetIndent("", "  ")
				err = enc.Encode(rep)
			}
			if err != nil {
				return err
			}
			return writeOut(cmd.OutOrStdout(), out, format, buf.Bytes())
		},
	}
	sf.add(cmd)
	cmd.Flags().StringVar(&event, "event", "", "the event")
	cmd.Flags().StringVar(&area, "area", "", "an area code; the nation when left out")
	cmd.Flags().IntVar(&year, "year", 0, "the year of the events' dates; this year when left out")
	cmd.Flags().StringVar(&lang, "lang", "", "the language of the headings; the package's default when left out")
	cmd.Flags().StringVar(&format, "format", "", "xlsx, csv or json; from -o's extension when left out, else csv")
	cmd.Flags().StringVarP(&out, "output", "o", "", "the file to write; standard output when left out")
	return cmd
}

// statisticsEvents are the events of a bundle that declare statistics.
func statisticsEvents(b *bundle.Bundle) []string {
	var out []string
	for _, ev := range b.Events {
		if ev.Statistics != nil {
			out = append(out, ev.ID)
		}
	}
	return out
}

// writeOut writes to a file, or to standard output — but never a spreadsheet's bytes to a
// terminal.
func writeOut(stdout io.Writer, path, format string, data []byte) error {
	if path == "" {
		if f, ok := stdout.(*os.File); ok && format == "xlsx" && term.IsTerminal(int(f.Fd())) {
			return usageError{fmt.Errorf("an XLSX file is not for a terminal: give -o FILE")}
		}
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
