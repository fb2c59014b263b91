package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/sqlitestore"
)

// outboxSite is the example country's site, its store, to park messages in, and the store's
// directory.
func outboxSite(t *testing.T) (*site, store.Store, string) {
	var st store.Store
	dir := t.TempDir()
	s := newSiteOf(t, dir, "../../countries/nerovia", func(srv *server.Server) { st = srv.Store })
	return s, st, dir
}

// park enqueues msgs an hour before at (those without a Created are created then), leases them
// and fails each once, parked, with reason(m) as its error: in the order of msgs, a second
// apart from at.
func park(t *testing.T, st store.Store, at time.Time, msgs []store.OutboxMessage, reason func(m store.OutboxMessage) string) {
	t.Helper()
	ctx, enqueued := context.Background(), at.Add(-time.Hour)
	if err := st.Enqueue(ctx, enqueued, msgs); err != nil {
		t.Fatal(err)
	}
	leased, err := st.Lease(ctx, store.MaxOutboxLease, enqueued, time.Minute, "test")
	if err != nil || len(leased) != len(msgs) {
		t.Fatalf("leased %d of %d: %v", len(leased), len(msgs), err)
	}
	byID := map[string]store.OutboxMessage{}
	for _, m := range leased {
		byID[m.ID] = m
	}
	for i, m := range msgs {
		id, failed := store.OutboxID(m.Key), at.Add(time.Duration(i)*time.Second)
		if err := st.OutboxFail(ctx, id, "test", reason(byID[id]), failed, failed, true); err != nil {
			t.Fatal(err)
		}
	}
}

// nationalAdmin logs nadia.ferrow in, the user administrator at headquarters (nationwide),
// enrolling the second factor her role requires.
func nationalAdmin(t *testing.T, s *site) *user {
	t.Helper()
	nadia := s.browser("en")
	nadia.password("nadia.ferrow")
	nadia.enrolPage(t)
	return nadia
}

