package osia

// OpenAPI adds the OSIA operations the register serves to an OpenAPI 3.1 document (its
// paths and components.schemas), under /osia/v1, as the specification's files describe them
// (runtime/osia/testdata), with the register's refusals.
func OpenAPI(doc map[string]any) {
	type obj = map[string]any
	str := obj{"type": "string"}
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonAnswer := func(desc string, schema obj) obj {
		return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
	}
	none := func(desc string) obj { return obj{"description": desc} }
	schemas := doc["components"].(obj)["schemas"].(obj)
	paths := doc["paths"].(obj)

	schemas["OSIAError"] = obj{"type": "object", "required": []string{"code", "message"}, "additionalProperties": false,
		"properties": obj{"code": obj{"type": "integer", "format": "int32"}, "message": str}}
	scalar := []any{obj{"type": "string"}, obj{"type": "number"}, obj{"type": "boolean"}}
	schemas["OSIAAttributes"] = obj{"type": "object", "additionalProperties": obj{"anyOf": scalar}}
	schemas["OSIASubscription"] = obj{"type": "object", "additionalProperties": false, "properties": obj{
		"uuid": str, "topic": str, "protocol": obj{"enum": []string{"http", "email"}}, "address": str, "policy": str,
		"active": obj{"type": "boolean", "description": "confirmed: messages are sent to active subscriptions only"}}}
	schemas["OSIATopic"] = obj{"type": "object", "additionalProperties": false, "properties": obj{"uuid": str, "name": str}}
	schemas["OSIAMessage"] = obj{"type": "object", "required": []string{"type", "message"}, "additionalProperties": false,
		"properties": obj{"type": obj{"enum": []string{"SubscriptionConfirmation", "Notification"}}, "token": str, "topic": str,
			"message":   obj{"type": "string", "description": "the event as JSON text: source, uin (the registration number), and what the package adds (uin1, uin2 of a liveBirth)"},
			"messageId": str, "subject": str, "subscribeURL": obj{"type": "string", "format": "uri"},
			"timestamp": obj{"type": "string", "format": "date-time"}}}

	uin := obj{"name": "uin", "in": "path", "required": true, "description": "the record's registration number", "schema": str}
	person := obj{"400": jsonAnswer("invalid parameter", ref("OSIAError")), "401": none("not logged in"),
		"403": none("the caller's role reads no event served through OSIA"),
		"404": none("no registered record with this number within the caller's rights")}
	with := func(m obj, more obj) obj {
		out := obj{}
		for k, v := range m {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	desc := "OSIA Data Access interface 1.3.0. The uin is a registration number: only a registered record is read, of an event the caller's role reads, within their jurisdiction; audited roles' reads are in the audit log. Attributes are those the event's osia mapping names (firstName, lastName, dateOfBirth, placeOfBirth, gender as ISO 5218, dateOfDeath, placeOfDeath...)."
	paths["/osia/v1/persons/{uin}"] = obj{"get": obj{"operationId": "readPersonAttributes", "tags": []string{"OSIA"},
		"summary": "Read a registered person's attributes", "description": desc,
		"parameters": []any{uin, obj{"name": "attributeNames", "in": "query", "required": true, "style": "form", "explode": true,
			"schema": obj{"type": "array", "items": str}}},
		"responses": with(person, obj{"200": jsonAnswer("each attribute asked for, or an error in its place: 1023 unknown attribute, 1024 no value recorded",
			obj{"type": "object", "additionalProperties": obj{"anyOf": append(scalar, ref("OSIAError"))}})})}}
	paths["/osia/v1/persons/{uin}/match"] = obj{"post": obj{"operationId": "matchPersonAttributes", "tags": []string{"OSIA"},
		"summary": "Match attributes against a registered person's", "description": desc,
		"parameters":  []any{uin},
		"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": ref("OSIAAttributes")}}},
		"responses": with(person, obj{"200": jsonAnswer("the attributes that do not match: errorCode 0 the register has none, 1 it differs; none: all match",
			obj{"type": "array", "items": obj{"type": "object", "additionalProperties": false,
				"properties": obj{"attributeName": str, "errorCode": obj{"enum": []int{0, 1}}}}})})}}
	paths["/osia/v1/persons/{uin}/verify"] = obj{"post": obj{"operationId": "verifyPersonAttributes", "tags": []string{"OSIA"},
		"summary": "Whether expressions hold of a registered person's attributes", "description": desc,
		"parameters": []any{uin},
		"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "array", "items": obj{
			"type": "object", "required": []string{"attributeName", "operator", "value"}, "additionalProperties": false,
			"properties": obj{"attributeName": str, "operator": obj{"enum": []string{"<", ">", "=", ">=", "<="}},
				"value": obj{"anyOf": scalar}}}}}}},
		"responses": with(person, obj{"200": jsonAnswer("true when every expression holds", obj{"type": "boolean"})})}}

	ndesc := "OSIA Notification interface 1.2.0, subscriber's side. Topics are the OSIA event types the package publishes (liveBirth, death, updatePerson...), those of events the caller's role reads; messages go to the subscription's owner only while they may read the record (role and jurisdiction)."
	paths["/osia/v1/topics"] = obj{"get": obj{"operationId": "listTopics", "tags": []string{"OSIA"}, "summary": "The topics the caller may subscribe to",
		"description": ndesc,
		"responses":   obj{"200": jsonAnswer("the topics", obj{"type": "array", "items": ref("OSIATopic")}), "401": none("not logged in")}}}
	query := func(name string, required bool, schema obj) obj {
		return obj{"name": name, "in": "query", "required": required, "schema": schema}
	}
	paths["/osia/v1/subscriptions"] = obj{
		"post": obj{"operationId": "subscribe", "tags": []string{"OSIA"}, "summary": "Subscribe to a topic",
			"description": ndesc + " Idempotent: the same topic, protocol and address give the same subscription. It is inactive until confirmed with the token of the SubscriptionConfirmation message sent to the address.",
			"parameters": []any{query("topic", true, str), query("protocol", false, obj{"enum": []string{"http"}}),
				query("address", true, obj{"type": "string", "format": "uri"}), query("policy", false, str)},
			"responses": obj{"200": jsonAnswer("the subscription", ref("OSIASubscription")),
				"400": jsonAnswer("invalid parameter, or a topic the caller may not subscribe to (code 2)", ref("OSIAError")),
				"401": none("not logged in")},
			"callbacks": obj{"onEvent": obj{"{$request.query.address}": obj{"post": obj{
				"requestBody": obj{"content": obj{"application/json": obj{"schema": ref("OSIAMessage")}}},
				"responses":   obj{"200": none("received")}}}}}},
		"get": obj{"operationId": "listSubscription", "tags": []string{"OSIA"}, "summary": "The caller's subscriptions",
			"responses": obj{"200": jsonAnswer("the subscriptions", obj{"type": "array", "items": ref("OSIASubscription")}), "401": none("not logged in")}}}
	paths["/osia/v1/subscriptions/{uuid}"] = obj{"delete": obj{"operationId": "unsubscribe", "tags": []string{"OSIA"}, "summary": "Unsubscribe",
		"parameters": []any{obj{"name": "uuid", "in": "path", "required": true, "schema": str}},
		"responses":  obj{"204": none("removed"), "401": none("not logged in"), "404": none("the caller has no such subscription")}}}
	paths["/osia/v1/subscriptions/confirm"] = obj{"get": obj{"operationId": "confirm", "tags": []string{"OSIA"}, "summary": "Confirm a subscription",
		"parameters": []any{query("token", true, str)},
		"responses": obj{"200": none("confirmed: the subscription is active"), "400": jsonAnswer("invalid token", ref("OSIAError")),
			"401": none("not logged in")}}}
}
