package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tab is one tab of a [Browser], with its own chromedp context and its own
// browser context (profile): cookies, storage and the HTTP cache are not
// shared with other tabs, so every tab starts as a first visit.
//
// The tab records what the page writes to the console and what it transfers
// over the network from the moment it opens.
type Tab struct {
	t      testing.TB
	ctx    context.Context
	cfg    config
	number int64

	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	traffic  Traffic
	navStart time.Time
	domReady time.Time
	loaded   time.Time
}

// Traffic counts the network requests of a tab.
type Traffic struct {
	Requests int   // requests sent
	Failed   int   // requests that failed, for example offline
	Bytes    int64 // bytes received, as the sum of encodedDataLength of Network.loadingFinished: compressed bodies plus headers
}

// PageLoad measures one navigation of [Tab.Navigate].
type PageLoad struct {
	URL              string
	Status           int64         // HTTP status of the document
	Traffic                        // what the tab transferred from the start of the navigation to the load event
	DOMContentLoaded time.Duration // from the start of the navigation to the DOMContentLoaded event
	Load             time.Duration // from the start of the navigation to the load event: every script, style sheet and image is there
}

func (p PageLoad) String() string {
	return fmt.Sprintf("%s: status %d, %d requests (%d failed), %.1f KB, DOMContentLoaded %v, load %v",
		p.URL, p.Status, p.Requests, p.Failed, float64(p.Bytes)/1024, p.DOMContentLoaded.Round(time.Millisecond), p.Load.Round(time.Millisecond))
}

// Tab opens a new tab in the browser, set up with the browser's options and
// then opts, and closes it when t ends. When t has failed by then, the tab
// takes a screenshot first, that outlives the test: see [Tab.Number].
func (b *Browser) Tab(t testing.TB, opts ...Option) *Tab {
	t.Helper()
	cfg := config{timeout: DefaultTimeout}
	for _, o := range b.opts {
		o(&cfg)
	}
	for _, o := range opts {
		o(&cfg)
	}
	tab := &Tab{t: t, cfg: cfg, number: b.tabs.Add(1)}
	ctx, cancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tab.listen),
	)
	tab.ctx = ctx
	t.Cleanup(func() {
		if t.Failed() {
			tab.failureScreenshot()
		}
		cancel()
	})
	// The first Do opens the tab; like the browser's, it has no timeout
	// because its context owns the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}

	var setup []chromedp.Action[chromedp.Void]
	if cfg.noJS {
		setup = append(setup, call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}))
	}
	if cfg.lang != "" {
		setup = append(setup,
			call(emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: b.userAgent, AcceptLanguage: cfg.lang}),
			call(emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: strings.ReplaceAll(cfg.lang, "-", "_")}),
		)
	}
	if cfg.viewportW > 0 && cfg.viewportH > 0 {
		setup = append(setup, chromedp.EmulateViewport(int64(cfg.viewportW), int64(cfg.viewportH)))
	}
	if cfg.throttle != nil {
		setup = append(setup, tab.network(false))
	}
	if len(setup) > 0 {
		tab.Do(setup...)
	}
	return tab
}

// call makes a protocol command whose result is not needed an action.
func call[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, params)
		return err
	})
}

// Context returns the tab's chromedp context, for calls that the harness does
// not wrap. It has no timeout.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Do runs the actions in order, each call bounded by the tab's timeout
// ([DefaultTimeout] unless [Timeout] says otherwise), and fails the test
// with the error and the page's URL when one fails.
func (tab *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.fatalf("%v", tab.explain(err))
	}
}

// Run runs one action that returns a value, such as chromedp.Text or
// chromedp.Evaluate, with the tab's timeout, and returns the value. It fails
// the test with the error and the page's URL when the action fails.
func Run[T any](tab *Tab, action chromedp.Action[T]) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		tab.fatalf("%v", tab.explain(err))
	}
	return v
}

// explain says which bound a timeout was.
func (tab *Tab) explain(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("not done within %v (browsertest.Timeout): %w", tab.cfg.timeout, err)
	}
	return err
}

// fatalf fails the test with a message that says where the tab was.
func (tab *Tab) fatalf(format string, args ...any) {
	tab.t.Helper()
	tab.t.Fatalf("browsertest: %s (page %s)", fmt.Sprintf(format, args...), tab.location())
}

