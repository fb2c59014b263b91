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
candidate shares a key with the record on every part of a block), and its vital statistics:
the population figures, and what each event's statistics count and by what.`,
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
			if st := b.Statistics; st != nil {
				fmt.Fprintf(w, "population\t%s\n", populationText(st))
			}
			for _, ev := range b.Events {
				fields := 0
				for _, p := range ev.Pages {
					fields += len(p.Fields)
				}
				fmt.Fprintf(w, "event %s\t%d fields on %d pages, %d actions, %d statuses\n", ev.ID, fields, len(ev.Pages), len(ev.Actions), len(ev.Statuses))
				for _, c := range ev.Certificates {
					fmt.Fprintf(w, "  certificate %s\t%s, %s %s\n", c.ID, strings.Join(c.Languages, " + "), c.Size, c.Orientation)
				}
				if st := ev.Statistics; st != nil {
					fmt.Fprintf(w, "  statistics\t%s\n", eventStatisticsText(st))
				}
				if m := ev.Migration; m != nil {
					fmt.Fprintf(w, "  migration\t%d renamed, %d removed, options of %d fields mapped, %d defaults\n",
						len(m.Renamed), len(m.Removed), len(m.Options), len(m.Defaults))
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

// populationText says what the population figures cover: "360 figures of 90 areas, 2023 to
// 2026; counts under 5 suppressed".
func populationText(st *bundle.Statistics) string {
	areas := map[string]bool{}
	first, last := 0, 0
	for _, p := range st.Population {
		areas[p.Area] = true
		if first == 0 || p.Year < first {
			first = p.Year
		}
		last = max(last, p.Year)
	}
	s := fmt.Sprintf("%d figures of %d areas", len(st.Population), len(areas))
	if first > 0 {
		s += fmt.Sprintf(", %d to %d", first, last)
	}
	if st.SuppressBelow > 0 {
		s += fmt.Sprintf("; counts under %d suppressed", st.SuppressBelow)
	}
	return s
}

// eventStatisticsText says what an event's statistics count and by what: "registered; expected
// births; on time within 365 days, late within 1826; by sex child.sex, ...".
func eventStatisticsText(st *bundle.EventStatistics) string {
	s := strings.Join(st.Counted, ", ")
	if st.Expected != "" {
		s += "; expected " + st.Expected
	}
	s += fmt.Sprintf("; on time within %d days, late within %d", st.OnTimeDays, st.LateDays)
	var by []string
	for _, f := range []struct{ name, field string }{{"sex", st.Sex}, {"motherAge", st.MotherAge}, {"birthOrder", st.BirthOrder},
		{"attendant", st.Attendant}, {"occurrence", st.Occurrence}, {"age", st.Age}, {"cause", st.Cause}} {
		if f.field != "" {
			by = append(by, f.name+" "+f.field)
		}
	}
	if len(by) > 0 {
		s += "; by " + strings.Join(by, ", ")
	}
	return s
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
