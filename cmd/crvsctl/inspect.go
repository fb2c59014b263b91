package main

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/bundle"
)

func newInspectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect BUNDLE",
		Short: "Say what a bundle holds",
		Long: `inspect reads a bundle written by crvsctl build, checks its format and hash, and prints
its version, hash, languages, places, users and events with their field counts, each
event's certificates with their languages (the ids crvsctl print --template takes), and its
duplicate rules with the keys that find their candidates (one block of keys a line: a
candidate shares a key with the record on every part of a block).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			b, err := bundle.Decode(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "country\t%s (%s)\n", b.Country.Code, cmp.Or(b.Translations[b.Country.DefaultLanguage][b.Country.Name], b.Country.Name))
			fmt.Fprintf(w, "version\t%s\n", b.Version)
			fmt.Fprintf(w, "hash\t%s\n", b.Hash)
			fmt.Fprintf(w, "languages\t%s (default %s)\n", strings.Join(b.Country.Languages, ", "), b.Country.DefaultLanguage)
			fmt.Fprintf(w, "areas\t%d in %d levels (%s)\n", len(b.Areas), len(b.Country.AreaLevels), strings.Join(b.Country.AreaLevels, ", "))
			fmt.Fprintf(w, "offices\t%d\n", len(b.Offices))
			fmt.Fprintf(w, "users\t%d in %d roles\n", len(b.Users), len(b.Roles))
			for _, ev := range b.Events {
				fields := 0
				for _, p := range ev.Pages {
					fields += len(p.Fields)
				}
				fmt.Fprintf(w, "event %s\t%d fields on %d pages, %d actions, %d statuses\n", ev.ID, fields, len(ev.Pages), len(ev.Actions), len(ev.Statuses))
				for _, c := range ev.Certificates {
					fmt.Fprintf(w, "  certificate %s\t%s, %s %s\n", c.ID, strings.Join(c.Languages, " + "), c.Size, c.Orientation)
				}
				if d := ev.Duplicates; d != nil {
					for _, r := range d.Rules {
						for i, block := range r.Blocks {
							name := ""
							if i == 0 {
								name = r.ID
							}
							fmt.Fprintf(w, "  duplicates %s\t%s\n", name, blockText(block))
						}
					}
				}
			}
			return w.Flush()
		},
	}
}

// blockText writes a block of a duplicate rule's keys: "name child.name + child.dob ±5 days
// (or day and month swapped)".
func blockText(block []bundle.KeyPart) string {
	parts := make([]string, len(block))
	for i, p := range block {
		switch p.Kind {
		case "date":
			s := fmt.Sprintf("%s ±%d days", p.Field, p.Days)
			if p.AgeField != "" {
				s += " (or by " + p.AgeField + ")"
			}
			if p.DayMonthSwapped {
				s += " (or day and month swapped)"
			}
			parts[i] = s
		default:
			parts[i] = p.Kind + " " + p.Field
		}
	}
	return strings.Join(parts, " + ")
}