// location returns the tab's URL, or why it is not known, without failing.
func (tab *Tab) location() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 2*time.Second)
	defer cancel()
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return url
}

// URL returns the URL of the tab's page.
func (tab *Tab) URL() string {
	tab.t.Helper()
	return Run(tab, chromedp.Location())
}

// TextOf waits, as [Tab.WaitFor] does, for an element of the selector in the
// page, and returns its text as shown (innerText). The element is found and
// read in one evaluation, again if the page was replaced meanwhile: a read by
// node, as chromedp.Text makes, fails with "No node with given id found" when
// a navigation or a script replaced the page between finding the element and
// reading it.
func (tab *Tab) TextOf(selector string) string {
	tab.t.Helper()
	find := `document.querySelector(` + strconv.Quote(selector) + `)`
	read := chromedp.Evaluate[[]string](`(e => e === null ? [] : [e.innerText])(` + find + `)`)
	var last error
	for range 5 {
		tab.WaitFor(find + ` !== null`)
		ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
		text, err := chromedp.Run(ctx, read)
		cancel()
		if err == nil && len(text) == 1 {
			return text[0]
		}
		last = err
	}
	tab.fatalf("reading the text of %s: the page kept changing (%v)", selector, last)
	return ""
}

// PollInterval is how long [Tab.WaitFor] lets pass between two evaluations of
// its expression.
const PollInterval = 50 * time.Millisecond

// WaitFor waits until the JavaScript expression expr is true (truthy) in the
// tab's page, and fails the test when it is not within the tab's timeout
// ([DefaultTimeout] unless [Timeout] says otherwise).
//
// The expression is evaluated every [PollInterval] in whatever page the tab
// shows then, and until it is true, whatever it meets means "not yet": a
// false value, an exception (the element it reads is not in the page yet, as
// in document.getElementsByName("x")[0].value before the script that makes it
// has run), a page in the middle of a navigation. So a wait can start at once
// after a click that navigates, or before the page's script has built what it
// awaits. When the time is up, the failure says what was awaited and the last
// value or exception seen.
func (tab *Tab) WaitFor(expr string) {
	tab.t.Helper()
	if err := tab.waitFor(expr); err != nil {
		tab.fatalf("%v", err)
	}
}

// probe is what WaitFor evaluates: expr's truth, and its value as JSON (or
// as a string), shortened, for the message of a timeout. The line break
// ends a comment that expr may end with.
func probe(expr string) string {
	return `(() => {
	const v = (` + expr + `
	);
	let seen;
	try { seen = JSON.stringify(v); } catch {}
	if (seen === undefined) seen = String(v);
	if (seen.length > 200) seen = seen.slice(0, 200) + "…";
	return {ok: !!v, seen};
})()`
}

func (tab *Tab) waitFor(expr string) error {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
	defer cancel()
	type result struct {
		OK   bool   `json:"ok"`
		Seen string `json:"seen"`
	}
	check := chromedp.Evaluate[result](probe(expr))
	last := "nothing: no evaluation finished"
	for {
		// One evaluation stuck in a page that goes away must not use up the
		// whole wait: it is tried again in the next page.
		ectx, ecancel := context.WithTimeout(ctx, 5*time.Second)
		r, err := chromedp.Run(ectx, check)
		ecancel()
		switch {
		case tab.ctx.Err() != nil:
			return fmt.Errorf("waiting for %s: the tab is closed: %w", expr, tab.ctx.Err())
		case err == nil && r.OK:
			return nil
		case err == nil:
			last = "the value " + r.Seen
		case isSyntaxError(err):
			return fmt.Errorf("waiting for %s: the expression cannot be evaluated: %w", expr, err)
		case !errors.Is(err, context.DeadlineExceeded):
			last = "the error " + err.Error()
		case ctx.Err() == nil:
			last = "no answer within 5s"
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waited %v (browsertest.Timeout) for %s; the last evaluation gave %s", tab.cfg.timeout, expr, last)
		case <-time.After(PollInterval):
		}
	}
}

// isSyntaxError tells whether err is a JavaScript syntax error, which no
// amount of waiting cures.
func isSyntaxError(err error) bool {
	var e *chromedp.ExceptionError
	return errors.As(err, &e) && e.Exception != nil && e.Exception.ClassName == "SyntaxError"
}

