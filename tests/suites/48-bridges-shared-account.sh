#!/usr/bin/env bash
# Three bridges (three virtual nodes) sharing one account: one emulator with
# the published quotas (--realistic, account-wide, simulated runtime), a
# Deployment of SHARED_PODS (300) replicas spread over the three nodes. Every
# pod Running on its own node's group, no duplicate group, no orphan, one
# create per pod; the share of calls answered Throttling is printed (each
# bridge adapts its rates to those answers; no timing is asserted). Then
# scale-down deletes every group.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator --runtime simulated --realistic || { not_ok "emulator starts"; finish; }
N=${SHARED_PODS:-300}
NODES=()
HEALTH=()
for i in 1 2 3; do
    node=vk-shared-$i-$$
    unset BRIDGE_PORT
    start_bridge "$node" --capacity-pods $((N + 100)) || { not_ok "bridge $i starts"; finish; }
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$node' --wait=false"
    NODES+=("$node")
    HEALTH+=("$BRIDGE_HEALTH")
done
ok "three bridges on one AccessKey: ${NODES[*]}"
test_namespace shared
NS=$TEST_NS

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: burst, namespace: $NS}
spec:
  replicas: $N
  selector: {matchLabels: {app: burst}}
  template:
    metadata: {labels: {app: burst}}
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: kubernetes.io/hostname, operator: In, values: [${NODES[0]}, ${NODES[1]}, ${NODES[2]}]}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
         labelSelector: {matchLabels: {app: burst}}}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
      terminationGracePeriodSeconds: 5
      containers: [{name: app, image: busybox, command: ["sh", "-c", "sleep 3600"]}]
EOF
all_running() {
    test "$(kubectl_ get pods -n "$NS" -o json |
        jq '[.items[] | select(.status.phase == "Running" and .metadata.deletionTimestamp == null)] | length')" -eq "$N"
}
t0=$SECONDS
check "$N pods Running over three nodes" wait_for 900 all_running
diag "all Running after $((SECONDS - t0)) s"
for node in "${NODES[@]}"; do
    n=$(kubectl_ get pods -n "$NS" --field-selector "spec.nodeName=$node" --no-headers | wc -l)
    check "$node runs a share of the pods ($n)" test "$n" -gt 0
done

# Each group carries the node of the bridge that created it: the pod's node.
pairs_match() {
    local pods groups
    pods=$(kubectl_ get pods -n "$NS" -o json | jq -r '.items[] | "\(.metadata.uid) \(.spec.nodeName)"' | sort)
    groups=$(curl -sf "$ECI_ADMIN_URL/groups" |
        jq -r '.groups[] | "\(.Tags["eci-kubelet/uid"]) \(.Tags["eci-kubelet/node"])"' | sort)
    [ -n "$pods" ] && [ "$pods" = "$groups" ]
}
check "no orphan, no lost pod: one group per pod, created by the pod's own node" wait_for 60 pairs_match
led=$(curl -sf "$ECI_ADMIN_URL/ledger")
dup=$(jq '[.creates[] | select(.Code == "OK")] | group_by(.ClientToken)
          | map(select((map(.ContainerGroupId) | unique | length) > 1)) | length' <<<"$led")
check "no duplicate container group (tokens with two groups: $dup)" test "$dup" -eq 0
creates=$(jq '.creates_ok' <<<"$led")
check "one CreateContainerGroup per pod ($creates for $N)" test "$creates" -eq "$N"
diag "$(jq -r '[.calls[] | to_entries[] | select(.key | startswith("Throttling")) | .value] | add // 0
    | tostring' <<<"$led") of $(jq -r .total <<<"$led") ECI calls answered Throttling;" \
    "by action: $(jq -c '[.calls | to_entries[] | {(.key): (.value | to_entries | map(select(.key | startswith("Throttling")))
    | map(.value) | add // 0)}] | add' <<<"$led")"
for h in "${HEALTH[@]}"; do
    diag "rates at ${h##*:}: $(curl -sf "$h/metrics" | awk -F'[{}"]' '/^eci_api_rate_limit_per_second/ && ($3 == "CreateContainerGroup" || $3 == "DescribeContainerGroups") {printf "%s=%s ", $3, $5}')"
done

kubectl_ scale deployment -n "$NS" burst --replicas=0 >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
check "scaled to 0: every container group deleted" wait_for 600 no_groups
for f in "$LIB_TMP"/bridge-vk-shared-*.log; do
    check "no sanitizer reports in $(basename "$f")" sh -c "! grep -q Sanitizer '$f'"
done
finish
