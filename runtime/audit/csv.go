package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// CSVHeader is the first row of an export in CSV.
var CSVHeader = []string{"seq", "time", "user", "role", "office", "areas", "kind", "record", "action", "details", "prev", "hash"}

// WriteCSV writes the entries of pages (read until one has no Next) as CSV rows after
// CSVHeader; n is the rows written. A cell that a spreadsheet would read as a formula (it
// begins with =, +, -, @, a tab or a carriage return) is written after an apostrophe, as
// OWASP advises: a username typed at the login form is in the log as typed.
func WriteCSV(ctx context.Context, w io.Writer, page func(after string) (store.AuditPage, error)) (n int, err error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	after := ""
	for {
		p, err := page(after)
		if err != nil {
			return n, err
		}
		for _, e := range p.Entries {
			row := []string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.User, e.Role, e.Office,
				strings.Join(e.Areas, " "), e.Kind, e.Record, e.Action, string(e.Details), e.Prev, e.Hash}
			for i, c := range row {
				row[i] = cell(c)
			}
			if err := cw.Write(row); err != nil {
				return n, err
			}
			n++
		}
		if p.Next == "" || ctx.Err() != nil {
			break
		}
		after = p.Next
	}
	cw.Flush()
	return n, cw.Error()
}

func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
