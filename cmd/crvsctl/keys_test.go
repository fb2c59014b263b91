package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/certificates/seal"
)

// execute runs a crvsctl command line in process and returns what it printed.
func execute(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// A key made by keys generate signs what the runtime will sign, and verify accepts it with the
// public key file generate wrote beside it.
func TestGeneratedKeySignsWhatVerifyAccepts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if _, stderr, err := execute(t, "", "keys", "generate", "--id", "NV-2026-9", "--out", dir, "--not-before", "2026-01-01", "--not-after", "2026-12-31"); err != nil {
		t.Fatalf("keys generate: %v\n%s", err, stderr)
	}
	privatePath := filepath.Join(dir, "NV-2026-9.private.json")
	info, err := os.Stat(privatePath)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("private key file mode %v, want 0600", info.Mode().Perm())
	}
	key, err := seal.ReadPrivateKey(privatePath)
	if err != nil {
		t.Fatal(err)
	}
	text, err := key.Seal(seal.Payload{
		RegistrationNumber: "NV-2026-1", Event: "death", EventDate: "2026-03-01",
		GivenNames: "Abebe", FamilyName: "Kebede", CertificateSerial: "S1", IssueDate: "2026-03-02",
	})
	if err != nil {
		t.Fatal(err)
	}
	publicPath := filepath.Join(dir, "NV-2026-9.public.json")
	stdout, stderr, err := execute(t, text+"\n", "verify", "--keys", publicPath)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	for _, want := range []string{`(?m)^valid: signed by key NV-2026-9$`, `(?m)^family name +Kebede$`, `(?m)^event place +-$`} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("verify printed\n%s\nwithout %s", stdout, want)
		}
	}
	// The private key appears in no output.
	private, _ := os.ReadFile(privatePath)
	if strings.Contains(stdout+stderr, string(private)) {
		t.Error("the private key was printed")
	}
	// An issue date past the key's validity is not sealed at all.
	if _, err := key.Seal(seal.Payload{RegistrationNumber: "1", Event: "death", EventDate: "2026-03-01", CertificateSerial: "S2", IssueDate: "2027-01-01"}); err == nil {
		t.Error("sealed with an issue date past the key's validity")
	}
}
