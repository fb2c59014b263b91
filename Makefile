# The commands of README.md. Each target is one command a newcomer can run on a fresh machine
# with Go and Node.js installed (.ci/run installs them on CI).

.PHONY: test lint bench fuzz run

# The whole test suite: every Go test, then the browser's rule evaluator against the same
# vectors (go test writes rules/testdata/*.compiled.json, which node reads).
test:
	go test ./...
	node --test rules/js/rules.test.js

# What CI checks besides the tests.
lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet ./...
	go tool staticcheck ./...

# The benchmarks whose figures README.md quotes: Go's (rules, spreadsheets, the compiler on the
# example and on a national-scale package), then the browser evaluator's on the rules' form.
bench:
	go test ./rules ./sheets ./compiler -run '^$$' -bench . -benchmem -count 5
	node rules/js/bench.js

# A short run of every fuzz target: every parser of outside input (rule text, compiled rules in a
# bundle, CSV, XLSX, a package's CUE, a bundle file).
FUZZ = -run '^$$' -fuzztime 60s -fuzzminimizetime 50x
fuzz:
	go test ./rules $(FUZZ) -fuzz FuzzCheck
	go test ./rules $(FUZZ) -fuzz FuzzCompile
	go test ./sheets $(FUZZ) -fuzz FuzzReadCSV
	go test ./sheets $(FUZZ) -fuzz FuzzReadXLSX
	go test ./compiler $(FUZZ) -fuzz FuzzLoadCUE
	go test ./bundle $(FUZZ) -fuzz FuzzDecode

# The main job. crvsctl serve arrives with the runtime (issue 4); until then, the CLI.
run:
	go run ./cmd/crvsctl version
