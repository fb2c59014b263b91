package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// certificateOption is a certificate offered by a printing action's form.
type certificateOption struct {
	ID, Label string
	Selected  bool
}

// certificateOptions are an event's certificates, the one for the user's language selected.
func (s *Server) certificateOptions(lang, event string, ver *records.Version) []certificateOption {
	p := ver.Printer
	if p == nil {
		return nil
	}
	chosen, _ := p.Choose(event, lang)
	var out []certificateOption
	for _, t := range p.Templates(event) {
		out = append(out, certificateOption{ID: t.ID, Label: ver.Model.Texts.Text(lang, t.Label), Selected: t == chosen})
	}
	return out
}

// print answers a printing action's form with the certificate's PDF, shown by the browser.
// A certificate that cannot print this record (a name in letters its fonts lack) is told on
// the record's page.
func (s *Server) print(rq *request, id, action string, version int64) {
	copies := 1
	if c := rq.r.PostFormValue("copies"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			s.problem(rq, http.StatusBadRequest, "ui.error.badRequest")
			return
		}
		copies = n
	}
	rec, pdf, err := s.Records.Print(rq.r.Context(), rq.actor, id, records.PrintRequest{Action: action, Version: version,
		Template: rq.r.PostFormValue("certificate"), Language: rq.lang, Copies: copies})
	var re *records.Error
	if errors.As(err, &re) && re.Kind == records.Invalid {
		cur, gerr := s.Records.Get(rq.r.Context(), rq.actor, id)
		if gerr != nil {
			s.fail(rq, gerr)
			return
		}
		s.showRecord(rq, cur, http.StatusUnprocessableEntity, re.Error())
		return
	}
	if err != nil {
		s.fail(rq, err)
		return
	}
	p, _ := records.PrintingOf(rec.History[len(rec.History)-1])
	api.WritePDF(rq.w, p.Serial, pdf)
}

// printQueue prints every record of a print queue into one PDF.
func (s *Server) printQueue(rq *request) {
	event, action := rq.r.PathValue("event"), rq.r.PathValue("action")
	// Printing a whole queue cannot be undone: only with its box ticked.
	if rq.r.PostFormValue("confirm") != "yes" {
		s.showWork(rq, http.StatusUnprocessableEntity, s.Catalog.Text(rq.lang, "ui.queue.confirmFirst"))
		return
	}
	pdf, printed, skipped, err := s.Records.PrintQueue(rq.r.Context(), rq.actor, event,
		records.PrintRequest{Action: action, Template: rq.r.PostFormValue("certificate"), Language: rq.lang}, 0)
	if err != nil {
		s.fail(rq, err)
		return
	}
	for _, sk := range skipped {
		s.Log.Info("print queue: record skipped", "record", sk.ID, "reason", sk.Reason)
	}
	api.WritePDF(rq.w, fmt.Sprintf("%s-%s-%d", event, action, len(printed)), pdf)
}

// printingText is a print of the history, as the record's page tells it.
func (s *Server) printingText(lang string, e store.Entry, event string, ver *records.Version) []string {
	p, ok := records.PrintingOf(e)
	if !ok {
		return nil
	}
	label := p.Template
	if ver.Printer != nil {
		if t, ok := ver.Printer.Template(event, p.Template); ok {
			label = ver.Model.Texts.Text(lang, t.Label)
		}
	}
	out := []string{s.Catalog.Text(lang, "ui.record.printed", "certificate", label, "serial", p.Serial, "copies", strconv.Itoa(p.Copies))}
	if p.Reprint {
		out = append(out, s.Catalog.Text(lang, "ui.record.reprint"))
	}
	return out
}

// verifyResult is a seal checked by the server, for a browser without JavaScript.
type verifyResult struct {
	Valid    bool
	Message  string
	Fields   [][2]string // label, value
	Standing string
}

