#!/usr/bin/env bash
# The browser end-to-end test: bin/trove with the sandbox providers on a fresh
# database, driven by playwright-core with Debian's chromium (never a browser
# download). A guest buys a gift on the storefront, the vendor ships it in the
# vendor admin, and the operator pays the vendor out and sees it reconciled.
#
#   TROVE_TEST_DATABASE_URL='root@tcp(127.0.0.1:PORT)/' deploy/local/e2e.sh
#
# The DSN names a MariaDB server (no database): a database trove_e2e_<pid> is
# made in it for the run and dropped after.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=deploy/local/lib.sh
. deploy/local/lib.sh

[ -n "${TROVE_TEST_DATABASE_URL:-}" ] || die "TROVE_TEST_DATABASE_URL is not set (a DSN such as 'root@tcp(127.0.0.1:3308)/')"

require_node
require_chromium

started=$SECONDS
echo "==> e2e: make build"
make --no-print-directory build >/dev/null

# The server of the DSN user[:password]@tcp(host:port)/[?params], for the
# mariadb client.
dsn=$TROVE_TEST_DATABASE_URL
[[ $dsn =~ ^([^:@]+)(:([^@]*))?@tcp\(([^:\)]+):([0-9]+)\)/([^?]*)(\?.*)?$ ]] ||
  die "TROVE_TEST_DATABASE_URL: want user[:password]@tcp(host:port)/, got $dsn"
db_user=${BASH_REMATCH[1]} db_pass=${BASH_REMATCH[3]} db_host=${BASH_REMATCH[4]} db_port=${BASH_REMATCH[5]}
db_params=${BASH_REMATCH[7]}
db_server=${dsn%"${BASH_REMATCH[6]}$db_params"}
db_name=trove_e2e_$$

sql() {
  MYSQL_PWD=$db_pass mariadb --no-defaults --protocol=TCP -h"$db_host" -P"$db_port" -u"$db_user" -e "$1"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/trove-e2e.XXXXXX")
server_pid=
db_made=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$work/server.log" ]; then
    echo "==> e2e failed; the server log's last 50 lines:" >&2
    tail -n 50 "$work/server.log" >&2
  fi
  [ -n "$db_made" ] && { sql "DROP DATABASE IF EXISTS \`$db_name\`" || true; }
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

sql "CREATE DATABASE \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
db_made=1

export TROVE_DATABASE_URL="$db_server$db_name$db_params"
TROVE_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export TROVE_SECRET_KEY
export TROVE_SEED_ADMIN_PASSWORD=e2e-test-password-0123
export TROVE_BLOB_DIR=$work/blobs
export TROVE_SANDBOX_DIR=$work/sandbox
export TROVE_PAYOUT_HOLD=1s
export TROVE_QUEUE_POLL_INTERVAL=100ms

echo "==> e2e: migrate and seed $db_name"
bin/trove migrate up >"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; die "bin/trove migrate up failed"; }
bin/trove seed >>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; die "bin/trove seed failed"; }

# A free port can be taken before the server binds it: try a few.
for attempt in 1 2 3; do
  port=$(free_port)
  export TROVE_HTTP_ADDR=127.0.0.1:$port
  export TROVE_PUBLIC_URL=http://127.0.0.1:$port
  echo "==> e2e: bin/trove serve --sandbox on $TROVE_PUBLIC_URL"
  bin/trove serve --sandbox >"$work/server.log" 2>&1 &
  server_pid=$!
  # Ready: /readyz answers 200 and the sandbox has imported the demo catalog.
  if node web/e2e/wait-ready.mjs "$TROVE_PUBLIC_URL" "$server_pid" 30; then
    break
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  [ "$attempt" -lt 3 ] && grep -qi 'address already in use' "$work/server.log" || die "the server did not get ready"
  echo "==> e2e: port $port was taken (attempt $attempt of 3)"
done

npm_install_if_needed web
echo "==> e2e: node --test web/e2e (chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
TROVE_E2E_URL=$TROVE_PUBLIC_URL TROVE_E2E_PASSWORD=$TROVE_SEED_ADMIN_PASSWORD \
  node --test --test-concurrency=1 web/e2e/*.test.mjs
echo "==> e2e passed in $((SECONDS - started)) s"
