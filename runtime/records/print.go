package records

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/certificates/pdf"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// PrintRequest asks for a certificate of a record, by an action that prints.
type PrintRequest struct {
	Action   string
	Version  int64  // the version of the record the user saw
	Template string // the certificate; "" for the one of the user's language (Printer.Choose)
	Language string // the user's language, to choose the certificate
	Copies   int    // identical copies, 1 when 0
}

// MaxCopies is the most copies of one certificate printed at once.
const MaxCopies = 10

// Printing is what the history keeps of a certificate printed (an entry's Details).
type Printing struct {
	Template  string   `json:"template"`
	Languages []string `json:"languages"`
	Serial    string   `json:"serial"`
	Issued    string   `json:"issued"` // YYYY-MM-DD
	Copies    int      `json:"copies"`
	// Reprint: a certificate of the record's data as it is was printed before on this
	// template; this one carries the watermark. A print on another template (the certificate
	// in another language) does not make this one a copy.
	Reprint bool `json:"reprint,omitempty"`
}

// PrintingOf is the print a history entry records, if it is one.
func PrintingOf(e store.Entry) (Printing, bool) {
	var p Printing
	if len(e.Details) == 0 || json.Unmarshal(e.Details, &p) != nil || p.Serial == "" {
		return Printing{}, false
	}
	return p, true
}

// Refused tells whether err is a refusal with this code (a client may take another way: an
// action that prints refused by Act is taken with Print).
func Refused(err error, code string) bool {
	var re *Error
	return errors.As(err, &re) && len(re.Details) == 1 && re.Details[0].Code == code
}

// printJob is a certificate to print: the action that records it, prepared, and its pages, a
// page per copy.
type printJob struct {
	action   *prepared
	template *certificates.Template
	pages    []*certificates.Page
}

// Print takes an action that prints on a record and returns the certificate's PDF. The PDF is
// made first and the print recorded (template, languages, serial, copies) in the record's
// history after, so that a print is never recorded whose PDF was not made; a certificate that
// cannot be printed (a name in letters none of its fonts has) is refused and nothing is
// recorded.
func (s *Service) Print(ctx context.Context, actor *Actor, id string, req PrintRequest) (*store.Record, []byte, error) {
	job, err := s.preparePrint(ctx, actor, id, req)
	if err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	if err := job.template.Render(&out, job.pages...); err != nil {
		return nil, nil, fmt.Errorf("record %s: certificate %s, checked, did not render: %w", id, job.template.ID, err)
	}
	rec, err := s.commit(ctx, actor, job.action)
	if err != nil {
		return nil, nil, err
	}
	return rec, out.Bytes(), nil
}

// preparePrint decides a print and fills its certificate, storing nothing.
func (s *Service) preparePrint(ctx context.Context, actor *Actor, id string, req PrintRequest) (*printJob, error) {
	if s.Printer == nil {
		return nil, refuse(Conflict, "/action", "no-printer", "this server prints no certificates")
	}
	copies := req.Copies
	if copies == 0 {
		copies = 1
	}
	if copies < 1 || copies > MaxCopies {
		return nil, refuse(BadRequest, "/copies", "out-of-range", "copies: from 1 to %d", MaxCopies)
	}
	var job printJob
	before := func(old, next *store.Record, entry *store.Entry) error {
		// The record's own version's certificate: a birth declared under last year's form
		// prints on last year's certificate.
		ev, ver, err := s.EventOf(ctx, old)
		if err != nil {
			return err
		}
		if ver.Printer == nil {
			return refuse(Conflict, "/action", "no-printer", "this server prints no certificates")
		}
		t, err := template(ver.Printer, next.Event, req)
		if err != nil {
			return err
		}
		var data map[string]any
		if err := json.Unmarshal(next.Data, &data); err != nil {
			return fmt.Errorf("record %s: stored data: %w", next.ID, err)
		}
		p := Printing{Template: t.ID, Languages: t.Languages, Copies: copies, Issued: s.Today(),
			Serial: next.Number + "/" + strconv.Itoa(printed(ev, old)+1), Reprint: reprint(ev, old, t.ID)}
		pg, err := ver.Printer.Fill(t, certificates.Certificate{Number: next.Number, Data: data, Context: s.RuleContext(actor, next),
			Serial: p.Serial, Issued: p.Issued, Reprint: p.Reprint})
		if te := (*pdf.TextError)(nil); errors.As(err, &te) {
			return refuse(Invalid, "/template", "cannot-print", "certificate %s cannot print this record: %v; print it on a certificate in the script of its names", t.ID, err)
		}
		if err != nil {
			return refuse(Conflict, "/template", "cannot-print", "certificate %s: %v", t.ID, err)
		}
		entry.Details, _ = json.Marshal(p)
		job.template, job.pages = t, slices.Repeat([]*certificates.Page{pg}, copies)
		return nil
	}
	a, err := s.prepare(ctx, actor, id, ActionRequest{Action: req.Action, Version: req.Version}, before)
	if err != nil {
		return nil, err
	}
	job.action = a
	return &job, nil
}

