#!/usr/bin/env bash
# Processes, threads and signals (issue 4): native vs `blinders do` vs `runsc do`, one run.
#   bench/procs.sh [--no-build] [--iterations N]
# Rows: fork+exit+wait, fork+exec of /bin/true, pthread create+join, futex ping-pong round
# trip, a signal delivered and returned from (µs each); `make -j2` of a small C project (s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
BUILD=1
N=200
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --iterations) N=$2; shift ;;
        -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/procs.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$OUT"
cd "$ROOT"
[ "$BUILD" = 1 ] && cargo build --release >&2
BLINDERS=${CARGO_TARGET_DIR:-$ROOT/target}/release/blinders
cc -O2 -Wall -Wextra -pthread -o "$OUT/procs" "$ROOT/bench/programs/procs.c"

PROJ=$(mktemp -d "${TMPDIR:-/tmp}/blinders-make.XXXXXX")
trap 'rm -rf "$PROJ"' EXIT
for i in 1 2 3 4 5 6 7 8; do echo "int f$i(void){return $i;}" >"$PROJ/f$i.c"; done
printf 'int main(void){return 0;}\n' >"$PROJ/main.c"
printf 'OBJS=main.o f1.o f2.o f3.o f4.o f5.o f6.o f7.o f8.o\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%%.o: %%.c\n\tcc -c -o $@ $<\n' >"$PROJ/Makefile"

declare -A PREFIX=([native]="" [blinders]="$BLINDERS do --" [runsc]="runsc --rootless --network=none do")
RUNNERS=(native blinders runsc)
declare -A R
for r in "${RUNNERS[@]}"; do
    p=${PREFIX[$r]}
    if ! $p /bin/true >/dev/null 2>&1 </dev/null; then
        echo "$r: n/a" >&2
        for k in fork exec thread futex signal make; do R[$k,$r]=n/a; done
        continue
    fi
    echo "== $r" >&2
    for k in fork exec thread futex signal; do
        iters=$N
        [ "$k" = futex ] || [ "$k" = signal ] && iters=$((N * 20))
        R[$k,$r]=$($p "$OUT/procs" "$k" "$iters" 2>/dev/null </dev/null | awk -v k="${k}_us" '$1 == k { print $2; f = 1 } END { if (!f) print "n/a" }')
    done
    t0=$EPOCHREALTIME
    if $p /bin/sh -c "cd $PROJ && make -s -j2 >/dev/null && rm -f *.o prog" >/dev/null 2>&1 </dev/null; then
        R[make,$r]=$(awk -v s="$t0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
    else
        R[make,$r]=n/a
    fi
    rm -f "$PROJ"/*.o "$PROJ/prog"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
{
    echo "Blinders process benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    printf '%-28s %10s %10s %10s %12s %12s %14s\n' metric native blinders runsc blinders/nat runsc/nat blinders/runsc
    for k in fork exec thread futex signal make; do
        case $k in
            fork) l="fork+exit+wait (us)" ;; exec) l="fork+exec /bin/true (us)" ;;
            thread) l="pthread create+join (us)" ;; futex) l="futex ping-pong (us)" ;;
            signal) l="signal round trip (us)" ;; make) l="make -j2, 9 files (s)" ;;
        esac
        printf '%-28s %10s %10s %10s %12s %12s %14s\n' "$l" "${R[$k,native]}" "${R[$k,blinders]}" "${R[$k,runsc]}" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,native]}")" "$(ratio "${R[$k,runsc]}" "${R[$k,native]}")" \
            "$(ratio "${R[$k,blinders]}" "${R[$k,runsc]}")"
    done
} | tee "$OUT/procs-$(date -u +%Y%m%dT%H%M%SZ).txt"
