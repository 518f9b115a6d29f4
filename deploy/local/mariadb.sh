#!/usr/bin/env bash
# A project-local MariaDB server for `make run` and `make test`, so neither needs
# a database service on the machine.
#
#   deploy/local/mariadb.sh start DIR PORT   start a server with its data in DIR
#                                            (created on first use, reused after);
#                                            prints the DSN on stdout
#   deploy/local/mariadb.sh stop DIR         stop the server whose data is in DIR
#
# Installs Debian's mariadb-server when it is missing and we are root; otherwise
# says which command would.
set -euo pipefail

die() { echo "mariadb.sh: $*" >&2; exit 1; }

ensure_installed() {
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || {
    if [ "$(id -u)" = 0 ]; then
      echo "mariadb.sh: installing Debian's mariadb-server" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq mariadb-server >&2
    else
      die "MariaDB is not installed. Run: sudo apt-get install -y mariadb-server"
    fi
  }
}

mariadbd_bin() { command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd; }

ping_server() { mariadb-admin --no-defaults --protocol=TCP -h127.0.0.1 -P"$1" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

start() {
  local dir=$1 port=$2
  ensure_installed
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local user=()
  # mariadbd refuses to run as root unless told to; running as the caller avoids
  # needing a data folder that the mysql user can reach.
  [ "$(id -u)" = 0 ] && user=(--user=root)
  if [ -f "$dir/mariadbd.pid" ] && kill -0 "$(cat "$dir/mariadbd.pid")" 2>/dev/null; then
    ping_server "$port" || die "a server already runs on $dir but does not answer on port $port"
  else
    if [ ! -d "$dir/data/mysql" ]; then
      mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db "${user[@]}" >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    # The socket lives in /tmp: a Unix socket path must stay under 108 bytes.
    "$(mariadbd_bin)" --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
      --socket="${TMPDIR:-/tmp}/trove-mariadb-$port.sock" --pid-file="$dir/mariadbd.pid" "${user[@]}" \
      --skip-log-bin --innodb-buffer-pool-size=256M --innodb-log-file-size=64M \
      --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      >>"$dir/server.log" 2>&1 &
    local server=$!
    for _ in $(seq 1 150); do
      ping_server "$port" && break
      # A server that failed (its port taken, say) has exited: stop waiting.
      kill -0 "$server" 2>/dev/null || break
      sleep 0.2
    done
    ping_server "$port" || { tail -n 20 "$dir/server.log" >&2; die "the server did not come up on port $port"; }
  fi
  echo "root@tcp(127.0.0.1:$port)/"
}

stop() {
  local dir=$1
  [ -f "$dir/mariadbd.pid" ] || return 0
  local pid
  pid=$(cat "$dir/mariadbd.pid")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) [ $# -eq 3 ] || die "usage: $0 start DIR PORT"; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR PORT | stop DIR" ;;
esac
