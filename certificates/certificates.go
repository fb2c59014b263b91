// Package certificates prints the certificates a bundle describes. It turns a registered
// record into what a template prints, in the certificate's languages: answers written out
// (a date in words, a place by its name, a choice by its label), translations, the
// registration number, the serial and the date of issue, the signed QR code (certificates/seal);
// and has certificates/pdf lay the page out.
//
// A Printer is made once per bundle: every template's fonts and images are read and its rules
// compiled then, so that printing a certificate is filling in texts and writing a PDF.
package certificates

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates/pdf"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/i18n"
	"github.com/crvsctl/crvsctl/rules"
)

// Printer prints the certificates of one bundle. It is safe for concurrent use.
type Printer struct {
	key       *seal.PrivateKey // nil: certificates with a QR code cannot be printed
	catalog   *i18n.Catalog
	places    map[string]place // "area:<code>" and "office:<code>"
	events    map[string]*bundle.Event
	templates map[string][]*Template // by event, in the bundle's order
}

type place struct {
	names  map[string]string // by language; "" the name in the default language
	parent string            // an area's parent, an office's area
}

// Template is a certificate of an event, ready to print.
type Template struct {
	bundle.Certificate
	Event    string
	renderer *pdf.Renderer
	elements []element // as Certificate.Elements
	hasQR    bool
}

type element struct {
	id     string // its ID in the pdf.Template, which errors name: "element 7"
	cond   *rules.Program
	value  *rules.Program
	field  *bundle.Field // the field the value is straight from, if any
	source bundle.CertElement
}

