package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run "crvsctl" as a real command, in a separate process, without
// building and installing the binary first.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"crvsctl": func() { os.Exit(run()) },
	})
}

// TestScripts runs every testdata/script/*.txtar: each holds a command line, its input files and
// the output it must print. UPDATE_SCRIPTS=1 rewrites the expected output in place.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") == "1",
	})
}
