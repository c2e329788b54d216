#!/usr/bin/env bash
# Medley's end-to-end benchmarks (docs/BENCHMARKS.md): builds the release binaries, prepares a
# SQLite data folder (100,000 demo tracks, a user, a 10,000- and a 9,900-item private
# playlist), starts `medley serve` on loopback, then measures
#   1. 50-item pages of the 10,000-item playlist with wrk (and GET /healthz as the ceiling),
#   2. adding 100 items to the 9,900-item playlist (sequential, timed by medley-bench),
#   3. search over the catalog at concurrency 1 and 8 (medley-bench),
# stops the server, times the search index alone (same catalog and queries, then
# medley-search's own synthetic benchmark), and prints a report.
#
# Usage, from the repository root:  bash bench/run.sh
# Settings (environment): BENCH_DIR (TARGET/bench-data), BENCH_TRACKS (100000),
# BENCH_DURATION (15s; whole seconds), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_ADDS (300),
# BENCH_SEARCHES (2000 per concurrency level), BENCH_PORT (0 = any free port),
# BENCH_REUSE=1 to keep an already prepared folder, BENCH_SKIP_INDEX=1 to skip bench_search,
# BENCH_WAIT_IDLE (120: seconds to wait for other processes to go quiet before a phase),
# BENCH_ATTEMPTS (3: runs of a phase disturbed by other processes, the least disturbed reported),
# BENCH_BIN (TARGET/release: where medley and medley-bench are) with BENCH_BUILD=0 to measure
# binaries built earlier (say, a copy of the previous build) without building.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# Cargo's target folder: CARGO_TARGET_DIR when set, as cargo itself does.
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DIR=${BENCH_DIR:-$TARGET/bench-data}
TRACKS=${BENCH_TRACKS:-100000}
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ADDS=${BENCH_ADDS:-300}
SEARCHES=${BENCH_SEARCHES:-2000}
PORT=${BENCH_PORT:-0}
RESULTS=$DIR/results
BIN=${BENCH_BIN:-$TARGET/release}

. "$ROOT/bench/lib.sh"

# --- tools ---------------------------------------------------------------------------------
install_pkg() {
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "$1"
    elif command -v sudo >/dev/null; then
        sudo apt-get update -qq && sudo apt-get install -y -qq "$1"
    else
        echo "$1 is missing; install it (apt-get install $1)" >&2
        exit 1
    fi
}
command -v wrk >/dev/null || install_pkg wrk
command -v curl >/dev/null || install_pkg curl

if [ "${BENCH_BUILD:-1}" != 0 ]; then
    say "building (release)"
    cargo build --release -p medley -p medley-bench
fi

# --- data ----------------------------------------------------------------------------------
if [ "${BENCH_REUSE:-0}" = 1 ] && [ -f "$DIR/bench.json" ]; then
    say "reusing $DIR"
else
    say "preparing $DIR ($TRACKS tracks)"
    "$BIN/medley-bench" prepare --data-dir "$DIR" --tracks "$TRACKS" --force
fi
rm -rf "$RESULTS" "$DIR/wrk"
mkdir -p "$RESULTS" "$DIR/wrk"

# --- server --------------------------------------------------------------------------------
say "starting the server"
SERVER_LOG=$DIR/server.log
# The data folder alone decides the database: settings from the caller's environment must not.
env -u MEDLEY_DATABASE_URL -u MEDLEY_CONFIG -u MEDLEY_PUBLIC_URL RUST_LOG=warn \
    "$BIN/medley" serve --data-dir "$DIR" --bind "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 &
SERVER=$!
stop_server() { stop_pid "$SERVER"; }
trap stop_server EXIT

# The server binds, rebuilds the search index (seconds for 100k tracks), prints its URL, then
# accepts requests: up to 120 s.
started=$(date +%s.%N)
URL=$(wait_listening "$SERVER" "$SERVER_LOG" "$MEDLEY_URL_PATTERN" /readyz 120)
ready_secs=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "ready at $URL after ${ready_secs} s (search index rebuilt from the database)"
"$BIN/medley-bench" check --url "$URL" --data-dir "$DIR"

TOKEN=$(sed -n 's/^ *"token": "\([^"]*\)".*/\1/p' "$DIR/bench.json" | head -n1)
PLAYLIST=$(sed -n 's/^ *"read_playlist": "\([^"]*\)".*/\1/p' "$DIR/bench.json" | head -n1)

