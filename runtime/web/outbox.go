package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// The outbox's page: what is pending and parked, and the parked messages, most recently parked
// first, each with its last error, when it was parked (by its last try) and a button that
// tries it again (the audit log says who did). For the administrators the API lets read the
// outbox (outbox.Administers); the retry is the API's (outbox.Retry), audit entry included.

// outboxPageSize is the parked messages a page lists. The store lists the
// store.MaxOutboxLease most recently parked at most, so a page beyond them is never shown.
const outboxPageSize = 50

func (s *Server) outboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /outbox", s.page(s.outboxPage))
	mux.HandleFunc("POST /outbox/{id}/retry", s.page(s.outboxRetry))
}

// parkedRow is a parked message as the page shows it. Parked is when it was parked, which is
// when it was last tried: the try that failed once too many parked it.
type parkedRow struct {
	ID, Kind, Receiver, Record, Error, Parked, Created string
	Attempts                                           int
}

func (s *Server) noOutbox(rq *request) bool {
	if !outbox.Administers(rq.actor) {
		s.problem(rq, http.StatusForbidden, "ui.error.forbidden")
		return true
	}
	return false
}

// outboxPageOf is the page number asked for: 1 when none or not a number, never past the
// last page the store can list.
func outboxPageOf(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, store.MaxOutboxLease/outboxPageSize)
}

func outboxHref(page int) string {
	if page <= 1 {
		return "/outbox"
	}
	return "/outbox?page=" + strconv.Itoa(page)
}

func (s *Server) outboxPage(rq *request) {
	if s.noOutbox(rq) {
		return
	}
	ctx := rq.r.Context()
	st := s.Records.Store
	pending, parked, err := st.OutboxPending(ctx)
	if err != nil {
		s.fail(rq, err)
		return
	}
	page := outboxPageOf(rq.r.URL.Query().Get("page"))
	// The store lists from the most recently parked: this page's messages and one more, to
	// know whether another page follows.
	msgs, err := st.Parked(ctx, min(page*outboxPageSize+1, store.MaxOutboxLease))
	if err != nil {
		s.fail(rq, err)
		return
	}
	if start := (page - 1) * outboxPageSize; start >= len(msgs) && len(msgs) > 0 {
		page = (len(msgs)-1)/outboxPageSize + 1 // past the end (messages retried since): the last page
	}
	start, end := (page-1)*outboxPageSize, min(page*outboxPageSize, len(msgs))
	t := func(key string, args ...string) string { return s.Catalog.Text(rq.lang, key, args...) }
	var rows []parkedRow
	for i := start; i < end; i++ {
		m := &msgs[i]
		shown := maskReceiver(m.Kind, m.Target)
		kind := t("ui.outbox.kind." + m.Kind)
		if strings.HasPrefix(kind, "ui.outbox.kind.") { // a kind this page has no name for
			kind = m.Kind
		}
		errText := m.LastError
		if m.Target != "" {
			errText = strings.ReplaceAll(errText, m.Target, shown) // the error may quote the address
		}
		parkedAt := t("ui.outbox.parkedUnknown") // parked by a crvsctl that kept no time
		if !m.ParkedAt.IsZero() {
			parkedAt = s.when(rq.lang, m.ParkedAt)
		}
		rows = append(rows, parkedRow{ID: m.ID, Kind: kind, Receiver: shown, Record: outbox.RecordOf(m), Error: errText,
			Parked: parkedAt, Created: s.when(rq.lang, m.Created), Attempts: m.Attempts})
	}
	data := struct {
		view
		Pending, Parked string
		Rows            []parkedRow
		Page            int
		Shown           string // which of the parked messages the page lists
		Prev, Next      string
		Beyond          string // said when more are parked than the store lists
	}{view: s.newView(rq.lang, t("ui.outbox.title"), rq), Pending: strconv.FormatInt(pending, 10),
		Parked: strconv.FormatInt(parked, 10), Rows: rows, Page: page}
	if len(rows) > 0 {
		data.Shown = t("ui.outbox.shown", "from", strconv.Itoa(start+1), "to", strconv.Itoa(end), "total", data.Parked)
	}
	if page > 1 {
		data.Prev = outboxHref(page - 1)
	}
	if len(msgs) > end {
		data.Next = outboxHref(page + 1)
	} else if parked > int64(len(msgs)) && len(msgs) == store.MaxOutboxLease {
		data.Beyond = t("ui.outbox.beyond", "max", strconv.Itoa(store.MaxOutboxLease))
	}
	s.render(rq.w, rq.r, http.StatusOK, "outbox", data)
}

// outboxRetry tries a parked message again, as POST /api/v1/outbox/{id}/retry does, and goes
// back to the page it was asked from, saying what happened.
func (s *Server) outboxRetry(rq *request) {
	if s.noOutbox(rq) {
		return
	}
	err := outbox.Retry(rq.r.Context(), s.Records, rq.actor, rq.r.PathValue("id"), time.Now(), s.Log)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Retried by another administrator, or by this one in another tab: not an error
		// worth a page of its own.
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.outbox.gone"))
	case err != nil:
		s.fail(rq, err)
		return
	default:
		flash(rq.w, s.Catalog.Text(rq.lang, "ui.outbox.retried"))
	}
	http.Redirect(rq.w, rq.r, outboxHref(outboxPageOf(rq.r.PostForm.Get("page"))), http.StatusSeeOther)
}

// maskReceiver is a message's receiver as the page shows it. The page is for administrators,
// who need to tell messages apart and see why they fail (a country code that is wrong, a mail
// domain that refuses, a subscriber's host that is down), never to reach an informant; an
// informant's email address or phone number is personal data they have no need of, which their
// role may not even read in the record it came from, and a page is easily seen over a
// shoulder, screenshotted or left in a browser's cache. So the page shows what diagnoses and
// no more:
//   - an email: its first character and its domain (n•••@registry.example): the domain is
//     what delivery fails on, the first character tells two messages apart; the rest, its
//     length included, is hidden;
//   - a phone number: its first four characters (the + and, mostly, the calling code, as E.164
//     starts) and its last two digits, the others each a dot, so that a number too short or
//     too long shows;
//   - a web address (a webhook's subscriber, an OSIA subscription): its scheme and host only,
//     as its user, path and query may carry a subscriber's secret token.
//
// The full receiver stays in the store, for the API and for the record's own readers.
func maskReceiver(kind, target string) string {
	if target == "" {
		return ""
	}
	switch kind {
	case store.OutboxEmail:
		return maskEmail(target)
	case store.OutboxSMS:
		return maskPhone(target)
	case store.OutboxWebhook, osia.OutboxKind:
		return maskURL(target)
	}
	switch {
	case strings.Contains(target, "://"):
		return maskURL(target)
	case strings.Contains(target, "@"):
		return maskEmail(target)
	}
	return maskPhone(target)
}

const maskDots = "•••"

func maskEmail(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 {
		return maskDots
	}
	r, _ := utf8.DecodeRuneInString(a)
	return string(r) + maskDots + a[at:]
}

func maskPhone(p string) string {
	runes := []rune(p)
	if len(runes) < 8 {
		return maskDots
	}
	var b strings.Builder
	for i, r := range runes {
		if i < 4 || i >= len(runes)-2 || r < '0' || r > '9' {
			b.WriteRune(r)
		} else {
			b.WriteString("•")
		}
	}
	return b.String()
}

func maskURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return maskDots
	}
	out := p.Scheme + "://" + p.Host
	if p.Path != "" && p.Path != "/" || p.RawQuery != "" {
		out += "/…"
	}
	return out
}
