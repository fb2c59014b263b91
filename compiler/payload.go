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
		return nullable(map[string]any{"type": "object"})
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