// template is the certificate a print asks for.
func template(p *certificates.Printer, event string, req PrintRequest) (*certificates.Template, error) {
	if req.Template == "" {
		if t, ok := p.Choose(event, req.Language); ok {
			return t, nil
		}
		return nil, refuse(Conflict, "/template", "no-certificate", "event %s has no certificate", event)
	}
	if t, ok := p.Template(event, req.Template); ok {
		return t, nil
	}
	var ids []string
	for _, t := range p.Templates(event) {
		ids = append(ids, t.ID)
	}
	return nil, refuse(BadRequest, "/template", "unknown-certificate", "event %s has no certificate %q (it has %v)", event, req.Template, ids)
}

// printed is how many certificates of a record were printed.
func printed(ev *Event, r *store.Record) int {
	n := 0
	for _, e := range r.History {
		if ev.printing(e) {
			n++
		}
	}
	return n
}

// reprint tells whether a certificate of the record's data as it is was printed already on
// the template: the history since the data last changed has a print of it. Each template's
// first print is an original, whatever was printed on the others. A print whose entry does
// not say its template counts as one of every template: a copy is watermarked rather than a
// second original given out.
func reprint(ev *Event, r *store.Record, template string) bool {
	for i := len(r.History) - 1; i >= 0; i-- {
		e := r.History[i]
		if ev.printing(e) {
			if p, ok := PrintingOf(e); !ok || p.Template == "" || p.Template == template {
				return true
			}
			continue
		}
		if ev.applied(e) {
			return false
		}
	}
	return false
}

// printing tells whether a history entry is a print.
func (ev *Event) printing(e store.Entry) bool {
	a := ev.Actions[e.Action]
	return a != nil && a.Prints
}

// applied tells whether a history entry changed the record's data (a proposal changes nothing
// until applied).
func (ev *Event) applied(e store.Entry) bool {
	a := ev.Actions[e.Action]
	return len(e.Changes) > 0 && (a == nil || a.Edits != "proposal")
}

// MaxBatch is the most certificates printed into one PDF at once.
const MaxBatch = 500

