#!/usr/bin/env bash
# `make test`: every test of the project, with what the tests need provisioned
# here rather than assumed from the machine.
#   - a throwaway MariaDB for the run (unless TROVE_TEST_DATABASE_URL is set)
#   - go vet, then go test (with -race where concurrency matters)
#   - the web apps' API types (web/shared/src/api/schema.gen.ts) are the ones
#     api/openapi.yaml generates now, and the contract passes Redocly's lint
#   - the web unit tests (Vitest: the shared package and both apps)
#   - pdftotext (Debian's poppler-utils) for the manifest PDF tests
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=deploy/local/lib.sh
. deploy/local/lib.sh

require_go
require_node
require_pdftotext

# First, as it takes seconds: the web apps compile against types generated
# from the contract; a contract changed without regenerating them fails here.
echo "==> web: API types current with api/openapi.yaml"
npm_install_if_needed web
fresh=$(mktemp "${TMPDIR:-/tmp}/trove-api-types.XXXXXX")
(cd web/shared && node scripts/gen-api.mjs --out "$fresh")
if ! diff -u web/shared/src/api/schema.gen.ts "$fresh" >"$fresh.diff"; then
  head -n 40 "$fresh.diff"
  rm -f "$fresh" "$fresh.diff"
  die "web/shared/src/api/schema.gen.ts is stale: it is not what api/openapi.yaml generates. Run 'cd web && npm run gen:api' and commit the result."
fi
rm -f "$fresh" "$fresh.diff"

# The contract itself, by Redocly's OpenAPI 3.1 linter (api/redocly.yaml: the
# recommended rules, every one an error). Offline: the CLI is a devDependency
# of web/ and the config turns its telemetry off.
echo "==> api/openapi.yaml: redocly lint"
(cd web && npm run lint:api --silent) ||
  die "api/openapi.yaml does not pass the lint (problems above). Fix them; where a rule does not hold for an operation on purpose, list it with the reason in api/.redocly.lint-ignore.yaml."

if [ -z "${TROVE_TEST_DATABASE_URL:-}" ]; then
  dbdir=$(mktemp -d "${TMPDIR:-/tmp}/trove-test-db.XXXXXX")
  cleanup() { deploy/local/mariadb.sh stop "$dbdir" || true; rm -rf "$dbdir"; }
  trap cleanup EXIT
  # A free port can be taken by another program before the server binds it:
  # try a few ports before giving up.
  TROVE_TEST_DATABASE_URL=
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    echo "==> starting a throwaway MariaDB on 127.0.0.1:$port"
    if TROVE_TEST_DATABASE_URL=$(deploy/local/mariadb.sh start "$dbdir" "$port"); then
      break
    fi
    echo "==> MariaDB did not start on port $port (attempt $attempt of 5)"
  done
  [ -n "$TROVE_TEST_DATABASE_URL" ] || die "could not start a throwaway MariaDB"
  export TROVE_TEST_DATABASE_URL
fi

# Pinned stand-ins the tests start themselves, built from the Go module proxy
# into .data/bin (kept between runs).
echo "==> stand-ins: goaws v0.5.4 (SQS), mailpit v1.30.5 (SMTP), stripe-mock v0.203.0"
TROVE_TEST_GOAWS=$(install_go_tool github.com/Admiral-Piett/goaws/app/cmd v0.5.4 cmd goaws)
export TROVE_TEST_GOAWS
# Built from source, mailpit has its SMTP server and API but a blank web UI
# (the UI's compiled assets are not in the Go module); tests use only the API.
# The first build takes about a minute (it compiles a pure-Go SQLite).
TROVE_TEST_MAILPIT=$(install_go_tool github.com/axllent/mailpit v1.30.5 mailpit mailpit)
export TROVE_TEST_MAILPIT
TROVE_TEST_STRIPE_MOCK=$(install_go_tool github.com/stripe/stripe-mock v0.203.0 stripe-mock stripe-mock); export TROVE_TEST_STRIPE_MOCK

echo "==> go vet ./..."
go vet ./...

# Packages whose code runs concurrently (servers, pools, workers) also run under
# the race detector; the rest run without it to keep the suite fast on 2 cores.
race_pkgs="./cmd/... ./internal/platform/..."
other_pkgs=$(go list ./... | grep -v -e '/cmd/' -e '/internal/platform/' || true)

echo "==> go test -race $race_pkgs"
go test -race -count=1 $race_pkgs
if [ -n "$other_pkgs" ]; then
  echo "==> go test (other packages)"
  # shellcheck disable=SC2086
  go test -count=1 $other_pkgs
fi

# One Vitest run for the whole npm workspace in web/: the shared package and
# both apps (projects in web/vitest.config.ts).
echo "==> web: vitest"
(cd web && npm test --silent)
TROVE_TEST_DATABASE_URL=$TROVE_TEST_DATABASE_URL deploy/local/e2e.sh
echo "==> all tests passed"
