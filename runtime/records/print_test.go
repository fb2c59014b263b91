package records

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/internal/pdftools"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// printingOf reads the print of a history entry.
func printingOf(t *testing.T, details []byte) Printing {
	t.Helper()
	var p Printing
	if err := json.Unmarshal(details, &p); err != nil {
		t.Fatalf("details %s: %v", details, err)
	}
	return p
}

// A print returns a PDF and records the certificate, its languages, serial and copies; the
// first print on another certificate is an original, the second print of the same data on
// the same certificate a reprint, each with the next serial; after a correction the first
// print is not a reprint again.
func TestPrint(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("elsa.marunde") // certificate clerk at CR0101
	r := e.recordIn("birth", "CR0101", registered)

	first, pdfData, err := e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: r.Version, Language: "am", Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdfData), "%PDF-") || strings.Count(string(pdfData), "/Type/Page/") != 2 {
		t.Errorf("not a PDF of two pages (copies): %.40q", pdfData)
	}
	p := printingOf(t, first.History[len(first.History)-1].Details)
	want := Printing{Template: "birth-certificate-am", Languages: []string{"am", "en"}, Serial: r.Number + "/1", Issued: "2026-11-23", Copies: 2}
	if p.Template != want.Template || strings.Join(p.Languages, " ") != "am en" || p.Serial != want.Serial || p.Issued != want.Issued ||
		p.Copies != 2 || p.Reprint {
		t.Errorf("recorded %+v\nwant %+v", p, want)
	}
	if first.Status != "registered" || first.Version != r.Version+1 || strings.Join(first.Flags, " ") != "certified" {
		t.Errorf("after printing: %s v%d %v", first.Status, first.Version, first.Flags)
	}

	second, _, err := e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: first.Version, Template: "birth-certificate"})
	if err != nil {
		t.Fatal(err)
	}
	if p := printingOf(t, second.History[len(second.History)-1].Details); p.Reprint || p.Serial != r.Number+"/2" || p.Copies != 1 {
		t.Errorf("the first print on another certificate: %+v", p)
	}
	second, _, err = e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: second.Version, Template: "birth-certificate"})
	if err != nil {
		t.Fatal(err)
	}
	if p := printingOf(t, second.History[len(second.History)-1].Details); !p.Reprint || p.Serial != r.Number+"/3" || p.Copies != 1 {
		t.Errorf("a second print on the same certificate: %+v", p)
	}

	// A stale version, an unknown certificate, too many copies: refused, nothing recorded.
	local := e.actor("lidya.verhane")
	for _, tc := range []struct {
		by   *Actor
		req  PrintRequest
		want outcome
	}{
		{clerk, PrintRequest{Action: "print", Version: first.Version}, conflict},
		{clerk, PrintRequest{Action: "print", Version: second.Version, Template: "passport"}, badReq},
		{clerk, PrintRequest{Action: "print", Version: second.Version, Copies: MaxCopies + 1}, badReq},
		{local, PrintRequest{Action: "request-correction", Version: second.Version}, badReq}, // prints nothing
	} {
		if _, _, err := e.svc.Print(e.ctx, tc.by, r.ID, tc.req); outcomeOf(err) != tc.want {
			t.Errorf("%+v: %v, want %s", tc.req, err, tc.want)
		}
	}
	if _, err := e.svc.Act(e.ctx, clerk, r.ID, ActionRequest{Action: "print", Version: second.Version}); outcomeOf(err) != badReq {
		t.Errorf("print taken through Act: %v", err)
	}
	if got := e.get(r.ID).Version; got != second.Version {
		t.Errorf("refusals changed the record: version %d", got)
	}

	// Corrected: the next certificate is a first print of the new data, and the earlier ones
	// are superseded.
	district := e.actor("fenna.albrecq")
	c := e.act(local, second, "request-correction", correctionOf("birth"))
	c = e.act(district, c, "approve-correction", nil)
	third, _, err := e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: c.Version})
	if err != nil {
		t.Fatal(err)
	}
	if p := printingOf(t, third.History[len(third.History)-1].Details); p.Reprint || p.Serial != r.Number+"/4" {
		t.Errorf("the first print after a correction: %+v", p)
	}
	for serial, want := range map[string]string{"/1": "superseded", "/2": "superseded", "/3": "superseded", "/4": "current", "/9": "unknown"} {
		st, err := e.svc.Standing(e.ctx, seal.Payload{Event: "birth", RegistrationNumber: r.Number, CertificateSerial: r.Number + serial})
		if err != nil || st.Status != want {
			t.Errorf("standing of %s: %+v %v, want %s", serial, st, err, want)
		}
		if want == "superseded" && (st.Since != "2026-11-23" || st.Reason != "corrected") {
			t.Errorf("superseded: %+v", st)
		}
	}
	if st, _ := e.svc.Standing(e.ctx, seal.Payload{Event: "birth", RegistrationNumber: "B-0000", CertificateSerial: "B-0000/1"}); st.Status != "unknown" {
		t.Errorf("a number not in the register: %+v", st)
	}
}