// Navigate loads url in the tab, waits for its load event and for the tasks
// that the page queued by then, and returns what the load transferred and how
// long it took. The counters of [Tab.Traffic]
// start again at the navigation. The time is measured from the command to
// the event as the test sees them, so it includes the throttled network but
// only a few milliseconds of overhead.
//
// A document with an HTTP error status loads without failing the test: check
// PageLoad.Status.
func (tab *Tab) Navigate(url string) PageLoad {
	tab.t.Helper()
	tab.mu.Lock()
	tab.traffic = Traffic{}
	tab.domReady, tab.loaded = time.Time{}, time.Time{}
	tab.navStart = time.Now()
	start := tab.navStart
	tab.mu.Unlock()

	resp := Run(tab, chromedp.NavigateResponse(url))
	done := time.Now()

	tab.mu.Lock()
	load := PageLoad{URL: url, Traffic: tab.traffic, Load: done.Sub(start)}
	if !tab.loaded.IsZero() {
		load.Load = tab.loaded.Sub(start)
	}
	if !tab.domReady.IsZero() {
		load.DOMContentLoaded = tab.domReady.Sub(start)
	}
	tab.mu.Unlock()
	if resp != nil {
		load.Status = resp.Status
	}
	tab.settle()
	return load
}

// Traffic returns what the tab has transferred since it opened or since the
// start of the last [Tab.Navigate], including requests after the load event
// such as a fetch of the page's script.
func (tab *Tab) Traffic() Traffic {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return tab.traffic
}

// SetOffline cuts the tab's network off (true) or brings it back (false),
// with the tab's throttling if it has one. Offline, every request fails as
// without a connection and navigator.onLine is false.
func (tab *Tab) SetOffline(offline bool) {
	tab.t.Helper()
	tab.Do(tab.network(offline))
}

// network is the action that sets the tab's network conditions.
func (tab *Tab) network(offline bool) chromedp.Action[chromedp.Void] {
	state := network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}
	var rules []*network.Conditions
	switch th := tab.cfg.throttle; {
	case offline:
		rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	case th != nil:
		c := &network.Conditions{
			Latency:            float64(th.latency) / float64(time.Millisecond),
			DownloadThroughput: bytesPerSecond(th.downKbit),
			UploadThroughput:   bytesPerSecond(th.upKbit),
		}
		rules = append(rules, c)
		state.Latency, state.DownloadThroughput, state.UploadThroughput = c.Latency, c.DownloadThroughput, c.UploadThroughput
	}
	// An empty list of rules ends the emulation.
	return chromedp.Steps(
		call(emulateByRule, byRuleParams{Offline: offline, MatchedNetworkConditions: rules}),
		call(network.OverrideNetworkState, state),
		networkBarrier,
	)
}

// emulateByRule is Network.emulateNetworkConditionsByRule with byRuleParams: Chrome up to
// about 150 (Debian bookworm's 148) takes offline beside the rules and refuses the call
// without it ("Invalid parameters"); later ones take it in each rule and ignore the other.
var emulateByRule = cdp.Command[byRuleParams, network.EmulateNetworkConditionsByRuleResult]{Method: network.CommandEmulateNetworkConditionsByRule}

type byRuleParams struct {
	Offline                  bool                  `json:"offline"`
	MatchedNetworkConditions []*network.Conditions `json:"matchedNetworkConditions"`
}

// networkBarrier waits until the network service applies the conditions just
// set. Chrome answers Network.emulateNetworkConditionsByRule (and the older
// emulateNetworkConditions) before its network service takes the new
// conditions, so a request sent at once sometimes still saw the old ones:
// about 1 in 700 fetches right after a switch, 1 in 130 on a busy machine.
// Network.loadNetworkResource makes a new loader in the same network service,
// behind the conditions, so its answer means they are in force: with it, none
// of 2,880 fetches on a busy machine saw the old conditions. Its request goes to
// the page's own origin (a page's Content-Security-Policy refuses any other, and
// refused, it would not reach the loader), or, before any page, to a port that
// browsers refuse (1); it makes no event in the tab.
var networkBarrier = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return err
	}
	target := "http://127.0.0.1:1/browsertest-barrier"
	if u, err := url.Parse(tree.FrameTree.Frame.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		target = u.Scheme + "://" + u.Host + "/browsertest-barrier"
	}
	_, err = cdp.Call(ctx, t, network.LoadNetworkResource, network.LoadNetworkResourceParams{
		FrameID: tree.FrameTree.Frame.ID,
		URL:     target,
		Options: &network.LoadNetworkResourceOptions{DisableCache: true},
	})
	return err
})

// bytesPerSecond converts kilobits per second to the protocol's bytes per
// second, where -1 is no limit.
func bytesPerSecond(kbit int) float64 {
	if kbit <= 0 {
		return -1
	}
	return float64(kbit) * 1000 / 8
}

// Screenshot writes a PNG of the whole page, beyond the viewport, to
// name.png in $CRVSCTL_SCREENSHOTS (prefixed with the test's name) or else in
// t.ArtifactDir(), logs its path and returns it. ArtifactDir is removed after
// the test unless go test runs with -artifacts.
func (tab *Tab) Screenshot(name string) string {
	tab.t.Helper()
	png, err := tab.capture()
	if err != nil {
		tab.fatalf("screenshot %q: %v", name, err)
	}
	dir := os.Getenv(EnvScreenshots)
	file := safeName(name) + ".png"
	if dir != "" {
		file = safeName(tab.t.Name()) + "-" + file
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir = tab.t.ArtifactDir()
	}
	path := filepath.Join(dir, file)
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		tab.fatalf("screenshot %q: %v", name, err)
	}
	tab.t.Logf("browsertest: screenshot %s", path)
	return path
}

// Number returns the tab's number in its browser: 1 for the first tab opened,
// 2 for the next... It names the screenshot that the tab takes when its test
// has failed, failed-tab<number>-<unique>.png, in $CRVSCTL_SCREENSHOTS (then
// prefixed with the test's name), else in t.ArtifactDir() under go test
// -artifacts, else in [FailuresDir]/<test> under os.TempDir(); none of these
// is removed after the test, and the test's log gives the path. Each failure
// makes a file of its own: two tabs, or two runs of one test (go test
// -count), do not overwrite each other's.
func (tab *Tab) Number() int64 { return tab.number }

// failureScreenshot takes the screenshot of a failed test's tab and logs
// where it is, or why there is none. It does not fail the test further.
func (tab *Tab) failureScreenshot() {
	tab.t.Helper()
	path, err := tab.writeFailureScreenshot()
	if err != nil {
		tab.t.Logf("browsertest: no screenshot of tab %d of the failed test: %v", tab.number, err)
		return
	}
	tab.t.Logf("browsertest: screenshot of tab %d of the failed test (page %s): %s", tab.number, tab.location(), path)
}

func (tab *Tab) writeFailureScreenshot() (string, error) {
	png, err := tab.capture()
	if err != nil {
		return "", err
	}
	pattern := fmt.Sprintf("failed-tab%d-%s-*.png", tab.number, time.Now().UTC().Format("20060102T150405"))
	dir := os.Getenv(EnvScreenshots)
	switch {
	case dir != "":
		pattern = safeName(tab.t.Name()) + "-" + pattern
	case artifacts():
		dir = tab.t.ArtifactDir()
	default:
		dir = filepath.Join(os.TempDir(), FailuresDir, safeName(tab.t.Name()))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(png)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// artifacts tells whether go test runs with -artifacts, which keeps
// t.ArtifactDir() after the test.
func artifacts() bool {
	f := flag.Lookup("test.artifacts")
	return f != nil && f.Value.String() == "true"
}

// capture takes a PNG of the whole page.
func (tab *Tab) capture() ([]byte, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

// safeName makes s usable as a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// Console returns every message that the tab's pages wrote to the console so
// far: calls of console.log, console.error and the others, uncaught
// exceptions and unhandled promise rejections, and the browser's own entries,
// such as a resource that failed to load.
//
// It first lets the page run the tasks that are already queued, because the
// browser reports some errors, such as an unhandled promise rejection, in a
// task of its own after the script that caused them.
func (tab *Tab) Console() []chromedp.ConsoleMessage {
	tab.settle()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), tab.console...)
}

// ConsoleErrors returns the messages of [Tab.Console] that are errors:
// console.error and console.assert calls, uncaught exceptions, unhandled
// promise rejections and the browser's error entries.
func (tab *Tab) ConsoleErrors() []chromedp.ConsoleMessage {
	var errs []chromedp.ConsoleMessage
	for _, m := range tab.Console() {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			errs = append(errs, m)
		}
	}
	return errs
}

