package mongotest

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
	"github.com/crvsctl/crvsctl/runtime/store/mongostore"
	"github.com/crvsctl/crvsctl/runtime/store/storetest"
)

func TestConformance(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		storetest.Run(t, func(t *testing.T) store.Store {
			return open(t, uri, database(t, uri))
		})
	})
}

// A second server instance opening the same database finds its records, and the indexes
// it creates again are the ones already there, still enforced.
func TestReopen(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := context.Background()
		name := database(t, uri)
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		r := &store.Record{ID: "B1", Event: "birth", Status: "declared", Data: []byte(`{}`), Version: 1,
			Created: now, Updated: now, CreatedBy: "amina", IdempotencyKey: "k1"}
		a := open(t, uri, name)
		if err := a.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
		b := open(t, uri, name)
		if got, err := b.Record(ctx, "B1"); err != nil || got.IdempotencyKey != "k1" {
			t.Fatalf("record from the second instance: %+v, %v", got, err)
		}
		again := *r
		again.ID = "B2"
		if err := b.CreateRecord(ctx, &again); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("one idempotency key twice, after reopening: %v", err)
		}
		for _, s := range []store.Store{a, b} {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		}
	})
}

// Failures that left the window are removed, so a key's document does not grow forever.
func TestFailuresPruned(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := context.Background()
		name := database(t, uri)
		s := open(t, uri, name)
		defer s.Close()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for _, d := range []time.Duration{0, time.Second, 2 * time.Second, 5 * time.Minute} {
			if _, err := s.AddFailure(ctx, "user:amina", now.Add(d), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		var doc struct {
			At []bson.DateTime `bson:"at"`
		}
		if err := client(t, uri).Database(name).Collection("failures").FindOne(ctx, bson.D{{Key: "_id", Value: "user:amina"}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.At) != 1 {
			t.Errorf("%d failures kept, want the last one", len(doc.At))
		}
	})
}

// A message an earlier crvsctl parked, whose document has neither parkedAt nor lastTry, is
// listed with neither time, after those parked since, and retried as before.
func TestOutboxParkedBefore(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := context.Background()
		name := database(t, uri)
		s := open(t, uri, name)
		defer s.Close()
		created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		old := store.OutboxID("A1/1/sms/0")
		if _, err := client(t, uri).Database(name).Collection("outbox").InsertOne(ctx, bson.D{
			{Key: "_id", Value: old}, {Key: "key", Value: "A1/1/sms/0"}, {Key: "kind", Value: "sms"}, {Key: "target", Value: "+999926619408"},
			{Key: "ord", Value: "A1/sms"}, {Key: "seq", Value: int64(1)}, {Key: "created", Value: bson.NewDateTimeFromTime(created)},
			{Key: "attempts", Value: 1}, {Key: "nextAt", Value: bson.NewDateTimeFromTime(created.Add(2 * time.Second))},
			{Key: "leaseUntil", Value: bson.DateTime(0)}, {Key: "leasedBy", Value: ""}, {Key: "lastError", Value: "the gateway answered 503"},
			{Key: "parked", Value: true}, {Key: "payload", Value: []byte(`{}`)},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, created, []store.OutboxMessage{{Key: "A2/1/webhook/h", Kind: store.OutboxWebhook, Target: "https://hooks.example.org/in"}}); err != nil {
			t.Fatal(err)
		}
		m, err := s.Lease(ctx, 10, created, time.Minute, "i1")
		if err != nil || len(m) != 1 {
			t.Fatalf("leased %+v, %v", m, err)
		}
		parkedAt := created.Add(31 * time.Second)
		if err := s.OutboxFail(ctx, m[0].ID, "i1", "connection refused", parkedAt, parkedAt, true); err != nil {
			t.Fatal(err)
		}
		p, err := s.Parked(ctx, 10)
		if err != nil || len(p) != 2 || p[0].ID != m[0].ID || p[1].ID != old {
			t.Fatalf("parked %+v, %v", p, err)
		}
		if !p[0].ParkedAt.Equal(parkedAt) || !p[1].ParkedAt.IsZero() || !p[1].LastTry.IsZero() || !p[1].Created.Equal(created) ||
			p[1].LastError != "the gateway answered 503" || p[1].Attempts != 1 {
			t.Errorf("parked %+v", p)
		}
		if err := s.OutboxRetry(ctx, old, parkedAt); err != nil {
			t.Fatal(err)
		}
		if m, err := s.Lease(ctx, 10, parkedAt, time.Minute, "i1"); err != nil || len(m) != 1 || m[0].ID != old || !m[0].ParkedAt.IsZero() {
			t.Errorf("after the retry, leased %+v, %v", m, err)
		}
	})
}

// servers runs fn on FerretDB, and on the MongoDB server of CRVSCTL_TEST_MONGODB_URI if set.
func servers(t *testing.T, fn func(t *testing.T, uri string)) {
	t.Run("FerretDB", func(t *testing.T) { fn(t, startFerretDB(t)) })
	if uri := os.Getenv("CRVSCTL_TEST_MONGODB_URI"); uri != "" {
		t.Run("MongoDB", func(t *testing.T) { fn(t, uri) })
	}
}

func open(t *testing.T, uri, name string) *mongostore.Store {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := mongostore.Open(ctx, uri, name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// database names a new database for one test, and drops it when the test ends so that a
// shared server does not keep it.
func database(t *testing.T, uri string) string {
	name := "crvsctl_test_" + rand.Text()[:12]
	c := client(t, uri)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Database(name).Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

// client is a connection of the test's own to the server, closed when the test ends.
func client(t *testing.T, uri string) *mongo.Client {
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return c
}

// startFerretDB runs FerretDB on SQLite files in a temporary directory until the test ends,
// and returns its URI.
func startFerretDB(t *testing.T) string {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/",
		Logger:    slog.New(slog.DiscardHandler), // it logs every connection
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Run(ctx); err != nil {
			t.Errorf("FerretDB: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f.MongoDBURI()
}

// TestInstances: two stores on one database, as two crvsctl servers share it.
func TestInstances(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		storetest.RunInstances(t, func(t *testing.T) (store.Store, store.Store) {
			name := database(t, uri)
			return open(t, uri, name), open(t, uri, name)
		})
	})
}
