package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// assignmentDoc is a record's hold (store.Assignment), by the record's tracking ID: a
// collection of its own, so that assigning a record never touches the record's document
// (nor its version). An expired one stays until the record is assigned again or released.
type assignmentDoc struct {
	Record string    `bson:"_id"`
	User   string    `bson:"user"`
	Until  time.Time `bson:"until"`
}

func (d *assignmentDoc) assignment() *store.Assignment {
	return &store.Assignment{Record: d.Record, User: d.User, Until: d.Until.UTC()}
}

func (s *Store) assignments() *mongo.Collection {
	return s.records.Database().Collection("assignments")
}

// Assign inserts the hold, or, when the record has one, takes it over where it is the user's
// or has ended: one atomic write either way, the unique _id settling two first assigns at
// once, the filter two takeovers.
func (s *Store) Assign(ctx context.Context, id, user string, now, until time.Time) (*store.Assignment, error) {
	d := assignmentDoc{Record: id, User: user, Until: until.UTC().Truncate(time.Millisecond)}
	for range 3 {
		_, err := s.assignments().InsertOne(ctx, d)
		if err == nil {
			return d.assignment(), nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, err
		}
		var res *mongo.UpdateResult
		err = s.exclusive(func() (err error) {
			res, err = s.assignments().UpdateOne(ctx, bson.D{
				{Key: "_id", Value: id},
				{Key: "$or", Value: bson.A{
					bson.D{{Key: "user", Value: user}},
					bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: now.UTC().Truncate(time.Millisecond)}}}},
				}},
			}, bson.D{{Key: "$set", Value: bson.D{{Key: "user", Value: user}, {Key: "until", Value: d.Until}}}})
			return err
		})
		if err != nil {
			return nil, err
		}
		if res.MatchedCount == 1 {
			return d.assignment(), nil
		}
		held, err := s.Assignment(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // released between the two: insert again
		}
		if err != nil {
			return nil, err
		}
		return held, store.ErrConflict
	}
	held, err := s.Assignment(ctx, id)
	if err != nil {
		return nil, err
	}
	return held, store.ErrConflict
}

func (s *Store) Release(ctx context.Context, id, user string, force bool) error {
	filter := bson.D{{Key: "_id", Value: id}}
	if !force {
		filter = append(filter, bson.E{Key: "user", Value: user})
	}
	var res *mongo.DeleteResult
	err := s.exclusive(func() (err error) {
		res, err = s.assignments().DeleteOne(ctx, filter)
		return err
	})
	if err != nil {
		return err
	}
	if res.DeletedCount > 0 {
		return nil
	}
	if _, err := s.Assignment(ctx, id); err != nil {
		return err // ErrNotFound: nobody holds it
	}
	return store.ErrConflict
}

func (s *Store) Assignment(ctx context.Context, id string) (*store.Assignment, error) {
	var d assignmentDoc
	if err := s.assignments().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return d.assignment(), nil
}
