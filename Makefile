# islet — the two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
# internal/v8/cgo.go links with the sysroot's dynamic loader (-Wl,--dynamic-linker), a flag cgo
# accepts only when it is allowed explicitly. Running `go` by hand needs the same variable:
# export CGO_LDFLAGS_ALLOW='-Wl,--dynamic-linker=.*'
export CGO_LDFLAGS_ALLOW := -Wl,--dynamic-linker=.*
LISTEN ?= 127.0.0.1:8787

.PHONY: deps build dist demo test test-short bench wpt vet clean

# deps installs V8 13.6 (Debian's libnode137) and the libraries it needs into third_party/sysroot; idempotent.
deps:
	@./scripts/deps.sh

COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)

build: deps
	$(GO) build -ldflags "-X islet/internal/cli.commit=$(COMMIT)" -o bin/islet ./cmd/islet

# dist packs bin/islet with its libraries and a launcher into dist/islet-linux-amd64.tar.gz.
dist: build
	./scripts/dist.sh

# demo serves examples/hello on http://$(LISTEN)/ until Ctrl-C.
demo: build
	./bin/islet dev examples/hello --listen $(LISTEN)

vet: deps
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# test runs every test: vet and gofmt, the whole suite, the binding and request path again under
# the race detector, and the check that pure-Go packages build without cgo. Each step runs even
# when an earlier one failed; the last lines say which passed, and the exit status is a failure
# if any did.
test: deps vet build
	@suite=PASS; race=PASS; nocgo=PASS; \
	$(GO) test -count=1 ./... || suite=FAIL; \
	$(GO) test -count=1 -race ./internal/v8/ ./internal/worker/ ./internal/sched/ ./internal/gateway/ || race=FAIL; \
	./scripts/check-nocgo.sh || nocgo=FAIL; \
	echo "make test: suite $$suite, race pass $$race, no-cgo build $$nocgo"; \
	[ $$suite$$race$$nocgo = PASSPASSPASS ]

bench: deps build
	./bench/run.sh $(BENCH_ARGS)

# wpt runs the Web-Platform-Tests in $(WPT_DIR) and compares them with tests/conformance/expectations
# (WPT_ARGS: -area url,encoding -v -update); without WPT_DIR it is skipped.
wpt:
	@if [ -z "$(WPT_DIR)" ]; then echo "wpt: skipped (set WPT_DIR to a WPT checkout)"; exit 0; fi; \
	./scripts/deps.sh && WPT_DIR="$(WPT_DIR)" $(GO) run ./tests/conformance/cmd/wpt $(WPT_ARGS)

clean:
	rm -rf bin dist
