// Package mongotest runs the store conformance suite (storetest) against the MongoDB store.
//
// It is a Go module of its own so that crvsctl never carries FerretDB: the tests start
// FerretDB embedded (a MongoDB wire-protocol server on SQLite, in the test process), and
// FerretDB brings a large tree of dependencies that the crvsctl binary and its module must
// not depend on. The root module's `go test ./...` skips this directory; `make test` runs it.
//
// Set CRVSCTL_TEST_MONGODB_URI to a MongoDB server to run the suite against it as well; each
// test uses a database of its own and drops it afterwards.
package mongotest
