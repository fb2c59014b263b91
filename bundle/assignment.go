package bundle

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Assignment is an event's record assignment (see schema/package.cue, #Assignment): a user
// assigns a record to themselves before taking one of Actions on it; others see who holds it
// and cannot take those actions meanwhile. The holder, or a user of one of ReleasedBy's roles,
// releases it; it ends by itself ExpiresAfter it was taken.
type Assignment struct {
	// Actions are the actions that need the record assigned to their user, by id.
	Actions []string `json:"actions"`
	// ExpiresAfter is how long an assignment lasts, as the package wrote it: "30m", "8h",
	// "2d", "1d12h" (see ParseDuration).
	ExpiresAfter string `json:"expiresAfter"`
	// ReleasedBy are the roles (supervisors) that may release another user's assignment.
	ReleasedBy []string `json:"releasedBy,omitempty"`
}

// Expires is how long an assignment lasts: ExpiresAfter read.
func (a *Assignment) Expires() time.Duration {
	d, _ := ParseDuration(a.ExpiresAfter)
	return d
}

var durationPattern = regexp.MustCompile(`^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?$`)

// ParseDuration reads a duration of a package: whole days, hours and minutes, in that order,
// each at most once ("45m", "8h", "2d", "1d12h", "1h30m"). It must be more than nothing, and
// at most a year.
func ParseDuration(s string) (time.Duration, error) {
	m := durationPattern.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("%q is not a duration: write whole days, hours and minutes, such as 30m, 8h, 2d or 1h30m", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > 366*24*60 {
			return 0, fmt.Errorf("%q is too long: at most a year", s)
		}
		d += time.Duration(n) * unit
	}
	switch {
	case d <= 0:
		return 0, fmt.Errorf("%q is no time at all: an assignment must last a while", s)
	case d > 366*24*time.Hour:
		return 0, fmt.Errorf("%q is too long: at most a year", s)
	}
	return d, nil
}
