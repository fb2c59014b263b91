package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/audit"
	"github.com/crvsctl/crvsctl/runtime/server"
)

// The server signs the audit log's head while it serves (here every entry, polled often) and
// once more when it stops, so that the last logins are covered; the chain and its checkpoints
// verify with the key's public half.
func TestAuditCheckpoints(t *testing.T) {
	key, err := seal.GenerateKey("NV-AUDIT-1", "2020-01-01", "2099-12-31", "")
	if err != nil {
		t.Fatal(err)
	}
	base, st, _, stop := serving(t, t.TempDir(), func(s *server.Server) {
		s.SignAudit(key)
		s.Checkpointer().Every = 1
		s.Checkpointer().Poll = 10 * time.Millisecond
	})
	login := func(pw string) {
		res, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"lidya.verhane","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	login(devPassword)
	ctx := context.Background()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		cps, err := st.AuditCheckpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint while serving")
		}
	}
	login("wrong")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	cps, err := st.AuditCheckpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := audit.Head(ctx, st)
	if err != nil || head == nil || head.Kind != "login-failed" {
		t.Fatalf("head %+v, %v", head, err)
	}
	if last := cps[len(cps)-1]; last.Seq != head.Seq || last.Hash != head.Hash || last.KeyID != "NV-AUDIT-1" {
		t.Errorf("the last checkpoint %+v is not of the head at shutdown %d %s", last, head.Seq, head.Hash)
	}
	data, _ := seal.MarshalKeyring(key.Public())
	ring, _ := seal.ParseKeyring(data)
	rep, err := audit.Verify(audit.StoreEntries(ctx, st), cps, ring)
	if err != nil || !rep.OK() || rep.Checkpoints != len(cps) {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
