// Package hooks calls the systems outside that a package's actions wait on: a national ID
// system that issues an identity number when a birth is registered, an external numbering
// service. The package names the system and what it may fill (schema/package.cue, #Hook);
// crvsctl serve is given where it is and its secret (--hook NAME=URL,whsec_...), never the
// package.
//
// A call is a POST of the record (its tracking ID, the action, the answers the hook sends)
// signed as Standard Webhooks say, with the same headers as a webhook: webhook-id is the
// call's idempotency key (the record, the version it is at and the action: a call made
// again for the same action on the same version has the same key, so a system that already
// did the work answers as before rather than doing it twice). The system answers:
//
//   - 200 with {"data": {field: value}}: the action completes with those answers stored;
//   - 4xx with {"reason": "..."} (or a text): the action is refused with that reason;
//   - 202: the system needs time; the record waits, flagged, with no action taken on it,
//     until the system posts its result to the callback URL sent with the call, signed with
//     the same secret: {"record", "key", "status" (200 or a 4xx), "data", "reason"}.
//
// Anything else (a 5xx, a timeout, no answer, an answer that is not JSON or fills a field the
// hook may not) refuses the action as not done: nothing of it is stored.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/webhooksig"
)

// System is a system outside that actions call, as crvsctl serve --hook gives it.
type System struct {
	Name   string
	URL    string
	Secret []byte
	Client *http.Client // nil: one that follows no redirect
}

// ParseSystem reads a system as crvsctl serve --hook takes it: "NAME=URL,whsec_<base64>".
func ParseSystem(s string) (*System, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return nil, fmt.Errorf("a hook's system is NAME=URL,whsec_<secret>: %q", s)
	}
	target, secret, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("hook system %s: want URL,whsec_<secret> after the name", name)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hook system %s: URL %q: want an http or https URL", name, target)
	}
	key, err := webhooksig.ParseSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("hook system %s: %w", name, err)
	}
	return &System{Name: name, URL: target, Secret: key}, nil
}

// Call is what a system is sent: the record and the action about to be taken on it.
type Call struct {
	Type     string         `json:"type"` // "action." and the action
	Key      string         `json:"key"`  // the idempotency key, also the webhook-id header
	Record   string         `json:"record"`
	Event    string         `json:"event"`
	Action   string         `json:"action"`
	Version  int64          `json:"version"` // the version the record is at, before the action
	Status   string         `json:"status"`  // the status it is in
	To       string         `json:"to,omitempty"`
	Number   string         `json:"number,omitempty"`
	Office   string         `json:"office"`
	User     string         `json:"user"`
	Data     map[string]any `json:"data"`
	Callback string         `json:"callback,omitempty"` // where to post a result after a 202
}

// Key is the idempotency key of a call of action on record id at version.
func Key(id string, version int64, action string) string {
	return fmt.Sprintf("%s/%d/%s", id, version, action)
}

// Outcome is what a system answered.
type Outcome int

const (
	Done    Outcome = iota // 200: the action completes, with Data
	Refused                // 4xx: the action is refused, for Reason
	Waiting                // 202: the system will call back
)

// Answer is a system's answer to a call, or its result posted to the callback.
type Answer struct {
	Outcome Outcome
	Data    map[string]any
	Reason  string
}

// Failure is a call that came to no answer the action can go on with: the system did not
// answer in time or at all, failed (5xx), or answered what is not one of the answers above.
// The action is not taken.
type Failure struct {
	System string
	Err    error
}

func (f *Failure) Error() string { return fmt.Sprintf("%s: %v", f.System, f.Err) }
func (f *Failure) Unwrap() error { return f.Err }

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// Do calls the system, waiting at most timeout, and returns its answer or a *Failure.
func (s *System) Do(ctx context.Context, c *Call, timeout time.Duration, now time.Time) (*Answer, error) {
	fail := func(format string, args ...any) (*Answer, error) {
		return nil, &Failure{System: s.Name, Err: fmt.Errorf(format, args...)}
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", c.Key)
	webhooksig.SetHeaders(req.Header, s.Secret, c.Key, now, body)
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail("no answer within %v", timeout)
		}
		return fail("%v", err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fail("reading its answer: %v", err)
	}
	if len(text) > maxAnswer {
		return fail("an answer over %d bytes", maxAnswer)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		var a struct {
			Data map[string]any `json:"data"`
		}
		if err := decode(text, &a); err != nil {
			return fail("answered 200 with %v", err)
		}
		return &Answer{Outcome: Done, Data: a.Data}, nil
	case code == http.StatusAccepted:
		return &Answer{Outcome: Waiting}, nil
	case code >= 400 && code < 500:
		return &Answer{Outcome: Refused, Reason: reason(text, resp.Status)}, nil
	default:
		return fail("answered %s: %s", resp.Status, snippet(text))
	}
}

// decode reads a JSON object that may be empty.
func decode(text []byte, v any) error {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	return nil
}

// reason is the reason of a refusal: the member "reason" of a JSON answer, else its text,
// else the HTTP status.
func reason(text []byte, status string) string {
	var a struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(text, &a) == nil && strings.TrimSpace(a.Reason) != "" {
		return snippet([]byte(a.Reason))
	}
	if t := snippet(text); t != "" && !bytes.HasPrefix(bytes.TrimSpace(text), []byte("{")) {
		return t
	}
	return status
}

// snippet is the first line of text, at most 300 bytes of it, for a refusal or a log.
func snippet(text []byte) string {
	s := strings.ToValidUTF8(strings.TrimSpace(string(text)), "")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// Result is what a system posts to the callback after it answered 202.
type Result struct {
	Record string         `json:"record"`
	Key    string         `json:"key"`
	Status int            `json:"status"` // 200, or the 4xx of a refusal
	Data   map[string]any `json:"data"`
	Reason string         `json:"reason"`
}

// ReadResult checks a callback's signature (the Standard Webhooks headers, keyed by the
// system's secret, its timestamp within Tolerance of now) and reads its result.
func (s *System) ReadResult(h http.Header, body []byte, now time.Time) (*Result, *Answer, error) {
	if _, err := webhooksig.Verify(s.Secret, h, body, now); err != nil {
		return nil, nil, err
	}
	var r Result
	if err := decode(body, &r); err != nil {
		return nil, nil, err
	}
	if r.Record == "" || r.Key == "" {
		return nil, nil, fmt.Errorf("a result names its record and the key of the call")
	}
	switch {
	case r.Status == http.StatusOK:
		return &r, &Answer{Outcome: Done, Data: r.Data}, nil
	case r.Status >= 400 && r.Status < 500:
		why := snippet([]byte(r.Reason))
		if why == "" {
			why = strconv.Itoa(r.Status)
		}
		return &r, &Answer{Outcome: Refused, Reason: why}, nil
	}
	return nil, nil, fmt.Errorf("a result's status is 200 or a 4xx, not %d", r.Status)
}

// defaultClient follows no redirect: a system answers where it was configured.
var defaultClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second},
}