# --- target 1: wrk -------------------------------------------------------------------------
# wrk's `done` hook writes its figures as JSON (latencies in microseconds) to $WRK_OUT.
cat >"$DIR/wrk/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  local f = assert(io.open(os.getenv("WRK_OUT"), "w"))
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connections":%d,"threads":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    tonumber(os.getenv("WRK_CONNECTIONS")), tonumber(os.getenv("WRK_THREADS")),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
  f:close()
end
LUA
# Pages of 50 at offsets 0, 50, ..., 9950 in turn (each thread starts elsewhere), with the token.
cat >"$DIR/wrk/pages.lua" <<'LUA'
dofile(os.getenv("WRK_DIR") .. "/report.lua")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local paths = {}
for offset = 0, 9950, 50 do
  paths[#paths + 1] = "/v1/playlists/" .. os.getenv("BENCH_PLAYLIST") ..
    "/items?limit=50&offset=" .. offset
end
local threads = 0
setup = function(thread)
  thread:set("first", threads * 37)
  threads = threads + 1
end
local n = nil
request = function()
  if n == nil then n = first or 0 end
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
export WRK_DIR=$DIR/wrk WRK_CONNECTIONS=$CONNECTIONS WRK_THREADS=$THREADS
export BENCH_TOKEN=$TOKEN BENCH_PLAYLIST=$PLAYLIST
# Where the CPU goes during a phase: the server, the load generator (this shell's children:
# wrk or medley-bench) and everything else. The machine may be shared (builds, tests), and on
# 2 cores a neighbour's compile halves the figures, so every phase reports its split.
CLK=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
server_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
# `times` must run in this shell (not in a $(...) subshell) to see this shell's children.
children_secs() { # user + system time of waited-for children, from the last `times`
    awk 'NR == 2 { s = 0; for (i = 1; i <= NF; i++) { split($i, t, "m"); sub("s", "", t[2]); s += t[1] * 60 + t[2] } print s }' "$DIR/wrk/times"
}
phase_start() {
    times >"$DIR/wrk/times"
    P_BUSY=$(busy_ticks) P_SERVER=$(server_ticks) P_CHILD=$(children_secs) P_WALL=$(date +%s.%N)
}
phase_end() { # label; prints the split and sets REST (cores other processes used)
    local busy server child wall line
    times >"$DIR/wrk/times"
    busy=$(busy_ticks) server=$(server_ticks) child=$(children_secs) wall=$(date +%s.%N)
    line=$(awk -v n="$1" -v c="$CLK" -v cpus="$(nproc)" -v w="$(awk -v a="$P_WALL" -v b="$wall" 'BEGIN { print b - a }')" \
        -v b=$((busy - P_BUSY)) -v s=$((server - P_SERVER)) -v l="$(awk -v a="$P_CHILD" -v b="$child" 'BEGIN { print b - a }')" \
        'BEGIN { o = b / c / w - s / c / w - l / w; if (o < 0) o = 0; i = cpus - b / c / w; if (i < 0) i = 0;
                 printf "CPU during %s (cores of %d): server %.2f, load generator %.2f, other processes %.2f, idle %.2f|%.2f\n", n, cpus, s / c / w, l / w, o, i, o }')
    REST=${line##*|}
    echo "${line%|*}" | tee -a "$RESULTS/cpu.txt"
}
quiet() { awk -v x="$1" 'BEGIN { exit !(x < 0.15) }'; }
others_busy() { # cores used by everything but the server over 2 s
    local b0 s0 b1 s1
    b0=$(busy_ticks) s0=$(server_ticks)
    sleep 2
    b1=$(busy_ticks) s1=$(server_ticks)
    awk -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v c="$CLK" 'BEGIN { printf "%.2f", (b - s) / c / 2 }'
}
wait_idle() { # before a phase: up to BENCH_WAIT_IDLE seconds for other processes to go quiet
    local deadline busy
    deadline=$(($(date +%s) + ${BENCH_WAIT_IDLE:-120}))
    while :; do
        busy=$(others_busy)
        quiet "$busy" && return
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "other processes still use $busy cores; measuring $1 anyway"
            return
        fi
        echo "other processes use $busy cores; waiting for the machine to be idle before $1"
    done
}
# A phase runs up to BENCH_ATTEMPTS times, until one has the machine to itself (other
# processes under 0.15 cores); the least disturbed attempt is the one reported, and the CPU
# split of every attempt is listed with the results.
ATTEMPTS=${BENCH_ATTEMPTS:-3}
better() { awk -v r="$1" -v b="$2" 'BEGIN { exit !(r < b) }'; }
wrk_run() { # name, script, path
    local best=999 chosen=0 n
    for n in $(seq 1 "$ATTEMPTS"); do
        wait_idle "$1"
        phase_start
        WRK_OUT=$RESULTS/wrk-$1.try$n.json wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
            -s "$DIR/wrk/$2" "$URL$3" | tee "$RESULTS/wrk-$1.try$n.txt"
        phase_end "$1, attempt $n"
        if better "$REST" "$best"; then
            best=$REST chosen=$n
            cp "$RESULTS/wrk-$1.try$n.json" "$RESULTS/wrk-$1.json"
            cp "$RESULTS/wrk-$1.try$n.txt" "$RESULTS/wrk-$1.txt"
        fi
        quiet "$REST" && break
        if [ "$n" -lt "$ATTEMPTS" ]; then echo "other processes took $REST cores during $1: again"; fi
    done
    echo "reported for $1: attempt $chosen (other processes $best cores)" | tee -a "$RESULTS/cpu.txt"
}

say "warm-up: pages, 3 s (not recorded)"
WRK_OUT=$DIR/wrk/warmup.json wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$DIR/wrk/pages.lua" \
    "$URL/v1/playlists/$PLAYLIST/items" >/dev/null
say "target 1, ceiling: GET /healthz (wrk -t$THREADS -c$CONNECTIONS -d$DURATION)"
wrk_run healthz report.lua /healthz
say "target 1: 50-item pages of the 10,000-item playlist (wrk -t$THREADS -c$CONNECTIONS -d$DURATION)"
wrk_run pages pages.lua "/v1/playlists/$PLAYLIST/items"

# --- targets 2 and 3 -----------------------------------------------------------------------
# Each attempt searches with queries it has not sent before (--query-offset).
say "targets 2 and 3: adds and search (medley-bench latency)"
best=999 chosen=0
for n in $(seq 1 "$ATTEMPTS"); do
    wait_idle "adds and search"
    phase_start
    "$BIN/medley-bench" latency --url "$URL" --data-dir "$DIR" --adds "$ADDS" --searches "$SEARCHES" \
        --query-offset $(((n - 1) * 2 * SEARCHES)) --out "$RESULTS/latency.try$n.json" |
        tee "$RESULTS/latency.try$n.txt"
    phase_end "adds and search, attempt $n"
    if better "$REST" "$best"; then
        best=$REST chosen=$n
        cp "$RESULTS/latency.try$n.json" "$RESULTS/latency.json"
        cp "$RESULTS/latency.try$n.txt" "$RESULTS/latency.txt"
    fi
    quiet "$REST" && break
    if [ "$n" -lt "$ATTEMPTS" ]; then echo "other processes took $REST cores during adds and search: again"; fi
done
echo "reported for adds and search: attempt $chosen (other processes $best cores)" | tee -a "$RESULTS/cpu.txt"
QUERY_OFFSET=$(((chosen - 1) * 2 * SEARCHES))

awk '/^VmHWM/ { printf "server peak RSS %.0f MiB\n", $2 / 1024 }' "/proc/$SERVER/status" |
    tee "$RESULTS/server-memory.txt"
say "stopping the server"
stop_server
trap - EXIT
if grep -qE 'ERROR|panicked' "$SERVER_LOG"; then
    echo "the server logged errors:" >&2
    grep -E 'ERROR|panicked' "$SERVER_LOG" | head -n 20 >&2
fi

# --- the search index alone ----------------------------------------------------------------
say "index only, same catalog and queries: medley-bench index"
"$BIN/medley-bench" index --data-dir "$DIR" --queries "$SEARCHES" --query-offset "$QUERY_OFFSET" |
    tee "$RESULTS/index.txt"
if [ "${BENCH_SKIP_INDEX:-0}" != 1 ]; then
    say "index-only baseline: cargo run --release -p medley-search --example bench_search"
    cargo run --release -q -p medley-search --example bench_search | tee "$RESULTS/search-index.txt"
fi

# --- report --------------------------------------------------------------------------------
say "report"
{
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "- tools: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $(rustc --version)"
    echo "- catalog: $TRACKS tracks; server ready ${ready_secs} s after start; $(cat "$RESULTS/server-memory.txt")"
    sed 's/^/- /' "$RESULTS/cpu.txt"
    echo
    "$BIN/medley-bench" report --data-dir "$DIR"
} | tee "$RESULTS/report.md"
echo
echo "results in $RESULTS"
