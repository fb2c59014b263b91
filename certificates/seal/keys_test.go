package seal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodKeyring = `{
  "keys": [
    {
      "id": "NV-2026-1",
      "algorithm": "Ed25519",
      "publicKey": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=",
      "notBefore": "2026-01-01",
      "notAfter": "2030-12-31",
      "issuer": "Civil Registration Office of Nerovia"
    },
    {
      "id": "NV-2020-1",
      "algorithm": "Ed25519",
      "publicKey": "gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=",
      "notBefore": "2020-01-01",
      "notAfter": "2025-12-31",
      "revoked": "2024-02-29"
    }
  ]
}`

func TestParseKeyring(t *testing.T) {
	ring, err := ParseKeyring([]byte(goodKeyring))
	if err != nil {
		t.Fatal(err)
	}
	keys := ring.Keys()
	if len(keys) != 2 || keys[0].ID != "NV-2026-1" || keys[1].Revoked != "2024-02-29" {
		t.Fatalf("keys = %+v", keys)
	}
	// The first key is testKey(1)'s: what it seals opens with the ring read from JSON.
	text, err := testKey(t, "NV-2026-1", 1).Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(text, ring); err != nil {
		t.Fatalf("Open with the ring read from JSON: %v", err)
	}
	// and it writes back as it was read
	data, err := MarshalKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) != goodKeyring {
		t.Errorf("MarshalKeyring =\n%s\nwant\n%s", data, goodKeyring)
	}
}

func TestParseKeyringRefuses(t *testing.T) {
	key := `"id": "K1", "algorithm": "Ed25519", "publicKey": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=", "notBefore": "2026-01-01", "notAfter": "2030-12-31"`
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not JSON", `keys`, "invalid character"},
		{"no keys", `{}`, `no "keys" array`},
		{"a misspelt member", `{"keys": [{` + key + `, "notafter": "2020-01-01"}]}`, `unknown member "notafter"`},
		{"a member given twice", `{"keys": [{` + key + `, "notAfter": "2020-01-01"}]}`, `member "notAfter" given twice`},
		{"an unknown member", `{"keys": [{` + key + `, "comment": "x"}]}`, `unknown member "comment"`},
		{"an array", `[]`, "not a JSON object"},
		{"a duplicate id", `{"keys": [{` + key + `}, {` + key + `}]}`, `key "K1" is listed twice`},
		{"two values", `{"keys": []} {}`, "more than one JSON value"},
		{"a null key", `{"keys": [null]}`, "keys[0]: not a JSON object"},
		{"another algorithm", `{"keys": [{` + strings.Replace(key, "Ed25519", "ES256", 1) + `}]}`, `algorithm "ES256"`},
		{"a short key", `{"keys": [{` + strings.Replace(key, "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=", "AAAA", 1) + `}]}`, "3 bytes, not 32"},
		{"base64 for URLs", `{"keys": [{` + strings.Replace(key, "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=", "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w", 1) + `}]}`, "not standard base64"},
		{"a bad id", `{"keys": [{` + strings.Replace(key, `"K1"`, `"K 1"`, 1) + `}]}`, `key id "K 1"`},
		{"no notBefore", `{"keys": [{` + strings.Replace(key, `"notBefore": "2026-01-01", `, "", 1) + `}]}`, "notBefore"},
		{"an end before its start", `{"keys": [{` + strings.Replace(key, `"2030-12-31"`, `"2025-12-31"`, 1) + `}]}`, "notAfter 2025-12-31 is before notBefore 2026-01-01"},
		{"a revocation that is not a date", `{"keys": [{` + key + `, "revoked": "yes"}]}`, `revoked: "yes" is not a date`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeyring([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseKeyring = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestPrivateKeyFiles(t *testing.T) {
	k, err := GenerateKey("NV-2026-2", "2026-01-01", "2027-12-31", "Civil Registration Office of Nerovia")
	if err != nil {
		t.Fatal(err)
	}
	data, err := MarshalPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Key.Equal(k.Key) || back.ID != k.ID || back.NotAfter != k.NotAfter || back.Issuer != k.Issuer {
		t.Fatalf("read back %+v", back)
	}
	pub, err := MarshalKeyring(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := ParseKeyring(pub)
	if err != nil {
		t.Fatal(err)
	}
	text, err := back.Seal(realistic())
	if err != nil {
		t.Fatal(err)
	}
	if _, keyID, err := Open(text, ring); err != nil || keyID != "NV-2026-2" {
		t.Fatalf("Open = %q, %v", keyID, err)
	}

	// A public key that is not the private key's half is refused, and no error quotes the key.
	other, _ := GenerateKey("NV-2026-2", "2026-01-01", "2027-12-31", "")
	otherPub := other.Public().PublicKey
	swapped := strings.Replace(string(data), k.Public().PublicKey, otherPub, 1)
	_, err = ParsePrivateKey([]byte(swapped))
	if err == nil || !strings.Contains(err.Error(), "not the public half") {
		t.Fatalf("ParsePrivateKey = %v", err)
	}
	for _, bad := range []string{swapped, strings.Replace(string(data), `"id"`, `"ID"`, 1), string(data[:len(data)/2])} {
		if _, err := ParsePrivateKey([]byte(bad)); err == nil || strings.Contains(err.Error(), otherPub) || strings.Contains(err.Error(), string(k.Key.Seed())) {
			t.Errorf("ParsePrivateKey = %v", err)
		}
	}

	if _, err := GenerateKey("bad id", "2026-01-01", "2027-12-31", ""); err == nil {
		t.Error("GenerateKey took a bad id")
	}
	if _, err := GenerateKey("K", "2026-01-01", "2025-12-31", ""); err == nil {
		t.Error("GenerateKey took an end before its start")
	}
}
