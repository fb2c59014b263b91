package api_test

import (
	"net/http"
	"testing"
)

// BenchmarkAuthedRequest: the cheapest authenticated request (the events), through the whole
// server: what reading the caller (session, then user) costs each request.
func BenchmarkAuthedRequest(b *testing.B) {
	s := newSite(b)
	for b.Loop() {
		if w := s.do("GET", "/api/v1/events", nil); w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
