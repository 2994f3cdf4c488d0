#!/usr/bin/env bash
# Blinders benchmark: native vs `blinders do` vs gVisor's `runsc do`, side by side, in one run.
# See bench/README.md. Usage:
#   bench/run.sh [--no-build] [--iterations N] [--sandbox-iterations N] [--runs R]
#                [--python-runs R] [--ptrace-iterations N]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
BUILD=1
NATIVE_ITERS=1000000   # getppid calls natively
SANDBOX_ITERS=20000    # getppid calls in a sandbox (each is a trap: tens of µs)
RUNS=20                # start-ups of /bin/true averaged
PY_RUNS=10             # start-ups of python3 -c pass averaged
PTRACE_ITERS=20000     # round trips of the raw ptrace baseline
PYTHON=/usr/bin/python3

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --iterations) NATIVE_ITERS=$2; shift ;;
        --sandbox-iterations) SANDBOX_ITERS=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --python-runs) PY_RUNS=$2; shift ;;
        --ptrace-iterations) PTRACE_ITERS=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

mkdir -p "$OUT"
cd "$ROOT"

# --- build ------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    echo "== cargo build --release" >&2
    cargo build --release >&2
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BLINDERS=$TARGET_DIR/release/blinders

echo "== compiling bench/programs" >&2
for src in "$ROOT"/bench/programs/*.c; do
    name=$(basename "$src" .c)
    cc -O2 -Wall -Wextra -Werror -o "$OUT/$name" "$src"
done

# --- which sandboxes can run here --------------------------------------------------------------
# A runner is the command prefix that runs a program: empty for native.
BLINDERS_CMD=("$BLINDERS" do --)
RUNSC_CMD=(runsc --rootless --network=none do)

# why_not PREFIX...: prints nothing if `PREFIX /bin/true` works, else the reason.
why_not() {
    local err
    if [[ $1 == */* && ! -x $1 ]]; then
        echo "$1 not built (run without --no-build)"
        return
    fi
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "$1 not installed"
        return
    fi
    if ! err=$("$@" /bin/true 2>&1 >/dev/null </dev/null); then
        err=$(printf '%s\n' "$err" | grep -v '^[[:space:]]*$' | tail -n 1)
        echo "fails: ${err:-exit status non-zero}"
    fi
}

BLINDERS_WHY=$(why_not "${BLINDERS_CMD[@]}")
RUNSC_WHY=$(why_not "${RUNSC_CMD[@]}")
[ -n "$BLINDERS_WHY" ] && echo "blinders: n/a ($BLINDERS_WHY)" >&2
[ -n "$RUNSC_WHY" ] && echo "runsc: n/a ($RUNSC_WHY)" >&2

# --- measurements ------------------------------------------------------------------------------
# Each prints a number, or "n/a".

# getppid_ns PREFIX...: ns per getppid call inside the runner.
getppid_ns() {
    local iters=$1; shift
    local out
    if out=$("$@" "$OUT/getppid_loop" "$iters" 2>/dev/null </dev/null); then
        printf '%s\n' "$out" | awk '$1 == "getppid_ns" { print $2; found = 1 } END { if (!found) print "n/a" }'
    else
        echo "n/a"
    fi
}

