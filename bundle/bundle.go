// Package bundle holds the compiled form of a country package: the one file the compiler
// writes and the runtime serves. These types are the only thing the compiler and the runtime
// share, so the format is described here, once.
//
// A bundle is deterministic: the same package gives the same bytes (slices in a defined
// order, maps written with sorted keys, no time stamps), and it carries the sha256 of its own
// content, so a record can name exactly the bundle it was declared under.
package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/crvsctl/crvsctl/rules"
)

// FormatVersion is the version of this format. A runtime refuses a bundle of another format.
// 2: a form's fields of free text say so (rules.FieldIR.Text), and their answers are checked.
const FormatVersion = 2

// Bundle is a compiled country package.
type Bundle struct {
	Format  int    `json:"format"`
	Version string `json:"version"` // the package's own semantic version
	// Hash is "sha256:" and the hex digest of the bundle written with Hash empty.
	Hash string `json:"hash"`

	Country      Country                      `json:"country"`
	Areas        []Area                       `json:"areas"`   // by code
	Offices      []Office                     `json:"offices"` // by code
	Users        []User                       `json:"users"`   // by username
	Roles        []Role                       `json:"roles"`   // by id
	Events       []Event                      `json:"events"`  // by id
	Translations map[string]map[string]string `json:"translations"`
	// Statistics is the population the vital statistics compare registrations with, and how
	// they are published; nil when the package declares none.
	Statistics *Statistics `json:"statistics,omitempty"`
	// Files the certificates use (backgrounds, images, fonts), by their path in the package:
	// in the bundle, so that it is all a runtime needs, and covered by its hash.
	Files map[string][]byte `json:"files,omitempty"`
	// Outbox says how the outbox delivers (see runtime/outbox); nil: its defaults.
	Outbox *Outbox `json:"outbox,omitempty"`
}

// Outbox is how the outbox delivers: MaxAttempts tries before a message is parked (0: the
// runtime's default).
type Outbox struct {
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// Country is what the runtime needs to know of the country.
type Country struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"` // a translation key
	Languages        []string `json:"languages"`
	DefaultLanguage  string   `json:"defaultLanguage"`
	FallbackLanguage string   `json:"fallbackLanguage,omitempty"`
	TimeZone         string   `json:"timeZone"`
	AreaLevels       []string `json:"areaLevels"`
	OfficeTypes      []string `json:"officeTypes"`
	// CallingCode is the country's calling code ("+260"), when the package gives it: a phone
	// number an administrator types as dialled in the country is read with it, as the users
	// sheet's are.
	CallingCode string `json:"callingCode,omitempty"`
}

// Area is an administrative area.
type Area struct {
	Code   string            `json:"code"`
	Name   string            `json:"name"`
	Names  map[string]string `json:"names,omitempty"` // by language, where it differs
	Parent string            `json:"parent,omitempty"`
	Level  string            `json:"level"`
	// ValidFrom and ValidTo are the first and last days the area exists (YYYY-MM-DD; empty:
	// always, still): an area split, merged or renamed ends, its Successors take its place.
	// Records keep the code they were declared with; new declarations see current areas only.
	ValidFrom  string   `json:"validFrom,omitempty"`
	ValidTo    string   `json:"validTo,omitempty"`
	Successors []string `json:"successors,omitempty"`
}

// Office is a registration office or a health facility.
type Office struct {
	Code  string            `json:"code"`
	Name  string            `json:"name"`
	Names map[string]string `json:"names,omitempty"` // by language, where it differs
	Type  string            `json:"type"`
	// Area is the area the office serves, or "" for a national office (headquarters, an
	// embassy or consulate abroad): an area role there reaches the whole nation.
	Area string `json:"area"`
}

