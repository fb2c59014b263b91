package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// TestOneRegisterAcrossVersions: records that stay on version 1 are still found as duplicates
// and counted by the rules and statistics of version 2, which renamed the field a duplicate
// rule reads (the mother's identity number) and mapped away a choice the statistics tabulate
// (the traditional birth attendant, now "other"). Without reading old records in the new
// version's terms, the mother of a version-1 birth declaring another child under version 2
// would not be found, and the report would count a value version 2 no longer has. Likewise the
// notifications version 2 declares reach the phone a version-1 record holds under the field's
// old id.
func TestOneRegisterAcrossVersions(t *testing.T) {
	st, key := versionsStore(t)

	// Version 1: a birth registered, attended by a traditional birth attendant.
	_, base, stop, _ := served(t, st, nerovia, key)
	lidya := login(t, base, "lidya.verhane")
	lidya.uploadDocuments(t)
	var first map[string]any
	json.Unmarshal(birthJSON(t), &first)
	first["child.attendant"] = "traditional-birth-attendant"
	var old record
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": first}).decode(t, &old)
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+old.ID+"/actions/validate", map[string]any{"version": 1})
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+old.ID+"/actions/register", map[string]any{"version": 2})
	// And one validated, with the mother's phone, to be registered under version 2.
	var pending record
	var third map[string]any
	json.Unmarshal(birthJSON(t), &third)
	third["mother.phone"] = "0911234567"
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": third}).decode(t, &pending)
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+pending.ID+"/actions/validate", map[string]any{"version": 1})
	stop()

	// Version 2, with the identity number and the phone renamed too: the rule
	// "same-mother-id" reads mother.idNumber now, the notifications go to mother.mobile.
	dir := nerovia2(t)
	editFile(t, dir, "birth.cue",
		`id:       "mother.nid"`, `id:       "mother.idNumber"`,
		`{same: "mother.nid"},`, `{same: "mother.idNumber"},`,
		`id:   "mother.phone"`, `id:   "mother.mobile"`,
		`matches(mother.phone,`, `matches(mother.mobile,`,
		`renamed: {"mother.occupation": "mother.profession"}`,
		`renamed: {"mother.occupation": "mother.profession", "mother.nid": "mother.idNumber", "mother.phone": "mother.mobile"}`)
	editFile(t, dir, "osia.cue", `uin1: "mother.nid"`, `uin1: "mother.idNumber"`)
	editFile(t, dir, "notifications.cue", `to: "mother.phone"`, `to: "mother.mobile"`, `to: "mother.phone"`, `to: "mother.mobile"`)
	editFile(t, dir, "translations.csv", "birth.mother.nid,", "birth.mother.idNumber,", "birth.mother.nid.hint,", "birth.mother.idNumber.hint,",
		"birth.mother.phone,", "birth.mother.mobile,")
	_, base, stop, srv := served(t, st, dir, key)
	defer stop()
	srv.UseOutbox(server.Outbox{Instance: "test"})
	// What serve does in the background at start.
	if _, _, err := srv.Records().Rekey(context.Background(), "birth"); err != nil {
		t.Fatal(err)
	}
	var kept record
	lidya = login(t, base, "lidya.verhane")
	lidya.expect(t, http.StatusOK, "GET", "/api/v1/records/"+old.ID, nil).decode(t, &kept)
	var keptData map[string]any
	json.Unmarshal(kept.Data, &keptData)
	if keptData["mother.nid"] != first["mother.nid"] {
		t.Fatalf("the version-1 record does not keep its answers: %v", keptData)
	}

	// The same mother, by her identity number alone (every name differs), declares a child.
	lidya.uploadDocuments(t)
	var second map[string]any
	json.Unmarshal(birthJSON(t), &second)
	delete(second, "mother.nid")
	second["mother.idNumber"] = first["mother.nid"]
	second["child.foundling"] = false
	second["child.name"] = map[string]any{"given": "Dawit", "family": "Oumer"}
	second["mother.name"] = map[string]any{"given": "Hiwot", "family": "Gebre"}
	second["child.dob"] = first["child.dob"]
	var declared record
	lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": second}).decode(t, &declared)
	if !slices.Contains(declared.Flags, "possible-duplicate") {
		t.Errorf("a declaration of version 2 by the mother's identity number does not find the version-1 record %s: flags %v", old.ID, declared.Flags)
	}

	// The reviewer compares them on version 2's form: the version-1 record's identity number
	// is on the row of mother.idNumber, as the rule compared it.
	page := webPage(t, base, "lidya.verhane", "/records/"+declared.ID+"/duplicates")
	if n := strings.Count(page, first["mother.nid"].(string)); n != 2 {
		t.Errorf("the comparison shows the mother's identity number %d times, want once for each record", n)
	}

	// The statistics of version 2 count the version-1 birth under "other".
	yara := login(t, base, "yara.belcourt")
	var rep stats.Report
	yara.expect(t, http.StatusOK, "GET", "/api/v1/statistics/birth?year=2026", nil).decode(t, &rep)
	found := false
	for _, tb := range rep.Tables {
		keys, at := tb.Columns, func(i int) int64 { return tb.ColumnTotals[i] }
		if tb.Row == stats.DimAttendant {
			keys, at = tb.Rows, func(i int) int64 { return tb.RowTotals[i] }
		} else if tb.Column != stats.DimAttendant {
			continue
		}
		found = true
		for i, k := range keys {
			if want := map[string]int64{"other": 1}[k]; at(i) != want {
				t.Errorf("table %s: attendant %s counts %d, want %d", tb.ID, k, at(i), want)
			}
		}
		if !slices.Contains(keys, "other") {
			t.Errorf("table %s has no attendant other: %v", tb.ID, keys)
		}
	}
	if !found {
		t.Fatalf("no table by attendant in %+v", rep.Tables)
	}

	// The version-1 record registered under version 2 stays on version 1 (registering edits
	// nothing), and its family is told at the phone it gave, which version 2 calls
	// mother.mobile.
	var registered record
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+pending.ID+"/actions/register", map[string]any{"version": 2}).decode(t, &registered)
	msgs, err := st.Lease(context.Background(), 100, time.Now(), time.Minute, "test")
	if err != nil {
		t.Fatal(err)
	}
	told := false
	for _, m := range msgs {
		var n outbox.Notice
		if m.Kind == store.OutboxSMS && json.Unmarshal(m.Payload, &n) == nil && strings.HasSuffix(n.To, "911234567") && strings.Contains(n.Body, registered.Number) {
			told = true
		}
	}
	if !told {
		t.Errorf("registering a version-1 record under version 2 sent no SMS to the phone it holds: %d messages", len(msgs))
	}
}