// Skipped is a record of a queue a batch did not print, and why.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// PrintQueue prints the records waiting in the queue of an action that prints, oldest first,
// up to limit (MaxBatch), on one certificate, into one PDF: a page a copy, in the queue's order.
// A record that cannot be printed (a name the fonts cannot print) is skipped, with the reason,
// and the others are printed. Nothing printed: the error says why.
//
// Nothing is recorded as printed unless the PDF that prints it was made: every certificate of
// the batch is filled and the whole PDF rendered first, with nothing stored, so that an error
// or a client gone before then leaves every record in the queue. Then each print is recorded
// as Print records it, each guarded by the version of the record it was filled from. A record
// changed by someone meanwhile is not recorded and is skipped; a store that fails (or a client
// that hangs up) partway stops the recording there, and the records not reached are skipped
// and stay in the queue. When any was skipped at that stage, the PDF is rendered again from
// the pages of the prints recorded, which rendered already once: the PDF answered always
// prints exactly the prints recorded.
func (s *Service) PrintQueue(ctx context.Context, actor *Actor, event string, req PrintRequest, limit int) (pdfData []byte, printed []*store.Record, skipped []Skipped, err error) {
	if limit < 1 || limit > MaxBatch {
		limit = MaxBatch
	}
	var jobs []*printJob
	after := ""
	for len(jobs) < limit {
		page, err := s.QueueRecords(ctx, actor, event, req.Action, after, min(100, limit-len(jobs)))
		if err != nil {
			return nil, nil, nil, err
		}
		for _, r := range page.Records {
			one := req
			one.Version = r.Version
			job, err := s.preparePrint(ctx, actor, r.ID, one)
			var refusal *Error
			if errors.As(err, &refusal) {
				skipped = append(skipped, Skipped{ID: r.ID, Reason: refusal.Error()})
				continue
			}
			if err != nil {
				return nil, nil, nil, err
			}
			if len(jobs) > 0 && job.template != jobs[0].template {
				// One PDF is one template: a record of another version of the package, or
				// on another certificate, waits for a batch of its own.
				skipped = append(skipped, Skipped{ID: r.ID, Reason: "certificate " + job.template.ID + " of another version of the package: printed in a batch of its own"})
				continue
			}
			jobs = append(jobs, job)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(jobs) == 0 {
		if len(skipped) > 0 {
			return nil, nil, skipped, refuse(Conflict, "/queue", "nothing-printed", "no record of the queue could be printed: %s", skipped[0].Reason)
		}
		return nil, nil, nil, refuse(Conflict, "/queue", "empty", "the queue of %s %s is empty", event, req.Action)
	}
	t := jobs[0].template
	render := func(jobs []*printJob) ([]byte, error) {
		var pages []*certificates.Page
		for _, j := range jobs {
			pages = append(pages, j.pages...)
		}
		var out bytes.Buffer
		if err := t.Render(&out, pages...); err != nil {
			return nil, fmt.Errorf("queue %s %s: certificates checked did not render: %w", event, req.Action, err)
		}
		return out.Bytes(), nil
	}
	pdfData, err = render(jobs)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err // the client is gone: nothing to record
	}
	var recorded []*printJob
	var stopped error
	for _, j := range jobs {
		if stopped != nil {
			skipped = append(skipped, Skipped{ID: j.action.old.ID, Reason: "not printed: " + stopped.Error()})
			continue
		}
		rec, err := s.commit(ctx, actor, j.action)
		var refusal *Error
		switch {
		case errors.As(err, &refusal):
			skipped = append(skipped, Skipped{ID: j.action.old.ID, Reason: refusal.Error()})
		case err != nil:
			stopped = err
			skipped = append(skipped, Skipped{ID: j.action.old.ID, Reason: "not printed: " + err.Error()})
		default:
			recorded = append(recorded, j)
			printed = append(printed, rec)
		}
	}
	if len(recorded) == 0 {
		if stopped != nil {
			return nil, nil, skipped, stopped
		}
		return nil, nil, skipped, refuse(Conflict, "/queue", "nothing-printed", "no record of the queue could be printed: %s", skipped[0].Reason)
	}
	if len(recorded) < len(jobs) {
		if pdfData, err = render(recorded); err != nil {
			return nil, nil, nil, err
		}
	}
	return pdfData, printed, skipped, nil
}

// Standing is what the register says now of a certificate whose seal is genuine.
type Standing struct {
	// Status: "current", the record is as the certificate says; "superseded", the record was
	// corrected or its status changed since the certificate was printed (Since, Reason); or
	// "unknown", the register has no certificate of this serial and number.
	Status string `json:"status"`
	Since  string `json:"since,omitempty"` // YYYY-MM-DD
	// Reason says why, for people: "corrected", "status" (the record is now in NowStatus, a
	// status id of the event), "no-record" or "no-certificate".
	Reason    string `json:"reason,omitempty"`
	NowStatus string `json:"nowStatus,omitempty"`
}

// Standing looks a sealed certificate up in the register. The caller has opened the seal: its
// content is genuine, so what is told is only about the certificate it describes.
func (s *Service) Standing(ctx context.Context, p seal.Payload) (Standing, error) {
	page, err := s.Store.Search(ctx, store.Query{Event: p.Event, Number: p.RegistrationNumber, Limit: 1})
	if err != nil {
		return Standing{}, err
	}
	if len(page.Records) == 0 {
		return Standing{Status: "unknown", Reason: "no-record"}, nil
	}
	r, err := s.Store.Record(ctx, page.Records[0].ID)
	if err != nil {
		return Standing{}, err
	}
	ev, _, err := s.EventOf(ctx, r)
	if err != nil {
		return Standing{}, err
	}
	printedAt := -1
	for i, e := range r.History {
		if pr, ok := PrintingOf(e); ok && ev.printing(e) && pr.Serial == p.CertificateSerial {
			printedAt = i
			break
		}
	}
	if printedAt < 0 {
		return Standing{Status: "unknown", Reason: "no-certificate"}, nil
	}
	for _, e := range r.History[printedAt+1:] {
		day := e.At.In(s.Model.Loc).Format(time.DateOnly)
		switch {
		case ev.applied(e):
			return Standing{Status: "superseded", Since: day, Reason: "corrected"}, nil
		case e.Status != "":
			return Standing{Status: "superseded", Since: day, Reason: "status", NowStatus: e.Status}, nil
		}
	}
	return Standing{Status: "current"}, nil
}
