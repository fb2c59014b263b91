package compiler

import (
	"strings"
	"testing"
)

// TestLanguageWithoutTheRuntimesTexts: a package language crvsctl does not ship its own texts
// in (the pages' menus and buttons) is warned about, with the keys to add; nerovia's are not.
func TestLanguageWithoutTheRuntimesTexts(t *testing.T) {
	for _, d := range Validate("../countries/nerovia") {
		if strings.Contains(d.Message, "crvsctl's pages") {
			t.Errorf("nerovia: %s", d)
		}
	}
	// Swahili besides, every package text given in it.
	var found []string
	for _, d := range Validate(nerovia(t, "sw", nil)) {
		if strings.Contains(d.Message, "crvsctl's pages") {
			found = append(found, d.String())
		}
	}
	if len(found) != 1 || !strings.Contains(found[0], "no sw translation") || !strings.Contains(found[0], "country.cue:") {
		t.Errorf("warnings: %q", found)
	}
}
