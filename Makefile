# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
GO_SOURCES := $(shell find cmd internal migrations web -name '*.go' -o -name '*.sql' 2>/dev/null) \
  $(shell find internal -name '*.html' -o -name '*.yaml' 2>/dev/null)
# web/ is one npm workspace (web/package.json): the shared package and the two
# apps, one package-lock.json, one install, one build for both apps.
WEB_PACKAGES := web/shared web/storefront web/vendor-admin
WEB_APPS := web/storefront web/vendor-admin
WEB_DIST := $(foreach a,$(WEB_APPS),$(a)/dist/index.html)
# The API's TypeScript types, generated from the contract (npm run gen:api).
WEB_API_TYPES := web/shared/src/api/schema.gen.ts
WEB_INPUTS := web/package.json web/package-lock.json $(wildcard web/*.ts web/tsconfig*.json) \
  $(foreach p,$(WEB_PACKAGES),$(p)/package.json $(wildcard $(p)/index.html $(p)/*.config.ts $(p)/tsconfig*.json)) \
  $(shell find $(addsuffix /src,$(WEB_PACKAGES)) -type f 2>/dev/null) $(WEB_API_TYPES)
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build web run test test-db bench stop clean

all: build

## build: the web apps, then the binary that embeds them (bin/trove)
build: web bin/trove

bin/trove: $(GO_SOURCES) go.mod go.sum $(WEB_DIST)
	go build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/trove ./cmd/trove

web: $(WEB_DIST)

# A build after a change to the contract regenerates the apps' API types, so
# the apps are never built against a stale contract; commit the file it
# writes (`make test` fails while the committed one is stale).
$(WEB_API_TYPES): api/openapi.yaml web/shared/scripts/gen-api.mjs web/package-lock.json
	@. deploy/local/lib.sh && require_node && npm_install_if_needed web
	cd web && npm run gen:api --silent

# One `npm run build` in web/ builds both apps. A pattern rule with several
# targets tells make that one run of its recipe makes all of them (an explicit
# rule with several targets would run it once per target); the stem is `dist`.
web/storefront/%/index.html web/vendor-admin/%/index.html: $(WEB_INPUTS)
	@. deploy/local/lib.sh && require_node && npm_install_if_needed web
	cd web && npm run build --silent

## run: the whole platform with demo data and the sandbox providers, offline
run: build
	deploy/local/run.sh

## test: every test (Go, race detector where it matters, web unit tests)
test:
	deploy/local/test.sh

## test-db: a MariaDB for running `go test` by hand; prints the variable to export
test-db:
	@url=$$(deploy/local/mariadb.sh start .data/test-db $${TROVE_TEST_DB_PORT:-3308}) && \
	  echo "export TROVE_TEST_DATABASE_URL='$$url'"

## bench: benchmarks (figures, not assertions)
bench:
	@url=$${TROVE_TEST_DATABASE_URL:-$$(deploy/local/mariadb.sh start .data/test-db $${TROVE_TEST_DB_PORT:-3308})} && \
	  TROVE_TEST_DATABASE_URL=$$url go test -run '^$$' -bench . -benchmem ./...

## stop: stop the project-local databases started by run, test-db and bench
stop:
	deploy/local/mariadb.sh stop .data/mariadb
	deploy/local/mariadb.sh stop .data/test-db

clean: stop
	rm -rf bin .data web/node_modules $(foreach p,$(WEB_PACKAGES),$(p)/node_modules)
	find $(foreach a,$(WEB_APPS),$(a)/dist) -mindepth 1 ! -name .gitkeep -delete
