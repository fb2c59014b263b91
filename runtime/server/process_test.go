package server_test

// The harness of the tests that run crvsctl serve as a real process: the binary built once per
// test run, servers started on a free port of loopback and stopped (gently or with SIGKILL),
// and a small client of the HTTP API. A test that runs the process tests what an operator
// runs: the command's flags, the store opened from a directory, the process dying mid-write.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// devPassword is the password --dev-password gives every user of nerovia.
const devPassword = "some-password"

// nerovia is the example country, relative to this package's directory (go test's working
// directory).
const nerovia = "../../countries/nerovia"

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	goMissing bool
)

// binDirPrefix names the directories the binary is built in: one per test process, named
// after its PID, so that a later run can remove those of runs that have ended.
const binDirPrefix = "crvsctl-servertest-"

// crvsctlBinary builds cmd/crvsctl once per test run and returns its path. Without TestMain
// nothing runs after the last test, so the directory outlives the run; each build removes
// the directories of earlier runs whose process is gone, so that at most one per running
// test process is left in the temporary directory.
func crvsctlBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goMissing, buildErr = true, err
			return
		}
		removeStaleBinDirs()
		dir := filepath.Join(os.TempDir(), binDirPrefix+strconv.Itoa(os.Getpid()))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "crvsctl")
		cmd := exec.Command(goTool, "build", "-o", binary, "github.com/crvsctl/crvsctl/cmd/crvsctl")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if goMissing {
		t.Skipf("these tests run crvsctl serve as a process and build it with the go command, which is not on PATH: %v", buildErr)
	}
	if buildErr != nil {
		t.Fatalf("building crvsctl: %v", buildErr)
	}
	return binary
}

func removeStaleBinDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), binDirPrefix))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
			continue // that run is still going
		}
		os.RemoveAll(d)
	}
}

// syncBuffer is a process's output, written by exec's copying goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// url receives the address of the "crvsctl serving ... on http://ADDR/" line, once.
	url  chan string
	sent bool
}

var servingLine = regexp.MustCompile(`crvsctl serving .* on (http://\S+)/\n`)

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.url != nil && !b.sent {
		if m := servingLine.FindSubmatch(b.buf.Bytes()); m != nil {
			b.url <- string(m[1])
			b.sent = true
		}
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a crvsctl serve process.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	URL    string // http://127.0.0.1:PORT, without the final slash
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed once the process has been waited for
	err    error         // its exit, once exited is closed
}

// startServer starts crvsctl serve of nerovia on a free port of loopback with the store in
// dataDir, and returns once /readyz answers 200. The process is killed when the test ends, if
// it is still running; its output is logged if the test failed.
func startServer(t *testing.T, name, dataDir string, extra ...string) *proc {
	t.Helper()
	p, err := launch(t, crvsctlBinary(t), name, dataDir, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is startServer for any goroutine: it reports failure rather than ending the test.
func launch(t *testing.T, bin, name, dataDir string, extra ...string) (*proc, error) {
	p := &proc{t: t, name: name, stdout: &syncBuffer{url: make(chan string, 1)}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", nerovia, "--addr", "127.0.0.1:0", "--data", dataDir, "--dev-password", devPassword}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s: stdout:\n%s\nstderr:\n%s", p.name, p.stdout, tail(p.stderr.String(), 4000))
		}
	})
	select {
	case p.URL = <-p.stdout.url:
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before serving (%v):\n%s", name, p.err, p.stderr)
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s did not print its address within 30s:\n%s", name, p.stderr)
	}
	return p, p.waitReady()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady() error {
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited (%v):\n%s", p.name, p.err, p.stderr)
		default:
		}
		res, err := quick.Get(p.URL + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, body)
		} else {
			last = err.Error()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s: /readyz did not answer 200 within 15s: %s", p.name, last)
}

// kill sends SIGKILL (kill -9: no shutdown, no deferred Close, no checkpoint) and waits for
// the process to be gone. Killing a process that has exited does nothing.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// stop asks the process to end as an operator's Ctrl-C would, and waits for it. The
// client's idle connections are closed first: the server's graceful shutdown waits up to 5s
// for a connection on which no request has come yet, and the client's pool may hold one it
// dialled for a request another connection then served.
func (p *proc) stop() {
	p.t.Helper()
	httpClient.CloseIdleConnections()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		if p.err != nil {
			p.t.Errorf("%s: after SIGINT: %v", p.name, p.err)
		}
	case <-time.After(15 * time.Second):
		p.t.Errorf("%s did not stop within 15s of SIGINT", p.name)
		p.kill()
	}
}

// quick is for polling: a server that does not answer at once is not ready.
var quick = &http.Client{Timeout: 2 * time.Second}

// httpClient is for the tests' requests. Its pool keeps enough idle connections for the
// tests' goroutines, so that a load does not open a connection per request.
var httpClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
	MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}

// answer is an HTTP answer, read whole.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.Status, bytes.TrimSpace(a.Body)) }

// decode reads the body into v; a body that is not the JSON expected is the test's failure.
func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Body, v); err != nil {
		t.Fatalf("answer %d is not the JSON expected (%v): %s", a.Status, err, a.Body)
	}
}

