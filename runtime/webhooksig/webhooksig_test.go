package webhooksig_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The specification's reference libraries' test vector.
func TestSignVector(t *testing.T) {
	key, err := webhooksig.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := webhooksig.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

// TestVerify: the vector's message checks at its time, with another signature beside it; a
// changed body, another key, a timestamp out of tolerance and missing headers do not.
func TestVerify(t *testing.T) {
	key, _ := webhooksig.ParseSecret(secret)
	other, _ := webhooksig.ParseSecret("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
	at := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	h := http.Header{}
	webhooksig.SetHeaders(h, key, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
	h.Set("webhook-signature", "v1,bm90IGl0 "+h.Get("webhook-signature"))
	if id, err := webhooksig.Verify(key, h, body, at.Add(time.Minute)); err != nil || id != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	for name, check := range map[string]func() error{
		"body changed": func() error { _, err := webhooksig.Verify(key, h, []byte(`{"test": 1}`), at); return err },
		"other key":    func() error { _, err := webhooksig.Verify(other, h, body, at); return err },
		"too late":     func() error { _, err := webhooksig.Verify(key, h, body, at.Add(6*time.Minute)); return err },
		"too early":    func() error { _, err := webhooksig.Verify(key, h, body, at.Add(-6*time.Minute)); return err },
		"no headers":   func() error { _, err := webhooksig.Verify(key, http.Header{}, body, at); return err },
	} {
		if err := check(); !errors.Is(err, webhooksig.ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
}

func TestParseSecret(t *testing.T) {
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64", "whsec_c2hvcnQ="} {
		if _, err := webhooksig.ParseSecret(s); err == nil {
			t.Errorf("ParseSecret(%q) took it", s)
		}
	}
}
