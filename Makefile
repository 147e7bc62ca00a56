# needmatch: `make run` serves the demo, `make test` runs every test.
# The Makefile only calls commands and scripts; see scripts/ for the logic.

BIN       := bin/needmatch
# The README's environment variables win over these defaults.
DATA_DIR  ?= $(or $(NEEDMATCH_DATA_DIR),./data)
ADDR      ?= $(or $(NEEDMATCH_ADDR),127.0.0.1:8080)

.PHONY: all run build frontend go-build seed test test-go test-browser test-fuzz lint clean

all: build

build: frontend go-build

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run build

go-build:
	go build -o $(BIN) ./cmd/needmatch

seed: go-build
	NEEDMATCH_DATA_DIR=$(DATA_DIR) $(BIN) seed

run: build
	NEEDMATCH_DATA_DIR=$(DATA_DIR) $(BIN) seed
	@echo "needmatch on http://$(ADDR)  (Ctrl-C stops it)"
	NEEDMATCH_DATA_DIR=$(DATA_DIR) NEEDMATCH_ADDR=$(ADDR) $(BIN) serve

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

test-go:
	scripts/ensure-mailpit >/dev/null
	scripts/test-go

test-browser: build
	scripts/ensure-chromium
	scripts/ensure-mailpit >/dev/null
	cd frontend && NEEDMATCH_BIN=$(CURDIR)/$(BIN) npm test

# Each fuzz test for a few seconds; scripts/fuzz with FUZZTIME=10m for long runs.
test-fuzz:
	FUZZTIME=$${FUZZTIME:-8s} scripts/fuzz

test: lint test-go test-fuzz test-browser

clean:
	rm -rf bin frontend/test-results
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete
