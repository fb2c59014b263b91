package compiler

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/schema"
)

func TestBuild(t *testing.T) {
	b, diags := Build("testdata/packages/valid")
	if b == nil || diags.HasErrors() {
		t.Fatalf("Build: %v", diags)
	}
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// Deterministic: the same package, built again, gives the same bytes.
	again, _ := Build("testdata/packages/valid")
	data2, _ := again.Encode()
	if !bytes.Equal(data, data2) {
		t.Fatal("two builds of one package differ")
	}
	if !strings.HasPrefix(b.Hash, "sha256:") || b.Version != "1.0.0" || b.Format != bundle.FormatVersion {
		t.Errorf("hash %q, version %q, format %d", b.Hash, b.Version, b.Format)
	}
	// What the runtime reads back is what was built, and its rules compile without CEL.
	read, err := bundle.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	ev := read.Events[0]
	if m := ev.Migration; m == nil || m.Renamed["child.gender"] != "child.sex" || m.Removed[0] != "child.religion" ||
		m.Options["child.sex"]["m"] != "male" || string(m.Defaults["child.weight"]) != "3" || string(m.Defaults["child.sex"]) != `"female"` {
		t.Errorf("migration: %+v", ev.Migration)
	}
	if ev.ID != "birth" || len(ev.Pages[0].Fields) != 6 || ev.Pages[0].Fields[3].Options[0].Label != "option.male" {
		t.Errorf("event: %+v", ev)
	}
	if _, err := rules.CompileForm(ev.Rules); err != nil {
		t.Errorf("the bundle's form does not compile: %v", err)
	}
	// Duplicate rules: sorted by id, defaults written out, blocks worked out.
	wantDups := &bundle.Duplicates{Flag: "possible-duplicate", On: []string{"declare"}, Confirm: "mark-duplicate", Dismiss: "not-duplicate",
		Rules: []bundle.DuplicateRule{{
			ID: "same-child", Label: "birth.duplicates.same-child",
			Match: bundle.Match{All: []bundle.Match{
				{Name: &bundle.NameMatch{Field: "child.name", Similarity: 0.85}},
				{DateWithin: &bundle.DateMatch{Field: "child.dob", Days: 3, DayMonthSwapped: true}},
				{Not: &bundle.Match{Differ: "child.sex"}},
			}},
			Blocks: [][]bundle.KeyPart{{{Kind: "name", Field: "child.name"}, {Kind: "date", Field: "child.dob", Days: 3, DayMonthSwapped: true}}},
		}, {
			ID: "same-day", Label: "duplicates.same-day",
			Match:  bundle.Match{Any: []bundle.Match{{Same: "child.dob"}, {DateWithin: &bundle.DateMatch{Field: "child.dob", Years: 1}}}},
			Blocks: [][]bundle.KeyPart{{{Kind: "same", Field: "child.dob"}}, {{Kind: "date", Field: "child.dob", Days: 366}}},
		}}}
	if !reflect.DeepEqual(ev.Duplicates, wantDups) {
		got, _ := json.Marshal(ev.Duplicates)
		want, _ := json.Marshal(wantDups)
		t.Errorf("duplicates:\n got %s\nwant %s", got, want)
	}
	// Statistics: the figures by area then year, expected births from the rate or as given.
	wantStats := &bundle.Statistics{SuppressBelow: 5, Population: []bundle.Population{
		{Area: "D11", Year: 2023, Total: 20000, Males: 10000, Females: 10000, ExpectedBirths: 700},
		{Area: "D11", Year: 2024, Total: 20500, Males: 10000, Females: 10500, ExpectedBirths: 700},
		{Area: "R2", Year: 2023, Total: 50000, Males: 24000, Females: 26000, ExpectedBirths: 1500},
	}}
	if !reflect.DeepEqual(read.Statistics, wantStats) {
		t.Errorf("statistics: %+v", read.Statistics)
	}
	wantEv := &bundle.EventStatistics{Counted: []string{"registered"}, Expected: "births", OnTimeDays: 90, LateDays: 365, Sex: "child.sex"}
	if !reflect.DeepEqual(ev.Statistics, wantEv) || !slices.Equal(read.Roles[0].Statistics, []string{"birth"}) {
		t.Errorf("event statistics %+v, role %+v", ev.Statistics, read.Roles[0])
	}
	if got := read.Translations["fr"]["event.birth"]; got != "Naissance" {
		t.Errorf("translation: %q", got)
	}
	if len(read.Areas) != 4 || read.Areas[0].Parent != "R1" || read.Areas[0].Names["fr"] != "Bord-du-Lac" {
		t.Errorf("areas: %+v", read.Areas)
	}
	// A bundle changed by hand is refused.
	tampered := bytes.Replace(data, []byte(`"Naissance"`), []byte(`"Naissances"`), 1)
	if _, err := bundle.Decode(tampered); err == nil || !strings.Contains(err.Error(), "hash mismatch") {
		t.Errorf("tampered bundle: %v", err)
	}
	// A package with errors gives no bundle.
	broken := t.TempDir()
	if err := os.CopyFS(broken, os.DirFS("testdata/packages/valid")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "typo.cue"), []byte("package country\ncountry: code: \"XE\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, diags := Build(broken); b != nil || !diags.HasErrors() {
		t.Errorf("a bundle from a package with errors: %v", diags)
	}
}

