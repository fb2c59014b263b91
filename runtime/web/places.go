package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// A country has up to a hundred thousand areas and tens of thousands of offices: a form never
// carries the list. The browser asks /places for the first few that begin with what the
// registrar types; without JavaScript, the name typed is looked up when the form is sent.

// place is an area or an office, as the search finds it.
type place struct {
	code, of, level, typ string
	names                map[string]string // by language; "" for the name as written in the package
	parent               string            // an area
	keys                 []string          // the words of its names and its code, normalised
	validFrom, validTo   string            // an area's days (bundle.Area); "" for always
}

// placeKey is one word of a place's name, normalised (see store.NameKeys), for search.
type placeKey struct {
	key string
	p   *place
}

type placeIndex struct {
	byCode map[string]*place // "area:" or "office:" and the code
	keys   []placeKey        // sorted by key
	dated  bool              // some area begins or ends (places over time)
}

func (s *Server) placeIndex() *placeIndex { return s.placeIx }

// newPlaceIndex indexes the words of every place's names: for a national package (105,000
// areas, 20,000 offices), some 300,000 words sorted once when the server starts.
func newPlaceIndex(b *bundle.Bundle) *placeIndex {
	ix := &placeIndex{byCode: map[string]*place{}}
	add := func(p *place) {
		ix.byCode[p.of+":"+p.code] = p
		for _, n := range p.names {
			for _, k := range store.NameKeys(n) {
				if !slices.Contains(p.keys, k) {
					p.keys = append(p.keys, k)
				}
			}
		}
		if k := strings.ToLower(p.code); !slices.Contains(p.keys, k) {
			p.keys = append(p.keys, k)
		}
		for _, k := range p.keys {
			ix.keys = append(ix.keys, placeKey{k, p})
		}
	}
	for _, a := range b.Areas {
		names := map[string]string{"": a.Name}
		for l, n := range a.Names {
			names[l] = n
		}
		add(&place{code: a.Code, of: "area", level: a.Level, names: names, parent: a.Parent, validFrom: a.ValidFrom, validTo: a.ValidTo})
		ix.dated = ix.dated || a.ValidFrom != "" || a.ValidTo != ""
	}
	for _, o := range b.Offices {
		names := map[string]string{"": o.Name}
		for l, n := range o.Names {
			names[l] = n
		}
		add(&place{code: o.Code, of: "office", typ: o.Type, names: names, parent: o.Area})
	}
	sort.Slice(ix.keys, func(i, j int) bool { return ix.keys[i].key < ix.keys[j].key })
	return ix
}

func (p *place) name(lang string) string {
	if n, ok := p.names[lang]; ok {
		return n
	}
	return p.names[""]
}

// officeName is an office's name in the user's language, its name where it has none in it,
// or its code when the bundle has no such office.
func (s *Server) officeName(code, lang string) string {
	o, ok := s.Records.Model.Offices[code]
	if !ok {
		return code
	}
	if n := o.Names[lang]; n != "" {
		return n
	}
	return o.Name
}

// placeName is a place's name, with its area's for an office or its parent's for an area, so
// that two places of one name can be told apart.
func (s *Server) placeName(of, code, lang string) string {
	ix := s.placeIndex()
	p := ix.byCode[of+":"+code]
	if p == nil {
		return code
	}
	return s.placeWithin(p, lang, lang)
}

// placeWithin is a place's name in lang with its parent's, punctuated as textLang writes it
// ("Babro, Velmora" in English, "ባብሮ፣ ቬልሞራ" in Amharic); lang "" is the names as the
// package writes them.
func (s *Server) placeWithin(p *place, lang, textLang string) string {
	parent := s.placeIndex().byCode["area:"+p.parent]
	if parent == nil {
		return p.name(lang)
	}
	return s.Catalog.Text(textLang, "ui.place.within", "place", p.name(lang), "area", parent.name(lang))
}

// ownName is the place's own name in what a registrar typed: the part before the separator
// any of the country's languages writes between a place and its parent's name.
func (s *Server) ownName(typed string) string {
	own := typed
	for _, l := range s.Catalog.Languages() {
		sep := strings.TrimSpace(s.Catalog.Text(l, "ui.place.within", "place", "", "area", ""))
		if sep == "" {
			continue
		}
		if before, _, ok := strings.Cut(typed, sep); ok && len(before) < len(own) {
			own = before
		}
	}
	return own
}

// fits tells whether a place may answer a location field.
func fits(fl bundle.Field, p *place) bool {
	if p.of != fl.Of {
		return false
	}
	if fl.Of == "area" {
		return fl.Level == "" || p.level == fl.Level
	}
	return len(fl.Types) == 0 || slices.Contains(fl.Types, p.typ)
}

// find is the places a field may take whose names have words beginning with every word of q,
// at most limit of them: those of today.
func (s *Server) find(fl bundle.Field, q string, limit int) []*place {
	return s.findOn(fl, q, limit, "")
}

