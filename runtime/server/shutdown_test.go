package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// serving is a server of nerovia on the embedded store in dir, as crvsctl serve makes it,
// served on a listener of its own by Serve until the returned stop is called: stop returns
// Serve's error. The caller closes the store.
func serving(t *testing.T, dir string, configure func(*server.Server)) (base string, st store.Store, log *syncBuffer, stop func() error) {
	t.Helper()
	b, diags := compiler.Build(nerovia)
	if b == nil {
		var sb strings.Builder
		diags.WriteText(&sb)
		t.Fatalf("building nerovia:\n%s", sb.String())
	}
	if _, err := b.Encode(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := server.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.SeedPasswords(ctx, st, b, devPassword); err != nil {
		t.Fatal(err)
	}
	log = &syncBuffer{}
	srv, err := server.New(b, st, slog.New(slog.NewJSONHandler(log, nil)), server.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	configure(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, l) }()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serveErr = <-served
		})
		return serveErr
	}
	t.Cleanup(func() {
		stop()
		st.Close()
	})
	return "http://" + l.Addr().String(), st, log, stop
}

// TestPruneScheduled: the server has the store forget expired sessions and the login
// failures past the window, without being asked, while it serves.
func TestPruneScheduled(t *testing.T) {
	ctx := context.Background()
	_, st, log, stop := serving(t, t.TempDir(), func(s *server.Server) { s.PruneEvery = 10 * time.Millisecond })
	now := time.Now()
	// The failure first: a round that finds the session finds the failure too.
	if _, err := st.AddFailure(ctx, "user:nobody", now.Add(-time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, &store.Session{TokenHash: "ended", User: "lidya.verhane", CSRF: "c",
		Created: now.Add(-13 * time.Hour), Expires: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Wait for a round of pruning after these (a generous bound: not a measure of speed).
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		_, err := st.Session(ctx, "ended", now.Add(-2*time.Hour)) // asked as of before it expired
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired session is still stored: %v", err)
		}
	}
	n, err := st.AddFailure(ctx, "user:nobody", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("a failure an hour old was kept: %d counted", n)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	if strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Errorf("errors logged:\n%s", log.String())
	}
}

// TestShutdownUnderLoad stops a server while 16 clients declare, with a shutdown timeout so
// short that handlers outlive it, and closes the store as crvsctl serve does once Serve
// returns. Handlers still writing then are refused by the closed store (500, or their
// connection closed); nothing panics (a send on the store's closed channel did), and every
// declaration acknowledged is in the store when it is opened again.
func TestShutdownUnderLoad(t *testing.T) {
	dir := t.TempDir()
	base, st, log, stop := serving(t, dir, func(s *server.Server) { s.ShutdownTimeout = time.Nanosecond })
	lidya := login(t, base, "lidya.verhane")
	lidya.uploadDocuments(t)
	body := declaration(birthJSON(t))
	var mu sync.Mutex
	var acked []string
	started := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				if i == 5 {
					started <- struct{}{}
				}
				a, err := lidya.send("POST", "/api/v1/records", body)
				if err != nil {
					return // the connection was closed, or refused: the server stopped
				}
				switch a.Status {
				case http.StatusCreated:
					var r record
					a.decode(t, &r)
					mu.Lock()
					acked = append(acked, r.ID)
					mu.Unlock()
				case http.StatusInternalServerError, http.StatusServiceUnavailable:
					return // refused by the closed store
				default:
					t.Errorf("client %d, declaration %d: %s", w, i, a)
					return
				}
			}
		})
	}
	for range 16 {
		<-started
	}
	if err := stop(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("closing the store: %v", err)
	}
	wg.Wait()
	if l := log.String(); strings.Contains(l, "panic") {
		t.Errorf("a handler panicked:\n%s", l)
	}
	again, err := server.OpenStore(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, id := range acked {
		if _, err := again.Record(context.Background(), id); err != nil {
			t.Errorf("declaration %s was acknowledged: %v", id, err)
		}
	}
	t.Logf("%d declarations acknowledged before the store closed", len(acked))
}