// User is a user of the runtime. Never a password: those live in the runtime's store.
type User struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Office   string `json:"office"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Role says what its users may do, and where.
type Role struct {
	ID           string              `json:"id"`
	Label        string              `json:"label"`
	Jurisdiction string              `json:"jurisdiction"`    // office, area or nation
	Grants       map[string][]string `json:"grants"`          // event -> actions
	Reads        []string            `json:"reads,omitempty"` // events read without grants
	// Statistics are the events whose vital statistics the role reads, within its
	// jurisdiction: counts, never a person's data.
	Statistics []string `json:"statistics,omitempty"`
	// Administers are the roles whose users this role's users administer, within its
	// jurisdiction (see runtime/users): never a role of wider jurisdiction than its own.
	Administers []string `json:"administers,omitempty"`
	// Audited: the role's reads of a record's personal data are written in the audit log.
	Audited bool `json:"audited,omitempty"`
	// AuditLog: the role searches and exports the audit log, within its jurisdiction.
	AuditLog bool `json:"auditLog,omitempty"`
	// TwoFactor: the role's users log in with a second factor (TOTP), enrolled at their
	// first login if they have none (see runtime/auth).
	TwoFactor bool `json:"twoFactor,omitempty"`
}

// Event is a kind of vital event that can be registered.
type Event struct {
	ID         string        `json:"id"`
	Label      string        `json:"label"`
	DateField  string        `json:"dateField"`
	PlaceField string        `json:"placeField"`
	NameField  string        `json:"nameField"` // the name of the person the record is about
	Title      *rules.Node   `json:"title"`
	Pages      []Page        `json:"pages"`
	Rules      *rules.FormIR `json:"rules"` // the form's rules, fields in evaluation order
	Flags      []Flag        `json:"flags"`
	Statuses   []Status      `json:"statuses"`
	Actions    []Action      `json:"actions"` // by id
	Numbering  Numbering     `json:"numbering"`
	// Duplicates are the event's duplicate rules; nil: records of the event are not compared.
	Duplicates *Duplicates `json:"duplicates,omitempty"`
	// Statistics says what the event's vital statistics read; nil: the event is not
	// tabulated.
	Statistics *EventStatistics `json:"statistics,omitempty"`
	// Certificates its records can be printed on, by id.
	Certificates []Certificate `json:"certificates,omitempty"`
	// PayloadSchema is the JSON Schema (2020-12) of a declaration of this event, for the
	// runtime's API and for integrators.
	PayloadSchema json.RawMessage `json:"payloadSchema"`
	// Migration says how records of the version before this one move to it (package
	// migration applies it); nil: only answers to fields whose kind still holds them move (migration.Holds).
	Migration *Migration `json:"migration,omitempty"`
	// Assignment says which actions need the record assigned to the user who takes them;
	// nil: no action does, and records of the event are not assigned.
	Assignment *Assignment `json:"assignment,omitempty"`
	// OSIA says how records of the event are served through OSIA's Data Access and
	// Notification interfaces (see runtime/osia); nil: they are not.
	OSIA *OSIA `json:"osia,omitempty"`
	// Notifications are the messages sent when an action is taken, by action (see
	// runtime/outbox); nil: none.
	Notifications map[string][]Notification `json:"notifications,omitempty"`
	// Hooks are the systems outside called when an action is taken, before it completes,
	// by action (see runtime/hooks); nil: none.
	Hooks map[string]Hook `json:"hooks,omitempty"`
}

// Hook is a call to a system outside made when an action is taken, before it completes (see
// schema/package.cue, #Hook): crvsctl serve --hook gives the system's address and secret.
type Hook struct {
	System string `json:"system"`
	// Sends: the fields whose answers the system is sent; empty: every answer.
	Sends []string `json:"sends,omitempty"`
	// Stores: the fields the system may fill in its answer.
	Stores []string `json:"stores,omitempty"`
	// Timeout: how long the action waits for the system's answer, in seconds.
	Timeout int `json:"timeout"`
	// Waiting: the flag a record carries while the system works on it after answering 202;
	// "": a 202 is not an answer the action can take.
	Waiting string `json:"waiting,omitempty"`
}

// OSIA is an event's OSIA mapping (see schema/package.cue, #OSIA).
type OSIA struct {
	// Attributes: an OSIA attribute name, the field holding it: a field id, or a name
	// field's id, a dot and one of its parts.
	Attributes map[string]string `json:"attributes"`
	// Codes: an attribute, then a value of its choice field, the number OSIA writes for it.
	Codes map[string]map[string]int `json:"codes,omitempty"`
	// Events: an action, the OSIA event type (topic) published when it is taken.
	Events map[string]string `json:"events,omitempty"`
	// Message: members of a published message besides source and uin, each a field id.
	Message map[string]string `json:"message,omitempty"`
}

// Notification is a message sent through the outbox when an action is taken on a record:
// by Channel ("email", "sms") to the answer of field To, with the translation Message (and
// Subject, for an email) formatted with With (placeholder -> field id) and the known names,
// in the language the answer of field Language names, else the default language.
type Notification struct {
	Channel  string            `json:"channel"`
	To       string            `json:"to"`
	Message  string            `json:"message"`
	Subject  string            `json:"subject,omitempty"`
	With     map[string]string `json:"with,omitempty"`
	Language string            `json:"language,omitempty"`
}

// NotificationNames are the placeholders a notification's texts may use besides those of With.
var NotificationNames = []string{"trackingId", "number", "reason", "event", "action", "status"}

// Migration is how the records of an event's previous version move to this one (see
// schema/package.cue, #Migration). A record kept on an older version moves through each
// version's mapping in turn.
type Migration struct {
	// Renamed: an old field id, the new field id its answers move to (of a kind that holds them).
	Renamed map[string]string `json:"renamed,omitempty"`
	// Removed: old field ids whose answers are dropped on purpose, in the package's order.
	Removed []string `json:"removed,omitempty"`
	// Options: a new field id (a choice), then an old value, the value it becomes.
	Options map[string]map[string]string `json:"options,omitempty"`
	// Defaults: a new field id, the answer a record without one gets, in JSON as a record
	// holds it (a string, a number, a bool, a list of choices, an object of a name's parts).
	// Raw, so that a bundle read and written again keeps its bytes, and so its hash (a
	// number read into a float64 would not).
	Defaults map[string]json.RawMessage `json:"defaults,omitempty"`
}

// Page is a page of a declaration form.
type Page struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Field is a field of a form as the forms show it; its rules are in Event.Rules.
type Field struct {
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	Label         string   `json:"label"`
	Hint          string   `json:"hint,omitempty"`
	Options       []Option `json:"options,omitempty"`
	Min           *float64 `json:"min,omitempty"`
	Max           *float64 `json:"max,omitempty"`
	Integer       bool     `json:"integer,omitempty"`
	Unit          string   `json:"unit,omitempty"`
	Parts         []string `json:"parts,omitempty"`
	Of            string   `json:"of,omitempty"`
	Level         string   `json:"level,omitempty"`
	Types         []string `json:"types,omitempty"`
	Pattern       string   `json:"pattern,omitempty"`
	DocumentTypes []string `json:"documentTypes,omitempty"`
	Default       any      `json:"default,omitempty"`
}

// Option is one choice of a select, radio or checkboxes field.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Flag is a flag actions raise on records.
type Flag struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Status is a status a record can be in.
type Status struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Action is something a user does to a record.
type Action struct {
	ID    string   `json:"id"`
	Label string   `json:"label"`
	From  []string `json:"from"`
	To    string   `json:"to,omitempty"`
	// If is the whole condition; Conditions, its parts with their messages, when the package
	// gave them (a failed condition is then told by the message of its first part that fails).
	If          *rules.Node `json:"if,omitempty"`
	Conditions  []Condition `json:"conditions,omitempty"`
	AddFlags    []string    `json:"addFlags,omitempty"`
	RemoveFlags []string    `json:"removeFlags,omitempty"`
	// Edits is what the action may change in the declaration: "" nothing, "data" values
	// applied at once, "proposal" values recorded for the action that Applies them.
	Edits   string `json:"edits,omitempty"`
	Applies string `json:"applies,omitempty"`
	// CommentRequired: the action is refused without a comment.
	CommentRequired bool `json:"commentRequired,omitempty"`
	// Prints: the action prints a certificate of the record.
	Prints bool `json:"prints,omitempty"`
}

// Condition is a part of an action's condition and the translation key of what a user reads
// when it does not hold.
type Condition struct {
	If      *rules.Node `json:"if"`
	Message string      `json:"message"`
}

// Certificate is a certificate's template (see schema/package.cue, #Certificate).
type Certificate struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Languages   []string `json:"languages"`
	Size        string   `json:"size"`        // A4, A5 or Letter
	Orientation string   `json:"orientation"` // portrait or landscape
	Background  string   `json:"background,omitempty"`
	// Fonts are tried in order for each character; the Go fonts come after them.
	Fonts    []FontSet     `json:"fonts,omitempty"`
	Elements []CertElement `json:"elements"`
}

// FontSet is a font of the package, by its files.
type FontSet struct {
	Regular string `json:"regular"`
	Bold    string `json:"bold,omitempty"`
}

// CertElement is what a certificate prints, and where (millimetres, points). Exactly one of
// Text, Value, Number, Serial, Issued, Image, QR and Watermark is set.
type CertElement struct {
	X        float64     `json:"x"`
	Y        float64     `json:"y"`
	Width    float64     `json:"width,omitempty"`
	Height   float64     `json:"height,omitempty"`
	Size     float64     `json:"size"`
	Bold     bool        `json:"bold,omitempty"`
	Align    string      `json:"align"`
	Language int         `json:"language"` // 1 or 2
	If       *rules.Node `json:"if,omitempty"`

	Text  string      `json:"text,omitempty"` // a translation key
	Value *rules.Node `json:"value,omitempty"`
	// Field is the field a Value is straight from, when it is: it says how the value prints
	// (a place's name, a choice's label, yes or no in the certificate's language).
	Field     string `json:"field,omitempty"`
	Number    bool   `json:"number,omitempty"`
	Serial    bool   `json:"serial,omitempty"`
	Issued    bool   `json:"issued,omitempty"`
	Image     string `json:"image,omitempty"` // a file
	QR        bool   `json:"qr,omitempty"`
	Watermark string `json:"watermark,omitempty"` // a translation key
}

// Duplicates says how records that may be the same event are found, and what is done with
// them (see schema/package.cue, #Duplicates).
type Duplicates struct {
	// Flag is raised on a record that matches another by a rule; the package's action
	// conditions say what it blocks.
	Flag string `json:"flag"`
	// On are the actions that compare the record with the register: the creating ones, and
	// those after which its data may match another record.
	On []string `json:"on"`
	// Confirm is the action that marks a flagged record a duplicate of one of its candidates,
	// Dismiss the one that says it is none of them (the pairs are never raised again). Neither
	// creates a record; Dismiss removes Flag (its RemoveFlags, checked by the compiler).
	Confirm string          `json:"confirm"`
	Dismiss string          `json:"dismiss"`
	Rules   []DuplicateRule `json:"rules"` // by id
}

// DuplicateRule is one way two records can be the same event.
type DuplicateRule struct {
	ID    string `json:"id"`
	Label string `json:"label"` // a translation key
	Match Match  `json:"match"`
	// Blocks say how candidates are found without reading the register: a record is a
	// candidate when, for some block, it shares a key with the record checked on every part
	// of the block. Worked out by the compiler from Match (compiler.planBlocks): never empty,
	// at most 16 blocks, a block at most a few parts.
	Blocks [][]KeyPart `json:"blocks"`
}

// Match is a matcher of two records: exactly one of its fields is set. A matcher that reads
// an answer one of the two records lacks does not hold (not of it does).
type Match struct {
	All []Match `json:"all,omitempty"`
	Any []Match `json:"any,omitempty"`
	Not *Match  `json:"not,omitempty"`
	// Name: the two names (a name or text field) are similar, by Similarity (0 to 1).
	Name *NameMatch `json:"name,omitempty"`
	// Same: the two answers are the same (identity numbers without their spaces and
	// hyphens, texts without case and accents). Differ: both answered, and not the same.
	Same   string `json:"same,omitempty"`
	Differ string `json:"differ,omitempty"`
	// DateWithin: the two dates are at most a window apart.
	DateWithin *DateMatch `json:"dateWithin,omitempty"`
	// SamePlace: the two places are in one area of a level.
	SamePlace *PlaceMatch `json:"samePlace,omitempty"`
}

// NameMatch compares names.
type NameMatch struct {
	Field      string  `json:"field"`
	Similarity float64 `json:"similarity"`
}

// DateMatch compares dates.
type DateMatch struct {
	Field string `json:"field"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
	// AgeField is a number field of the age in whole years at the event, read where Field is
	// unanswered: the date is then taken as the event's date that many years back, give or
	// take a year.
	AgeField string `json:"ageField,omitempty"`
	// DayMonthSwapped: a date whose day and month are swapped is within the window too
	// (03/05 typed for 05/03).
	DayMonthSwapped bool `json:"dayMonthSwapped,omitempty"`
}

