package compiler

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/diag"
)

// Diagnostic codes of an event's duplicate rules (besides the references and field types,
// reported with the codes of any other reference).
const (
	CodeDuplicateRules = "duplicate-rules" // the duplicates block: its flag, actions and rules
	CodeMatcher        = "matcher"         // a matcher's shape: its kind, its options, its window
	CodeUnindexed      = "unindexed-rule"  // a rule no key narrows: it would read the whole register
	CodeTooManyBlocks  = "too-many-blocks" // a rule whose candidates take too many searches to find
)

const (
	// DefaultSimilarity is the similarity of two names a name matcher asks for when the
	// package does not say: runtime/duplicates/names.DefaultSimilarity, the threshold its
	// comparison was tuned for (held equal by runtime/duplicates' TestDefaultSimilarity;
	// the compiler does not import the runtime).
	DefaultSimilarity = 0.85
	// maxBlocks is the most blocks a rule may have: each is one more search of the keys'
	// index when a record is checked.
	maxBlocks = 16
	// maxBlockParts is the most matchers of an all whose keys are combined in a block: each
	// multiplies the keys a record carries, and a block of more parts finds fewer
	// candidates (nerovia's same-child, with the mother's date of birth as a fourth: 2.3
	// candidates a check among 100,000 births rather than 11.4).
	maxBlockParts = 4
)

// matcherKinds are the keys of a matcher struct of which it has exactly one, in the order
// they are reported; matcherOptions says which kind each of the other keys goes with.
var (
	matcherKinds   = []string{"all", "any", "not", "name", "same", "differ", "dateWithin", "samePlace"}
	matcherOptions = []struct{ key, kind string }{{"similarity", "name"}, {"days", "dateWithin"}, {"years", "dateWithin"},
		{"ageField", "dateWithin"}, {"dayMonthSwapped", "dateWithin"}, {"level", "samePlace"}}
)

