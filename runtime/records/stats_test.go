package records

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/crvsctl/crvsctl/runtime/stats"
)

// statsOf reads a report, failing the test on a refusal.
func (e *env) statsOf(username, event, area string, year int) *stats.Report {
	e.t.Helper()
	r, err := e.svc.Statistics(e.ctx, e.actor(username), stats.Query{Event: event, Area: area, Year: year})
	if err != nil {
		e.t.Fatalf("statistics of %s in %q, %d, as %s: %v", event, area, year, username, err)
	}
	return r
}

func bySex(r *stats.Report) map[string]int64 {
	out := map[string]int64{}
	for _, kc := range r.BySex {
		if kc.Count > 0 {
			out[kc.Key] = kc.Count
		}
	}
	return out
}

func childCount(r *stats.Report, area string) int64 {
	for _, c := range r.Children {
		if c.Area == area {
			return c.Registered
		}
	}
	return -1
}

// homeBirthIn is a complete birth at home in a village of district NV0302.
func homeBirthIn() map[string]any {
	d := completeData("birth")
	delete(d, "child.facility")
	d["child.placeType"] = "home"
	d["child.attendant"] = "traditional-birth-attendant"
	d["child.birthDistrict"] = "NV0302"
	d["child.birthVillage"] = "NV03020101"
	d["child.sex"] = "male"
	return d
}

