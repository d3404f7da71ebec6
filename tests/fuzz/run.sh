#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 60) from its seed corpus
# in tests/fuzz/corpus/<target>/. Findings land in build/fuzz-findings/.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
BR=${BUILD_ROOT:-build}
status=0
mkdir -p $BR/fuzz-findings
for f in $BR/fuzz/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    seed=tests/fuzz/corpus/$name
    work=$BR/fuzz-work/$name
    mkdir -p "$work" "$seed"
    if "$f" -max_total_time="$secs" -timeout=${FUZZ_UNIT_TIMEOUT:-30} -rss_limit_mb=2048 -print_final_stats=0 \
          -artifact_prefix=$BR/fuzz-findings/$name- "$work" "$seed" > "$BR/fuzz-work/$name.log" 2>&1; then
        echo "fuzz ok   $name (${secs}s)"
    else
        echo "fuzz FAIL $name: see $BR/fuzz-work/$name.log"
        tail -30 "$BR/fuzz-work/$name.log"
        status=1
    fi
done
exit $status
