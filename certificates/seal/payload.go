package seal

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// PayloadVersion is the version of the claims this crvsctl writes and reads.
const PayloadVersion = 1

// Payload is what a certificate's QR code says about the registration it certifies. Strings are
// as the record holds them (names in whatever script they were registered in); dates are
// YYYY-MM-DD.
type Payload struct {
	// Version of the claims; Seal fills in PayloadVersion when it is 0.
	Version            int    `json:"version"`
	RegistrationNumber string `json:"registrationNumber"`
	// Event is the id of the event in the country package: "birth", "death".
	Event     string `json:"event"`
	EventDate string `json:"eventDate"`
	// EventPlace is the name of the place, as the certificate prints it.
	EventPlace string `json:"eventPlace,omitempty"`
	// GivenNames and FamilyName are the names of the person the record is about (the child,
	// the deceased); either may be empty (a person with one name).
	GivenNames        string `json:"givenNames,omitempty"`
	FamilyName        string `json:"familyName,omitempty"`
	CertificateSerial string `json:"certificateSerial"`
	IssueDate         string `json:"issueDate"`
	// IssuerKeyID is the id of the key that signed the seal. It travels once, as the COSE kid
	// in the signed (protected) header, not among the claims: Seal takes it from its keyID
	// argument and Open fills it in from the header.
	IssuerKeyID string `json:"issuerKeyId"`
}

// claims is the CBOR form of a Payload: a map with small integer keys (one byte each), dates as
// the number of days since 1970-01-01 (RFC 8943's content of tag 100, untagged: three bytes
// where "2026-11-03" takes eleven). Required entries are pointers so that a missing one is told
// from a zero one.
//
//	{1: version, 2: registration number, 3: event, 4: event date, 5: event place,
//	 6: given names, 7: family name, 8: certificate serial, 9: issue date}
//
// Keys 5, 6 and 7 are left out when empty. A later version adds keys, never reuses one.
type claims struct {
	Version            *uint64 `cbor:"1,keyasint"`
	RegistrationNumber *string `cbor:"2,keyasint"`
	Event              *string `cbor:"3,keyasint"`
	EventDate          *int64  `cbor:"4,keyasint"`
	EventPlace         string  `cbor:"5,keyasint,omitempty"`
	GivenNames         string  `cbor:"6,keyasint,omitempty"`
	FamilyName         string  `cbor:"7,keyasint,omitempty"`
	CertificateSerial  *string `cbor:"8,keyasint"`
	IssueDate          *int64  `cbor:"9,keyasint"`
}

// maxFieldLength bounds each text of a payload, in bytes: far above any real name or number,
// far below what would not fit a QR code anyway.
const maxFieldLength = 200

