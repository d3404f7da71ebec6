#!/usr/bin/env bash
# kubectl logs through the real kube-apiserver to the bridge and on to
# DescribeContainerLog (the emulator): whole log, --tail, --since,
# --timestamps, --limit-bytes, -f (new lines, never an old one again, ends
# with the container), --previous, and 404s with a message for unknown pods
# and containers.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env logs
lib_tmpdir
T=$LIB_TMP

run_pod fixed 'for i in 1 2 3 4 5; do echo line-$i; done; sleep 3600'
run_pod ticker 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.5; done'
run_pod crash 'echo run-at-$(date +%s%N); sleep 2; exit 1'
check "pods run" wait_for 120 sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get pod fixed ticker -o jsonpath='{.items[*].status.phase}' | grep -qx 'Running Running'"
wait_for 60 sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS logs fixed | grep -q line-5"

check_output "kubectl logs: the whole log" '^line-1 line-2 line-3 line-4 line-5$' sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS logs fixed | xargs"
check_output "kubectl logs --tail=2" '^line-4 line-5$' sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS logs fixed --tail=2 | xargs"
out=$(kx logs fixed --tail=0 2>&1)
if [ -z "$out" ]; then ok "kubectl logs --tail=0 prints nothing"; else not_ok "kubectl logs --tail=0 prints nothing" "$out"; fi
check_output "kubectl logs --timestamps" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z line-1$' kx logs fixed --timestamps
n=$(kx logs fixed --timestamps | grep -Ec '^20[0-9-]+T[0-9:.]+Z line-[1-5]$')
check "every line carries its timestamp ($n)" test "$n" = 5
out=$(kx logs fixed --limit-bytes=10)
if [ "$out" = "$(printf 'line-1\nlin')" ]; then ok "kubectl logs --limit-bytes=10"
else not_ok "kubectl logs --limit-bytes=10" "got [$out]"; fi

# The ticker prints a line every 0.5 s at most, so 2 s hold at most 5 (6 with
# the edges). A starved ticker may have printed none in the last 2 s: such a
# sample proves nothing, so poll for one with a line in it.
ticker_lines() { kx logs ticker | grep -c '^tick-'; }
six_lines() { [ "$(ticker_lines)" -ge 6 ]; }
wait_for 60 six_lines
since_ok() {
    all=$(ticker_lines)
    recent=$(kx logs ticker --since=2s | grep -c '^tick-')
    [ "$recent" -ge 1 ] && [ "$recent" -lt "$all" ] && [ "$recent" -le 6 ]
}
if wait_for 60 since_ok; then ok "kubectl logs --since=2s ($recent of $all lines)"
else not_ok "kubectl logs --since=2s" "$recent of $all lines"; fi
since_time_ok() {
    all=$(ticker_lines)
    since_time=$(date -u -d '-2 seconds' +%Y-%m-%dT%H:%M:%SZ)
    recent=$(kx logs ticker --since-time="$since_time" | grep -c '^tick-')
    [ "$recent" -ge 1 ] && [ "$recent" -lt "$all" ]
}
if wait_for 60 since_time_ok; then ok "kubectl logs --since-time ($recent of $all lines)"
else not_ok "kubectl logs --since-time" "$recent of $all lines"; fi

