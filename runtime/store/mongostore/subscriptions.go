package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// subscriptionDoc is an OSIA subscription (store.Subscription) in the subscriptions
// collection, by ID. endpoint (owner, topic, protocol and address) is unique: subscribing
// twice finds the first.
type subscriptionDoc struct {
	ID       string        `bson:"_id"`
	Endpoint string        `bson:"endpoint"`
	Owner    string        `bson:"owner"`
	Topic    string        `bson:"topic"`
	Protocol string        `bson:"protocol"`
	Address  string        `bson:"address"`
	Policy   string        `bson:"policy"`
	Token    string        `bson:"token"`
	Active   bool          `bson:"active"`
	Created  bson.DateTime `bson:"created"`
}

func (s *Store) subscriptions() *mongo.Collection {
	return s.passwords.Database().Collection("subscriptions")
}

func endpoint(sub *store.Subscription) string {
	// NUL is in none of them (they come from URLs' query strings and usernames, checked).
	return sub.Owner + "\x00" + sub.Topic + "\x00" + sub.Protocol + "\x00" + sub.Address
}

func (d subscriptionDoc) subscription() store.Subscription {
	return store.Subscription{ID: d.ID, Owner: d.Owner, Topic: d.Topic, Protocol: d.Protocol, Address: d.Address,
		Policy: d.Policy, Token: d.Token, Active: d.Active, Created: d.Created.Time().UTC()}
}

// AddSubscription inserts the subscription; the unique endpoint refuses a second one, which
// is then read back. The count of the owner's subscriptions is read first: two inserts at
// once may pass MaxSubscriptions by one each, which the limit tolerates.
func (s *Store) AddSubscription(ctx context.Context, sub *store.Subscription) (*store.Subscription, error) {
	c := s.subscriptions()
	find := func() (*store.Subscription, error) {
		var d subscriptionDoc
		if err := c.FindOne(ctx, bson.D{{Key: "endpoint", Value: endpoint(sub)}}).Decode(&d); err != nil {
			return nil, notFound(err)
		}
		out := d.subscription()
		return &out, nil
	}
	if old, err := find(); err == nil {
		return old, nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "owner", Value: sub.Owner}})
	if err != nil {
		return nil, err
	}
	if n >= store.MaxSubscriptions {
		return nil, fmt.Errorf("%s keeps %d subscriptions: %w", sub.Owner, n, store.ErrTooManySubscriptions)
	}
	d := subscriptionDoc{ID: sub.ID, Endpoint: endpoint(sub), Owner: sub.Owner, Topic: sub.Topic, Protocol: sub.Protocol,
		Address: sub.Address, Policy: sub.Policy, Token: sub.Token, Active: sub.Active, Created: bson.NewDateTimeFromTime(sub.Created)}
	if _, err := c.InsertOne(ctx, d); mongo.IsDuplicateKeyError(err) {
		return find()
	} else if err != nil {
		return nil, err
	}
	out := d.subscription()
	return &out, nil
}

func (s *Store) Subscriptions(ctx context.Context, q store.SubscriptionQuery) ([]store.Subscription, error) {
	filter := bson.D{}
	if q.Owner != "" {
		filter = append(filter, bson.E{Key: "owner", Value: q.Owner})
	}
	if q.Topic != "" {
		filter = append(filter, bson.E{Key: "topic", Value: q.Topic})
	}
	if q.ActiveOnly {
		filter = append(filter, bson.E{Key: "active", Value: true})
	}
	cur, err := s.subscriptions().Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "created", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []subscriptionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var out []store.Subscription
	for _, d := range docs {
		out = append(out, d.subscription())
	}
	return out, nil
}

func (s *Store) DeleteSubscription(ctx context.Context, owner, id string) error {
	res, err := s.subscriptions().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (s *Store) ConfirmSubscription(ctx context.Context, owner, token string) (*store.Subscription, error) {
	if token == "" {
		return nil, store.ErrNotFound
	}
	filter := bson.D{{Key: "owner", Value: owner}, {Key: "token", Value: token}}
	if _, err := s.subscriptions().UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "active", Value: true}}}}); err != nil {
		return nil, err
	}
	var d subscriptionDoc
	if err := s.subscriptions().FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	out := d.subscription()
	return &out, nil
}
