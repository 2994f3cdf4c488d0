#!/usr/bin/env bash
# Event loops and IPC (issue 5): native vs `blinders do` vs `runsc do`, one run.
#   bench/net.sh [--no-build] [--rounds N] [--mib M] [--requests R] [--secs S]
# Rows: pipe ping-pong (us per round trip), unix socket stream (MB/s), TCP loopback stream
# (MB/s), TCP request/response (us per round trip), epoll wake-ups by an eventfd (per s);
# redis-benchmark SET and GET against redis-server (requests/s, R requests, 4 clients) and
# wrk against nginx with 2 workers (requests/s, S seconds), server and client in one place.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
BUILD=1
ROUNDS=2000
MIB=64
REQUESTS=20000
SECS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --rounds) ROUNDS=$2; shift ;;
        --mib) MIB=$2; shift ;;
        --requests) REQUESTS=$2; shift ;;
        --secs) SECS=$2; shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/net.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
cd "$ROOT"
[ "$BUILD" = 1 ] && cargo build --release >&2
BLINDERS=${CARGO_TARGET_DIR:-$ROOT/target}/release/blinders
cc -O2 -Wall -o "$OUT/net" "$ROOT/bench/programs/net.c"

declare -A PREFIX=([native]="" [blinders]="$BLINDERS do --" [runsc]="runsc --rootless --network=none do")
RUNNERS=(native blinders runsc)
declare -A R
for r in "${RUNNERS[@]}"; do
    p=${PREFIX[$r]}
    for k in pipe unix tcp tcprr epoll redis_set redis_get nginx; do R[$k,$r]=n/a; done
    if ! $p /bin/true >/dev/null 2>&1 </dev/null; then echo "$r: n/a" >&2; continue; fi
    echo "== $r" >&2
    for k in pipe unix tcp tcprr epoll; do
        arg=$ROUNDS
        [ "$k" = unix ] || [ "$k" = tcp ] && arg=$MIB
        R[$k,$r]=$(timeout 300 $p "$OUT/net" "$k" "$arg" 2>/dev/null </dev/null | awk -v k="$k" '$1 == k { print $2; f = 1 } END { if (!f) print "n/a" }')
    done
    # Real servers (Debian's redis-server, redis-tools, nginx-light, wrk), if installed.
    if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
        out=$(timeout 300 $p /bin/sh "$ROOT/bench/programs/servers.sh" redis "$REQUESTS" 2>/dev/null </dev/null || true)
        for k in redis_set redis_get; do
            R[$k,$r]=$(echo "$out" | tr '\r' '\n' | awk -v k="$k" '$1 == k { v = $2 } END { print (v == "" ? "n/a" : v) }')
        done
    fi
    if command -v nginx >/dev/null && command -v wrk >/dev/null; then
        out=$(timeout 300 $p /bin/sh "$ROOT/bench/programs/servers.sh" nginx "$SECS" 2>/dev/null </dev/null || true)
        R[nginx,$r]=$(echo "$out" | awk '$1 == "nginx" { v = $2 } END { print (v == "" ? "n/a" : v) }')
    fi
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
{
    echo "Blinders event/IPC benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    printf '%-30s %10s %10s %10s %12s %12s %14s\n' metric native blinders runsc blinders/nat runsc/nat blinders/runsc
    for k in pipe unix tcp tcprr epoll redis_set redis_get nginx; do
        case $k in
            pipe) l="pipe ping-pong (us)" ;; unix) l="unix stream (MB/s)" ;; tcp) l="TCP loopback stream (MB/s)" ;;
            tcprr) l="TCP request/response (us)" ;; epoll) l="epoll wake-ups (/s)" ;;
            redis_set) l="redis SET (req/s)" ;; redis_get) l="redis GET (req/s)" ;; nginx) l="nginx + wrk (req/s)" ;;
        esac
        printf '%-30s %10s %10s %10s %12s %12s %14s\n' "$l" "${R[$k,native]}" "${R[$k,blinders]}" "${R[$k,runsc]}" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,native]}")" "$(ratio "${R[$k,runsc]}" "${R[$k,native]}")" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,runsc]}")"
    done
} | tee "$OUT/net-$(date -u +%Y%m%dT%H%M%SZ).txt"