// findOn is find on a day (YYYY-MM-DD; "" today): the places that existed that day, for an
// event of that date (the records service refuses an area that did not exist on the
// event's date).
func (s *Server) findOn(fl bundle.Field, q string, limit int, day string) []*place {
	ix := s.placeIndex()
	words := store.NameKeys(q)
	if len(words) == 0 {
		return nil
	}
	// The places having a word that begins with the rarest of the words (found by two binary
	// searches each), checked for the others: "village p01" walks the few places of P01, not
	// the hundred thousand villages.
	var from, to int
	for i, w := range words {
		lo := sort.Search(len(ix.keys), func(i int) bool { return ix.keys[i].key >= w })
		hi := lo + sort.Search(len(ix.keys)-lo, func(i int) bool { return !strings.HasPrefix(ix.keys[lo+i].key, w) })
		if i == 0 || hi-lo < to-from {
			from, to = lo, hi
		}
	}
	// Only the places of the day: an area merged away is no one's answer for an event after
	// it ended (a record declared with it keeps its code, which is still read and shown).
	today := ""
	if ix.dated {
		today = day
		if _, ok := rules.ParseDate(day); !ok {
			today = s.Records.Today()
		}
	}
	var out []*place
	seen := map[*place]bool{}
	for i := from; i < to && len(out) < limit; i++ {
		p := ix.keys[i].p
		if seen[p] || !fits(fl, p) || !current(p, today) {
			continue
		}
		seen[p] = true
		if hasAll(p, words) {
			out = append(out, p)
		}
	}
	return out
}

// current tells a place that exists today ("" when no place of the package has dates).
func current(p *place, today string) bool {
	return today == "" || (p.validFrom == "" || p.validFrom <= today) && (p.validTo == "" || today <= p.validTo)
}

func hasAll(p *place, words []string) bool {
	for _, w := range words {
		if !slices.ContainsFunc(p.keys, func(k string) bool { return strings.HasPrefix(k, w) }) {
			return false
		}
	}
	return true
}

// resolvePlace reads what a registrar typed for a location without the browser's list: a
// code, a name, or a name with its parent's as the list writes it ("Terir, Velmora").
func (s *Server) resolvePlace(fl bundle.Field, typed, lang string) (code, problem string) {
	return s.resolvePlaceOn(fl, typed, lang, "")
}

// resolvePlaceOn is resolvePlace for an event on a day ("" today): see findOn.
func (s *Server) resolvePlaceOn(fl bundle.Field, typed, lang, day string) (code, problem string) {
	ix := s.placeIndex()
	if p := ix.byCode[fl.Of+":"+typed]; p != nil && fits(fl, p) {
		return p.code, ""
	}
	// Found by its own name (the part before a comma, when the parent's is written too), then
	// compared whole with each way the pages write it, in any of the country's languages.
	own := s.ownName(typed)
	want := strings.Join(store.NameKeys(typed), " ")
	var exact []*place
	for _, p := range s.findOn(fl, own, 200, day) {
		// Each language's way, with the default name for a language that has none of its own
		// (a village named only once, in a district named in French): as placeName writes it.
		for _, l := range append([]string{""}, s.Catalog.Languages()...) {
			n := p.name(l)
			full := s.placeWithin(p, l, cmp.Or(l, s.Catalog.Languages()[0]))
			if strings.Join(store.NameKeys(n), " ") == want || strings.Join(store.NameKeys(full), " ") == want {
				exact = append(exact, p)
				break
			}
		}
	}
	switch len(exact) {
	case 1:
		return exact[0].code, ""
	case 0:
		return "", s.Catalog.Text(lang, "ui.form.placeUnknown")
	}
	var names []string
	for _, p := range exact {
		names = append(names, s.placeName(fl.Of, p.code, lang))
	}
	return "", s.Catalog.Text(lang, "ui.form.placeAmbiguous", "places", s.Catalog.List(lang, "ui.list.places", names))
}

type placeAnswer struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// places answers the form's search box: GET /places?event=birth&field=child.birthPlace&q=ter,
// and &date=2025-03-17 when the form has the event's date (formConfig.DateField): the places
// of that day.
func (s *Server) places(rq *request) {
	v := rq.r.URL.Query()
	ev := s.Records.Model.Events[v.Get("event")]
	if ev == nil {
		http.Error(rq.w, "no such event", http.StatusNotFound)
		return
	}
	var field *bundle.Field
	for _, p := range ev.Pages {
		for i := range p.Fields {
			if p.Fields[i].ID == v.Get("field") && p.Fields[i].Type == "location" {
				field = &p.Fields[i]
			}
		}
	}
	if field == nil {
		http.Error(rq.w, "no such location field", http.StatusNotFound)
		return
	}
	out := []placeAnswer{}
	for _, p := range s.findOn(*field, v.Get("q"), 15, v.Get("date")) {
		out = append(out, placeAnswer{p.code, s.placeName(field.Of, p.code, rq.lang)})
	}
	b, _ := json.Marshal(out)
	rq.w.Header().Set("Content-Type", "application/json")
	rq.w.Header().Set("Cache-Control", "private, max-age=3600")
	writeCompressed(rq.w, rq.r, http.StatusOK, b)
}