// verifyPage checks a certificate's QR code in the browser, for anyone: no login. The keys
// are in the page, so that once loaded it checks signatures without a connection
// (static/verify.js); the register is asked, when it can be reached, whether it still stands
// by the certificate. Without JavaScript the form is posted and the server checks.
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	keys := []byte(`{"keys":[]}`)
	if s.Keys != nil {
		var err error
		if keys, err = seal.MarshalKeyring(s.Keys.Keys()...); err != nil {
			http.Error(w, "the keys could not be written", http.StatusInternalServerError)
			return
		}
	}
	texts := map[string]string{}
	for _, k := range verifyTexts {
		texts[k] = s.Catalog.Text(lang, "ui.verify."+k)
	}
	for id := range s.Records.Model.Events {
		texts["event."+id] = s.eventLabel(lang, id)
	}
	textJSON, _ := json.Marshal(texts)
	var res *verifyResult
	sealText := ""
	if r.Method == http.MethodPost {
		// Anyone may ask, with no token: a seal checked changes nothing. A small form all
		// the same, and never multipart, so that nothing is spilled to disk.
		if status := readForm(w, r, 64<<10, false, func(string) bool { return true }); status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		sealText = strings.TrimSpace(r.PostForm.Get("seal"))
		res = s.verifySeal(r, lang, sealText)
	}
	s.render(w, r, http.StatusOK, "verify", struct {
		view
		Keys, Texts string
		Seal        string
		Result      *verifyResult
	}{s.anonView(w, r, lang, s.Catalog.Text(lang, "ui.verify.title")), string(keys), string(textJSON), sealText, res})
}

var verifyTexts = []string{"valid", "validNoIssuer", "invalid", "current", "superseded", "unknown", "offline", "number", "event", "eventDate",
	"eventPlace", "givenNames", "familyName", "serial", "issued", "reason.not-a-seal", "reason.unsupported", "reason.damaged",
	"reason.unknown-key", "reason.bad-signature", "reason.key-expired", "reason.key-revoked", "because.corrected", "because.status"}

// verifySeal checks a seal on the server, as verify.js does in the browser.
func (s *Server) verifySeal(r *http.Request, lang, text string) *verifyResult {
	t := func(key string, args ...string) string { return s.Catalog.Text(lang, "ui.verify."+key, args...) }
	if s.Keys == nil {
		return &verifyResult{Message: t("invalid", "reason", t("reason.unknown-key"))}
	}
	p, keyID, err := seal.Open(text, s.Keys)
	if err != nil {
		return &verifyResult{Message: t("invalid", "reason", t("reason."+seal.Code(err)))}
	}
	k, _ := s.Keys.Key(keyID)
	msg := t("validNoIssuer", "key", keyID)
	if k.Issuer != "" {
		msg = t("valid", "key", keyID, "issuer", k.Issuer)
	}
	res := &verifyResult{Valid: true, Message: msg, Fields: [][2]string{
		{t("number"), p.RegistrationNumber}, {t("event"), s.eventLabel(lang, p.Event)}, {t("eventDate"), s.Catalog.LongDate(lang, p.EventDate)},
		{t("eventPlace"), p.EventPlace}, {t("givenNames"), p.GivenNames}, {t("familyName"), p.FamilyName},
		{t("serial"), p.CertificateSerial}, {t("issued"), s.Catalog.LongDate(lang, p.IssueDate)}}}
	st, err := s.Records.Standing(r.Context(), p)
	switch {
	case err != nil:
		s.Log.Error("verify: the register could not be read", "err", err)
		res.Standing = t("offline")
	case st.Status == "superseded":
		res.Standing = t("superseded", "since", s.Catalog.LongDate(lang, st.Since), "reason", s.standingReason(lang, p.Event, st))
	default:
		res.Standing = t(st.Status)
	}
	return res
}

// eventLabel is an event's label in a language; an event the model does not have (a seal
// of another register's) is told by its id.
func (s *Server) eventLabel(lang, event string) string {
	if ev := s.Records.Model.Events[event]; ev != nil && ev.Label != "" {
		return s.Catalog.Text(lang, ev.Label)
	}
	return event
}

// standingReason says in a language why a certificate is superseded.
func (s *Server) standingReason(lang, event string, st records.Standing) string {
	if st.Reason == "status" {
		status := st.NowStatus
		if ev := s.Records.Model.Events[event]; ev != nil {
			for _, x := range ev.Statuses {
				if x.ID == st.NowStatus {
					status = s.Catalog.Text(lang, x.Label)
				}
			}
		}
		return s.Catalog.Text(lang, "ui.verify.because.status", "status", status)
	}
	return s.Catalog.Text(lang, "ui.verify.because."+st.Reason)
}
