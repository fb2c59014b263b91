// Package duplicates finds the records that may be the same event as another, by the event's
// duplicate rules (bundle.Duplicates): it computes the keys a record is stored with, the keys
// that look up its candidates, and whether two records match by a rule. It never reads the
// store: runtime/records asks the store for the records holding the lookup keys (an index
// read, however large the register) and compares each with the record checked.
//
// Keys come from the rule's blocks, which the compiler worked out from the rule: a block is a
// conjunction of parts (a name's words, an answer, a date's window), and a record's keys for
// it are every combination of its parts' values, each hashed with the block's description.
// Two records that match by the rule share a key of some block, by construction for answers
// and dates, and as far as names.Keys holds for names (the great majority of typos and
// transliterations: see runtime/duplicates/names).
package duplicates

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/duplicates/names"
)

// Places tells the area of a level that a place is in: an area, or an office (by the area it
// is in). "" when the place is unknown or not within an area of that level.
type Places interface {
	AreaAt(place, level string) string
}

// Checker compares the records of one event by its rules. It is read-only, shared by every
// request.
type Checker struct {
	Event     string
	Rules     []bundle.DuplicateRule
	dateField string // the event's date: what an age counts back from
	places    Places
	blocks    [][]blockPart // every rule's blocks, each once
	fields    []string      // every field the rules read, sorted
}

type blockPart struct {
	bundle.KeyPart
	prefix string // the block's description, hashed into its keys
}

// New makes the checker of an event; nil when the event has no duplicate rules.
func New(ev *bundle.Event, places Places) *Checker {
	if ev.Duplicates == nil || len(ev.Duplicates.Rules) == 0 {
		return nil
	}
	c := &Checker{Event: ev.ID, Rules: ev.Duplicates.Rules, dateField: ev.DateField, places: places}
	c.fields = []string{ev.DateField}
	for _, r := range ev.Duplicates.Rules {
		c.fields = appendFields(c.fields, &r.Match)
	}
	slices.Sort(c.fields)
	c.fields = slices.Compact(c.fields)
	seen := map[string]bool{}
	for _, r := range ev.Duplicates.Rules {
		for _, b := range r.Blocks {
			desc, _ := json.Marshal(b)
			prefix := ev.ID + "\x00" + string(desc)
			if seen[prefix] {
				continue
			}
			seen[prefix] = true
			var parts []blockPart
			for _, p := range b {
				parts = append(parts, blockPart{KeyPart: p, prefix: prefix})
			}
			c.blocks = append(c.blocks, parts)
		}
	}
	return c
}

// appendFields adds the fields a matcher reads.
func appendFields(out []string, m *bundle.Match) []string {
	for i := range m.All {
		out = appendFields(out, &m.All[i])
	}
	for i := range m.Any {
		out = appendFields(out, &m.Any[i])
	}
	if m.Not != nil {
		out = appendFields(out, m.Not)
	}
	switch {
	case m.Name != nil:
		out = append(out, m.Name.Field)
	case m.Same != "":
		out = append(out, m.Same)
	case m.Differ != "":
		out = append(out, m.Differ)
	case m.DateWithin != nil:
		out = append(out, m.DateWithin.Field)
		if m.DateWithin.AgeField != "" {
			out = append(out, m.DateWithin.AgeField)
		}
	case m.SamePlace != nil:
		out = append(out, m.SamePlace.Field)
	}
	return out
}

// Decode reads from a record's stored data (a JSON object of answers) only the answers the
// rules read: a candidate is read for a handful of its answers, and decoding the others
// would cost most of its comparison.
func (c *Checker) Decode(raw []byte) (map[string]any, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	data := make(map[string]any, len(c.fields))
	for _, f := range c.fields {
		if v, ok := all[f]; ok {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return nil, err
			}
			data[f] = x
		}
	}
	return data, nil
}

// Record is a record's answers as the rules read them, parsed once for all its comparisons.
type Record struct {
	ID    string
	data  map[string]any
	names map[string]names.Name
}

// Prepare readies a record's data (as stored: field ids to answers) for Keys, Lookup and
// Match. id is its tracking ID ("" for a declaration not yet stored).
func Prepare(id string, data map[string]any) *Record {
	return &Record{ID: id, data: data, names: map[string]names.Name{}}
}

