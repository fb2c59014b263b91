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
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/records"
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

// Names drawn for generated people: common enough that a search by one name finds many
// records, as in a real register.
var (
	givenNames  = strings.Fields("Ama Kofi Selam Abebe Lidya Tomas Saba Yara Oren Ilena Samuel Amina Yusuf Mariam Daniel Hana Elias Ruth Nahom Meron Kidus Liya Dawit Sara Mekdes Binyam Helen Robel Tsion Henok Élodie Zoé Noël Inès Aminata Moussa Fatou Ousmane Aïcha Ibrahima")
	familyNames = strings.Fields("Tarek Mensah Diallo Haile Tesfamor Belcourt Odhiro Marvosa Verhane Ekwaro Rinaldor Kostuna Abera Girma Tadesse Bekele Alemu Wolde Desta Kebede Müller Ngozi Okafor Traoré Keïta Koné Camara Sow Bâ Cissé")
)

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
	declFile := fs.String("declaration", "runtime/testdata/birth.json", "a valid declaration, the records' data")
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
	raw, err := os.ReadFile(*declFile)
	if err != nil {
		return err
	}
	var decl map[string]any
	if err := json.Unmarshal(raw, &decl); err != nil {
		return err
	}
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
			d := maps.Clone(decl)
			for i := next.Add(1) - 1; i < int64(*n); i = next.Add(1) - 1 {
				given := givenNames[r.IntN(len(givenNames))] + " " + givenNames[r.IntN(len(givenNames))]
				family := familyNames[r.IntN(len(familyNames))]
				d["child.name"] = map[string]any{"given": given, "family": family}
				data, _ := json.Marshal(d)
				at := base.Add(time.Duration(i) * 150 * time.Second)
				office := offices[r.IntN(len(offices))]
				rec := &store.Record{ID: fmt.Sprintf("S%09d", i), Event: "birth", Bundle: b.Hash, Status: "registered", Flags: []string{},
					Data: data, Office: office.Code, Areas: model.AreasOf(office.Area), Title: given + " " + family,
					Names: store.NameKeys(given, family), EventDate: at.Format(time.DateOnly), Number: fmt.Sprintf("SEED-%09d", i),
					Version: 1, Created: at, Updated: at, CreatedBy: "seed",
					History: []store.Entry{{Version: 1, Action: "declare", User: "seed", At: at}}}
				switch k := r.IntN(100); {
				case k < 5:
					rec.Status, rec.Number = "declared", ""
				case k < 10:
					rec.Status, rec.Number = "validated", ""
				case k < 12:
					rec.Status, rec.Number, rec.Flags = "validated", "", []string{"late"}
				}
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

// uploadDocuments uploads every file of dir as the user's, and checks that they are the files
// the declaration's document answers name: a document's id is the address of its content, so
// the ids in the declaration are those its files are given.
func (c *client) uploadDocuments(dir string, decl map[string]any) error {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return err
	}
	uploaded := map[string]bool{}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("POST", c.base+"/api/v1/documents?name="+url.QueryEscape(filepath.Base(f)), bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			return fmt.Errorf("upload of %s: %d %s", f, resp.StatusCode, body)
		}
		var d struct{ ID string }
		json.Unmarshal(body, &d)
		uploaded[d.ID] = true
	}
	for field, v := range decl {
		if ans, ok := v.(map[string]any); ok {
			if id, ok := ans["file"].(string); ok && !uploaded[id] {
				return fmt.Errorf("%s attaches %s, which is none of the files of %s", field, id, dir)
			}
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
	mode := fs.String("mode", "declare", "declare, register or search")
	workers := fs.Int("c", 16, "concurrent requests")
	dur := fs.Duration("d", 20*time.Second, "how long")
	declFile := fs.String("declaration", "runtime/testdata/birth.json", "a valid declaration")
	docDir := fs.String("documents", "runtime/testdata/documents", "the files the declaration's document answers name, uploaded once at the start")
	fs.Parse(args)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}}
	c, err := login(*base, *user, *pw, hc)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(*declFile)
	if err != nil {
		return err
	}
	var decl map[string]any
	if err := json.Unmarshal(raw, &decl); err != nil {
		return err
	}
	if err := c.uploadDocuments(*docDir, decl); err != nil {
		return err
	}
	declare := func(i int64) (string, error) {
		d := make(map[string]any, len(decl))
		for k, v := range decl {
			d[k] = v
		}
		g := givenNames[i%int64(len(givenNames))]
		d["child.name"] = map[string]any{"given": g, "family": familyNames[(i/7)%int64(len(familyNames))]}
		status, body, err := c.do("POST", "/api/v1/records", map[string]any{"event": "birth", "data": d}, fmt.Sprintf("load-%d-%d", time.Now().UnixNano(), i))
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
					id, err := declare(i)
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
					_, err = declare(i)
				case "register":
					var status int
					var body []byte
					status, body, err = c.do("POST", "/api/v1/records/"+stock[i-1]+"/actions/register", map[string]any{"version": 1}, "")
					if err == nil && status != 200 {
						err = fmt.Errorf("register: %d %s", status, body)
					}
				case "search":
					name := strings.ToLower(givenNames[i%int64(len(givenNames))] + " " + familyNames[(i/3)%int64(len(familyNames))])
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