// PlaceMatch compares places (location fields).
type PlaceMatch struct {
	Field string `json:"field"`
	Level string `json:"level"` // the level of the area both must be in
}

// KeyPart is one part of a block's keys: the words of a name, an answer, or a date's
// window.
type KeyPart struct {
	Kind  string `json:"kind"` // "name", "same" or "date"
	Field string `json:"field"`
	// Days is a date's window either way: the keys are buckets of 2*Days+1 days. A window of
	// years is 366 days a year.
	Days            int    `json:"days,omitempty"`
	AgeField        string `json:"ageField,omitempty"`
	DayMonthSwapped bool   `json:"dayMonthSwapped,omitempty"`
}

// Statistics is the package's population figures and how statistics are published (see
// schema/package.cue, #Statistics).
type Statistics struct {
	// Population is by area and year, sorted by area then year: the rows of the package's
	// sheet, wide or long, as one list, and nothing else. An area without a row of a year
	// counts as its children's sum, when every child has one: the reader adds them up (the
	// compiler checks that every area with an office has a figure, its own or its children's).
	Population []Population `json:"population"`
	// SuppressBelow: exports show a count under it as suppressed (small counts in small
	// areas may identify people); 0 suppresses nothing.
	SuppressBelow int `json:"suppressBelow,omitempty"`
}

