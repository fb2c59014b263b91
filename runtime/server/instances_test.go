package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestTwoInstances runs two crvsctl serve processes on one data directory, as two instances
// behind a load balancer would share one store: everything they must agree on (sessions,
// records, registration numbers, failed logins) lives in the store, so it makes no difference
// which instance a request reaches.
func TestTwoInstances(t *testing.T) {
	data := t.TempDir()
	// Started at once: both create the schema and seed the passwords of the same new store.
	bin := crvsctlBinary(t)
	var b *proc
	var errB error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b, errB = launch(t, bin, "B", data) }()
	a := startServer(t, "A", data)
	wg.Wait()
	if errB != nil {
		t.Fatal(errB)
	}

	// A session opened on A works on B, and logging out on B ends it on A.
	onA := login(t, a.URL, "lidya.verhane")
	onB := onA.on(b.URL)
	var me struct{ User struct{ Username string } }
	onB.expect(t, http.StatusOK, "GET", "/api/v1/me", nil).decode(t, &me)
	if me.User.Username != "lidya.verhane" {
		t.Fatalf("B: /me of A's session is %q", me.User.Username)
	}
	spare := login(t, b.URL, "lidya.verhane")
	spare.expect(t, http.StatusNoContent, "POST", "/api/v1/logout", nil)
	spare.on(a.URL).expect(t, http.StatusUnauthorized, "GET", "/api/v1/me", nil)

	// Declared on A, read on B: its documents uploaded on A, read on B.
	onA.uploadDocuments(t)
	notification := testDocument(t, "birth-notification.pdf")
	if got := onB.expect(t, http.StatusOK, "GET", "/api/v1/documents/"+contentAddress(notification), nil); !bytes.Equal(got.Body, notification) {
		t.Fatalf("B reads %d bytes of the document A stored", len(got.Body))
	}
	var declared, read record
	onA.expect(t, http.StatusCreated, "POST", "/api/v1/records", declaration(birth(t, "Shared"))).decode(t, &declared)
	onB.expect(t, http.StatusOK, "GET", "/api/v1/records/"+declared.ID, nil).decode(t, &read)
	if read.Title != "Shared Tarek" || read.Version != 1 || string(read.Data) != string(declared.Data) {
		t.Fatalf("B reads %+v; A declared %+v", read, declared)
	}
	// Found by name on B, from the index A wrote.
	if found := allRecords(t, onB, "name=shared"); len(found) != 1 || found[0].ID != declared.ID {
		t.Fatalf("B: search by name finds %+v", found)
	}
	// Taken further on B, then on A, each at the version the other made.
	onB.expect(t, http.StatusOK, "POST", "/api/v1/records/"+declared.ID+"/actions/validate", map[string]any{"version": 1})
	onA.expect(t, http.StatusOK, "POST", "/api/v1/records/"+declared.ID+"/actions/register", map[string]any{"version": 2})

	// Registered concurrently through both: two processes draw from one sequence.
	const n = 40
	ids := make([]string, n)
	for i := range n {
		s := []*session{onA, onB}[i%2]
		var r record
		s.expect(t, http.StatusCreated, "POST", "/api/v1/records", declaration(birth(t, fmt.Sprintf("Both%d", i)))).decode(t, &r)
		ids[i] = r.ID
	}
	numbers := make([]string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*session{onA, onB}[i%2]
			ans, err := s.send("POST", "/api/v1/records/"+ids[i]+"/actions/register", map[string]any{"version": 1})
			if err != nil || ans.Status != http.StatusOK {
				errs <- fmt.Errorf("register %s on %s: %v %v", ids[i], s.base, ans, err)
				return
			}
			var r record
			if err := json.Unmarshal(ans.Body, &r); err != nil || r.Number == "" {
				errs <- fmt.Errorf("register %s: no number: %s", ids[i], ans.Body)
				return
			}
			numbers[i] = r.Number
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]string{}
	for _, r := range allRecords(t, onB, "status=registered") {
		if other, ok := seen[r.Number]; ok {
			t.Errorf("registration number %s is both %s's and %s's", r.Number, other, r.ID)
		}
		seen[r.Number] = r.ID
	}
	for i, num := range numbers {
		if num != "" && seen[num] != ids[i] {
			t.Errorf("%s was registered as %s, which the search says is %q's", ids[i], num, seen[num])
		}
	}
	if len(seen) != n+1 {
		t.Errorf("%d registered records; want %d", len(seen), n+1)
	}

	// Failed logins are counted in the store: five wrong passwords spread over both
	// instances use up the user's allowance on both, and the sixth attempt is refused on
	// either without its password being looked at.
	const user = "tomas.ekwaro"
	for i := range 5 {
		base := []string{a.URL, b.URL}[i%2]
		ans, err := tryLogin(base, user, "wrong-password")
		if err != nil || ans.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: want 401, got %v %v", i+1, ans, err)
		}
	}
	for _, base := range []string{b.URL, a.URL} {
		ans, err := tryLogin(base, user, devPassword)
		if err != nil || ans.Status != http.StatusTooManyRequests {
			t.Errorf("right password after 5 wrong ones, at %s: want 429, got %v %v", base, ans, err)
		} else if ans.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	// Another user is not affected.
	login(t, b.URL, "abel.kostuna")

	a.stop()
	b.stop()
}

// TestConcurrentActions sends one action 50 times at once on one record, all based on the
// version the clients read: the first to commit wins, every other is told the record changed
// (409) rather than applied a second time on top.
func TestConcurrentActions(t *testing.T) {
	srv := startServer(t, "server", t.TempDir())
	s := login(t, srv.URL, "lidya.verhane")
	s.uploadDocuments(t)
	var r record
	s.expect(t, http.StatusCreated, "POST", "/api/v1/records", declaration(birth(t, "Race"))).decode(t, &r)

	race := func(action string, version int64) (ok int, numbers []string) {
		const n = 50
		statuses := make([]answer, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i], errs[i] = s.send("POST", "/api/v1/records/"+r.ID+"/actions/"+action, map[string]any{"version": version})
			}()
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("%s %d: %v", action, i, errs[i])
			}
			count[statuses[i].Status]++
			switch statuses[i].Status {
			case http.StatusOK:
				var after record
				statuses[i].decode(t, &after)
				numbers = append(numbers, after.Number)
			case http.StatusConflict:
				if c := statuses[i].errorCodes(); len(c) != 1 || c[0] != "stale" {
					t.Errorf("%s: 409 with codes %v; want stale", action, c)
				}
			}
		}
		if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
			t.Errorf("%d concurrent %s at version %d: %v (status: how many); want one 200 and %d 409",
				n, action, version, count, n-1)
		}
		return count[http.StatusOK], numbers
	}

	race("validate", 1)
	var got record
	s.expect(t, http.StatusOK, "GET", "/api/v1/records/"+r.ID, nil).decode(t, &got)
	if len(got.History) != 2 || got.Version != 2 || got.Status != "validated" {
		t.Fatalf("after the race: version %d, %s, %d history entries; want 2, validated, 2", got.Version, got.Status, len(got.History))
	}

	// The same for a registration: one number, given once.
	_, numbers := race("register", 2)
	s.expect(t, http.StatusOK, "GET", "/api/v1/records/"+r.ID, nil).decode(t, &got)
	if len(got.History) != 3 || got.Status != "registered" || len(numbers) != 1 || got.Number != numbers[0] {
		t.Fatalf("after the race to register: %s, number %q (answered %v), %d history entries", got.Status, got.Number, numbers, len(got.History))
	}
}
