package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/crvsctl/crvsctl/diag"
)

// Diagnostic formats of validate (and the text of build and test).
var diagFormats = []string{"auto", "text", "pretty", "json", "github"}

// writeDiagnostics prints diags in format: json and github on stdout, for tools; text and pretty
// on stderr, for people. auto is pretty when stderr is a terminal, and the one-line text form
// (file:line:col: message; hint) for pipes, files and editors.
func writeDiagnostics(stdout, stderr io.Writer, diags diag.List, format string) error {
	switch format {
	case "json":
		return diags.WriteJSON(stdout)
	case "github":
		return diags.WriteGitHub(stdout)
	case "pretty":
		return diags.WritePretty(stderr, nil)
	case "auto":
		if isTerminal(stderr) {
			return diags.WritePretty(stderr, nil)
		}
	}
	return diags.WriteText(stderr)
}

// isTerminal reports whether w is a terminal: a person reads it.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkDiagFormat refuses a format writeDiagnostics does not know.
func checkDiagFormat(format string) error {
	for _, f := range diagFormats {
		if f == format {
			return nil
		}
	}
	return usageError{fmt.Errorf("--format must be auto, text, pretty, json or github, not %q", format)}
}