// Population is one area's population in one year, and the births and deaths expected there:
// given directly in the sheet, or its crude rate (per 1,000) times its total.
type Population struct {
	Area           string  `json:"area"`
	Year           int     `json:"year"`
	Total          int64   `json:"total"`
	Males          int64   `json:"males,omitempty"`   // 0: not given
	Females        int64   `json:"females,omitempty"` // 0: not given
	ExpectedBirths float64 `json:"expectedBirths,omitempty"`
	ExpectedDeaths float64 `json:"expectedDeaths,omitempty"`
}

// EventStatistics says which fields the statistics of an event read (see schema/package.cue,
// #EventStatistics). The date and place are the event's DateField and PlaceField; every other
// field is optional ("" when the form does not ask it), and a table that needs one is left out
// when it is "".
type EventStatistics struct {
	// Counted are the statuses in which a registered record (one with a registration number)
	// is counted: a record that leaves them (revoked, archived) leaves the counts.
	Counted []string `json:"counted"`
	// Expected is what completeness compares registrations with: "births" or "deaths" of
	// the population figures, or "" for none.
	Expected string `json:"expected,omitempty"`
	// OnTimeDays and LateDays are the legal periods from the event's date to its
	// registration: on time within OnTimeDays, late within LateDays, delayed after.
	OnTimeDays int `json:"onTimeDays"`
	LateDays   int `json:"lateDays"`

	Sex        string `json:"sex,omitempty"`        // a choice field: of the child, of the deceased
	MotherAge  string `json:"motherAge,omitempty"`  // a number field: the mother's age in years
	BirthOrder string `json:"birthOrder,omitempty"` // a number field: 1 for a first child
	Attendant  string `json:"attendant,omitempty"`  // a choice field: who attended the birth
	Occurrence string `json:"occurrence,omitempty"` // a choice field: the type of place (facility, home...)
	Age        string `json:"age,omitempty"`        // a number field: the deceased's age in years
	Cause      string `json:"cause,omitempty"`      // a text field: the ICD-10 code of the underlying cause
}

