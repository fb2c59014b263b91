package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/crvsctl/crvsctl/runtime/osia"
	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// openAPIDoc is the OpenAPI document, written from the bundle once: OpenAPI 3.1 takes JSON
// Schema 2020-12 as it is, so each event's declaration schema goes in unchanged.
type openAPIDoc struct {
	once sync.Once
	doc  []byte
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	s.oa.once.Do(func() {
		doc := s.openAPIDocument()
		usersOpenAPI(doc)
		secondFactorOpenAPI(doc)
		if s.OSIA != nil {
			osia.OpenAPI(doc)
		}
		s.oa.doc, _ = json.Marshal(doc)
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.oa.doc)
}

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonBody(schema obj) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

func answer(desc string, schema obj) obj {
	a := obj{"description": desc}
	if schema != nil {
		a["content"] = obj{"application/json": obj{"schema": schema}}
	}
	return a
}

// refusals are the error answers an operation may give.
func refusals(codes ...string) obj {
	desc := map[string]string{"400": "malformed request", "401": "not logged in", "403": "not granted to the user's role",
		"404": "not found, or not within the user's jurisdiction", "409": "stale version, or the action is not allowed in the record's state",
		"413": "body larger than 1 MiB", "415": "not a PDF, JPEG or PNG file", "422": "the declaration breaks the form's rules", "429": "too many logins"}
	out := obj{}
	for _, c := range codes {
		out[c] = answer(desc[c], ref("Errors"))
	}
	return out
}

func with(base obj, more obj) obj {
	for k, v := range more {
		base[k] = v
	}
	return base
}

func (s *Server) openAPIDocument() obj {
	b := s.Records.Model.Bundle
	str := obj{"type": "string"}
	docTypes := []any{}
	for _, t := range records.DocumentTypes() {
		docTypes = append(docTypes, t)
	}
	strs := obj{"type": "array", "items": str}
	declarations := []any{}
	schemas := obj{
		"Errors": obj{"type": "object", "required": []string{"errors"}, "properties": obj{"errors": obj{"type": "array", "items": obj{
			"type": "object", "required": []string{"path", "code", "message"},
			"properties": obj{"path": str, "code": str, "message": str,
				// The problem's message key (crvsctl's ui.problem.*, or the package's), and the
				// values of its placeholders, for a client that speaks the user's language.
				"key": str, "args": obj{"type": "object", "additionalProperties": str}}}}}},
		"Login":   obj{"type": "object", "required": []string{"username", "password"}, "properties": obj{"username": str, "password": str}},
		"Session": obj{"type": "object", "properties": obj{"token": str, "csrf": str, "expires": str, "user": obj{"type": "object"}}},
		"Record": obj{"type": "object", "properties": obj{"id": str, "event": str, "status": str, "flags": strs, "number": str,
			"title": str, "eventDate": str, "office": str, "version": obj{"type": "integer"}, "bundle": str,
			"created": str, "updated": str, "createdBy": str, "data": obj{"type": "object"},
			"history":       obj{"type": "array", "items": obj{"type": "object"}},
			"assignedTo":    obj{"type": "string", "description": "the username of the user who holds the record (see POST /api/v1/records/{id}/assign); absent when nobody does, and in searches"},
			"assignedUntil": obj{"type": "string", "format": "date-time", "description": "when that hold ends by itself"}}},
		"Page": obj{"type": "object", "properties": obj{"records": obj{"type": "array", "items": ref("Record")}, "next": str}},
		"Action": obj{"type": "object", "required": []string{"version"}, "additionalProperties": false, "properties": obj{
			"version":     obj{"type": "integer", "minimum": 1, "description": "the version of the record the action is based on"},
			"data":        obj{"type": "object", "description": "changed field values, for actions that edit the declaration"},
			"comment":     str,
			"duplicateOf": obj{"type": "string", "description": "for the action that marks a record a duplicate: the tracking ID of the possible duplicate it is a duplicate of"}}},
		"Statistics": statisticsSchema(),
		"Draft":      obj{"type": "object", "required": []string{"event", "data"}, "properties": obj{"event": str, "data": obj{"type": "object"}}},
		"Document": obj{"type": "object", "required": []string{"id", "type", "name", "size"}, "properties": obj{
			"id": obj{"type": "string", "pattern": `^sha256:[0-9a-f]{64}$`,
				"description": "the address of the file's content; a declaration's document answer names it: {\"type\": <a document type of the field>, \"file\": <id>}"},
			"type": obj{"enum": docTypes, "description": "found from the content, whatever the Content-Type sent"},
			"name": obj{"type": "string", "description": "the name sent, cleaned: no path, no control characters, an extension of its type"},
			"size": obj{"type": "integer"}}},
		"Outbox": obj{"type": "object", "required": []string{"pending", "parked", "parkedMessages"}, "properties": obj{
			"pending": obj{"type": "integer", "description": "the messages not yet delivered, parked ones included"},
			"parked":  obj{"type": "integer", "description": "the messages parked after too many failed tries"},
			"parkedMessages": obj{"type": "array", "description": "the parked messages, most recently parked first (those with no parkedAt last), 100 at most",
				"items": obj{"type": "object", "required": []string{"id", "kind", "target", "attempts", "lastError", "created"}, "properties": obj{
					"id":        obj{"type": "string", "description": "the message's ID, the same at every try (POST /api/v1/outbox/{id}/retry)"},
					"kind":      obj{"type": "string", "description": "webhook, email, sms or osia"},
					"target":    obj{"type": "string", "description": "the receiver: a subscriber's name, an email address, a phone number, a web address"},
					"record":    obj{"type": "string", "description": "the tracking ID of the record the message is about; absent when it is about none"},
					"attempts":  obj{"type": "integer", "description": "the failed tries"},
					"lastError": obj{"type": "string", "description": "why the last try failed"},
					"lastTry":   obj{"type": "string", "format": "date-time", "description": "when the last try was made; absent when unknown (a message last tried by a crvsctl that kept no such time)"},
					"parkedAt":  obj{"type": "string", "format": "date-time", "description": "when the message was parked: the time of the try that parked it; absent when unknown (a message parked by a crvsctl that kept no such time)"},
					"created":   obj{"type": "string", "format": "date-time", "description": "when the message was written"}}}}}},
	}
	for _, ev := range b.Events {
		var payload any
		json.Unmarshal(ev.PayloadSchema, &payload)
		schemas["Declaration."+ev.ID] = payload
		declarations = append(declarations, obj{"type": "object", "required": []string{"event", "data"}, "additionalProperties": false,
			"properties": obj{"event": obj{"const": ev.ID}, "action": str, "data": ref("Declaration." + ev.ID), "comment": str}})
	}
	schemas["Declare"] = obj{"oneOf": declarations}
	files := obj{} // a document's bytes, of any of the types accepted
	for _, t := range records.DocumentTypes() {
		files[t] = obj{}
	}
	maxDoc := strconv.Itoa(store.MaxDocumentSize>>20) + " MiB"
	pathParam := func(name string) obj { return obj{"name": name, "in": "path", "required": true, "schema": str} }
	query := func(name, desc string) obj {
		return obj{"name": name, "in": "query", "description": desc, "schema": str}
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "crvsctl runtime API", "version": b.Version,
			"description": "Civil registration records of " + b.Country.Code + ", bundle " + b.Hash + ". Authenticate with POST /api/v1/login, then send Authorization: Bearer <token>."},
		"components": obj{"schemas": schemas, "securitySchemes": obj{
			"bearer": obj{"type": "http", "scheme": "bearer"},
			"cookie": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie}}},
		"security": []any{obj{"bearer": []any{}}, obj{"cookie": []any{}}},
		"paths": obj{
			"/api/v1/login": obj{"post": obj{"summary": "Log in", "security": []any{}, "requestBody": jsonBody(ref("Login")),
				"responses": with(obj{"200": answer("a session", ref("Session")),
					"403": answer("sent from a page of another site (Origin)", ref("Errors")),
					"413": answer("body larger than 8 KiB", ref("Errors")),
					"415": answer("not Content-Type: application/json", ref("Errors"))}, refusals("400", "401", "429"))}},
			"/api/v1/logout": obj{"post": obj{"summary": "Log out", "responses": with(obj{"204": answer("logged out", nil)}, refusals("401"))}},
			"/api/v1/me":     obj{"get": obj{"summary": "The user, their jurisdiction and work queues", "responses": with(obj{"200": answer("the user", nil)}, refusals("401"))}},
			"/api/v1/events": obj{"get": obj{"summary": "The events, with the actions the user's role grants", "responses": with(obj{"200": answer("events", nil)}, refusals("401"))}},
			"/api/v1/events/{event}/schema": obj{"get": obj{"summary": "The JSON Schema of a declaration", "parameters": []any{pathParam("event"),
				obj{"name": "bundle", "in": "query", "schema": str, "description": "the hash of an older version of the package (a record's bundle): its form's schema; the current one's when absent"}},
				"responses": with(obj{"200": answer("a JSON Schema", nil)}, refusals("401", "404"))}},
			"/api/v1/records": obj{
				"post": obj{"summary": "Declare an event", "requestBody": jsonBody(ref("Declare")),
					"parameters": []any{obj{"name": "Idempotency-Key", "in": "header", "schema": str,
						"description": "sent again with the same declaration, returns the record the first request created (200) instead of a second record"}},
					"responses": with(obj{"201": answer("the new record", ref("Record")), "200": answer("the record this key created before", ref("Record"))},
						refusals("400", "401", "403", "409", "413", "422"))},
				"get": obj{"summary": "Search records within the user's jurisdiction", "parameters": []any{
					query("event", "event id"), query("id", "tracking ID"), query("number", "registration number"),
					query("name", "words of a name, each the beginning of one of the record's names; case and accents ignored"),
					query("status", "a status (repeat for several)"), query("flag", "a flag the record carries (repeat: all of them)"),
					query("office", "declaring office"), query("from", "event date, YYYY-MM-DD, inclusive"), query("to", "event date, YYYY-MM-DD, inclusive"),
					query("after", "the next cursor of the previous page"), query("limit", "records per page, at most 100")},
					"responses": with(obj{"200": answer("a page of records", ref("Page"))}, refusals("400", "401"))}},
			"/api/v1/records/{id}": obj{"get": obj{"summary": "A record with its history", "parameters": []any{pathParam("id")},
				"responses": with(obj{"200": answer("the record", ref("Record"))}, refusals("401", "404"))}},
			"/api/v1/records/{id}/actions/{action}": obj{"post": obj{"summary": "Take an action on a record",
				"description": "An action that prints (the package says prints: true) answers with the certificate's PDF " +
					"(X-Record-Version, X-Certificate-Serial): send template (or language) and copies. " +
					"An action with a hook (the package's hooks) calls its system outside first: a refusal by the system is a 409 (code refused-by-system, args system and reason); " +
					"no answer in time or a failure of the system a 503 (code system-unavailable), an answer the form does not take a 502 (code system-answer): " +
					"the action was not taken, and may be tried again. When the system needs time (it answered 202), the answer is 202 with the record, " +
					"flagged with the hook's waiting flag: no action can be taken on it (409, code waiting) until the system posts its result.",
				"parameters": []any{pathParam("id"), pathParam("action")}, "requestBody": jsonBody(ref("Action")),
				"responses": with(obj{"200": obj{"description": "the record after the action, or the PDF of an action that prints",
					"content": obj{"application/json": obj{"schema": ref("Record")}, "application/pdf": obj{"schema": obj{"type": "string", "format": "binary"}}}}},
					refusals("400", "401", "403", "404", "409", "413", "422"))}},
			"/api/v1/records/{id}/assign": obj{"post": obj{"summary": "Assign a record to the user, before taking an action that needs it",
				"description": "The actions of the event's assignment (the package's assignment.actions) are refused to anyone but the user who holds the record " +
					"(409, code not-assigned or assigned-to-other, with args name and until). A user may assign a record when one of those actions is open to them on it; " +
					"assigning it again extends the hold, which ends by itself after the package's expiresAfter. Assigning changes neither the record's version nor its history.",
				"parameters": []any{pathParam("id")},
				"responses": with(obj{"200": answer("the record, with assignedTo and assignedUntil", ref("Record"))},
					with(refusals("400", "401", "403", "404"), obj{"409": answer("another user holds the record (code assigned-to-other: args name, user and until)", ref("Errors"))}))}},
			"/api/v1/records/{id}/release": obj{"post": obj{"summary": "Release a record: the user's own hold, or, for a supervisor (the package's assignment.releasedBy), another's",
				"description": "A record nobody holds is released already: 200.",
				"parameters":  []any{pathParam("id")},
				"responses":   with(obj{"200": answer("the record, held by nobody", ref("Record"))}, refusals("400", "401", "403", "404"))}},
			"/api/v1/records/{id}/duplicates": obj{"get": obj{"summary": "A record's open possible duplicates, and the records marked duplicates of it",
				"description": "candidates: each with the rule that matched and the record, or, outside the caller's jurisdiction, outside: true and who may review it.",
				"parameters":  []any{pathParam("id")},
				"responses":   with(obj{"200": answer("candidates and duplicatesOf", nil)}, refusals("401", "404"))}},
			"/api/v1/statistics/{event}": obj{"get": obj{"summary": "An event's vital statistics in an area and year, within the user's jurisdiction",
				"description": "Counts of registered records by the date of their event, never a person's data: by sex, month and quarter; completeness against " +
					"the package's population figures; timeliness; the UN tabulations the event's declared fields allow; completeness of each child area. " +
					"Keys are the package's option values and crvsctl's groups, stable whatever the language. Counts are not suppressed: the exports are " +
					"(GET /statistics/{event}/export.xlsx or export.csv).",
				"parameters": []any{pathParam("event"), query("area", "an area code within the user's jurisdiction; the user's own area (or the nation) when left out"),
					query("year", "the year of the events' dates; this year when left out")},
				"responses": with(obj{"200": answer("the report", ref("Statistics"))}, refusals("400", "401", "403", "404"))}},
			"/api/v1/queues/{event}/{action}/print": obj{"post": obj{"summary": "Print the records of a print queue into one PDF, oldest first",
				"description": "X-Printed and X-Skipped list the tracking IDs printed, and those that could not be (logged with the reason).",
				"parameters":  []any{pathParam("event"), pathParam("action")},
				"requestBody": jsonBody(obj{"type": "object", "additionalProperties": false, "properties": obj{
					"template": str, "language": str, "copies": obj{"type": "integer"}, "limit": obj{"type": "integer"}}}),
				"responses": with(obj{"200": obj{"description": "the certificates", "content": obj{"application/pdf": obj{"schema": obj{"type": "string", "format": "binary"}}}}},
					refusals("400", "401", "404", "409"))}},
			"/api/v1/verify": obj{"post": obj{"summary": "Check a certificate's seal (no login): genuine, and current, superseded or unknown in the register",
				"requestBody": jsonBody(obj{"type": "object", "required": []any{"seal"}, "additionalProperties": false, "properties": obj{"seal": str}}),
				"responses": with(obj{"200": answer("valid, payload and standing; or the code and message of the refusal", nil),
					"413": answer("body larger than 64 KiB", ref("Errors"))}, refusals("400"))}},
			"/api/v1/audit": obj{"get": obj{"summary": "Search the audit log, newest first, within the user's jurisdiction (roles with auditLog)",
				"description": "Entries are hash-chained (prev, hash) and checked offline with crvsctl audit verify.",
				"parameters": []any{query("user", "a username"), query("record", "a tracking ID"),
					query("kind", "login, login-failed, logout, action, print, read, user-admin or export"),
					query("from", "YYYY-MM-DD, included"), query("to", "YYYY-MM-DD, included"), query("after", "cursor"), query("limit", "at most 1000; 100 when left out")},
				"responses": with(obj{"200": answer("a page of entries", nil)}, refusals("400", "401", "403"))}},
			"/api/v1/audit/export": obj{"get": obj{"summary": "Every entry the search finds, as CSV (the export is itself logged)",
				"parameters": []any{query("user", "a username"), query("record", "a tracking ID"), query("kind", "an entry's kind"),
					query("from", "YYYY-MM-DD, included"), query("to", "YYYY-MM-DD, included")},
				"responses": with(obj{"200": answer("text/csv", nil)}, refusals("400", "401", "403"))}},
			"/api/v1/outbox": obj{"get": obj{"summary": "The outbox: messages pending and parked, with the parked ones' last errors and when they were parked (nationwide administrators)",
				"responses": with(obj{"200": answer("the counts, and the 100 messages parked most recently", ref("Outbox"))}, refusals("401", "403"))}},
			"/api/v1/outbox/{id}/retry": obj{"post": obj{"summary": "Try a parked message again, its tries counted from 0 (nationwide administrators)",
				"parameters": []any{pathParam("id")},
				"responses":  with(obj{"204": obj{"description": "due now"}}, refusals("401", "403", "404"))}},
			"/api/v1/queues": obj{"get": obj{"summary": "The user's work queues", "responses": with(obj{"200": answer("queues", nil)}, refusals("401"))}},
			"/api/v1/queues/{event}/{action}": obj{"get": obj{"summary": "A work queue: records the action can be taken on, oldest first",
				"parameters": []any{pathParam("event"), pathParam("action"), query("after", "cursor"), query("limit", "at most 100")},
				"responses":  with(obj{"200": answer("a page of records", ref("Page"))}, refusals("400", "401", "404"))}},
			"/api/v1/drafts": obj{"get": obj{"summary": "The user's drafts", "responses": with(obj{"200": answer("drafts", nil)}, refusals("401"))}},
			"/api/v1/drafts/{id}": obj{
				"get": obj{"summary": "A draft", "parameters": []any{pathParam("id")}, "responses": with(obj{"200": answer("the draft", ref("Draft"))}, refusals("401", "404"))},
				"put": obj{"summary": "Save a declaration in progress, incomplete", "parameters": []any{pathParam("id")}, "requestBody": jsonBody(ref("Draft")), "responses": with(with(obj{"200": answer("saved", ref("Draft"))}, refusals("400", "401", "403")),
					obj{"409": answer("a new draft of a user who keeps "+strconv.Itoa(store.MaxDrafts)+" already", ref("Errors")),
						"413": answer("a body larger than 1 MiB, or data larger than "+strconv.Itoa(store.MaxDraftSize>>10)+" KiB", ref("Errors"))})},
				"delete": obj{"summary": "Delete a draft", "parameters": []any{pathParam("id")}, "responses": with(obj{"204": answer("deleted", nil)}, refusals("401", "404"))}},
			"/api/v1/documents": obj{"post": obj{
				"summary": "Upload a document to attach to declarations: a PDF, JPEG or PNG file of at most " + maxDoc,
				"description": "The body is the file's bytes, not a form; Content-Type is the file's type, but the type kept is the one its content shows. " +
					"Uploading the same file again gives the same document (200). A declaration may attach the documents its user uploaded, " +
					"and those of the records the user may read.",
				"parameters":  []any{query("name", "the file's name, such as scan.pdf")},
				"requestBody": obj{"required": true, "content": files},
				"responses": with(with(obj{"201": answer("the document stored", ref("Document")), "200": answer("the same file, uploaded before", ref("Document"))},
					refusals("400", "401", "403", "415")), obj{"413": answer("a file larger than "+maxDoc, ref("Errors"))})}},
			"/api/v1/documents/{id}": obj{"get": obj{
				"summary":    "A document, as an attachment: to its uploader, or to a user who may read a record that references it",
				"parameters": []any{pathParam("id")},
				"responses":  with(obj{"200": obj{"description": "the file, of the type its content shows", "content": files}}, refusals("401", "404"))}},
		},
	}
}

