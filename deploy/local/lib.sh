# Shared helpers for the deploy/local scripts. Source it; do not run it.

die() { echo "error: $*" >&2; exit 1; }

require_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.26 (https://go.dev/doc/install) and put it on PATH"
}

# Node.js 24 LTS is what the image builds with (22 LTS works too). Vite 8 and
# the other tools still run on 20.19+, so that is the floor here, but Node 20
# is past its end of life (April 2026): say so rather than fail.
# (Debian 12's own nodejs is 18.)
require_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "Node.js 24 LTS (or 22) with npm is needed to build and test the web apps (Debian 12's nodejs package is too old: use NodeSource or nvm)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js $(node --version) is too old: the web apps need Node.js 24 LTS or 22 (20.19 at the very least)"
  if node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 22 ? 0 : 1)'; then
    echo "note: Node.js $(node --version) is past its end of life; move to Node.js 24 LTS (or 22)" >&2
  fi
}

# The manifest PDF tests read their output back with pdftotext (poppler-utils).
# Installed here when we are root (a fresh Debian machine), as mariadb.sh does.
require_pdftotext() {
  command -v pdftotext >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "==> installing Debian's poppler-utils (pdftotext)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >&2 ||
      die "could not install poppler-utils"
  else
    die "pdftotext is not installed. Run: sudo apt-get install -y poppler-utils"
  fi
}

# The browser end-to-end tests (deploy/local/e2e.sh) drive Debian's chromium
# with playwright-core (no browser download). Installed here when we are root.
require_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "==> installing Debian's chromium" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 ||
      die "could not install chromium"
  else
    die "chromium is not installed. Run: sudo apt-get install -y chromium"
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on. It is drawn from below the
# kernel's ephemeral range (ip_local_port_range, 32768 and up on Linux): a port
# in that range can be held by some outgoing connection, which a connect probe
# cannot see but which still makes a later bind fail. Even so, another program
# can take the port before our server binds it: callers retry on a new one.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((12000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# npm_install_if_needed DIR: npm ci in DIR, but only when DIR/package-lock.json
# is newer than the last install (npm ci writes DIR/node_modules/.package-lock.json).
# DIR is web, the npm workspace root: one install for the shared package and
# both apps (npm ci also empties the workspaces' own node_modules folders).
npm_install_if_needed() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# install_go_tool PACKAGE VERSION BINARY NAME: go install PACKAGE@VERSION into
# .data/bin/NAME-VERSION (once) and print its path.
install_go_tool() {
  local pkg=$1 version=$2 binary=$3 name=$4
  local dest=".data/bin/$name-$version"
  if [ ! -x "$dest" ]; then
    local tmp
    tmp=$(mktemp -d)
    GOBIN="$tmp" go install "$pkg@$version" >&2 || die "could not install $pkg@$version"
    mkdir -p .data/bin
    mv "$tmp/$binary" "$dest"
    rm -rf "$tmp"
  fi
  echo "$PWD/$dest"
}
