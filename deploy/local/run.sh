#!/usr/bin/env bash
# `make run`: the whole platform on this machine with demo data, offline.
# Uses TROVE_DATABASE_URL when set; otherwise a project-local MariaDB whose data
# lives in .data/mariadb and survives between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

mkdir -p .data
if [ -z "${TROVE_DATABASE_URL:-}" ]; then
  port=${TROVE_DEV_DB_PORT:-3307}
  echo "==> MariaDB for Trove on 127.0.0.1:$port (data in .data/mariadb)"
  server=$(deploy/local/mariadb.sh start .data/mariadb "$port")
  mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$port" -uroot \
    -e 'CREATE DATABASE IF NOT EXISTS trove CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
  export TROVE_DATABASE_URL="${server}trove"
fi

# A sealing key made once for this checkout and kept with its data.
if [ -z "${TROVE_SECRET_KEY:-}" ]; then
  [ -s .data/secret-key ] || (umask 077 && head -c 32 /dev/urandom | base64 > .data/secret-key)
  TROVE_SECRET_KEY=$(cat .data/secret-key)
  export TROVE_SECRET_KEY
fi
export TROVE_HTTP_ADDR=${TROVE_HTTP_ADDR:-127.0.0.1:8080}
export TROVE_PUBLIC_URL=${TROVE_PUBLIC_URL:-http://${TROVE_HTTP_ADDR/#0.0.0.0/localhost}}
export TROVE_SEED_ADMIN_PASSWORD=${TROVE_SEED_ADMIN_PASSWORD:-trove-demo-password}
# The demo pays what shipped a minute ago (a real deployment holds a week).
export TROVE_PAYOUT_HOLD=${TROVE_PAYOUT_HOLD:-1m}

bin/trove migrate up
bin/trove seed

cat <<MSG

==> Trove is starting (Ctrl-C stops it; the database keeps running: make stop)
    storefront     $TROVE_PUBLIC_URL/
    vendor admin   $TROVE_PUBLIC_URL/vendor/
    health         $TROVE_PUBLIC_URL/healthz  $TROVE_PUBLIC_URL/readyz
    metrics        $TROVE_PUBLIC_URL/metrics
    sandbox mail   $TROVE_PUBLIC_URL/sandbox/mail   (the stand-ins keep their state in ${TROVE_SANDBOX_DIR:-.data/sandbox})
    demo accounts  admin@trove.local, owner@<vendor>.example; password: $TROVE_SEED_ADMIN_PASSWORD

MSG
exec bin/trove serve --sandbox
