package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// A handler behind the server's logging and metrics can still set its own deadlines, as the
// documents' handlers do: the wrappers unwrap.
func TestHandlersSetDeadlines(t *testing.T) {
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	errs := make(chan error, 2)
	h := s.logged(newMetrics(prometheus.NewRegistry()).wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		errs <- rc.SetReadDeadline(time.Now().Add(time.Minute))
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
	})))
	hs := httptest.NewServer(h)
	defer hs.Close()
	res, err := http.Get(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("setting a deadline through the server's wrappers: %v", err)
		}
	}
}