// A record whose name no font of the certificate has is refused with the reason, and nothing is
// recorded.
func TestPrintRefusesUnprintableName(t *testing.T) {
	e := newEnv(t)
	a := e.setupAt("CR0101")
	data := completeData("birth")
	data["child.name"] = map[string]any{"given": "Amara 𓀀", "family": "Tesfaye"}
	r := e.declare(a, "birth", data)
	r = e.act(a, r, "register", nil)
	_, _, err := e.svc.Print(e.ctx, e.actor("elsa.marunde"), r.ID, PrintRequest{Action: "print", Version: r.Version})
	if outcomeOf(err) != invalid || !strings.Contains(err.Error(), "U+13000") {
		t.Errorf("%v, want Invalid naming U+13000", err)
	}
	if got := e.get(r.ID); got.Version != r.Version {
		t.Errorf("refused, but the record changed: version %d", got.Version)
	}
}

// The print queue holds registered records never printed; printing it prints them all, oldest
// first, into one PDF and empties it, skipping the record that cannot be printed.
func TestPrintQueue(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("elsa.marunde")
	var ids []string
	for range 3 {
		ids = append(ids, e.recordIn("birth", "CR0101", registered).ID)
	}
	a := e.setupAt("CR0101")
	data := completeData("birth")
	data["child.name"] = map[string]any{"given": "Amara 𓀀", "family": "Tesfaye"}
	bad := e.act(a, e.declare(a, "birth", data), "register", nil)

	pdfData, printed, skipped, err := e.svc.PrintQueue(e.ctx, clerk, "birth", PrintRequest{Action: "print"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range printed {
		got = append(got, r.ID)
	}
	if strings.Join(got, " ") != strings.Join(ids, " ") || len(skipped) != 1 || skipped[0].ID != bad.ID {
		t.Errorf("printed %v, skipped %+v; want %v and %s skipped", got, skipped, ids, bad.ID)
	}
	if n := strings.Count(string(pdfData), "/Type/Page/"); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
	page, err := e.svc.QueueRecords(e.ctx, clerk, "birth", "print", "", 10)
	if err != nil || len(page.Records) != 1 || page.Records[0].ID != bad.ID {
		t.Errorf("the queue after printing: %v %v", page.Records, err)
	}
}

// faultyStore is a test's SQLite store with one fault at a chosen call: what a client that
// hangs up, or a store that fails, partway through a batch looks like to the service. The
// SQLite store does all the work; the fault only stops it.
type faultyStore struct {
	store.Store
	mu      sync.Mutex
	reads   int
	updates int
	// onRead is called before the n-th read of a record, from 1.
	onRead func(n int)
	// failUpdate is the update (from 1) that fails, 0 none.
	failUpdate int
}

var errDiskGone = errors.New("disk I/O error (the test's fault)")

func (f *faultyStore) Record(ctx context.Context, id string) (*store.Record, error) {
	f.mu.Lock()
	f.reads++
	n := f.reads
	f.mu.Unlock()
	if f.onRead != nil {
		f.onRead(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.Store.Record(ctx, id)
}

func (f *faultyStore) UpdateRecord(ctx context.Context, r *store.Record, e store.Entry) error {
	f.mu.Lock()
	f.updates++
	n := f.updates
	f.mu.Unlock()
	if n == f.failUpdate {
		return errDiskGone
	}
	return f.Store.UpdateRecord(ctx, r, e)
}

// A print queue run that fails partway records nothing it did not answer with a PDF: a client
// gone while the batch is made leaves every record in the queue, unprinted; a store failing
// while the prints are recorded answers the PDF of the prints recorded, and the others stay
// in the queue.
func TestPrintQueueRecordsOnlyWhatItPrints(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("elsa.marunde")
	var ids []string
	for range 3 {
		ids = append(ids, e.recordIn("birth", "CR0101", registered).ID)
	}
	queue := func() []string {
		t.Helper()
		page, err := e.svc.QueueRecords(e.ctx, clerk, "birth", "print", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range page.Records {
			out = append(out, r.ID)
		}
		return out
	}
	prints := func(id string) int {
		t.Helper()
		n := 0
		for _, h := range e.get(id).History {
			if _, ok := PrintingOf(h); ok {
				n++
			}
		}
		return n
	}

	// The client hangs up as the second record of the batch is read.
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	svc := *e.svc
	svc.Store = &faultyStore{Store: e.st, onRead: func(n int) {
		if n == 2 {
			cancel()
		}
	}}
	if _, _, _, err := svc.PrintQueue(ctx, clerk, "birth", PrintRequest{Action: "print"}, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("a client gone partway: %v, want context.Canceled", err)
	}
	if got := queue(); !slices.Equal(got, ids) {
		t.Errorf("after a client gone partway, the queue holds %v, want all of %v", got, ids)
	}
	for _, id := range ids {
		if n := prints(id); n != 0 {
			t.Errorf("record %s: %d prints recorded, and no PDF was answered", id, n)
		}
	}

	// The store fails as the second print is recorded: the first is printed and recorded,
	// the others are neither.
	svc.Store = &faultyStore{Store: e.st, failUpdate: 2}
	pdfData, printed, skipped, err := svc.PrintQueue(e.ctx, clerk, "birth", PrintRequest{Action: "print"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(printed) != 1 || printed[0].ID != ids[0] || len(skipped) != 2 || skipped[0].ID != ids[1] || skipped[1].ID != ids[2] {
		t.Errorf("printed %d, skipped %+v; want %s printed, %v skipped", len(printed), skipped, ids[0], ids[1:])
	}
	if n := strings.Count(string(pdfData), "/Type/Page/"); n != 1 {
		t.Errorf("the PDF has %d pages, want 1: the print recorded", n)
	}
	if got := queue(); !slices.Equal(got, ids[1:]) {
		t.Errorf("the queue holds %v, want %v", got, ids[1:])
	}
	if n := prints(ids[0]); n != 1 {
		t.Errorf("%d prints of the record printed", n)
	}
	if p := printingOf(t, printed[0].History[len(printed[0].History)-1].Details); p.Reprint || p.Serial != e.get(ids[0]).Number+"/1" {
		t.Errorf("the print recorded: %+v", p)
	}
	for _, id := range ids[1:] {
		if n := prints(id); n != 0 {
			t.Errorf("record %s: %d prints recorded, and it is not in the PDF", id, n)
		}
	}

	// Run again without faults: the two left are first prints, not reprints.
	_, printed, _, err = e.svc.PrintQueue(e.ctx, clerk, "birth", PrintRequest{Action: "print"}, 0)
	if err != nil || len(printed) != 2 {
		t.Fatalf("the rest of the queue: %d printed, %v", len(printed), err)
	}
	for _, r := range printed {
		if p := printingOf(t, r.History[len(r.History)-1].Details); p.Reprint {
			t.Errorf("record %s printed as a reprint: %+v", r.ID, p)
		}
	}
}

// Each certificate's first print is an original, whatever was printed on another before: the
// Amharic certificate printed after the English one carries no "copy" watermark; printed again,
// it does. The watermark is read back from the PDF with pdftotext.
func TestPrintOriginalPerTemplate(t *testing.T) {
	e := newEnv(t)
	clerk := e.actor("elsa.marunde")
	r := e.recordIn("birth", "CR0101", registered)
	const copyEn, copyAm = "CERTIFIEDCOPY", "የተረጋገጠቅጂ" // the watermark, read letter by letter
	print := func(name, template string, version int64) (*store.Record, string) {
		t.Helper()
		rec, pdfData, err := e.svc.Print(e.ctx, clerk, r.ID, PrintRequest{Action: "print", Version: version, Template: template})
		if err != nil {
			t.Fatal(err)
		}
		path := pdftools.Artifact(t, name+".pdf", pdfData)
		text := pdftools.Letters(pdftools.Text(t, path, true))
		if !strings.Contains(text, r.Number) {
			t.Fatalf("%s: pdftotext does not find the registration number %s in %s", name, r.Number, text)
		}
		return rec, text
	}
	for _, step := range []struct {
		name, template string
		reprint        bool
	}{
		{"english", "birth-certificate", false},
		{"amharic", "birth-certificate-am", false},
		{"amharic-again", "birth-certificate-am", true},
		{"english-again", "birth-certificate", true},
	} {
		rec, text := print(step.name, step.template, r.Version)
		r = rec
		p := printingOf(t, r.History[len(r.History)-1].Details)
		if p.Template != step.template || p.Reprint != step.reprint {
			t.Errorf("%s: recorded %+v, want a reprint: %v", step.name, p, step.reprint)
		}
		if got := strings.Contains(text, copyEn) || strings.Contains(text, copyAm); got != step.reprint {
			t.Errorf("%s: watermark printed: %v, want %v; pdftotext reads:\n%s", step.name, got, step.reprint, text)
		}
	}
}
