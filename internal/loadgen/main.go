// Command loadgen measures crvsctl serve over HTTP on loopback: declarations, registrations and
// searches by name, with throughput and latency percentiles. README.md ("Performance") gives
// the commands. It can also seed a store directly with many records, for searching at scale.
//
//	go run ./internal/loadgen seed -data /tmp/load -n 1000000
//	go run ./internal/loadgen run -url http://127.0.0.1:8080 -password PW -mode declare
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/internal/dupgen"
	"github.com/crvsctl/crvsctl/runtime/duplicates"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen seed|run [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = seed(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %s", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// seed writes n records straight into the embedded store in dir: a register at national scale
// to search, without a day of HTTP declarations. Their document answers name files that are
// not stored: nothing here reads them, and the store does not check. The records are like the ones crvsctl serve
// stores for the example country: its declaration's size, its offices and their areas, most
// registered, some on their way, a few late.
func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	dir := fs.String("data", "", "the embedded store's directory")
	n := fs.Int("n", 1_000_000, "records to write")
	pkg := fs.String("package", "countries/nerovia", "the country package the records are of")
	seedFlag := fs.Uint64("seed", 1, "the seed of the people generated (internal/dupgen)")
	today := fs.String("today", time.Now().UTC().Format(time.DateOnly), "the day the records are declared on")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-data is required")
	}
	b, diags := compiler.Build(*pkg)
	if diags.HasErrors() {
		return fmt.Errorf("%s: %v", *pkg, diags)
	}
	model, err := records.NewModel(b)
	if err != nil {
		return err
	}
	var offices []bundle.Office
	for _, o := range b.Offices {
		if o.Type == "crvs-office" {
			offices = append(offices, o)
		}
	}
	var birth *bundle.Event
	for i := range b.Events {
		if b.Events[i].ID == "birth" {
			birth = &b.Events[i]
		}
	}
	if birth == nil {
		return fmt.Errorf("%s has no birth event", *pkg)
	}
	// The keys that find possible duplicates, as crvsctl serve stores them with each record.
	dups := duplicates.New(birth, model)
	// And the statistics cells, so that the statistics pages read a register at scale.
	tab := model.Stats
	st, err := sqlitestore.Open(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	start := time.Now()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	// Many writers at once, so that the store's group commit batches them: each commit
	// syncs the log, and a batch of 128 costs one sync as a batch of one does.
	var wg sync.WaitGroup
	var next atomic.Int64
	var failed atomic.Value
	for w := range 128 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(1, uint64(w)))
			for i := next.Add(1) - 1; i < int64(*n); i = next.Add(1) - 1 {
				// Each record another person (dupgen.Person): a register of distinct
				// births, as deduplication meets it.
				d := dupgen.Person("birth", *seedFlag, int(i), *today)
				name, _ := d["child.name"].(map[string]any)
				given, _ := name["given"].(string)
				family, _ := name["family"].(string)
				data, _ := json.Marshal(d)
				at := base.Add(time.Duration(i) * 150 * time.Second)
				office := offices[r.IntN(len(offices))]
				id := fmt.Sprintf("S%09d", i)
				eventDate, _ := d["child.dob"].(string)
				rec := &store.Record{ID: id, Event: "birth", Bundle: b.Hash, Status: "registered", Flags: []string{},
					Data: data, Office: office.Code, Areas: model.AreasOf(office.Area), Title: given + " " + family,
					Names: store.NameKeys(given, family), EventDate: eventDate, Number: fmt.Sprintf("SEED-%09d", i),
					// With the keys that find its names with a typo, as the service gives them:
					// else the server's start rewrites every record to add them.
					Keys:    store.WithFuzzyKeys(dups.Keys(duplicates.Prepare(id, d)), store.NameKeys(given+" "+family)),
					Version: 1, Created: at, Updated: at, CreatedBy: "seed",
					History: []store.Entry{{Version: 1, Action: "declare", User: "seed", At: at}}}
				switch k := r.IntN(100); {
				case k < 5:
					rec.Status, rec.Number = "declared", ""
				case k < 10:
					rec.Status, rec.Number = "validated", ""
				case k < 12:
					rec.Status, rec.Number, rec.Flags = "validated", "", []string{"late"}
				default:
					// Registered some days after the birth: most within the legal
					// period, some late, a few delayed.
					dob, _ := time.Parse(time.DateOnly, eventDate)
					days := r.IntN(60)
					if k >= 90 {
						days = 365 + r.IntN(3*365)
					}
					rec.Registered = dob.Add(time.Duration(days)*24*time.Hour + 10*time.Hour)
				}
				rec.Stats = tab.Cells(stats.Facts{Event: "birth", Status: rec.Status, Number: rec.Number, Answers: d, Registered: rec.Registered})
				if err := st.CreateRecord(ctx, rec); err != nil {
					failed.Store(err)
					return
				}
				if (i+1)%100_000 == 0 {
					fmt.Fprintf(os.Stderr, "%d records, %.0f/s\n", i+1, float64(i+1)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return err
	}
	fmt.Printf("seeded %d records in %s\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// client is a logged-in user.
type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path string, body any, key string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// uploadDocuments uploads the files the generated declarations attach, as the user's: what a
// client does before it declares.
func (c *client) uploadDocuments(files map[string][]byte) error {
	for name, data := range files {
		req, _ := http.NewRequest("POST", c.base+"/api/v1/documents?name="+url.QueryEscape(name), bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("upload of %s: %d %s", name, resp.StatusCode, body)
		}
	}
	return nil
}

func login(base, user, pw string, hc *http.Client) (*client, error) {
	c := &client{base: base, http: hc}
	status, body, err := c.do("POST", "/api/v1/login", map[string]string{"username": user, "password": pw}, "")
	if err != nil || status != 200 {
		return nil, fmt.Errorf("login %s: %d %s %v", user, status, body, err)
	}
	var s struct{ Token string }
	json.Unmarshal(body, &s)
	c.token = s.Token
	return c, nil
}

// run sends requests of one kind from many goroutines for a while and reports the figures.
func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "the server")
	pw := fs.String("password", "", "the users' password (crvsctl serve --dev-password)")
	user := fs.String("user", "lidya.verhane", "a user who may declare, validate and register")
	mode := fs.String("mode", "declare", "declare, register, search or search-typo (a letter of the family name dropped)")
	workers := fs.Int("c", 16, "concurrent requests")
	dur := fs.Duration("d", 20*time.Second, "how long")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "the seed of the people declared (internal/dupgen): another run, other people")
	fs.Parse(args)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}
	c, err := login(*base, *user, *pw, hc)
	if err != nil {
		return err
	}
	if err := c.uploadDocuments(dupgen.Documents()); err != nil {
		return err
	}
	today := time.Now().UTC().Format(time.DateOnly)
	// Each declaration is of another person (the duplicate rules compare each with the
	// register, as in service), born on time: a late birth is registered by a district.
	var people atomic.Int64
	declare := func() (string, error) {
		var d map[string]any
		var n int64
		for {
			n = people.Add(1)
			d = dupgen.Person("birth", *seed, int(n), today)
			if _, late := d["registration.lateReason"]; !late {
				break
			}
		}
		status, body, err := c.do("POST", "/api/v1/records", map[string]any{"event": "birth", "data": d}, fmt.Sprintf("load-%d-%d", *seed, n))
		if err != nil {
			return "", err
		}
		if status != 201 {
			return "", fmt.Errorf("declare: %d %s", status, body)
		}
		var r struct{ ID string }
		json.Unmarshal(body, &r)
		return r.ID, nil
	}

	// For registrations, a stock of declared records made beforehand, so that only the
	// register action is timed.
	var stock []string
	if *mode == "register" {
		n := int(dur.Seconds()) * 1500
		fmt.Fprintf(os.Stderr, "declaring %d records to register...\n", n)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var next atomic.Int64
		for range *workers {
			wg.Go(func() {
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					id, err := declare()
					if err != nil {
						fmt.Fprintln(os.Stderr, err)
						return
					}
					mu.Lock()
					stock = append(stock, id)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  atomic.Int64
		next      atomic.Int64
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(*dur)
	start := time.Now()
	for range *workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				i := next.Add(1)
				if *mode == "register" && int(i) > len(stock) {
					break // every declared record is registered
				}
				t0 := time.Now()
				var err error
				switch *mode {
				case "declare":
					_, err = declare()
				case "register":
					var status int
					var body []byte
					status, body, err = c.do("POST", "/api/v1/records/"+stock[i-1]+"/actions/register", map[string]any{"version": 1}, "")
					if err == nil && status != 200 {
						err = fmt.Errorf("register: %d %s", status, body)
					}
				case "search", "search-typo":
					// A name of the register seeded (seed 1, its first 100,000 people): a
					// clerk looks up a child, typing it right, or with a letter of the
					// family name left out (found by the one-typo keys, after exact matches).
					who := dupgen.Person("birth", 1, int(i*7919%100_000), today)["child.name"].(map[string]any)
					family := []rune(who["family"].(string))
					if *mode == "search-typo" && len(family) > 3 {
						family = append(family[:2:2], family[3:]...)
					}
					name := strings.ToLower(who["given"].(string) + " " + string(family))
					var status int
					var body []byte
					status, body, err = c.do("GET", "/api/v1/records?name="+strings.ReplaceAll(name, " ", "+"), nil, "")
					if err == nil && status != 200 {
						err = fmt.Errorf("search: %d %s", status, body)
					}
				default:
					err = fmt.Errorf("unknown mode %s", *mode)
				}
				if err != nil {
					if failures.Add(1) < 5 {
						fmt.Fprintln(os.Stderr, err)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))].Round(10 * time.Microsecond)
	}
	fmt.Printf("%s: %d ok, %d failed in %s: %.0f/s; latency p50 %s, p95 %s, p99 %s, max %s (%d concurrent)\n",
		*mode, len(latencies), failures.Load(), elapsed.Round(time.Millisecond), float64(len(latencies))/elapsed.Seconds(),
		pct(0.50), pct(0.95), pct(0.99), pct(1), *workers)
	return nil
}