# startup_ms RUNS PREFIX... -- CMD...: mean wall time of one run, in ms.
startup_ms() {
    local runs=$1; shift
    local prefix=() cmd=()
    while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
    shift
    cmd=("$@")
    "${prefix[@]}" "${cmd[@]}" >/dev/null 2>&1 </dev/null || { echo "n/a"; return; } # warm-up
    local total=0 t0 t1 i
    for ((i = 0; i < runs; i++)); do
        t0=$EPOCHREALTIME
        "${prefix[@]}" "${cmd[@]}" >/dev/null 2>&1 </dev/null || { echo "n/a"; return; }
        t1=$EPOCHREALTIME
        total=$(awk -v a="$total" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.6f", a + (e - s) }')
    done
    awk -v t="$total" -v n="$runs" 'BEGIN { printf "%.2f", t / n * 1000 }'
}

# time_rss_kb PREFIX... -- CMD...: max RSS of the runner's processes per GNU time (kB).
# getrusage's children maxrss is the largest single process waited for, not a sum.
time_rss_kb() {
    local prefix=()
    while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
    shift
    [ -x /usr/bin/time ] || { echo "n/a"; return; }
    local f
    f=$(mktemp)
    if /usr/bin/time -o "$f" -f '%M' "${prefix[@]}" "$@" >/dev/null 2>&1 </dev/null; then
        tail -n 1 "$f"
    else
        echo "n/a"
    fi
    rm -f "$f"
}

# sentry_rss_kb CMD...: the sentry's own peak RSS, from the `sentry peak RSS: N kB` line of
# its --debug-log.
sentry_rss_kb() {
    local log
    log=$(mktemp)
    if "$BLINDERS" do --debug-log "$log" -- "$@" >/dev/null 2>&1 </dev/null; then
        sed -n 's/.*sentry peak RSS: \([0-9][0-9]*\) kB.*/\1/p' "$log" | tail -n 1 | grep . || echo "n/a"
    else
        echo "n/a"
    fi
    rm -f "$log"
}

declare -A R
measure_all() {
    echo "== getppid" >&2
    R[getppid,native]=$(getppid_ns "$NATIVE_ITERS")
    R[getppid,blinders]=n/a
    R[getppid,runsc]=n/a
    [ -z "$BLINDERS_WHY" ] && R[getppid,blinders]=$(getppid_ns "$SANDBOX_ITERS" "${BLINDERS_CMD[@]}")
    [ -z "$RUNSC_WHY" ] && R[getppid,runsc]=$(getppid_ns "$SANDBOX_ITERS" "${RUNSC_CMD[@]}")

    echo "== /bin/true start-up x$RUNS" >&2
    R[true,native]=$(startup_ms "$RUNS" -- /bin/true)
    R[true,blinders]=n/a
    R[true,runsc]=n/a
    [ -z "$BLINDERS_WHY" ] && R[true,blinders]=$(startup_ms "$RUNS" "${BLINDERS_CMD[@]}" -- /bin/true)
    [ -z "$RUNSC_WHY" ] && R[true,runsc]=$(startup_ms "$RUNS" "${RUNSC_CMD[@]}" -- /bin/true)

    R[python,native]=n/a
    R[python,blinders]=n/a
    R[python,runsc]=n/a
    R[rss,native]=n/a
    R[rss,blinders]=n/a
    R[rss,runsc]=n/a
    if [ -x "$PYTHON" ]; then
        echo "== python3 -c pass start-up x$PY_RUNS" >&2
        R[python,native]=$(startup_ms "$PY_RUNS" -- "$PYTHON" -c pass)
        [ -z "$BLINDERS_WHY" ] && R[python,blinders]=$(startup_ms "$PY_RUNS" "${BLINDERS_CMD[@]}" -- "$PYTHON" -c pass)
        [ -z "$RUNSC_WHY" ] && R[python,runsc]=$(startup_ms "$PY_RUNS" "${RUNSC_CMD[@]}" -- "$PYTHON" -c pass)

        echo "== peak RSS of python3 -c pass" >&2
        R[rss,native]=$(time_rss_kb -- "$PYTHON" -c pass)
        [ -z "$BLINDERS_WHY" ] && R[rss,blinders]=$(sentry_rss_kb "$PYTHON" -c pass)
        [ -z "$RUNSC_WHY" ] && R[rss,runsc]=$(time_rss_kb "${RUNSC_CMD[@]}" -- "$PYTHON" -c pass)
    else
        echo "== $PYTHON missing: python rows are n/a" >&2
    fi

    echo "== raw ptrace round trip x$PTRACE_ITERS" >&2
    local pt
    if pt=$("$OUT/ptrace_rtt" "$PTRACE_ITERS" 2>&1); then
        R[ptrace,pinned]=$(printf '%s\n' "$pt" | awk '$1 == "ptrace_rtt_pinned_ns" { print $2 }')
        R[ptrace,unpinned]=$(printf '%s\n' "$pt" | awk '$1 == "ptrace_rtt_unpinned_ns" { print $2 }')
    else
        R[ptrace,pinned]="n/a"
        R[ptrace,unpinned]="n/a"
        echo "ptrace_rtt failed: $pt" >&2
    fi

    echo "== seccomp RET_TRAP round trips x$PTRACE_ITERS (what a systrap platform would cost)" >&2
    local tr k
    tr=$("$OUT/trap_rtt" "$PTRACE_ITERS" 2>&1) || echo "trap_rtt failed: $tr" >&2
    for k in inprocess futex spin; do
        R[trap,$k]=$(printf '%s\n' "$tr" | awk -v k="trap_rtt_${k}_ns" '$1 == k { v = $2 } END { print (v == "" ? "n/a" : v) }')
    done
}

# ratio A B: A/B with 2 decimals, or n/a.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "n/a" || b == "n/a" || a == "" || b == "" || b + 0 == 0) print "n/a";
        else printf "%.2fx", a / b }'
}

