#!/usr/bin/env bash
# Starts Debian's PostgreSQL (installing it if absent) and prints a URL for
# the tests that run several attestation-service instances on one database.
# Everything it does is logged to stderr; stdout is only the URL.
set -euo pipefail
exec 3>&1 1>&2

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi
read -r version name port _ < <(pg_lsclusters -h | head -n 1) || true
if [ -z "${version:-}" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    name=main
    pg_createcluster "$version" "$name"
    read -r version name port _ < <(pg_lsclusters -h | head -n 1)
fi
# The server outlives this script: it must hold none of our descriptors. A
# server that kept the pipe of the caller's $(...) (fd 3 here) or a CI
# runner's output pipe open would make them wait for it forever.
start_detached() (
    for fd in $(ls "/proc/$BASHPID/fd"); do
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec "$@" </dev/null >"$start_log" 2>&1
)
start_log=$(mktemp)
start_detached pg_ctlcluster "$version" "$name" start || cat "$start_log"
rm -f "$start_log"
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p "$port"

as_postgres() { su postgres -c "$1" </dev/null; }
if ! as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'secgear'\"" | grep -q 1; then
    as_postgres "psql -q -p $port -c \"CREATE ROLE secgear LOGIN PASSWORD 'secgear-ci'\""
fi
if ! as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'secgear_test'\"" | grep -q 1; then
    as_postgres "createdb -p $port -O secgear secgear_test"
fi
echo "postgres://secgear:secgear-ci@127.0.0.1:$port/secgear_test" >&3
