#!/usr/bin/env bash
# Test driver for `make test`: unit tests (cmocka), script suites (emulator and
# e2e against the real control plane), and a short fuzz run. Prints a summary
# line "N passed, N failed" (", N skipped" when tests were skipped) at the end
# and exits non-zero on any failure.
#
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only (ASan+UBSan build)
#   tests/run.sh unit-tsan  unit tests under ThreadSanitizer (build/tsan)
#   tests/run.sh e2e [NAME] script suites (all, or those whose file name contains NAME)
#   tests/run.sh fuzz       the short fuzz run only
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
BR=${BUILD_ROOT:-build}; case "$BR" in /*) ;; *) BR=$ROOT/$BR ;; esac
export ECI_TEST_BIN=${ECI_TEST_BIN:-$BR/san/bin}
export ECI_TEST_PROGS=${ECI_TEST_PROGS:-$BR/san/progs}
export ECI_REPO=$ROOT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A data race fails the test at its first report (exit code 66).
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export CMOCKA_MESSAGE_OUTPUT=stdout

what=${1:-all}
filter=${2:-}
passed=0; failed=0; skipped=0; failures=()
LOGDIR=$BR/test-logs
mkdir -p "$LOGDIR"

# unit_counts OUTPUT: "P F S" summed over every cmocka group in a binary's
# output (a binary may run several groups, each with its own summary); a
# failed group setup or teardown counts as one failure.
unit_counts() {
    awk '
        /^\[  PASSED  \] [0-9]+ test/            { p += $4 }
        /^\[  FAILED  \] [0-9]+ test.*listed/    { f += $4 }
        /^\[  SKIPPED \] [0-9]+ test.*listed/    { s += $4 }
        /^\[  FAILED  \] GROUP (SETUP|TEARDOWN)/ { f += 1 }
        END { printf "%d %d %d\n", p, f, s }' <<<"$1"
}

# A sanitizer report in a test's output fails it even when the binary exits 0.
SAN_REPORT='ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:'

# run_unit GROUP VARIANT: every cmocka binary of build/VARIANT/tests.
run_unit() {
    local group=$1 variant=$2 t out rc p f s name
    for t in "$BR/$variant"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        local start=$SECONDS
        out=$("$t" 2>&1); rc=$?
        printf '%s\n' "$out" > "$LOGDIR/$group-$name.log"
        read -r p f s <<<"$(unit_counts "$out")"
        if [ "$f" -eq 0 ] && { [ $rc -ne 0 ] || grep -Eq "$SAN_REPORT" <<<"$out"; }; then f=1; fi
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
        if [ "$f" -ne 0 ]; then
            failures+=("$group:$name")
            printf '%s\n' "$out" | tail -40
        fi
        printf '%-9s %-32s %3d passed %3d failed%s  (%ds)\n' "$group" "$name" "$p" "$f" \
            "$([ "$s" -gt 0 ] && printf ' %3d skipped' "$s")" $((SECONDS - start))
        if [ "$s" -gt 0 ]; then
            printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([^ ]*\)$/          skipped: \1/p' | sort -u
        fi
    done
}

CLUSTER_UP=0
CLUSTER_FAILED=0
cluster_up() {
    [ $CLUSTER_UP -eq 1 ] && return 0
    [ $CLUSTER_FAILED -eq 1 ] && return 1
    local t0=$SECONDS
    if bash tests/cluster/cluster.sh status >/dev/null 2>&1; then
        # A cluster started earlier (make cluster-up) is used and left running.
        echo "[run] using the running control plane (make cluster-down stops it)"
        CLUSTER_OWNED=0
    else
        echo "[run] starting the control plane"
        CLUSTER_OWNED=1
    fi
    if ! bash tests/cluster/cluster.sh up > "$LOGDIR/cluster-up.log" 2>&1; then
        CLUSTER_FAILED=1
        echo "[run] the control plane did not start; last lines of $LOGDIR/cluster-up.log:"
        tail -30 "$LOGDIR/cluster-up.log"
        return 1
    fi
    CLUSTER_UP=1
    echo "[run] control plane up in $((SECONDS - t0))s"
    # Suites find KUBECONFIG, ports and the CA here (tests/lib.sh reads it too).
    set -a
    . "${ECI_CLUSTER_DIR:-$ROOT/.cluster}/env"
    set +a
}
cleanup() {
    if [ $CLUSTER_UP -eq 1 ] && [ $CLUSTER_OWNED -eq 1 ]; then
        # Keep the component logs for a look after the run.
        rm -rf "$LOGDIR/cluster-logs"
        cp -r "${ECI_CLUSTER_DIR:-$ROOT/.cluster}/logs" "$LOGDIR/cluster-logs" 2>/dev/null
        bash tests/cluster/cluster.sh down >/dev/null 2>&1
    fi
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# A suite is an executable script in tests/suites/. A line "# needs: cluster"
# makes the driver start the shared control plane first. Suites print
# "ok - NAME" / "not ok - NAME" lines (TAP style); each counts as one test.
run_suites() {
    local sf name out rc p f s
    for sf in "$ROOT"/tests/suites/*.sh; do
        [ -f "$sf" ] || continue
        name=$(basename "$sf" .sh)
        if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
        if grep -q '^# needs: cluster' "$sf"; then
            if ! cluster_up; then
                failed=$((failed + 1)); failures+=("suite:$name (control plane did not start)"); continue
            fi
        fi
        local start=$SECONDS
        bash "$sf" > "$LOGDIR/suite-$name.log" 2>&1; rc=$?
        s=$(grep -c '^ok - .* # SKIP' "$LOGDIR/suite-$name.log")
        p=$(( $(grep -c '^ok - ' "$LOGDIR/suite-$name.log") - s ))
        f=$(grep -c '^not ok - ' "$LOGDIR/suite-$name.log")
        if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
        printf '%-9s %-32s %3d passed %3d failed%s  (%ds)\n' suite "$name" "$p" "$f" \
            "$([ "$s" -gt 0 ] && printf ' %3d skipped' "$s")" $((SECONDS - start))
        grep '^ok - .* # SKIP' "$LOGDIR/suite-$name.log" | sed 's/^ok - /          skipped: /'
        if [ "$f" -ne 0 ]; then
            failures+=("suite:$name")
            grep -E '^(not ok|#)' "$LOGDIR/suite-$name.log" | tail -20
            echo "---- last lines of $LOGDIR/suite-$name.log"
            tail -40 "$LOGDIR/suite-$name.log"
        fi
        if [ $CLUSTER_UP -eq 1 ] && grep -q '^# needs: cluster' "$sf"; then cluster_check "$name"; fi
    done
}

# After a cluster suite: a control plane that is no longer healthy (a component
# crashed or a suite broke it) is reported, its logs kept, and it is started
# afresh for the next suite.
cluster_check() {
    local out t0=$SECONDS
    out=$(bash tests/cluster/cluster.sh status 2>&1) && return 0
    # A probe that timed out on a loaded machine is not a failure: ask again
    # for a minute; a crashed component stays unhealthy.
    while [ $((SECONDS - t0)) -lt 60 ]; do
        sleep 2
        out=$(bash tests/cluster/cluster.sh status 2>&1) && return 0
    done
    echo "[run] the control plane is unhealthy after suite $1:"
    printf '%s\n' "$out" | grep -E 'NOT running|unhealthy|not ready|not running' | sed 's/^/[run]   /'
    failed=$((failed + 1)); failures+=("cluster:unhealthy-after-$1")
    if [ $CLUSTER_OWNED -eq 1 ]; then
        rm -rf "$LOGDIR/cluster-logs-$1"
        cp -r "${ECI_CLUSTER_DIR:-$ROOT/.cluster}/logs" "$LOGDIR/cluster-logs-$1" 2>/dev/null
        echo "[run]   component logs kept in $LOGDIR/cluster-logs-$1; restarting the control plane"
        bash tests/cluster/cluster.sh down >/dev/null 2>&1
        CLUSTER_UP=0
    fi
}

# Each target counts as one test: "fuzz ok" passes, "fuzz FAIL" (a crash, a
# timeout or a sanitizer report) fails.
run_fuzz() {
    local secs=${FUZZ_SHORT_SECONDS:-10} out rc p f start=$SECONDS
    out=$(BUILD_ROOT=$BR bash tests/fuzz/run.sh "$secs" 2>&1); rc=$?
    printf '%s\n' "$out" > "$LOGDIR/fuzz.log"
    p=$(grep -c '^fuzz ok ' <<<"$out")
    f=$(grep -c '^fuzz FAIL ' <<<"$out")
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failures+=("fuzz")
        printf '%s\n' "$out" | grep -v '^fuzz ok ' | tail -60
    fi
    printf '%-9s %-32s %3d passed %3d failed  (%ds)\n' fuzz "$secs s per target" "$p" "$f" $((SECONDS - start))
}

case "$what" in
    unit) run_unit unit san ;;
    unit-tsan) run_unit unit-tsan tsan ;;
    e2e) run_suites ;;
    fuzz) run_fuzz ;;
    all) run_unit unit san; run_unit unit-tsan tsan; run_suites; run_fuzz ;;
    *) echo "usage: $0 [all|unit|unit-tsan|e2e [NAME]|fuzz]" >&2; exit 2 ;;
esac

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