// statisticsSchema describes stats.Report.
func statisticsSchema() obj {
	str := obj{"type": "string"}
	integer := obj{"type": "integer"}
	ints := obj{"type": "array", "items": integer}
	ratio := obj{"type": []string{"number", "null"}, "description": "a ratio (0.87 for 87 %); null when the population figures do not say"}
	expected := obj{"type": []string{"number", "null"}}
	return obj{"type": "object", "required": []string{"event", "area", "year", "registered", "months", "quarters", "children", "tables"}, "properties": obj{
		"event":        str,
		"area":         obj{"type": "string", "description": "the area; empty for the nation"},
		"parents":      obj{"type": []string{"array", "null"}, "items": str, "description": "the area's ancestors, from the top level down"},
		"year":         integer,
		"registered":   integer,
		"bySex":        obj{"type": []string{"array", "null"}, "items": obj{"type": "object", "properties": obj{"key": str, "count": integer}}},
		"months":       obj{"type": "array", "items": integer, "minItems": 12, "maxItems": 12},
		"quarters":     obj{"type": "array", "items": integer, "minItems": 4, "maxItems": 4},
		"expected":     expected,
		"completeness": ratio,
		"timeliness": obj{"type": "object", "properties": obj{"onTime": integer, "late": integer, "delayed": integer, "notStated": integer,
			"onTimeShare": ratio, "lateShare": ratio, "delayedShare": ratio}},
		"children": obj{"type": []string{"array", "null"}, "items": obj{"type": "object", "properties": obj{
			"area": str, "hasChildren": obj{"type": "boolean"}, "registered": integer, "expected": expected, "completeness": ratio,
			"outOfTime": obj{"type": "boolean", "description": "the area did not exist during the year: listed because records of the year name it"}}}},
		"childrenOmitted": integer,
		"tables": obj{"type": []string{"array", "null"}, "items": obj{"type": "object", "properties": obj{
			"id": str, "row": obj{"type": "string", "description": "the dimension of the rows"}, "column": str,
			"rows": obj{"type": "array", "items": str}, "columns": obj{"type": "array", "items": str},
			"counts": obj{"type": "array", "items": ints}, "rowTotals": ints, "columnTotals": ints, "total": integer}}},
	}}
}
