package store

import "time"

// Assignment is a user's hold on a record: while it lasts, the actions of its event that need
// the record assigned are theirs alone to take (see records.Service.Assign). It is kept beside
// the record, not in it: assigning a record changes neither its version nor its history, so
// that pages others read are not made stale by it.
type Assignment struct {
	Record string    // the record's tracking ID
	User   string    // who holds it
	Until  time.Time // when it ends by itself, to the millisecond
}

// Live tells whether the assignment still holds at now.
func (a *Assignment) Live(now time.Time) bool { return a != nil && now.Before(a.Until) }