// TestOutboxPage: a nationwide administrator sees the parked messages, most recently parked
// first, with their last errors and when they were parked and created, in Nerovia's time (one
// parked by a crvsctl that kept no time says so), the receivers masked, retries one with the button (the CSRF token required), finds it
// pending again and no longer parked, and the retry in the audit log; the page is in French
// and Amharic too; a district administrator, a national registrar and a local registrar have
// neither the link nor the page, nor the retry.
func TestOutboxPage(t *testing.T) {
	s, st, dir := outboxSite(t)
	ctx := context.Background()
	sms := store.OutboxMessage{Key: "B7K2M9Q4XZ/1/sms/0", Kind: store.OutboxSMS, Target: "+999927340851", Order: "B7K2M9Q4XZ/sms"}
	hook := store.OutboxMessage{Key: "B7K2M9Q4XZ/1/webhook/h", Kind: store.OutboxWebhook, Target: "https://hooks.example.org/in/s3cr3t-t0ken?sig=abc",
		Order: "B7K2M9Q4XZ/webhook/h"}
	confirm := store.OutboxMessage{Key: "osia-confirm/sub1", Kind: "osia", Target: "https://osia.example.org/notify", Order: "osia/sub1"}
	// Parked at 09:05 in Addis Ababa (06:05 UTC), created at 08:05; the webhook's time of
	// parking then forgotten, as an earlier crvsctl kept none.
	park(t, st, time.Date(2026, 3, 1, 6, 5, 0, 0, time.UTC), []store.OutboxMessage{sms, hook, confirm}, func(m store.OutboxMessage) string {
		if m.Kind == store.OutboxSMS {
			return "the gateway answered 503 for " + m.Target
		}
		return "connection refused"
	})
	smsID, hookID, confirmID := store.OutboxID(sms.Key), store.OutboxID(hook.Key), store.OutboxID(confirm.Key)
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlitestore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE outbox SET parked_at = 0, last_try = 0 WHERE id = ?`, hookID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	retry := "/outbox/" + smsID + "/retry"

	for _, name := range []string{"fenna.albrecq", "ilena.marvosa", "lidya.verhane"} { // a district administrator, a national registrar, a local registrar
		u := s.login(name, "en")
		u.lacks(`href="/outbox"`)
		token := u.csrf()
		u.get("/outbox")
		if u.status != 403 {
			t.Errorf("/outbox for %s: %d", name, u.status)
		}
		u.post(retry, url.Values{"csrf": {token}})
		if u.status != 403 {
			t.Errorf("a retry by %s: %d", name, u.status)
		}
	}

	nadia := nationalAdmin(t, s)
	nadia.get("/work")
	nadia.has(`href="/outbox"`)
	nadia.get("/outbox")
	if nadia.status != 200 {
		t.Fatalf("/outbox: %d\n%s", nadia.status, nadia.page)
	}
	nadia.has("<h1>Outbox</h1>", `id="outbox-pending">3<`, `id="outbox-parked">3<`, "Messages 1 to 3 of 3",
		`<th scope="col">Last error</th>`, `<th scope="row" id="m-`+smsID+`">`,
		"SMS", "Webhook", "OSIA notification", "B7K2M9Q4XZ", "connection refused",
		"&#43;999•••••••51", "the gateway answered 503 for &#43;999•••••••51", // the number masked in the error too
		"https://hooks.example.org/…", "https://osia.example.org/…",
		`action="`+retry+`"`, `aria-describedby="m-`+smsID+`"`,
		`<th scope="col">Parked (last try)</th><th scope="col">Created</th>`,
		"<td>March 1, 2026, 09:05</td><td>March 1, 2026, 08:05</td>", "<td>Not recorded</td><td>March 1, 2026, 08:05</td>")
	nadia.lacks("927340851", "s3cr3t", "sig=abc", "osia-confirm")
	// The confirmation parked last, the SMS before it, the webhook at a time not kept.
	if c, sm, h := strings.Index(nadia.page, "m-"+confirmID), strings.Index(nadia.page, "m-"+smsID), strings.Index(nadia.page, "m-"+hookID); !(c < sm && sm < h) {
		t.Errorf("rows at %d (OSIA), %d (SMS), %d (webhook): want the most recently parked first", c, sm, h)
	}
	if n := strings.Count(nadia.page, `name="csrf"`); n < 4 { // logout, language, and a retry form per message
		t.Errorf("%d forms with the CSRF token", n)
	}

	// The retry without the CSRF token, or with another, is refused and changes nothing.
	token := nadia.csrf()
	nadia.post(retry, url.Values{"page": {"1"}})
	if nadia.status != 403 {
		t.Errorf("a retry without the CSRF token: %d", nadia.status)
	}
	nadia.post(retry, url.Values{"csrf": {token + "x"}})
	if nadia.status != 403 {
		t.Errorf("a retry with a wrong CSRF token: %d", nadia.status)
	}
	if p, _ := st.Parked(ctx, 10); len(p) != 3 {
		t.Fatalf("after the refused retries, %d parked", len(p))
	}

	// The retry: back on the page with a flash, the message no longer parked, pending again.
	nadia.post(retry, url.Values{"csrf": {token}, "page": {"1"}})
	if nadia.status != 200 || !strings.HasSuffix(nadia.at, "/outbox") {
		t.Fatalf("retry: %d at %s\n%s", nadia.status, nadia.at, nadia.page)
	}
	nadia.has("The message is waiting to be delivered again", `id="outbox-pending">3<`, `id="outbox-parked">2<`, "Messages 1 to 2 of 2")
	nadia.lacks(retry, "&#43;999•••••••51")
	if p, _ := st.Parked(ctx, 10); len(p) != 2 || p[0].ID == smsID || p[1].ID == smsID {
		t.Errorf("parked after the retry: %+v", p)
	}

	// In the audit log: who retried which message, in the store and on the audit page.
	log, err := st.AuditLog(ctx, store.AuditQuery{User: "nadia.ferrow", Kind: store.AuditUserAdmin})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log.Entries {
		found = found || e.Action == outbox.AuditRetry && strings.Contains(string(e.Details), smsID) && e.Office == "CRHQ"
	}
	if !found {
		t.Errorf("no audit entry of the retry: %+v", log.Entries)
	}
	ilena := s.login("ilena.marvosa", "en") // a national registrar reads the whole log
	ilena.get("/audit?user=nadia.ferrow&kind=user-admin")
	ilena.has("outbox-retry", smsID)

	// Retried again (from a page shown before): said so, not an error.
	nadia.post(retry, url.Values{"csrf": {token}, "page": {"1"}})
	if nadia.status != 200 || !strings.HasSuffix(nadia.at, "/outbox") {
		t.Fatalf("a second retry: %d at %s", nadia.status, nadia.at)
	}
	nadia.has("This message is no longer parked")

	// Due again: the next lease takes it, its tries counted from 0.
	due, err := st.Lease(ctx, 10, time.Now(), time.Minute, "after")
	if err != nil || len(due) != 1 || due[0].ID != smsID || due[0].Attempts != 0 {
		t.Errorf("leased after the retry: %+v %v", due, err)
	}

	// In French and Amharic.
	nadia.lang = "fr"
	nadia.get("/outbox")
	nadia.has(`lang="fr"`, "Boîte d&#39;envoi", "Messages bloqués, du plus récemment bloqué au plus ancien", "Dernière erreur", "Relancer", "Notification OSIA",
		"Bloqué le (dernier essai)", "<td>1er mars 2026 à 09:05</td>", "<td>Non enregistré</td>")
	nadia.lacks("ui.outbox", "Last error", ">Retry<")
	nadia.lang = "am"
	nadia.get("/outbox")
	nadia.has(`lang="am"`, "ወጪ መልእክቶች", "የመጨረሻው ስህተት", "እንደገና ሞክር", "ዌብሁክ", "የቆመበት ጊዜ (የመጨረሻው ሙከራ)", "አልተመዘገበም")
	nadia.lacks("ui.outbox", "Last error", ">Retry<")
}

// TestOutboxPagePaging: 120 parked messages are listed 50 a page, most recently parked first
// (whatever their creation), with links to those parked more recently and earlier; a retry
// from the second page goes back to it.
func TestOutboxPagePaging(t *testing.T) {
	s, st, _ := outboxSite(t)
	var msgs []store.OutboxMessage
	base := time.Now().Add(-3 * time.Hour)
	for i := range 120 { // R000 parked last, R119 first; created in the other order
		msgs = append(msgs, store.OutboxMessage{Key: fmt.Sprintf("R%03d/1/email/0", 119-i), Kind: store.OutboxEmail,
			Target: fmt.Sprintf("person%03d@mail.example", 119-i), Created: base.Add(time.Duration(i) * time.Second)})
	}
	park(t, st, time.Now().Add(-time.Hour), msgs, func(m store.OutboxMessage) string { return "550 mailbox unavailable" })
	nadia := nationalAdmin(t, s)
	nadia.get("/outbox")
	nadia.has("Messages 1 to 50 of 120", "R000", "R049", "p•••@mail.example", `href="/outbox?page=2"`, "Parked earlier")
	nadia.lacks("R050", "person0", "Parked more recently")
	nadia.get("/outbox?page=2")
	nadia.has("Messages 51 to 100 of 120", "R050", "R099", `href="/outbox"`, `href="/outbox?page=3"`)
	nadia.lacks("R049", "R100")
	id := store.OutboxID("R060/1/email/0")
	nadia.post("/outbox/"+id+"/retry", url.Values{"csrf": {nadia.csrf()}, "page": {"2"}})
	if nadia.status != 200 || !strings.HasSuffix(nadia.at, "/outbox?page=2") {
		t.Fatalf("retry from page 2: %d at %s", nadia.status, nadia.at)
	}
	nadia.has("Messages 51 to 100 of 119", "R100")
	nadia.lacks("R060")
	nadia.get("/outbox?page=3")
	nadia.has("Messages 101 to 119 of 119", "R119", "Parked more recently")
	nadia.lacks("Parked earlier")
	nadia.get("/outbox?page=9") // past the end: the last page
	nadia.has("Messages 101 to 119 of 119")
	nadia.get("/outbox?page=x")
	nadia.has("Messages 1 to 50 of 119")
}
