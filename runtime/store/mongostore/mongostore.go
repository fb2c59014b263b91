// Package mongostore is the store for deployments that outgrow one machine: a MongoDB
// database, which any number of crvsctl servers share.
//
// It uses no multi-document transaction. A record is one document holding its state and its
// history, so an action is one update guarded by the record's version; a sequence is one
// counter document incremented in place; uniqueness (tracking IDs, registration numbers,
// idempotency keys, session tokens) is left to unique indexes, the last line of defence
// against two servers racing.
//
// Nothing a user typed is ever read as a query operator: Record.Data and the JSON of history
// entries are kept as bytes (field ids hold dots, values may look like {"$gt": ""}), every
// query value is a literal, and name prefixes are quoted before they become a pattern.
//
// Durability is the server's write concern: give w=majority in the URI of a replica set
// whose default is weaker.
//
// FerretDB v1, which the tests run on, works too, for one crvsctl server only: its updates
// are not atomic, so this store makes its own take turns (see Store.serial).
package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// Store is a store.Store in a MongoDB database.
type Store struct {
	client    *mongo.Client
	records   *mongo.Collection
	counters  *mongo.Collection
	drafts    *mongo.Collection
	passwords *mongo.Collection
	sessions  *mongo.Collection
	failures  *mongo.Collection
	documents *mongo.Collection
	uploads   *mongo.Collection

	// serial is set when the server is FerretDB (v1), whose updates read a document and
	// write it back in two steps: two updates of one document at once can both pass a
	// version guard, or lose an increment (FerretDB issue 3040). Updates then take turns
	// behind a lock of this process, one per server and database (see serials), which every
	// Store value on them shares: correct for one crvsctl process only. Two processes on one
	// FerretDB database can both pass a version guard and draw one registration number
	// twice (the suite's RunInstances shows it with two locks): FerretDB is for tests and
	// single-machine trials, not for several servers. Nil on MongoDB, whose updates are
	// atomic.
	serial *sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open connects to the MongoDB server at uri and uses its database, creating the indexes the
// store needs (creating them again changes nothing).
func Open(ctx context.Context, uri, database string) (*Store, error) {
	opts := options.Client().ApplyURI(uri)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, client, strings.Join(opts.Hosts, ",")+"/"+database, database)
	if err != nil {
		client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// serials are the locks of FerretDB databases in this process, by server and database (see
// Store.serial).
var serials sync.Map // string -> *sync.Mutex

func open(ctx context.Context, client *mongo.Client, key, database string) (*Store, error) {
	if err := client.Ping(ctx, nil); err != nil {
		return nil, err
	}
	db := client.Database(database)
	s := &Store{
		client:    client,
		records:   db.Collection("records"),
		counters:  db.Collection("counters"),
		drafts:    db.Collection("drafts"),
		passwords: db.Collection("passwords"),
		sessions:  db.Collection("sessions"),
		failures:  db.Collection("failures"),
		documents: db.Collection("documents"),
		uploads:   db.Collection("uploads"),
	}
	var info struct {
		FerretDB string `bson:"ferretdbVersion"` // FerretDB's addition to buildInfo
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return nil, fmt.Errorf("buildInfo: %w", err)
	}
	if info.FerretDB != "" {
		mu, _ := serials.LoadOrStore(key, new(sync.Mutex))
		s.serial = mu.(*sync.Mutex)
	}

	// Unique indexes on a field many documents lack are sparse: a record has no number until
	// it is registered, nor an idempotency key unless its client gave one, and those fields
	// are then absent, never "". (A partial index would say so more exactly, but FerretDB v1
	// has none; it accepts sparse and, its index being on SQLite where absent values are
	// NULL and never equal, behaves the same.)
	unique := func(name string) *options.IndexOptionsBuilder {
		return options.Index().SetName(name).SetUnique(true).SetSparse(true)
	}
	named := func(name string) *options.IndexOptionsBuilder { return options.Index().SetName(name) }
	byCreated := func(field string) bson.D {
		return bson.D{{Key: field, Value: 1}, {Key: "created", Value: 1}, {Key: "_id", Value: 1}}
	}
	indexes := []struct {
		c      *mongo.Collection
		models []mongo.IndexModel
	}{
		{s.records, []mongo.IndexModel{
			{Keys: bson.D{{Key: "number", Value: 1}}, Options: unique("number")},
			{Keys: bson.D{{Key: "userKey", Value: 1}}, Options: unique("userKey")},
			// Searches page in (created, _id) order, and most select by one of these first.
			{Keys: bson.D{{Key: "created", Value: 1}, {Key: "_id", Value: 1}}, Options: named("created")},
			{Keys: byCreated("status"), Options: named("status")},
			{Keys: byCreated("office"), Options: named("office")},
			{Keys: byCreated("areas"), Options: named("areas")},
			// A search by name finds one word's records in (created, _id) order and stops at a
			// page, rather than sorting every record of a prefix (see prefixes).
			{Keys: byCreated("prefixes"), Options: named("prefixes")},
			// Who may read a document: the records that reference it.
			{Keys: byCreated("documents"), Options: named("documents")},
			// Possible duplicates: the records holding any of a record's keys (see keysIndex).
			{Keys: byCreated("keys"), Options: named(keysIndex)},
			// Statistics: the records holding cells of a prefix (see Counts).
			{Keys: bson.D{{Key: "stats", Value: 1}}, Options: named(statsIndex)},
		}},
		{s.drafts, []mongo.IndexModel{
			{Keys: bson.D{{Key: "user", Value: 1}, {Key: "updated", Value: -1}}, Options: named("user")},
		}},
		{s.subscriptions(), []mongo.IndexModel{
			{Keys: bson.D{{Key: "endpoint", Value: 1}}, Options: unique("endpoint")},
			{Keys: bson.D{{Key: "topic", Value: 1}, {Key: "active", Value: 1}}, Options: named("topic")},
		}},
		{s.sessions, []mongo.IndexModel{
			{Keys: bson.D{{Key: "expires", Value: 1}}, Options: named("expires")},
			// A user deactivated or whose password is reset: their sessions end at once.
			{Keys: bson.D{{Key: "user", Value: 1}}, Options: named("user")},
		}},
	}
	// One at a time: FerretDB v1 panics when one createIndexes holds several indexes that
	// already exist, as every Open after the first would send.
	for _, ix := range indexes {
		for _, m := range ix.models {
			if _, err := ix.c.Indexes().CreateOne(ctx, m); err != nil {
				return nil, fmt.Errorf("indexes of %s: %w", ix.c.Name(), err)
			}
		}
	}
	if err := s.auditIndexes(ctx); err != nil {
		return nil, err
	}
	if err := s.outboxIndexes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close disconnects from the server, once the operations in progress have ended (the
// driver waits for them, up to 10 seconds); operations after it fail
// (mongo.ErrClientDisconnected). Closing again does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.closeErr = s.client.Disconnect(ctx)
	})
	return s.closeErr
}

// exclusive runs an update that must be atomic; see Store.serial.
func (s *Store) exclusive(fn func() error) error {
	if s.serial != nil {
		s.serial.Lock()
		defer s.serial.Unlock()
	}
	return fn()
}

// upsert runs an upsert again when it lost a race: two first upserts of one _id both find
// nothing and insert, and the unique _id refuses one of them; run again, it finds the
// document the other inserted.
func upsert(fn func() error) error {
	for range 3 {
		if err := fn(); !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	return fn()
}

// notFound turns "no document" into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return store.ErrNotFound
	}
	return err
}

