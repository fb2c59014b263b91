package store

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrBadCursor: Query.After is not a Next this store gave.
var ErrBadCursor = errors.New("not a cursor of this store: use the next of the previous page")

// Cursor is the position after the last record of a page: pages are ordered by (Created, ID),
// so a page ends where a record was, however many are added meanwhile.
type Cursor struct {
	Created int64 // Unix milliseconds
	ID      string
}

func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Created, 10) + ":" + c.ID))
}

// ParseCursor reads Query.After; ErrBadCursor when it is not a Cursor.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		ms, id, ok := strings.Cut(string(b), ":")
		if n, err := strconv.ParseInt(ms, 10, 64); ok && err == nil && id != "" {
			return Cursor{n, id}, nil
		}
	}
	return Cursor{}, ErrBadCursor
}

// PageLimit is the number of records a page of q holds: 20 unless asked, at most 100.
func PageLimit(q Query) int {
	if q.Limit <= 0 {
		return 20
	}
	return min(q.Limit, 100)
}
