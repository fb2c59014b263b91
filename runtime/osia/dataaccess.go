package osia

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// maxBody is the largest body of a match or verify: a few attributes.
const maxBody = 64 << 10

// maxNames is the most attributes one read asks for.
const maxNames = 64

// ReadPersonAttributes answers GET /v1/persons/{uin}?attributeNames=...: each attribute
// asked for, its value, or an Error in its place (unknown attribute, no value recorded).
func (s *Service) ReadPersonAttributes(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	names := r.URL.Query()["attributeNames"]
	if len(names) == 0 || len(names) > maxNames {
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, fmt.Sprintf("give from 1 to %d attributeNames", maxNames))
		return
	}
	ev, values, ok := s.personAttributes(w, r, actor)
	if !ok {
		return
	}
	out := map[string]any{}
	for _, name := range names {
		if v, ok := values[name]; ok {
			out[name] = v
		} else if _, known := ev.OSIA.Attributes[name]; known {
			out[name] = Error{Code: CodeNoValue, Message: "no value recorded"}
		} else {
			out[name] = Error{Code: CodeUnknownAttribute, Message: "Unknown attribute name"}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// MatchingError is one attribute that did not match: errorCode 0, the register has no such
// attribute (or no value for it); 1, it has and the value differs.
type MatchingError struct {
	AttributeName string `json:"attributeName"`
	ErrorCode     int    `json:"errorCode"`
}

// MatchPersonAttributes answers POST /v1/persons/{uin}/match: the attributes sent that do
// not match the register's, none when all do. Text is compared ignoring case and the spaces
// around it; numbers and booleans exactly.
func (s *Service) MatchPersonAttributes(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	var sent map[string]any
	if !decode(w, r, &sent) {
		return
	}
	for name, v := range sent {
		if !scalar(v) {
			writeError(w, http.StatusBadRequest, CodeInvalidParameter, "attribute "+name+" is not a string, number or boolean")
			return
		}
	}
	_, values, ok := s.personAttributes(w, r, actor)
	if !ok {
		return
	}
	out := []MatchingError{}
	for _, name := range slices.Sorted(maps.Keys(sent)) {
		have, ok := values[name]
		switch {
		case !ok:
			out = append(out, MatchingError{AttributeName: name, ErrorCode: 0})
		case compare(have, sent[name]) != 0:
			out = append(out, MatchingError{AttributeName: name, ErrorCode: 1})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// Expression is one of verifyPersonAttributes's.
type Expression struct {
	AttributeName string `json:"attributeName"`
	Operator      string `json:"operator"`
	Value         any    `json:"value"`
}

// VerifyPersonAttributes answers POST /v1/persons/{uin}/verify: true when every expression
// holds of the register's values. An attribute the register has no value for makes its
// expression false; one it does not know is a 400. Dates compare as their ISO 8601 text does.
func (s *Service) VerifyPersonAttributes(w http.ResponseWriter, r *http.Request, actor *records.Actor) {
	var exprs []Expression
	if !decode(w, r, &exprs) {
		return
	}
	for _, e := range exprs {
		switch e.Operator {
		case "<", ">", "=", ">=", "<=":
		default:
			writeError(w, http.StatusBadRequest, CodeInvalidParameter, "operator "+e.Operator+" is not one of <, >, =, >=, <=")
			return
		}
		if !scalar(e.Value) {
			writeError(w, http.StatusBadRequest, CodeInvalidParameter, "the value of "+e.AttributeName+" is not a string, number or boolean")
			return
		}
	}
	ev, values, ok := s.personAttributes(w, r, actor)
	if !ok {
		return
	}
	holds := true
	for _, e := range exprs {
		if _, known := ev.OSIA.Attributes[e.AttributeName]; !known {
			writeError(w, http.StatusBadRequest, CodeUnknownAttribute, "unknown attribute "+e.AttributeName)
			return
		}
		have, ok := values[e.AttributeName]
		if !ok {
			holds = false
			continue
		}
		c := compare(have, e.Value)
		switch e.Operator {
		case "<":
			holds = holds && c == -1
		case ">":
			holds = holds && c == 1
		case "=":
			holds = holds && c == 0
		case ">=":
			holds = holds && (c == 0 || c == 1)
		case "<=":
			holds = holds && (c == 0 || c == -1)
		}
	}
	writeJSON(w, http.StatusOK, holds)
}

// personAttributes is the step every request of the data access API begins with: the person
// the request names (the uin of its path), read for the actor, and their attributes. When
// there is none to read it answers the request itself (403 to an actor served no event, 404
// when there is no such person...) and gives ok false.
func (s *Service) personAttributes(w http.ResponseWriter, r *http.Request, actor *records.Actor) (ev *records.Event, values map[string]any, ok bool) {
	if len(s.served(actor)) == 0 {
		w.WriteHeader(http.StatusForbidden)
		return nil, nil, false
	}
	rec, ev, m, err := s.person(r.Context(), actor, r.PathValue("uin"))
	if err != nil {
		s.fail(w, err)
		return nil, nil, false
	}
	return ev, s.attributes(m, ev, rec), true
}

// scalar tells whether a value sent to be matched or verified is of a kind compare takes:
// text, a number or a boolean (JSON's null, arrays and objects are refused).
func scalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

// compare orders the register's value a and a sent value b: -1, 0, 1, or 2 when they are of
// kinds that do not compare (which no operator takes as true).
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		if !ok {
			return 2
		}
		return strings.Compare(strings.ToLower(strings.TrimSpace(a)), strings.ToLower(strings.TrimSpace(b)))
	case int:
		if b, ok := b.(float64); ok {
			return cmpFloat(float64(a), b)
		}
	case float64:
		if b, ok := b.(float64); ok {
			return cmpFloat(a, b)
		}
	case bool:
		if b, ok := b.(bool); ok && a == b {
			return 0
		}
	}
	return 2
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decode reads a JSON body of at most maxBody into v, answering 400 when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "cannot read the body (at most 64 KiB)")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		writeError(w, http.StatusBadRequest, CodeInvalidParameter, "the body is not the JSON expected")
		return false
	}
	return true
}

// attributes are the OSIA attributes of a record, by its event's mapping: those it has a
// value for. Text as it is recorded, dates as YYYY-MM-DD, places by name, choices by their
// codes when the mapping gives them (gender: ISO 5218), else by value.
func (s *Service) attributes(m *records.Model, ev *records.Event, r *store.Record) map[string]any {
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil
	}
	fields := map[string]bundle.Field{}
	for _, p := range ev.Pages {
		for _, f := range p.Fields {
			fields[f.ID] = f
		}
	}
	out := map[string]any{}
	for name, ref := range ev.OSIA.Attributes {
		v, f, ok := lookup(data, fields, ref)
		if !ok {
			continue
		}
		switch {
		case f.Type == "location":
			code, _ := v.(string)
			if place := s.placeName(m, code); place != "" {
				out[name] = place
			}
		case ev.OSIA.Codes[name] != nil:
			value, _ := v.(string)
			if c, ok := ev.OSIA.Codes[name][value]; ok {
				out[name] = c
			}
		default:
			switch v := v.(type) {
			case string:
				if v != "" {
					out[name] = v
				}
			case float64, bool:
				out[name] = v
			case []any: // checkboxes: the values, comma separated
				var parts []string
				for _, x := range v {
					parts = append(parts, fmt.Sprint(x))
				}
				out[name] = strings.Join(parts, ",")
			}
		}
	}
	return out
}

