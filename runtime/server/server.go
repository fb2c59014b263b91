// Package server assembles crvsctl serve: it loads and checks the bundle, opens the store,
// and serves the API with health checks, metrics and structured logs. Server instances share
// nothing but the store (sessions, login failures and sequences live there), so several can
// run behind a load balancer.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/mongostore"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
	"github.com/crvsctl/crvsctl/runtime/users"
	"github.com/crvsctl/crvsctl/runtime/web"
	"github.com/crvsctl/crvsctl/schema"
)

// LoadBundle reads a bundle file and checks it against schema/bundle.schema.json and its hash
// before anything is served from it.
func LoadBundle(path string) (*bundle.Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.BundleSchema))
	if err != nil {
		return nil, err
	}
	if err := c.AddResource("bundle.schema.json", sch); err != nil {
		return nil, err
	}
	s, err := c.Compile("bundle.schema.json")
	if err != nil {
		return nil, err
	}
	if err := s.Validate(doc); err != nil {
		return nil, fmt.Errorf("%s: not a bundle: %v", path, err)
	}
	b, err := bundle.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// OpenStore opens MongoDB when uri is set, else the embedded store in dataDir.
//
// The embedded store is opened again while SQLite says it is busy: two processes that open a
// new database file at once both turn it to WAL mode, and SQLite refuses one of them at once,
// without waiting (its busy timeout does not apply where waiting could deadlock). Several
// instances started together on a new data directory would otherwise see all but one fail.
func OpenStore(ctx context.Context, dataDir, mongoURI string) (store.Store, error) {
	if mongoURI != "" {
		return mongostore.Open(ctx, mongoURI, "crvsctl")
	}
	for attempt := 1; ; attempt++ {
		st, err := sqlitestore.Open(dataDir)
		if err == nil {
			return st, nil
		}
		var se *sqlite.Error
		if attempt == 10 || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// SeedPasswords sets pw for every user of the bundle who has no password yet: demos and
// tests, never production.
func SeedPasswords(ctx context.Context, st store.Store, b *bundle.Bundle, pw string) (int, error) {
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range b.Users {
		if _, err := st.Password(ctx, u.Username); errors.Is(err, store.ErrNotFound) {
			if err := st.SetPassword(ctx, u.Username, hash); err != nil {
				return n, err
			}
			n++
		} else if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Server is a running crvsctl serve.
type Server struct {
	Model *records.Model
	Store store.Store
	Log   *slog.Logger
	// Users are the users, in the store. Their OnAdmin hook is the audit log's to wire, after
	// New: the changes New's seeding from the users sheet made are in SeedChanges.
	Users *users.Directory
	// OSIA serves OSIA's interfaces when an event of the bundle has an osia mapping (nil
	// otherwise). Its Notifications are the hook the outbox calls for each action, its
	// Deliver what sends a message.
	OSIA *osia.Service

	// PruneEvery is how often Serve has the store forget expired sessions and login failures
	// no window counts any more (0: DefaultPruneEvery).
	PruneEvery time.Duration
	// ShutdownTimeout is how long Serve, once told to stop, waits for the requests in flight
	// before it closes their connections (0: DefaultShutdownTimeout).
	ShutdownTimeout time.Duration

	handler http.Handler
	seeded  []users.Change // the users sheet's changes at New
	auth    *auth.Authenticator
	records *records.Service
	// checkpoints signs the audit log's head (see SignAudit).
	checkpoints *audit.Checkpointer
	// dispatcher delivers the outbox (see UseOutbox); nil: nothing is delivered.
	dispatcher *outbox.Dispatcher
}

// TrustProxies names the reverse proxies whose X-Forwarded-For tells the client's address,
// which login limits count under (crvsctl serve --trusted-proxy). Call it before serving.
func (s *Server) TrustProxies(p auth.Proxies) { s.auth.Proxies = p }

const (
	DefaultPruneEvery      = 5 * time.Minute
	DefaultShutdownTimeout = 10 * time.Second
)

// Signing is how a server seals certificates: Key signs (given at start, never in the package or
// the bundle; nil: certificates with a QR code are not printed), and Keys, with Key's public
// half, are published for verifiers (older keys, still valid for certificates they signed).
type Signing struct {
	Key  *seal.PrivateKey
	Keys []seal.PublicKey
}

// keyring is the public keys a server publishes.
func (sg Signing) keyring() (*seal.Keyring, error) {
	keys := slices.Clone(sg.Keys)
	if sg.Key != nil && !slices.ContainsFunc(keys, func(k seal.PublicKey) bool { return k.ID == sg.Key.ID }) {
		keys = append(keys, sg.Key.Public())
	}
	if len(keys) == 0 {
		return nil, nil
	}
	data, err := seal.MarshalKeyring(keys...)
	if err != nil {
		return nil, err
	}
	return seal.ParseKeyring(data)
}

// New makes the server of a bundle over a store.
func New(b *bundle.Bundle, st store.Store, log *slog.Logger, sign Signing) (*Server, error) {
	m, err := records.NewModel(b)
	if err != nil {
		return nil, err
	}
	printer, err := certificates.New(b, sign.Key)
	if err != nil {
		return nil, err
	}
	keys, err := sign.keyring()
	if err != nil {
		return nil, err
	}
	s := &Server{Model: m, Store: st, Log: log}
	// Records declared under the older bundles the store keeps are read with theirs, loaded
	// when one is needed.
	versions := &records.Versions{Store: st, Current: &records.Version{Model: m, Printer: printer}, Key: sign.Key}
	// Users live in the store, seeded from the bundle's users sheet (see runtime/users for
	// which wins when they disagree).
	dir := &users.Directory{Model: m, Store: st, Log: log}
	var seeded []users.Change
	dir.OnAdmin = func(_ context.Context, c users.Change) { seeded = append(seeded, c) }
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	rep, err := dir.Seed(sctx)
	cancel()
	dir.OnAdmin = nil
	if err != nil {
		return nil, err
	}
	if rep.Created+rep.Updated+rep.Deactivated > 0 {
		log.Info("users seeded from the users sheet", "created", rep.Created, "updated", rep.Updated, "deactivated", rep.Deactivated)
	}
	a := &api.Server{
		Keys:    keys,
		Records: &records.Service{Model: m, Store: st, Printer: printer, Versions: versions},
		// Authenticator apps list the account under the country's code.
		Auth:  &auth.Authenticator{Store: st, Active: dir.Active, Issuer: "crvsctl " + m.Bundle.Country.Code},
		Users: dir,
		Log:   log,
	}
	for _, ev := range m.Bundle.Events {
		if ev.OSIA != nil {
			a.OSIA = &osia.Service{Records: a.Records, Source: "crvsctl " + m.Bundle.Country.Code, Log: log,
				Actor: func(ctx context.Context, username string) (*records.Actor, error) {
					actor, _, err := dir.Actor(ctx, username)
					return actor, err
				}}
			s.OSIA = a.OSIA
			break
		}
	}
	s.auth, s.records, s.Users, s.seeded = a.Auth, a.Records, dir, seeded
	a.Auth.Audit = s.auditFor
	a.Auth.AuditFailed = func(e *store.AuditEntry, err error) {
		log.Error("an audit entry was not written", "kind", e.Kind, "user", e.User, "err", err)
	}
	// Every change of a user is in the audit log: the users sheet's at this start, and
	// administrators' from now on.
	dir.OnAdmin = s.auditUserChange
	for _, c := range seeded {
		s.auditUserChange(context.Background(), c)
	}
	pages := &web.Server{Records: a.Records, Auth: a.Auth, Users: dir, Log: log, Keys: keys,
		Catalog: m.Texts}
	mux := http.NewServeMux()
	a.Routes(mux)
	pages.Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := newMetrics(reg)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.handler = s.logged(metrics.wrap(mux))
	return s, nil
}

// auditUserChange writes a change of a user in the audit log, placed at the user's office (for
// the jurisdictions that read the log), by the administrator who made it or by the users sheet.
// The change is made already: an entry that cannot be written is logged.
func (s *Server) auditUserChange(ctx context.Context, c users.Change) {
	by, role := c.Admin, ""
	if by == "" {
		by = "users-sheet"
	} else if u, err := s.Store.User(ctx, by); err == nil {
		role = u.Role
	}
	state := func(u *store.User) map[string]any {
		if u == nil {
			return nil
		}
		return map[string]any{"role": u.Role, "office": u.Office, "active": u.Active, "mustChangePassword": u.MustChangePassword}
	}
	details, _ := json.Marshal(map[string]any{"user": c.User, "before": state(c.Before), "after": state(c.After)})
	e := &store.AuditEntry{Time: c.At, User: by, Role: role, Kind: store.AuditUserAdmin, Action: strings.Join(c.Ops, " "), Details: details}
	if c.After != nil {
		e.Office = c.After.Office
		if o, ok := s.Model.Offices[c.After.Office]; ok {
			e.Areas = s.Model.AreasOf(o.Area)
		}
	}
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		s.Log.Error("an audit entry was not written", "kind", e.Kind, "user", c.User, "err", err)
	}
}

// SeedChanges are the changes of users the users sheet made when New seeded the store, for an
// audit log wired after New (Users.OnAdmin sees every later one).
func (s *Server) SeedChanges() []users.Change { return s.seeded }

// Records is the server's workflow over its store.
func (s *Server) Records() *records.Service { return s.records }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// ready answers 200 when the store answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.Store.Search(ctx, store.Query{Limit: 1}); err != nil {
		s.Log.Error("not ready", "err", err)
		http.Error(w, "the store does not answer", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// Serve serves on l until ctx ends, then lets the requests in flight finish (for
// ShutdownTimeout at most, then closes their connections). Meanwhile it prunes the store
// every PruneEvery. When it returns, nothing of its own uses the store any more: the caller
// closes it then. (Handlers that outlived the timeout may still be running; the store
// refuses their writes once closed.)
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	pctx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		s.prune(pctx)
	}()
	rekeyed := make(chan struct{})
	go func() {
		defer close(rekeyed)
		s.rekey(pctx)
	}()
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		s.deliver(pctx)
	}()
	// The audit log's checkpoints run until the requests in flight are done (their entries
	// are then in), and sign the head once more when they stop.
	cctx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
	checkpointed := make(chan struct{})
	go func() {
		defer close(checkpointed)
		s.checkpoint(cctx)
	}()
	defer func() {
		stopPruning()
		<-pruned
		<-rekeyed
		<-delivered
		stopCheckpoints()
		<-checkpointed
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		timeout := s.ShutdownTimeout
		if timeout <= 0 {
			timeout = DefaultShutdownTimeout
		}
		shut, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := hs.Shutdown(shut)
		if err != nil {
			hs.Close()
		}
		return err
	}
}

// rekey brings the duplicate keys, the keys of names searched with a typo and the statistics
// cells of every record up to the bundle's rules and statistics, once, in the background: the
// records of a store that served an older bundle (or an older crvsctl) are found as
// candidates, found by a mistyped name, and counted, from then on (records.Service.Rekey).
func (s *Server) rekey(ctx context.Context) {
	for _, ev := range s.Model.Bundle.Events {
		// Every event: names are searched with a typo through keys (Rekey says which events
		// have nothing to bring up to date).
		start := time.Now()
		read, changed, err := s.records.Rekey(ctx, ev.ID)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error("duplicate keys and statistics not brought up to date", "event", ev.ID, "err", err)
		case err == nil:
			s.Log.Info("duplicate keys and statistics up to date", "event", ev.ID, "records", read, "rekeyed", changed, "took", time.Since(start).Round(time.Millisecond).String())
		}
	}
}

// prune has the store forget, now and every PruneEvery until ctx ends, the sessions that
// expired and the login failures older than the authenticator's window.
func (s *Server) prune(ctx context.Context) {
	every := s.PruneEvery
	if every <= 0 {
		every = DefaultPruneEvery
	}
	window := s.auth.FailureWindow
	if window <= 0 {
		window = auth.DefaultFailureWindow
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		now := time.Now()
		if err := s.Store.Prune(ctx, now, now.Add(-window)); err != nil && ctx.Err() == nil {
			s.Log.Error("pruning the store", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the writer underneath: the documents' handlers give
// themselves longer deadlines than the server's.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logged logs every request that failed or took long; successful fast ones would drown the
// log at a thousand a second.
func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(sw, r)
		d := time.Since(start)
		if sw.status >= 400 || d > time.Second {
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			s.Log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"duration", d, "remote", r.RemoteAddr)
		}
	})
}

// metrics counts requests by route and status, and times them.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crvsctl_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "crvsctl_http_request_duration_seconds",
			Help: "HTTP request durations by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		// The route pattern, never the raw path: tracking IDs would make a series each.
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		route = strings.TrimPrefix(route, r.Method+" ")
		m.requests.WithLabelValues(route, fmt.Sprint(sw.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