// New reads every certificate template of a bundle. key signs the QR codes; without one, a
// template with a QR code is known (its label shows) but printing it is refused.
func New(b *bundle.Bundle, key *seal.PrivateKey) (*Printer, error) {
	p := &Printer{key: key, places: map[string]place{}, events: map[string]*bundle.Event{}, templates: map[string][]*Template{},
		catalog: i18n.New(b.Country.Languages, b.Country.DefaultLanguage, b.Translations)}
	for _, a := range b.Areas {
		names := maps.Clone(a.Names)
		if names == nil {
			names = map[string]string{}
		}
		names[""] = a.Name
		p.places["area:"+a.Code] = place{names: names, parent: a.Parent}
	}
	for _, o := range b.Offices {
		p.places["office:"+o.Code] = place{names: map[string]string{"": o.Name}, parent: o.Area}
	}
	var errs []error
	for i := range b.Events {
		ev := &b.Events[i]
		p.events[ev.ID] = ev
		for _, c := range ev.Certificates {
			t, err := newTemplate(b, ev, c)
			if err != nil {
				errs = append(errs, fmt.Errorf("certificate %s of %s: %w", c.ID, ev.ID, err))
				continue
			}
			p.templates[ev.ID] = append(p.templates[ev.ID], t)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// newTemplate makes the pdf.Template of a certificate: the package's fonts as one fallback
// chain, in their order, ending with the Go fonts; every element with an ID for its text.
func newTemplate(b *bundle.Bundle, ev *bundle.Event, c bundle.Certificate) (*Template, error) {
	file := func(name string) ([]byte, error) {
		data, ok := b.Files[name]
		if !ok {
			return nil, fmt.Errorf("file %s is not in the bundle", name)
		}
		return data, nil
	}
	pt := pdf.Template{Page: pdf.PageSize(c.Size), Landscape: c.Orientation == "landscape", Fonts: map[string]pdf.Font{}, Lang: c.Languages[0]}
	var err error
	if c.Background != "" {
		if pt.Background, err = file(c.Background); err != nil {
			return nil, err
		}
	}
	font := pdf.DefaultFont
	for i := len(c.Fonts) - 1; i >= 0; i-- { // the chain is built from its end
		var f pdf.Font
		if f.Regular, err = file(c.Fonts[i].Regular); err != nil {
			return nil, err
		}
		if c.Fonts[i].Bold != "" {
			if f.Bold, err = file(c.Fonts[i].Bold); err != nil {
				return nil, err
			}
		}
		f.Fallback = font
		font = "font" + strconv.Itoa(i+1)
		pt.Fonts[font] = f
	}
	fields := map[string]*bundle.Field{}
	for i := range ev.Pages {
		for j := range ev.Pages[i].Fields {
			f := &ev.Pages[i].Fields[j]
			fields[f.ID] = f
		}
	}
	t := &Template{Certificate: c, Event: ev.ID}
	for i, e := range c.Elements {
		el := element{id: "element " + strconv.Itoa(i+1), source: e, field: fields[e.Field]}
		if e.If != nil {
			if el.cond, err = rules.Compile(e.If); err != nil {
				return nil, fmt.Errorf("element %d: if: %w", i+1, err)
			}
		}
		if e.Value != nil {
			if el.value, err = rules.Compile(e.Value); err != nil {
				return nil, fmt.Errorf("element %d: value: %w", i+1, err)
			}
		}
		pe := pdf.Element{ID: el.id, Kind: pdf.Text, X: e.X, Y: e.Y, W: e.Width, H: e.Height, Font: font,
			Size: e.Size, Bold: e.Bold, Align: pdf.Align(e.Align), Shrink: e.Height > 0}
		switch {
		case e.Image != "":
			pe.Kind, pe.Font, pe.Size, pe.Align = pdf.Image, "", 0, ""
			if pe.Image, err = file(e.Image); err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
		case e.QR:
			pe.Kind, pe.Font, pe.Size, pe.Align, pe.Shrink = pdf.QR, "", 0, "", false
			t.hasQR = true
		case e.Watermark != "":
			pe.Kind, pe.Shrink = pdf.Watermark, false
		}
		pt.Elements = append(pt.Elements, pe)
		t.elements = append(t.elements, el)
	}
	if t.renderer, err = pdf.NewRenderer(pt); err != nil {
		return nil, err
	}
	return t, nil
}

// Templates lists the certificates of an event, in the bundle's order.
func (p *Printer) Templates(event string) []*Template { return p.templates[event] }

// Template finds a certificate of an event by its id.
func (p *Printer) Template(event, id string) (*Template, bool) {
	for _, t := range p.templates[event] {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// Choose is the certificate of an event to print for a reader of a language: the first whose
// first language it is, else the first in that language at all, else the event's first.
func (p *Printer) Choose(event, lang string) (*Template, bool) {
	ts := p.templates[event]
	if len(ts) == 0 {
		return nil, false
	}
	for _, t := range ts {
		if t.Languages[0] == lang {
			return t, true
		}
	}
	for _, t := range ts {
		if slices.Contains(t.Languages, lang) {
			return t, true
		}
	}
	return ts[0], true
}

// Certificate is one certificate to print: a record, and what makes this certificate of it.
type Certificate struct {
	Number  string         // the record's registration number
	Data    map[string]any // the record's answers
	Context *rules.Context // the record and the user printing, for the elements' conditions
	Serial  string         // this certificate's serial
	Issued  string         // the date of issue, YYYY-MM-DD
	Reprint bool           // the record was printed before: the watermark shows
}

// Page is a certificate filled in, checked to print, and its seal.
type Page struct {
	Values pdf.Values
	Seal   seal.Payload
}

// Fill works out what a template prints for a certificate, seals its QR code and checks that
// the page can be laid out (every character of the answers has a glyph in the fonts): a Page
// that Fill returns prints. A *pdf.TextError says which answer cannot be printed.
func (p *Printer) Fill(t *Template, c Certificate) (*Page, error) {
	if c.Number == "" {
		return nil, errors.New("the record has no registration number: register it before printing a certificate")
	}
	ev := p.events[t.Event]
	pg := &Page{Values: pdf.Values{Text: map[string]string{}, Hide: map[string]bool{}}}
	pg.Seal = seal.Payload{RegistrationNumber: c.Number, Event: t.Event, CertificateSerial: c.Serial, IssueDate: c.Issued}
	pg.Seal.EventDate, _ = c.Data[ev.DateField].(string)
	if code, ok := c.Data[ev.PlaceField].(string); ok {
		pg.Seal.EventPlace = p.placeName(fieldOf(ev, ev.PlaceField), code, t.Languages[0])
	}
	pg.Seal.GivenNames, pg.Seal.FamilyName = names(fieldOf(ev, ev.NameField), c.Data[ev.NameField])
	for _, e := range t.elements {
		lang := t.Languages[min(max(e.source.Language, 1), len(t.Languages))-1]
		if e.cond != nil && !e.cond.Eval(c.Data, c.Context).IsTrue() || e.source.Watermark != "" && !c.Reprint {
			pg.Values.Hide[e.id] = true
			continue
		}
		s := e.source
		switch {
		case s.Text != "":
			pg.Values.Text[e.id] = p.catalog.Text(lang, s.Text)
		case s.Watermark != "":
			pg.Values.Text[e.id] = p.catalog.Text(lang, s.Watermark)
		case e.value != nil:
			pg.Values.Text[e.id] = p.format(e.value.Eval(c.Data, c.Context), e.field, lang)
		case s.Number:
			pg.Values.Text[e.id] = c.Number
		case s.Serial:
			pg.Values.Text[e.id] = c.Serial
		case s.Issued:
			pg.Values.Text[e.id] = p.catalog.LongDate(lang, c.Issued)
		case s.QR:
			if p.key == nil {
				return nil, errors.New("no signing key: the certificate's QR code cannot be sealed (give the runtime its key)")
			}
			text, err := p.key.Seal(pg.Seal)
			if err != nil {
				return nil, err
			}
			pg.Values.Text[e.id] = text
		}
	}
	if err := t.renderer.Check(pg.Values); err != nil {
		return nil, err
	}
	return pg, nil
}

// Render writes pages of one template as one PDF, in order.
func (t *Template) Render(w io.Writer, pages ...*Page) error {
	vs := make([]pdf.Values, len(pages))
	for i, pg := range pages {
		vs[i] = pg.Values
	}
	return t.renderer.RenderBatch(w, vs)
}

// format writes a value as a certificate prints it in a language.
func (p *Printer) format(v rules.Value, f *bundle.Field, lang string) string {
	switch v.Kind() {
	case rules.Bool:
		if v.IsTrue() {
			return p.catalog.Text(lang, "ui.form.yes")
		}
		return p.catalog.Text(lang, "ui.form.no")
	case rules.Number:
		n := strconv.FormatFloat(v.Number(), 'f', -1, 64)
		s := i18n.FormatNumber(lang, n) // "3,2" in French
		if f != nil && f.Unit != "" {
			s += " " + p.catalog.Text(lang, f.Unit, "n", n) // a unit may be a plural message of n
		}
		return s
	case rules.Date:
		return p.catalog.LongDate(lang, v.Date().String())
	case rules.String:
		return p.answer(v.Str(), f, lang)
	case rules.List:
		var parts []string
		for _, e := range v.List() {
			parts = append(parts, p.format(e, f, lang))
		}
		return strings.Join(parts, ", ")
	}
	return "" // unanswered, or a rule that failed on this record's answers: nothing printed
}

// answer writes a text answer: a place by its name, a choice by its label.
func (p *Printer) answer(s string, f *bundle.Field, lang string) string {
	if f == nil {
		return s
	}
	if f.Type == "location" {
		return p.placeName(f, s, lang)
	}
	for _, o := range f.Options {
		if o.Value == s {
			return p.catalog.Text(lang, o.Label)
		}
	}
	return s
}

// placeName is a place's name in a language with its parent area's ("Kombolcha, Central"), so
// that two places of one name are told apart; its code when the bundle does not know it.
func (p *Printer) placeName(f *bundle.Field, code, lang string) string {
	of := "area"
	if f != nil && f.Of == "office" {
		of = "office"
	}
	pl, ok := p.places[of+":"+code]
	if !ok {
		return code
	}
	name := pl.name(lang)
	if parent, ok := p.places["area:"+pl.parent]; ok {
		name += ", " + parent.name(lang)
	}
	return name
}

func (pl place) name(lang string) string {
	if n, ok := pl.names[lang]; ok {
		return n
	}
	return pl.names[""]
}

func fieldOf(ev *bundle.Event, id string) *bundle.Field {
	for i := range ev.Pages {
		for j := range ev.Pages[i].Fields {
			if ev.Pages[i].Fields[j].ID == id {
				return &ev.Pages[i].Fields[j]
			}
		}
	}
	return nil
}

// names splits an answered name field into given names and family name for the seal: the
// "family" part is the family name, the other parts in their order the given names (a name
// of first, father's and grandfather's names has no family name).
func names(f *bundle.Field, answer any) (given, family string) {
	parts, _ := answer.(map[string]any)
	if f == nil || parts == nil {
		return "", ""
	}
	var gs []string
	for _, part := range f.Parts {
		s, _ := parts[part].(string)
		switch {
		case s == "":
		case part == "family":
			family = s
		default:
			gs = append(gs, s)
		}
	}
	return strings.Join(gs, " "), family
}
