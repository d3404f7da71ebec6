#!/usr/bin/env bash
# Taking a node over from virtual-kubelet/alibabacloud-eci (the Go
# provider): a pod it ran keeps its container group, found by the Go
# provider's own tags (ClusterName, NodeName, NameSpace, PodName, UID): the
# bridge adopts it (no second group, the pod's status and logs come from it,
# it is deleted with the pod), deletes the Go provider's orphans on this node
# and leaves other nodes' groups alone. The Go provider's flags are accepted
# with a deprecation line. Then the Node events of a kubelet: Starting,
# NodeReady, NodeNotReady while the ECI API does not answer, NodeReady again.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
RAW=$ECI_TEST_PROGS/eci_raw
start_emulator || { not_ok "emulator starts"; finish; }
export ECI_REGION=cn-hangzhou
NODE=vk-mig-$$
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
test_namespace migrate
NS=$TEST_NS

# The pod the Go provider ran (bound to its node by the scheduler back then).
kubectl_ apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  nodeName: $NODE
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - {name: app, image: busybox, command: ["sh", "-c", "echo from-a-new-group; sleep 3600"]}
EOF
uid=$(kubectl_ get pod -n "$NS" app -o jsonpath='{.metadata.uid}')
check "the pod exists ($uid)" test -n "$uid"

# legacy_group NAME POD UID NODE: a group created the way the Go provider did
# (its name "<namespace>-<pod>" and its six tags); prints its id.
legacy_group() {
    "$RAW" --endpoint "$ECI_ENDPOINT" CreateContainerGroup ContainerGroupName="$1" SecurityGroupId=sg-e2e \
        VSwitchId=vsw-e2e Container.1.Name=app Container.1.Image=busybox Container.1.Cpu=0.25 Container.1.Memory=0.5 \
        Container.1.Command.1=sh Container.1.Command.2=-c Container.1.Command.3="echo from-the-go-provider; sleep 3600" \
        Tag.1.Key=ClusterName Tag.1.Value=e2e Tag.2.Key=NodeName Tag.2.Value="$4" Tag.3.Key=NameSpace \
        Tag.3.Value="$NS" Tag.4.Key=PodName Tag.4.Value="$2" Tag.5.Key=UID Tag.5.Value="$3" \
        Tag.6.Key=CreationTimestamp Tag.6.Value=2026-01-02T03-04-05Z | sed -n 's/.*"ContainerGroupId":"\([^"]*\)".*/\1/p'
}
gid=$(legacy_group "$NS-app" app "$uid" "$NODE")
orphan=$(legacy_group "$NS-gone" gone 00000000-0000-4000-8000-000000000000 "$NODE")
other=$(legacy_group "$NS-elsewhere" elsewhere 11111111-1111-4111-8111-111111111111 another-node)
check "the Go provider's groups exist ($gid, orphan $orphan, other node $other)" test -n "$gid" -a -n "$orphan" -a -n "$other"
creates=$(ledger_count CreateContainerGroup)

# The bridge takes the node over, started with a Go provider flag.
if start_bridge "$NODE" --pod-sync-workers 4; then ok "bridge starts"; else not_ok "bridge starts"; finish; fi
check_output "the Go provider's flag is accepted with a deprecation line" \
    'pod-sync-workers is deprecated \(virtual-kubelet/alibabacloud-eci\); use --reconcile-workers' cat "$BRIDGE_LOG"
adopted() { grep -q "adopted container group $gid of pod $NS/app from virtual-kubelet/alibabacloud-eci" "$BRIDGE_LOG"; }
check "the pod's group is adopted" wait_for 30 adopted
running() { test "$(kubectl_ get pod -n "$NS" app -o jsonpath='{.status.phase}')" = Running; }
check "the pod is Running (status from the adopted group)" wait_for 60 running
check_output "kubectl logs come from the adopted group (the Go provider's container)" '^from-the-go-provider$' \
    kubectl_ logs -n "$NS" app
check "no second group was created for the pod" test "$(ledger_count CreateContainerGroup)" -eq "$creates"
has_group() { curl -sf "$ECI_ADMIN_URL/groups" | jq -e --arg g "$1" '.groups[] | select(.ContainerGroupId == $g)' >/dev/null; }
orphan_gone() { ! has_group "$orphan"; }
check "the Go provider's orphan on this node is deleted" wait_for 30 orphan_gone
sleep_past_sync() { local n; n=$(ledger_count DescribeContainerGroupStatus); wait_for 30 test "$(ledger_count DescribeContainerGroupStatus)" -gt $((n + 1)); }
sleep_past_sync
check "the adopted group is not deleted as an orphan" has_group "$gid"
check "another node's group is left alone" has_group "$other"

kubectl_ delete pod -n "$NS" app --wait=true --timeout=60s >/dev/null 2>&1
adopted_gone() { ! has_group "$gid"; }
check "deleting the pod deletes the adopted group" wait_for 60 adopted_gone
check "still no group created by the bridge" test "$(ledger_count CreateContainerGroup)" -eq "$creates"

# Node events as a kubelet writes them: Starting and NodeReady at start,
# NodeNotReady when the ECI API stops answering, NodeReady again after.
node_reasons() { kubectl_ get events -n default --field-selector "involvedObject.kind=Node,involvedObject.name=$NODE" \
    -o jsonpath='{range .items[*]}{.reason}={.count} {end}'; }
has_reason() { node_reasons | grep -Eq "(^| )$1=$2"; }
starting_and_ready() { has_reason Starting 1 && has_reason NodeReady 1; }
check "Node events Starting and NodeReady ($(node_reasons))" wait_for 30 starting_and_ready
curl -sf -X POST "$ECI_ADMIN_URL/unreachable" -d '{"seconds":20}' >/dev/null
check "an unreachable ECI API: the node goes NotReady with a NodeNotReady event" wait_for 90 has_reason NodeNotReady 1
check "and back to Ready: NodeReady again" wait_for 120 has_reason NodeReady 2
diag "Node events: $(node_reasons)"
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