// Numbering is how registration numbers are made.
type Numbering struct {
	Format string `json:"format"`
	Scope  string `json:"scope"`  // national, office, year or office-year
	Action string `json:"action"` // the action that gives the number
}

// Encode writes the bundle as compact JSON, setting its hash. The same bundle always gives the
// same bytes. The hash is the sha256 of the bytes with an empty hash; the bundle is written
// once, with room left for the hash, since a national bundle is tens of megabytes.
func (b *Bundle) Encode() ([]byte, error) {
	b.Format = FormatVersion
	b.Hash = ""
	data, at, err := b.encode()
	if err != nil {
		return nil, err
	}
	b.Hash = hashInto(data, at)
	return data, nil
}

// Decode reads a bundle and checks its format and its hash: a bundle edited by hand or damaged
// on the way is refused, whatever it holds.
func Decode(data []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("not a bundle: %w", err)
	}
	if b.Format != FormatVersion {
		return nil, fmt.Errorf("bundle format %d: this crvsctl reads format %d", b.Format, FormatVersion)
	}
	want := b.Hash
	if _, err := b.Encode(); err != nil {
		return nil, err
	}
	if b.Hash != want {
		return nil, fmt.Errorf("bundle hash mismatch: it says %s but its content is %s (edited or damaged)", want, b.Hash)
	}
	return &b, nil
}
