// Package mongotest runs the store conformance suite (storetest) against the MongoDB store.
//
// It is a Go module of its own so that crvsctl never carries FerretDB: the tests start
// FerretDB embedded (a MongoDB wire-protocol server on SQLite, in the test process), and
// FerretDB brings a large tree of dependencies that the crvsctl binary and its module must
// not depend on. The root module's `go test ./...` skips this directory; `make test` runs it.
//
// TestInstances runs the suite's cases of writes at once with two mongostore.Store values on
// one database, as two crvsctl servers share it. On FerretDB v1, whose updates are not
// atomic, the two values take turns behind one lock of the test process (see
// mongostore.Store.serial): there the cases check what the store does between instances
// (unique indexes, idempotency keys, documents saved twice, one instance closed while both
// write), not the server's atomicity. That an update's version guard lets one writer through,
// that a sequence never gives a value twice, and that failed logins add up, with two
// instances that share no lock, is exercised only against MongoDB itself.
//
// TestKeysExplain checks through the server's explain that a search for duplicate keys is
// answered by the keys index. Only MongoDB can show it: FerretDB v1 pushes no filter but one
// on _id down to SQLite and reads the whole collection for every other find, which its
// explain says, and the test checks no more there.
//
// Set CRVSCTL_TEST_MONGODB_URI to a MongoDB server to run the suite against it as well; each
// test uses a database of its own and drops it afterwards.
package mongotest
