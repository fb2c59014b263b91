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

# The benchmarks whose figures README.md quotes: Go's, then the browser evaluator's on the same
# form and declaration.
bench:
	go test ./rules -run '^$$' -bench . -benchmem -count 5
	node rules/js/bench.js

# A short run of every fuzz target.
fuzz:
	go test ./rules -run '^$$' -fuzz FuzzCheck -fuzztime 60s
	go test ./rules -run '^$$' -fuzz FuzzCompile -fuzztime 60s

# The main job. crvsctl serve arrives with the runtime (issue 4); until then, the CLI.
run:
	go run ./cmd/crvsctl version