// CheckNoConsoleErrors marks the test failed, and goes on, for each message
// of [Tab.ConsoleErrors].
func (tab *Tab) CheckNoConsoleErrors() {
	tab.t.Helper()
	for _, m := range tab.ConsoleErrors() {
		where := m.URL
		if where != "" {
			where = " at " + where + ":" + strconv.FormatInt(m.Line+1, 10)
		}
		tab.t.Errorf("browsertest: console %s%s", m, where)
	}
}

// settle waits, as well as it can, until the page has run the tasks that are
// queued now: a timer of 0 ms runs after them, and the events that they cause
// reach the tab before the answer to the evaluation. In about 1 navigation in
// 50 the unhandled rejection of a page was reported after the load; after
// settle none of 450 was missing, on a busy machine. Timers do not run
// without JavaScript, and then there is no script to wait for. It is best
// effort: when the page goes away meanwhile, there is nothing to wait for
// either, so an error is ignored.
func (tab *Tab) settle() {
	if tab.cfg.noJS {
		return
	}
	ctx, cancel := context.WithTimeout(tab.ctx, tab.cfg.timeout)
	defer cancel()
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void]("new Promise(resolve => setTimeout(resolve, 0))", chromedp.EvalAwaitPromise))
}

// listen records the tab's events. The tab's event loop calls it in the order
// of arrival, so what an action caused is recorded before the action returns.
// It must be fast and run no command.
func (tab *Tab) listen(ev any) {
	now := time.Now()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		tab.traffic.Requests++
	case *network.EventLoadingFinished:
		tab.traffic.Bytes += int64(ev.EncodedDataLength)
	case *network.EventLoadingFailed:
		tab.traffic.Failed++
	case *page.EventDomContentEventFired:
		if tab.domReady.IsZero() && !tab.navStart.IsZero() {
			tab.domReady = now
		}
	case *page.EventLoadEventFired:
		if tab.loaded.IsZero() && !tab.navStart.IsZero() {
			tab.loaded = now
		}
	case *runtime.EventConsoleAPICalled:
		m := chromedp.ConsoleMessage{Type: consoleType(string(ev.Type)), Text: argsText(ev.Args), Args: ev.Args, Time: now, Stack: ev.StackTrace}
		if ev.Type == runtime.ConsoleAPICalledTypeAssert {
			m.Type = chromedp.ConsoleError
		}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			m.URL, m.Line, m.Column = st.CallFrames[0].URL, st.CallFrames[0].LineNumber, st.CallFrames[0].ColumnNumber
		}
		tab.console = append(tab.console, m)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		tab.console = append(tab.console, chromedp.ConsoleMessage{
			Type: chromedp.ConsoleException, Text: text, Time: now,
			URL: d.URL, Line: d.LineNumber, Column: d.ColumnNumber, Stack: d.StackTrace, Exception: d,
		})
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil {
			return
		}
		typ := chromedp.ConsoleType(e.Level)
		if e.Level == log.EntryLevelVerbose {
			typ = chromedp.ConsoleDebug
		}
		tab.console = append(tab.console, chromedp.ConsoleMessage{
			Type: typ, Text: e.Text, Args: e.Args, Time: now,
			URL: e.URL, Line: e.LineNumber, Stack: e.StackTrace, Source: string(e.Source),
		})
	}
}

// consoleType maps a console API call's type to a ConsoleType: "warning",
// "error", "debug" and "info" keep their names, the rest (log, table, dir,
// trace…) are "log".
func consoleType(typ string) chromedp.ConsoleType {
	switch t := chromedp.ConsoleType(typ); t {
	case chromedp.ConsoleWarning, chromedp.ConsoleError, chromedp.ConsoleDebug, chromedp.ConsoleInfo:
		return t
	}
	return chromedp.ConsoleLog
}

// argsText joins the arguments of a console call roughly as the DevTools
// console shows them: strings as they are, other values by their JSON or
// their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			if err := json.Unmarshal(a.Value, &s); err != nil {
				s = string(a.Value)
			}
			parts = append(parts, s)
		case a.UnserializableValue != "":
			parts = append(parts, string(a.UnserializableValue))
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
