package dupgen

import (
	"fmt"
	"time"
)

// Dates are times at midnight UTC: a day of the calendar, whatever the machine's zone.

func mustDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(fmt.Sprintf("dupgen: today %q is not a date YYYY-MM-DD", s))
	}
	return t
}

func fmtDay(t time.Time) string { return t.Format(time.DateOnly) }

func addDays(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }

// yearsBetween is the age in whole years on b of someone born on a, as the rules count it
// (rules' yearsBetween): one born on 29 February is a year older on 1 March of a common year.
func yearsBetween(a, b time.Time) int {
	if b.Before(a) {
		return -yearsBetween(b, a)
	}
	n := b.Year() - a.Year()
	if b.Month() < a.Month() || (b.Month() == a.Month() && b.Day() < a.Day()) {
		n--
	}
	return n
}

// daysBetween is the number of days from a to b.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// bornAged is a date of birth that makes someone age (whole years) on day, offset days after
// the birthday that gave them that age (offset < 365).
func bornAged(day time.Time, age, offset int) time.Time {
	birthday := time.Date(day.Year()-age, day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if birthday.Month() != day.Month() { // 29 February in a common year: the 28th
		birthday = addDays(birthday, -birthday.Day())
	}
	return addDays(birthday, -offset)
}
