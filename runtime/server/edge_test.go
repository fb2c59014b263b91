package server_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// endless is a request body of size bytes, made as it is read: head, then filler, counting
// what the client read of it to send. A server that read it all would take minutes and a
// gigabyte; one that stops at its limit leaves most of it unmade.
type endless struct {
	head   []byte
	filler byte
	size   int64
	sent   atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	off := e.sent.Load()
	if off >= e.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), e.size-off))
	for i := range n {
		if j := off + int64(i); j < int64(len(e.head)) {
			p[i] = e.head[j]
		} else {
			p[i] = e.filler
		}
	}
	e.sent.Add(int64(n))
	return n, nil
}

// TestBodiesBounded: a body larger than its endpoint takes is refused after its limit is read
// (413), and a multipart body where none is taken before its first byte of content (415), or
// before any part but the CSRF token (403): the server answers while the client is still
// sending a gigabyte, having read a tiny part of it. Before, /login and /language read any
// multipart body to the end, spilling its files to the temporary directory, and a logged-in
// user's form was read up to 100 MiB into memory before its CSRF token was looked at.
func TestBodiesBounded(t *testing.T) {
	base, _ := inProcess(t)
	// A logged-in browser: its session cookie, and its CSRF token.
	cookie := sessionCookie(t, base, "lidya.verhane")
	const gib = 1 << 30
	multipartHead := func(first string) (string, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.CreateFormFile(first, "huge.pdf")
		return w.FormDataContentType(), b.Bytes()
	}
	fileCT, fileHead := multipartHead("documents.other")
	tests := []struct {
		name, path, contentType string
		head                    string
		loggedIn                bool
		want                    int
		origin                  string
	}{
		{"login, urlencoded", "/login", "application/x-www-form-urlencoded", "username=", false, 413, ""},
		{"login from another site, multipart", "/login", fileCT, string(fileHead), false, 403, "https://evil.example"},
		{"language from another site, multipart", "/language", fileCT, string(fileHead), false, 403, "https://evil.example"},
		{"API login from another site", "/api/v1/login", "application/json", `{"username":"`, false, 403, "https://evil.example"},
		{"logout from another site, multipart", "/logout", fileCT, string(fileHead), true, 403, "https://evil.example"},
		{"login, multipart", "/login", fileCT, string(fileHead), false, 415, ""},
		{"language, urlencoded", "/language", "application/x-www-form-urlencoded", "lang=", false, 413, ""},
		{"language, multipart", "/language", fileCT, string(fileHead), false, 415, ""},
		{"API login", "/api/v1/login", "application/json", `{"username":"`, false, 413, ""},
		{"API verify", "/api/v1/verify", "application/json", `{"seal":"`, false, 413, ""},
		{"verify, urlencoded", "/verify", "application/x-www-form-urlencoded", "seal=", false, 413, ""},
		{"verify, multipart", "/verify", fileCT, string(fileHead), false, 415, ""},
		{"logout, urlencoded without its token", "/logout", "application/x-www-form-urlencoded", "x=", true, 413, ""},
		{"logout, urlencoded with its token", "/logout", "application/x-www-form-urlencoded", "csrf=" + cookie.csrf + "&x=", true, 413, ""},
		{"logout, multipart", "/logout", fileCT, string(fileHead), true, 415, ""},
		{"declare, a file before the token", "/declare/birth", fileCT, string(fileHead), true, 403, ""},
		{"declare, urlencoded", "/declare/birth", "application/x-www-form-urlencoded", "csrf=" + cookie.csrf + "&child.name.given=", true, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &endless{head: []byte(tt.head), filler: 'a', size: gib}
			req, _ := http.NewRequest("POST", base+tt.path, body)
			req.ContentLength = gib
			req.Header.Set("Content-Type", tt.contentType)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.loggedIn {
				req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie.token})
			}
			// A connection of its own, closed after.
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			res, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatalf("no answer, %d MiB sent: %v", body.sent.Load()>>20, err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
			// The server read its limit and a little more to close politely; the rest is what
			// the connection's buffers took before the answer came.
			if sent := body.sent.Load(); sent > 64<<20 {
				t.Errorf("%d MiB of the body sent before the answer: the server read on", sent>>20)
			}
		})
	}
	// The session survived: the refused logout did nothing.
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie.token})
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("after the refused logouts, the session answers %d", res.StatusCode)
	}
}