var (
	// Core deterministic encoding (RFC 8949 section 4.2.1): the same payload always makes the
	// same bytes, and so (Ed25519 being deterministic) the same seal.
	claimsEncMode = must(cbor.CoreDetEncOptions().EncMode())
	// The decoder of signed claims is strict all the same: no duplicate keys, no tags, no
	// indefinite lengths, no deep nesting, valid UTF-8.
	claimsDecMode = must(cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  4,
		MaxArrayElements: 16,
		MaxMapPairs:      64,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode())
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// encodeClaims checks a payload and returns its CBOR.
func encodeClaims(p Payload) ([]byte, error) {
	if p.Version == 0 {
		p.Version = PayloadVersion
	}
	if p.Version != PayloadVersion {
		return nil, fmt.Errorf("payload version %d: this crvsctl writes version %d", p.Version, PayloadVersion)
	}
	var problems []error
	text := func(name, value string, required bool) {
		switch {
		case value == "" && required:
			problems = append(problems, fmt.Errorf("%s is empty", name))
		case !utf8.ValidString(value):
			problems = append(problems, fmt.Errorf("%s is not valid UTF-8", name))
		case len(value) > maxFieldLength:
			problems = append(problems, fmt.Errorf("%s is %d bytes long, over %d", name, len(value), maxFieldLength))
		}
	}
	text("registration number", p.RegistrationNumber, true)
	text("event", p.Event, true)
	text("event place", p.EventPlace, false)
	text("given names", p.GivenNames, false)
	text("family name", p.FamilyName, false)
	text("certificate serial", p.CertificateSerial, true)
	eventDate, err := parseDay(p.EventDate)
	if err != nil {
		problems = append(problems, fmt.Errorf("event date: %w", err))
	}
	issueDate, err := parseDay(p.IssueDate)
	if err != nil {
		problems = append(problems, fmt.Errorf("issue date: %w", err))
	}
	if len(problems) == 0 && issueDate < eventDate {
		problems = append(problems, fmt.Errorf("issue date %s is before the event date %s", p.IssueDate, p.EventDate))
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	version := uint64(p.Version)
	return claimsEncMode.Marshal(claims{
		Version:            &version,
		RegistrationNumber: &p.RegistrationNumber,
		Event:              &p.Event,
		EventDate:          &eventDate,
		EventPlace:         p.EventPlace,
		GivenNames:         p.GivenNames,
		FamilyName:         p.FamilyName,
		CertificateSerial:  &p.CertificateSerial,
		IssueDate:          &issueDate,
	})
}

// errVersion is a payload of a version this crvsctl does not read.
var errVersion = errors.New("unsupported payload version")

// decodeClaims reads the CBOR of a payload; its errors say what is wrong, for ErrDamaged.
func decodeClaims(data []byte) (Payload, error) {
	var c claims
	if err := claimsDecMode.Unmarshal(data, &c); err != nil {
		return Payload{}, err
	}
	var missing []string
	for _, f := range []struct {
		name    string
		present bool
	}{
		{"version (1)", c.Version != nil},
		{"registration number (2)", c.RegistrationNumber != nil},
		{"event (3)", c.Event != nil},
		{"event date (4)", c.EventDate != nil},
		{"certificate serial (8)", c.CertificateSerial != nil},
		{"issue date (9)", c.IssueDate != nil},
	} {
		if !f.present {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Payload{}, fmt.Errorf("claims lack %v", missing)
	}
	if *c.Version != PayloadVersion {
		return Payload{}, fmt.Errorf("%w %d (this crvsctl reads version %d)", errVersion, *c.Version, PayloadVersion)
	}
	eventDate, err := formatDay(*c.EventDate)
	if err != nil {
		return Payload{}, fmt.Errorf("event date: %w", err)
	}
	issueDate, err := formatDay(*c.IssueDate)
	if err != nil {
		return Payload{}, fmt.Errorf("issue date: %w", err)
	}
	return Payload{
		Version:            int(*c.Version),
		RegistrationNumber: *c.RegistrationNumber,
		Event:              *c.Event,
		EventDate:          eventDate,
		EventPlace:         c.EventPlace,
		GivenNames:         c.GivenNames,
		FamilyName:         c.FamilyName,
		CertificateSerial:  *c.CertificateSerial,
		IssueDate:          issueDate,
	}, nil
}

const (
	dayLayout  = "2006-01-02"
	secondsDay = 24 * 60 * 60
)

// The days of years 1 to 9999, the dates YYYY-MM-DD can write.
var (
	minDay = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / secondsDay
	maxDay = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / secondsDay
)

// parseDay returns the number of days from 1970-01-01 to a YYYY-MM-DD date (negative before).
// It is calendar arithmetic: no time zone enters.
func parseDay(s string) (int64, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return t.Unix() / secondsDay, nil
}

// formatDay writes a number of days from 1970-01-01 as YYYY-MM-DD.
func formatDay(day int64) (string, error) {
	if day < minDay || day > maxDay {
		return "", fmt.Errorf("day %d is outside the years 1 to 9999", day)
	}
	return time.Unix(day*secondsDay, 0).UTC().Format(dayLayout), nil
}
