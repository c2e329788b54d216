#!/usr/bin/env bash
# Live shows under load (docs/BENCHMARKS.md, "Live shows"): Medley against a Socket.IO 4.8
# baseline and against the floor (`medley-bench live floor`: a server that does nothing but
# one `send` per listener, what the machine allows any server), driven by the same load
# generator (`medley-bench live run`), one after the other on this machine, in one run:
#   A. 10,000 listeners in one show, 10 comments a second (connect time, idle memory, latency)
#   B. 100 shows of 100 listeners, 10 comments a second in each show
# Each server is started fresh for each scenario; the generator reads the server's memory and
# CPU from /proc. Builds the release binaries, installs the baseline with npm, prepares a
# SQLite data folder (10,000 users with tokens, 101 live shows), and prints a table per
# scenario with the ratios (Socket.IO ÷ Medley).
#
# Usage, from the repository root:  bash bench/live.sh
# Settings (environment): LIVE_DIR (target/live-data), LIVE_LISTENERS (10000), LIVE_RATE (10
# comments a second a show), LIVE_SECONDS (30), LIVE_IDLE (10 s idle before comments),
# LIVE_SHOWS_B (100: shows of scenario B, LIVE_LISTENERS spread over them),
# LIVE_THREADS (1 generator thread), LIVE_SCENARIOS ("A B"),
# LIVE_PROTOCOLS ("medley floor socketio"),
# LIVE_REUSE=1 to keep an already prepared folder, LIVE_SKIP_BUILD=1 to use the binaries built.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DIR=${LIVE_DIR:-$ROOT/target/live-data}
LISTENERS=${LIVE_LISTENERS:-10000}
RATE=${LIVE_RATE:-10}
SECONDS_=${LIVE_SECONDS:-30}
IDLE=${LIVE_IDLE:-10}
SHOWS_B=${LIVE_SHOWS_B:-100}
THREADS=${LIVE_THREADS:-1}
SCENARIOS=${LIVE_SCENARIOS:-A B}
PROTOCOLS=${LIVE_PROTOCOLS:-medley floor socketio}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
RESULTS=$DIR/results
SIO=$ROOT/bench/socketio

. "$ROOT/bench/lib.sh"

command -v node >/dev/null && command -v npm >/dev/null || {
    echo "node and npm are needed for the Socket.IO baseline (apt-get install nodejs npm)" >&2
    exit 1
}
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

if [ "${LIVE_SKIP_BUILD:-0}" != 1 ]; then
    say "building (release)"
    cargo build --release -p medley -p medley-bench
fi

say "installing the Socket.IO baseline (npm ci in bench/socketio)"
(cd "$SIO" && npm ci --no-audit --no-fund --loglevel=error)
echo "socket.io $(node -p 'require("'"$SIO"'/node_modules/socket.io/package.json").version'), node $(node --version)"

# One open file per connection on each side; the generator raises its own soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((LISTENERS + 512)) ]; then
    echo "at most $(ulimit -n) open files: $LISTENERS listeners need more (raise the hard limit)" >&2
    exit 1
fi

if [ "${LIVE_REUSE:-0}" = 1 ] && [ -f "$DIR/live.json" ]; then
    say "reusing $DIR"
else
    say "preparing $DIR ($LISTENERS users, $((SHOWS_B + 1)) live shows)"
    "$BIN/medley-bench" live prepare --data-dir "$DIR" --users "$LISTENERS" \
        --shows $((SHOWS_B + 1)) --force
fi
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

SERVER=""
stop_server() {
    if [ -n "$SERVER" ]; then
        stop_pid "$SERVER"
    fi
    SERVER=""
}
trap stop_server EXIT

# Starts a server, sets SERVER (its pid) and URL (once Medley answers /readyz).
start_server() {
    local protocol=$1 log=$RESULTS/$2.log pattern ready
    : >"$log"
    if [ "$protocol" = medley ]; then
        # The data folder alone decides the database; room for every listener's connection.
        env -u MEDLEY_DATABASE_URL -u MEDLEY_CONFIG -u MEDLEY_PUBLIC_URL RUST_LOG=warn \
            "$BIN/medley" serve --data-dir "$DIR" --bind 127.0.0.1:0 \
            --max-connections $((LISTENERS + 1000)) >"$log" 2>&1 &
        SERVER=$!
        pattern=$MEDLEY_URL_PATTERN
        ready=/readyz
    elif [ "$protocol" = floor ]; then
        "$BIN/medley-bench" live floor --data-dir "$DIR" >"$log" 2>&1 &
        SERVER=$!
        pattern='s/^floor is listening on \(http:\/\/[^ ]*\).*/\1/p'
        ready=""
    else
        node "$SIO/server.js" "$DIR" 0 >"$log" 2>&1 &
        SERVER=$!
        pattern='s/^Socket.IO is listening on \(http:\/\/[^ ]*\).*/\1/p'
        ready=""
    fi
    URL=$(wait_listening "$SERVER" "$log" "$pattern" "$ready")
}

for scenario in $SCENARIOS; do
    case $scenario in
        A) shows=1; first=0 ;;
        B) shows=$SHOWS_B; first=1 ;;
        *) echo "unknown scenario $scenario (A or B)" >&2; exit 1 ;;
    esac
    for protocol in $PROTOCOLS; do
        say "scenario $scenario, $protocol: $LISTENERS listeners in $shows show(s), $RATE comments/s a show, $SECONDS_ s; $(uptime)"
        start_server "$protocol" "$protocol-$scenario"
        # The floor speaks the part of LIVE.md the generator uses.
        wire=$protocol
        [ "$protocol" = floor ] && wire=medley
        "$BIN/medley-bench" live run --protocol "$wire" --url "$URL" --data-dir "$DIR" \
            --listeners "$LISTENERS" --shows "$shows" --first-show "$first" --rate "$RATE" \
            --seconds "$SECONDS_" --idle-seconds "$IDLE" --threads "$THREADS" \
            --server-pid "$SERVER" --out "$RESULTS/$protocol-$scenario.json"
        stop_server
    done
done

for scenario in $SCENARIOS; do
    if [ -f "$RESULTS/medley-$scenario.json" ] && [ -f "$RESULTS/socketio-$scenario.json" ]; then
        say "scenario $scenario"
        floor=()
        [ -f "$RESULTS/floor-$scenario.json" ] && floor=(--floor "$RESULTS/floor-$scenario.json")
        "$BIN/medley-bench" live report --medley "$RESULTS/medley-$scenario.json" \
            --socketio "$RESULTS/socketio-$scenario.json" "${floor[@]}"
    fi
done
echo
echo "results: $RESULTS"