// pair is one string for two, such as a user and their key, that no other two give.
func pair(a, b string) string {
	return strconv.Itoa(len(a)) + ":" + a + "/" + b
}

// state is what UpdateRecord replaces: every field of a record but its identity, its
// creation and its history.
type state struct {
	Event     string   `bson:"event"`
	Bundle    string   `bson:"bundle"`
	Status    string   `bson:"status"`
	Flags     []string `bson:"flags"`
	Data      []byte   `bson:"data"` // the JSON as declared
	Office    string   `bson:"office"`
	Areas     []string `bson:"areas"`
	Number    string   `bson:"number,omitempty"` // absent until registered: see the index
	Title     string   `bson:"title"`
	Names     []string `bson:"names"`
	Prefixes  []string `bson:"prefixes"` // see prefixes
	EventDate string   `bson:"eventDate"`
	Documents []string `bson:"documents"`
	Keys      []string `bson:"keys"` // indexed (multikey), and replaced whole with the rest
	// Stats are the record's statistics cells, each once (store.StatsSet): indexed
	// (multikey), and counted by Counts.
	Stats      []string       `bson:"stats"`
	Registered *bson.DateTime `bson:"registered,omitempty"` // absent until registered
	// IndexedBy: store.Record.IndexedBy; absent in a record stored before it, which $ne
	// finds as it finds another stamp.
	IndexedBy string        `bson:"indexedBy"`
	Version   int64         `bson:"version"`
	Updated   bson.DateTime `bson:"updated"`
}

// recordDoc is a record as stored. Searches read it without its history.
type recordDoc struct {
	ID        string        `bson:"_id"`
	State     state         `bson:",inline"`
	Created   bson.DateTime `bson:"created"`
	CreatedBy string        `bson:"createdBy"`
	Key       string        `bson:"idempotencyKey,omitempty"`
	KeyHash   string        `bson:"requestHash,omitempty"`
	UserKey   string        `bson:"userKey,omitempty"` // pair(createdBy, idempotencyKey), unique
	History   []entryDoc    `bson:"history,omitempty"`
}

type entryDoc struct {
	Version  int64         `bson:"version"`
	Action   string        `bson:"action"`
	User     string        `bson:"user"`
	Role     string        `bson:"role"`
	Office   string        `bson:"office"`
	At       bson.DateTime `bson:"at"`
	Status   string        `bson:"status,omitempty"`
	AddFlags []string      `bson:"addFlags,omitempty"`
	DelFlags []string      `bson:"removeFlags,omitempty"`
	Number   string        `bson:"number,omitempty"`
	Changes  []changeDoc   `bson:"changes,omitempty"`
	Comment  string        `bson:"comment,omitempty"`
	Details  []byte        `bson:"details,omitempty"`
}

type changeDoc struct {
	Field string `bson:"field"`
	Old   []byte `bson:"old,omitempty"`
	New   []byte `bson:"new,omitempty"`
}

// list keeps an empty list a list: a missing or null array would not be one to $nin.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func stateOf(r *store.Record) state {
	return state{
		Event: r.Event, Bundle: r.Bundle, Status: r.Status, Flags: list(r.Flags), Data: r.Data,
		Office: r.Office, Areas: list(r.Areas), Number: r.Number, Title: r.Title, Names: list(r.Names),
		Prefixes: prefixes(r.Names), EventDate: r.EventDate, Documents: list(r.Documents), Keys: list(r.Keys),
		Stats: list(store.StatsSet(r.Stats)), Registered: dateOrNil(r.Registered), IndexedBy: r.IndexedBy,
		Version: r.Version, Updated: bson.NewDateTimeFromTime(r.Updated),
	}
}

// dateOrNil is a time as stored, nil (the field absent) for the zero time.
func dateOrNil(t time.Time) *bson.DateTime {
	if t.IsZero() {
		return nil
	}
	d := bson.NewDateTimeFromTime(t)
	return &d
}

// unset are the fields of a record's state that an update removes, being absent from it: a
// number and a registration time the record does not hold ($set leaves alone what stateOf
// omits).
func unset(r *store.Record, also ...string) bson.E {
	var fields bson.D
	if r.Number == "" {
		fields = append(fields, bson.E{Key: "number", Value: ""})
	}
	if r.Registered.IsZero() {
		fields = append(fields, bson.E{Key: "registered", Value: ""})
	}
	for _, f := range also {
		fields = append(fields, bson.E{Key: f, Value: ""})
	}
	return bson.E{Key: "$unset", Value: fields}
}

// check refuses a record past the limits of its keys and cells.
func check(r *store.Record) error {
	if err := store.CheckRecordKeys(r); err != nil {
		return err
	}
	return store.CheckRecordStats(r.ID, r.Stats)
}

// prefixes are every beginning of every name word (a, am, ama for ama): a search for a word
// that begins a name is then an equality, which an index answers in order; a regular
// expression on names would have the server sort all the records it matches before the first
// page.
func prefixes(names []string) []string {
	out := []string{}
	for _, n := range names {
		for i := range n {
			if i > 0 && !slices.Contains(out, n[:i]) {
				out = append(out, n[:i])
			}
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func entryOf(e store.Entry) entryDoc {
	d := entryDoc{
		Version: e.Version, Action: e.Action, User: e.User, Role: e.Role, Office: e.Office,
		At: bson.NewDateTimeFromTime(e.At), Status: e.Status, AddFlags: e.AddFlags, DelFlags: e.DelFlags,
		Number: e.Number, Comment: e.Comment, Details: e.Details,
	}
	for _, c := range e.Changes {
		d.Changes = append(d.Changes, changeDoc{Field: c.Field, Old: c.Old, New: c.New})
	}
	return d
}

func (d *recordDoc) record() *store.Record {
	st := d.State
	r := &store.Record{
		ID: d.ID, Event: st.Event, Bundle: st.Bundle, Status: st.Status, Flags: list(st.Flags),
		Data: json.RawMessage(st.Data), Office: st.Office, Areas: nonEmpty(st.Areas), Number: st.Number,
		Title: st.Title, Names: nonEmpty(st.Names), EventDate: st.EventDate, Documents: nonEmpty(st.Documents), Keys: nonEmpty(st.Keys),
		Stats: nonEmpty(st.Stats), IndexedBy: st.IndexedBy, Version: st.Version,
		Created: d.Created.Time().UTC(), Updated: st.Updated.Time().UTC(), CreatedBy: d.CreatedBy,
		IdempotencyKey: d.Key, RequestHash: d.KeyHash,
	}
	if st.Registered != nil {
		r.Registered = st.Registered.Time().UTC()
	}
	for _, e := range d.History {
		x := store.Entry{
			Version: e.Version, Action: e.Action, User: e.User, Role: e.Role, Office: e.Office,
			At: e.At.Time().UTC(), Status: e.Status, AddFlags: e.AddFlags, DelFlags: e.DelFlags,
			Number: e.Number, Comment: e.Comment, Details: nilIfEmpty(e.Details),
		}
		for _, c := range e.Changes {
			x.Changes = append(x.Changes, store.Change{Field: c.Field, Old: nilIfEmpty(c.Old), New: nilIfEmpty(c.New)})
		}
		r.History = append(r.History, x)
	}
	return r
}

// nonEmpty reads an empty list as none, as the SQLite store does.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmpty(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (s *Store) CreateRecord(ctx context.Context, r *store.Record) error {
	if err := check(r); err != nil {
		return err
	}
	d := recordDoc{
		ID: r.ID, State: stateOf(r), Created: bson.NewDateTimeFromTime(r.Created), CreatedBy: r.CreatedBy,
		Key: r.IdempotencyKey, KeyHash: r.RequestHash,
	}
	if r.IdempotencyKey != "" {
		d.UserKey = pair(r.CreatedBy, r.IdempotencyKey)
	}
	for _, e := range r.History {
		d.History = append(d.History, entryOf(e))
	}
	_, err := s.records.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return err
	}
	return s.recordAudit(ctx, r, "")
}

func (s *Store) Record(ctx context.Context, id string) (*store.Record, error) {
	return s.recordWhere(ctx, bson.D{{Key: "_id", Value: id}})
}

func (s *Store) RecordByIdempotencyKey(ctx context.Context, user, key string) (*store.Record, error) {
	if key == "" {
		return nil, store.ErrNotFound
	}
	return s.recordWhere(ctx, bson.D{{Key: "userKey", Value: pair(user, key)}})
}

func (s *Store) recordWhere(ctx context.Context, filter bson.D) (*store.Record, error) {
	var d recordDoc
	if err := s.records.FindOne(ctx, filter).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return d.record(), nil
}

func (s *Store) UpdateRecord(ctx context.Context, r *store.Record, e store.Entry) error {
	if err := check(r); err != nil {
		return err
	}
	update := bson.D{
		{Key: "$set", Value: stateOf(r)},
		{Key: "$push", Value: bson.D{{Key: "history", Value: entryOf(e)}}},
	}
	if u := unset(r); len(u.Value.(bson.D)) > 0 {
		update = append(update, u)
	}
	var res *mongo.UpdateResult
	err := s.exclusive(func() (err error) {
		res, err = s.records.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: r.Version - 1}}, update)
		return err
	})
	switch {
	case mongo.IsDuplicateKeyError(err):
		return store.ErrDuplicate
	case err != nil && r.Number != "" && s.numberTaken(ctx, r):
		// FerretDB v1 reports its unique index's refusal of an update as an internal error,
		// not as a duplicate key: tell it by looking.
		return store.ErrDuplicate
	case err != nil:
		return err
	case res.MatchedCount == 0:
		// Not this version: was it changed, or is it not there at all?
		if _, err := s.Record(ctx, r.ID); err != nil {
			return err
		}
		return store.ErrConflict
	}
	return s.recordAudit(ctx, r, "")
}

