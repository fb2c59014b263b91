// Package osia serves the civil-registry side of OSIA, the Open Standards for Identity APIs
// of the Secure Identity Alliance (https://github.com/SecureIdentityAlliance/osia):
//
//   - the Data Access interface (1.3.0): a registered person's attributes read by identifier
//     (readPersonAttributes), matched (matchPersonAttributes) and verified against
//     expressions (verifyPersonAttributes), without the caller seeing more than it asks;
//   - the Notification interface (1.2.0), subscriber's side: subscribe to the topics the
//     register publishes (the OSIA event types its package names: liveBirth, death,
//     updatePerson...), list them, unsubscribe, confirm, kept in the store; and, for the
//     outbox that delivers them, the messages a record's action owes each subscriber
//     (Notifications).
//
// What is read comes from the package: an event's osia mapping (schema/package.cue, #OSIA)
// names the field holding each OSIA attribute. The identifier OSIA calls uin is the record's
// registration number: only records that hold one and are in the status the numbering
// action leads to are served (not declarations, not revoked records). Every caller is a user
// of the register, authenticated as every API call is (a bearer token), whose role reads the
// event, within their jurisdiction; every read of personal data goes through
// records.Service.Read, so an audited role's reads are in the audit log.
//
// The handlers answer as the specification's OpenAPI files say (runtime/osia/testdata):
// errors as {"code", "message"}; a 404 (unknown uin, or one outside the caller's rights) with
// no body. The API package mounts them under /osia/v1 (runtime/api/osia.go).
package osia

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Codes of the errors an attribute's value may be replaced with (readPersonAttributes), and
// of the Error bodies of refusals.
const (
	// CodeUnknownAttribute: the attribute is not one the register reads for this record's
	// event (the code of the specification's own example).
	CodeUnknownAttribute = 1023
	// CodeNoValue: the attribute is read from a field this record has no answer to.
	CodeNoValue = 1024
	// CodeInvalidParameter: a 400 (missing or malformed parameter or body).
	CodeInvalidParameter = 1
	// CodeUnknownTopic: a topic the register does not publish, or not to the caller.
	CodeUnknownTopic = 2
)

// Error is OSIA's error object.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Service serves OSIA over the register.
type Service struct {
	Records *records.Service
	// Actor is the actor of a user now (the store's users, or the bundle's): a
	// subscription's messages go to its owner only while their role reads the record's
	// event within their jurisdiction.
	Actor func(ctx context.Context, username string) (*records.Actor, error)
	// Source identifies the register in published messages ("source"); default "crvsctl".
	Source string
	// BaseURL is where the register is reached from outside (https://crvs.example.org): the
	// confirmation messages carry the URL to confirm a subscription at. "": they carry the
	// token only.
	BaseURL string
	// Deliver sends a notification (the outbox's job, at least once); nil: none is sent, not
	// even a subscription's confirmation, so subscriptions stay inactive.
	Deliver func(ctx context.Context, n Notification) error
	Now     func() time.Time
	Log     *slog.Logger

	places sync.Map // bundle hash -> map[code]name of its areas and offices
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handler is an OSIA handler, called with the authenticated caller.
type Handler func(w http.ResponseWriter, r *http.Request, actor *records.Actor)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, Error{Code: code, Message: message})
}

// errNotServed is a uin the register does not serve to the caller: unknown, not registered,
// of an event without an osia mapping, or outside the caller's rights (which a 404 does not
// tell apart).
var errNotServed = errors.New("not served")

// fail answers a refusal: 404 with no body as the specification describes it, 403 with none,
// 400 and 500 as Error.
func (s *Service) fail(w http.ResponseWriter, err error) {
	var re *records.Error
	switch {
	case errors.Is(err, errNotServed):
		w.WriteHeader(http.StatusNotFound)
	case errors.As(err, &re) && re.Kind == records.NotFound:
		w.WriteHeader(http.StatusNotFound)
	case errors.As(err, &re) && re.Kind == records.Forbidden:
		w.WriteHeader(http.StatusForbidden)
	case errors.As(err, &re) && re.Kind == records.BadRequest:
		msg := "invalid parameter"
		if len(re.Details) > 0 {
			msg = re.Details[0].Message
		}
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, msg)
	case errors.Is(err, context.Canceled):
	default:
		if s.Log != nil {
			s.Log.Error("OSIA request failed", "err", err)
		}
		writeError(w, http.StatusInternalServerError, 500, "the register could not do this")
	}
}

// served are the events whose records the actor may read through OSIA.
func (s *Service) served(actor *records.Actor) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(s.Records.Model.Events)) {
		if s.Records.Model.Events[id].OSIA != nil && actor.Role.Reads(id) {
			out = append(out, id)
		}
	}
	return out
}

// person reads the registered record whose registration number is uin, for the actor: an
// audited read. errNotServed when there is none the actor may read through OSIA.
func (s *Service) person(ctx context.Context, actor *records.Actor, uin string) (*store.Record, *records.Event, *records.Model, error) {
	uin = strings.TrimSpace(uin)
	if uin == "" || len(uin) > 200 {
		return nil, nil, nil, errNotServed
	}
	p, err := s.Records.Search(ctx, actor, store.Query{Number: uin, Limit: 10}, "")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, found := range p.Records {
		if found.Number == "" {
			continue
		}
		r, err := s.Records.Read(ctx, actor, found.ID)
		if err != nil {
			return nil, nil, nil, err
		}
		ev, v, err := s.Records.EventOf(ctx, r)
		if err != nil {
			return nil, nil, nil, err
		}
		if ev.OSIA == nil || !registered(ev, r) {
			continue
		}
		return r, ev, v.Model, nil
	}
	return nil, nil, nil, errNotServed
}

// registered tells whether a record is in the register: numbered, and in the status the
// action that numbers it leads to (not revoked, not archived).
func registered(ev *records.Event, r *store.Record) bool {
	if r.Number == "" {
		return false
	}
	a, ok := ev.Actions[ev.Numbering.Action]
	return ok && a.To != "" && r.Status == a.To
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
