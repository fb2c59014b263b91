package compiler

import (
	"bytes"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
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
	if ev.ID != "birth" || len(ev.Pages[0].Fields) != 5 || ev.Pages[0].Fields[2].Options[0].Label != "option.male" {
		t.Errorf("event: %+v", ev)
	}
	if _, err := rules.CompileForm(ev.Rules); err != nil {
		t.Errorf("the bundle's form does not compile: %v", err)
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
	if b, _ := Build("testdata/packages/references"); b != nil {
		t.Error("a bundle from a package with errors")
	}
}
