#!/usr/bin/env bash
# The burst benchmarks against the real control plane (started
# here unless one runs already) and the emulator, release build (bin/).
#
#   BENCH_SIZES="100 1000"   burst sizes, one run each
#   BENCH_IDLE_SECONDS=120   idle measurement after the largest burst (0: none)
# See tests/bench/burst.sh for the other knobs and docs/benchmarks.md for results.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
export ECI_TEST_BIN=${BENCH_BIN:-$ROOT/bin} ECI_TEST_PROGS=$ROOT/build/rel/progs ECI_REPO=$ROOT
SIZES=${BENCH_SIZES:-100 1000}
IDLE=${BENCH_IDLE_SECONDS:-120}
owned=0
if ! bash tests/cluster/cluster.sh status >/dev/null 2>&1; then
    echo "[bench] starting the control plane"
    bash tests/cluster/cluster.sh up > /tmp/eci-bench-cluster.log 2>&1 || { tail -20 /tmp/eci-bench-cluster.log; exit 1; }
    owned=1
fi
trap '[ $owned -eq 1 ] && bash tests/cluster/cluster.sh down >/dev/null 2>&1' EXIT
set -a
. "${ECI_CLUSTER_DIR:-$ROOT/.cluster}/env"
set +a
status=0
last=${SIZES##* }
for n in $SIZES; do
    idle=0
    [ "$n" = "$last" ] && idle=$IDLE
    echo "[bench] burst of $n pods$([ "$idle" -gt 0 ] && echo ", then $idle s idle")"
    bash tests/bench/burst.sh "$n" "$idle" || status=1
done
exit $status
