#!/usr/bin/env bash
# File-system benchmark (issue 3): native vs `blinders do` vs `runsc do`, side by side, one run.
#   bench/files.sh [--no-build] [--size-mb N] [--open-iterations N]
# Rows: `find /usr -type f | wc -l` (s), open+read+close of small files (ops/s), sequential
# read of a big file (MB/s), `tar cf - /usr/include | wc -c` (s). Ratios are against native;
# for throughput rows a ratio below 1 means slower.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
BUILD=1
SIZE_MB=1024
OPEN_ITERS=20000
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --size-mb) SIZE_MB=$2; shift ;;
        --open-iterations) OPEN_ITERS=$2; shift ;;
        -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/files.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
cd "$ROOT"
if [ "$BUILD" = 1 ]; then
    cargo build --release >&2
fi
BLINDERS=${CARGO_TARGET_DIR:-$ROOT/target}/release/blinders
for p in open_read seq_read; do
    cc -O2 -Wall -Wextra -Werror -o "$OUT/$p" "$ROOT/bench/programs/$p.c"
done

DATA=$(mktemp -d "${TMPDIR:-/tmp}/blinders-bench.XXXXXX")
trap 'rm -rf "$DATA"' EXIT
for i in $(seq 0 99); do head -c 2000 /dev/urandom >"$DATA/f$i"; done
echo "== writing a ${SIZE_MB} MiB file" >&2
dd if=/dev/zero of="$DATA/big" bs=1M count="$SIZE_MB" status=none
# Read it once natively so every runner reads from the page cache.
cat "$DATA/big" >/dev/null

RUNNERS=(native blinders runsc)
declare -A PREFIX
PREFIX[native]=""
PREFIX[blinders]="$BLINDERS do --"
PREFIX[runsc]="runsc --rootless --network=none do"
declare -A OK
for r in "${RUNNERS[@]}"; do
    if ${PREFIX[$r]} /bin/true >/dev/null 2>&1 </dev/null; then OK[$r]=1; else OK[$r]=0; echo "$r: n/a" >&2; fi
done

# seconds CMD...: wall time of one run.
seconds() {
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 </dev/null || { echo n/a; return; }
    awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }'
}
field() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "n/a" }'; }

declare -A R
for r in "${RUNNERS[@]}"; do
    for k in find open seq tar; do R[$k,$r]=n/a; done
    [ "${OK[$r]}" = 1 ] || continue
    p=${PREFIX[$r]}
    echo "== $r" >&2
    R[find,$r]=$(seconds $p /bin/sh -c 'find /usr -type f | wc -l')
    R[open,$r]=$($p "$OUT/open_read" "$DATA" "$OPEN_ITERS" 2>/dev/null </dev/null | field open_read_ops_per_s)
    R[seq,$r]=$($p "$OUT/seq_read" "$DATA/big" 2>/dev/null </dev/null | field seq_read_mb_per_s)
    R[tar,$r]=$(seconds $p /bin/sh -c 'tar cf - /usr/include 2>/dev/null | wc -c')
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
{
    echo "Blinders file-system benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    printf '%-34s %10s %10s %10s %12s %12s %14s\n' metric native blinders runsc blinders/nat runsc/nat blinders/runsc
    for k in find open seq tar; do
        case $k in
            find) label="find /usr -type f | wc -l (s)" ;;
            open) label="open+read+close (ops/s)" ;;
            seq) label="sequential read ${SIZE_MB} MiB (MB/s)" ;;
            tar) label="tar cf - /usr/include (s)" ;;
        esac
        printf '%-34s %10s %10s %10s %12s %12s %14s\n' "$label" "${R[$k,native]}" "${R[$k,blinders]}" "${R[$k,runsc]}" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,native]}")" "$(ratio "${R[$k,runsc]}" "${R[$k,native]}")" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,runsc]}")"
    done
} | tee "$OUT/files-$(date -u +%Y%m%dT%H%M%SZ).txt"
