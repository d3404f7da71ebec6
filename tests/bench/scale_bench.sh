#!/usr/bin/env bash
# The figures of the scale targets (docs/benchmarks.md, "At scale") on the
# emulator's simulated runtime, so they measure the bridge, the apiserver and
# the quota rather than thousands of processes: bursts of each size in
# BENCH_SCALE_SIZES (1000 5000 10000), each followed by a bridge restart at
# its Running pods and the scale-down, the largest also by BENCH_IDLE_SECONDS
# (60) of idle; then three bridges sharing one account with a burst of
# BENCH_SHARED_PODS (3000) spread over their nodes. Each burst.sh run prints
# its figures; raw records in build/bench/burst-N.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
export BENCH_EMU_FLAGS="--runtime simulated ${BENCH_EMU_FLAGS:-}"
status=0
BENCH_SIZES=${BENCH_SCALE_SIZES:-1000 5000 10000} BENCH_RESTART=1 BENCH_IDLE_SECONDS=${BENCH_IDLE_SECONDS:-60} \
    bash tests/bench/burst_bench.sh || status=1
BENCH_SIZES=${BENCH_SHARED_PODS:-3000} BENCH_BRIDGES=3 BENCH_IDLE_SECONDS=0 \
    bash tests/bench/burst_bench.sh || status=1
exit $status