// SetIndex replaces the record's keys and cells in one update guarded by its version: the
// counts, aggregated from the records' cells (see Counts), move with it.
func (s *Store) SetIndex(ctx context.Context, id string, version int64, keys, stats []string, by string) error {
	if err := check(&store.Record{ID: id, Keys: keys, Stats: stats}); err != nil {
		return err
	}
	var res *mongo.UpdateResult
	err := s.exclusive(func() (err error) {
		res, err = s.records.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "keys", Value: list(keys)}, {Key: "stats", Value: list(store.StatsSet(stats))}, {Key: "indexedBy", Value: by}}}})
		return err
	})
	switch {
	case err != nil:
		return err
	case res.MatchedCount == 0:
		if _, err := s.Record(ctx, id); err != nil {
			return err
		}
		return store.ErrConflict
	}
	return nil
}

// numberingLease is how long a NumberRecord holds a record between its claim and its update.
// A claim older than this is taken to be a crashed server's, and another request may claim the
// record; the update of a request that stalled that long then fails, and its number is skipped.
const numberingLease = 30 * time.Second

// NumberRecord claims the record first, with one update guarded by its version (the record
// document's "numbering" holds the claim: a token and the end of its lease); only the request
// whose claim was taken draws a number, and its update, guarded by version and token, writes
// the number and drops the claim. MongoDB has no transaction over the record and the counter
// here: a crash between the draw and the update skips a number, and its claim holds the
// record until its lease ends.
func (s *Store) NumberRecord(ctx context.Context, r *store.Record, e store.Entry, counter string, number func(int64) string) error {
	if err := check(r); err != nil {
		return err
	}
	token := rand.Text()
	now := time.Now()
	var res *mongo.UpdateResult
	err := s.exclusive(func() (err error) {
		res, err = s.records.UpdateOne(ctx, bson.D{
			{Key: "_id", Value: r.ID},
			{Key: "version", Value: r.Version - 1},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: "numbering", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "numbering.until", Value: bson.D{{Key: "$lt", Value: bson.NewDateTimeFromTime(now)}}}},
			}},
		}, bson.D{{Key: "$set", Value: bson.D{{Key: "numbering", Value: bson.D{
			{Key: "token", Value: token},
			{Key: "until", Value: bson.NewDateTimeFromTime(now.Add(numberingLease))},
		}}}}})
		return err
	})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		if _, err := s.Record(ctx, r.ID); err != nil {
			return err
		}
		return store.ErrConflict // changed, or claimed by another request
	}
	// Claimed: the draw and the update run to their end whatever the caller's context says,
	// since a caller gone between them would skip a number.
	ctx = context.WithoutCancel(ctx)
	next := *r
	for range maxTaken {
		seq, err := s.NextSequence(ctx, counter)
		if err != nil {
			s.release(r.ID, token)
			return err
		}
		next.Number = number(seq)
		e.Number = next.Number
		update := bson.D{
			{Key: "$set", Value: stateOf(&next)},
			{Key: "$push", Value: bson.D{{Key: "history", Value: entryOf(e)}}},
			unset(&next, "numbering"),
		}
		err = s.exclusive(func() (err error) {
			res, err = s.records.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: r.Version - 1}, {Key: "numbering.token", Value: token}}, update)
			return err
		})
		switch {
		case mongo.IsDuplicateKeyError(err) || (err != nil && s.numberTaken(ctx, &next)):
			continue // FerretDB v1 reports a unique index's refusal as an internal error: see UpdateRecord
		case err != nil:
			s.release(r.ID, token)
			return err
		case res.MatchedCount == 0:
			return store.ErrConflict // the lease ran out, and another request took the record
		}
		r.Number = next.Number
		return s.recordAudit(ctx, &next, next.Number)
	}
	s.release(r.ID, token)
	return fmt.Errorf("record %s: %d registration numbers in a row were taken (counter %s)", r.ID, maxTaken, counter)
}