// compileSchema compiles a JSON Schema document.
func compileSchema(t *testing.T, url string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, v); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The build's output is what schema/bundle.schema.json describes, and each event's payload
// schema accepts declarations and drafts and refuses malformed ones.
func TestBundleSchemas(t *testing.T) {
	for _, dir := range []string{"testdata/packages/valid"} {
		b, diags := Build(dir)
		if b == nil {
			t.Fatalf("%s: %v", dir, diags)
		}
		data, _ := b.Encode()
		if err := compileSchema(t, "bundle.schema.json", schema.BundleSchema).Validate(jsonValue(t, string(data))); err != nil {
			t.Errorf("%s: the bundle does not satisfy bundle.schema.json: %v", dir, err)
		}
	}
	// And the schema does refuse: a bundle of another format, a role with an unknown jurisdiction.
	bundleSchema := compileSchema(t, "bundle.schema.json", schema.BundleSchema)
	b, _ := Build("testdata/packages/valid")
	data, _ := b.Encode()
	for old, bad := range map[string]string{`"format":2`: `"format":3`, `"jurisdiction":"office"`: `"jurisdiction":"planet"`, `"onTimeDays":90`: `"onTimeDays":0`, `"year":2023`: `"year":"2023"`,
		`"blocks":[[{"kind":"same"`: `"blocks":[[{"kind":"soundex"`, `{"same":"child.dob"}`: `{"same":"child.dob","differ":"child.sex"}`,
		`"removed":["child.religion"]`: `"removed":"child.religion"`, `"defaults":{"child.sex":"female"`: `"defaults":{"child.sex":null`} {
		if !strings.Contains(string(data), old) {
			t.Fatalf("the bundle has no %s", old)
		}
		if err := bundleSchema.Validate(jsonValue(t, strings.Replace(string(data), old, bad, 1))); err == nil {
			t.Errorf("bundle.schema.json accepts %s", bad)
		}
	}
	payload := compileSchema(t, "birth.json", b.Events[0].PayloadSchema)
	for _, ok := range []string{
		`{}`,
		`{"child.dob": "2024-01-31", "child.sex": "female", "child.weight": 3.2, "child.name": {"given": "Ama", "family": null}, "child.place": "H1"}`,
		`{"child.dob": null, "child.sex": "", "child.weight": null}`,
	} {
		if err := payload.Validate(jsonValue(t, ok)); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		`{"child.dob": "31/01/2024"}`,
		`{"child.sex": "mal"}`,
		`{"child.weight": "heavy"}`,
		`{"child.weight": 11}`,
		`{"child.name": {"given": "Ama", "nickname": "A"}}`,
		`{"child.colour": "blue"}`,
		`[]`,
	} {
		if err := payload.Validate(jsonValue(t, bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
