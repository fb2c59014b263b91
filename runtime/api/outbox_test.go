package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// The outbox's parked messages are read, with when they were parked, and retried, by
// nationwide administrators only; the OpenAPI document describes them.
func TestOutboxAdministration(t *testing.T) {
	s := newAdminSite(t)
	ctx := context.Background()
	now := time.Now()
	tried := time.Date(2026, 3, 1, 6, 5, 1, 234_000_000, time.UTC)
	if err := s.st.Enqueue(ctx, now, []store.OutboxMessage{{Key: "B1/1/sms/0", Kind: store.OutboxSMS, Target: "+999926619408"}}); err != nil {
		t.Fatal(err)
	}
	m, err := s.st.Lease(ctx, 1, now, time.Minute, "i1")
	if err != nil || len(m) != 1 {
		t.Fatalf("lease: %v %v", m, err)
	}
	if err := s.st.OutboxFail(ctx, m[0].ID, "i1", "the gateway answered 503", tried, now, true); err != nil {
		t.Fatal(err)
	}
	district := s.login("fenna.albrecq", adminPassword).Token
	if w := s.do(district, "GET", "/api/v1/outbox", nil); w.Code != http.StatusForbidden {
		t.Errorf("a district administrator reads the outbox: %d %s", w.Code, w.Body)
	}
	if w := s.do(district, "POST", "/api/v1/outbox/"+m[0].ID+"/retry", nil); w.Code != http.StatusForbidden {
		t.Errorf("a district administrator retries: %d %s", w.Code, w.Body)
	}
	national := s.login("nadia.ferrow", adminPassword).Token
	w := s.do(national, "GET", "/api/v1/outbox", nil)
	var got struct {
		Pending, Parked int
		ParkedMessages  []struct {
			ID, Kind, LastError, Record string
			ParkedAt, LastTry, Created  time.Time
		}
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Pending != 1 || got.Parked != 1 ||
		len(got.ParkedMessages) != 1 || got.ParkedMessages[0].ID != m[0].ID || got.ParkedMessages[0].LastError != "the gateway answered 503" ||
		got.ParkedMessages[0].Record != "B1" {
		t.Fatalf("outbox: %d %s", w.Code, w.Body)
	}
	if p := got.ParkedMessages[0]; !p.ParkedAt.Equal(tried) || !p.LastTry.Equal(tried) || !p.Created.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("parked at %v, last tried at %v, created %v: want %v, %v, %v", p.ParkedAt, p.LastTry, p.Created, tried, tried, now)
	}
	if !strings.Contains(w.Body.String(), `"parkedAt":"2026-03-01T06:05:01.234Z"`) {
		t.Errorf("parkedAt not in UTC to the millisecond: %s", w.Body)
	}
	doc := s.do("", "GET", "/api/openapi.json", nil).Body.String()
	for _, want := range []string{`"$ref":"#/components/schemas/Outbox"`, `"parkedAt":{`, `"lastTry":{`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the OpenAPI document has no %s", want)
		}
	}
	if w := s.do(national, "POST", "/api/v1/outbox/"+m[0].ID+"/retry", nil); w.Code != http.StatusNoContent {
		t.Errorf("retry: %d %s", w.Code, w.Body)
	}
	log, err := s.st.AuditLog(ctx, store.AuditQuery{User: "nadia.ferrow", Kind: store.AuditUserAdmin})
	if err != nil || len(log.Entries) == 0 || log.Entries[0].Action != "outbox-retry" || !strings.Contains(string(log.Entries[0].Details), m[0].ID) {
		t.Errorf("the retry's audit entry: %+v %v", log.Entries, err)
	}
	if w := s.do(national, "POST", "/api/v1/outbox/"+m[0].ID+"/retry", nil); w.Code != http.StatusNotFound {
		t.Errorf("retry of a message no longer parked: %d %s", w.Code, w.Body)
	}
	if again, _ := s.st.Lease(ctx, 1, time.Now(), time.Minute, "i2"); len(again) != 1 {
		t.Errorf("the message retried is not due")
	}
}
