package browsertest_test

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"html"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crvsctl/crvsctl/internal/browsertest"
)

// noIcon keeps the browser from asking for /favicon.ico, so that a page's
// requests are the ones it names.
const noIcon = `<link rel="icon" href="data:,">`

// bigSize is the size of /big, a page that gzip cannot shrink much.
const bigSize = 100 << 10

// randomText returns n bytes of letters that compress poorly.
func randomText(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return b
}

// page returns a whole HTML document with body.
func page(title, body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>` + title + `</title>` + noIcon + `</head><body>` + body + `</body></html>`
}

// gzipped is the /gz page: 200 KB of HTML that compresses to a few KB, plus
// 8 KB that does not compress much.
var gzipped, gzippedPlain = func() ([]byte, int) {
	plain := page("gz", strings.Repeat("<p>Birth declaration, Nerovia. ", 200<<10/32)+"<pre>"+string(randomText(8<<10))+"</pre>")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(plain))
	zw.Close()
	return buf.Bytes(), len(plain)
}()

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	send := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		send(w, page("Hello", `<h1 id="greeting">Hello, registrar</h1>
<p id="js">no script</p>
<script>document.getElementById("js").textContent = "script ran"</script>`))
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, `{"ok":true}`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		pad := page("big", "<pre></pre>")
		send(w, page("big", "<pre>"+string(randomText(bigSize-len(pad)))+"</pre>"))
	})
	mux.HandleFunc("/gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzipped)
	})
	mux.HandleFunc("/errors", func(w http.ResponseWriter, r *http.Request) {
		send(w, page("errors", `<p>errors</p>
<script>console.log("all is well"); console.warn("careful"); console.error("bad thing", 42)</script>
<script>Promise.reject(new Error("nobody caught me"))</script>
<script>throw new Error("boom")</script>`))
	})
	mux.HandleFunc("/tall", func(w http.ResponseWriter, r *http.Request) {
		send(w, page("tall", `<div style="height:3000px;background:linear-gradient(#fff,#38c)">Ethiopic: የልደት ምዝገባ — French: déclaration de naissance</div>`))
	})
	mux.HandleFunc("/lang", func(w http.ResponseWriter, r *http.Request) {
		send(w, page("lang", `<p id="al">`+html.EscapeString(r.Header.Get("Accept-Language"))+`</p>`))
	})
	mux.HandleFunc("/later", func(w http.ResponseWriter, r *http.Request) {
		// The input comes a while after the load, as a form that a script
		// builds once its rules are fetched.
		send(w, page("later", `<form id="f"></form>
<script>setTimeout(() => { document.getElementById("f").innerHTML = '<input name="late" value="here">' }, 1500)</script>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestPageLoadsAndTextIsRead(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := browsertest.New(t)
	t.Logf("browser: %s (%s)", b.Version(), b.Path())
	tab := b.Tab(t)

	load := tab.Navigate(srv.URL + "/")
	t.Log(load)
	if load.Status != http.StatusOK {
		t.Errorf("status %d, want 200", load.Status)
	}
	if got := browsertest.Run(tab, chromedp.Text(chromedp.ID("greeting"))); got != "Hello, registrar" {
		t.Errorf("greeting %q", got)
	}
	if got := browsertest.Run(tab, chromedp.Title()); got != "Hello" {
		t.Errorf("title %q", got)
	}
	if got := tab.URL(); got != srv.URL+"/" {
		t.Errorf("URL %q", got)
	}
	if load.Requests != 1 || load.Load <= 0 || load.DOMContentLoaded <= 0 || load.DOMContentLoaded > load.Load {
		t.Errorf("load measures: %v", load)
	}
	tab.CheckNoConsoleErrors()

	if load := tab.Navigate(srv.URL + "/missing"); load.Status != http.StatusNotFound {
		t.Errorf("/missing: status %d, want 404", load.Status)
	}
}

func TestJavaScriptOnAndOff(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := browsertest.New(t)

	on := b.Tab(t)
	on.Navigate(srv.URL + "/")
	if got := browsertest.Run(on, chromedp.Text(chromedp.ID("js"))); got != "script ran" {
		t.Errorf("with JavaScript: %q, want the script's text", got)
	}

	off := b.Tab(t, browsertest.WithoutJavaScript())
	for range 2 { // the setting must last across navigations
		off.Navigate(srv.URL + "/")
		if got := browsertest.Run(off, chromedp.Text(chromedp.ID("js"))); got != "no script" {
			t.Errorf("without JavaScript: %q, want the page's own text", got)
		}
	}
	// The harness can still look into a page whose scripts do not run.
	if got := browsertest.Run(off, chromedp.Evaluate[int]("20 + 22")); got != 42 {
		t.Errorf("harness evaluation without JavaScript: %d", got)
	}

	// An option given to New is every tab's default.
	noJS := browsertest.New(t, browsertest.WithoutJavaScript()).Tab(t)
	noJS.Navigate(srv.URL + "/")
	if got := browsertest.Run(noJS, chromedp.Text(chromedp.ID("js"))); got != "no script" {
		t.Errorf("browser without JavaScript: %q, want the page's own text", got)
	}
}

func TestThrottledLinkIsSlow(t *testing.T) {
	t.Parallel()
	srv := server(t)
	// 250 kbit/s is 31.25 KB/s: 100 KB cannot arrive in less than 3.2 s.
	b := browsertest.New(t, browsertest.Throttled(250, 250, 300*time.Millisecond))
	tab := b.Tab(t)
	load := tab.Navigate(srv.URL + "/big")
	t.Logf("throttled: %v", load)
	if load.Load < 2*time.Second {
		t.Errorf("100 KB at 250 kbit/s loaded in %v, want more than 2s: the link is not throttled", load.Load)
	}
	if load.Bytes < bigSize || load.Bytes > bigSize+4<<10 {
		t.Errorf("transferred %d bytes, want a little more than %d", load.Bytes, bigSize)
	}
	// For comparison only: a tab of the same browser without the limits is
	// not asserted to be fast, a loaded machine may be slow.
	fast := b.Tab(t, browsertest.Throttled(0, 0, 0))
	t.Logf("unthrottled: %v", fast.Navigate(srv.URL+"/big"))
}

func TestOffline(t *testing.T) {
	t.Parallel()
	srv := server(t)
	// A throttled tab, to see that going back online restores the throttling.
	const latency = 300 * time.Millisecond
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.Throttled(0, 0, latency))
	tab.Navigate(srv.URL + "/")

	// fetchData fetches /data.json and returns its text or the error, and
	// how long it took in the page.
	type result struct {
		Text   string
		Millis float64
		Online bool
	}
	fetchData := func() result {
		t.Helper()
		return browsertest.Run(tab, chromedp.Evaluate[result](`(async () => {
			const start = performance.now();
			let text;
			try { text = await (await fetch("/data.json")).text() } catch (e) { text = "failed: " + e }
			return {Text: text, Millis: performance.now() - start, Online: navigator.onLine};
		})()`, chromedp.EvalAwaitPromise))
	}

	if r := fetchData(); r.Text != `{"ok":true}` || !r.Online {
		t.Fatalf("online: %+v", r)
	}
	tab.SetOffline(true)
	r := fetchData()
	if !strings.HasPrefix(r.Text, "failed: TypeError") || r.Online {
		t.Errorf("offline: %+v, want a failed fetch and navigator.onLine false", r)
	}
	tab.SetOffline(false)
	r = fetchData()
	if r.Text != `{"ok":true}` || !r.Online {
		t.Errorf("back online: %+v", r)
	}
	if r.Millis < float64(latency/time.Millisecond)*0.9 {
		t.Errorf("back online, the fetch took %.0f ms, want the throttled latency %v", r.Millis, latency)
	}
	if tr := tab.Traffic(); tr.Failed < 1 {
		t.Errorf("traffic %+v, want the offline fetch counted as failed", tr)
	}
}

