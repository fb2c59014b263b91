package compiler

import (
	"encoding/json"

	"github.com/crvsctl/crvsctl/bundle"
)

// payloadSchema is the JSON Schema of an event's declaration as the runtime's API receives it:
// an object keyed by field id, each value of its field's JSON type, or null for no answer.
// It says nothing of what is required: a draft is incomplete by nature, and what a complete
// declaration needs depends on the rules, which the runtime evaluates.
func payloadSchema(ev bundle.Event) json.RawMessage {
	props := map[string]any{}
	for _, pg := range ev.Pages {
		for _, f := range pg.Fields {
			if s := fieldSchema(f); s != nil {
				props[f.ID] = s
			}
		}
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "a declaration of event " + ev.ID,
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	data, err := json.Marshal(schema) // maps are written with sorted keys: deterministic
	if err != nil {
		panic(err) // only maps, slices, strings and numbers: cannot fail
	}
	return data
}

// idPattern is an id of the package format (#ID in schema/package.cue), such as a document
// type.
const idPattern = `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`

// documentIDPattern is a document's id as the runtime gives it on upload: the address of its
// content, "sha256:" and 64 hex digits.
const documentIDPattern = `^sha256:[0-9a-f]{64}$`

func nullable(s map[string]any) map[string]any {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []string{t, "null"}
	}
	return s
}

func fieldSchema(f bundle.Field) map[string]any {
	values := func() []string {
		v := make([]string, len(f.Options))
		for i, o := range f.Options {
			v[i] = o.Value
		}
		return v
	}
	switch f.Type {
	case "heading", "paragraph":
		return nil
	case "number":
		s := map[string]any{"type": "number"}
		if f.Integer {
			s["type"] = "integer"
		}
		if f.Min != nil {
			s["minimum"] = *f.Min
		}
		if f.Max != nil {
			s["maximum"] = *f.Max
		}
		return nullable(s)
	case "date":
		return nullable(map[string]any{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`})
	case "yesno":
		return nullable(map[string]any{"type": "boolean"})
	case "select", "radio":
		return map[string]any{"enum": append(anySlice(values()), nil, "")}
	case "checkboxes":
		return nullable(map[string]any{"type": "array", "items": map[string]any{"enum": anySlice(values())}, "uniqueItems": true})
	case "name", "address":
		parts := map[string]any{}
		for _, p := range f.Parts {
			parts[p] = map[string]any{"type": []string{"string", "null"}, "maxLength": 200}
		}
		return nullable(map[string]any{"type": "object", "properties": parts, "additionalProperties": false})
	case "document":
		// An answer names an uploaded file and says what it is: one of the field's
		// documentTypes, or any id when the field lists none. Nothing else is kept with it:
		// the file's name, type and size are the stored document's.
		kind := map[string]any{"type": "string", "pattern": idPattern, "maxLength": 100}
		if len(f.DocumentTypes) > 0 {
			kind = map[string]any{"enum": anySlice(f.DocumentTypes)}
		}
		return nullable(map[string]any{
			"type":                 "object",
			"required":             []string{"type", "file"},
			"additionalProperties": false,
			"properties":           map[string]any{"type": kind, "file": map[string]any{"type": "string", "pattern": documentIDPattern}},
		})
	case "longtext":
		return nullable(map[string]any{"type": "string", "maxLength": 10000})
	}
	return nullable(map[string]any{"type": "string", "maxLength": 1000}) // text, phone, email, idnumber, location
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