// maxTaken is how many numbers NumberRecord passes over, taken by other records (a counter
// reset by hand, two formats that meet), before it gives up.
const maxTaken = 5

// release drops a NumberRecord's claim that will not be followed by its update, so that the
// record need not wait for the lease to end. Whatever the caller's context says: a claim left
// holds the record.
func (s *Store) release(id, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.exclusive(func() error {
		_, err := s.records.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "numbering.token", Value: token}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "numbering", Value: ""}}}})
		return err
	})
}

// numberTaken tells whether another record than r holds r's number.
func (s *Store) numberTaken(ctx context.Context, r *store.Record) bool {
	err := s.records.FindOne(ctx, bson.D{
		{Key: "number", Value: r.Number},
		{Key: "_id", Value: bson.D{{Key: "$ne", Value: r.ID}}},
	}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	return err == nil
}

// keysIndex is the index of the records' keys, by which a search for keys finds its records
// (see find).
const keysIndex = "keys"

// search is the find a Search sends: its filter, its order, its limit and the index it must
// use ("" when the server chooses).
type search struct {
	filter bson.D
	sort   bson.D
	limit  int64
	hint   string
}

// projection leaves a record's history out of what a search reads.
var projection = bson.D{{Key: "history", Value: 0}}

// find is the find of a search.
func find(q store.Query) (search, error) {
	if err := store.CheckQueryKeys(q); err != nil {
		return search{}, err
	}
	var and bson.A
	is := func(field string, v any) { and = append(and, bson.D{{Key: field, Value: v}}) }
	op := func(field, op string, v any) { is(field, bson.D{{Key: op, Value: v}}) }
	var f search
	if len(q.Keys) > 0 {
		// Records holding any of the keys, each once. The keys index is the one to use: the
		// keys are few and each held by few records, and a planner trying the indexes on a
		// collection whose records it has not seen could choose to walk (created, _id) in
		// order rather than sort the records found.
		op("keys", "$in", q.Keys)
		f.hint = keysIndex
	}
	if q.Event != "" {
		is("event", q.Event)
	}
	if q.ID != "" {
		is("_id", q.ID)
	}
	if q.Number != "" {
		is("number", q.Number)
	}
	if q.NotIndexedBy != "" {
		op("indexedBy", "$ne", q.NotIndexedBy)
	}
	// Each word begins one of the names.
	for _, w := range q.Name {
		is("prefixes", w)
	}
	if len(q.Statuses) > 0 {
		op("status", "$in", q.Statuses)
	}
	if len(q.Flags) > 0 {
		op("flags", "$all", q.Flags)
	}
	if len(q.NoFlags) > 0 {
		op("flags", "$nin", q.NoFlags)
	}
	if q.Office != "" {
		is("office", q.Office)
	}
	if q.Area != "" {
		is("areas", q.Area) // an array holding it
	}
	if q.Document != "" {
		is("documents", q.Document)
	}
	// YYYY-MM-DD compares as text; a record without a date is in no range.
	if q.From != "" {
		op("eventDate", "$gte", q.From)
	}
	if q.To != "" {
		op("eventDate", "$lte", q.To)
		op("eventDate", "$ne", "")
	}
	dir, after := -1, "$lt"
	if q.Oldest {
		dir, after = 1, "$gt"
	}
	if q.After != "" {
		c, err := store.ParseCursor(q.After)
		if err != nil {
			return search{}, err
		}
		created := bson.DateTime(c.Created)
		is("$or", bson.A{
			bson.D{{Key: "created", Value: bson.D{{Key: after, Value: created}}}},
			bson.D{{Key: "created", Value: created}, {Key: "_id", Value: bson.D{{Key: after, Value: c.ID}}}},
		})
	}
	f.filter = bson.D{}
	if len(and) > 0 {
		f.filter = bson.D{{Key: "$and", Value: and}}
	}
	f.sort = bson.D{{Key: "created", Value: dir}, {Key: "_id", Value: dir}}
	f.limit = int64(store.PageLimit(q)) + 1 // one more tells whether there is a next page
	return f, nil
}

func (s *Store) Search(ctx context.Context, q store.Query) (store.Page, error) {
	f, err := find(q)
	if err != nil {
		return store.Page{}, err
	}
	opts := options.Find().SetSort(f.sort).SetLimit(f.limit).SetProjection(projection)
	if f.hint != "" {
		opts.SetHint(f.hint)
	}
	cur, err := s.records.Find(ctx, f.filter, opts)
	if err != nil {
		return store.Page{}, err
	}
	var docs []recordDoc
	if err := cur.All(ctx, &docs); err != nil {
		return store.Page{}, err
	}
	limit := store.PageLimit(q)
	var p store.Page
	for i := range docs {
		if i == limit {
			last := docs[i-1]
			p.Next = store.Cursor{Created: int64(last.Created), ID: last.ID}.String()
			break
		}
		p.Records = append(p.Records, *docs[i].record())
	}
	return p, nil
}

// ExplainSearch runs the server's explain of the find that Search sends for q, at a verbosity
// ("queryPlanner", "executionStats" or "allPlansExecution"), and returns its answer: how a
// test tells that a search for keys is answered by their index. (FerretDB v1 answers with
// its own fields; see internal/mongotest.)
func (s *Store) ExplainSearch(ctx context.Context, q store.Query, verbosity string) (bson.Raw, error) {
	f, err := find(q)
	if err != nil {
		return nil, err
	}
	cmd := bson.D{
		{Key: "find", Value: s.records.Name()},
		{Key: "filter", Value: f.filter},
		{Key: "sort", Value: f.sort},
		{Key: "limit", Value: f.limit},
		{Key: "projection", Value: projection},
	}
	if f.hint != "" {
		cmd = append(cmd, bson.E{Key: "hint", Value: f.hint})
	}
	return s.records.Database().RunCommand(ctx, bson.D{{Key: "explain", Value: cmd}, {Key: "verbosity", Value: verbosity}}).Raw()
}

func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	var c struct {
		Value int64 `bson:"value"`
	}
	err := s.exclusive(func() error {
		return upsert(func() error {
			return s.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
		})
	})
	return c.Value, err
}