// name is the answer of a name or text field as a names.Name.
func (r *Record) name(field string) names.Name {
	if n, ok := r.names[field]; ok {
		return n
	}
	var parts []string
	switch v := r.data[field].(type) {
	case string:
		parts = []string{v}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if s, ok := v[k].(string); ok {
				parts = append(parts, s)
			}
		}
	}
	n := names.Parse(parts...)
	r.names[field] = n
	return n
}

// span is the days a date may be: one day for a date, a year's worth for an age.
type span struct{ lo, hi rules.Days }

const daysPerYear = 365.2425

// dateSpan is when a date field says the event was, or its age field counted back from the
// event's date; ok false when neither is answered.
func (c *Checker) dateSpan(r *Record, field, ageField string) (span, bool) {
	if s, ok := r.data[field].(string); ok {
		if d, ok := rules.ParseDate(s); ok {
			return span{d, d}, true
		}
	}
	if ageField == "" {
		return span{}, false
	}
	age, ok := r.data[ageField].(float64)
	ev, _ := r.data[c.dateField].(string)
	at, okDate := rules.ParseDate(ev)
	if !ok || !okDate || age < 0 || age > 200 || age != math.Trunc(age) {
		return span{}, false
	}
	// Aged A on the day of the event: born between A+1 years (less a day) and A years before.
	return span{at - rules.Days(math.Round((age+1)*daysPerYear)) + 1, at - rules.Days(math.Round(age*daysPerYear))}, true
}

// swapped is a date with its day and month exchanged, when that is another date.
func swapped(d rules.Days) (rules.Days, bool) {
	s := d.String()
	if t, ok := rules.ParseDate(s[:5] + s[8:10] + "-" + s[5:7]); ok && t != d {
		return t, true
	}
	return 0, false
}

// same is an answer as compared by same and differ: identity numbers and texts without case,
// accents, spaces and punctuation; "" when unanswered.
func same(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		var b strings.Builder
		for _, r := range norm.NFKD.String(v) {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(unicode.ToLower(r))
			}
		}
		return b.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, same(x))
		}
		slices.Sort(parts)
		return strings.Join(parts, "\x00")
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(v) {
			if s := same(v[k]); s != "" {
				parts = append(parts, k+"="+s)
			}
		}
		return strings.Join(parts, "\x00")
	}
	return fmt.Sprint(v)
}

// Match is the first rule (in the order of their ids) by which a and b may be the same
// event, and whether there is one.
func (c *Checker) Match(a, b *Record) (rule string, ok bool) {
	for _, r := range c.Rules {
		if c.match(&r.Match, a, b) {
			return r.ID, true
		}
	}
	return "", false
}

func (c *Checker) match(m *bundle.Match, a, b *Record) bool {
	switch {
	case m.All != nil:
		for i := range m.All {
			if !c.match(&m.All[i], a, b) {
				return false
			}
		}
		return true
	case m.Any != nil:
		for i := range m.Any {
			if c.match(&m.Any[i], a, b) {
				return true
			}
		}
		return false
	case m.Not != nil:
		return !c.match(m.Not, a, b)
	case m.Name != nil:
		na, nb := a.name(m.Name.Field), b.name(m.Name.Field)
		return !na.Empty() && !nb.Empty() && names.Similarity(na, nb) >= m.Name.Similarity
	case m.Same != "":
		sa := same(a.data[m.Same])
		return sa != "" && sa == same(b.data[m.Same])
	case m.Differ != "":
		sa, sb := same(a.data[m.Differ]), same(b.data[m.Differ])
		return sa != "" && sb != "" && sa != sb
	case m.DateWithin != nil:
		return c.dateWithin(m.DateWithin, a, b)
	case m.SamePlace != nil:
		pa, _ := a.data[m.SamePlace.Field].(string)
		pb, _ := b.data[m.SamePlace.Field].(string)
		if pa == "" || pb == "" || c.places == nil {
			return false
		}
		aa := c.places.AreaAt(pa, m.SamePlace.Level)
		return aa != "" && aa == c.places.AreaAt(pb, m.SamePlace.Level)
	}
	return false
}

