package records

// Action hooks: an action of the package that calls a system outside before it completes (see
// runtime/hooks for the protocol and schema/package.cue, #Hook). The call is made once the
// action is decided (every check passed) and before it is stored, so that what the system
// answers decides whether it is stored:
//
//   - 200: the answers it gives (fields the hook stores, checked as a user's would be) are
//     stored with the action, in the action's one write;
//   - a 4xx: the action is refused with the system's reason; nothing is stored;
//   - 202: the record is stored with the hook's waiting flag and an entry saying so (what the
//     user asked, to take it again), and no action is taken on it until the system posts its
//     result (HookResult): the action is then taken as the user asked it, with the system's
//     answers, or the flag goes with the system's reason;
//   - no answer, a failure, an answer that does not fit: the action is refused as not done,
//     and nothing is stored: the user may try again.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// The history entries of a hook that answered 202, by the system: the record waits for its
// result, the system refused the action, or the action could no longer be taken when the
// system answered.
const (
	HookWaitingAction = "hook.waiting"
	HookRefusedAction = "hook.refused"
	HookFailedAction  = "hook.failed"
)

// HookDetails are the details of an entry a hook made: the action's, when the system
// answered, or one of the Hook*Action entries.
type HookDetails struct {
	Hook *HookDetail `json:"hook"`
}

