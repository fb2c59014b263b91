// Package browsertest drives a real headless Chromium from Go tests, so that a
// test can see a page the way a registrar on a slow connection sees it: does
// the page work without JavaScript, how many bytes does it transfer, how long
// until it is usable over a slow link, what happens offline, and does it log
// any error.
//
// A test starts one browser and opens tabs in it:
//
//	b := browsertest.New(t, browsertest.Throttled(250, 250, 300*time.Millisecond))
//	tab := b.Tab(t)
//	load := tab.Navigate(srv.URL + "/declare/birth")
//	if load.Bytes > 60<<10 || load.Load > 3*time.Second {
//		t.Errorf("first load: %v", load)
//	}
//	tab.Do(chromedp.SendKeys(chromedp.ID("child.name"), "Abebe"))
//	name := browsertest.Run(tab, chromedp.Value(chromedp.ID("child.name")))
//	tab.Do(chromedp.Click("#next"))
//	tab.WaitFor(`document.getElementById("review").textContent.includes("Abebe")`)
//	tab.Screenshot("filled")
//	tab.CheckNoConsoleErrors()
//
// The browser is Debian's chromium (or any Chrome): the harness looks for
// $CRVSCTL_CHROMIUM, then chromium, chromium-browser, google-chrome and
// google-chrome-stable on PATH. When there is none the test is skipped, except
// when the environment variable CI is set: there a missing browser fails the
// test, so that CI cannot pass without running the browser tests.
//
// The options (JavaScript off, network throttling, language, viewport) apply
// to a tab through the DevTools protocol. Given to [New] they are the defaults
// of every tab of that browser; given to [Browser.Tab] they add to those
// defaults for that tab, so one browser can serve a test's tabs with and
// without JavaScript.
//
// A test waits for what it is about to read with [Tab.WaitFor], never for a
// fixed time: a page's script may build it after the load event, a click may
// still be navigating, and a busy machine makes every timer late.
//
// The methods of [Tab] fail the test with t.Fatal, so call them from the
// test's goroutine. When a test has failed, each of its tabs leaves a
// screenshot that the test does not remove, and logs its path (see
// [Tab.Number]).
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// EnvChromium names the browser executable to use, as a path or a name on
// PATH. When it is set, it must work: the harness does not fall back to
// another browser.
const EnvChromium = "CRVSCTL_CHROMIUM"

// EnvScreenshots names a directory for the screenshots of [Tab.Screenshot]
// and of failed tests. When it is empty the screenshots of [Tab.Screenshot] go
// to t.ArtifactDir(), and those of failed tests to t.ArtifactDir() under go
// test -artifacts, else to [FailuresDir].
const EnvScreenshots = "CRVSCTL_SCREENSHOTS"

// FailuresDir is the folder, under os.TempDir(), that keeps the screenshots of
// failed tests when neither $CRVSCTL_SCREENSHOTS nor go test -artifacts says
// where: one subfolder per test, which the test does not remove.
const FailuresDir = "crvsctl-browser-failures"

// Window size of the browser. Tabs that need another size use [Viewport].
const (
	WindowWidth  = 1280
	WindowHeight = 800
)

// DefaultTimeout bounds each call of [Tab.Do], [Run], [Tab.Navigate],
// [Tab.WaitFor] and the other methods of a tab, unless [Timeout] sets another
// bound. It is there to end a test that hangs, not to measure: with both cores
// of a 2-core machine busy, a navigation or a screenshot that takes a second
// when idle took more than 30 s.
const DefaultTimeout = 60 * time.Second

// StartTimeout bounds the start of the browser in [New]. Like
// [DefaultTimeout], it ends a test that hangs: idle, the browser starts in
// about a second, but on a 2-core machine loaded far beyond its cores (load
// average 40 to 60: other test processes, several browsers, stress) 16 starts
// in about 150 took more than a minute.
const StartTimeout = 3 * time.Minute

// candidates are the executables tried, in order, when $CRVSCTL_CHROMIUM is
// empty.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindBrowser returns the path of the browser executable: $CRVSCTL_CHROMIUM if
// set, else the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found on PATH.
func FindBrowser() (string, error) {
	if name := os.Getenv(EnvChromium); name != "" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("$%s=%q: %w", EnvChromium, name, err)
		}
		return path, nil
	}
	for _, name := range candidates {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no browser found: none of %s is on PATH and $%s is empty", strings.Join(candidates, ", "), EnvChromium)
}

// Option sets up a browser or a tab. See [New] and [Browser.Tab].
type Option func(*config)

type config struct {
	noJS      bool
	throttle  *throttle
	lang      string
	viewportW int
	viewportH int
	timeout   time.Duration
}

type throttle struct {
	downKbit, upKbit int
	latency          time.Duration
}

// WithoutJavaScript turns script execution off in the tab
// (Emulation.setScriptExecutionDisabled): page scripts, inline or not, do not
// run, as in a browser with JavaScript disabled. The harness itself can still
// evaluate JavaScript in the page, so [Run] with chromedp.Evaluate works.
func WithoutJavaScript() Option {
	return func(c *config) { c.noJS = true }
}

