#!/usr/bin/env bash
# One live show of 10,000 listeners spread over three Medley nodes (docs/BENCHMARKS.md, "Live
# shows over three nodes"): three release `medley serve` on one new PostgreSQL database and the
# machine's NATS, the load generator (`medley-bench live run`) joining listener i through node
# i mod 3, so two thirds of the listeners hear the show through a node that does not run it.
#
# Usage, from the repository root:  bash bench/live-nodes.sh
# Needs PostgreSQL and NATS running, and `psql`. Settings (environment): LIVE_PG (server URL
# without a database, default postgres://postgres@127.0.0.1:5432), LIVE_DB (database to create,
# medley_live_nodes: dropped first), LIVE_NATS (nats://127.0.0.1:4222), LIVE_NODES (3),
# LIVE_DIR (target/live-nodes), LIVE_LISTENERS (10000), LIVE_RATE (10 comments a second),
# LIVE_SECONDS (30), LIVE_IDLE (10), LIVE_THREADS (1), LIVE_WORKERS (each node's `--workers`:
# the machine's cores shared out between the nodes, at least 1; `default` for one per core
# each), LIVE_SKIP_BUILD=1 to use the binaries built.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
PG=${LIVE_PG:-postgres://postgres@127.0.0.1:5432}
DB=${LIVE_DB:-medley_live_nodes}
NATS=${LIVE_NATS:-nats://127.0.0.1:4222}
NODES=${LIVE_NODES:-3}
DIR=${LIVE_DIR:-$ROOT/target/live-nodes}
LISTENERS=${LIVE_LISTENERS:-10000}
RATE=${LIVE_RATE:-10}
SECONDS_=${LIVE_SECONDS:-30}
IDLE=${LIVE_IDLE:-10}
THREADS=${LIVE_THREADS:-1}
# Three nodes on one machine share its cores, as three machines would not: each node gets its
# share of them, so that the nodes' threads do not outnumber the cores (and the generator).
WORKERS=${LIVE_WORKERS:-$(( $(nproc) / NODES > 1 ? $(nproc) / NODES : 1 ))}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
RESULTS=$DIR/results
# Every node of a deployment shares one secret key; this one is for loopback benchmarks only.
KEY=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=

. "$ROOT/bench/lib.sh"

command -v psql >/dev/null || { echo "psql is needed (apt-get install postgresql-client)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

if [ "${LIVE_SKIP_BUILD:-0}" != 1 ]; then
    say "building (release)"
    cargo build --release -p medley -p medley-bench
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((LISTENERS + 512)) ]; then
    echo "at most $(ulimit -n) open files: $LISTENERS listeners need more (raise the hard limit)" >&2
    exit 1
fi

say "preparing $DB ($LISTENERS users, one live show) and $DIR"
psql "$PG/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
rm -rf "$DIR"
mkdir -p "$RESULTS"
"$BIN/medley-bench" live prepare --data-dir "$DIR" --users "$LISTENERS" --shows 1 \
    --database-url "$PG/$DB"

PIDS=()
URLS=()
stop_nodes() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
}
trap stop_nodes EXIT

# Each node: its own data folder (its node name), the shared database, NATS and key; the
# subject prefix is this run's own. Room for every listener's connection on every node.
prefix="bench$$"
WORKER_FLAG=()
[ "$WORKERS" = default ] || WORKER_FLAG=(--workers "$WORKERS")
for k in $(seq 0 $((NODES - 1))); do
    log=$RESULTS/node$k.log
    mkdir -p "$DIR/node$k"
    env -u MEDLEY_CONFIG -u MEDLEY_PUBLIC_URL RUST_LOG=warn MEDLEY_SECRET_KEY=$KEY \
        "$BIN/medley" serve --data-dir "$DIR/node$k" --bind 127.0.0.1:0 \
        --database-url "$PG/$DB" --nats-url "$NATS" --nats-subject-prefix "$prefix" \
        --max-connections $((LISTENERS + 1000)) ${WORKER_FLAG[@]+"${WORKER_FLAG[@]}"} >"$log" 2>&1 &
    PIDS+=($!)
    url=$(wait_listening "${PIDS[-1]}" "$log" "$MEDLEY_URL_PATTERN" /readyz)
    URLS+=("$url")
    echo "node $k at $url (pid ${PIDS[-1]})"
done

say "$LISTENERS listeners over $NODES nodes ($WORKERS workers each), $RATE comments/s, $SECONDS_ s; $(uptime)"
"$BIN/medley-bench" live run --protocol medley --url "$(IFS=,; echo "${URLS[*]}")" \
    --data-dir "$DIR" --listeners "$LISTENERS" --shows 1 --rate "$RATE" \
    --seconds "$SECONDS_" --idle-seconds "$IDLE" --threads "$THREADS" \
    --server-pid "$(IFS=,; echo "${PIDS[*]}")" --out "$RESULTS/medley-nodes.json"
stop_nodes
trap - EXIT
echo
echo "results: $RESULTS"
