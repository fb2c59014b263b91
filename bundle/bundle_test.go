package bundle

import (
	"strings"
	"testing"
)

func sample() *Bundle {
	return &Bundle{
		Version: "1.2.3",
		Country: Country{Code: "XEX", Name: "country.name", Languages: []string{"en", "fr"}, DefaultLanguage: "en",
			TimeZone: "Africa/Nairobi", AreaLevels: []string{"region"}, OfficeTypes: []string{"crvs-office"}},
		Areas:        []Area{{Code: "R1", Name: "North", Names: map[string]string{"fr": "Nord"}, Level: "region"}, {Code: "R0", Name: "Old North", Level: "region", ValidFrom: "1990-01-01", ValidTo: "2019-12-31", Successors: []string{"R1"}}},
		Translations: map[string]map[string]string{"fr": {"b": "B", "a": "A"}, "en": {"a": "A"}},
	}
}

func TestEncodeDecode(t *testing.T) {
	data, err := sample().Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := sample().Encode()
	if string(data) != string(again) {
		t.Fatal("the same bundle encodes to different bytes")
	}
	b, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Areas[0].Names["fr"] != "Nord" || b.Translations["fr"]["b"] != "B" {
		t.Errorf("decoded: %+v", b)
	}
	for _, tt := range []struct{ from, to, want string }{
		{`"Nord"`, `"North"`, "hash mismatch"},
		{`"format":2`, `"format":7`, "bundle format 7"},
		{`"version"`, `"versoin"`, "not a bundle"},
	} {
		if _, err := Decode([]byte(strings.Replace(string(data), tt.from, tt.to, 1))); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s -> %s: got %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}

// FuzzDecode: a bundle file is outside input to the runtime. No bytes may panic the reader.
func FuzzDecode(f *testing.F) {
	data, _ := sample().Encode()
	f.Add(data)
	f.Add([]byte(`{"format": 1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		Decode(data)
	})
}
