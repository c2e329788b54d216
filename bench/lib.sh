# Shared by the benchmark scripts (sourced, not run): printing a step, and starting a server
# whose log announces its URL.

say() { printf '\n== %s\n' "$*"; }

# wait_listening PID LOG PATTERN READY [SECONDS]: waits up to SECONDS (60) for the server PID
# to print its URL in LOG (the sed PATTERN extracts it) and, when READY is not empty, for that
# URL's READY path to answer; prints the URL. Exits the script with the log if the server
# exits or is not ready in time.
wait_listening() {
    local pid=$1 log=$2 pattern=$3 ready=$4 seconds=${5:-60} url=""
    for _ in $(seq 1 $((seconds * 10))); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "the server ($pid) exited:" >&2
            cat "$log" >&2
            exit 1
        fi
        url=$(sed -n "$pattern" "$log" | head -n1)
        if [ -n "$url" ] && { [ -z "$ready" ] || curl -fsS -o /dev/null "$url$ready" 2>/dev/null; }; then
            echo "$url"
            return 0
        fi
        sleep 0.1
    done
    echo "the server ($pid) was not ready within $seconds s${url:+ (at $url)}:" >&2
    cat "$log" >&2
    exit 1
}

# stop_pid PID: SIGTERM, up to 20 s to exit, then SIGKILL.
stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

MEDLEY_URL_PATTERN='s/^Medley is listening on \(http:\/\/[^ ]*\).*/\1/p'
