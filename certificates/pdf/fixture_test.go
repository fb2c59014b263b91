package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
)

// The certificate of the tests: a birth certificate of the fictional Nerovia, in one language
// or two side by side, with a background, a coat of arms, a QR code and a watermark.

// A seal as certificates/seal makes them: a prefix and Base45, about 330 characters.
const testPayload = "NV1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEMWK4MI6UOS03CR9$KLR.1E:SB*5RJ6RTO+G5ZS+K3MZE6 K05OSM91PO0:UQXQ5S 9JQ1M7G5.C/KJ9F8LJE0NT.C1WM8D0LT0Y9N*ZN8O3:2F$X40/7UJ2/6L6OPHDA%B4ZIEM7VDX2T8R42G:E04J8LA+4$2T-ZO$9H.Q4CGQ.$7LO3K%EWE6%O5ZLB%:6L17R.1NOO:V3Z77U-KN*JBLE4-Q%%OHBPYN1TG24M2CE4.OTQBB9SOQ9GH5L/RE6GB8JD71B%5MUM.CFM%HA3SMD4H8JN9BWHT87DW%5E.67XH6-C1TMY.H/4D:PD/ZVO4E.YEMNH6%ET1HT4S9-2R:N1TOBKP1:XRCIEZ*G7BHDTC$VE5:1P1"

type certificateTexts struct {
	lang   string
	values map[string]string
}

var english = certificateTexts{"en", map[string]string{
	"title":          "Certificate of Birth",
	"name.label":     "Name of the child",
	"name":           "Amara Selam Tesfaye-Okonkwo",
	"date.label":     "Date of birth",
	"date":           "the fourteenth of March, two thousand and twenty-six",
	"place.label":    "Place of birth",
	"place":          "Saint Lucia District Hospital, Upper Kerava, Province of the North",
	"mother.label":   "Mother",
	"mother":         "Helen Tsegaye Abebe",
	"father.label":   "Father",
	"father":         "Daniel Okonkwo",
	"number.label":   "Registration number",
	"number":         "NRV-KRV-2026-000123",
	"serial":         "Serial 2026/0004711",
	"registrar":      "Lidya Verhane, Registrar of Upper Kerava",
	"issued":         "Issued at Upper Kerava on 2 April 2026",
	"watermark":      "CERTIFIED COPY",
	"payload":        testPayload,
	"note":           "This certificate can be verified offline: scan the QR code with the verification app.",
	"registrar.role": "Civil registrar",
}}

var french = certificateTexts{"fr", map[string]string{
	"title":          "Acte de naissance",
	"name.label":     "Nom de l’enfant",
	"name":           "Anaïs Hélène Lefèvre-Bœuf",
	"date.label":     "Date de naissance",
	"date":           "le quatorze mars deux mille vingt-six",
	"place.label":    "Lieu de naissance",
	"place":          "Hôpital de district Sainte-Lucie, Haute-Kérava, Province du Nord",
	"mother.label":   "Mère",
	"mother":         "Élodie Françoise Garçon",
	"father.label":   "Père",
	"father":         "Jérôme Noël Dûbois",
	"number.label":   "Numéro d’enregistrement",
	"number":         "NRV-KRV-2026-000124",
	"serial":         "Série 2026/0004712",
	"registrar":      "Lidya Verhane, officière de l’état civil de Haute-Kérava",
	"issued":         "Délivré à Haute-Kérava le 2 avril 2026",
	"watermark":      "COPIE CERTIFIÉE CONFORME",
	"payload":        testPayload,
	"note":           "Ce certificat se vérifie hors ligne : lisez le code QR avec l’application de vérification.",
	"registrar.role": "Officière de l’état civil",
}}

// amharic is printed beside english on the bilingual certificate.
var amharic = certificateTexts{"am", map[string]string{
	"title":        "የልደት ምስክር ወረቀት",
	"name.label":   "የልጁ ስም",
	"name":         "አማራ ሰላም ተስፋዬ",
	"date.label":   "የትውልድ ቀን",
	"date":         "መጋቢት ፭ ቀን ፳፻፲፰ ዓ.ም.",
	"place.label":  "የትውልድ ቦታ",
	"place":        "የቅድስት ሉሲያ ወረዳ ሆስፒታል",
	"mother.label": "እናት",
	"mother":       "ሄለን ፀጋዬ አበበ",
	"father.label": "አባት",
	"father":       "ዳንኤል ኦኮንክዎ",
	"number.label": "የምዝገባ ቁጥር",
	"registrar":    "ሊዲያ ቨርሃኔ፣ የሲቪል ምዝገባ ሹም",
}}

