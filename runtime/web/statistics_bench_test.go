package web_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
)

// BenchmarkStatisticsPage is the national statistics page of a year, rendered by the server
// for the performance manager: the counts read from the store, the report tabulated, the
// charts drawn, the page written. CRVSCTL_BENCH_STORE names an embedded store seeded at scale
// (go run ./internal/loadgen seed -data DIR -n 1000000 -today 2026-11-23: births of 2025 and
// 2026); without it, an empty one. The time should not grow with the records: the page reads
// counts, never records.
func BenchmarkStatisticsPage(b *testing.B) {
	dir := os.Getenv("CRVSCTL_BENCH_STORE")
	if dir == "" {
		dir = b.TempDir()
	}
	s := newSiteIn(b, dir)
	u := s.login("yara.belcourt", "en")
	for _, year := range []string{"2025", "2026"} {
		b.Run(year, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/statistics/birth?year="+year, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			base, _ := url.Parse(s.url)
			for _, c := range u.c.Jar.Cookies(base) {
				req.AddCookie(c)
			}
			size := 0
			for b.Loop() {
				w := httptest.NewRecorder()
				s.handler.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