// The counts follow the records through the service: a registration counts, a declaration
// does not; a correction of the sex or of the date moves the count; a revocation takes it
// away; a late registration is late. The expectations are written from what the test
// declared, not read from runtime/stats.
func TestStatisticsFollowRecords(t *testing.T) {
	e := newEnv(t)
	reg := e.setupAt("CR0101")
	var registered []string
	for _, d := range []map[string]any{completeData("birth"), completeData("birth"), homeBirthIn()} {
		r := e.act(reg, e.declare(reg, "birth", d), "register", nil)
		registered = append(registered, r.ID)
		if got := e.get(r.ID); got.Registered.IsZero() || len(got.Stats) == 0 {
			t.Fatalf("registered record %s: registered %v, %d cells", r.ID, got.Registered, len(got.Stats))
		}
	}
	e.declare(reg, "birth", completeData("birth"))                              // declared, not registered: not counted
	e.act(reg, e.declare(reg, "death", completeData("death")), "register", nil) // another event
	e.act(reg, e.declare(reg, "birth", lateBirth()), "register", nil)           // 2024, registered in 2026

	nation := e.statsOf("yara.belcourt", "birth", "", 2026)
	if nation.Registered != 3 {
		t.Errorf("registered %d, want 3", nation.Registered)
	}
	if got, want := bySex(nation), map[string]int64{"female": 2, "male": 1}; !mapsEqual(got, want) {
		t.Errorf("by sex %v, want %v", got, want)
	}
	if nation.Months[10] != 3 || nation.Quarters[3] != 3 {
		t.Errorf("November %d, fourth quarter %d: want 3, 3", nation.Months[10], nation.Quarters[3])
	}
	if childCount(nation, "NV01") != 2 || childCount(nation, "NV03") != 1 {
		t.Errorf("children %+v: want NV01 2, NV03 1", nation.Children)
	}
	// Completeness against the package's figures: the provinces' expected births of 2026.
	var expected float64
	for _, p := range e.m.Bundle.Statistics.Population {
		if p.Year == 2026 && e.m.level[p.Area] == "province" {
			expected += p.ExpectedBirths
		}
	}
	if nation.Expected == nil || *nation.Expected != expected || nation.Completeness == nil || *nation.Completeness != 3/expected {
		t.Errorf("expected %v, completeness %v: want %v, %v", nation.Expected, nation.Completeness, expected, 3/expected)
	}
	if tl := nation.Timeliness; tl == nil || tl.OnTime != 3 || tl.Late+tl.Delayed != 0 {
		t.Errorf("timeliness %+v: want 3 on time", nation.Timeliness)
	}
	if old := e.statsOf("yara.belcourt", "birth", "", 2024); old.Registered != 1 || old.Timeliness == nil || old.Timeliness.Late != 1 {
		t.Errorf("2024: %d registered, timeliness %+v: want the late birth, late", old.Registered, old.Timeliness)
	}
	if deaths := e.statsOf("yara.belcourt", "death", "", 2026); deaths.Registered != 1 {
		t.Errorf("deaths: %d registered, want 1", deaths.Registered)
	}

	// A correction of the sex moves the count.
	r := e.get(registered[0])
	r = e.act(reg, r, "request-correction", map[string]any{"child.sex": "male"})
	if got := bySex(e.statsOf("yara.belcourt", "birth", "", 2026)); !mapsEqual(got, map[string]int64{"female": 2, "male": 1}) {
		t.Errorf("a correction asked for moved the counts already: %v", got)
	}
	r = e.act(reg, r, "approve-correction", nil)
	if got := bySex(e.statsOf("yara.belcourt", "birth", "", 2026)); !mapsEqual(got, map[string]int64{"female": 1, "male": 2}) {
		t.Errorf("after a correction of the sex: %v, want female 1, male 2", got)
	}
	// A correction of the date moves it to another month.
	r = e.act(reg, r, "request-correction", map[string]any{"child.dob": "2026-10-30"})
	e.act(reg, r, "approve-correction", nil)
	if got := e.statsOf("yara.belcourt", "birth", "", 2026); got.Months[9] != 1 || got.Months[10] != 2 || got.Registered != 3 {
		t.Errorf("after a correction of the date: October %d, November %d, total %d; want 1, 2, 3", got.Months[9], got.Months[10], got.Registered)
	}
	// A revocation takes it away.
	e.act(reg, e.get(registered[2]), "revoke", nil)
	after := e.statsOf("yara.belcourt", "birth", "", 2026)
	if after.Registered != 2 || childCount(after, "NV03") != 0 {
		t.Errorf("after a revocation: %d registered, NV03 %d; want 2, 0", after.Registered, childCount(after, "NV03"))
	}
	if tables := e.statsOf("yara.belcourt", "birth", "NV0302", 2026); tables.Registered != 0 {
		t.Errorf("NV0302 after its only birth was revoked: %d", tables.Registered)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Who reads statistics: the roles whose package says so, within their jurisdiction.
func TestStatisticsJurisdiction(t *testing.T) {
	e := newEnv(t)
	reg := e.setupAt("CR0101")
	e.act(reg, e.declare(reg, "birth", homeBirthIn()), "register", nil)
	e.act(reg, e.declare(reg, "birth", completeData("birth")), "register", nil)

	// The district statistician of Morvane (NV0302) sees the district, and what is in it.
	own := e.statsOf("liya.mernasso", "birth", "", 2026)
	if own.Area != "NV0302" || own.Registered != 1 {
		t.Errorf("district statistician: area %q, %d registered; want NV0302, 1", own.Area, own.Registered)
	}
	if c := e.statsOf("liya.mernasso", "birth", "NV030201", 2026); c.Registered != 0 {
		t.Errorf("a commune of the district: %d", c.Registered)
	}
	for _, area := range []string{"NV0101", "NV03", "NV99", "*"} {
		_, err := e.svc.Statistics(e.ctx, e.actor("liya.mernasso"), stats.Query{Event: "birth", Area: area, Year: 2026})
		if outcomeOf(err) != notFound {
			t.Errorf("district statistician, area %s: %v, want NotFound", area, err)
		}
	}
	// A registrar reads records, not statistics.
	if _, err := e.svc.Statistics(e.ctx, e.actor("fenna.albrecq"), stats.Query{Event: "birth", Year: 2026}); outcomeOf(err) != forbidden {
		t.Errorf("district registrar: %v, want Forbidden", err)
	}
	if got := e.svc.StatisticsEvents(e.actor("fenna.albrecq")); len(got) != 0 {
		t.Errorf("district registrar reads the statistics of %v", got)
	}
	if got := e.svc.StatisticsEvents(e.actor("yara.belcourt")); !slices.Equal(got, []string{"birth", "death"}) {
		t.Errorf("performance manager reads the statistics of %v", got)
	}
	if _, err := e.svc.Statistics(e.ctx, e.actor("yara.belcourt"), stats.Query{Event: "marriage", Year: 2026}); outcomeOf(err) != notFound {
		t.Errorf("no such event: %v, want NotFound", err)
	}
	if _, err := e.svc.Statistics(e.ctx, e.actor("yara.belcourt"), stats.Query{Event: "birth", Year: 20260}); outcomeOf(err) != badReq {
		t.Errorf("year 20260: %v, want BadRequest", err)
	}
}

// A record stored without cells (by an older crvsctl, or before the event had statistics) is
// given them by Rekey, and counted from then on.
func TestRekeyGivesCells(t *testing.T) {
	e := newEnv(t)
	reg := e.setupAt("CR0101")
	r := e.act(reg, e.declare(reg, "birth", completeData("birth")), "register", nil)
	stored := e.get(r.ID)
	if err := e.st.SetIndex(e.ctx, r.ID, stored.Version, stored.Keys, nil, ""); err != nil {
		t.Fatal(err)
	}
	if got := e.statsOf("yara.belcourt", "birth", "", 2026); got.Registered != 0 {
		t.Fatalf("a record without cells counted: %d", got.Registered)
	}
	read, changed, err := e.svc.Rekey(e.ctx, "birth")
	if err != nil || read != 1 || changed != 1 {
		t.Fatalf("Rekey: read %d, changed %d, %v; want 1, 1", read, changed, err)
	}
	if got := e.statsOf("yara.belcourt", "birth", "", 2026); got.Registered != 1 {
		t.Errorf("after Rekey: %d registered, want 1", got.Registered)
	}
	if _, changed, _ := e.svc.Rekey(e.ctx, "birth"); changed != 0 {
		t.Errorf("a second Rekey changed %d records", changed)
	}
}

// TestIndexSchemeHolds pins the keys and cells a record of the example country is given.
// When it fails, what a record is indexed with changed: if the code that makes keys or cells
// changed (runtime/duplicates, store.FuzzyKeys, runtime/stats, keysOf, cells), change
// indexScheme too, or serve would never bring the records stored before up to date (their
// stamp would still say they are); a change of the example country's rules alone changes its
// bundle's hash, which does that already. Then pin the new digest.
func TestIndexSchemeHolds(t *testing.T) {
	const want = "2e9ad37427ad4af4"
	e := newEnv(t)
	reg := e.setupAt("CR0101")
	r := e.get(e.act(reg, e.declare(reg, "birth", sameData("birth")), "register", nil).ID)
	keys := slices.Sorted(slices.Values(r.Keys))
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n") + "\n\n" + strings.Join(r.Stats, "\n")))
	if got := hex.EncodeToString(sum[:8]); got != want || r.IndexedBy != e.svc.indexStamp() {
		t.Errorf("a birth is indexed with digest %s (%d keys, %d cells) by %q, was %s (%s): see the comment of this test", got, len(keys), len(r.Stats), r.IndexedBy, want, indexScheme)
	}
}
