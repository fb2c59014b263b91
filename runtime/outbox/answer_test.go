package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/outbox"
)

// TestDeliver: how every transport over HTTP reads an answer. A 2xx delivers; a 4xx other
// than 408 and 429 rejects the message alone (outbox.Rejected); the others are failures of
// the receiver. The error quotes the status and the first 200 bytes of the body, trimmed.
func TestDeliver(t *testing.T) {
	for _, c := range []struct {
		code     int
		body     string
		want     string // the error; "" for a delivery
		rejected bool
	}{
		{200, "ok", "", false},
		{204, "", "", false},
		{400, " no such field \n", "rcv answered 400 Bad Request: no such field", true},
		{404, "", "rcv answered 404 Not Found:", true},
		{408, "slow", "rcv answered 408 Request Timeout: slow", false},
		{429, "", "rcv answered 429 Too Many Requests:", false},
		{500, strings.Repeat("x", 300), "rcv answered 500 Internal Server Error: " + strings.Repeat("x", 200), false},
		{302, "", "rcv answered 302 Found:", false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.code)
			w.Write([]byte(c.body))
		}))
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, nil)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		err := outbox.Deliver(client, req, "rcv")
		srv.Close()
		var rejected *outbox.Rejected
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%d: %v, want a delivery", c.code, err)
		case c.want != "" && (err == nil || err.Error() != c.want):
			t.Errorf("%d: %v, want %q", c.code, err, c.want)
		case errors.As(err, &rejected) != c.rejected:
			t.Errorf("%d: rejected %v, want %v", c.code, !c.rejected, c.rejected)
		}
	}
}
