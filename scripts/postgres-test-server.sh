#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the rotation Lambda's tests, on 127.0.0.1 only.
#
#   bash scripts/postgres-test-server.sh [start]   start (idempotent) and print the connection URL
#   bash scripts/postgres-test-server.sh stop      stop it (the data directory is kept for reuse)
#   bash scripts/postgres-test-server.sh status    exit 0 and print the URL when running, 1 when not
#   bash scripts/postgres-test-server.sh url       print the URL
#
# Environment: PGTEST_PORT (default 55432), PGTEST_DIR (default /tmp/mono-repo-pgtest-<port>),
# PGTEST_BIN (default: the newest /usr/lib/postgresql/<version>/bin).
# The superuser is `postgres` with the fixed throwaway password `postgres` (SCRAM over TCP);
# this cluster holds no real data and listens on the loopback interface only.
set -euo pipefail

PORT="${PGTEST_PORT:-55432}"
DIR="${PGTEST_DIR:-/tmp/mono-repo-pgtest-$PORT}"
DATA="$DIR/data"
URL="postgres://postgres:postgres@127.0.0.1:$PORT/postgres"

find_bin() {
  if [[ -n "${PGTEST_BIN:-}" ]]; then echo "$PGTEST_BIN"; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  echo "${d:-/usr/lib/postgresql/15/bin}"
}
BIN="$(find_bin)"

need_bins() {
  local b
  for b in initdb pg_ctl postgres pg_isready; do
    if [[ ! -x "$BIN/$b" ]]; then
      echo "postgres-test-server: $BIN/$b not found. Install the PostgreSQL server (Debian: apt-get install postgresql) or set PGTEST_BIN to its bin directory." >&2
      exit 3
    fi
  done
}

# Run as the `postgres` user when we are root (initdb and postgres refuse to run as root).
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "postgres-test-server: running as root but there is no 'postgres' user to own the cluster." >&2
      exit 3
    fi
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [[ -f "$DATA/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  need_bins
  mkdir -p "$DIR"
  [[ "$(id -u)" == "0" ]] && chown postgres: "$DIR"
  # One starter at a time (test files and CI may call this concurrently). The server must not
  # inherit the lock's descriptor (9>&- below), or the lock would be held for its lifetime.
  exec 9>"$DIR/.lock"
  flock 9
  if running; then
    echo "postgres-test-server: already running on 127.0.0.1:$PORT" >&2
    echo "$URL"
    return 0
  fi
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
    echo "postgres-test-server: something else already listens on 127.0.0.1:$PORT; set PGTEST_PORT to another port." >&2
    exit 1
  fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    local pw="$DIR/.pw"
    printf 'postgres\n' >"$pw"
    [[ "$(id -u)" == "0" ]] && chown postgres: "$pw"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || {
      echo "postgres-test-server: initdb failed; see $DIR/initdb.log" >&2
      exit 1
    }
    rm -f "$pw"
  fi
  # Fast and small: no durability needed for a throwaway cluster.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40" \
    start >/dev/null 9>&- || {
    echo "postgres-test-server: the server did not start; see $DIR/server.log" >&2
    exit 1
  }
  echo "postgres-test-server: started on 127.0.0.1:$PORT (data in $DATA)" >&2
  echo "$URL"
}

stop() {
  need_bins
  if running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "postgres-test-server: stopped" >&2
  else
    echo "postgres-test-server: not running" >&2
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) need_bins; if running; then echo "$URL"; else echo "postgres-test-server: not running" >&2; exit 1; fi ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 [start|stop|status|url]" >&2; exit 2 ;;
esac
