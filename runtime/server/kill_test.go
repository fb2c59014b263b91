package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadDuration is how long the load runs before the server is killed in its middle.
const loadDuration = 3 * time.Second

// ack is what a server acknowledged of one declaration: each field is set once the request
// that made it got its success answer.
type ack struct {
	user, key string
	body      []byte
	id        string // the declaration's 201
	validated bool   // validate's 200
	number    string // register's 200
}

// TestKillDuringLoad kills crvsctl serve with SIGKILL while 8 clients declare, validate and
// register births as fast as it answers, restarts it on the same data directory, and checks
// that everything it acknowledged survived: a server that answers 201 or 200 has promised
// the record is kept, whatever happens to the process next.
func TestKillDuringLoad(t *testing.T) {
	data := t.TempDir()
	first := startServer(t, "first", data)
	// Two registrars of two offices, so that two number sequences are drawn from at once.
	registrars := []*session{login(t, first.URL, "lidya.verhane"), login(t, first.URL, "saba.rinaldor")}
	for _, s := range registrars {
		s.uploadDocuments(t) // kept across the kill: declarations after it attach them too
	}

	var (
		mu       sync.Mutex
		acks     []*ack // in the order the declarations were sent
		killing  atomic.Bool
		requests atomic.Int64
		wg       sync.WaitGroup
	)
	// fail reports an answer the load did not expect. A request that got no answer is no
	// failure once the kill has begun: the server is gone.
	fail := func(what string, a answer, err error) {
		if err != nil {
			if !killing.Load() {
				t.Errorf("%s: no answer before the kill: %v", what, err)
			}
			return
		}
		t.Errorf("%s: %s", what, a)
	}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := registrars[g%len(registrars)]
			for i := 0; !killing.Load(); i++ {
				var d map[string]any
				json.Unmarshal(birthJSON(t), &d) // another mother each time
				d["child.name"] = map[string]any{"given": fmt.Sprintf("Load%dn%d", g, i), "family": "Kill"}
				// Born 6 days apart or more: no two of the load are one birth by the
				// package's duplicate rules, however many the server takes before the kill.
				d["child.dob"] = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -6*((g*7+i)%50)).Format(time.DateOnly)
				raw, _ := json.Marshal(d)
				body, _ := json.Marshal(declaration(raw))
				k := &ack{user: s.user, key: fmt.Sprintf("kill-%d-%d", g, i), body: body}
				mu.Lock()
				acks = append(acks, k)
				mu.Unlock()

				requests.Add(1)
				a, err := s.send("POST", "/api/v1/records", body, "Idempotency-Key", k.key)
				if err != nil || a.Status != http.StatusCreated {
					fail("declare "+k.key, a, err)
					return
				}
				var r record
				if json.Unmarshal(a.Body, &r) != nil || r.ID == "" || r.Version != 1 {
					t.Errorf("declare %s: 201 without a record at version 1: %s", k.key, a.Body)
					return
				}
				mu.Lock()
				k.id = r.ID
				mu.Unlock()

				requests.Add(1)
				a, err = s.send("POST", "/api/v1/records/"+r.ID+"/actions/validate", map[string]any{"version": 1})
				if err != nil || a.Status != http.StatusOK {
					fail("validate "+r.ID, a, err)
					return
				}
				mu.Lock()
				k.validated = true
				mu.Unlock()

				requests.Add(1)
				a, err = s.send("POST", "/api/v1/records/"+r.ID+"/actions/register", map[string]any{"version": 2})
				if err != nil || a.Status != http.StatusOK {
					fail("register "+r.ID, a, err)
					return
				}
				var reg record
				if json.Unmarshal(a.Body, &reg) != nil || reg.Number == "" || reg.Status != "registered" {
					t.Errorf("register %s: 200 without a registration number: %s", r.ID, a.Body)
					return
				}
				mu.Lock()
				k.number = reg.Number
				mu.Unlock()
			}
		}()
	}
	time.Sleep(loadDuration)
	killing.Store(true)
	first.kill()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	var declared, validated, registered int
	for _, k := range acks {
		if k.id != "" {
			declared++
		}
		if k.validated {
			validated++
		}
		if k.number != "" {
			registered++
		}
	}
	t.Logf("before the kill: %d requests, %d declarations acknowledged (%d validated, %d registered); %d declarations unanswered",
		requests.Load(), declared, validated, registered, len(acks)-declared)
	if registered < 20 {
		t.Fatalf("only %d registrations in %v: too little load to test a kill in its middle", registered, loadDuration)
	}

	second := startServer(t, "second", data) // waits for /readyz: the store opened cleanly
	national := login(t, second.URL, "ilena.marvosa")

	// Every acknowledged declaration, validation and registration is there, with a history
	// that has every version.
	for _, k := range acks {
		if k.id == "" {
			continue
		}
		a := national.expect(t, http.StatusOK, "GET", "/api/v1/records/"+k.id, nil)
		var r record
		a.decode(t, &r)
		switch {
		case k.number != "":
			if r.Status != "registered" || r.Number != k.number {
				t.Errorf("%s: acknowledged as registered %s, now %s with number %q", k.id, k.number, r.Status, r.Number)
			}
		case k.validated:
			if r.Version < 2 || (r.Status != "validated" && r.Status != "registered") {
				t.Errorf("%s: acknowledged as validated, now %s at version %d", k.id, r.Status, r.Version)
			}
		}
		if int64(len(r.History)) != r.Version {
			t.Errorf("%s: version %d with %d history entries", k.id, r.Version, len(r.History))
		}
		for i, e := range r.History {
			if e.Version != int64(i+1) {
				t.Errorf("%s: history entry %d is version %d", k.id, i, e.Version)
			}
			if e.Action == "register" && e.Number != r.Number {
				t.Errorf("%s: registered as %s, but its history says %s", k.id, r.Number, e.Number)
			}
		}
	}

	// A registration whose answer was lost in the kill may still have been committed; either
	// way, no number is anyone else's. Registering after the restart must not reuse a number
	// either: a sequence is never given twice, even across a crash.
	lidya := login(t, second.URL, "lidya.verhane")
	for i := range 5 {
		a := lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", declaration(birth(t, fmt.Sprintf("After%d", i))))
		var r record
		a.decode(t, &r)
		lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+r.ID+"/actions/register", map[string]any{"version": 1})
	}
	all := allRecords(t, national, "status=registered")
	numbers := map[string]string{}
	for _, r := range all {
		if r.Number == "" {
			t.Errorf("%s: registered without a number", r.ID)
		}
		if other, ok := numbers[r.Number]; ok {
			t.Errorf("registration number %s is both %s's and %s's", r.Number, other, r.ID)
		}
		numbers[r.Number] = r.ID
	}
	for _, k := range acks {
		if k.number != "" && numbers[k.number] != k.id {
			t.Errorf("search of registered records: %s is %q's, not %s's as acknowledged", k.number, numbers[k.number], k.id)
		}
	}
	if len(all) < registered+5 {
		t.Errorf("search finds %d registered records; %d were acknowledged before the kill and 5 after", len(all), registered)
	}
	t.Logf("after the restart: %d registered records, numbers all distinct", len(all))

	// Sending a declaration again with its key: an acknowledged one answers 200 with the
	// record it made, never a second record; one whose answer was lost answers 200 if it was
	// committed and 201 if not, and from then on 200 with that record.
	byUser := map[string]*session{"lidya.verhane": lidya, "saba.rinaldor": login(t, second.URL, "saba.rinaldor")}
	replayed := 0
	for _, k := range acks {
		s := byUser[k.user]
		a := s.must(t, "POST", "/api/v1/records", k.body, "Idempotency-Key", k.key)
		var r record
		if k.id != "" {
			if a.Status != http.StatusOK {
				t.Errorf("%s sent again: want 200 with %s, got %s", k.key, k.id, a)
				continue
			}
			if a.decode(t, &r); r.ID != k.id {
				t.Errorf("%s sent again: record %s, not %s", k.key, r.ID, k.id)
			}
			replayed++
			continue
		}
		if a.Status != http.StatusOK && a.Status != http.StatusCreated {
			t.Errorf("%s (unanswered before the kill) sent again: %s", k.key, a)
			continue
		}
		a.decode(t, &r)
		again := s.expect(t, http.StatusOK, "POST", "/api/v1/records", k.body, "Idempotency-Key", k.key)
		var r2 record
		if again.decode(t, &r2); r2.ID != r.ID {
			t.Errorf("%s sent a third time: record %s, then %s", k.key, r.ID, r2.ID)
		}
	}
	// And no declaration was stored twice: one record per key.
	titles := map[string]int{}
	for _, r := range allRecords(t, national, "") {
		titles[r.Title]++
	}
	var twice []string
	for title, n := range titles {
		if n > 1 {
			twice = append(twice, title)
		}
	}
	sort.Strings(twice)
	if len(twice) > 0 {
		t.Errorf("declared more than once: %v", twice[:min(len(twice), 10)])
	}
	t.Logf("%d acknowledged declarations sent again: same records", replayed)
}
