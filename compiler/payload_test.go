package compiler

import (
	"encoding/json"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
)

// A document answer is {"type", "file"}: the type one of the field's documentTypes (any id
// when it lists none), the file a document id as the runtime gives them; nothing else.
func TestDocumentSchema(t *testing.T) {
	file := `"sha256:` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `"`
	for _, c := range []struct {
		name  string
		field bundle.Field
		ok    []string
		bad   []string
	}{
		{"with documentTypes", bundle.Field{ID: "documents.motherId", Type: "document", DocumentTypes: []string{"national-id", "passport"}},
			[]string{`null`, `{"type": "national-id", "file": ` + file + `}`, `{"type": "passport", "file": ` + file + `}`},
			[]string{
				`{}`,
				`{"type": "national-id"}`,
				`{"file": ` + file + `}`,
				`{"type": "birth-notification", "file": ` + file + `}`,
				`{"type": "national-id", "file": ` + file + `, "name": "id.jpg"}`,
				`{"type": "national-id", "file": "id.jpg"}`,
				`{"type": "national-id", "file": "sha256:0123"}`,
				`{"type": "national-id", "file": "SHA256:` + "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef" + `"}`,
				`{"type": "national-id", "file": {"$gt": ""}}`,
				`"national-id"`,
				`[]`,
			}},
		{"without documentTypes", bundle.Field{ID: "documents.other", Type: "document"},
			[]string{`null`, `{"type": "birth-notification", "file": ` + file + `}`, `{"type": "x", "file": ` + file + `}`},
			[]string{
				`{}`,
				`{"type": "", "file": ` + file + `}`,
				`{"type": "Birth Notification", "file": ` + file + `}`,
				`{"type": "application/pdf", "file": ` + file + `}`,
				`{"type": 1, "file": ` + file + `}`,
			}},
	} {
		doc, _ := json.Marshal(map[string]any{"type": "object", "properties": map[string]any{"d": fieldSchema(c.field)}})
		s := compileSchema(t, c.name+".json", doc)
		for _, v := range c.ok {
			if err := s.Validate(jsonValue(t, `{"d": `+v+`}`)); err != nil {
				t.Errorf("%s: %s refused: %v", c.name, v, err)
			}
		}
		for _, v := range c.bad {
			if err := s.Validate(jsonValue(t, `{"d": `+v+`}`)); err == nil {
				t.Errorf("%s: %s accepted", c.name, v)
			}
		}
	}
}
