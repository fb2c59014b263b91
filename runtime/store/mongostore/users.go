package mongostore

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// userDoc is a user (store.User) in the users collection, by username.
type userDoc struct {
	Username     string        `bson:"_id"`
	Name         string        `bson:"name"`
	Role         string        `bson:"role"`
	Office       string        `bson:"office"`
	Email        string        `bson:"email"`
	Phone        string        `bson:"phone"`
	Active       bool          `bson:"active"`
	MustChange   bool          `bson:"mustChangePassword"`
	Administered bool          `bson:"administered"`
	Sheet        bool          `bson:"sheet"`
	Version      int64         `bson:"version"`
	Updated      bson.DateTime `bson:"updated"`
	UpdatedBy    string        `bson:"updatedBy"`
}

func toUserDoc(u *store.User) userDoc {
	return userDoc{u.Username, u.Name, u.Role, u.Office, u.Email, u.Phone, u.Active, u.MustChangePassword,
		u.Administered, u.Sheet, u.Version, bson.NewDateTimeFromTime(u.Updated), u.UpdatedBy}
}

func (d userDoc) user() *store.User {
	return &store.User{Username: d.Username, Name: d.Name, Role: d.Role, Office: d.Office, Email: d.Email, Phone: d.Phone,
		Active: d.Active, MustChangePassword: d.MustChange, Administered: d.Administered, Sheet: d.Sheet,
		Version: d.Version, Updated: d.Updated.Time().UTC(), UpdatedBy: d.UpdatedBy}
}

func (s *Store) usersColl() *mongo.Collection { return s.passwords.Database().Collection("users") }

func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	d := toUserDoc(u)
	d.Version = 1
	_, err := s.usersColl().InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return store.ErrDuplicate
	}
	return err
}

func (s *Store) User(ctx context.Context, username string) (*store.User, error) {
	var d userDoc
	if err := s.usersColl().FindOne(ctx, bson.D{{Key: "_id", Value: username}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return d.user(), nil
}

func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	cur, err := s.usersColl().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]store.User, 0, len(docs))
	for _, d := range docs {
		out = append(out, *d.user())
	}
	return out, nil
}

// UpdateUser replaces the user's document if it is at the version before, in one atomic
// update guarded by the version (taking turns on FerretDB, see Store.serial).
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	return s.exclusive(func() error {
		res, err := s.usersColl().ReplaceOne(ctx, bson.D{{Key: "_id", Value: u.Username}, {Key: "version", Value: u.Version - 1}}, toUserDoc(u))
		if err != nil {
			return err
		}
		if res.MatchedCount == 1 {
			return nil
		}
		if err := s.usersColl().FindOne(ctx, bson.D{{Key: "_id", Value: u.Username}}).Err(); errors.Is(err, mongo.ErrNoDocuments) {
			return store.ErrNotFound
		} else if err != nil {
			return err
		}
		return store.ErrConflict
	})
}

func (s *Store) DeleteSessions(ctx context.Context, user string) error {
	_, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "user", Value: user}})
	return err
}
