package seal

import (
	"bytes"
	"errors"
	"testing"
)

// The examples of RFC 9285, sections 4.3 and 4.4, and the edges of the value range.
var base45Vectors = []struct {
	bytes []byte
	text  string
}{
	{[]byte("AB"), "BB8"},
	{[]byte("Hello!!"), "%69 VD92EX0"},
	{[]byte("base-45"), "UJCLQE7W581"},
	{[]byte("ietf!"), "QED8WEX0"},
	{[]byte{}, ""},
	{[]byte{0}, "00"},
	{[]byte{0, 0}, "000"},
	{[]byte{0xff}, "U5"},
	{[]byte{0xff, 0xff}, "FGW"},
}

func TestBase45Vectors(t *testing.T) {
	for _, v := range base45Vectors {
		if got := base45Encode(v.bytes); got != v.text {
			t.Errorf("encode %q = %q, want %q", v.bytes, got, v.text)
		}
		got, err := base45Decode(v.text)
		if err != nil || !bytes.Equal(got, v.bytes) {
			t.Errorf("decode %q = %q, %v; want %q", v.text, got, err, v.bytes)
		}
		if n := base45EncodedLen(len(v.bytes)); n != len(v.text) {
			t.Errorf("encoded length of %d bytes = %d, want %d", len(v.bytes), n, len(v.text))
		}
	}
}

func TestBase45Refuses(t *testing.T) {
	for _, text := range []string{
		"GGW",         // RFC 9285 section 4.4: 65536 does not fit two bytes
		"V5",          // 5*45+31 = 256 does not fit the last byte
		"A",           // one character encodes nothing
		"BB8A",        // nor does a trailing one
		"bb8",         // lower case is outside the alphabet
		"BB\n",        // and so is a new line
		"%69 VD92EX=", // and '='
		"QED8WEX\x00",
		"QED8WE\xff0",
	} {
		if got, err := base45Decode(text); !errors.Is(err, errBase45) {
			t.Errorf("decode %q = %q, %v; want an error", text, got, err)
		}
	}
}

// Every byte string of up to three bytes, and some longer ones, encodes and decodes back.
func TestBase45RoundTrip(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		text := base45Encode(b)
		for i := 0; i < len(text); i++ {
			if base45Values[text[i]] == 0xff {
				t.Fatalf("encode %x = %q: character outside the alphabet", b, text)
			}
		}
		got, err := base45Decode(text)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x through %q = %x, %v", b, text, got, err)
		}
	}
	for i := range 256 {
		check([]byte{byte(i)})
		for j := range 256 {
			check([]byte{byte(i), byte(j)})
		}
	}
	long := make([]byte, 1001)
	for i := range long {
		long[i] = byte(i * 7)
	}
	for n := range long {
		check(long[:n])
	}
}

func FuzzBase45(f *testing.F) {
	for _, v := range base45Vectors {
		f.Add(v.text)
	}
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, text string) {
		b, err := base45Decode(text)
		if err != nil {
			return
		}
		// One text decodes to one byte string: whatever decodes encodes back to itself.
		if again := base45Encode(b); again != text {
			t.Fatalf("%q decodes to %x, which encodes to %q", text, b, again)
		}
	})
}
