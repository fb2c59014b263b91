package web_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// goldenVector is the seal every implementation must read: certificates/seal's golden seal and
// the keyring of cmd/crvsctl's verify script.
func goldenVector(t *testing.T) (sealText, keyring string) {
	t.Helper()
	b, err := os.ReadFile("../../certificates/seal/testdata/golden-seal.txt")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile("../../cmd/crvsctl/testdata/script/verify.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "keys.json" {
			return strings.TrimRight(string(b), "\n"), string(f.Data)
		}
	}
	t.Fatal("verify.txtar has no keys.json")
	return "", ""
}

// TestVerifyScript holds verify.js to the Go seal: the golden seal opens to the same payload;
// a character changed, another keyring, a key expired or revoked are refused with the codes of
// seal.Code.
func TestVerifyScript(t *testing.T) {
	s := newSite(t)
	tab := browsertest.New(t).Tab(t)
	tab.Navigate(s.url + "/verify")
	sealText, keyring := goldenVector(t)
	var ring map[string]any
	json.Unmarshal([]byte(keyring), &ring)
	key := ring["keys"].([]any)[0].(map[string]any)
	with := func(change func(k map[string]any)) string {
		k := map[string]any{}
		for n, v := range key {
			k[n] = v
		}
		change(k)
		b, _ := json.Marshal(map[string]any{"keys": []any{k}})
		return string(b)
	}
	open := func(text, ring string) string {
		arg, _ := json.Marshal(text)
		return browsertest.Run(tab, chromedp.Evaluate[string](`(async () => {
			const m = await import(document.querySelector('script[src*="verify"]').src);
			try { return JSON.stringify((await m.open(`+string(arg)+`, `+ring+`)).payload); }
			catch (e) { return "refused: " + e.code; }
		})()`, chromedp.EvalAwaitPromise))
	}
	got := open(sealText, keyring)
	var p map[string]any
	if err := json.Unmarshal([]byte(got), &p); err != nil {
		t.Fatalf("the golden seal: %s", got)
	}
	for k, want := range map[string]string{"registrationNumber": "NV-KES-04-2026-0012345", "event": "birth", "eventDate": "2026-10-28",
		"eventPlace": "Saint-Aubin-sur-Mer District Hospital, Kessa-Lowenberg", "givenNames": "Marie-Christine Oluwaseun Alexandrine",
		"familyName": "Van der Berghe-Oyelund Abernathy", "certificateSerial": "NV-C-2026-00098765", "issueDate": "2026-11-03", "issuerKeyId": "NV-2026-1"} {
		if p[k] != want {
			t.Errorf("%s: %v, want %q", k, p[k], want)
		}
	}
	i := len(sealText) / 2
	c := "A"
	if sealText[i] == 'A' {
		c = "B"
	}
	for name, tc := range map[string]struct{ text, ring, want string }{
		"one character changed": {sealText[:i] + c + sealText[i+1:], keyring, ""},
		"not a seal":            {"https://example.org", keyring, "refused: not-a-seal"},
		"another version":       {"CRVS2:ABC", keyring, "refused: unsupported"},
		"another keyring":       {sealText, with(func(k map[string]any) { k["id"] = "NV-OTHER" }), "refused: unknown-key"},
		"another key":           {sealText, with(func(k map[string]any) { k["publicKey"] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" }), "refused: bad-signature"},
		"expired":               {sealText, with(func(k map[string]any) { k["notAfter"] = "2026-06-30" }), "refused: key-expired"},
		"revoked":               {sealText, with(func(k map[string]any) { k["revoked"] = "2026-11-10" }), "refused: key-revoked"},
	} {
		got := open(tc.text, tc.ring)
		if tc.want == "" && !strings.HasPrefix(got, "refused: ") || tc.want != "" && got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, or(tc.want, "refused"))
		}
	}
	tab.CheckNoConsoleErrors()
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestVerifyPage: a certificate printed by the runtime is checked on /verify in the browser:
// genuine, signed by the key's issuer, the event told by its label in the page's language
// (English, French), and the register stands by it; with the connection cut after the page loaded the
// signature is still checked, and the page says the register could not be asked.
func TestVerifyPage(t *testing.T) {
	s := newSite(t)
	local := s.login("lidya.verhane", "en")
	id := local.declare(birth("Hana", "Verified"))
	local.post("/records/"+id+"/actions/register", url.Values{"csrf": {local.csrf()}, "version": {"1"}, "confirm": {"yes"}})
	clerk := s.login("elsa.marunde", "en")
	clerk.get("/records/" + id)
	clerk.post("/records/"+id+"/actions/print", url.Values{"csrf": {clerk.csrf()}, "version": {"2"}})
	sealText := readSeal(t, "certificate", []byte(clerk.page))

	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.Language("en"))
	tab.Navigate(s.url + "/verify")
	check := func() (verdict, standing string) {
		fill(t, tab, url.Values{"seal": {sealText}})
		tab.Do(chromedp.Click(`#verify button`), chromedp.WaitVisible(`#standing`))
		return tab.TextOf(`#verdict`), tab.TextOf(`#standing`)
	}
	verdict, standing := check()
	if !strings.Contains(verdict, "Genuine: signed by key NV-TEST-1 (Nerovia).") || standing != "The register stands by this certificate." {
		t.Errorf("online: %q, %q", verdict, standing)
	}
	if got := tab.TextOf(`#result dl`); !strings.Contains(got, "Hana") || !strings.Contains(got, "Verified") {
		t.Errorf("the names are not shown: %q", got)
	}
	// The event by its label in the page's language, not its id.
	if got := tab.TextOf(`#result dl dt:nth-of-type(2) + dd`); got != "Birth" {
		t.Errorf("the event is shown as %q, want its label Birth", got)
	}
	tab.Screenshot("verify-online")

	// In French: the verdict, and the event's French label.
	fr := b.Tab(t, browsertest.Language("fr"))
	fr.Navigate(s.url + "/verify")
	fill(t, fr, url.Values{"seal": {sealText}})
	fr.Do(chromedp.Click(`#verify button`), chromedp.WaitVisible(`#standing`))
	if got := fr.TextOf(`#verdict`); got != "Authentique : signé par la clé NV-TEST-1 (Nerovia)." {
		t.Errorf("in French, the verdict: %q", got)
	}
	if got := fr.TextOf(`#result dl dt:nth-of-type(2) + dd`); got != "Naissance" {
		t.Errorf("in French, the event is shown as %q, want Naissance", got)
	}
	fr.Screenshot("verify-fr")

	tab.SetOffline(true)
	verdict, standing = check()
	if !strings.Contains(verdict, "Genuine") || !strings.Contains(standing, "could not be reached") {
		t.Errorf("offline: %q, %q", verdict, standing)
	}
	tab.Screenshot("verify-offline")
}