func TestConsoleErrorsAreCaptured(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := browsertest.New(t)
	tab := b.Tab(t)
	tab.Navigate(srv.URL + "/errors")

	var all []string
	for _, m := range tab.Console() {
		all = append(all, m.String())
	}
	t.Logf("console: %q", all)
	for _, want := range []string{"log: all is well", "warning: careful"} {
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("console has no %q", want)
		}
	}

	var errs []string
	for _, m := range tab.ConsoleErrors() {
		errs = append(errs, m.String())
	}
	// An unhandled rejection is reported after the scripts that follow it, so
	// the order of the errors is not checked.
	want := []string{"error: bad thing 42", "exception: Uncaught (in promise) Error: nobody caught me", "exception: Uncaught Error: boom"}
	if len(errs) != len(want) {
		t.Fatalf("errors %q, want %d", errs, len(want))
	}
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, w) }) {
			t.Errorf("errors %q, want one that starts with %q", errs, w)
		}
	}
	for _, m := range tab.ConsoleErrors() {
		if strings.Contains(m.Text, "boom") && (!m.IsException() || m.Line != 3 || !strings.HasSuffix(m.URL, "/errors")) {
			t.Errorf("the thrown error: %+v, want an exception at /errors line 4", m)
		}
	}

	// CheckNoConsoleErrors reports each error.
	rec := &recorder{TB: t}
	quiet := b.Tab(rec)
	quiet.Navigate(srv.URL + "/")
	quiet.CheckNoConsoleErrors()
	if len(rec.errors) != 0 {
		t.Errorf("clean page reported %q", rec.errors)
	}
	quiet.Navigate(srv.URL + "/errors")
	quiet.CheckNoConsoleErrors()
	if len(rec.errors) != 3 {
		t.Errorf("CheckNoConsoleErrors reported %q, want 3 errors", rec.errors)
	}
}

