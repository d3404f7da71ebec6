#!/usr/bin/env bash
# The emulator's simulated runtime (--runtime simulated) through the real
# emulator binary: 200 groups created through the real ECI client are all
# Running with no process at all (the emulator's RSS is printed), a script's
# exit code, logs and events, a restart policy's back-off, metrics, and exec
# (Sync echo answers, a session is refused with a clear message), and a
# deleted group Terminating while a script that traps SIGTERM runs out its
# grace period (emu_terminating_checks in tests/lib.sh).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

BENCH=$ECI_TEST_PROGS/emu_sim_bench
export ECI_REGION=cn-hangzhou
if ! start_emulator --runtime simulated --schedule-delay-ms 50; then
    not_ok "emulator starts"
    finish
fi
ok "emulator with the simulated runtime starts"


# ---- 200 groups, no process
out=$(EMU_PID=$ECI_EMULATOR_PID "$BENCH" 200 4 1 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "200 groups created through the ECI client are all Running" grep -q '^running=200 ' <<<"$out"
[ $rc = 0 ] || not_ok "emu_sim_bench exits 0" "rc=$rc"
kids=$(pgrep -c -P "$ECI_EMULATOR_PID" 2>/dev/null || true)
check "the emulator runs no process for them (children: ${kids:-0})" test "${kids:-0}" = 0
threads=$(awk '/^Threads:/ {print $2}' "/proc/$ECI_EMULATOR_PID/status")
diag "emulator threads with 200 groups: $threads; RSS: $(awk '/^VmRSS:/ {print $2, $3}' "/proc/$ECI_EMULATOR_PID/status")"
check "nor a thread per group ($threads threads)" test "$threads" -lt 100

# ---- a script: exit code, logs, events
api CreateContainerGroup ContainerGroupName=sim-script RestartPolicy=Never \
    Container.1.Name=app Container.1.Image=busybox Container.1.Command.1=sh Container.1.Arg.1=-c \
    "Container.1.Arg.2=echo hello \$WHO; sleep 0.3; echo bye; exit 3" \
    Container.1.EnvironmentVar.1.Key=WHO Container.1.EnvironmentVar.1.Value=sim
[ "$ST" = 200 ] && ok "CreateContainerGroup with a script" || not_ok "CreateContainerGroup" "$BODY"
ID=$(jget .ContainerGroupId)
status_is() { api DescribeContainerGroups "ContainerGroupIds=[\"$ID\"]"; test "$(jget '.ContainerGroups[0].Status')" = "$1"; }
check "the group ends Failed" wait_for 30 status_is Failed
api DescribeContainerGroups "ContainerGroupIds=[\"$ID\"]" # (check ran the wait in a subshell)
check "... with the script's exit code 3" test "$(jget '.ContainerGroups[0].Containers[0].CurrentState.ExitCode')" = 3
api DescribeContainerLog ContainerGroupId="$ID" ContainerName=app
check "logs are the script's echo lines" test "$(jget .Content)" = "$(printf 'hello sim\nbye')"
api DescribeContainerGroupEvents RegionId=cn-hangzhou "ContainerGroupIds=[\"$ID\"]"
evs=$(printf '%s' "$BODY" | jq -r '[.. | .Reason? // empty] | join(",")')
check "events: Scheduled, Pulling, Pulled, Created, Started ($evs)" grep -q 'Scheduled.*Pulling.*Pulled.*Created.*Started' <<<"$evs"

# ---- Always + a failing command: back-off and restarts
api CreateContainerGroup ContainerGroupName=sim-crash RestartPolicy=Always \
    Container.1.Name=app Container.1.Image=busybox Container.1.Command.1=false
CID=$(jget .ContainerGroupId)
restarted() { api DescribeContainerGroups "ContainerGroupIds=[\"$CID\"]"; test "$(jget '.ContainerGroups[0].Containers[0].RestartCount')" -ge 2; }
check "Always with a failing command restarts with back-off" wait_for 60 restarted
api DescribeContainerGroups "ContainerGroupIds=[\"$CID\"]"
check "... waiting in CrashLoopBackOff or running again" \
    grep -Eq 'CrashLoopBackOff|Started' <<<"$(jget '.ContainerGroups[0].Containers[0].CurrentState.Reason')"

# ---- metrics and exec on a long-running group
api CreateContainerGroup ContainerGroupName=sim-web \
    Container.1.Name=web Container.1.Image=nginx Container.1.Command.1=nginx
WID=$(jget .ContainerGroupId)
running() { api DescribeContainerGroups "ContainerGroupIds=[\"$WID\"]"; test "$(jget '.ContainerGroups[0].Status')" = Running; }
check "a program it cannot read runs until stopped" wait_for 30 running
api DescribeContainerGroupMetric ContainerGroupId="$WID"
check "metrics carry the synthetic CPU and memory" \
    test "$(jget '[.Records[0].Containers[0].CPU.UsageNanoCores, .Records[0].Containers[0].Memory.WorkingSet] | map(. > 0) | all')" = true
api ExecContainerCommand ContainerGroupId="$WID" ContainerName=web 'Command=["echo","from","exec"]' Sync=true
check "exec Sync echo answers ($ST)" test "$(jget .SyncResponse)" = "from exec"
api ExecContainerCommand ContainerGroupId="$WID" ContainerName=web 'Command=["sh"]' TTY=true Stdin=true
check "an exec session is refused with a clear message ($ST)" grep -q 'simulated' <<<"$BODY"
api DeleteContainerGroup ContainerGroupId="$WID"
check "DeleteContainerGroup" test "$ST" = 200
check "no sanitizer reports in the emulator log" sh -c "! grep -q Sanitizer \"$ECI_EMULATOR_LOG\""
emu_terminating_checks
finish