# ---- follow: lines printed after it started, each once, in order
before=$(kx logs ticker | tail -n 1 | sed 's/tick-//')
kx logs -f ticker --tail=1 > "$T/follow" 2>&1 &
fpid=$!
on_exit "kill $fpid"
follow_last() { sed -n 's/^tick-\([0-9]*\)$/\1/p' "$T/follow" | tail -n 1; }
follow_past() { local l; l=$(follow_last); [ -n "$l" ] && [ "$l" -gt "$1" ]; }
wait_for 60 follow_past "$before"
# ECI failing for a while (throttling, errors): the follower backs off and
# then resumes where it was.
curl -sf -X POST "$ECI_ADMIN_URL/faults" -d '{"rules":[{"action":"DescribeContainerLog","code":"Throttling","rate":1}]}' >/dev/null
throttled_now() { throttled=$(ledger_count DescribeContainerLog Throttling); [ "${throttled:-0}" -gt 0 ]; }
wait_for 60 throttled_now
curl -sf -X DELETE "$ECI_ADMIN_URL/faults" >/dev/null
# after the faults: lines printed later than the last one seen so far
mark_tick=$(kx logs ticker | tail -n 1 | sed 's/tick-//')
wait_for 120 follow_past "$((mark_tick + 2))"
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
nums=$(sed -n 's/^tick-\([0-9]*\)$/\1/p' "$T/follow")
first=$(head -n 1 <<<"$nums"); last=$(tail -n 1 <<<"$nums")
if [ -n "$last" ] && [ "$last" -gt $((before + 3)) ]; then ok "logs -f streams lines printed after it started (tick-$before -> tick-$last)"
else not_ok "logs -f streams lines printed after it started" "before tick-$before; got: $(head -c 300 "$T/follow")"; fi
expect=$(seq "$first" "$last")
if [ "$nums" = "$expect" ]; then ok "logs -f repeats no line and skips none, across ECI failures ($first..$last)"
else not_ok "logs -f repeats no line and skips none" "$(diff <(echo "$expect") <(echo "$nums") | head)"; fi
check "the follower met ECI failures ($throttled Throttling answers)" test "${throttled:-0}" -gt 0
if [ "$(grep -vc '^tick-' "$T/follow")" = 0 ]; then ok "logs -f output holds only log lines"
else not_ok "logs -f output holds only log lines" "$(grep -v '^tick-' "$T/follow" | head)"; fi

# ---- follow ends when the container ends
run_pod short 'sleep 3; for i in 1 2 3; do echo short-$i; sleep 1; done' Never
if wait_for 120 pod_running short; then
    out=$(timeout 120 "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$NS" logs -f short 2>&1); rc=$?
    if [ $rc -eq 0 ] && [ "$(xargs <<<"$out")" = "short-1 short-2 short-3" ]; then ok "logs -f of a container that ends returns with all its lines"
    else not_ok "logs -f of a container that ends returns with all its lines" "exit $rc: $out"; fi
else
    not_ok "pod short runs" "$(kx get pod short -o wide 2>&1)"
fi

# ---- previous
restarted() { [ "$(kx get pod crash -o jsonpath='{.status.containerStatuses[0].restartCount}')" -ge 1 ] 2>/dev/null; }
if wait_for 60 restarted; then
    prev=$(kx logs crash --previous 2>&1)
    cur=$(kx logs crash 2>&1)
    if grep -q '^run-at-' <<<"$prev" && [ "$prev" != "$cur" ]; then ok "kubectl logs --previous shows the previous run ($prev)"
    else not_ok "kubectl logs --previous shows the previous run" "previous [$prev] current [$cur]"; fi
else
    not_ok "a crashing container restarts" "$(kx get pod crash -o yaml | tail -30)"
fi

# ---- errors
out=$(kx logs fixed -c nope 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q 'nope' <<<"$out"; then ok "kubectl logs of an unknown container fails with a message"
else not_ok "kubectl logs of an unknown container fails with a message" "exit $rc: $out"; fi
code=$(kcurl "/containerLogs/$NS/fixed/nope" -o "$T/body" -w '%{http_code}')
if [ "$code" = 404 ] && grep -q 'container "nope" not found' "$T/body"; then ok "the kubelet API answers 404 for an unknown container"
else not_ok "the kubelet API answers 404 for an unknown container" "$code $(cat "$T/body")"; fi
code=$(kcurl "/containerLogs/$NS/ghost/main" -o "$T/body" -w '%{http_code}')
if [ "$code" = 404 ] && grep -q 'pod "ghost" not found' "$T/body"; then ok "the kubelet API answers 404 for an unknown pod"
else not_ok "the kubelet API answers 404 for an unknown pod" "$code $(cat "$T/body")"; fi

no_sanitizer_reports
finish