// documentDoc is a document's bytes, stored once under the address of their content, and
// nothing of who sent them: who uploaded them, under which name and when are the uploads'
// (stores written before kept the first upload's user, name and time here too; they are not
// read). uploadDoc is each user's upload of them, with what the checks of who may attach or
// read a document need, so that those read one small document and never the bytes.
type documentDoc struct {
	ID   string `bson:"_id"`
	Type string `bson:"type"`
	Size int64  `bson:"size"`
	Data []byte `bson:"data"` // binary
}

type uploadDoc struct {
	Key      string        `bson:"_id"` // pair(document, user)
	Document string        `bson:"document"`
	User     string        `bson:"user"`
	Type     string        `bson:"type"`
	Name     string        `bson:"name"`
	Size     int64         `bson:"size"`
	Created  bson.DateTime `bson:"created"`
}

func (u *uploadDoc) document() *store.Document {
	return &store.Document{ID: u.Document, User: u.User, Type: u.Type, Name: u.Name, Size: u.Size, Created: u.Created.Time().UTC()}
}

// SaveDocument stores the bytes, then the upload: an upload never names bytes that are not
// stored (a crash between the two leaves bytes nobody uploaded, which nobody can read). The
// bytes are sent only when the server lacks them, and a race of two first saves is settled by
// the unique _id: the loser finds what the winner stored.
func (s *Store) SaveDocument(ctx context.Context, d *store.Document) (*store.Document, bool, error) {
	id := store.DocumentID(d.Data)
	key := pair(id, d.User)
	if u, err := s.DocumentUpload(ctx, id, d.User); !errors.Is(err, store.ErrNotFound) {
		return u, false, err // uploaded before by this user, or the server failed
	}
	stored := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "type", Value: 1}}))
	var have struct {
		Type string `bson:"type"`
	}
	switch err := stored.Decode(&have); {
	case errors.Is(err, mongo.ErrNoDocuments):
		have.Type = d.Type
		data := d.Data
		if data == nil {
			data = []byte{}
		}
		_, err := s.documents.InsertOne(ctx, documentDoc{ID: id, Type: d.Type, Size: int64(len(data)), Data: data})
		if mongo.IsDuplicateKeyError(err) {
			// Another save of these bytes won the race: its type is the content's as well.
			if err := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "type", Value: 1}})).Decode(&have); err != nil {
				return nil, false, err
			}
		} else if err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, err
	}
	u := uploadDoc{Key: key, Document: id, User: d.User, Type: have.Type, Name: d.Name, Size: int64(len(d.Data)),
		Created: bson.NewDateTimeFromTime(d.Created)}
	if _, err := s.uploads.InsertOne(ctx, u); mongo.IsDuplicateKeyError(err) {
		first, err := s.DocumentUpload(ctx, id, d.User) // the same user, twice at once
		return first, false, err
	} else if err != nil {
		return nil, false, err
	}
	return u.document(), true, nil
}

