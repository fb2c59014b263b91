package mongostore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxDoc is a message not yet delivered (store.OutboxMessage) in the outbox collection, by
// its ID, which is the hash of its Key: the unique _id keeps one message per key.
type outboxDoc struct {
	ID         string        `bson:"_id"`
	Key        string        `bson:"key"`
	Kind       string        `bson:"kind"`
	Target     string        `bson:"target"`
	Order      string        `bson:"ord"`
	Seq        int64         `bson:"seq"`
	Created    bson.DateTime `bson:"created"`
	Attempts   int           `bson:"attempts"`
	NextAt     bson.DateTime `bson:"nextAt"`
	LeaseUntil bson.DateTime `bson:"leaseUntil"` // 0: not leased
	LeasedBy   string        `bson:"leasedBy"`
	LastError  string        `bson:"lastError"`
	// LastTry and ParkedAt: 0, or absent from a document an earlier crvsctl wrote, when none
	// (store.OutboxMessage).
	LastTry  bson.DateTime `bson:"lastTry"`
	Parked   bool          `bson:"parked"`
	ParkedAt bson.DateTime `bson:"parkedAt"`
	Payload  []byte        `bson:"payload"`
}

// orZero is a time kept as a DateTime, 0 standing for none.
func orZero(t bson.DateTime) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return t.Time().UTC()
}

func (d *outboxDoc) message() store.OutboxMessage {
	m := store.OutboxMessage{ID: d.ID, Key: d.Key, Kind: d.Kind, Target: d.Target, Order: d.Order, Seq: d.Seq,
		Created: d.Created.Time().UTC(), Attempts: d.Attempts, NextAt: d.NextAt.Time().UTC(), LeasedBy: d.LeasedBy,
		LastError: d.LastError, LastTry: orZero(d.LastTry), Parked: d.Parked, ParkedAt: orZero(d.ParkedAt), Payload: d.Payload,
		LeaseUntil: orZero(d.LeaseUntil)}
	return m
}

func (s *Store) outbox() *mongo.Collection {
	return s.passwords.Database().Collection("outbox")
}

// outboxIndexes are what Lease and Parked walk (created by Open, one at a time).
func (s *Store) outboxIndexes(ctx context.Context) error {
	for _, m := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "parked", Value: 1}, {Key: "nextAt", Value: 1}}, Options: options.Index().SetName("due")},
		{Keys: bson.D{{Key: "ord", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("order")},
	} {
		if _, err := s.outbox().Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("indexes of the outbox: %w", err)
		}
	}
	return nil
}

func (s *Store) enqueue(ctx context.Context, msgs []store.OutboxMessage) error {
	for _, m := range msgs {
		payload := []byte(m.Payload)
		if payload == nil {
			payload = []byte{}
		}
		d := outboxDoc{ID: m.ID, Key: m.Key, Kind: m.Kind, Target: m.Target, Order: m.Order, Seq: m.Seq,
			Created: bson.NewDateTimeFromTime(m.Created), NextAt: bson.NewDateTimeFromTime(m.NextAt), Payload: payload}
		if _, err := s.outbox().InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	return nil
}

func (s *Store) Enqueue(ctx context.Context, now time.Time, msgs []store.OutboxMessage) error {
	c := make([]store.OutboxMessage, len(msgs))
	for i, m := range msgs {
		store.CompleteOutbox(&m, now)
		c[i] = m
	}
	return s.enqueue(ctx, c)
}

// recordOutbox enqueues the messages ctx asks for the write of r, once that write succeeded:
// MongoDB has no atomic write of two documents without a transaction, so a crash between the
// two loses them. It runs whatever the caller's context says, the record being written.
func (s *Store) recordOutbox(ctx context.Context, r *store.Record) error {
	msgs := store.OutboxOf(ctx, r)
	if len(msgs) == 0 {
		return nil
	}
	if err := s.enqueue(context.WithoutCancel(ctx), msgs); err != nil {
		return fmt.Errorf("record %s was written, but not its outbox messages: %w", r.ID, err)
	}
	return nil
}

// Lease reads the messages due, keeps those that are the first left of their Order, and takes
// each with an update guarded by its lease being over: of two instances that read one message,
// one update matches. When the messages read are mostly held back by their order, it reads
// further, up to 64 times n.
func (s *Store) Lease(ctx context.Context, n int, now time.Time, ttl time.Duration, instance string) ([]store.OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	n = min(n, store.MaxOutboxLease)
	nowDT := bson.NewDateTimeFromTime(now)
	due := bson.D{{Key: "parked", Value: false}, {Key: "nextAt", Value: bson.D{{Key: "$lte", Value: nowDT}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: nowDT}}}}
	until := bson.NewDateTimeFromTime(now.Add(ttl))
	var out []store.OutboxMessage
	for read := 4 * n; ; read *= 4 {
		cur, err := s.outbox().Find(ctx, due, options.Find().
			SetSort(bson.D{{Key: "nextAt", Value: 1}, {Key: "seq", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(read)))
		if err != nil {
			return out, err
		}
		var docs []outboxDoc
		if err := cur.All(ctx, &docs); err != nil {
			return out, err
		}
		heads, err := s.heads(ctx, docs)
		if err != nil {
			return out, err
		}
		for _, d := range docs {
			if len(out) == n {
				return out, nil
			}
			if heads[d.Order] != d.Seq || slices.ContainsFunc(out, func(m store.OutboxMessage) bool { return m.ID == d.ID }) {
				continue
			}
			var taken bool
			err = s.exclusive(func() error {
				res, err := s.outbox().UpdateOne(ctx, append(bson.D{{Key: "_id", Value: d.ID}}, due...),
					bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: until}, {Key: "leasedBy", Value: instance}}}})
				if err != nil {
					return err
				}
				taken = res.ModifiedCount == 1
				return nil
			})
			if err != nil {
				return out, err
			}
			if taken {
				d.LeaseUntil, d.LeasedBy = until, instance
				out = append(out, d.message())
			}
		}
		if len(docs) < read || read >= 64*n || len(out) == n {
			return out, nil
		}
	}
}

