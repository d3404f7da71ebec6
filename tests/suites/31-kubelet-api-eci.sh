#!/usr/bin/env bash
# kubectl exec through the whole chain: kubectl → kube-apiserver → the
# kubelet API server (tests/progs/kapi_local with the ECI backend,
# provider/kubelet_exec.c) → ExecContainerCommand on the ECI emulator → the
# WebSocketUri (eci/exec_stream.h) → the container's process.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir

PROG=$ECI_TEST_PROGS/kapi_local
RAW=$ECI_TEST_PROGS/eci_raw
[ -x "$PROG" ] && [ -x "$RAW" ] || { not_ok "kapi_local and eci_raw built"; finish; }
T=$LIB_TMP
export ECI_REGION=cn-hangzhou
NS_FLAG=()
if [ "$(id -u)" != 0 ] || [ "${ECI_TEST_NO_NAMESPACES:-0}" = 1 ]; then NS_FLAG=(--no-namespaces); fi
if ! start_emulator "${NS_FLAG[@]}" --schedule-delay-ms 50 --state-dir "$T/state"; then
    not_ok "emulator starts"; finish
fi
api CreateContainerGroup ContainerGroupName=kapi-1 RestartPolicy=Always \
    Container.1.Name=nginx Container.1.Image=busybox Container.1.Command.1=sleep Container.1.Arg.1=300
[ "$ST" = 200 ] && ok "a container group runs in the emulator" || { not_ok "CreateContainerGroup" "$BODY"; finish; }
CG=$(jget .ContainerGroupId)
running() { api DescribeContainerGroups "ContainerGroupIds=[\"$CG\"]"; [ "$(jget '.ContainerGroups[0].Status')" = Running ]; }
wait_for 120 running || diag "container group not Running yet: $(jget '.ContainerGroups[0].Status')"

test_namespace kapieci
ns=$TEST_NS
NODE=kapi-eci-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$(free_port)
bg_start kapi_local "$T/kapi.log" "$PROG" --port "$port" --node "$NODE" \
    --cert "$ECI_CLUSTER_KUBELET_SERVING_CERT" --key "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
    --client-ca "$ECI_CLUSTER_KUBELET_CLIENT_CA" --eci-endpoint "$ECI_ENDPOINT" --eci-map "$ns/web=$CG"
KPID=$BG_PID
wait_for 60 grep -q '^listening' "$T/kapi.log" || { not_ok "kapi_local serves" "$(tail -5 "$T/kapi.log")"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' delete pod web --grace-period=0 --force --wait=false"
kubectl_ create -f - >/dev/null <<JSON
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$NODE"},
 "spec":{"taints":[{"key":"virtual-kubelet.io/provider","value":"test","effect":"NoSchedule"}]}}
JSON
kubectl_ patch node "$NODE" --subresource=status --type=merge -p \
    "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$port}}}}" >/dev/null
kubectl_ -n "$ns" create -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: $NODE
  tolerations: [{operator: Exists}]
  containers: [{name: nginx, image: registry.example/nginx:1}]
YAML

x() { kubectl_ -n "$ns" exec web -c nginx "$@"; }
check_output "kubectl exec reaches the ECI container (WebSocket → SPDY → ECI)" '^from-eci$' x -- sh -c 'echo from-eci'
check_output "kubectl exec over SPDY end to end to ECI" '^spdy-eci$' \
    env KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$ns" exec web -- echo spdy-eci
x -- sh -c 'exit 9' >/dev/null 2>&1; rc=$?
[ $rc -eq 9 ] && ok "the ECI exit code reaches kubectl" || not_ok "the ECI exit code reaches kubectl" "got $rc"
out=$(x -- sh -c 'echo out; echo err >&2' 2>"$T/err")
[ "$out" = out ] && [ "$(exec_stderr "$T/err")" = err ] && ok "stderr stays separate through ECI" \
    || not_ok "stderr stays separate through ECI" "[$out] [$(cat "$T/err")]"
head -c 100000 /dev/urandom > "$T/blob"
check_output "stdin through ECI (100 kB, stdin EOF ends the command)" '^100000$' \
    sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' exec -i web -- wc -c < '$T/blob'"
check_output "attach is refused with a clear message" 'attach is not supported' \
    sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' attach web 2>&1; true"
stop_pid "$KPID" 10
if grep -q 'ERROR: AddressSanitizer\|runtime error' "$T/kapi.log"; then
    not_ok "kapi_local ran clean under ASan/UBSan" "$(grep -A5 'ERROR\|runtime error' "$T/kapi.log" | head -20)"
else
    ok "kapi_local ran clean under ASan/UBSan"
fi
finish
