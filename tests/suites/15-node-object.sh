#!/usr/bin/env bash
# provider/podmap/node.c against the real apiserver: the Node it builds is accepted
# with its labels, taint and status; a status PATCH round-trips so that the
# change detector sees no change (canonical quantities); transition times stay
# put while heartbeats move; Ready=False lands; the Lease (microsecond
# renewTime, owner reference) is accepted; the label/taint patch keeps other
# owners' taints; a pod that tolerates the taint is scheduled onto the node.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir

TOOL=$ECI_TEST_PROGS/prov_node_tool
[ -x "$TOOL" ] || { not_ok "prov_node_tool built" "missing $TOOL"; finish; }
NODE=vk-node-test-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
COMMON=(--node-name "$NODE" --node-ip 127.0.0.1 --region cn-hangzhou --zones cn-hangzhou-h
        --security-group sg-1 --vswitch vsw-1 --port 10250)
BASE=("${COMMON[@]}" --node-labels example.com/team=infra)
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n kube-node-lease delete lease '$NODE' --wait=false"
T=$LIB_TMP
jp() { kubectl_ get node "$NODE" -o jsonpath="$1"; }

"$TOOL" node "${BASE[@]}" > "$T/node.json"
check "the Node is created" kubectl_ create -f "$T/node.json"
check_output "built-in labels" '^virtual-kubelet eci cn-hangzhou-h true infra$' \
    jp '{.metadata.labels.type} {.metadata.labels.node\.kubernetes\.io/instance-type} {.metadata.labels.topology\.kubernetes\.io/zone} {.metadata.labels.alibabacloud\.com/virtual-node} {.metadata.labels.example\.com/team}'
check "no label a node may not set on itself (NodeRestriction)" sh -c \
    "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get node '$NODE' -o jsonpath='{.metadata.labels}' | grep -q 'kubernetes.io/role'"
diag "after POST: conditions [$(jp '{range .status.conditions[*]}{.type}={.status} {end}')] taints [$(jp '{range .spec.taints[*]}{.key} {end}')]"
# (the node lifecycle controller may add node.kubernetes.io/not-ready until status is written)
check_output "the default taint" '(^| )virtual-kubelet.io/provider=alibabacloud:NoSchedule ' \
    jp '{range .spec.taints[*]}{.key}={.value}:{.effect} {end}'

kubectl_ get node "$NODE" -o json > "$T/cur.json"
"$TOOL" status "$T/cur.json" "${BASE[@]}" > "$T/patch.json"
check "status PATCH (strategic merge) is accepted" \
    kubectl_ patch node "$NODE" --subresource=status --type=strategic --patch-file "$T/patch.json"
check_output "Ready=True KubeletReady" '^True KubeletReady$' \
    jp '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}'
check_output "five conditions" '^Ready MemoryPressure DiskPressure PIDPressure NetworkUnavailable $' \
    jp '{range .status.conditions[*]}{.type} {end}'
check_output "kubelet port, version and runtime" '^10250 v1\.33\.0-eci-kubelet-[^ ]+ eci://2018-08-08 127\.0\.0\.1$' \
    jp '{.status.daemonEndpoints.kubeletEndpoint.Port} {.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion} {.status.addresses[?(@.type=="InternalIP")].address}'
check_output "capacity" '^(1k|1000) 4Ti (1k|1000) 4Ti$' \
    jp '{.status.capacity.cpu} {.status.capacity.memory} {.status.allocatable.pods} {.status.capacity.ephemeral-storage}'

