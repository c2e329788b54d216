#!/usr/bin/env bash
# Memory of `medley serve` under bursts of concurrent wrong-password sign-ins
# (docs/BENCHMARKS.md, "Sign-ins under attack"). Starts the server on a fresh SQLite data
# folder with one user, sends BURSTS bursts of N concurrent `POST /v1/sessions` with a wrong
# password, each for another account name and (BENCH_XFF=1, the server trusting 127.0.0.1)
# from another X-Forwarded-For address, so that neither throttle hides the hashing bound (an
# unknown account is hashed all the same, to take as long as a known one), and reports the
# server's resident memory before, at its peak (VmHWM) and after, and the statuses answered.
#
# Usage, from the repository root:  bash bench/logins.sh [path/to/medley]
# Settings (environment): N (64), BURSTS (2), BENCH_XFF (1), and any MEDLEY_* setting.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${1:-target/release/medley}
N=${N:-64}
BURSTS=${BURSTS:-2}
XFF=${BENCH_XFF:-1}
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
export MEDLEY_DATA_DIR=$DIR
MEDLEY_PASSWORD=right-password "$BIN" user add victim >/dev/null
PORT=$((20000 + RANDOM % 20000))
if [ "$XFF" = 1 ]; then export MEDLEY_TRUSTED_PROXIES=127.0.0.1; fi
RUST_LOG=warn "$BIN" serve --bind 127.0.0.1:$PORT >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.1
done
rss() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$PID/status"; }
echo "binary: $BIN ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "cores: $(nproc); N=$N concurrent wrong sign-ins per burst, $BURSTS bursts"
echo "RSS at rest: $(rss VmRSS) MiB"
for burst in $(seq 1 "$BURSTS"); do
    seq 1 "$N" | xargs -P "$N" -I{} sh -c "curl -s -o /dev/null -w '%{http_code}\n' \
        -H 'content-type: application/json' \
        $( [ "$XFF" = 1 ] && echo "-H 'x-forwarded-for: 198.18.$burst.{}'" ) \
        -d '{\"username\":\"guess-$burst-{}\",\"password\":\"wrong-password-{}\"}' \
        http://127.0.0.1:$PORT/v1/sessions" >"$DIR/codes"
    echo "burst $burst: statuses $(sort "$DIR/codes" | uniq -c | awk '{printf "%s×%s ", $2, $1}'); \
RSS after $(rss VmRSS) MiB, peak so far $(rss VmHWM) MiB"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"username":"victim","password":"right-password"}' "http://127.0.0.1:$PORT/v1/sessions")
echo "right password afterwards: $code"
