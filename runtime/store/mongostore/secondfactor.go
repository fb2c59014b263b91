package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// secondFactorDoc is a user's second factor (store.SecondFactor) in the secondFactors
// collection, by username.
type secondFactorDoc struct {
	User     string        `bson:"_id"`
	Secret   string        `bson:"secret"`
	Enrolled bool          `bson:"enrolled"`
	Recovery []string      `bson:"recovery"`
	LastStep int64         `bson:"lastStep"`
	Version  int64         `bson:"version"`
	Updated  bson.DateTime `bson:"updated"`
}

func (s *Store) secondFactors() *mongo.Collection {
	return s.passwords.Database().Collection("secondFactors")
}

func (s *Store) SecondFactor(ctx context.Context, user string) (*store.SecondFactor, error) {
	var d secondFactorDoc
	if err := s.secondFactors().FindOne(ctx, bson.D{{Key: "_id", Value: user}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return &store.SecondFactor{User: d.User, Secret: d.Secret, Enrolled: d.Enrolled, Recovery: d.Recovery,
		LastStep: d.LastStep, Version: d.Version, Updated: d.Updated.Time().UTC()}, nil
}

// SaveSecondFactor inserts the first version (the unique _id refuses a second) or replaces
// the one before, guarded by its version (taking turns on FerretDB, see Store.serial).
func (s *Store) SaveSecondFactor(ctx context.Context, f *store.SecondFactor) error {
	recovery := f.Recovery
	if recovery == nil {
		recovery = []string{}
	}
	d := secondFactorDoc{f.User, f.Secret, f.Enrolled, recovery, f.LastStep, max(f.Version, 1), bson.NewDateTimeFromTime(f.Updated)}
	if d.Version == 1 {
		_, err := s.secondFactors().InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			return store.ErrConflict
		}
		return err
	}
	return s.exclusive(func() error {
		res, err := s.secondFactors().ReplaceOne(ctx, bson.D{{Key: "_id", Value: f.User}, {Key: "version", Value: f.Version - 1}}, d)
		if err != nil {
			return err
		}
		if res.MatchedCount != 1 {
			return store.ErrConflict
		}
		return nil
	})
}

func (s *Store) DeleteSecondFactor(ctx context.Context, user string) error {
	res, err := s.secondFactors().DeleteOne(ctx, bson.D{{Key: "_id", Value: user}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}