// heads are the lowest Seq left of each Order of docs, in one read.
func (s *Store) heads(ctx context.Context, docs []outboxDoc) (map[string]int64, error) {
	var orders []string
	for _, d := range docs {
		if !slices.Contains(orders, d.Order) {
			orders = append(orders, d.Order)
		}
	}
	heads := map[string]int64{}
	if len(orders) == 0 {
		return heads, nil
	}
	cur, err := s.outbox().Find(ctx, bson.D{{Key: "ord", Value: bson.D{{Key: "$in", Value: orders}}}},
		options.Find().SetProjection(bson.D{{Key: "ord", Value: 1}, {Key: "seq", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var all []struct {
		Order string `bson:"ord"`
		Seq   int64  `bson:"seq"`
	}
	if err := cur.All(ctx, &all); err != nil {
		return nil, err
	}
	for _, a := range all {
		if h, ok := heads[a.Order]; !ok || a.Seq < h {
			heads[a.Order] = a.Seq
		}
	}
	return heads, nil
}

func (s *Store) OutboxDone(ctx context.Context, id string) error {
	res, err := s.outbox().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) OutboxFail(ctx context.Context, id, instance, reason string, now, retryAt time.Time, park bool) error {
	parkedAt := bson.DateTime(0)
	if park {
		parkedAt = bson.NewDateTimeFromTime(now)
	}
	return s.exclusive(func() error {
		res, err := s.outbox().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "leasedBy", Value: instance}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
				{Key: "$set", Value: bson.D{{Key: "lastError", Value: reason}, {Key: "lastTry", Value: bson.NewDateTimeFromTime(now)},
					{Key: "leaseUntil", Value: bson.DateTime(0)}, {Key: "leasedBy", Value: ""}, {Key: "nextAt", Value: bson.NewDateTimeFromTime(retryAt)},
					{Key: "parked", Value: park}, {Key: "parkedAt", Value: parkedAt}}}})
		if err != nil {
			return err
		}
		if res.MatchedCount == 1 {
			return nil
		}
		if err := s.outbox().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != nil {
			return notFound(err)
		}
		return store.ErrConflict
	})
}

// OutboxDefer is one UpdateMany, guarded by the lease's holder.
func (s *Store) OutboxDefer(ctx context.Context, ids []string, instance string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.exclusive(func() error {
		_, err := s.outbox().UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "leasedBy", Value: instance}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: bson.DateTime(0)}, {Key: "leasedBy", Value: ""},
				{Key: "nextAt", Value: bson.NewDateTimeFromTime(until)}}}})
		return err
	})
}

func (s *Store) Parked(ctx context.Context, limit int) ([]store.OutboxMessage, error) {
	if limit <= 0 || limit > store.MaxOutboxLease {
		limit = store.MaxOutboxLease
	}
	// Found through the index due (parked its first key) and sorted in memory, as they were by
	// created before: the parked messages are few, and a sort with a limit keeps only the
	// limit's. A document parked by an earlier crvsctl has no parkedAt, which sorts below
	// every date, so last.
	cur, err := s.outbox().Find(ctx, bson.D{{Key: "parked", Value: true}},
		options.Find().SetSort(bson.D{{Key: "parkedAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var docs []outboxDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]store.OutboxMessage, len(docs))
	for i := range docs {
		out[i] = docs[i].message()
	}
	return out, nil
}

func (s *Store) OutboxRetry(ctx context.Context, id string, now time.Time) error {
	return s.exclusive(func() error {
		res, err := s.outbox().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "parked", Value: true}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "parked", Value: false}, {Key: "parkedAt", Value: bson.DateTime(0)}, {Key: "attempts", Value: 0},
				{Key: "nextAt", Value: bson.NewDateTimeFromTime(now)}, {Key: "leaseUntil", Value: bson.DateTime(0)}, {Key: "leasedBy", Value: ""}}}})
		if err != nil {
			return err
		}
		if res.MatchedCount == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

func (s *Store) OutboxPending(ctx context.Context) (pending, parked int64, err error) {
	if pending, err = s.outbox().CountDocuments(ctx, bson.D{}); err != nil {
		return 0, 0, err
	}
	parked, err = s.outbox().CountDocuments(ctx, bson.D{{Key: "parked", Value: true}})
	return pending, parked, err
}