// Throttled limits the tab's network to downKbit and upKbit kilobits (1000
// bits) per second, with latency added to each request before its response
// headers arrive, through Network.emulateNetworkConditionsByRule, the
// protocol's replacement of Network.emulateNetworkConditions. A zero or
// negative rate leaves that direction unlimited, so Throttled(0, 0, 0) given
// to [Browser.Tab] gives that tab a full-speed network in a throttled
// browser. The limits cover every request of the tab, local servers
// included. Measured here: 100 KB at Throttled(250, 250, 300ms) loads in
// 3.6 s, as the link's arithmetic says (3.3 s + 0.3 s).
func Throttled(downKbit, upKbit int, latency time.Duration) Option {
	return func(c *config) { c.throttle = &throttle{downKbit, upKbit, latency} }
}

// Language makes the tab prefer the language tag lang, such as "fr" or "am":
// the Accept-Language header, navigator.language and navigator.languages, and
// the default locale of Intl and toLocaleString.
func Language(lang string) Option {
	return func(c *config) { c.lang = lang }
}

// Viewport sets the tab's viewport to width × height CSS pixels, for example
// 360 × 740 for a small phone. Without it the viewport is the window,
// [WindowWidth] × [WindowHeight].
func Viewport(width, height int) Option {
	return func(c *config) { c.viewportW, c.viewportH = width, height }
}

// Timeout sets the bound of each call of a tab's methods, in place of
// [DefaultTimeout].
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Browser is one headless browser process, shared by the tabs of a test.
type Browser struct {
	ctx       context.Context // the root chromedp context, which owns the process
	path      string
	product   string
	userAgent string
	opts      []Option
	tabs      atomic.Int64 // tabs opened, to number them
}

// New starts a headless browser for the test and stops it when the test ends
// (t.Cleanup). The browser runs with a fixed window of [WindowWidth] ×
// [WindowHeight], a fresh temporary profile (user-data-dir) that chromedp
// creates and removes, and --no-sandbox when the test runs as root, as it does
// in CI. The options are the defaults of every tab of the browser.
//
// When no browser is installed New skips the test, or fails it when the
// environment variable CI is set. A $CRVSCTL_CHROMIUM that names no
// executable fails the test too.
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	path, err := FindBrowser()
	if err != nil {
		switch {
		case os.Getenv(EnvChromium) != "":
			t.Fatalf("browsertest: %v", err)
		case os.Getenv("CI") != "":
			t.Fatalf("browsertest: %v; CI must run the browser tests: install a browser (apt-get install -y --no-install-recommends chromium) or set $%s", err, EnvChromium)
		}
		t.Skipf("browsertest: %v; to run this test install one (apt-get install -y --no-install-recommends chromium) or set $%s", err, EnvChromium)
	}

	// Chromium now and then dies while starting (on a loaded CI machine: it
	// exits before it listens, its crash handler says "no stack mapping"). That
	// is the browser's failure, not the page's, so a start is tried again, and
	// the test fails only when every try failed, with each try's output.
	var ctx context.Context
	var failures []string
	for try := 1; ; try++ {
		var output *syncBuffer
		ctx, output, err = start(t, path)
		if err == nil {
			break
		}
		failures = append(failures, fmt.Sprintf("try %d: %v\n%s", try, err, output.String()))
		if try == startTries {
			t.Fatalf("browsertest: starting %s failed %d times:\n%s", path, startTries, strings.Join(failures, "\n"))
		}
		t.Logf("browsertest: starting %s failed (try %d of %d), trying again: %v", path, try, startTries, err)
	}
	vctx, vcancel := context.WithTimeout(ctx, DefaultTimeout)
	defer vcancel()
	version, err := chromedp.CallBrowser(vctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browsertest: asking %s its version: %v", path, err)
	}
	return &Browser{ctx: ctx, path: path, product: version.Product, userAgent: version.UserAgent, opts: opts}
}

// startTries is how many times [New] tries to start the browser.
const startTries = 3

// start starts a browser process and returns the context that owns it. The
// process and its profile go when the test ends, or at once when it failed
// to start.
func start(t testing.TB, path string) (context.Context, *syncBuffer, error) {
	output := new(syncBuffer)
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(WindowWidth, WindowHeight),
		chromedp.CombinedOutput(output),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		allocOpts = append(allocOpts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() {
		cancel()
		cancelAlloc() // waits for the process to end and removes its profile
	}

	// The first Do starts the process. It has no timeout, because the
	// context of the first Do owns the browser.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	var err error
	select {
	case err = <-started:
	case <-time.After(StartTimeout):
		err = fmt.Errorf("not started after %v (browsertest.StartTimeout)", StartTimeout)
	}
	if err != nil {
		stop()
		return nil, output, err
	}
	t.Cleanup(stop)
	return ctx, output, nil
}

// Version returns the browser's product name and version, such as
// "Chrome/156.0.8078.79".
func (b *Browser) Version() string { return b.product }

// Path returns the browser executable that runs.
func (b *Browser) Path() string { return b.path }

// syncBuffer collects the browser's output for the message of a failed start.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
