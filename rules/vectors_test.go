package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// vectorFile is testdata/vectors.json: the expressions, declarations and expected results that
// the Go evaluator (here) and the JavaScript one (rules/js/rules.test.js) must both give.
type vectorFile struct {
	Schema
	Context jsonContext `json:"context"`
	Vectors []struct {
		Name    string          `json:"name,omitempty"`
		Expr    string          `json:"expr"`
		Data    map[string]any  `json:"data,omitempty"`
		Context json.RawMessage `json:"context,omitempty"`
		Want    any             `json:"want"`
	} `json:"vectors"`
}

// jsonContext is a Context as the vectors and the browser write it.
type jsonContext struct {
	Today  string `json:"today"`
	Record *struct {
		Status string   `json:"status"`
		Flags  []string `json:"flags"`
	} `json:"record,omitempty"`
	User *struct {
		Role   string `json:"role"`
		Office string `json:"office"`
		Area   string `json:"area"`
	} `json:"user,omitempty"`
}

// with returns a copy of j in which the keys of override replace j's own.
func (j jsonContext) with(t *testing.T, override json.RawMessage) jsonContext {
	var out jsonContext
	base, _ := json.Marshal(j)
	if err := json.Unmarshal(base, &out); err != nil {
		t.Fatal(err)
	}
	if len(override) > 0 {
		if err := json.Unmarshal(override, &out); err != nil {
			t.Fatalf("context: %v", err)
		}
	}
	return out
}

func (j jsonContext) context(t *testing.T) *Context {
	d, ok := ParseDate(j.Today)
	if !ok {
		t.Fatalf("context: bad today %q", j.Today)
	}
	c := &Context{Today: d}
	if j.Record != nil {
		c.Status, c.Flags = j.Record.Status, j.Record.Flags
	}
	if j.User != nil {
		c.Role, c.Office, c.Area = j.User.Role, j.User.Office, j.User.Area
	}
	return c
}

// compiledVector is one entry of testdata/vectors.compiled.json, what node reads: the compiled
// tree instead of the source, and the context with the vector's overrides applied.
type compiledVector struct {
	Name    string         `json:"name"`
	Expr    string         `json:"expr"`
	IR      *Node          `json:"ir"`
	Data    map[string]any `json:"data"`
	Context jsonContext    `json:"context"`
	Want    any            `json:"want"`
}

func TestVectors(t *testing.T) {
	var file vectorFile
	readJSON(t, "testdata/vectors.json", &file)
	env, err := NewEnv(file.Schema)
	if err != nil {
		t.Fatalf("testdata/vectors.json: %v", err)
	}
	if len(file.Vectors) < 200 {
		t.Errorf("only %d vectors; the browser parity promise needs at least 200", len(file.Vectors))
	}
	var compiled []compiledVector
	for i, v := range file.Vectors {
		name := v.Name
		if name == "" {
			name = v.Expr
		}
		name = fmt.Sprintf("%03d %s", i, name)
		ctx := file.Context.with(t, v.Context)
		if v.Data == nil {
			v.Data = map[string]any{}
		}
		t.Run(name, func(t *testing.T) {
			expr, errs := env.Check(v.Expr, AnyKind)
			if len(errs) > 0 {
				t.Fatalf("check %q: %v", v.Expr, errs)
			}
			// The tree must survive the round trip through JSON that a bundle makes.
			var ir Node
			if err := json.Unmarshal([]byte(expr.Node.String()), &ir); err != nil {
				t.Fatalf("reading back %s: %v", expr.Node, err)
			}
			if !reflect.DeepEqual(&ir, expr.Node) {
				t.Fatalf("round trip changed the tree:\n%s\n%s", expr.Node, &ir)
			}
			prog, err := Compile(&ir)
			if err != nil {
				t.Fatalf("compile %s: %v", expr.Node, err)
			}
			got := prog.Eval(v.Data, ctx.context(t)).Encode()
			if !sameJSON(got, v.Want) {
				t.Errorf("%s\n  data %v\n  got  %s\n  want %s", v.Expr, v.Data, jsonString(got), jsonString(v.Want))
			}
			compiled = append(compiled, compiledVector{Name: name, Expr: v.Expr, IR: expr.Node, Data: v.Data, Context: ctx, Want: v.Want})
		})
	}
	if t.Failed() {
		return
	}
	golden(t, "testdata/vectors.compiled.json", "vectors", compiled)
}

// readJSON decodes a file of testdata strictly: a misspelt key is an error, not a default.
func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// sameJSON compares two values by their JSON encoding.
func sameJSON(a, b any) bool { return jsonString(a) == jsonString(b) }

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// golden compares a JSON object {key: items}, written one item a line so that diffs stay
// readable, with a file of testdata, or rewrites the file with -update.
func golden[T any](t *testing.T, path, key string, items []T) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "{%q: [\n", key)
	for i, item := range items {
		line, err := json.Marshal(item)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		if i < len(items)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Errorf("%s is out of date: run go test ./rules -update and review the diff", path)
	}
}