// lookup is the answer ref names (a field, or a part of a name or address field).
func lookup(data map[string]any, fields map[string]bundle.Field, ref string) (any, bundle.Field, bool) {
	if f, ok := fields[ref]; ok {
		v, ok := data[ref]
		return v, f, ok && v != nil
	}
	i := strings.LastIndexByte(ref, '.')
	if i < 0 {
		return nil, bundle.Field{}, false
	}
	f, ok := fields[ref[:i]]
	if !ok {
		return nil, bundle.Field{}, false
	}
	parts, _ := data[ref[:i]].(map[string]any)
	v, ok := parts[ref[i+1:]]
	return v, bundle.Field{ID: ref, Type: "text"}, ok && v != nil && f.ID != ""
}

// placeName is the name of an area or office of the bundle m, by code.
func (s *Service) placeName(m *records.Model, code string) string {
	if code == "" {
		return ""
	}
	names, ok := s.places.Load(m.Bundle.Hash)
	if !ok {
		n := map[string]string{}
		for _, a := range m.Bundle.Areas {
			n[a.Code] = a.Name
		}
		for _, o := range m.Bundle.Offices {
			n[o.Code] = o.Name
		}
		names, _ = s.places.LoadOrStore(m.Bundle.Hash, n)
	}
	return names.(map[string]string)[code]
}
