#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 60) from its seed corpus
# in tests/fuzz/corpus/<target>/ (every seed is replayed first). A target fails
# on a crash, a timeout or a leak, and also on any sanitizer report it printed
# (UBSan's "runtime error", ASan, LSan), even when it kept running. Findings
# land in build/fuzz-findings/.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
BR=${BUILD_ROOT:-build}
# UBSan stops at its first report, so libFuzzer keeps the input as a crash.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
SAN_REPORT='runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|ERROR: libFuzzer|WARNING: ThreadSanitizer|SUMMARY: UndefinedBehaviorSanitizer'
status=0
mkdir -p $BR/fuzz-findings
for f in $BR/fuzz/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    seed=tests/fuzz/corpus/$name
    work=$BR/fuzz-work/$name
    log=$BR/fuzz-work/$name.log
    mkdir -p "$work" "$seed"
    "$f" -max_total_time="$secs" -timeout=${FUZZ_UNIT_TIMEOUT:-30} -rss_limit_mb=2048 -print_final_stats=0 \
        -artifact_prefix=$BR/fuzz-findings/$name- "$work" "$seed" > "$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -Eq "$SAN_REPORT" "$log"; then
        echo "fuzz ok   $name (${secs}s)"
    else
        echo "fuzz FAIL $name (exit $rc): see $log"
        if grep -Eq "$SAN_REPORT" "$log"; then
            grep -E -m1 -A20 "$SAN_REPORT" "$log"
        else
            tail -30 "$log"
        fi
        status=1
    fi
done
exit $status
