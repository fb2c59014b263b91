package mongostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// auditDoc is an entry of the audit log, by its Seq: the unique _id is what makes the log one
// chain when several servers append at once (each reads the head and inserts the next Seq;
// the one that loses the race reads the head again). Details are kept as a string, the bytes
// hashed, never re-encoded.
type auditDoc struct {
	Seq     int64         `bson:"_id"`
	Time    bson.DateTime `bson:"time"`
	User    string        `bson:"user"`
	Role    string        `bson:"role"`
	Office  string        `bson:"office"`
	Areas   []string      `bson:"areas"`
	Kind    string        `bson:"kind"`
	Record  string        `bson:"record"`
	Action  string        `bson:"action"`
	Details string        `bson:"details"`
	Prev    string        `bson:"prev"`
	Hash    string        `bson:"hash"`
}

type checkpointDoc struct {
	ID        string        `bson:"_id"` // seq/keyId
	Seq       int64         `bson:"seq"`
	KeyID     string        `bson:"keyId"`
	Hash      string        `bson:"hash"`
	Time      bson.DateTime `bson:"time"`
	Signature string        `bson:"signature"`
}

func (s *Store) auditLog() *mongo.Collection { return s.records.Database().Collection("audit") }
func (s *Store) auditCheckpoints() *mongo.Collection {
	return s.records.Database().Collection("audit_checkpoints")
}

// auditIndexes are made by Open with the others.
func (s *Store) auditIndexes(ctx context.Context) error {
	named := func(name string) *options.IndexOptionsBuilder { return options.Index().SetName(name) }
	for _, m := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "user", Value: 1}, {Key: "_id", Value: -1}}, Options: named("user")},
		{Keys: bson.D{{Key: "record", Value: 1}, {Key: "_id", Value: -1}}, Options: named("record")},
		{Keys: bson.D{{Key: "areas", Value: 1}, {Key: "_id", Value: -1}}, Options: named("areas")},
		{Keys: bson.D{{Key: "office", Value: 1}, {Key: "_id", Value: -1}}, Options: named("office")},
	} {
		if _, err := s.auditLog().Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("indexes of audit: %w", err)
		}
	}
	return nil
}

// maxAuditRaces is how often AppendAudit reads the head again after another writer took its
// Seq before giving up.
const maxAuditRaces = 1000

func (s *Store) AppendAudit(ctx context.Context, e *store.AuditEntry) error {
	c := *e
	for range maxAuditRaces {
		var head auditDoc
		err := s.auditLog().FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).
			SetProjection(bson.D{{Key: "hash", Value: 1}})).Decode(&head)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			c.Chain(nil)
		case err != nil:
			return err
		default:
			c.Chain(&store.AuditEntry{Seq: head.Seq, Hash: head.Hash})
		}
		_, err = s.auditLog().InsertOne(ctx, auditDoc{
			Seq: c.Seq, Time: bson.NewDateTimeFromTime(c.Time), User: c.User, Role: c.Role, Office: c.Office,
			Areas: nonNil(c.Areas), Kind: c.Kind, Record: c.Record, Action: c.Action, Details: string(c.Details), Prev: c.Prev, Hash: c.Hash,
		})
		if mongo.IsDuplicateKeyError(err) {
			continue // another writer appended first: after its entry, then
		}
		if err == nil {
			*e = c
		}
		return err
	}
	return fmt.Errorf("audit: %d appends in a row lost the race for the head", maxAuditRaces)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// recordAudit appends the entry ctx carries for the write of r, once that write succeeded:
// MongoDB has no atomic write of two documents without a transaction, so a crash between the
// two loses the entry. It runs whatever the caller's context says, the record being written.
//
// The outbox's messages the context asks for (store.WithOutbox) are enqueued first, in the
// same way: see recordOutbox.
func (s *Store) recordAudit(ctx context.Context, r *store.Record, number string) error {
	oerr := s.recordOutbox(ctx, r)
	e := store.AuditOf(ctx, r, number)
	if e == nil {
		return oerr
	}
	if err := s.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		return errors.Join(oerr, fmt.Errorf("record %s was written, but not its audit entry: %w", r.ID, err))
	}
	return oerr
}

func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	filter := bson.D{}
	eq := func(k, v string) {
		if v != "" {
			filter = append(filter, bson.E{Key: k, Value: v})
		}
	}
	eq("user", q.User)
	eq("record", q.Record)
	eq("kind", q.Kind)
	eq("office", q.Office)
	eq("areas", q.Area)
	t := bson.D{}
	if !q.From.IsZero() {
		t = append(t, bson.E{Key: "$gte", Value: bson.NewDateTimeFromTime(q.From)})
	}
	if !q.To.IsZero() {
		t = append(t, bson.E{Key: "$lt", Value: bson.NewDateTimeFromTime(q.To)})
	}
	if len(t) > 0 {
		filter = append(filter, bson.E{Key: "time", Value: t})
	}
	dir := -1
	if q.Oldest {
		dir = 1
	}
	if q.After != "" {
		after, err := strconv.ParseInt(q.After, 10, 64)
		if err != nil {
			return store.AuditPage{}, errors.New("audit: a malformed page cursor")
		}
		op := "$lt"
		if q.Oldest {
			op = "$gt"
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: op, Value: after}}})
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxAuditPage {
		limit = store.MaxAuditPage
	}
	cur, err := s.auditLog().Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: dir}}).SetLimit(int64(limit+1)))
	if err != nil {
		return store.AuditPage{}, err
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return store.AuditPage{}, err
	}
	var page store.AuditPage
	for _, d := range docs {
		e := store.AuditEntry{Seq: d.Seq, Time: d.Time.Time().UTC(), User: d.User, Role: d.Role, Office: d.Office,
			Kind: d.Kind, Record: d.Record, Action: d.Action, Prev: d.Prev, Hash: d.Hash}
		if len(d.Areas) > 0 {
			e.Areas = d.Areas
		}
		if d.Details != "" {
			e.Details = json.RawMessage(d.Details)
		}
		page.Entries = append(page.Entries, e)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.Next = strconv.FormatInt(page.Entries[limit-1].Seq, 10)
	}
	return page, nil
}

func (s *Store) AddAuditCheckpoint(ctx context.Context, c *store.AuditCheckpoint) error {
	_, err := s.auditCheckpoints().InsertOne(ctx, checkpointDoc{
		ID: strconv.FormatInt(c.Seq, 10) + "/" + c.KeyID, Seq: c.Seq, KeyID: c.KeyID, Hash: c.Hash,
		Time: bson.NewDateTimeFromTime(c.Time.UTC().Truncate(time.Millisecond)), Signature: c.Signature,
	})
	if mongo.IsDuplicateKeyError(err) {
		return nil // signed already by that key
	}
	return err
}

func (s *Store) AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error) {
	cur, err := s.auditCheckpoints().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}, {Key: "keyId", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []checkpointDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]store.AuditCheckpoint, len(docs))
	for i, d := range docs {
		out[i] = store.AuditCheckpoint{Seq: d.Seq, KeyID: d.KeyID, Hash: d.Hash, Time: d.Time.Time().UTC(), Signature: d.Signature}
	}
	return out, nil
}