// errorCodes are the codes of an error answer's {"errors":[...]}, or nil.
func (a answer) errorCodes() []string {
	var e struct {
		Errors []struct{ Path, Code, Message string }
	}
	json.Unmarshal(a.Body, &e)
	var out []string
	for _, d := range e.Errors {
		out = append(out, d.Code)
	}
	return out
}

// session is a user logged in at one server (its token works at every server of the store).
type session struct {
	base  string // the server's URL
	user  string
	token string
	csrf  string
}

// on is the same session, used at another server.
func (s *session) on(base string) *session {
	c := *s
	c.base = base
	return &c
}

// send makes a request with the session's bearer token. body is sent as it is when it is
// []byte or string, else as its JSON; hdr is name, value, name, value...
func (s *session) send(method, path string, body any, hdr ...string) (answer, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{res.StatusCode, res.Header, b}, nil
}

// must is send for the test's goroutine: a request that gets no answer fails the test.
func (s *session) must(t testing.TB, method, path string, body any, hdr ...string) answer {
	t.Helper()
	a, err := s.send(method, path, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// expect is must, failing the test unless the answer has the status.
func (s *session) expect(t testing.TB, status int, method, path string, body any, hdr ...string) answer {
	t.Helper()
	a := s.must(t, method, path, body, hdr...)
	if a.Status != status {
		t.Fatalf("%s %s as %s: want %d, got %s", method, path, s.user, status, a)
	}
	return a
}

// tryLogin posts a login.
func tryLogin(base, user, password string) (answer, error) {
	anon := &session{base: base}
	return anon.send("POST", "/api/v1/login", map[string]string{"username": user, "password": password})
}

// login logs user in at the server at base with the dev password.
func login(t testing.TB, base, user string) *session {
	t.Helper()
	a, err := tryLogin(base, user, devPassword)
	if err != nil {
		t.Fatalf("login of %s: %v", user, err)
	}
	if a.Status != http.StatusOK {
		t.Fatalf("login of %s: %s", user, a)
	}
	var l struct{ Token, CSRF string }
	a.decode(t, &l)
	if l.Token == "" || l.CSRF == "" {
		t.Fatalf("login of %s: no token or CSRF token: %s", user, a.Body)
	}
	return &session{base: base, user: user, token: l.Token, csrf: l.CSRF}
}

// record is what the tests read of a record.
type record struct {
	ID        string
	Event     string
	Status    string
	Flags     []string
	Number    string
	Title     string
	Office    string
	Version   int64
	CreatedBy string
	Data      json.RawMessage
	History   []struct {
		Version int64
		Action  string
		User    string
		Status  string
		Number  string
	}
}

// births counts the declarations birthJSON made.
var births atomic.Int64

// mothersFamilies are family names far from each other.
var mothersFamilies = strings.Fields("Tarek Bekele Mengistu Girma Worku Desta Alemayehu Negash Lemma Assefa Yohannes Gudeta Shiferaw Tilahun Mulugeta Dagne Fikre Birhanu Zewdu Ketema")

// mothersGiven are given names far from each other.
var mothersGiven = strings.Fields("Selam Hirut Tigist Almaz Meseret Genet Aster Mulu Zenebech Bizunesh Tsehay Kokeb")

// birthJSON is a complete, valid birth declaration (child born 2026-11-01), each call of
// another mother (family name, year of birth, ID number): the package's duplicate rules take
// no two for one birth, unless a test makes them so.
func birthJSON(t testing.TB) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../testdata/birth.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	n := births.Add(1)
	families, givens := int64(len(mothersFamilies)), int64(len(mothersGiven))
	round := n / families
	// 20 family names, 12 given names, 12 years of birth two years apart: 2,880 mothers
	// before one comes again (the kill test declares as fast as the server answers).
	d["mother.name"] = map[string]any{"given": mothersGiven[round%givens], "family": mothersFamilies[n%families]}
	d["mother.dob"] = fmt.Sprintf("%d-04-12", 1996-2*((round/givens)%12))
	d["mother.nid"] = strconv.FormatInt(1000000000+n, 10)
	out, _ := json.Marshal(d)
	return out
}

// birth is the declaration with the child's given name changed, so that records can be told
// apart and found by name.
func birth(t testing.TB, given string) json.RawMessage {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(birthJSON(t), &d); err != nil {
		t.Fatal(err)
	}
	d["child.name"] = map[string]any{"given": given, "family": "Tarek"}
	b, _ := json.Marshal(d)
	return b
}

// declaration is the body of POST /api/v1/records.
func declaration(data json.RawMessage) map[string]any {
	return map[string]any{"event": "birth", "data": data}
}

// allRecords pages through a search (query without after=) and returns every record found.
func allRecords(t testing.TB, s *session, query string) []record {
	t.Helper()
	var out []record
	after := ""
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("search %s: more than 1000 pages", query)
		}
		path := "/api/v1/records?limit=100&" + query
		if after != "" {
			path += "&after=" + after
		}
		a := s.expect(t, http.StatusOK, "GET", path, nil)
		var p struct {
			Records []record
			Next    string
		}
		a.decode(t, &p)
		out = append(out, p.Records...)
		if p.Next == "" {
			return out
		}
		after = p.Next
	}
}
