#!/usr/bin/env bash
# tests/lib.sh itself: result lines, check/check_output, wait_for, free_port,
# cleanup order on normal exit, on failure and on a signal, lib_tmpdir removal.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir
T=$LIB_TMP
LIB=$ECI_REPO/tests/lib.sh

# A child suite run in a fresh bash; prints its output.
child() { bash -c ". '$LIB'; $1" 2>&1; }

out=$(child 'ok a; not_ok b "detail 1" "detail 2"; skip c why; finish'); rc=$?
if [ $rc -eq 1 ] && [ "$out" = "$(printf 'ok - a\nnot ok - b\n# detail 1\n# detail 2\nok - c # SKIP why\n# 2 passed, 1 failed')" ]; then
    ok "ok/not_ok/skip/finish lines and exit status"
else
    not_ok "ok/not_ok/skip/finish lines and exit status" "rc=$rc" "$out"
fi

out=$(child 'check yes true; check no sh -c "echo boom; exit 3"; finish')
if grep -qx 'ok - yes' <<<"$out" && grep -qx 'not ok - no' <<<"$out" &&
   grep -q '^# command failed (exit 3)' <<<"$out" && grep -qx '# boom' <<<"$out"; then
    ok "check reports the exit code and output"
else
    not_ok "check reports the exit code and output" "$out"
fi

out=$(child 'check_output m "^v[0-9]" echo v1; check_output n "^x" echo y; finish')
if grep -qx 'ok - m' <<<"$out" && grep -qx 'not ok - n' <<<"$out"; then
    ok "check_output matches the output"
else
    not_ok "check_output matches the output" "$out"
fi

start=${EPOCHREALTIME/./}
if ! wait_for 0.6 false; then
    el=$(( (${EPOCHREALTIME/./} - start) / 1000 ))
    if [ $el -ge 500 ]; then ok "wait_for gives up after its timeout (${el} ms)"
    else not_ok "wait_for gives up after its timeout" "took ${el} ms"; fi
else
    not_ok "wait_for gives up after its timeout" "it succeeded"
fi
touch "$T/later"
( sleep 0.5; rm -f "$T/later" ) &
if wait_for 5 test ! -e "$T/later"; then ok "wait_for returns when the command succeeds"
else not_ok "wait_for returns when the command succeeds"; fi
wait

p=$(free_port)
if [[ "$p" =~ ^[0-9]+$ ]] && python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$p"; then
    ok "free_port gives a bindable port"
else
    not_ok "free_port gives a bindable port" "$p"
fi
# Below the range outgoing connections take their source ports from, and
# never the same port twice while neither is bound yet.
low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
ports=$(for i in $(seq 20); do free_port; done)
if [ "$(sort -u <<<"$ports" | wc -l)" = 20 ] && [ "$(sort -n <<<"$ports" | tail -1)" -lt "$low" ]; then
    ok "free_port picks 20 distinct ports below the ephemeral range ($low)"
else not_ok "free_port picks 20 distinct ports below the ephemeral range ($low)" "$(echo $ports)"; fi

child "on_exit 'echo first >> $T/order'; on_exit 'echo second >> $T/order'; ok x" >/dev/null
if [ "$(cat "$T/order" 2>/dev/null | tr '\n' ' ')" = "second first " ]; then ok "on_exit runs in reverse order"
else not_ok "on_exit runs in reverse order" "$(cat "$T/order" 2>/dev/null)"; fi

child "on_exit 'touch $T/after-error'; set -e; false; echo unreachable" >/dev/null
if [ -e "$T/after-error" ]; then ok "cleanup runs when a suite dies on an error"
else not_ok "cleanup runs when a suite dies on an error"; fi

bash -c ". '$LIB'; on_exit 'touch $T/after-term'; lib_tmpdir; sleep 30 & on_exit \"kill \$!\"; echo \$LIB_TMP > $T/tmpname; wait" &
cpid=$!
wait_for 5 test -s "$T/tmpname"
kill -TERM $cpid
wait $cpid 2>/dev/null
if [ -e "$T/after-term" ]; then ok "cleanup runs on SIGTERM"; else not_ok "cleanup runs on SIGTERM"; fi
if [ ! -e "$(cat "$T/tmpname")" ]; then ok "lib_tmpdir is removed at exit"
else not_ok "lib_tmpdir is removed at exit" "$(cat "$T/tmpname") still exists"; fi

out=$(child "bg_start sleeper $T/bg.log sleep 30; echo \$BG_PID > $T/bgpid")
bgpid=$(cat "$T/bgpid")
if [ -n "$bgpid" ] && ! kill -0 "$bgpid" 2>/dev/null; then ok "bg_start processes are stopped at exit"
else not_ok "bg_start processes are stopped at exit" "pid $bgpid still alive"; kill "$bgpid" 2>/dev/null; fi

finish
