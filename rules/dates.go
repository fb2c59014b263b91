package rules

import (
	"fmt"
	"math"
)

// Days is a calendar date as the number of days since 1970-01-01 in the proleptic Gregorian
// calendar. Dates in a registration are calendar dates: no time of day, no time zone.
type Days int32

// The years a date may have: four digits, as in YYYY-MM-DD.
const (
	minYear = 1
	maxYear = 9999
)

var (
	minDays = civilToDays(minYear, 1, 1)
	maxDays = civilToDays(maxYear, 12, 31)
)

// civilToDays converts a year, month and day into Days (Howard Hinnant's days_from_civil).
func civilToDays(y, m, d int) Days {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Days(era*146097 + doe - 719468)
}

// Civil returns the year, month (1–12) and day of the month of d.
func (d Days) Civil() (year, month, day int) {
	z := int(d) + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

func (d Days) String() string {
	y, m, dd := d.Civil()
	return fmt.Sprintf("%04d-%02d-%02d", y, m, dd)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseDate reads exactly YYYY-MM-DD, a real date in the years 1 to 9999.
func ParseDate(s string) (Days, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < minYear || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, false
	}
	return civilToDays(y, m, d), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// addDays, addMonths and addYears are the language's date arithmetic. The count must be a whole
// number, and the result a date in the years 1 to 9999.
func addDays(d Days, n float64) Value {
	if n != math.Trunc(n) {
		return errorValue(ErrNotInteger)
	}
	r := float64(d) + n
	if r < float64(minDays) || r > float64(maxDays) {
		return errorValue(ErrDateRange)
	}
	return dateValue(Days(r))
}

// addMonths clamps the day to the last day of the month reached: 31 January plus one month is
// the last day of February.
func addMonths(d Days, n float64) Value {
	if n != math.Trunc(n) {
		return errorValue(ErrNotInteger)
	}
	y, m, day := d.Civil()
	total := float64(y)*12 + float64(m-1) + n
	if total < minYear*12 || total > maxYear*12+11 {
		return errorValue(ErrDateRange)
	}
	ny, nm := int(total)/12, int(total)%12+1
	return dateValue(civilToDays(ny, nm, min(day, daysInMonth(ny, nm))))
}

func addYears(d Days, n float64) Value {
	if n != math.Trunc(n) {
		return errorValue(ErrNotInteger)
	}
	if n > 12*maxYear || n < -12*maxYear {
		return errorValue(ErrDateRange)
	}
	return addMonths(d, n*12)
}

// monthsBetween counts the whole months from a to b: a month is complete when the day of the
// month of a is reached, so 31 January to 28 February is 0 months and a child born on
// 29 February completes its year on 1 March of a common year. From a later to an earlier date
// the count is negative and mirrors the other way.
func monthsBetween(a, b Days) int {
	if b < a {
		return -monthsBetween(b, a)
	}
	ay, am, ad := a.Civil()
	by, bm, bd := b.Civil()
	n := (by-ay)*12 + bm - am
	if bd < ad {
		n--
	}
	return n
}

// yearsBetween is the exact age in whole years on b of someone born on a.
func yearsBetween(a, b Days) int {
	return monthsBetween(a, b) / 12 // Go's division truncates toward zero, as the mirror needs
}
