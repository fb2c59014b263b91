package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// model builds the package of the compiler's notifications script, with its notifications
// right (good.cue).
func model(t *testing.T) *records.Model {
	t.Helper()
	ar, err := txtar.ParseFile("../../compiler/testdata/script/notifications.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		name, ok := strings.CutPrefix(f.Name, "pkg/")
		if f.Name == "good.cue" {
			name, ok = "notifications.cue", true
		}
		if ok {
			if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, diags := compiler.Build(dir)
	if diags.HasErrors() {
		t.Fatalf("%v", diags)
	}
	if b.Outbox == nil || b.Outbox.MaxAttempts != 5 {
		t.Errorf("the bundle's outbox: %+v", b.Outbox)
	}
	m, err := records.NewModel(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func registered(lang string) (*store.Record, *store.Entry) {
	data, _ := json.Marshal(map[string]any{"child.name": map[string]any{"given": "Ama", "family": "Tarek"},
		"informant.phone": "+251 91 123 4567", "informant.email": "ama.parent@example.org", "informant.language": lang})
	r := &store.Record{ID: "B7K2", Event: "birth", Status: "registered", Number: "B2026000042", Version: 2, Data: data}
	return r, &store.Entry{Version: 2, Action: "register", User: "amina", At: time.Now()}
}

// The package's notifications, in the informant's language when the form asks it.
func TestNotificationsPlanned(t *testing.T) {
	p := &outbox.Planner{Model: model(t)}
	for lang, want := range map[string]string{
		"fr": "La naissance de Ama Tarek est enregistrée sous le numéro B2026000042.",
		"en": "The birth of Ama Tarek is registered under number B2026000042.",
		"":   "The birth of Ama Tarek is registered under number B2026000042.", // unanswered: the default
	} {
		r, e := registered(lang)
		msgs := p.Notifications(r, e)
		if len(msgs) != 2 {
			t.Fatalf("%s: %d messages", lang, len(msgs))
		}
		var sms, email outbox.Notice
		json.Unmarshal(msgs[0].Payload, &sms)
		json.Unmarshal(msgs[1].Payload, &email)
		if msgs[0].Kind != store.OutboxSMS || sms.To != "+251911234567" || sms.Body != want {
			t.Errorf("%s: sms %s %+v", lang, msgs[0].Kind, sms)
		}
		// The email's language is not asked (good.cue gives it none): the default's.
		if msgs[1].Kind != store.OutboxEmail || email.To != "ama.parent@example.org" || email.Subject != "Birth B7K2 registered" ||
			!strings.Contains(email.Body, "Ama Tarek") || email.Language != "en" {
			t.Errorf("%s: email %+v", lang, email)
		}
	}
	// A rejection carries its reason; a record without a phone gets no SMS.
	r, _ := registered("fr")
	r.Data = json.RawMessage(`{"child.name": {"given": "Ama"}, "informant.language": "fr"}`)
	if msgs := p.Notifications(r, &store.Entry{Version: 2, Action: "reject", Comment: "wrong district"}); len(msgs) != 0 {
		t.Errorf("no phone: %d messages", len(msgs))
	}
	r, _ = registered("fr")
	msgs := p.Notifications(r, &store.Entry{Version: 2, Action: "reject", Comment: "wrong district"})
	var n outbox.Notice
	if len(msgs) != 1 || json.Unmarshal(msgs[0].Payload, &n) != nil ||
		n.Body != "La déclaration B7K2 a été rejetée : wrong district. Appelez Ama Tarek." {
		t.Errorf("reject: %+v", n)
	}
}

// smtpServer is a real SMTP server (go-smtp) on 127.0.0.1 that requires PLAIN authentication and
// keeps the mail it accepts; it refuses the first `refuse` messages.
type smtpServer struct {
	mu     sync.Mutex
	refuse int
	mails  []smtpMail
}

type smtpMail struct {
	from string
	to   []string
	data []byte
}

type smtpSession struct {
	srv  *smtpServer
	auth bool
	mail smtpMail
}

func (s *smtpServer) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &smtpSession{srv: s}, nil
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "crvsctl" || pass != "s3cret" {
			return errors.New("invalid credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if !s.auth {
		return gosmtp.ErrAuthRequired
	}
	s.mail.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.mail.to = append(s.mail.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.refuse > 0 {
		s.srv.refuse--
		return &gosmtp.SMTPError{Code: 451, Message: "try again later"}
	}
	s.mail.data = b
	s.srv.mails = append(s.srv.mails, s.mail)
	return nil
}
func (s *smtpSession) Reset()        { s.mail = smtpMail{} }
func (s *smtpSession) Logout() error { return nil }

func startSMTP(t *testing.T, refuse int) (*smtpServer, string) {
	be := &smtpServer{refuse: refuse}
	srv := gosmtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return be, l.Addr().String()
}

// An action's notifications ride in its write, and go out by SMTP (to a real server, which
// refuses the first try) and by an HTTP SMS gateway, in the informant's language.
func TestNotificationsDelivered(t *testing.T) {
	m := model(t)
	mailSrv, addr := startSMTP(t, 1)
	var smsMu sync.Mutex
	var sms []map[string]string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gw-key" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body["idempotency"] = r.Header.Get("Idempotency-Key")
		smsMu.Lock()
		sms = append(sms, body)
		smsMu.Unlock()
	}))
	t.Cleanup(gw.Close)

	mailer, err := outbox.ParseSMTP(addr + ",registry@nerovia.example,crvsctl,s3cret")
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := outbox.ParseSMSGateway(gw.URL, `{"msisdn": "{{to}}", "message": "{{body}}", "lang": "{{language}}"}`, []string{"Authorization: Bearer gw-key"})
	if err != nil {
		t.Fatal(err)
	}
	st := open(t, t.TempDir())
	p := &outbox.Planner{Model: m}
	r, e := registered("fr")
	r.Version, e.Version, r.Status = 1, 1, "declared"
	r.Created, r.Updated = e.At, e.At
	r.History = []store.Entry{*e}
	e.Action = "register" // the messages of a registration, on the record's first write for brevity
	ctx := store.WithOutbox(context.Background(), func(r *store.Record) []store.OutboxMessage { return p.Messages(r, e) })
	if err := st.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	d := &outbox.Dispatcher{Store: st, Instance: "i1", BaseDelay: time.Millisecond, MaxDelay: time.Millisecond,
		Transports: map[string]outbox.Transport{store.OutboxEmail: mailer, store.OutboxSMS: gateway}}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if pending, _, _ := st.OutboxPending(context.Background()); pending == 0 {
			break
		}
	}
	if len(sms) != 1 || sms[0]["msisdn"] != "+251911234567" || sms[0]["lang"] != "fr" ||
		sms[0]["message"] != "La naissance de Ama Tarek est enregistrée sous le numéro B2026000042." || !strings.HasPrefix(sms[0]["idempotency"], "msg_") {
		t.Errorf("SMS sent: %v", sms)
	}
	mailSrv.mu.Lock()
	defer mailSrv.mu.Unlock()
	if len(mailSrv.mails) != 1 {
		t.Fatalf("%d mails", len(mailSrv.mails))
	}
	got := mailSrv.mails[0]
	msg, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body) // quoted-printable: read by a real reader below
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if got.from != "registry@nerovia.example" || len(got.to) != 1 || got.to[0] != "ama.parent@example.org" ||
		subject != "Birth B7K2 registered" || !strings.HasPrefix(msg.Header.Get("Message-ID"), "<msg_") ||
		!strings.Contains(string(body), "Ama Tarek") {
		t.Errorf("mail from %s to %v:\n%s", got.from, got.to, got.data)
	}
}