func (s *Store) Document(ctx context.Context, id string) (*store.Document, error) {
	var d documentDoc
	if err := s.documents.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	return &store.Document{ID: d.ID, Type: d.Type, Size: d.Size, Data: d.Data}, nil
}

func (s *Store) DocumentUpload(ctx context.Context, id, user string) (*store.Document, error) {
	var u uploadDoc
	if err := s.uploads.FindOne(ctx, bson.D{{Key: "_id", Value: pair(id, user)}}).Decode(&u); err != nil {
		return nil, notFound(err)
	}
	return u.document(), nil
}

func (s *Store) UploadedBy(ctx context.Context, user string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := bson.A{}
	for _, id := range ids {
		keys = append(keys, pair(id, user))
	}
	cur, err := s.uploads.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}},
		options.Find().SetProjection(bson.D{{Key: "document", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		Document string `bson:"document"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var out []string
	for _, d := range docs {
		out = append(out, d.Document)
	}
	return out, nil
}

type draftDoc struct {
	Key     string        `bson:"_id"` // pair(user, id)
	User    string        `bson:"user"`
	ID      string        `bson:"id"`
	Event   string        `bson:"event"`
	Data    []byte        `bson:"data"`
	Updated bson.DateTime `bson:"updated"`
}

func (d *draftDoc) draft() store.Draft {
	return store.Draft{ID: d.ID, User: d.User, Event: d.Event, Data: d.Data, Updated: d.Updated.Time().UTC()}
}

// SaveDraft replaces the draft, or counts the user's drafts and adds it. Two new drafts of
// one user saved at the same moment may both pass the count: the bound is to keep one user
// from filling the database, and one more draft or two does not.
func (s *Store) SaveDraft(ctx context.Context, d *store.Draft) error {
	doc := draftDoc{pair(d.User, d.ID), d.User, d.ID, d.Event, d.Data, bson.NewDateTimeFromTime(d.Updated)}
	res, err := s.drafts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.Key}}, doc)
	if err != nil || res.MatchedCount == 1 {
		return err
	}
	n, err := s.drafts.CountDocuments(ctx, bson.D{{Key: "user", Value: d.User}})
	if err != nil {
		return err
	}
	if n >= store.MaxDrafts {
		return store.ErrTooMany
	}
	return upsert(func() error {
		_, err := s.drafts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.Key}}, doc, options.Replace().SetUpsert(true))
		return err
	})
}

func (s *Store) Draft(ctx context.Context, user, id string) (*store.Draft, error) {
	var d draftDoc
	if err := s.drafts.FindOne(ctx, bson.D{{Key: "_id", Value: pair(user, id)}}).Decode(&d); err != nil {
		return nil, notFound(err)
	}
	draft := d.draft()
	return &draft, nil
}

func (s *Store) Drafts(ctx context.Context, user string) ([]store.Draft, error) {
	cur, err := s.drafts.Find(ctx, bson.D{{Key: "user", Value: user}},
		options.Find().SetSort(bson.D{{Key: "updated", Value: -1}, {Key: "id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []draftDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var out []store.Draft
	for i := range docs {
		out = append(out, docs[i].draft())
	}
	return out, nil
}

func (s *Store) DeleteDraft(ctx context.Context, user, id string) error {
	res, err := s.drafts.DeleteOne(ctx, bson.D{{Key: "_id", Value: pair(user, id)}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

type passwordDoc struct {
	User string `bson:"_id"`
	Hash string `bson:"hash"`
}

func (s *Store) SetPassword(ctx context.Context, user, hash string) error {
	return upsert(func() error {
		_, err := s.passwords.ReplaceOne(ctx, bson.D{{Key: "_id", Value: user}}, passwordDoc{user, hash},
			options.Replace().SetUpsert(true))
		return err
	})
}

func (s *Store) Password(ctx context.Context, user string) (string, error) {
	var d passwordDoc
	if err := s.passwords.FindOne(ctx, bson.D{{Key: "_id", Value: user}}).Decode(&d); err != nil {
		return "", notFound(err)
	}
	return d.Hash, nil
}

type sessionDoc struct {
	TokenHash string        `bson:"_id"`
	User      string        `bson:"user"`
	CSRF      string        `bson:"csrf"`
	Created   bson.DateTime `bson:"created"`
	Expires   bson.DateTime `bson:"expires"`
}

// CreateSession stores a session; Prune forgets it once expired.
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	_, err := s.sessions.InsertOne(ctx, sessionDoc{
		ss.TokenHash, ss.User, ss.CSRF, bson.NewDateTimeFromTime(ss.Created), bson.NewDateTimeFromTime(ss.Expires),
	})
	if mongo.IsDuplicateKeyError(err) {
		return store.ErrDuplicate
	}
	return err
}

func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (*store.Session, error) {
	var d sessionDoc
	err := s.sessions.FindOne(ctx, bson.D{
		{Key: "_id", Value: tokenHash},
		{Key: "expires", Value: bson.D{{Key: "$gt", Value: bson.NewDateTimeFromTime(now)}}},
	}).Decode(&d)
	if err != nil {
		return nil, notFound(err)
	}
	return &store.Session{TokenHash: d.TokenHash, User: d.User, CSRF: d.CSRF, Created: d.Created.Time().UTC(), Expires: d.Expires.Time().UTC()}, nil
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "_id", Value: tokenHash}})
	return err
}

// AddFailure keeps a key's failures as one document holding their times. The new time is
// pushed and the document read back in one atomic step, so every server counts every
// failure; the times that left the window are then pulled out, by value ($pullAll, as
// FerretDB v1's $pull takes no condition), which only keeps the document small.
func (s *Store) AddFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	at, since := bson.NewDateTimeFromTime(now), bson.NewDateTimeFromTime(now.Add(-window))
	var d struct {
		At []bson.DateTime `bson:"at"`
	}
	var n int
	err := s.exclusive(func() error {
		err := upsert(func() error {
			return s.failures.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}},
				bson.D{{Key: "$push", Value: bson.D{{Key: "at", Value: at}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		})
		if err != nil {
			return err
		}
		var old bson.A
		for _, t := range d.At {
			switch {
			case t <= since:
				old = append(old, t)
			case t <= at:
				n++
			}
		}
		if len(old) == 0 {
			return nil
		}
		_, err = s.failures.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$pullAll", Value: bson.D{{Key: "at", Value: old}}}})
		return err
	})
	return n, err
}

func (s *Store) ClearFailures(ctx context.Context, key string) error {
	_, err := s.failures.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

// Prune deletes the expired sessions, by their index, and the failures before failuresBefore:
// a key's document loses its old times, by value as AddFailure does, and goes when none is
// left. (A TTL index would forget sessions without being asked, but it runs on the server's
// clock rather than the caller's, and FerretDB v1 has none.)
func (s *Store) Prune(ctx context.Context, now, failuresBefore time.Time) error {
	if _, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: bson.NewDateTimeFromTime(now)}}}}); err != nil {
		return err
	}
	before := bson.NewDateTimeFromTime(failuresBefore)
	cur, err := s.failures.Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lte", Value: before}}}})
	if err != nil {
		return err
	}
	var docs []struct {
		Key string          `bson:"_id"`
		At  []bson.DateTime `bson:"at"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	for _, d := range docs {
		var old bson.A
		for _, t := range d.At {
			if t <= before {
				old = append(old, t)
			}
		}
		err := s.exclusive(func() error {
			_, err := s.failures.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.Key}}, bson.D{{Key: "$pullAll", Value: bson.D{{Key: "at", Value: old}}}})
			return err
		})
		if err != nil {
			return err
		}
	}
	// A document left with no time: gone, unless a failure was pushed to it meanwhile.
	return s.exclusive(func() error {
		_, err := s.failures.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$size", Value: 0}}}})
		return err
	})
}