// TestAPILoginIsJSON: the API's login takes JSON from no other site. A page elsewhere can
// make a browser post a text/plain or urlencoded form without asking, which must log no one in.
func TestAPILoginIsJSON(t *testing.T) {
	base, _ := inProcess(t)
	body := `{"username":"lidya.verhane","password":"` + devPassword + `"}`
	for _, c := range []struct {
		name, contentType, origin string
		want                      int
	}{
		{"text/plain", "text/plain", "", 415},
		{"text/plain from another site", "text/plain;charset=UTF-8", "https://evil.example", 403},
		{"urlencoded", "application/x-www-form-urlencoded", "", 415},
		{"no type", "", "", 415},
		{"JSON from another site", "application/json", "https://evil.example", 403},
		{"JSON from a sandboxed frame", "application/json", "null", 403},
		{"JSON", "application/json", "", 200},
		{"JSON with a charset, from this site", "application/json; charset=utf-8", base, 200},
	} {
		req, _ := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		res, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, res.StatusCode, c.want, b)
		}
		if c.want != 200 && (len(res.Cookies()) > 0 || bytes.Contains(b, []byte(`"token"`))) {
			t.Errorf("%s: refused, yet a session: %v %s", c.name, res.Cookies(), b)
		}
	}
}

// loginFrom posts lidya's login to the API as a client behind a proxy that forwarded for
// xff (none when empty).
func loginFrom(t *testing.T, base, xff, password string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/login", strings.NewReader(`{"username":"lidya.verhane","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestLoginLimitsBehindAProxy: behind a proxy the operator trusts, each client has its own
// login limits, by the address the proxy forwards: a stranger failing again and again at
// lidya's password is refused, and lidya, elsewhere, logs in. What a client writes itself in
// X-Forwarded-For is not believed, nor the header from a peer that is not a trusted proxy.
func TestLoginLimitsBehindAProxy(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		proxies, err := auth.ParseProxies([]string{"127.0.0.0/8", "::1"})
		if err != nil {
			t.Fatal(err)
		}
		base, _ := inProcessWith(t, func(s *server.Server) { s.TrustProxies(proxies) })
		for i := range 8 {
			want := http.StatusUnauthorized
			if i >= auth.DefaultMaxFailures {
				want = http.StatusTooManyRequests
			}
			if got := loginFrom(t, base, "203.0.113.66", fmt.Sprint("guess-", i)); got != want {
				t.Fatalf("guess %d from 203.0.113.66: %d, want %d", i+1, got, want)
			}
		}
		if got := loginFrom(t, base, "203.0.113.66", devPassword); got != http.StatusTooManyRequests {
			t.Errorf("the right password from the guesser's address: %d, want 429", got)
		}
		// Writing another address at the left changes nothing: the proxy appended the real one.
		if got := loginFrom(t, base, "198.51.100.7, 203.0.113.66", devPassword); got != http.StatusTooManyRequests {
			t.Errorf("the guesser naming another address: %d, want 429", got)
		}
		if got := loginFrom(t, base, "198.51.100.7", devPassword); got != http.StatusOK {
			t.Errorf("lidya from her own address: %d, want 200", got)
		}
	})
	t.Run("not trusted", func(t *testing.T) {
		base, _ := inProcess(t)
		for i := range auth.DefaultMaxFailures {
			if got := loginFrom(t, base, fmt.Sprintf("198.51.100.%d", i+1), "guess"); got != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i+1, got)
			}
		}
		if got := loginFrom(t, base, "198.51.100.99", devPassword); got != http.StatusTooManyRequests {
			t.Errorf("another X-Forwarded-For from the same connection's address: %d, want 429", got)
		}
	})
}

// TestLoginPageThroughTheServer: the login form works as a browser uses it (its CSRF token in
// the page and a cookie), and sends the browser nowhere but this site, whatever next says.
func TestLoginPageThroughTheServer(t *testing.T) {
	base, _ := inProcess(t)
	for _, next := range []string{"/%09/evil.example/", "/\t/evil.example/", "/\\evil.example", "//evil.example", "/search?name=x"} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(base + "/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token in the login page")
		}
		form := url.Values{"username": {"lidya.verhane"}, "password": {devPassword}, "next": {next}, "csrf": {string(m[1])}}
		res, err = c.PostForm(base+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		want := "/work"
		if next == "/search?name=x" {
			want = next
		}
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != want {
			t.Errorf("next %q: %d to %q, want %q", next, res.StatusCode, loc, want)
		}
	}
}