// duplicates checks an event's duplicate rules: the flag and the actions they name, the
// shape of each rule's matchers and the fields they read, and that each rule can find its
// candidates through keys. What it compiles goes into the bundle.
func (c *checker) duplicates(id string, ev event, byID map[string]fieldAt) {
	d := ev.Duplicates
	if d == nil {
		return
	}
	at := func(path ...any) diag.Pos { return c.pos(append([]any{"events", id, "duplicates"}, path...)...) }
	wf := ev.Workflow
	actions := slices.Sorted(maps.Keys(wf.Actions))
	out := &bundle.Duplicates{Flag: d.Flag, On: d.On, Confirm: d.Confirm, Dismiss: d.Dismiss}

	_, flagOK := ev.Flags[d.Flag]
	if !flagOK {
		hint := hintFor(d.Flag, slices.Sorted(maps.Keys(ev.Flags)))
		if hint == "" {
			hint = "declare it in events." + id + ".flags"
		}
		c.l.Errorf(at("flag"), CodeUnknownRef, hint, "duplicates: flag %s is not a flag of event %s", d.Flag, id)
	}

	var creating []string
	for _, a := range actions {
		if len(wf.Actions[a].From) == 0 {
			creating = append(creating, a)
		}
	}
	seen := map[string]bool{}
	known, compares := true, false
	for i, a := range d.On {
		if seen[a] {
			c.l.Errorf(at("on", i), CodeDuplicate, "", "duplicates: action %s is listed twice in on", a)
		}
		seen[a] = true
		if _, ok := wf.Actions[a]; !ok {
			c.l.Errorf(at("on", i), CodeUnknownRef, hintFor(a, actions), "duplicates: event %s has no action %s", id, a)
			known = false
			continue
		}
		compares = compares || slices.Contains(creating, a)
	}
	if known && !compares && len(creating) > 0 {
		c.l.Warnf(at("on"), CodeDuplicateRules, "add "+strings.Join(creating, " and ")+" to on",
			"duplicates: no action of on creates a record: a new %s record is not compared with the register until %s", id, orList(d.On))
	}

	for _, key := range []string{"confirm", "dismiss"} {
		name := d.Confirm
		if key == "dismiss" {
			name = d.Dismiss
		}
		a, ok := wf.Actions[name]
		switch {
		case !ok:
			c.l.Errorf(at(key), CodeUnknownRef, hintFor(name, actions), "duplicates: event %s has no action %s", id, name)
		case len(a.From) == 0:
			c.l.Errorf(at(key), CodeDuplicateRules, "name an action taken on the flagged record (from: the statuses it can be in)",
				"duplicates: %s action %s creates a record; it must act on the record that was flagged", key, name)
		case key == "dismiss" && flagOK && !slices.Contains(a.RemoveFlags, d.Flag):
			c.l.Errorf(at(key), CodeDuplicateRules, fmt.Sprintf("add removeFlags: [%q] to action %s", d.Flag, name),
				"duplicates: dismiss action %s leaves flag %s on the record it says is no duplicate", name, d.Flag)
		}
	}
	if d.Confirm == d.Dismiss {
		c.l.Errorf(at("dismiss"), CodeDuplicateRules, "", "duplicates: confirm and dismiss are both action %s: saying a record is a duplicate and saying it is none must be two actions", d.Dismiss)
	}

	if len(d.Rules) == 0 {
		c.l.Errorf(at("rules"), CodeDuplicateRules, "give a rule, or remove duplicates", "duplicates: event %s has no duplicate rules", id)
	}
	types := make(map[string]string, len(byID))
	for f, fa := range byID {
		types[f] = fa.Type
	}
	for _, rid := range slices.Sorted(maps.Keys(d.Rules)) {
		r := d.Rules[rid]
		mc := &matchChecker{c: c, event: id, rule: rid, byID: byID}
		m := mc.check(r.matcher, []any{"events", id, "duplicates", "rules", rid})
		if mc.failed {
			continue
		}
		blocks, tooMany := planBlocks(m, types)
		switch {
		case tooMany:
			c.l.Errorf(at("rules", rid), CodeTooManyBlocks, "put the any in an all with a matcher that narrows the candidates (a name, a date window or an identity number)",
				"rule %s needs more than %d searches of the register to find its candidates", rid, maxBlocks)
			continue
		case len(blocks) == 0:
			c.l.Errorf(at("rules", rid), CodeUnindexed, "add a matcher that narrows the candidates (a name, a date window or an identity number)",
				"rule %s compares each record with the whole register", rid)
			continue
		}
		out.Rules = append(out.Rules, bundle.DuplicateRule{ID: rid, Label: or(r.Label, id+".duplicates."+rid), Match: m, Blocks: blocks})
	}
	c.dups[id] = out
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// matchChecker checks the matchers of one rule and compiles them.
type matchChecker struct {
	c      *checker
	event  string
	rule   string
	byID   map[string]fieldAt
	failed bool
}

func (mc *matchChecker) errorf(path []any, key string, code, hint, format string, args ...any) {
	mc.failed = true
	if key != "" {
		path = append(slices.Clip(path), key)
	}
	mc.c.l.Errorf(mc.c.pos(path...), code, hint, "rule %s: %s", mc.rule, fmt.Sprintf(format, args...))
}

// check checks the matcher at path and returns it compiled.
func (mc *matchChecker) check(m matcher, path []any) bundle.Match {
	given := map[string]bool{"all": m.All != nil, "any": m.Any != nil, "not": m.Not != nil, "name": m.Name != "", "same": m.Same != "",
		"differ": m.Differ != "", "dateWithin": m.DateWithin != "", "samePlace": m.SamePlace != "",
		"similarity": m.Similarity != nil, "days": m.Days != nil, "years": m.Years != nil, "ageField": m.AgeField != "",
		"dayMonthSwapped": m.DayMonthSwapped != nil, "level": m.Level != ""}
	var kinds []string
	for _, k := range matcherKinds {
		if given[k] {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		mc.errorf(path, "", CodeMatcher, "give it one of "+orList(matcherKinds), "this matcher compares nothing")
		return bundle.Match{}
	case 1:
	default:
		mc.errorf(path, kinds[1], CodeMatcher, "put each in a matcher of its own, in an all: [...] or an any: [...]",
			"a matcher compares one way, and this one has both %s and %s", kinds[0], kinds[1])
		return bundle.Match{}
	}
	kind := kinds[0]
	for _, o := range matcherOptions {
		if given[o.key] && o.kind != kind {
			mc.errorf(path, o.key, CodeMatcher, "", "%s goes with %s, not with %s", o.key, o.kind, kind)
		}
	}

	var out bundle.Match
	switch kind {
	case "all", "any":
		list := m.All
		if kind == "any" {
			list = m.Any
		}
		if len(list) == 0 {
			mc.errorf(path, kind, CodeMatcher, "give it at least one matcher, or remove it", "%s is empty", kind)
		}
		sub := make([]bundle.Match, len(list))
		for i, child := range list {
			sub[i] = mc.check(child, append(slices.Clip(path), kind, i))
		}
		if kind == "all" {
			out.All = sub
		} else {
			out.Any = sub
		}
	case "not":
		sub := mc.check(*m.Not, append(slices.Clip(path), "not"))
		out.Not = &sub
	case "name":
		mc.field(path, "name", m.Name, "a name or text field", "name", "text")
		sim := DefaultSimilarity
		if m.Similarity != nil {
			sim = *m.Similarity
			if sim <= 0 || sim > 1 {
				mc.errorf(path, "similarity", CodeMatcher, "1 is the same name, spelling aside; 0.85 when not given",
					"similarity %v is not above 0 and at most 1", sim)
			}
		}
		out.Name = &bundle.NameMatch{Field: m.Name, Similarity: sim}
	case "same", "differ":
		ref := m.Same
		if kind == "differ" {
			ref = m.Differ
		}
		mc.field(path, kind, ref, "a field that holds an answer (not a heading, paragraph or document)",
			"text", "longtext", "number", "date", "select", "radio", "checkboxes", "yesno", "name", "address", "location", "phone", "email", "idnumber")
		if kind == "same" {
			out.Same = ref
		} else {
			out.Differ = ref
		}
	case "dateWithin":
		mc.field(path, "dateWithin", m.DateWithin, "a date field", "date")
		dm := &bundle.DateMatch{Field: m.DateWithin, AgeField: m.AgeField, DayMonthSwapped: m.DayMonthSwapped != nil && *m.DayMonthSwapped}
		switch {
		case m.Days == nil && m.Years == nil:
			mc.errorf(path, "dateWithin", CodeMatcher, "give days: N or years: N", "dateWithin %s has no window", m.DateWithin)
		case m.Days != nil && m.Years != nil:
			mc.errorf(path, "years", CodeMatcher, "keep one of the two", "dateWithin %s has both days and years", m.DateWithin)
		}
		for _, w := range []struct {
			key string
			n   *int
			to  *int
		}{{"days", m.Days, &dm.Days}, {"years", m.Years, &dm.Years}} {
			if w.n == nil {
				continue
			}
			if *w.n < 1 {
				hint := ""
				if *w.n == 0 {
					hint = fmt.Sprintf("for the same date, write same: %q", m.DateWithin)
				}
				mc.errorf(path, w.key, CodeMatcher, hint, "%s must be 1 or more, not %d", w.key, *w.n)
			}
			*w.to = *w.n
		}
		if m.AgeField != "" {
			mc.field(path, "ageField", m.AgeField, "a number field", "number")
		}
		out.DateWithin = dm
	case "samePlace":
		f, ok := mc.field(path, "samePlace", m.SamePlace, "a location field", "location")
		levels := mc.c.pkg.Places.Areas.Levels
		switch {
		case m.Level == "":
			mc.errorf(path, "samePlace", CodeMatcher, "give level: one of "+orList(levels), "samePlace %s has no level: the area both places must be in", m.SamePlace)
		case !slices.Contains(levels, m.Level):
			mc.errorf(path, "level", CodeUnknownRef, hintFor(m.Level, levels),
				"level %s is not one of places.areas.levels (%s)", m.Level, strings.Join(levels, ", "))
		case ok && f.Of != "office" && f.Level != "" && slices.Index(levels, m.Level) > slices.Index(levels, f.Level):
			mc.errorf(path, "level", CodeMatcher, "give "+orList(levels[:slices.Index(levels, f.Level)+1]),
				"level %s is below the level of field %s (%s): its places are not in one %s", m.Level, m.SamePlace, f.Level, m.Level)
		}
		out.SamePlace = &bundle.PlaceMatch{Field: m.SamePlace, Level: m.Level}
	}
	return out
}

// field checks that a matcher's field is one of the event's, of one of the types given.
func (mc *matchChecker) field(path []any, key, ref, want string, types ...string) (fieldAt, bool) {
	f, ok := mc.byID[ref]
	if !ok {
		var fit []string
		for id, f := range mc.byID {
			if slices.Contains(types, f.Type) {
				fit = append(fit, id)
			}
		}
		slices.Sort(fit)
		mc.errorf(path, key, CodeUnknownRef, hintFor(ref, fit), "%s %s is not a field of event %s", key, ref, mc.event)
		return f, false
	}
	if !slices.Contains(types, f.Type) {
		mc.errorf(path, key, CodeWrongFieldType, "", "%s needs %s; %s is a %s field", key, want, ref, f.Type)
		return f, false
	}
	return f, true
}

// planBlocks works out how the candidates of a duplicate rule are found without reading the
// register: its blocks, each a list of key parts. The runtime keeps with each record its keys
// for every part (the words of a name, an answer, the buckets of a date); a record is a
// candidate when, for some block, it shares a key with the record checked on every part.
// So a block must be a necessary condition of the matcher: two records it holds for share
// the keys of at least one of its blocks.
//
//   - A name, a dateWithin (its part's Days is the window in days, 366 a year) and a same on
//     a field that is not a choice: one block of one part.
//   - not, differ, samePlace, and same on a choice (select, radio, yesno, checkboxes: too
//     few values to narrow): no block. A not holds where an answer is missing, which no key
//     can find.
//   - any: the union of its matchers' blocks, and none if one of them has none.
//   - all: a same on an identity number, text, phone or email field alone, the first one
//     written; otherwise the product of the blocks of up to maxBlockParts of its matchers,
//     names first, then dates, the smallest window first, then the others as written. A
//     matcher whose blocks would take the product past maxBlocks is passed over.
//
// It returns nil when the matcher has no block, and tooMany when an any has more than
// maxBlocks. types gives the type of each field of the form.
func planBlocks(m bundle.Match, types map[string]string) (blocks [][]bundle.KeyPart, tooMany bool) {
	one := func(p bundle.KeyPart) [][]bundle.KeyPart { return [][]bundle.KeyPart{{p}} }
	switch {
	case m.Name != nil:
		return one(bundle.KeyPart{Kind: "name", Field: m.Name.Field}), false
	case m.DateWithin != nil:
		d := m.DateWithin
		return one(bundle.KeyPart{Kind: "date", Field: d.Field, Days: windowDays(d), AgeField: d.AgeField, DayMonthSwapped: d.DayMonthSwapped}), false
	case m.Same != "" && !choiceTypes[types[m.Same]]:
		return one(bundle.KeyPart{Kind: "same", Field: m.Same}), false
	case m.Any != nil:
		var out [][]bundle.KeyPart
		for _, sub := range m.Any {
			b, many := planBlocks(sub, types)
			if many {
				return nil, true
			}
			if b == nil {
				return nil, false
			}
			for _, block := range b {
				if !slices.ContainsFunc(out, func(o []bundle.KeyPart) bool { return slices.Equal(o, block) }) {
					out = append(out, block)
				}
			}
		}
		if len(out) > maxBlocks {
			return nil, true
		}
		return out, false
	case m.All != nil:
		for _, sub := range m.All {
			if sub.Same != "" && identityTypes[types[sub.Same]] {
				return one(bundle.KeyPart{Kind: "same", Field: sub.Same}), false
			}
		}
		type choice struct {
			blocks     [][]bundle.KeyPart
			rank, days int
		}
		var choices []choice
		many := false
		for _, sub := range m.All {
			b, subMany := planBlocks(sub, types)
			many = many || subMany
			if b == nil {
				continue
			}
			ch := choice{blocks: b, rank: 2}
			switch {
			case sub.Name != nil:
				ch.rank = 0
			case sub.DateWithin != nil:
				ch.rank, ch.days = 1, windowDays(sub.DateWithin)
			}
			choices = append(choices, ch)
		}
		slices.SortStableFunc(choices, func(a, b choice) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.days, b.days)) })
		out := [][]bundle.KeyPart{nil}
		used := 0
		for _, ch := range choices {
			if used == maxBlockParts {
				break
			}
			if len(out)*len(ch.blocks) > maxBlocks {
				continue
			}
			var next [][]bundle.KeyPart
			for _, prefix := range out {
				for _, block := range ch.blocks {
					joined := slices.Clone(prefix)
					for _, p := range block {
						if !slices.Contains(joined, p) {
							joined = append(joined, p)
						}
					}
					next = append(next, joined)
				}
			}
			out = next
			used++
		}
		if used == 0 {
			return nil, many
		}
		return out, false
	}
	return nil, false
}

// windowDays is a date matcher's window in days, a year counted as 366.
func windowDays(d *bundle.DateMatch) int {
	if d.Years > 0 {
		return 366 * d.Years
	}
	return d.Days
}

var (
	// choiceTypes are the fields whose answers are too few to narrow a search.
	choiceTypes = map[string]bool{"select": true, "radio": true, "yesno": true, "checkboxes": true}
	// identityTypes are the fields whose same answer, alone, narrows the candidates to a few.
	identityTypes = map[string]bool{"idnumber": true, "text": true, "phone": true, "email": true}
)