kubectl_ get node "$NODE" -o json > "$T/cur.json"
if "$TOOL" changed "$T/cur.json" "${BASE[@]}"; then ok "the apiserver's copy compares as unchanged"
else not_ok "the apiserver's copy compares as unchanged" "$(jp '{.status}')"; fi
t1=$(jp '{.status.conditions[?(@.type=="Ready")].lastTransitionTime}')
h1=$(jp '{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
sleep 1.2
"$TOOL" status "$T/cur.json" "${BASE[@]}" > "$T/patch.json"
kubectl_ patch node "$NODE" --subresource=status --type=strategic --patch-file "$T/patch.json" >/dev/null
t2=$(jp '{.status.conditions[?(@.type=="Ready")].lastTransitionTime}')
h2=$(jp '{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
if [ "$t1" = "$t2" ] && [ "$h1" != "$h2" ]; then ok "heartbeat moves, transition time stays"
else not_ok "heartbeat moves, transition time stays" "transition $t1 -> $t2, heartbeat $h1 -> $h2"; fi

kubectl_ get node "$NODE" -o json > "$T/cur.json"
if NODE_TOOL_NOT_READY=1 "$TOOL" changed "$T/cur.json" "${BASE[@]}"; then
    not_ok "not-ready counts as a change"
else ok "not-ready counts as a change"; fi
NODE_TOOL_NOT_READY=1 "$TOOL" status "$T/cur.json" "${BASE[@]}" > "$T/patch.json"
kubectl_ patch node "$NODE" --subresource=status --type=strategic --patch-file "$T/patch.json" >/dev/null
check_output "Ready=False with the reason" '^False ECIUnreachable the ECI API did not answer$' \
    jp '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.status.conditions[?(@.type=="Ready")].message}'
kubectl_ get node "$NODE" -o json > "$T/cur.json"
"$TOOL" status "$T/cur.json" "${BASE[@]}" > "$T/patch.json"
kubectl_ patch node "$NODE" --subresource=status --type=strategic --patch-file "$T/patch.json" >/dev/null

uid=$(jp '{.metadata.uid}')
"$TOOL" lease "$uid" "${BASE[@]}" > "$T/lease.json"
check "the Lease is created" kubectl_ create -f "$T/lease.json"
check_output "renewTime has microseconds; owner is the Node" "^[0-9-]+T[0-9:]+\.[0-9]{6}Z Node $uid 40\$" \
    kubectl_ -n kube-node-lease get lease "$NODE" \
    -o jsonpath='{.spec.renewTime} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].uid} {.spec.leaseDurationSeconds}'

# A pod that tolerates the taint is scheduled onto the node.
test_namespace nodeobj
cat > "$T/pod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: burst, namespace: $TEST_NS}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  containers: [{name: c, image: registry.example/busybox:1}]
YAML
kubectl_ create -f "$T/pod.yaml" >/dev/null
scheduled() { [ "$(kubectl_ -n "$TEST_NS" get pod burst -o jsonpath='{.spec.nodeName}')" = "$NODE" ]; }
if wait_for 30 scheduled; then ok "a tolerating pod is scheduled onto the node"
else not_ok "a tolerating pod is scheduled onto the node" "$(kubectl_ -n "$TEST_NS" describe pod burst 2>&1 | tail -8)"; fi
kubectl_ -n "$TEST_NS" delete pod burst --grace-period=0 --force >/dev/null 2>&1

# Label/taint reconciliation keeps taints others own.
kubectl_ taint node "$NODE" example.org/other=yes:PreferNoSchedule >/dev/null
kubectl_ get node "$NODE" -o json > "$T/cur.json"
NEW=("${COMMON[@]}" --node-labels example.com/tier=web --node-taint example.com/eci=on:NoExecute)
"$TOOL" meta-patch "$T/cur.json" "${NEW[@]}" > "$T/meta.json"
check "the label/taint merge patch is accepted" kubectl_ patch node "$NODE" --type=merge --patch-file "$T/meta.json"
check_output "taints: the other owner's kept, the bridge's replaced" \
    '^example.org/other=yes:PreferNoSchedule example.com/eci=on:NoExecute $' \
    jp '{range .spec.taints[*]}{.key}={.value}:{.effect} {end}'
check_output "labels: the new one added, the dropped one removed" '^ web virtual-kubelet$' \
    jp '{.metadata.labels.example\.com/team} {.metadata.labels.example\.com/tier} {.metadata.labels.type}'
kubectl_ get node "$NODE" -o json > "$T/cur.json"
check_output "nothing left to patch afterwards" '^null$' "$TOOL" meta-patch "$T/cur.json" "${NEW[@]}"

finish
