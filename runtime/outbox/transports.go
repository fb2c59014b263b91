package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// SMTP sends email notifications through an SMTP server: STARTTLS when the server offers it
// (required, with Auth, unless the server is on this machine), PLAIN authentication when a
// user is given.
type SMTP struct {
	Addr     string // host:port
	From     string
	User     string
	Password string
	// TLS configures STARTTLS (nil: the host's name checked against the system's roots).
	TLS *tls.Config
}

// ParseSMTP reads crvsctl serve --smtp: "host:port,from[,user,password]".
func ParseSMTP(s string) (*SMTP, error) {
	parts := strings.SplitN(s, ",", 4)
	if len(parts) != 2 && len(parts) != 4 {
		return nil, fmt.Errorf("--smtp is host:port,from or host:port,from,user,password")
	}
	if _, _, err := net.SplitHostPort(parts[0]); err != nil {
		return nil, fmt.Errorf("--smtp: %q is not host:port", parts[0])
	}
	if !strings.Contains(parts[1], "@") {
		return nil, fmt.Errorf("--smtp: the sender %q is not an address", parts[1])
	}
	m := &SMTP{Addr: parts[0], From: parts[1]}
	if len(parts) == 4 {
		m.User, m.Password = parts[2], parts[3]
	}
	return m, nil
}

func (m *SMTP) Send(ctx context.Context, msg *store.OutboxMessage) error {
	var n Notice
	if err := json.Unmarshal(msg.Payload, &n); err != nil {
		return fmt.Errorf("email %s: %w", msg.ID, err)
	}
	host, _, _ := net.SplitHostPort(m.Addr)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if m.User != "" {
		// net/smtp refuses PLAIN over a connection neither TLS nor to this machine.
		if err := c.Auth(smtp.PlainAuth("", m.User, m.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(m.From); err != nil {
		return err
	}
	if err := c.Rcpt(n.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.compose(msg, &n)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose writes the email: UTF-8 text, quoted-printable, its Message-ID the message's ID, so
// that a repeat is recognisable.
func (m *SMTP) compose(msg *store.OutboxMessage, n *Notice) []byte {
	var b bytes.Buffer
	domain := m.From[strings.LastIndex(m.From, "@")+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n", m.From, n.To,
		mime.QEncoding.Encode("utf-8", n.Subject), time.Now().UTC().Format(time.RFC1123Z), msg.ID, domain)
	if n.Language != "" {
		fmt.Fprintf(&b, "Content-Language: %s\r\n", n.Language)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(n.Body, "\n", "\r\n")))
	qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}

// SMSGateway sends SMS notifications through an HTTP gateway: a POST of Template to URL, in
// which {{to}}, {{body}}, {{id}} and {{language}} are replaced by the values, escaped as JSON
// strings (the template puts them between quotes). A 2xx answer is a delivery.
type SMSGateway struct {
	URL      string
	Template string // such as {"to": "{{to}}", "text": "{{body}}"}
	Headers  http.Header
	Client   *http.Client
}

// DefaultSMSTemplate is the request when none is given.
const DefaultSMSTemplate = `{"to": "{{to}}", "text": "{{body}}", "id": "{{id}}"}`

// ParseSMSGateway reads crvsctl serve --sms-url, --sms-template and --sms-header (each
// "Name: value").
func ParseSMSGateway(rawURL, template string, headers []string) (*SMSGateway, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--sms-url %q: want an http or https URL", rawURL)
	}
	if template == "" {
		template = DefaultSMSTemplate
	}
	probe := strings.NewReplacer("{{to}}", "x", "{{body}}", "x", "{{id}}", "x", "{{language}}", "x").Replace(template)
	if !json.Valid([]byte(probe)) {
		return nil, fmt.Errorf("--sms-template is not JSON once its {{...}} are filled in")
	}
	if !strings.Contains(template, "{{to}}") || !strings.Contains(template, "{{body}}") {
		return nil, fmt.Errorf("--sms-template names no {{to}} or no {{body}}")
	}
	g := &SMSGateway{URL: rawURL, Template: template, Headers: http.Header{}}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("--sms-header %q is not Name: value", h)
		}
		g.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return g, nil
}

// jsonString is s escaped as the inside of a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func (g *SMSGateway) Send(ctx context.Context, msg *store.OutboxMessage) error {
	var n Notice
	if err := json.Unmarshal(msg.Payload, &n); err != nil {
		return fmt.Errorf("SMS %s: %w", msg.ID, err)
	}
	body := strings.NewReplacer("{{to}}", jsonString(n.To), "{{body}}", jsonString(n.Body), "{{id}}", jsonString(msg.ID),
		"{{language}}", jsonString(n.Language)).Replace(g.Template)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, strings.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range g.Headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", msg.ID)
	client := g.Client
	if client == nil {
		client = defaultClient
	}
	return Deliver(client, req, "the SMS gateway")
}