// window is a date matcher's window in days: a year is 366 days, so that "within a year"
// holds across a leap day.
func window(d *bundle.DateMatch) rules.Days {
	return rules.Days(d.Days + 366*d.Years)
}

func (c *Checker) dateWithin(d *bundle.DateMatch, a, b *Record) bool {
	sa, okA := c.dateSpan(a, d.Field, d.AgeField)
	sb, okB := c.dateSpan(b, d.Field, d.AgeField)
	if !okA || !okB {
		return false
	}
	w := window(d)
	if near(sa, sb, w) {
		return true
	}
	if d.DayMonthSwapped && sa.lo == sa.hi {
		if t, ok := swapped(sa.lo); ok && near(span{t, t}, sb, w) {
			return true
		}
	}
	return false
}

// near tells whether two spans of days come within w days of each other.
func near(a, b span, w rules.Days) bool {
	return a.lo-w <= b.hi && b.lo-w <= a.hi
}

// Keys are the keys a record is stored with: for each block, every combination of its
// parts' values. A record that lacks a part's answer has no key for that block (no record
// can match it by the block's rule).
func (c *Checker) Keys(r *Record) []string {
	return c.keys(r, false)
}

// Lookup are the keys that find a record's candidates: as Keys, with each date part's values
// widened to every bucket its window reaches (and the buckets of its day and month
// swapped, where the rule tolerates that).
func (c *Checker) Lookup(r *Record) []string {
	return c.keys(r, true)
}

func (c *Checker) keys(r *Record, lookup bool) []string {
	var out []string
	for _, block := range c.blocks {
		combos := []string{block[0].prefix}
		for _, p := range block {
			values := c.partValues(r, p.KeyPart, lookup)
			var next []string
			for _, combo := range combos {
				for _, v := range values {
					next = append(next, combo+"\x00"+p.Field+"="+v)
				}
			}
			combos = next
		}
		for _, combo := range combos {
			out = append(out, hashKey(combo))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hashKey is a block's combination of values as a short key: 96 bits of its sha256, which
// two combinations of a register share by chance with a probability of about 2^-96 each.
func hashKey(combo string) string {
	sum := sha256.Sum256([]byte(combo))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// partValues are the values of one part of a block: the name's keys, the answer, or the date
// buckets.
func (c *Checker) partValues(r *Record, p bundle.KeyPart, lookup bool) []string {
	switch p.Kind {
	case "name":
		return r.name(p.Field).Keys()
	case "same":
		if s := same(r.data[p.Field]); s != "" {
			return []string{s}
		}
		return nil
	case "date":
		s, ok := c.dateSpan(r, p.Field, p.AgeField)
		if !ok {
			return nil
		}
		spans := []span{s}
		if lookup {
			w := rules.Days(p.Days)
			spans[0] = span{s.lo - w, s.hi + w}
			if p.DayMonthSwapped && s.lo == s.hi {
				if t, ok := swapped(s.lo); ok {
					spans = append(spans, span{t - w, t + w})
				}
			}
		}
		// Buckets of 2*Days+1 days: a window of Days either way reaches at most two of them.
		width := int64(2*p.Days + 1)
		var out []string
		for _, s := range spans {
			for b := floorDiv(int64(s.lo), width); b <= floorDiv(int64(s.hi), width); b++ {
				out = append(out, strconv.FormatInt(b, 10))
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Links are keys a record holds besides its rules' keys, which say what was decided about it
// and are kept across every update: readable, as the store finds them by value.
const (
	// DuplicateOf + an ID: the record was marked a duplicate of that record (which finds its
	// duplicates by it).
	DuplicateOf = "duplicate-of:"
	// Distinct + an ID: the two records were reviewed and are not the same event; neither is
	// raised as the other's possible duplicate again.
	Distinct = "distinct:"
)

// IsLink tells a link key from a rule's key.
func IsLink(key string) bool {
	return strings.HasPrefix(key, DuplicateOf) || strings.HasPrefix(key, Distinct)
}

// Links are a record's link keys.
func Links(keys []string) []string {
	var out []string
	for _, k := range keys {
		if IsLink(k) {
			out = append(out, k)
		}
	}
	return out
}