// HookDetail is what a hook's call was and what came of it.
type HookDetail struct {
	System string   `json:"system"`
	Key    string   `json:"key"`
	Action string   `json:"action"`
	Stored []string `json:"stored,omitempty"` // the fields the system's answer filled
	Reason string   `json:"reason,omitempty"` // of a refusal or a failure
	// What the user asked, to take the action again when the system answers after a 202.
	Comment     string          `json:"comment,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	DuplicateOf string          `json:"duplicateOf,omitempty"`
}

// HookWait is a record waiting for a hook's system.
type HookWait struct {
	HookDetail
	User  string    // who took the action
	Since time.Time // when the system answered 202
}

// hookOf is the hook of an action of ev, nil for none.
func hookOf(ev *Event, action string) *bundle.Hook {
	h, ok := ev.Hooks[action]
	if !ok {
		return nil
	}
	return &h
}

// WaitingOn tells whether r waits for a hook's system, and for which action since when: it
// holds the hook's waiting flag and its last hook entry is the one that put it there.
func (s *Service) WaitingOn(ctx context.Context, r *store.Record) (*HookWait, bool) {
	ev, _, err := s.EventOf(ctx, r)
	if err != nil || len(ev.Hooks) == 0 {
		return nil, false
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		e := r.History[i]
		d := HookDetailOf(e)
		if d == nil {
			continue
		}
		if e.Action != HookWaitingAction {
			return nil, false
		}
		h := hookOf(ev, d.Action)
		if h == nil || h.Waiting == "" || !slices.Contains(r.Flags, h.Waiting) {
			return nil, false
		}
		return &HookWait{HookDetail: *d, User: e.User, Since: e.At}, true
	}
	return nil, false
}

// HookDetailOf is the hook detail of an entry; nil when it has none.
func HookDetailOf(e store.Entry) *HookDetail {
	if len(e.Details) == 0 {
		return nil
	}
	var d HookDetails
	if json.Unmarshal(e.Details, &d) != nil {
		return nil
	}
	return d.Hook
}

// waitingRefusal is the refusal of an action on a record that waits for a system.
func waitingRefusal(w *HookWait) *Error {
	return &Error{Kind: Conflict, Details: []Detail{{Path: "/action", Code: "waiting", Key: "ui.problem.hookWaiting",
		Args:    map[string]string{"system": w.System, "action": w.Action},
		Message: fmt.Sprintf("the record waits for %s's answer to %s since %s: no action can be taken on it until then", w.System, w.Action, w.Since.UTC().Format(time.RFC3339))}}}
}

// callHook calls the system of the action's hook about the action prepared. On 200 it adds
// the system's answers to p and returns nil, nil: the caller commits p. On 202 it stores the
// record waiting and returns it. Otherwise it returns the refusal: nothing is stored.
func (s *Service) callHook(ctx context.Context, actor *Actor, p *prepared, h *bundle.Hook, req ActionRequest) (*store.Record, error) {
	sys := s.Systems[h.System]
	if sys == nil {
		return nil, hookProblem(Unavailable, "system-unavailable", "ui.problem.hookFailed", h.System,
			"system %s is not configured on this server (crvsctl serve --hook %s=URL,SECRET)", h.System, h.System)
	}
	r := p.old
	data := p.data
	if len(h.Sends) > 0 {
		data = map[string]any{}
		for _, f := range h.Sends {
			if v, ok := p.data[f]; ok {
				data[f] = v
			}
		}
	}
	act := p.ev.Actions[req.Action]
	call := &hooks.Call{Type: "action." + act.ID, Key: hooks.Key(r.ID, r.Version, act.ID), Record: r.ID, Event: r.Event,
		Action: act.ID, Version: r.Version, Status: r.Status, To: act.To, Number: r.Number, Office: r.Office,
		User: actor.User.Username, Data: data}
	if h.Waiting != "" && s.CallbackURL != nil {
		call.Callback = s.CallbackURL(h.System)
	}
	ans, err := sys.Do(ctx, call, time.Duration(h.Timeout)*time.Second, s.now())
	var failed *hooks.Failure
	if errors.As(err, &failed) {
		return nil, hookProblem(Unavailable, "system-unavailable", "ui.problem.hookFailed", h.System,
			"%v: the action was not taken; try again", failed)
	}
	if err != nil {
		return nil, err
	}
	detail := &HookDetail{System: h.System, Key: call.Key, Action: act.ID}
	switch ans.Outcome {
	case hooks.Refused:
		return nil, hookProblem(Conflict, "refused-by-system", "ui.problem.hookRefused", h.System,
			"%s refused the action: %s", h.System, ans.Reason).with("reason", ans.Reason)
	case hooks.Waiting:
		if h.Waiting == "" {
			return nil, hookProblem(Unavailable, "system-unavailable", "ui.problem.hookFailed", h.System,
				"%s answered 202, but the action's hook has no waiting flag to hold the record with: the action was not taken", h.System)
		}
		detail.Comment, detail.Data, detail.DuplicateOf = req.Comment, req.Data, req.DuplicateOf
		return s.wait(ctx, actor, p, h, detail)
	}
	if err := s.stored(ctx, p, h, ans.Data, detail); err != nil {
		return nil, err
	}
	return nil, nil
}

// with adds an argument to the first detail of e.
func (e *Error) with(name, value string) *Error {
	if len(e.Details) > 0 {
		e.Details[0].Args[name] = value
	}
	return e
}

// hookProblem is a refusal of an action for what its hook's system answered, or did not.
func hookProblem(k Kind, code, key, system, format string, args ...any) *Error {
	return &Error{Kind: k, Details: []Detail{{Path: "/action", Code: code, Key: key, Args: map[string]string{"system": system},
		Message: fmt.Sprintf(format, args...)}}}
}

// stored adds to p the answers a system gave: only fields its hook stores, each checked with
// the whole declaration as a user's answer is. An answer that does not fit refuses the action
// as the system's failure.
func (s *Service) stored(ctx context.Context, p *prepared, h *bundle.Hook, answers map[string]any, detail *HookDetail) error {
	if len(answers) > 0 {
		for _, f := range slices.Sorted(maps.Keys(answers)) {
			if !slices.Contains(h.Stores, f) {
				return hookProblem(BadGateway, "system-answer", "ui.problem.hookFailed", h.System,
					"%s answered field %s, which the hook does not store (it stores %v): the action was not taken", h.System, f, h.Stores)
			}
		}
		merged := maps.Clone(p.data)
		for f, v := range answers {
			if v == nil {
				delete(merged, f)
			} else {
				merged[f] = v
			}
		}
		raw, _ := json.Marshal(merged)
		rctx := p.rctx
		checked, verr := s.validate(p.ev, raw)
		if verr == nil {
			var readOnly []string
			verr, readOnly = systemsFields(s.evaluate(p.ev, checked, p.data, rctx), h.Stores)
			// A field users may not change is passed over by the rules' check (see above):
			// its answer is checked here as any answer is.
			for _, f := range readOnly {
				if msg, key := s.Model.checkAnswer(p.ev.checks, f, checked[f]); msg != "" {
					if verr == nil {
						verr = &Error{Kind: Invalid}
					}
					verr.Details = append(verr.Details, Detail{Path: "/data/" + f, Code: "invalid-value", Message: msg, Key: key})
				}
			}
		}
		if verr != nil {
			return hookProblem(BadGateway, "system-answer", "ui.problem.hookFailed", h.System,
				"%s answered what the form does not take (%v): the action was not taken", h.System, verr)
		}
		p.entry.Changes = mergeChanges(p.entry.Changes, changes(p.data, checked))
		p.next.Data, _ = json.Marshal(checked)
		s.describe(p.ev, &p.next, checked, rctx)
		p.data = checked // its keys and cells are made in commit
		detail.Stored = slices.Sorted(maps.Keys(answers))
	}
	p.entry.Details = withDetails(p.entry.Details, HookDetails{Hook: detail})
	return nil
}

// systemsFields is err without its refusals of changes to fields that users may not change
// (a rule enables them for no one) among those a hook's system fills, which it returns: a
// package makes the field the system fills read-only so, and the system's answer is not a
// user's. The error is nil when nothing else is refused.
func systemsFields(err *Error, stores []string) (*Error, []string) {
	if err == nil {
		return nil, nil
	}
	var kept []Detail
	var readOnly []string
	for _, d := range err.Details {
		if f := strings.TrimPrefix(d.Path, "/data/"); d.Code == "disabled" && slices.Contains(stores, f) {
			readOnly = append(readOnly, f)
			continue
		}
		kept = append(kept, d)
	}
	if len(kept) == 0 {
		return nil, readOnly
	}
	return &Error{Kind: err.Kind, Details: kept}, readOnly
}

// mergeChanges is the changes a, with those of b in place of a's of the same field, sorted.
func mergeChanges(a, b []store.Change) []store.Change {
	byField := map[string]store.Change{}
	for _, c := range a {
		byField[c.Field] = c
	}
	for _, c := range b {
		if old, ok := byField[c.Field]; ok {
			c.Old = old.Old // from the record as it was, not as the user's edit left it
		}
		byField[c.Field] = c
	}
	out := slices.Collect(maps.Values(byField))
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// wait stores the record waiting for the hook's system: its flag raised and an entry that
// keeps what the user asked, with nothing else of the action.
func (s *Service) wait(ctx context.Context, actor *Actor, p *prepared, h *bundle.Hook, detail *HookDetail) (*store.Record, error) {
	next := *p.old
	next.History = nil
	next.Version++
	next.Updated = p.now
	next.Flags = sortedSet(p.old.Flags, []string{h.Waiting}, nil)
	entry := store.Entry{Version: next.Version, Action: HookWaitingAction, User: actor.User.Username, Role: actor.User.Role,
		Office: actor.Office.Code, At: p.now, AddFlags: added(p.old.Flags, next.Flags)}
	entry.Details = withDetails(nil, HookDetails{Hook: detail})
	if err := s.Store.UpdateRecord(s.auditedBy(ctx, actor, &entry), &next, entry); err != nil {
		return nil, s.storeError(err)
	}
	next.History = append(slices.Clip(p.old.History), entry)
	return &next, nil
}

// HookOutcome is what came of a system's result posted after a 202.
type HookOutcome string

const (
	HookTaken   HookOutcome = "taken"   // the action was taken, with the system's answers
	HookRefused HookOutcome = "refused" // the system refused it: the record waits no more
	HookFailed  HookOutcome = "failed"  // it could no longer be taken: the record waits no more
	HookAlready HookOutcome = "already" // the result was received before (a callback again)
)

// HookResult takes the result a system posted after answering 202 (read and its signature
// checked by hooks.System.ReadResult): the action the record waits for is taken as the user
// asked it, with the system's answers, as that user (actorOf; their rights as they are now)
// and on the record as it is; or, when the system refused it or it can no longer be taken,
// the record waits no more, with the reason in its history. A result received again is
// answered as before; one for a record that does not wait for it is refused.
func (s *Service) HookResult(ctx context.Context, system string, res *hooks.Result, ans *hooks.Answer, actorOf func(username string) (*Actor, error)) (*store.Record, HookOutcome, string, error) {
	r, err := s.Store.Record(ctx, res.Record)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", "", refuse(NotFound, "/record", "not-found", "no record %s", res.Record)
	}
	if err != nil {
		return nil, "", "", err
	}
	w, ok := s.WaitingOn(ctx, r)
	if !ok || w.Key != res.Key || w.System != system {
		for _, e := range r.History {
			if d := HookDetailOf(e); d != nil && d.Key == res.Key && d.System == system && e.Action != HookWaitingAction {
				return r, HookAlready, d.Reason, nil
			}
		}
		return nil, "", "", refuse(Conflict, "/key", "not-waiting", "record %s does not wait for %s's result of %s", r.ID, system, res.Key)
	}
	if ans.Outcome == hooks.Refused {
		rec, err := s.endWait(ctx, r, w, HookRefusedAction, ans.Reason)
		return rec, HookRefused, ans.Reason, err
	}
	actor, err := actorOf(w.User)
	if err != nil {
		why := fmt.Sprintf("%s may no longer act: %v", w.User, err)
		rec, err := s.endWait(ctx, r, w, HookFailedAction, why)
		return rec, HookFailed, why, err
	}
	req := ActionRequest{Action: w.Action, Version: r.Version, Comment: w.Comment, Data: w.Data, DuplicateOf: w.DuplicateOf, resuming: true}
	p, err := s.prepare(ctx, actor, r.ID, req, nil)
	if err == nil {
		detail := w.HookDetail
		detail.Comment, detail.Data, detail.DuplicateOf = "", nil, ""
		h := hookOf(p.ev, w.Action)
		if h == nil {
			err = refuse(Conflict, "/action", "no-hook", "action %s has no hook any more", w.Action)
		} else {
			// The waiting flag goes with the action.
			p.next.Flags = sortedSet(p.next.Flags, nil, []string{h.Waiting})
			p.entry.DelFlags = added(p.next.Flags, r.Flags)
			p.entry.AddFlags = added(r.Flags, p.next.Flags)
			err = s.stored(ctx, p, h, ans.Data, &detail)
		}
	}
	var refused *Error
	if errors.As(err, &refused) {
		why := refused.Error()
		rec, err := s.endWait(ctx, r, w, HookFailedAction, why)
		return rec, HookFailed, why, err
	}
	if err != nil {
		return nil, "", "", err
	}
	rec, err := s.commit(ctx, actor, p)
	if err != nil {
		return nil, "", "", err
	}
	s.releaseIfDone(ctx, actor, rec, w.Action)
	return rec, HookTaken, "", nil
}

// endWait stores the end of a record's wait without the action: the waiting flag lowered, and
// an entry by the system saying why.
func (s *Service) endWait(ctx context.Context, r *store.Record, w *HookWait, action, why string) (*store.Record, error) {
	ev, _, err := s.EventOf(ctx, r)
	if err != nil {
		return nil, err
	}
	h := hookOf(ev, w.Action)
	now := s.now()
	next := *r
	next.History = nil
	next.Version++
	next.Updated = now
	next.Flags = sortedSet(r.Flags, nil, []string{h.Waiting})
	detail := w.HookDetail
	detail.Comment, detail.Data, detail.DuplicateOf, detail.Reason = "", nil, "", why
	entry := store.Entry{Version: next.Version, Action: action, User: w.System, At: now, Comment: why,
		DelFlags: added(next.Flags, r.Flags)}
	entry.Details = withDetails(nil, HookDetails{Hook: &detail})
	if err := s.Store.UpdateRecord(audited(ctx, w.System, "", &entry), &next, entry); err != nil {
		return nil, s.storeError(err)
	}
	next.History = append(slices.Clip(r.History), entry)
	return &next, nil
}
