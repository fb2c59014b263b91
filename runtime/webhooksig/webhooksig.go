// Package webhooksig signs and checks messages as the Standard Webhooks specification says
// (https://www.standardwebhooks.com): an HMAC-SHA256, keyed by a secret shared with the
// receiver, over the message's id, timestamp and body, sent in the headers webhook-id,
// webhook-timestamp and webhook-signature. crvsctl signs its webhooks (runtime/outbox) and
// its action hooks' calls (runtime/hooks) so, and checks the results systems post back.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseSecret reads a secret: "whsec_" and the base64 of the key.
func ParseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, fmt.Errorf("a webhook secret begins with whsec_")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 24 {
		return nil, fmt.Errorf("a webhook secret is whsec_ and the base64 of at least 24 random bytes")
	}
	return key, nil
}

// Sign is the webhook-signature of a message: "v1," and the base64 of the HMAC-SHA256, keyed
// by secret, of id "." timestamp "." body.
func Sign(secret []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetHeaders sets the headers of a message signed at now.
func SetHeaders(h http.Header, secret []byte, id string, now time.Time, body []byte) {
	ts := now.Unix()
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", Sign(secret, id, ts, body))
}

// Tolerance is how far a message's timestamp may be from now: the specification's advice
// against replays.
const Tolerance = 5 * time.Minute

// ErrSignature is a message whose signature does not check.
var ErrSignature = errors.New("the signature does not check")

// Verify checks a message's headers against its body: a signature of the key among those of
// webhook-signature (several, separated by spaces, while a key is being changed), and a
// timestamp within Tolerance of now. It returns the message's id.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) (string, error) {
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return "", fmt.Errorf("%w: want the headers webhook-id, webhook-timestamp and webhook-signature", ErrSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return "", fmt.Errorf("%w: its timestamp is %v from now, over %v", ErrSignature, d.Round(time.Second), Tolerance)
	}
	want := []byte(Sign(secret, id, sec, body))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), want) {
			return id, nil
		}
	}
	return "", ErrSignature
}
