#!/usr/bin/env bash
# Where ECI cannot do what the kubelet does, the node answers as the kubelet
# answers, through real kubectl: logs --previous without an earlier run,
# attach refused once before the upgrade, /runningpods/, an exec whose argv
# is beyond ExecContainerCommand's limits, and kubectl debug (ephemeral
# containers) ending at once with the reason.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env parity
lib_tmpdir
T=$LIB_TMP

run_pod box 'echo started; sleep 3600'
run_pod two 'sleep 3600'
check "pods run" wait_running box 120
check "second pod runs" wait_running two 120

# ---- logs --previous of a container that never restarted
out=$(kx logs box --previous 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q 'previous terminated container "main" in pod "box" not found' <<<"$out"; then
    ok "kubectl logs --previous without an earlier run fails as the kubelet does"
else not_ok "kubectl logs --previous without an earlier run fails as the kubelet does" "exit $rc: $out"; fi
code=$(kcurl "/containerLogs/$NS/box/main?previous=true" -o "$T/body" -w '%{http_code}')
if [ "$code" = 400 ]; then ok "the kubelet API answers 400 for --previous without an earlier run"
else not_ok "the kubelet API answers 400 for --previous without an earlier run" "$code $(cat "$T/body")"; fi

# ---- attach: refused before the upgrade, the reason said once
for mode in true false; do
    out=$(KUBECTL_REMOTE_COMMAND_WEBSOCKETS=$mode kx attach box -c main 2>&1 </dev/null); rc=$?
    n=$(grep -o 'attach is not supported' <<<"$out" | wc -l)
    dup=$(grep -o 'Internal error occurred' <<<"$out" | wc -l)
    if [ $rc -ne 0 ] && [ "$n" = 1 ] && [ "$dup" -le 1 ]; then ok "attach (websocket=$mode) says it once: $out"
    else not_ok "attach (websocket=$mode) says it once" "exit $rc: $out"; fi
done
code=$(kcurl "/attach/$NS/box/main?output=1" -o "$T/body" -w '%{http_code}' \
    -H 'Connection: Upgrade' -H 'Upgrade: SPDY/3.1' -H 'X-Stream-Protocol-Version: v4.channel.k8s.io' -X POST)
if [ "$code" = 500 ] && grep -q '^attach is not supported' "$T/body"; then
    ok "the kubelet API refuses attach before upgrading (500, plain text)"
else not_ok "the kubelet API refuses attach before upgrading (500, plain text)" "$code $(cat "$T/body")"; fi

# ---- /runningpods/
# One read is enough: a pod is Running once ECI reports a container running,
# and the node lists the status it wrote (remembered before the write), so
# both pods the API shows Running are listed already.
rp=$(kcurl /runningpods/ 2>&1)
if jq -e --arg ns "$NS" '.kind == "PodList" and
        ([.items[] | select(.metadata.namespace == $ns) | .metadata.name] | sort) == ["box", "two"] and
        ([.items[] | select(.metadata.namespace == $ns and .metadata.name == "box") | .spec.containers[].name] == ["main"]) and
        all(.items[]; .metadata.uid != null)' <<<"$rp" >/dev/null; then
    ok "/runningpods/ lists the node's pods"
else not_ok "/runningpods/ lists the node's pods" "$rp"; fi

# ---- exec beyond ExecContainerCommand's argv limits
script="x=0"
while [ ${#script} -lt 990 ]; do script="$script; x=\$((x+1))"; done
script="$script; echo \"done \$x '\\\"\""
check_output "exec sh -c with a ${#script}-character script" "^done [0-9]+ '\"$" kx exec box -- sh -c "$script"
check_output "exec with 60 arguments" '^60 60$' kx exec box -- sh -c 'echo $# "$60"' sh $(seq 60)
big=$(head -c 6000 /dev/zero | tr '\0' k)
out=$(kx exec box -- echo "$big" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q '20 arguments of at most 256 bytes' <<<"$out"; then ok "an argv that cannot fit names the limit"
else not_ok "an argv that cannot fit names the limit" "exit $rc: ${out:0:300}"; fi

# ---- kubectl debug: refused at once with the reason
out=$(timeout 120 "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$NS" debug box -i --profile=general --image=busybox --container=dbg \
    -- sh 2>&1 </dev/null); rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'ephemeral containers are not supported' <<<"$out"; then
    ok "kubectl debug -i fails with the reason"
else not_ok "kubectl debug -i fails with the reason" "exit $rc: $out"; fi
st=$(kx get pod box -o jsonpath='{.status.ephemeralContainerStatuses[0].state.terminated.reason}')
check "the ephemeral container's status is terminated ($st)" test "$st" = EphemeralContainerUnsupported
ev() { kx get events --field-selector involvedObject.name=box,reason=EphemeralContainerUnsupported,type=Warning \
    -o name | grep -q .; }
check "a Warning Event names the reason" wait_for 60 ev
check "the pod keeps running" pod_running box

no_sanitizer_reports
finish
