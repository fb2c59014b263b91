package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// bundleDoc is a bundle served, by its hash.
type bundleDoc struct {
	Hash    string    `bson:"_id"`
	Version string    `bson:"version"`
	Served  time.Time `bson:"served"`
	Data    []byte    `bson:"data"`
}

func (s *Store) bundles() *mongo.Collection { return s.records.Database().Collection("bundles") }

func (s *Store) KeepBundle(ctx context.Context, b store.BundleInfo, data []byte) error {
	_, err := s.bundles().InsertOne(ctx, bundleDoc{b.Hash, b.Version, b.Served.UTC().Truncate(time.Millisecond), data})
	if mongo.IsDuplicateKeyError(err) {
		return nil // kept before: its first serving stays
	}
	return err
}

func (s *Store) Bundles(ctx context.Context) ([]store.BundleInfo, error) {
	cur, err := s.bundles().Find(ctx, bson.D{}, options.Find().
		SetProjection(bson.D{{Key: "data", Value: 0}}).SetSort(bson.D{{Key: "served", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []bundleDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]store.BundleInfo, len(docs))
	for i, d := range docs {
		out[i] = store.BundleInfo{Hash: d.Hash, Version: d.Version, Served: d.Served.UTC()}
	}
	return out, nil
}

func (s *Store) BundleData(ctx context.Context, hash string) ([]byte, error) {
	var d bundleDoc
	if err := s.bundles().FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return d.Data, nil
}
