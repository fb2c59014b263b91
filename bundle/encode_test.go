package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

// reference is how the bundle was written before it was written by hand, and how it must
// still be: encoding/json, HTML characters unescaped, the hash put in afterwards.
func reference(t testing.TB, b *Bundle) []byte {
	t.Helper()
	b.Format, b.Hash = FormatVersion, ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return bytes.Replace(buf.Bytes(), []byte(`"hash":""`), []byte(`"hash":"sha256:`+hex.EncodeToString(sum[:])+`"`), 1)
}

// awkward strings: every kind of character encoding/json escapes, or does not.
var awkward = []string{"", "plain", `"quoted" \back\slash/`, "<b>&amp;</b>", "tab\there\nnew\rret\bbs\fff", "\x00\x01\x1f\x7f",
	"ቬልሞራ", "line\u2028para\u2029", "bad \xff\xfe utf-8 \xe1\x88", "é and e\u0301", "😀 astral", "\ufffd"}

func TestEncodeIsEncodingJSON(t *testing.T) {
	var bundles []*Bundle
	bundles = append(bundles, sample(), &Bundle{}, &Bundle{Areas: []Area{}, Offices: []Office{}, Users: []User{}, Translations: map[string]map[string]string{"en": nil}, Files: map[string][]byte{"empty": {}, "nil": nil}})
	odd := sample()
	for i, s := range awkward {
		odd.Version += s
		names := map[string]string{}
		if i%3 == 1 {
			names = map[string]string{"fr": s, "am": s + "x", s: "key"}
		} else if i%3 == 2 {
			names = nil
		}
		odd.Areas = append(odd.Areas, Area{Code: s, Name: s, Names: names, Parent: s, Level: s, ValidFrom: s, ValidTo: s, Successors: []string{s, s}})
		odd.Offices = append(odd.Offices, Office{Code: s, Name: s, Names: names, Type: s, Area: s})
		odd.Users = append(odd.Users, User{Username: s, Name: s, Role: s, Office: s, Email: s, Phone: s})
		odd.Translations["fr"][s] = s
		odd.Events = append(odd.Events, Event{ID: s, Label: s})
		if odd.Files == nil {
			odd.Files = map[string][]byte{}
		}
		odd.Files[s] = []byte(s)
	}
	odd.Statistics = &Statistics{Population: []Population{{Area: "<&>", Year: 2024, Total: 10, Males: 4, Females: 6, ExpectedBirths: 0.35}}, SuppressBelow: 5}
	bundles = append(bundles, odd, &Bundle{Statistics: &Statistics{}})
	for i, b := range bundles {
		want := reference(t, b)
		got, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("bundle %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzAppendString: the hand-written strings are encoding/json's, whatever their bytes.
func FuzzAppendString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got, want := string(appendString(nil, s)), string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}

// BenchmarkEncode writes a bundle of 100,000 areas, 20,000 offices and 5,000 users.
func BenchmarkEncode(b *testing.B) {
	bn := sample()
	for i := range 100000 {
		code := "A" + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i/100%10))
		bn.Areas = append(bn.Areas, Area{Code: code, Name: "Village " + code, Names: map[string]string{"am": "መንደር " + code}, Parent: "P", Level: "village"})
	}
	for range 20000 {
		bn.Offices = append(bn.Offices, Office{Code: "OF00001", Name: "Office OF00001", Type: "health-facility", Area: "P01D01C01"})
	}
	for range 5000 {
		bn.Users = append(bn.Users, User{Username: "user0001", Name: "User user0001", Role: "registrar", Office: "OF00001", Email: "user0001@registry.example"})
	}
	for b.Loop() {
		data, err := bn.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}
