#!/usr/bin/env bash
# The emulator's simulated runtime at scale: starts bin/eci-emulator with
# --runtime simulated and runs build/rel/progs/emu_sim_bench, which creates
# SIM_GROUPS (default 10000) container groups through the real ECI client
# from SIM_THREADS (default 8) threads, waits until all are Running and idles
# SIM_IDLE seconds (default 30), printing the emulator's CPU and RSS at each
# step (from /proc). Needs `make` (release binaries) first.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export ECI_TEST_BIN=${ECI_TEST_BIN:-$REPO/bin}
BIN=$ECI_TEST_BIN
PROG=${EMU_SIM_BENCH:-$REPO/build/rel/progs/emu_sim_bench}
N=${SIM_GROUPS:-10000}
T=${SIM_THREADS:-8}
IDLE=${SIM_IDLE:-30}
[ -x "$BIN/eci-emulator" ] && [ -x "$PROG" ] || { echo "run make first ($BIN/eci-emulator, $PROG)" >&2; exit 1; }
. "$REPO/tests/lib.sh"
lib_tmpdir
start_emulator --runtime simulated --schedule-delay-ms 300 || { echo "the emulator did not start" >&2; exit 1; }
echo "# $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), emulator $("$BIN/eci-emulator" --version)"
EMU_PID=$ECI_EMULATOR_PID "$PROG" "$N" "$T" "$IDLE"
rc=$?
echo "ledger: $(curl -sf "$ECI_ADMIN_URL/ledger" | jq -c '.calls')"
exit $rc