// recorder is a testing.TB whose Errorf only records.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestTransferredBytes(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := browsertest.New(t)
	tab := b.Tab(t)
	load := tab.Navigate(srv.URL + "/gz")
	t.Logf("%v; gzip %d bytes of %d", load, len(gzipped), gzippedPlain)
	// What crossed the wire is the compressed body and the headers, not the
	// page's size.
	if load.Bytes < int64(len(gzipped)) || load.Bytes > int64(len(gzipped))+2048 {
		t.Errorf("transferred %d bytes, want the %d bytes of gzip and headers", load.Bytes, len(gzipped))
	}
	if load.Requests != 1 {
		t.Errorf("%d requests, want 1", load.Requests)
	}
	if got := browsertest.Run(tab, chromedp.Evaluate[int]("document.documentElement.outerHTML.length")); got < 200<<10 {
		t.Errorf("the page has %d characters, want it decompressed", got)
	}
	// A fetch after the load counts in Traffic, not in the load.
	browsertest.Run(tab, chromedp.Evaluate[string](`fetch("/data.json").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if tr := tab.Traffic(); tr.Requests != 2 || tr.Bytes <= load.Bytes {
		t.Errorf("traffic after a fetch %+v, want 2 requests and more than %d bytes", tr, load.Bytes)
	}
}

func TestScreenshots(t *testing.T) {
	srv := server(t)
	b := browsertest.New(t)
	tab := b.Tab(t, browsertest.Viewport(360, 740))
	tab.Navigate(srv.URL + "/tall")

	// The default place is the test's artifact directory.
	check := func(path string) {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if size := img.Bounds().Size(); size.X != 360 || size.Y < 3000 {
			t.Errorf("%s is %v, want the whole page, 360 wide and 3000 high", path, size)
		}
	}
	check(tab.Screenshot("tall page"))

	dir := t.TempDir()
	t.Setenv(browsertest.EnvScreenshots, dir)
	path := tab.Screenshot("tall")
	if want := filepath.Join(dir, "TestScreenshots-tall.png"); path != want {
		t.Errorf("screenshot at %s, want %s", path, want)
	}
	check(path)
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	srv := server(t)
	b := browsertest.New(t, browsertest.Language("fr"))
	tab := b.Tab(t)
	tab.Navigate(srv.URL + "/lang")
	if got := browsertest.Run(tab, chromedp.Text(chromedp.ID("al"))); !strings.HasPrefix(got, "fr") {
		t.Errorf("Accept-Language %q, want fr", got)
	}
	type langs struct{ Language, Locale string }
	got := browsertest.Run(tab, chromedp.Evaluate[langs](`({Language: navigator.language, Locale: Intl.DateTimeFormat().resolvedOptions().locale})`))
	if got.Language != "fr" || !strings.HasPrefix(got.Locale, "fr") {
		t.Errorf("navigator.language and Intl: %+v, want fr", got)
	}

	am := b.Tab(t, browsertest.Language("am"))
	am.Navigate(srv.URL + "/lang")
	if got := browsertest.Run(am, chromedp.Evaluate[string](`navigator.language`)); got != "am" {
		t.Errorf("a tab's own language: %q, want am", got)
	}
}

// TestWaitForWhatIsNotThereYet: a wait that starts before its element exists,
// even before the page that has it is loaded, succeeds once it appears.
func TestWaitForWhatIsNotThereYet(t *testing.T) {
	t.Parallel()
	srv := server(t)
	tab := browsertest.New(t).Tab(t)
	tab.Navigate(srv.URL + "/")
	// The navigation is in flight, or not even started, when the wait
	// begins: at first the expression throws (no input named late).
	browsertest.Run(tab, chromedp.Evaluate[chromedp.Void](`setTimeout(() => { location.href = "/later" }, 200)`))
	start := time.Now()
	tab.WaitFor(`document.getElementsByName("late")[0].value === "here"`)
	if !strings.HasSuffix(tab.URL(), "/later") || time.Since(start) < time.Second {
		t.Errorf("the wait ended after %v on %s, before the input existed", time.Since(start), tab.URL())
	}
}

// TestWaitForTimesOut: a wait that is never satisfied fails the test once the
// tab's timeout is up, saying what it waited for and what it saw last.
func TestWaitForTimesOut(t *testing.T) {
	t.Parallel()
	rec := &fatalRecorder{TB: t}
	// The tab stays on its first page, about:blank: nothing to load.
	tab := browsertest.New(t).Tab(rec, browsertest.Timeout(5*time.Second))
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`document.getElementsByName("never")[0].value`, []string{"waited 5s", `document.getElementsByName("never")[0].value`, "TypeError", "reading 'value'"}},
		{`document.title === "Goodbye"`, []string{"waited 5s", `document.title === "Goodbye"`, "the value false"}},
		{`location.href === "about:blank"`, nil}, // true: no failure
		{`document.title ===`, []string{"cannot be evaluated", "SyntaxError"}},
	} {
		rec.fatals = nil
		start := time.Now()
		tab.WaitFor(c.expr)
		took := time.Since(start)
		if len(c.want) == 0 {
			if len(rec.fatals) != 0 {
				t.Errorf("WaitFor(%s) failed: %q", c.expr, rec.fatals)
			}
			continue
		}
		if len(rec.fatals) != 1 {
			t.Errorf("WaitFor(%s) failed the test %d times, want once: %q", c.expr, len(rec.fatals), rec.fatals)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(rec.fatals[0], w) {
				t.Errorf("WaitFor(%s) failed with %q, which does not say %q", c.expr, rec.fatals[0], w)
			}
		}
		if took > 15*time.Second {
			t.Errorf("WaitFor(%s) took %v with a timeout of 5s", c.expr, took)
		}
	}
}

// fatalRecorder is a testing.TB whose Fatalf only records.
type fatalRecorder struct {
	testing.TB
	fatals []string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

// TestFailureScreenshotsSurvive: when a test has failed, each of its tabs
// leaves a screenshot of its own that outlives the test, and the test's log
// says where.
func TestFailureScreenshotsSurvive(t *testing.T) {
	srv := server(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir()
	t.Setenv(browsertest.EnvScreenshots, "")
	want := filepath.Join(tmp, browsertest.FailuresDir, "TestFailureScreenshotsSurvive")
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		want = t.ArtifactDir() // kept by go test -artifacts
	}

	// Two tabs of one browser, then the first tab of another browser, as in
	// a second run of the same test (go test -count=2).
	first := &failedTB{TB: t}
	b := browsertest.New(t)
	one, two := b.Tab(first), b.Tab(first)
	one.Navigate(srv.URL + "/")
	two.Navigate(srv.URL + "/tall")
	first.end()
	second := &failedTB{TB: t}
	browsertest.New(t).Tab(second).Navigate(srv.URL + "/")
	second.end()

	paths := map[string]bool{}
	for _, tb := range []*failedTB{first, second} {
		for _, l := range tb.logs {
			if i := strings.Index(l, ": /"); i >= 0 && strings.Contains(l, "screenshot of tab") {
				paths[l[i+2:]] = true
			}
		}
	}
	if len(paths) != 3 {
		t.Fatalf("%d screenshots logged, want one per failed tab, 3: %q %q", len(paths), first.logs, second.logs)
	}
	for path := range paths {
		if filepath.Dir(path) != want {
			t.Errorf("screenshot %s, want it in %s", path, want)
		}
		if !strings.HasPrefix(filepath.Base(path), "failed-tab") {
			t.Errorf("screenshot %s is not named after its tab", path)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// failedTB is a testing.TB that has failed, whose cleanups run when end is
// called, and which records what it logs.
type failedTB struct {
	testing.TB
	cleanups []func()
	logs     []string
}

func (f *failedTB) Failed() bool      { return true }
func (f *failedTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *failedTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
	f.TB.Logf(format, args...)
}

// end runs the cleanups, last first, as when a test ends.
func (f *failedTB) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// TestStartIsTriedAgain: a browser that dies while starting, as Chromium now
// and then does on a loaded machine, is started again, and the test goes on
// with the second one.
func TestStartIsTriedAgain(t *testing.T) {
	real, err := browsertest.FindBrowser()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "crashed-once")
	wrapper := filepath.Join(dir, "flaky-browser")
	script := fmt.Sprintf("#!/bin/sh\nif [ ! -e %q ]; then touch %q; echo 'no stack mapping' >&2; exit 1; fi\nexec %q \"$@\"\n", marker, marker, real)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(browsertest.EnvChromium, wrapper)
	logged := &failedTB{TB: t}
	t.Cleanup(logged.end) // after the tab's cleanup, which needs the browser
	b := browsertest.New(logged)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the first start did not run the wrapper: %v", err)
	}
	if len(logged.logs) != 1 || !strings.Contains(logged.logs[0], "try 1 of 3") {
		t.Errorf("logs %q, want one about the failed first try", logged.logs)
	}
	srv := server(t)
	tab := b.Tab(t)
	tab.Navigate(srv.URL + "/")
}