report() {
    local why_b=${BLINDERS_WHY:+ (n/a: $BLINDERS_WHY)}
    local why_r=${RUNSC_WHY:+ (n/a: $RUNSC_WHY)}
    echo "Blinders benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    echo "blinders: $BLINDERS$why_b"
    echo "runsc:    $(command -v runsc || echo none) $(runsc --version 2>/dev/null | head -n 1 || true)$why_r"
    echo
    printf '%-30s %12s %12s %12s %12s %12s %14s\n' \
        metric native blinders runsc blinders/nat runsc/nat blinders/runsc
    local key label
    for key in getppid true python rss; do
        case $key in
            getppid) label="getppid (ns/call)" ;;
            true) label="/bin/true start-up (ms)" ;;
            python) label="python3 -c pass start-up (ms)" ;;
            rss) label="peak RSS, python3 (kB) *" ;;
        esac
        printf '%-30s %12s %12s %12s %12s %12s %14s\n' "$label" \
            "${R[$key,native]}" "${R[$key,blinders]}" "${R[$key,runsc]}" \
            "$(ratio "${R[$key,blinders]}" "${R[$key,native]}")" \
            "$(ratio "${R[$key,runsc]}" "${R[$key,native]}")" \
            "$(ratio "${R[$key,blinders]}" "${R[$key,runsc]}")"
    done
    echo
    echo "Raw ptrace round trip (PTRACE_SYSEMU + waitpid + GETREGS + SETREGS), the floor under"
    echo "a ptrace sentry's getppid:"
    printf '  both on one CPU: %s ns   unpinned: %s ns   blinders getppid / pinned round trip: %s\n' \
        "${R[ptrace,pinned]}" "${R[ptrace,unpinned]}" "$(ratio "${R[getppid,blinders]}" "${R[ptrace,pinned]}")"
    echo "seccomp RET_TRAP + SIGSYS handler (bench/programs/trap_rtt.c), the candidate for a faster"
    echo "platform: answered in-process: ${R[trap,inprocess]} ns; handed to another process on one CPU"
    echo "by futex: ${R[trap,futex]} ns; handed off by spinning on the other CPU: ${R[trap,spin]} ns"
    echo
    echo "* peak RSS: native = the program (GNU time %M); blinders = the sentry's own peak"
    echo "  (its 'sentry peak RSS' log line); runsc = the largest single runsc process (GNU time %M)."
    echo "  getppid: $NATIVE_ITERS calls natively, $SANDBOX_ITERS in a sandbox; start-up: mean of"
    echo "  $RUNS (/bin/true) and $PY_RUNS (python3) runs after one warm-up."
}

measure_all
RESULT=$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).txt
report | tee "$RESULT"
echo "(saved to ${RESULT#"$ROOT"/})" >&2
