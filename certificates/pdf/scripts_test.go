package pdf

import (
	"strings"
	"testing"
)

func TestLanguage(t *testing.T) {
	for _, c := range []struct {
		tag    string
		script string
		ok     bool
		reason string
	}{
		{"en", "Latin", true, ""},
		{"fr", "Latin", true, ""},
		{"am", "Ethiopic", true, ""},
		{"ti", "Ethiopic", true, ""},
		{"ru", "Cyrillic", true, ""},
		{"sr", "Cyrillic", true, ""},
		{"sr-Latn", "Latin", true, ""},
		{"el", "Greek", true, ""},
		{"ka", "Georgian", true, ""},
		{"yo", "Latin", true, ""},
		{"ar", "Arabic", true, ""},
		{"fa", "Arabic", true, ""},
		{"ur", "Arabic", true, ""},
		{"he", "Hebrew", true, ""},
		{"hi", "Devanagari", true, ""},
		{"ne", "Devanagari", true, ""},
		{"bn", "Bengali", true, ""},
		{"ta", "Tamil", true, ""},
		{"my", "Myanmar", true, ""},
		{"km", "Khmer", true, ""},
		{"th", "Thai", true, ""},
		{"lo", "Lao", true, ""},
		{"ff-Adlm", "Adlam", true, ""},
		{"mn-Mong", "Mongolian", false, "vertical lines"},
	} {
		s, err := Language(c.tag)
		if err != nil {
			t.Errorf("%s: %v", c.tag, err)
			continue
		}
		if s.Script != c.script || s.OK != c.ok || !strings.Contains(s.Reason, c.reason) || s.Shaped != (s.OK && !simpleScript(s.Script)) {
			t.Errorf("%s: %+v, want %s ok=%v reason with %q", c.tag, s, c.script, c.ok, c.reason)
		}
	}
	if _, err := Language("not a tag!"); err == nil {
		t.Error("a malformed tag: no error")
	}
}

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string // scripts refused
	}{
		{"Amara Selam, 14 March 2026", nil},
		{"Anaïs Hélène Lefèvre-Bœuf — Noël", nil},
		{"Ａｍａｒａ 12.03.2026 № 5 · “quoted” ‘x’ €", nil},
		{"አማራ ሰላም ተስፋዬ፣ ፳፻፲፰", nil},
		{"Ἀλέξανδρος Παπαδόπουλος", nil},
		{"Иван Петрович Сидоров", nil},
		{"Nguyễn Thị Minh Khai", nil},
		{"Ade\u0301wale\u0301", nil}, // e + combining acute: NFC makes é
		{"O\u0323la", nil},           // O + dot below: NFC makes Ọ
		{"O\u0323\u0300la", nil},     // Ọ̀ has no precomposed form: the grave is placed by the shaper
		{"محمد Ali", nil},
		{"שלום", nil},
		{"राम and রাম", nil},
		{"สมชาย", nil},
		{"ᠮᠣᠩᠭᠣᠯ", []string{"Mongolian"}},
		{"\U000E0080", []string{"Unknown"}},
		{"Amara\u200d\u00ad\u200e", nil}, // format characters print nothing
	} {
		var got []string
		for _, p := range CheckText(c.text) {
			got = append(got, p.Script)
			if p.Reason == "" || !strings.Contains(p.Error(), p.Script) {
				t.Errorf("%q: problem %+v without a reason", c.text, p)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: scripts refused %v, want %v", c.text, got, c.want)
		}
	}
}

func TestScript(t *testing.T) {
	if s := Script("Latin"); !s.OK {
		t.Errorf("Latin: %+v", s)
	}
	if s := Script("Klingon"); s.OK || s.Reason != "not a Unicode script" {
		t.Errorf("Klingon: %+v", s)
	}
	if s := Script("Runic"); !s.OK || !s.Shaped {
		t.Errorf("Runic, printed through the shaper: %+v", s)
	}
	if s := Script("Mongolian"); s.OK || !strings.Contains(s.Reason, "vertical") {
		t.Errorf("Mongolian, written in vertical lines: %+v", s)
	}
}
