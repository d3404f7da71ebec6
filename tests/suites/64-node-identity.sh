#!/usr/bin/env bash
# The bridge holds a kubelet's rights, no more: it runs with the credentials
# of its node (system:node:NODE, group system:nodes), and the Node authorizer
# and NodeRestriction fence them. With exactly the credentials the bridge
# uses, the Secret, ConfigMap and service-account token of a pod bound to
# another node are out of reach, no token can be made for another service
# account, another Node cannot be patched; the same reads for a pod bound to
# the bridge's own node work (so the refusals are the fence, not a broken
# credential).
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-fence-$$
OTHER=vk-other-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' '$OTHER' --wait=false --ignore-not-found"
test_namespace fence
NS=$TEST_NS
# nk ARGS...: kubectl with the bridge's own credentials.
nk() { "$KUBECTL" --kubeconfig "$BRIDGE_KUBECONFIG" "$@"; }
# forbidden NAME CMD...: CMD fails and the apiserver said Forbidden.
forbidden() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then
        not_ok "$name" "allowed: $out"
    elif grep -qi 'forbidden' <<<"$out"; then
        ok "$name"
    else
        not_ok "$name" "failed, but not with Forbidden: $out"
    fi
}

node_ready() {
    kubectl_ get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
check "node $NODE registers and is Ready" wait_for 60 node_ready
check_output "the bridge authenticates as its node" "system:node:$NODE" nk auth whoami -o jsonpath='{.status.userInfo.username}'
check_output "in the group system:nodes" 'system:nodes' nk auth whoami -o jsonpath='{.status.userInfo.groups}'

# Another node (registered by the admin) with a pod bound to it, and a pod
# bound to the bridge's node; each uses its own Secret, ConfigMap and
# service account.
kubectl_ apply -f - >/dev/null <<EOF2
apiVersion: v1
kind: Node
metadata: {name: $OTHER, labels: {kubernetes.io/hostname: $OTHER}}
spec:
  taints: [{key: example.com/no-kubelet, effect: NoSchedule}]
EOF2
for who in other mine; do
    node=$NODE; [ $who = other ] && node=$OTHER
    kubectl_ apply -f - >/dev/null <<EOF2
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-$who, namespace: $NS}
---
apiVersion: v1
kind: Secret
metadata: {name: sec-$who, namespace: $NS}
stringData: {password: value-$who}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-$who, namespace: $NS}
data: {greeting: hello-$who}
---
apiVersion: v1
kind: Pod
metadata: {name: pod-$who, namespace: $NS}
spec:
  nodeName: $node
  serviceAccountName: sa-$who
  tolerations: [{operator: Exists}]
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 3600"]
    env:
    - {name: P, valueFrom: {secretKeyRef: {name: sec-$who, key: password}}}
    - {name: G, valueFrom: {configMapKeyRef: {name: cm-$who, key: greeting}}}
EOF2
done
running() { test "$(kubectl_ get pod -n "$NS" pod-mine -o jsonpath='{.status.phase}')" = Running; }
check "the pod on $NODE runs (the bridge read its Secret and ConfigMap as the node)" wait_for 60 running

UID_MINE=$(kubectl_ get pod -n "$NS" pod-mine -o jsonpath='{.metadata.uid}')
UID_OTHER=$(kubectl_ get pod -n "$NS" pod-other -o jsonpath='{.metadata.uid}')

# What the node may do for its own pod.
check_output "reads the Secret of its own pod" 'value-mine' \
    sh -c "'$KUBECTL' --kubeconfig '$BRIDGE_KUBECONFIG' get secret -n $NS sec-mine -o jsonpath='{.data.password}' | base64 -d"
check "reads the ConfigMap of its own pod" nk get configmap -n "$NS" cm-mine
check "makes a token for its own pod's service account, bound to the pod" sh -c \
    "'$KUBECTL' --kubeconfig '$BRIDGE_KUBECONFIG' create token -n $NS sa-mine --bound-object-kind Pod --bound-object-name pod-mine --bound-object-uid $UID_MINE >/dev/null"

# ... and may not do for another node's pod, or at all.
forbidden "cannot read the Secret of a pod on another node" nk get secret -n "$NS" sec-other
forbidden "cannot read the ConfigMap of a pod on another node" nk get configmap -n "$NS" cm-other
forbidden "cannot make a token for the service account of a pod on another node (bound to that pod)" \
    nk create token -n "$NS" sa-other --bound-object-kind Pod --bound-object-name pod-other --bound-object-uid "$UID_OTHER"
forbidden "cannot make an unbound token for the service account of a pod on another node" \
    nk create token -n "$NS" sa-other
forbidden "cannot make a token for its own pod's service account unbound" nk create token -n "$NS" sa-mine
forbidden "cannot make a token for a kube-system service account" \
    nk create token -n kube-system clusterrole-aggregation-controller
forbidden "cannot list Secrets" nk get secrets -n "$NS"
forbidden "cannot read Secrets in kube-system" nk get secrets -n kube-system
forbidden "cannot patch another Node" nk patch node "$OTHER" --type merge -p '{"metadata":{"labels":{"pwned":"yes"}}}'
forbidden "cannot change another Node's status" \
    nk patch node "$OTHER" --subresource status --type merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}'
forbidden "cannot delete another Node" nk delete node "$OTHER" --wait=false
forbidden "cannot update another node's Lease" nk create -f - <<EOF2
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: $OTHER, namespace: kube-node-lease}
spec: {holderIdentity: $OTHER}
EOF2
forbidden "cannot update a Lease in kube-system" nk create -f - <<EOF2
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: eci-kubelet-fence, namespace: kube-system}
spec: {holderIdentity: x}
EOF2
forbidden "cannot delete a pod on another node" nk delete pod -n "$NS" pod-other --wait=false
forbidden "cannot create a pod that is not a mirror pod" nk run -n "$NS" intruder --image=busybox
forbidden "cannot create RBAC bindings" nk create clusterrolebinding fence-escalate --clusterrole=cluster-admin --user="system:node:$NODE"
check_output "is not a cluster admin (auth can-i '*' '*')" '^no$' sh -c "'$KUBECTL' --kubeconfig '$BRIDGE_KUBECONFIG' auth can-i '*' '*' 2>/dev/null; true"
check "its own Node is still its own (labels patch works)" \
    nk patch node "$NODE" --type merge -p '{"metadata":{"annotations":{"example.com/fence":"ok"}}}'

# The bridge never needed more: nothing it did was refused.
if grep -qi 'forbidden' "$BRIDGE_LOG"; then
    not_ok "nothing in the bridge log says forbidden" "$(grep -i forbidden "$BRIDGE_LOG" | head -5)"
else
    ok "nothing in the bridge log says forbidden"
fi
check "secret values are not in the bridge log" sh -c "! grep -q 'value-mine' '$BRIDGE_LOG'"
finish
