#!/usr/bin/env bash
# Event loops and IPC (issue 5): native vs `blinders do` vs `runsc do`, one run.
#   bench/net.sh [--no-build] [--rounds N] [--mib M]
# Rows: pipe ping-pong (us per round trip), unix socket stream (MB/s), TCP loopback stream
# (MB/s), TCP request/response (us per round trip), epoll wake-ups by an eventfd (per s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
BUILD=1
ROUNDS=2000
MIB=64
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --rounds) ROUNDS=$2; shift ;;
        --mib) MIB=$2; shift ;;
        -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
    for k in pipe unix tcp tcprr epoll; do R[$k,$r]=n/a; done
    if ! $p /bin/true >/dev/null 2>&1 </dev/null; then echo "$r: n/a" >&2; continue; fi
    echo "== $r" >&2
    for k in pipe unix tcp tcprr epoll; do
        arg=$ROUNDS
        [ "$k" = unix ] || [ "$k" = tcp ] && arg=$MIB
        R[$k,$r]=$(timeout 300 $p "$OUT/net" "$k" "$arg" 2>/dev/null </dev/null | awk -v k="$k" '$1 == k { print $2; f = 1 } END { if (!f) print "n/a" }')
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
{
    echo "Blinders event/IPC benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    printf '%-30s %10s %10s %10s %12s %12s %14s\n' metric native blinders runsc blinders/nat runsc/nat blinders/runsc
    for k in pipe unix tcp tcprr epoll; do
        case $k in
            pipe) l="pipe ping-pong (us)" ;; unix) l="unix stream (MB/s)" ;; tcp) l="TCP loopback stream (MB/s)" ;;
            tcprr) l="TCP request/response (us)" ;; epoll) l="epoll wake-ups (/s)" ;;
        esac
        printf '%-30s %10s %10s %10s %12s %12s %14s\n' "$l" "${R[$k,native]}" "${R[$k,blinders]}" "${R[$k,runsc]}" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,native]}")" "$(ratio "${R[$k,runsc]}" "${R[$k,native]}")" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,runsc]}")"
    done
} | tee "$OUT/net-$(date -u +%Y%m%dT%H%M%SZ).txt"
