# The commands of README.md. Each target is one command a newcomer can run on a fresh machine
# with Go and Node.js installed (.ci/run installs them on CI).

.PHONY: test lint bench fuzz run

# The whole test suite: every Go test, then the browser's rule evaluator against the same
# vectors (go test writes rules/testdata/*.compiled.json, which node reads), then the MongoDB
# store against an embedded FerretDB (internal/mongotest, a module of its own so that crvsctl
# does not carry FerretDB; set CRVSCTL_TEST_MONGODB_URI to test against a MongoDB server too).
# That module requires what the root module's go.mod does, through its replace: -mod=mod lets
# it catch up when the root's requirements change, rather than fail until it is tidied.
# -timeout: the browser tests of runtime/web take minutes on a loaded 2-core machine, past go
# test's default 10 minutes for one package.
test:
	go test -timeout 30m ./...
	node --test rules/js/rules.test.js
	cd internal/mongotest && go test -mod=mod ./...

# What CI checks besides the tests.
lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet ./...
	go tool staticcheck ./...
	cd internal/mongotest && go vet -mod=mod ./... && go tool staticcheck ./...

# The benchmarks whose figures README.md quotes: Go's (rules, spreadsheets, the compiler on the
# example and on a national-scale package, declarations, searches of 200,000 records, the form
# page, certificates' seals, names compared for duplicates, a declaration compared with a register
# of 100,000 births, the national statistics counts over 100,000 births), the duplicate rules'
# accuracy, then the browser evaluator's on the rules' form.
bench:
	go test ./rules ./sheets ./compiler ./runtime/records ./runtime/store/sqlitestore ./runtime/web ./certificates/seal ./certificates/pdf ./runtime/duplicates/names ./runtime/outbox -run '^$$' -bench . -benchmem -count 5
	go test ./runtime/duplicates -run TestAccuracy -v
	node rules/js/bench.js

# A short run of every fuzz target: every parser of outside input (rule text, compiled rules in a
# bundle, CSV, XLSX, a package's CUE, a bundle file, a declaration sent to the API, a text answer,
# the name of an uploaded document, a certificate's seal, Base45, a key file, a person's name
# compared for duplicates, a population sheet, a record's answers as statistics read them, a
# record's answers moved to a new version by a mapping, an exported audit log).
FUZZ = -run '^$$' -fuzztime 60s -fuzzminimizetime 50x
fuzz:
	go test ./rules $(FUZZ) -fuzz FuzzCheck
	go test ./rules $(FUZZ) -fuzz FuzzCompile
	go test ./rules $(FUZZ) -fuzz FuzzCleanText
	go test ./sheets $(FUZZ) -fuzz FuzzReadCSV
	go test ./sheets $(FUZZ) -fuzz FuzzReadXLSX
	go test ./compiler $(FUZZ) -fuzz FuzzLoadCUE
	go test ./bundle $(FUZZ) -fuzz FuzzDecode
	go test ./bundle $(FUZZ) -fuzz FuzzAppendString
	go test ./runtime/api $(FUZZ) -fuzz FuzzDeclare
	go test ./runtime/records $(FUZZ) -fuzz FuzzCleanName
	go test ./certificates/seal $(FUZZ) -fuzz FuzzOpen
	go test ./certificates/seal $(FUZZ) -fuzz FuzzBase45
	go test ./certificates/seal $(FUZZ) -fuzz FuzzParseKeyring
	go test ./certificates/pdf $(FUZZ) -fuzz FuzzFont
	go test ./runtime/duplicates/names $(FUZZ) -fuzz FuzzParse
	go test ./runtime/duplicates $(FUZZ) -fuzz FuzzRecords
	go test ./compiler $(FUZZ) -fuzz FuzzPopulation
	go test ./runtime/stats $(FUZZ) -fuzz FuzzCells
	go test ./migration $(FUZZ) -fuzz FuzzMove
	go test ./runtime/audit $(FUZZ) -fuzz FuzzReadExport

# The main job: the example country served with the embedded store (in ./crvsctl-data), every
# user's password set to "demo-password" for the demonstration. Open http://127.0.0.1:8080/.
# The development key names its issuer, which /verify shows. It is NV-DEV-1: the NV-DEV key
# of earlier runs had no issuer, and a key is never overwritten; when it is there, its public
# key is still published, so that the certificates it signed still verify.
run:
	test -f crvsctl-data/keys/NV-DEV-1.private.json || go run ./cmd/crvsctl keys generate --id NV-DEV-1 \
		--issuer "Civil Registration Office of Nerovia (development key)" --out crvsctl-data/keys
	go run ./cmd/crvsctl serve countries/nerovia --data crvsctl-data --dev-password demo-password \
		--signing-key crvsctl-data/keys/NV-DEV-1.private.json $(addprefix --keys ,$(wildcard crvsctl-data/keys/NV-DEV.public.json))