// testTemplate lays out the certificate; bilingual puts a second column for amharic, background
// puts security artwork under it (which weighs what the image weighs, in every PDF).
func testTemplate(tb testing.TB, bilingual, background bool) Template {
	tb.Helper()
	t := Template{
		Page:  A4,
		Fonts: map[string]Font{"ethiopic": {Regular: ethiopicFont}},
		Lang:  "en",
	}
	if background {
		t.Background = testBackground(tb)
	}
	add := func(e Element) { t.Elements = append(t.Elements, e) }
	add(Element{ID: "watermark", Kind: Watermark, Bold: true})
	add(Element{ID: "arms", Kind: Image, X: 95, Y: 9, W: 20, Image: testArms(tb)})
	colW := 170.0
	if bilingual {
		colW = 82
	}
	add(Element{ID: "title", Kind: Text, X: 20, Y: 36, W: colW, Size: 20, Bold: true, Align: Center, Color: "#1a3d6e"})
	y := 54.0
	for _, f := range []string{"name", "date", "place", "mother", "father", "number"} {
		add(Element{ID: f + ".label", Kind: Text, X: 20, Y: y, W: colW, Size: 8, Color: "#555555"})
		add(Element{ID: f, Kind: Text, X: 20, Y: y + 4, W: colW, H: 11, Size: 12, Bold: true, Shrink: true})
		y += 20
	}
	if bilingual {
		y = 54.0
		add(Element{ID: "am.title", Kind: Text, X: 108, Y: 36, W: colW, Size: 18, Bold: true, Align: Center, Font: "ethiopic", Color: "#1a3d6e"})
		for _, f := range []string{"name", "date", "place", "mother", "father", "number"} {
			add(Element{ID: "am." + f + ".label", Kind: Text, X: 108, Y: y, W: colW, Size: 8, Font: "ethiopic", Color: "#555555"})
			if f != "number" {
				add(Element{ID: "am." + f, Kind: Text, X: 108, Y: y + 4, W: colW, H: 11, Size: 12, Bold: true, Font: "ethiopic", Shrink: true})
			}
			y += 20
		}
	}
	add(Element{ID: "serial", Kind: Text, X: 20, Y: 180, W: 100, Size: 9})
	add(Element{ID: "payload", Kind: QR, X: 150, Y: 180, W: 40})
	add(Element{ID: "registrar.role", Kind: Text, X: 20, Y: 200, W: 110, Size: 9, Color: "#555555"})
	add(Element{ID: "registrar", Kind: Text, X: 20, Y: 205, W: 110, Size: 11, Bold: true})
	if bilingual {
		add(Element{ID: "am.registrar", Kind: Text, X: 20, Y: 211, W: 110, Size: 11, Font: "ethiopic", Bold: true})
	}
	add(Element{ID: "issued", Kind: Text, X: 20, Y: 225, W: 170, Size: 10, Align: Right})
	add(Element{ID: "note", Kind: Text, X: 20, Y: 270, W: 170, Size: 8, Align: Center, Color: "#555555"})
	add(Element{Kind: Text, X: 20, Y: 282, W: 170, Size: 7, Align: Center, Text: "Republic of Nerovia · Civil Registration Office", Color: "#1a3d6e"})
	return t
}

// testValues returns the Values of a certificate in one or two languages.
func testValues(main certificateTexts, second *certificateTexts) Values {
	v := Values{Text: map[string]string{}}
	for k, s := range main.values {
		v.Text[k] = s
	}
	if second != nil {
		for k, s := range second.values {
			v.Text[second.lang+"."+k] = s
		}
	}
	return v
}

// testArms is a coat of arms with transparency: a shield on nothing.
func testArms(tb testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 140))
	for y := range 140 {
		for x := range 120 {
			dx := float64(x-60) / 55
			inside := y < 70 && math.Abs(dx) < 1 || y >= 70 && math.Hypot(dx, float64(y-70)/65) < 1
			if inside {
				c := color.NRGBA{0x1a, 0x3d, 0x6e, 0xff}
				if (x/15+y/15)%2 == 0 {
					c = color.NRGBA{0xc8, 0xa2, 0x2c, 0xff}
				}
				img.SetNRGBA(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// testBackground is security artwork: a pale guilloche-like pattern with a border, as a JPEG at
// 100 dpi.
func testBackground(tb testing.TB) []byte {
	const w, h = 827, 1169
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 0.5 + 0.5*math.Sin(float64(x)/9+4*math.Sin(float64(y)/37))
			c := color.RGBA{uint8(250 - 14*v), uint8(247 - 8*v), uint8(238 - 4*v), 0xff}
			if x < 20 || y < 20 || x >= w-20 || y >= h-20 {
				c = color.RGBA{0x1a, 0x3d, 0x6e, 0xff}
			} else if x < 26 || y < 26 || x >= w-26 || y >= h-26 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 60}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
