#!/usr/bin/env bash
# `make bench`: run every tests/bench/*_bench.sh in turn (each prints its own
# results; docs/benchmarks.md records them).
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
for b in tests/bench/*_bench.sh; do
    [ -f "$b" ] || continue
    echo "== $b"
    bash "$b" || rc=1
done
exit $rc
