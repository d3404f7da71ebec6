#!/usr/bin/env bash
# The emulator's container runtime through the real emulator binary: init
# containers and an emptyDir volume, env, logs, exec over the WebSocketUri
# with tests/progs/exec_client (stdout, exit codes, stdin with v5 CLOSE, a
# tty with resize), deletion killing the processes, and a deleted group
# Terminating while a SIGTERM-ignoring process runs out its grace period
# (emu_terminating_checks in tests/lib.sh). With root the
# containers get private mount namespaces (volume at /data); otherwise (or
# with ECI_TEST_NO_NAMESPACES=1) the volume is found through ECI_VOLUME_DATA.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

EXEC=$ECI_TEST_PROGS/exec_client
export ECI_REGION=cn-hangzhou
NS_FLAG=()
if [ "$(id -u)" != 0 ] || [ "${ECI_TEST_NO_NAMESPACES:-0}" = 1 ] || ! unshare --mount --uts true 2>/dev/null; then
    NS_FLAG=(--no-namespaces)
    diag "running without mount namespaces"
fi
STATE=$LIB_TMP/state
if ! start_emulator "${NS_FLAG[@]}" --schedule-delay-ms 50 --state-dir "$STATE"; then
    not_ok "emulator starts"
    finish
fi
ok "emulator with the process runtime starts"


D='${ECI_VOLUME_DATA:-/data}'
api CreateContainerGroup ContainerGroupName=rt-1 RestartPolicy=Always \
    Volume.1.Name=data Volume.1.Type=EmptyDirVolume \
    InitContainer.1.Name=init1 InitContainer.1.Image=busybox InitContainer.1.Command.1=sh \
    InitContainer.1.Arg.1=-c "InitContainer.1.Arg.2=echo from-init > $D/init.txt" \
    InitContainer.1.VolumeMount.1.Name=data InitContainer.1.VolumeMount.1.MountPath=/data \
    Container.1.Name=app Container.1.Image=busybox Container.1.Command.1=sh Container.1.Arg.1=-c \
    "Container.1.Arg.2=echo \$\$ > $D/pid; cat $D/init.txt; echo GREETING=\$GREETING; exec sleep 300" \
    Container.1.EnvironmentVar.1.Key=GREETING Container.1.EnvironmentVar.1.Value=hello \
    Container.1.VolumeMount.1.Name=data Container.1.VolumeMount.1.MountPath=/data
[ "$ST" = 200 ] && ok "CreateContainerGroup with an init container and an emptyDir" || not_ok "CreateContainerGroup" "$BODY"
ID=$(jget .ContainerGroupId)

log_has() { api DescribeContainerLog ContainerGroupId="$ID" ContainerName=app; jget .Content | grep -q GREETING=hello; }
if wait_for 60 log_has; then ok "container logs show its env"; else not_ok "container logs show its env" "$BODY"; fi
jget .Content | grep -qx from-init && ok "the init container ran first and shared the volume" \
    || not_ok "the init container ran first and shared the volume" "$BODY"

# exec_uri ARGS...: ExecContainerCommand returning a WebSocketUri in URI
exec_uri() {
    api ExecContainerCommand ContainerGroupId="$ID" ContainerName=app "$@"
    URI=$(jget .WebSocketUri)
}
exec_uri 'Command=["echo","hi"]'
out=$("$EXEC" --timeout 120 "$URI" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = hi ] && ok "exec echo hi: stdout and exit 0" || not_ok "exec echo hi" "rc=$rc out=$out"

exec_uri 'Command=["sh","-c","echo out; echo err >&2; exit 7"]'
"$EXEC" --timeout 120 "$URI" > "$LIB_TMP/o" 2> "$LIB_TMP/e"; rc=$?
[ "$rc" = 7 ] && [ "$(cat "$LIB_TMP/o")" = out ] && [ "$(cat "$LIB_TMP/e")" = err ] \
    && ok "exec: stderr kept apart, exit code 7" || not_ok "exec stderr/exit 7" "rc=$rc $(cat "$LIB_TMP/o" "$LIB_TMP/e")"

exec_uri 'Command=["cat"]' Stdin=true
head -c 300000 /dev/urandom > "$LIB_TMP/in"
"$EXEC" --stdin --timeout 120 "$URI" < "$LIB_TMP/in" > "$LIB_TMP/out"; rc=$?
[ "$rc" = 0 ] && cmp -s "$LIB_TMP/in" "$LIB_TMP/out" && ok "exec -i cat: 300 kB round trip ends on stdin EOF" \
    || not_ok "exec -i cat round trip" "rc=$rc $(wc -c < "$LIB_TMP/out") bytes back"

# the resize travels after the session opened: the command waits (up to 60 s)
# for the size to change, then prints it
exec_uri 'Command=["sh","-c","for i in $(seq 600); do [ \"$(stty size)\" = \"33 120\" ] && break; sleep 0.1; done; stty size"]' TTY=true Stdin=true
out=$(printf '' | "$EXEC" --resize 120x33 --timeout 120 "$URI" 2>&1 | tr -d '\r')
grep -qx '33 120' <<<"$out" && ok "exec with a tty: resize reaches stty size" || not_ok "exec tty resize" "$out"

exec_uri "Command=[\"sh\",\"-c\",\"cat $D/init.txt\"]"
out=$("$EXEC" --timeout 120 "$URI" 2>&1)
[ "$out" = from-init ] && ok "exec sees the container's volumes" || not_ok "exec sees the container's volumes" "$out"

if [ ${#NS_FLAG[@]} = 0 ]; then
    exec_uri 'Command=["hostname"]'
    out=$("$EXEC" --timeout 120 "$URI" 2>&1)
    [ -n "$out" ] && [ "$out" != "$(hostname)" ] && ok "exec runs in the group's UTS namespace ($out)" \
        || not_ok "exec hostname" "$out"
fi

api ExecContainerCommand ContainerGroupId="$ID" ContainerName=app 'Command=["sh","-c","echo sync-$GREETING"]' Sync=true
[ "$(jget .SyncResponse)" = sync-hello ] && ok "exec Sync=true in the container's env" || not_ok "exec Sync=true" "$BODY"

PID=$(cat "$STATE"/groups/*/volumes/data/pid 2>/dev/null | head -1)
if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then ok "container process $PID runs"; else not_ok "container process runs" "pid=$PID"; fi
api DeleteContainerGroup ContainerGroupId="$ID"
gone() { ! kill -0 "$PID" 2>/dev/null || grep -q '^State:.*Z' "/proc/$PID/status" 2>/dev/null; }
if [ -n "$PID" ] && wait_for 60 gone; then ok "DeleteContainerGroup kills the container's processes"; else not_ok "delete kills processes" "pid=$PID"; fi
state_clean() { ! ls "$STATE"/groups/*/volumes >/dev/null 2>&1; }
wait_for 60 state_clean && ok "the group's state directory is removed" || not_ok "state removed" "$(ls -R "$STATE/groups" | head)"
emu_terminating_checks
finish