// statsIndex is the index of the records' statistics cells, by which Counts finds the records
// holding cells of its prefixes.
const statsIndex = "stats"

// Counts aggregates the records' cells: the records holding a cell of one of the prefixes,
// found through the stats index (a range of it per prefix, from the prefix up to its
// store.PrefixEnd), each of their cells, those of the prefixes again, counted by cell. MongoDB
// cannot write a count document atomically with the record (FerretDB, which the tests run on,
// has no transaction at all), so the counts are not kept but computed from the records, and
// are exact at every moment. Its time therefore grows with the records holding cells of the
// prefixes, unlike the SQLite store's, which reads a kept count per cell: a national count
// over a register of millions reads millions of index entries. (FerretDB v1 has $match,
// $project, $unwind and $group with $sum, which is all this asks; it scans the collection for
// every match but one on _id.)
func (s *Store) Counts(ctx context.Context, prefixes []string) (map[string]int64, error) {
	if err := store.CheckPrefixes(prefixes); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	ranges := bson.A{}
	for _, p := range store.Prefixes(prefixes) {
		r := bson.D{{Key: "$gte", Value: p}}
		if end, ok := store.PrefixEnd(p); ok {
			r = append(r, bson.E{Key: "$lt", Value: end})
		}
		ranges = append(ranges, bson.D{{Key: "stats", Value: r}})
	}
	if len(ranges) == 0 {
		return out, nil
	}
	match := bson.D{{Key: "$match", Value: bson.D{{Key: "$or", Value: ranges}}}}
	pipeline := mongo.Pipeline{
		match,
		// The cells only; _id is kept, as FerretDB v1 panics unwinding a document without it.
		{{Key: "$project", Value: bson.D{{Key: "stats", Value: 1}}}},
		{{Key: "$unwind", Value: "$stats"}},
		match, // the cells of the prefixes, of the records' cells
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$stats"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	cur, err := s.records.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, err
	}
	var docs []struct {
		Cell string `bson:"_id"`
		N    int64  `bson:"n"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.Cell] = d.N
	}
	return out, nil
}
