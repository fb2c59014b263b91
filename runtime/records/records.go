package records

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/crvsctl/crvsctl/certificates"
	"github.com/crvsctl/crvsctl/rules"
	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// Kind says what went wrong, for the HTTP layer to choose a status.
type Kind int

const (
	BadRequest  Kind = iota // malformed: 400
	Forbidden               // the role does not grant it: 403
	NotFound                // no such record, or not within the user's jurisdiction: 404
	Conflict                // the record changed since it was read, or the action is not allowed now: 409
	Invalid                 // the declaration breaks the form's rules: 422
	TooLarge                // a document over store.MaxDocumentSize: 413
	Unsupported             // a document of a type not accepted: 415
	Unavailable             // a system outside the action waits on did not answer (a hook): 503
	BadGateway              // a system outside answered what the action cannot take: 502
)

// Detail is one problem, at a path of the request (such as /data/child.dob).
type Detail struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Key is the translation key of the problem, for pages that show it in the user's
	// language: a rule's message of the package (Message is then its text in the country's
	// default language), or one of crvsctl's (ui.problem.*, ui.form.requiredAnswer...), whose
	// placeholders Args fills ({"max": "7"}). Message stays English for API clients.
	Key  string            `json:"key,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

// Error is a refusal, with every problem found.
type Error struct {
	Kind    Kind
	Details []Detail
}

func (e *Error) Error() string {
	var parts []string
	for _, d := range e.Details {
		parts = append(parts, strings.TrimSpace(d.Path+" "+d.Message))
	}
	return strings.Join(parts, "; ")
}

func refuse(k Kind, path, code, format string, args ...any) *Error {
	return &Error{Kind: k, Details: []Detail{{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}}}
}

// Service is the workflow over a store.
type Service struct {
	Model *Model
	Store store.Store
	Now   func() time.Time
	// Printer prints the bundle's certificates; nil: actions that print are refused.
	Printer *certificates.Printer
	// Versions are the older bundles the store keeps, to read records declared under them
	// with their own forms (its Current is Model and Printer); nil: every record is read with
	// Model.
	Versions *Versions
	// Outbox makes the messages an action owes the outside world (webhooks, notifications:
	// see runtime/outbox), given the record as stored by it and its history entry; the store
	// enqueues them in the action's own write (store.WithOutbox). nil: none.
	Outbox func(r *store.Record, e *store.Entry) []store.OutboxMessage
	// Systems are the systems outside that the package's action hooks call, by name (crvsctl
	// serve --hook): an action whose hook's system is not here is refused.
	Systems map[string]*hooks.System
	// CallbackURL is where the system named posts its result after answering 202; nil: calls
	// carry no callback address.
	CallbackURL func(system string) string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// today is the date in the country's time zone.
func (s *Service) today(now time.Time) rules.Days {
	d, _ := rules.ParseDate(now.In(s.Model.Loc).Format(time.DateOnly))
	return d
}

// Declaration is what a client sends to declare an event.
type Declaration struct {
	Event          string
	Action         string // the creating action; "" for the event's only one
	Data           json.RawMessage
	IdempotencyKey string
	Comment        string
}

// trackingAlphabet has no letters that read as digits (I, L, O, U), as Crockford's base 32.
const trackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newTrackingID is 10 characters of crypto/rand: 50 bits, so that guessing one is hopeless and
// two never meet in practice (the store's unique index settles the rest).
func newTrackingID() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = trackingAlphabet[b[i]&31]
	}
	return string(b)
}

// Declare validates a declaration and stores it as a new record. A second declaration with an
// idempotency key the user already used returns the first record, and created false.
func (s *Service) Declare(ctx context.Context, actor *Actor, d Declaration) (rec *store.Record, created bool, err error) {
	ev, ok := s.Model.Events[d.Event]
	if !ok {
		return nil, false, refuse(NotFound, "/event", "unknown-event", "no event %q", d.Event)
	}
	// A key used before is found when the record is stored (the store's unique index refuses
	// it): looking first would cost every declaration a read for the rare one sent twice. A
	// declaration refused is looked for too: sent again after the rules changed their mind (a
	// new day), it is still the record stored the first time.
	hash := requestHash(d)
	if d.Comment, err = cleanComment(d.Comment); err != nil {
		return nil, false, err
	}
	now := s.now()
	rctx := &rules.Context{Today: s.today(now), Role: actor.User.Role, Office: actor.Office.Code, Area: actor.Office.Area}
	data, verr := s.validate(ev, d.Data)
	if verr != nil {
		if first, err := s.sentBefore(ctx, actor, d, hash); first != nil || err != nil {
			return first, false, err
		}
		return nil, false, s.withRules(ev, verr, data, nil, rctx)
	}

	if a, named := ev.Actions[d.Action]; d.Action != "" && (!named || !a.Creating()) {
		// Not "your role may not declare": the role may well, with another action.
		return nil, false, refuse(NotFound, "/action", "unknown-action", "event %s has no action %q that creates a record", ev.ID, d.Action)
	}
	// The creating actions the role may take: the one named, or all of them.
	var tried []string
	for _, id := range slices.Sorted(maps.Keys(ev.Actions)) {
		if ev.Actions[id].Creating() && (d.Action == "" || id == d.Action) && actor.Role.Grants(ev.ID, id) {
			tried = append(tried, id)
		}
	}
	if len(tried) == 0 {
		return nil, false, refuse(Forbidden, "/action", "forbidden", "role %s may not declare %s records", actor.User.Role, ev.ID)
	}
	// The form's rules before the actions' conditions: a declaration without the answers a
	// condition reads (a birth without its date) is told what is missing, not that no action
	// applies; and a condition sees hidden fields unanswered, as every rule does.
	if err := s.evaluate(ev, data, nil, rctx); err != nil {
		if first, err := s.sentBefore(ctx, actor, d, hash); first != nil || err != nil {
			return first, false, err
		}
		// A late birth declared by a hospital lacks the reason for lateness too; the clerk is
		// told first that it is not hers to declare.
		err.Details = append(s.Unmet(actor, ev.ID, data), err.Details...)
		return nil, false, err
	}
	// The creating action: the first whose condition holds.
	var act *Action
	for _, id := range tried {
		if a := ev.Actions[id]; a.Holds(data, rctx) {
			act = a
			break
		}
	}
	if act == nil {
		// Each action tried says why it may not be taken, in the package's words where it has
		// them: a late birth declared by a hospital is told where late births are declared.
		refused := &Error{Kind: Conflict}
		for _, id := range tried {
			d := s.unmet(ev.Actions[id], data, rctx, "declaration")
			if !slices.ContainsFunc(refused.Details, func(x Detail) bool { return x.Key == d.Key }) {
				refused.Details = append(refused.Details, d)
			}
		}
		return nil, false, refused
	}
	// Last, as it reads the store: the documents attached are the user's to attach.
	if err := s.checkDocuments(ctx, actor, ev, data, nil); err != nil {
		if first, err := s.sentBefore(ctx, actor, d, hash); first != nil || err != nil {
			return first, false, err
		}
		return nil, false, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, false, err
	}
	r := &store.Record{
		ID: newTrackingID(), Event: ev.ID, Bundle: s.Model.Bundle.Hash, Status: act.To,
		Flags: sortedSet(nil, act.AddFlags, nil), Data: raw,
		Office: actor.Office.Code, Areas: s.Model.AreasOf(actor.Office.Area), Documents: documentsOf(ev, data),
		Version: 1, Created: now, Updated: now, CreatedBy: actor.User.Username, IdempotencyKey: d.IdempotencyKey,
	}
	if d.IdempotencyKey != "" {
		r.RequestHash = hash
	}
	s.describe(ev, r, data, rctx)
	s.reindex(r, data)
	r.History = []store.Entry{{Version: 1, Action: act.ID, User: actor.User.Username, Role: actor.User.Role, Office: actor.Office.Code,
		At: now, Status: r.Status, AddFlags: act.AddFlags, Comment: d.Comment}}
	found, blocked, err := s.checkDuplicates(ctx, ev, s.current(), act, r, &r.History[0], data, rctx)
	if err != nil {
		return nil, false, err
	}
	if blocked {
		// Nothing is stored: the package does not let a declaration that may be a duplicate
		// be made (unless it is this user's, sent again).
		if first, err := s.sentBefore(ctx, actor, d, hash); first != nil || err != nil {
			return first, false, err
		}
		return nil, false, s.duplicateFound(actor, ev, act.ID, found)
	}
	r.History[0].AddFlags = slices.Clone(r.Flags)
	// The entry of the declaration lists no changes: version 1 is the data as declared, and
	// each later entry lists what it changed.
	ctx = s.auditedBy(ctx, actor, &r.History[0])
	for range 3 { // a tracking ID already taken: draw another
		err = s.Store.CreateRecord(ctx, r)
		if !errors.Is(err, store.ErrDuplicate) {
			break
		}
		if first, err := s.sentBefore(ctx, actor, d, hash); first != nil || err != nil {
			return first, false, err // the same declaration, sent twice
		}
		r.ID = newTrackingID()
	}
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// sentBefore is the record declared earlier with d's idempotency key, if any. The key with
// another declaration is refused: a client that reuses keys would otherwise be told a
// declaration is stored when another one is.
func (s *Service) sentBefore(ctx context.Context, actor *Actor, d Declaration, hash string) (*store.Record, error) {
	if d.IdempotencyKey == "" {
		return nil, nil
	}
	first, err := s.Store.RecordByIdempotencyKey(ctx, actor.User.Username, d.IdempotencyKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case first.RequestHash != hash:
		return nil, refuse(Conflict, "/idempotencyKey", "key-reused",
			"Idempotency-Key %q was sent before with another declaration (record %s): use a new key for a new declaration", d.IdempotencyKey, first.ID)
	}
	return first, nil
}

// requestHash identifies what a declaration asks for, whatever its JSON's spacing, key order
// or number spelling.
func requestHash(d Declaration) string {
	var data any
	if json.Unmarshal(d.Data, &data) != nil {
		data = string(d.Data)
	}
	b, _ := json.Marshal([]any{d.Event, d.Action, data, d.Comment})
	return fmt.Sprintf("sha256:%x", sha256.Sum256(b))
}

// validate checks a declaration's shape against the event's JSON Schema and decodes it.
func (s *Service) validate(ev *Event, raw json.RawMessage) (map[string]any, *Error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(`{}`)
	}
	if err := CheckJSONText(raw); err != nil {
		return nil, refuse(BadRequest, "/data", "malformed", "the declaration is not JSON text: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, refuse(BadRequest, "/data", "malformed", "the declaration is not JSON: %v", err)
	}
	if err := ev.Schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, refuse(Invalid, "/data", "invalid", "%v", err)
		}
		out := &Error{Kind: Invalid}
		unreadable := map[string]bool{} // fields whose answers the rules cannot read
		for _, leaf := range leaves(ve) {
			path := "/data"
			for _, p := range leaf.InstanceLocation {
				path += "/" + pointerEscape.Replace(p)
			}
			field := ""
			if len(leaf.InstanceLocation) > 0 {
				field = leaf.InstanceLocation[0]
			}
			// A field that is not in the form is named in the path, one detail each, as every
			// other problem is; not "/data/", a pointer to a field with an empty name.
			if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok {
				for _, p := range ap.Properties {
					out.Details = append(out.Details, Detail{Path: path + "/" + pointerEscape.Replace(p), Code: "schema", Message: "not a field of the form", Key: "ui.problem.unknownField"})
				}
				unreadable[field] = true
				continue
			}
			if rq, ok := leaf.ErrorKind.(*kind.Required); ok {
				for _, p := range rq.Missing {
					out.Details = append(out.Details, Detail{Path: path + "/" + pointerEscape.Replace(p), Code: "schema", Message: leaf.ErrorKind.LocalizedString(printer), Key: "ui.form.requiredAnswer"})
				}
				unreadable[field] = true
				continue
			}
			key, args, readable := schemaProblem(ev.checks[field], leaf.ErrorKind)
			if !readable {
				unreadable[field] = true
			}
			out.Details = append(out.Details, Detail{Path: path, Code: "schema", Message: leaf.ErrorKind.LocalizedString(printer), Key: key, Args: args})
		}
		// The answers the schema refused but the rules can read (a number over the field's
		// maximum, a text too long) are kept for them, so that the package's own message (a
		// validation's) is found, and every other problem of the declaration with it; those
		// of the wrong kind are not.
		var data map[string]any
		if json.Unmarshal(raw, &data) != nil || data == nil {
			return nil, out
		}
		for id := range unreadable {
			delete(data, id)
		}
		for id := range data {
			if _, known := ev.Schema.Properties[id]; !known {
				delete(data, id)
			}
		}
		cleanTexts(ev, data)
		return data, out
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, refuse(BadRequest, "/data", "malformed", "the declaration is not a JSON object")
	}
	cleanTexts(ev, data)
	return data, nil
}

// schemaProblem is the message key (ui.problem.*) and its arguments of a refusal of the JSON
// Schema, for pages that show it in the user's language; readable tells an answer of the
// right JSON type (a number out of bounds, a text too long), which the rules can still read.
func schemaProblem(c fieldCheck, k jsonschema.ErrorKind) (key string, args map[string]string, readable bool) {
	num := func(r interface{ FloatString(int) string }) string {
		return strings.TrimSuffix(strings.TrimRight(r.FloatString(6), "0"), ".")
	}
	switch k := k.(type) {
	case *kind.Minimum:
		return "ui.problem.minimum", map[string]string{"min": num(k.Want)}, true
	case *kind.Maximum:
		return "ui.problem.maximum", map[string]string{"max": num(k.Want)}, true
	case *kind.ExclusiveMinimum:
		return "ui.problem.exclusiveMinimum", map[string]string{"min": num(k.Want)}, true
	case *kind.ExclusiveMaximum:
		return "ui.problem.exclusiveMaximum", map[string]string{"max": num(k.Want)}, true
	case *kind.MinLength:
		return "ui.problem.minLength", map[string]string{"min": strconv.Itoa(k.Want)}, true
	case *kind.MaxLength:
		return "ui.problem.maxLength", map[string]string{"max": strconv.Itoa(k.Want)}, true
	case *kind.Pattern:
		if c.date {
			return "ui.problem.date", nil, false
		}
		return "ui.problem.pattern", nil, true
	case *kind.Format:
		if k.Want == "date" {
			return "ui.problem.date", nil, false
		}
		return "ui.problem.pattern", nil, false
	case *kind.Enum, *kind.Const:
		return "ui.problem.option", nil, false
	case *kind.MinItems:
		return "ui.problem.minItems", map[string]string{"min": strconv.Itoa(k.Want)}, false
	case *kind.MaxItems:
		return "ui.problem.maxItems", map[string]string{"max": strconv.Itoa(k.Want)}, false
	case *kind.UniqueItems:
		return "ui.problem.option", nil, false
	case *kind.MultipleOf:
		return "ui.problem.multipleOf", map[string]string{"step": num(k.Want)}, false
	case *kind.Type:
		switch {
		case slices.Contains(k.Want, "integer") && k.Got == "number":
			return "ui.problem.integer", nil, false
		case slices.Contains(k.Want, "integer") || slices.Contains(k.Want, "number"):
			return "ui.form.notNumber", nil, false
		case slices.Contains(k.Want, "boolean"):
			return "ui.problem.yesno", nil, false
		}
		return "ui.problem.type", nil, false
	}
	return "ui.problem.invalid", nil, false
}

// withRules adds to a refusal of the schema the problems the form's rules find in the answers
// it could read (data, as validate returned it), so that a declaration is told every problem at
// once. A field's problem told in the package's words (a validation's message) replaces the
// schema's; a field whose answer the schema refused is not also "required".
func (s *Service) withRules(ev *Event, verr *Error, data, old map[string]any, rctx *rules.Context) *Error {
	if data == nil || verr.Kind != Invalid {
		return verr
	}
	rerr := s.evaluate(ev, data, old, rctx)
	if rerr == nil {
		return verr
	}
	fieldOf := func(path string) string {
		id, _ := strings.CutPrefix(path, "/data/")
		id, _, _ = strings.Cut(id, "/")
		return id
	}
	refused, told := map[string]bool{}, map[string]bool{}
	for _, d := range verr.Details {
		refused[fieldOf(d.Path)] = true
	}
	for _, d := range rerr.Details {
		if d.Code == "rule" {
			told[fieldOf(d.Path)] = true
		}
	}
	out := &Error{Kind: Invalid}
	for _, d := range verr.Details {
		if !told[fieldOf(d.Path)] {
			out.Details = append(out.Details, d)
		}
	}
	for _, d := range rerr.Details {
		if !refused[fieldOf(d.Path)] || d.Code == "rule" {
			out.Details = append(out.Details, d)
		}
	}
	return out
}

// cleanTexts stores each text answer as rules.CleanText cleans it (Unicode NFC, the white
// space around dropped...). A text it refuses is left as sent: the form's rules report it
// (rules.ErrCharacters), unless its field is hidden and the answer dropped.
func cleanTexts(ev *Event, data map[string]any) {
	for id, kind := range ev.texts {
		switch v := data[id].(type) {
		case string:
			if clean, _, ok := rules.CleanText(v, kind); ok {
				data[id] = clean
			}
		case map[string]any:
			for part, pv := range v {
				if s, isStr := pv.(string); isStr {
					if clean, _, ok := rules.CleanText(s, kind); ok {
						v[part] = clean
					}
				}
			}
		}
	}
}

// cleanComment is a comment as it is stored: text of several lines, as rules.CleanText cleans
// it, or refused.
func cleanComment(c string) (string, error) {
	clean, bad, ok := rules.CleanText(c, rules.TextLines)
	if !ok {
		return "", refuse(Invalid, "/comment", "characters", "the comment holds %s, which no text holds: type it again without it", rules.DescribeRefused(bad))
	}
	return clean, nil
}

// refusedIn is the first character rules.CleanText refuses in a text answer (a string, or the
// parts of a name or address, in the order of their names).
func refusedIn(v any, kind string) rune {
	switch v := v.(type) {
	case string:
		_, bad, _ := rules.CleanText(v, kind)
		return bad
	case map[string]any:
		for _, part := range slices.Sorted(maps.Keys(v)) {
			if s, ok := v[part].(string); ok {
				if _, bad, ok := rules.CleanText(s, kind); !ok {
					return bad
				}
			}
		}
	}
	return 0
}

// pointerEscape writes a name into a JSON Pointer (RFC 6901).
var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// leaves are the errors at the bottom of a validation error's tree: the ones that say what is wrong.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// evaluate applies the form's rules to a declaration: hidden fields lose their answers,
// calculated fields get their values, and every required field left unanswered, every
// validation that fails, every answer changed from old (nil for a new declaration) in a
// field disabled for the user, and every answer that is not what its field's type asks (a
// day of the calendar, an identity number's pattern, a location of the bundle) is an error.
func (s *Service) evaluate(ev *Event, data, old map[string]any, rctx *rules.Context) *Error {
	var res rules.FormResult
	ev.Form.Evaluate(data, rctx, &res)
	out := &Error{Kind: Invalid}
	for i, st := range res.Fields {
		id := ev.Rules.Fields[i].ID
		switch {
		case !st.Shown:
			delete(data, id)
			continue
		case ev.Rules.Fields[i].Calc != nil:
			if v := st.Value.Encode(); v != nil {
				data[id] = v
			} else {
				delete(data, id)
			}
		case !st.Enabled && !bytes.Equal(marshal(answer(data[id])), marshal(answer(old[id]))):
			// The form shows such a field read-only: a request that changes it anyway (the
			// registrar's notes, in a clerk's declaration) is refused, not stored.
			out.Details = append(out.Details, Detail{Path: "/data/" + id, Code: "disabled",
				Message: fmt.Sprintf("role %s may not change this field", rctx.Role), Key: "ui.problem.disabled"})
			continue
		}
		if slices.Contains(st.Errors, rules.ErrCharacters) {
			// Not the answer to check: the answer as it cannot be stored.
			out.Details = append(out.Details, Detail{Path: "/data/" + id, Code: "characters",
				Message: "holds " + rules.DescribeRefused(refusedIn(data[id], ev.texts[id])) + ", which no answer holds: type it again without it", Key: "ui.form.characters"})
			continue
		}
		if msg, key := s.Model.checkAnswer(ev.checks, id, data[id]); msg != "" {
			out.Details = append(out.Details, Detail{Path: "/data/" + id, Code: "invalid-value", Message: msg, Key: key})
			continue
		}
		for _, msg := range st.Errors {
			d := Detail{Path: "/data/" + id, Code: "rule", Message: s.Model.text(msg), Key: msg}
			if msg == rules.ErrRequired {
				d = Detail{Path: "/data/" + id, Code: "required", Message: "an answer is required", Key: "ui.form.requiredAnswer"}
			}
			out.Details = append(out.Details, d)
		}
	}
	out.Details = append(out.Details, s.placesInTime(ev, data, old, rctx)...)
	if len(out.Details) > 0 {
		return out
	}
	return nil
}

// checkAnswer says what is wrong with an answer its field's type refuses, in English and as a
// message key (ui.problem.*), or "". The JSON Schema only knows these answers as strings; the
// browser's lists offer only valid ones, but an API client can send anything.
func (m *Model) checkAnswer(checks map[string]fieldCheck, id string, v any) (msg, key string) {
	c, found := checks[id]
	str, isStr := v.(string)
	if !found || !isStr || str == "" {
		return "", ""
	}
	switch {
	case c.date:
		if _, ok := rules.ParseDate(str); !ok {
			return str + " is not a day of the calendar", "ui.problem.date"
		}
	case c.pattern != nil && !c.pattern.MatchString(str):
		return "does not match the pattern " + c.pattern.String(), "ui.problem.pattern"
	case c.of == "area":
		if lv, found := m.level[str]; !found || (c.level != "" && lv != c.level) {
			return fmt.Sprintf("%s is not an area of level %s", str, c.level), "ui.problem.place"
		}
	case c.of == "office":
		if o, found := m.Offices[str]; !found || (len(c.types) > 0 && !slices.Contains(c.types, o.Type)) {
			return fmt.Sprintf("%s is not an office of type %s", str, strings.Join(c.types, " or ")), "ui.problem.place"
		}
	}
	return "", ""
}

// text is a translation key in the country's default language, or the key itself.
// unmet is the problem of an action whose condition does not hold for a declaration or a
// record (what): the package's message for the part that failed, else crvsctl's.
func (s *Service) unmet(act *Action, data map[string]any, rctx *rules.Context, what string) Detail {
	if key := act.Unmet(data, rctx); key != "" {
		return Detail{Path: "/action", Code: "not-allowed", Message: s.Model.text(key), Key: key}
	}
	return Detail{Path: "/action", Code: "not-allowed", Key: "ui.problem.condition",
		Message: fmt.Sprintf("the condition of action %s does not hold for this %s", act.ID, what)}
}

func (m *Model) text(key string) string {
	if t, ok := m.Bundle.Translations[m.Bundle.Country.DefaultLanguage][key]; ok {
		return t
	}
	return key
}

// describe fills what the store indexes: the title, the name words and the date of the event.
func (s *Service) describe(ev *Event, r *store.Record, data map[string]any, rctx *rules.Context) {
	r.Title = ""
	if ev.Title != nil {
		if v := ev.Title.Eval(data, rctx); v.Kind() == rules.String {
			r.Title = v.Str()
		}
	}
	var names []string
	for _, f := range ev.nameField {
		if parts, ok := data[f].(map[string]any); ok {
			for _, k := range slices.Sorted(maps.Keys(parts)) {
				if s, ok := parts[k].(string); ok {
					names = append(names, s)
				}
			}
		}
	}
	r.Names = store.NameKeys(names...)
	r.EventDate, _ = data[ev.DateField].(string)
}

// changes lists the fields whose values differ, in field order.
func changes(old, new map[string]any) []store.Change {
	var out []store.Change
	keys := slices.Sorted(maps.Keys(old))
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, n := marshal(old[k]), marshal(new[k])
		if !bytes.Equal(o, n) {
			out = append(out, store.Change{Field: k, Old: o, New: n})
		}
	}
	return out
}

// answer is a value as the rules read it: "" is no answer, as null is.
func answer(v any) any {
	if v == "" {
		return nil
	}
	return v
}

func marshal(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// sortedSet is flags with add added and remove removed, sorted.
func sortedSet(flags, add, remove []string) []string {
	out := []string{}
	for _, f := range append(slices.Clone(flags), add...) {
		if !slices.Contains(remove, f) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// Get reads a record the actor may read, with its history.
func (s *Service) Get(ctx context.Context, actor *Actor, id string) (*store.Record, error) {
	r, err := s.Store.Record(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(NotFound, "/id", "not-found", "no record %s", id)
	}
	if err != nil {
		return nil, err
	}
	// Outside the jurisdiction, a record does not exist: its tracking ID says nothing.
	if !actor.Role.Reads(r.Event) || !actor.InJurisdiction(r.Office, r.Areas) {
		return nil, refuse(NotFound, "/id", "not-found", "no record %s", id)
	}
	return r, nil
}

// ActionRequest is an action on a record, at the version the user saw.
type ActionRequest struct {
	Action  string
	Version int64
	Data    json.RawMessage // changed field values, for actions that edit
	Comment string
	// DuplicateOf is the record this one is a duplicate of, for the event's confirm action
	// (one of its possible duplicates).
	DuplicateOf string
	// resuming: the action is taken as it was asked before its hook's system answered 202
	// (HookResult): the record's wait does not refuse it, its assignment is not asked for
	// again, and the hook is not called again.
	resuming bool
}

// Act takes an action on a record. An action that prints is taken with Print.
func (s *Service) Act(ctx context.Context, actor *Actor, id string, req ActionRequest) (*store.Record, error) {
	p, err := s.prepare(ctx, actor, id, req, nil)
	if err != nil {
		return nil, err
	}
	if h := hookOf(p.ev, p.entry.Action); h != nil {
		waiting, err := s.callHook(ctx, actor, p, h, req)
		if err != nil || waiting != nil {
			return waiting, err
		}
	}
	rec, err := s.commit(ctx, actor, p)
	if err == nil {
		s.releaseIfDone(ctx, actor, rec, req.Action)
	}
	return rec, err
}

// prepared is an action decided and not yet stored: the record as it was, as the action leaves
// it, and the history entry. commit stores it, if the record is still at the version it was
// read at.
type prepared struct {
	old   *store.Record
	next  store.Record
	entry store.Entry
	ev    *Event
	ver   *Version // the version the record is at once the action is taken
	now   time.Time
	data  map[string]any // next's data, decoded
	rctx  *rules.Context
}

// prepare decides an action: every check, and the record and history entry it leads to, with
// nothing stored. before, when not nil, is called with the record as it was, as the action
// leaves it, and the history entry: it may complete the entry (a print's details) or refuse.
func (s *Service) prepare(ctx context.Context, actor *Actor, id string, req ActionRequest, before func(old, next *store.Record, entry *store.Entry) error) (*prepared, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if w, ok := s.WaitingOn(ctx, r); ok && !req.resuming {
		return nil, waitingRefusal(w)
	}
	ev, ver, err := s.EventOf(ctx, r)
	if err != nil {
		return nil, err
	}
	// An action that edits the declaration of a record of an older version moves it to the
	// current one first, when it can (see move.go): the edit is made on the current form.
	var moved *Moved
	var movedData map[string]any
	if a := ev.Actions[req.Action]; a != nil && a.Edits != "" && ver.Model != s.Model {
		if cur := s.Model.Events[r.Event]; cur != nil && cur.Actions[req.Action] != nil {
			d, m, err := s.move(ctx, r, ver, s.RuleContext(actor, r))
			var stays *Error
			switch {
			case errors.As(err, &stays): // it stays on its version, which its page says
			case err != nil:
				return nil, err
			default:
				ev, ver, moved, movedData = cur, s.current(), m, d
			}
		}
	}
	act, ok := ev.Actions[req.Action]
	if !ok || act.Creating() {
		return nil, refuse(NotFound, "/action", "unknown-action", "event %s has no action %q on records", r.Event, req.Action)
	}
	if !actor.Role.Grants(r.Event, act.ID) {
		return nil, refuse(Forbidden, "/action", "forbidden", "role %s may not %s %s records", actor.User.Role, act.ID, r.Event)
	}
	if req.Version != r.Version {
		return nil, refuse(Conflict, "/version", "stale", "the record is at version %d, not %d: read it again", r.Version, req.Version)
	}
	if !slices.Contains(act.From, r.Status) {
		return nil, refuse(Conflict, "/action", "not-allowed", "action %s is not allowed on a %s record", act.ID, r.Status)
	}
	now := s.now()
	rctx := &rules.Context{Today: s.today(now), Status: r.Status, Flags: r.Flags, Role: actor.User.Role, Office: actor.Office.Code, Area: actor.Office.Area}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		return nil, fmt.Errorf("record %s: stored data: %w", r.ID, err)
	}
	if moved != nil {
		data = movedData
	}
	if !act.Holds(data, rctx) {
		return nil, &Error{Kind: Conflict, Details: []Detail{s.unmet(act, data, rctx, "record")}}
	}
	if req.resuming {
		// Taken as asked before the hook's system answered 202, by a user who held the
		// record then.
	} else if err := s.checkAssigned(ctx, actor, r, act.ID, now); err != nil {
		return nil, err
	}
	if act.Prints != (before != nil) {
		if act.Prints {
			return nil, refuse(BadRequest, "/action", "prints", "action %s prints a certificate: ask for its PDF (Print)", act.ID)
		}
		return nil, refuse(BadRequest, "/action", "does-not-print", "action %s prints no certificate", act.ID)
	}
	if req.Comment, err = cleanComment(req.Comment); err != nil {
		return nil, err
	}
	if act.CommentRequired && strings.TrimSpace(req.Comment) == "" {
		return nil, refuse(BadRequest, "/comment", "required", "action %s needs a comment saying why", act.ID)
	}
	entry := store.Entry{Version: r.Version + 1, Action: act.ID, User: actor.User.Username, Role: actor.User.Role,
		Office: actor.Office.Code, At: now, Comment: req.Comment}
	next := *r
	next.History = nil
	next.Version++
	next.Updated = now
	if moved != nil {
		s.moved(&next, &entry, ev, data, moved, rctx)
	}

	// The declaration's new values: sent with the action, or proposed earlier.
	var raised []string // flags the new values call for
	current := data     // the data as the action leaves it
	edit, err := s.edits(r, act, req.Data)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		merged := maps.Clone(data)
		maps.Copy(merged, edit)
		for k, v := range edit {
			if v == nil {
				delete(merged, k)
			}
		}
		raw, _ := json.Marshal(merged)
		checked, verr := s.validate(ev, raw)
		if verr != nil {
			return nil, s.withRules(ev, verr, checked, data, rctx)
		}
		if err := s.evaluate(ev, checked, data, rctx); err != nil {
			return nil, err
		}
		if err := s.checkDocuments(ctx, actor, ev, checked, r.Documents); err != nil {
			return nil, err
		}
		entry.Changes = changes(data, checked)
		if act.Edits == "proposal" && len(entry.Changes) == 0 {
			// A proposal of nothing would raise its flag all the same (a pending correction,
			// which stops certificates) for a decision with nothing to decide.
			return nil, refuse(BadRequest, "/data", "no-edits", "the values sent are the record's: action %s proposes changes", act.ID)
		}
		if act.Edits != "proposal" {
			next.Data, _ = json.Marshal(checked)
			s.describe(ev, &next, checked, rctx)
			current = checked // its keys and cells are made in commit
			raised = raisedBy(ev, data, checked, rctx)
		}
		next.Documents = withDocuments(r.Documents, ev, checked)
	}
	if act.To != "" && act.To != r.Status {
		next.Status, entry.Status = act.To, act.To
	}
	next.Flags = sortedSet(sortedSet(r.Flags, act.AddFlags, act.RemoveFlags), raised, nil)
	if ev.reviews(act.ID) {
		if err := s.review(actor, ev, act, r, &next, &entry, req.DuplicateOf); err != nil {
			return nil, err
		}
	} else if req.DuplicateOf != "" {
		return nil, refuse(BadRequest, "/duplicateOf", "not-allowed", "action %s decides nothing about duplicates: send no duplicateOf", act.ID)
	}
	found, blocked, err := s.checkDuplicates(ctx, ev, ver, act, &next, &entry, current, rctx)
	if err != nil {
		return nil, err
	}
	if blocked {
		// The flag stops the action: it is not taken, and the record keeps the flag and
		// what was found, for a reviewer.
		if err := s.flagFound(ctx, actor, ev, r, found, now); err != nil {
			return nil, err
		}
		return nil, s.duplicateFound(actor, ev, act.ID, found)
	}
	entry.AddFlags = added(r.Flags, next.Flags)
	entry.DelFlags = added(next.Flags, r.Flags)

	if before != nil {
		if err := before(r, &next, &entry); err != nil {
			return nil, err
		}
	}
	return &prepared{old: r, next: next, entry: entry, ev: ev, ver: ver, now: now, data: current, rctx: rctx}, nil
}

// commit stores an action prepared: ErrConflict's refusal when the record changed since.
func (s *Service) commit(ctx context.Context, actor *Actor, p *prepared) (*store.Record, error) {
	ctx = s.auditedBy(ctx, actor, &p.entry)
	next := p.next
	// Registration numbers are one sequence whatever version a record is at: the current
	// version's numbering gives them (crvsctl serve refuses one that could repeat a number).
	num := p.ev
	if cur := s.Model.Events[p.ev.ID]; cur != nil {
		num = cur
	}
	numbering := p.entry.Action == num.Numbering.Action && p.old.Number == ""
	if numbering {
		next.Registered = p.now
	}
	// The statistics move with the record, in the same write: a correction of the sex or
	// the date moves the count, a record leaving the counted statuses leaves it. Its keys
	// are made again too, by the version served, whichever version made them.
	inCurrent, err := s.inCurrentTerms(ctx, p.ev.ID, p.ver, p.data)
	if err != nil {
		return nil, err
	}
	s.reindex(&next, inCurrent)
	if numbering {
		return s.register(ctx, actor, num, &next, p.entry, p.now)
	}
	if err := s.Store.UpdateRecord(ctx, &next, p.entry); err != nil {
		return nil, s.storeError(err)
	}
	next.History = append(slices.Clip(p.old.History), p.entry)
	return &next, nil
}

// raisedBy is the flags an edit from old to new data raises: those of each creating action
// whose condition the new data meets and the old did not. A flag a declaration would have
// been given is given to a record edited into the same state, so that an edit cannot take a
// record around the checks the flag calls for (a birth made late by a corrected date of
// birth, registered by an office that may only register births on time). A flag an action
// removed since is not raised again by an edit that leaves its condition as it was.
func raisedBy(ev *Event, old, new map[string]any, rctx *rules.Context) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(ev.Actions)) {
		a := ev.Actions[id]
		if a.Creating() && a.Cond != nil && len(a.AddFlags) > 0 &&
			a.Cond.Eval(new, rctx).IsTrue() && !a.Cond.Eval(old, rctx).IsTrue() {
			out = append(out, a.AddFlags...)
		}
	}
	return out
}

// added is what is in b and not in a.
func added(a, b []string) []string {
	var out []string
	for _, f := range b {
		if !slices.Contains(a, f) {
			out = append(out, f)
		}
	}
	return out
}

// edits is the changed values an action brings: sent with it (edits data or proposal), or
// the last proposal of the action it applies (checked against the record as it is now).
func (s *Service) edits(r *store.Record, act *Action, sent json.RawMessage) (map[string]any, error) {
	hasData := len(bytes.TrimSpace(sent)) > 0 && !bytes.Equal(bytes.TrimSpace(sent), []byte("null"))
	if act.Edits == "" && hasData {
		return nil, refuse(BadRequest, "/data", "no-edits", "action %s does not change the declaration: send no data", act.ID)
	}
	if act.Edits != "" {
		if !hasData {
			if act.Edits == "proposal" {
				return nil, refuse(BadRequest, "/data", "no-edits", "action %s proposes changes: send the changed values", act.ID)
			}
			return nil, nil
		}
		var edit map[string]any
		if err := json.Unmarshal(sent, &edit); err != nil || edit == nil {
			return nil, refuse(BadRequest, "/data", "malformed", "data must be a JSON object of changed field values")
		}
		return edit, nil
	}
	if act.Applies == "" {
		return nil, nil
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		e := r.History[i]
		if e.Action != act.Applies {
			continue
		}
		var current map[string]any
		json.Unmarshal(r.Data, &current)
		edit := map[string]any{}
		for _, c := range e.Changes {
			if !bytes.Equal(marshal(current[c.Field]), c.Old) {
				return nil, refuse(Conflict, "/data/"+c.Field, "stale", "field %s changed since the proposal of version %d", c.Field, e.Version)
			}
			var v any
			if c.New != nil {
				json.Unmarshal(c.New, &v)
			}
			edit[c.Field] = v
		}
		return edit, nil
	}
	return nil, refuse(Conflict, "/action", "not-allowed", "no %s to apply", act.Applies)
}

// register gives the record its registration number, drawn by the store only once the record
// is known to be at the version read (Store.NumberRecord): a second click, or any request that
// loses the race for the record, costs no number. A number already taken (a sequence reset by
// hand, two formats that meet) is never reused: the store passes over it to the next one.
func (s *Service) register(ctx context.Context, actor *Actor, ev *Event, next *store.Record, entry store.Entry, now time.Time) (*store.Record, error) {
	year := strconv.Itoa(now.In(s.Model.Loc).Year())
	counter := "number/" + ev.ID
	switch ev.Numbering.Scope {
	case "office":
		counter += "/" + actor.Office.Code
	case "year":
		counter += "/" + year
	case "office-year":
		counter += "/" + actor.Office.Code + "/" + year
	}
	err := s.Store.NumberRecord(ctx, next, entry, counter, func(seq int64) string {
		return formatNumber(ev.Numbering.Format, ev.ID, year, actor.Office.Code, actor.Office.Area, seq)
	})
	if err != nil {
		return nil, s.storeError(err)
	}
	return s.Store.Record(ctx, next.ID)
}

var numberPart = regexp.MustCompile(`\{(event|year|office|area|seq)(?::([0-9]+))?\}`)

// formatNumber writes a registration number from the package's format.
func formatNumber(format, event, year, office, area string, seq int64) string {
	return numberPart.ReplaceAllStringFunc(format, func(m string) string {
		p := numberPart.FindStringSubmatch(m)
		switch p[1] {
		case "event":
			return event
		case "year":
			return year
		case "office":
			return office
		case "area":
			return area
		}
		width, _ := strconv.Atoi(p[2])
		return fmt.Sprintf("%0*d", width, seq)
	})
}

func (s *Service) storeError(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return refuse(Conflict, "/version", "stale", "the record was changed by someone else: read it again")
	}
	return err
}

// Available is the actions the actor may take on a record now: granted to their role, allowed
// in the record's status and under their conditions, in the event's order. What the pages
// offer; Act decides again when one is taken.
func (s *Service) Available(ctx context.Context, actor *Actor, r *store.Record) []*Action {
	ev, _, err := s.EventOf(ctx, r)
	if err != nil || !actor.InJurisdiction(r.Office, r.Areas) {
		return nil
	}
	if _, waits := s.WaitingOn(ctx, r); waits {
		return nil // until its hook's system answers
	}
	var data map[string]any
	if json.Unmarshal(r.Data, &data) != nil {
		return nil
	}
	rctx := &rules.Context{Today: s.today(s.now()), Status: r.Status, Flags: r.Flags, Role: actor.User.Role, Office: actor.Office.Code, Area: actor.Office.Area}
	var out []*Action
	for _, ba := range ev.Event.Actions {
		a := ev.Actions[ba.ID]
		if a.Creating() || !actor.Role.Grants(r.Event, a.ID) || !slices.Contains(a.From, r.Status) {
			continue
		}
		if a.Cond != nil && !a.Cond.Eval(data, rctx).IsTrue() {
			continue
		}
		out = append(out, a)
	}
	return out
}

// CanDeclare tells whether the actor's role may create records of an event (by some action).
func (s *Service) CanDeclare(actor *Actor, event string) bool {
	ev := s.Model.Events[event]
	if ev == nil {
		return false
	}
	for id, a := range ev.Actions {
		if a.Creating() && actor.Role.Grants(event, id) {
			return true
		}
	}
	return false
}

// RuleContext is what the rules read besides a declaration: today in the country, the user,
// and the record's status and flags (r nil: a declaration not yet made).
func (s *Service) RuleContext(actor *Actor, r *store.Record) *rules.Context {
	c := &rules.Context{Today: s.today(s.now()), Role: actor.User.Role, Office: actor.Office.Code, Area: actor.Office.Area}
	if r != nil {
		c.Status, c.Flags = r.Status, r.Flags
	}
	return c
}

// Problems are the problems the service would find in a new declaration's answers, by its
// schema, the form's rules and the conditions of the actions that create a record (Unmet),
// without storing anything: for a form that has problems of its
// own (a number it could not read) to show every other one with them. Nil when none.
func (s *Service) Problems(actor *Actor, event string, raw json.RawMessage) *Error {
	ev, ok := s.Model.Events[event]
	if !ok {
		return refuse(NotFound, "/event", "unknown-event", "no event %q", event)
	}
	rctx := s.RuleContext(actor, nil)
	data, verr := s.validate(ev, raw)
	var err *Error
	if verr != nil {
		err = s.withRules(ev, verr, data, nil, rctx)
	} else {
		err = s.evaluate(ev, data, nil, rctx)
	}
	if unmet := s.Unmet(actor, event, data); len(unmet) > 0 {
		if err == nil {
			err = &Error{Kind: Conflict}
		}
		err.Details = append(unmet, err.Details...)
	}
	return err
}

// Unmet is why the actor may not create a record of the event from these answers: the problem of
// each creating action the role grants (see unmet) when the condition of every one is false.
// Nothing while one holds, or may still hold once more is answered: a birth without its date
// is not yet a late one.
func (s *Service) Unmet(actor *Actor, event string, data map[string]any) []Detail {
	ev, ok := s.Model.Events[event]
	if !ok {
		return nil
	}
	rctx := s.RuleContext(actor, nil)
	var out []Detail
	for _, ba := range ev.Event.Actions {
		a := ev.Actions[ba.ID]
		if !a.Creating() || !actor.Role.Grants(event, a.ID) {
			continue
		}
		if a.Cond == nil || !a.Cond.Eval(data, rctx).IsFalse() {
			return nil
		}
		if d := s.unmet(a, data, rctx, "declaration"); !slices.ContainsFunc(out, func(x Detail) bool { return x.Key == d.Key }) {
			out = append(out, d)
		}
	}
	return out
}

// Today is the date in the country now, YYYY-MM-DD.
func (s *Service) Today() string { return s.now().In(s.Model.Loc).Format(time.DateOnly) }
