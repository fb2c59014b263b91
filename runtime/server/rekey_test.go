package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestRekeyReadsOnlyWhatAnotherVersionIndexed: the pass serve makes at start reads nothing
// when it starts again with the version that keyed every record; a new version reads every
// record once, then nothing; and a record an instance still serving the old version writes
// meanwhile (a rolling upgrade) is read again, alone, by the next pass of the new version.
func TestRekeyReadsOnlyWhatAnotherVersionIndexed(t *testing.T) {
	st, key := versionsStore(t)
	ctx := context.Background()
	rekey := func(svc interface {
		Rekey(context.Context, string) (int, int, error)
	}, want int, when string) {
		t.Helper()
		read, _, err := svc.Rekey(ctx, "birth")
		if err != nil || read != want {
			t.Errorf("%s: the pass read %d records (%v), want %d", when, read, err, want)
		}
	}

	_, base1, stop1, srv1 := served(t, st, nerovia, key)
	defer stop1()
	lidya := login(t, base1, "lidya.verhane")
	var ids []string
	for range 3 {
		lidya.uploadDocuments(t)
		var data map[string]any
		json.Unmarshal(birthJSON(t), &data)
		var r record
		lidya.expect(t, http.StatusCreated, "POST", "/api/v1/records", map[string]any{"event": "birth", "data": data}).decode(t, &r)
		ids = append(ids, r.ID)
	}
	rekey(srv1.Records(), 0, "version 1 again, over the records it declared")

	// Version 2 served beside version 1, as in a rolling upgrade.
	_, _, stop2, srv2 := served(t, st, nerovia2(t), key)
	defer stop2()
	rekey(srv2.Records(), 3, "version 2's first pass")
	rekey(srv2.Records(), 0, "version 2's second pass")

	// The instance of version 1 validates a record: its keys and cells are version 1's again.
	lidya.expect(t, http.StatusOK, "POST", "/api/v1/records/"+ids[1]+"/actions/validate", map[string]any{"version": 1})
	rekey(srv2.Records(), 1, "version 2 after version 1 wrote a record")
	rekey(srv2.Records(), 0, "version 2 once more")
}
