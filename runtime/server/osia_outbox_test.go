package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// TestOSIAThroughTheOutbox: an OSIA subscriber's confirmation and the liveBirth of a birth
// registered reach its address through the outbox, with OSIA's headers, from a server that
// serves.
func TestOSIAThroughTheOutbox(t *testing.T) {
	var mu sync.Mutex
	got := make(chan http.Header, 16)
	bodies := map[string]string{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.Header.Get("message-type")+"/"+r.Header.Get("topic-id")] = string(b)
		mu.Unlock()
		got <- r.Header.Clone()
	}))
	defer receiver.Close()

	b, diags := compiler.Build(nerovia)
	if b == nil {
		t.Fatalf("nerovia: %v", diags)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := server.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := server.SeedPasswords(ctx, st, b, devPassword); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(b, st, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	srv.UseOutbox(server.Outbox{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()
	defer func() { cancel(); <-served }()
	base := "http://" + l.Addr().String()

	wait := func(what string) http.Header {
		t.Helper()
		select {
		case h := <-got:
			return h
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s reached the subscriber within 30 s", what)
			return nil
		}
	}
	lidya := login(t, base, "lidya.verhane")
	lidya.expect(t, http.StatusOK, "POST", "/osia/v1/subscriptions?topic=liveBirth&address="+url.QueryEscape(receiver.URL+"/notify"), nil)
	if h := wait("confirmation"); h.Get("message-type") != "SubscriptionConfirmation" {
		t.Fatalf("first message: %v", h)
	}
	mu.Lock()
	var conf struct{ Token string }
	json.Unmarshal([]byte(bodies["SubscriptionConfirmation/liveBirth"]), &conf)
	mu.Unlock()
	lidya.expect(t, http.StatusOK, "GET", "/osia/v1/subscriptions/confirm?token="+url.QueryEscape(conf.Token), nil)

	lidya.uploadDocuments(t)
	var r record
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": birthJSON(t)}).decode(t, &r)
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+r.ID+"/actions/validate", map[string]any{"version": 1})
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+r.ID+"/actions/register", map[string]any{"version": 2}).decode(t, &r)
	h := wait("liveBirth")
	mu.Lock()
	body := bodies["Notification/liveBirth"]
	mu.Unlock()
	if h.Get("message-type") != "Notification" || h.Get("topic-id") != "liveBirth" || !strings.Contains(body, r.Number) {
		t.Errorf("the liveBirth notification: headers %v, body %s (number %s)", h, body, r.Number)
	}
}
