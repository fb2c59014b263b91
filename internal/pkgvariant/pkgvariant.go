// Package pkgvariant writes variants of the example country for tests: a copy of
// countries/nerovia with some texts of its files replaced and lines added, for a test of what
// nerovia does not declare (an action hook, a next version).
package pkgvariant

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Edit replaces the first Old of File with New; an empty Old appends New to File.
type Edit struct {
	File, Old, New string
}

// Nerovia writes nerovia with the edits into a new directory of the test, and returns it. An
// Old that the file does not hold fails the test: nerovia changed under it.
func Nerovia(t testing.TB, edits ...Edit) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(filepath.Dir(here), "..", "..", "countries", "nerovia"))); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		path := filepath.Join(dir, e.File)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		switch {
		case e.Old == "":
			s += e.New
		case strings.Contains(s, e.Old):
			s = strings.Replace(s, e.Old, e.New, 1)
		default:
			t.Fatalf("%s has no %q to change", e.File, e.Old)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// HookSystem is the system WithHook's registration calls.
const HookSystem = "national-id"

// WithHook is nerovia with a national ID system called at registration: it is sent the
// child's name, date of birth and sex, and gives the child's identity number (a new field,
// NID- and digits), or takes its time with the record flagged awaiting-nid.
func WithHook(t testing.TB) string {
	t.Helper()
	return Nerovia(t,
		Edit{"birth.cue", `{id: "child.sex", type: "select", optionList: "sex", required: true},`,
			`{id: "child.sex", type: "select", optionList: "sex", required: true},
			{id: "child.nid", type: "idnumber", pattern: "NID-[0-9]+", enabledIf: "false"}, // filled by the system alone`},
		Edit{"birth.cue", "\tflags: {\n", "\tflags: {\n\t\t\"awaiting-nid\": {}\n"},
		Edit{"birth.cue", "events: birth: {\n", `events: birth: {
	hooks: register: {system: "` + HookSystem + `", sends: ["child.name", "child.dob", "child.sex"], stores: ["child.nid"], waiting: "awaiting-nid", timeout: 2}
`},
		Edit{"translations.csv", "", "birth.child.nid,Field label,National ID number,Numéro d'identité,የብሔራዊ መታወቂያ ቁጥር\n" +
			"flag.awaiting-nid,Mark on a record the national ID system works on,Waiting for the ID system,En attente du registre d'identité,መታወቂያ በመጠባበቅ ላይ\n"},
	)
}
