#!/usr/bin/env bash
# The fault suite: one Deployment on one bridge, driven through faults; after
# each, the node converges: every pod Running, one container group per pod
# (never two for one pod), no group without a live pod, no pod left
# Terminating, nothing lost.
#
#   1. 20% of every ECI call answered InternalError during a burst of
#      FAULT_PODS (default 500) pods, and during a scale-down;
#   2. the ECI endpoint unreachable for FAULT_UNREACHABLE_S (60) s while the
#      Deployment is resized;
#   3. a kube-apiserver restart during a resize;
#   4. etcd compactions during the bridge's watches (its resumed watch gets 410);
#   5. the bridge SIGKILLed at a random point of a resize, once per seed in
#      FAULT_SEEDS (default "1 2 3"), then restarted.
# About 3 minutes on 2 shared cores with the sanitized build (300 pods: 138 s,
# 60 s of which the outage); smaller FAULT_PODS / FAULT_UNREACHABLE_S for a
# quick run.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
N=${FAULT_PODS:-500}
UNREACH=${FAULT_UNREACHABLE_S:-60}
SEEDS=${FAULT_SEEDS:-1 2 3}
t_suite=$SECONDS
start_emulator --no-namespaces --seed 7 --schedule-delay-ms 500 || { not_ok "emulator starts"; finish; }
NODE=vk-faults-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
test_namespace faults
NS=$TEST_NS

faults() { curl -sf -X POST -d "$1" "$ECI_ADMIN_URL/faults" >/dev/null; }
scale() { kubectl_ scale deployment -n "$NS" burst --replicas="$1" >/dev/null 2>&1; }
# scale with retries (the apiserver may be restarting).
scale_retry() { wait_for 60 scale "$1"; }

# converge NAME WANT TIMEOUT: WANT pods, all Running, none Terminating, and
# exactly WANT container groups, one per pod; no duplicate group ever made.
converge() {
    local name=$1 want=$2 to=$3 t=$SECONDS
    settled() {
        local js total running
        js=$(kubectl_ get pods -n "$NS" -o json 2>/dev/null) || return 1
        total=$(jq '.items | length' <<<"$js")
        running=$(jq '[.items[] | select(.status.phase == "Running" and .metadata.deletionTimestamp == null)] | length' <<<"$js")
        [ "$total" -eq "$want" ] && [ "$running" -eq "$want" ] && [ "$(emulator_groups)" -eq "$want" ]
    }
    if wait_for "$to" settled; then
        ok "$name: $want pods Running, $want groups ($((SECONDS - t)) s)"
    else
        not_ok "$name: $want pods Running and $want groups within $to s" \
            "pods: $(kubectl_ get pods -n "$NS" --no-headers 2>&1 | awk '{print $3}' | sort | uniq -c | tr '\n' ' ')" \
            "groups: $(emulator_groups)" "$(tail -n 5 "$BRIDGE_LOG")"
    fi
    local led dup
    led=$(curl -sf "$ECI_ADMIN_URL/ledger")
    dup=$(jq '[.creates[] | select(.Code == "OK")] | group_by(.ClientToken)
              | map(select((map(.ContainerGroupId) | unique | length) > 1)) | length' <<<"$led")
    check "$name: no duplicate container group (tokens with two groups: $dup)" test "$dup" -eq 0
    same_uids() {
        uids=$(kubectl_ get pods -n "$NS" -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' 2>/dev/null | sort)
        guids=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r '.groups[].Tags["eci-kubelet/uid"]' | sort)
        [ "$uids" = "$guids" ]
    }
    if wait_for 60 same_uids; then
        ok "$name: no orphan, no lost pod (groups = pods)"
    else
        not_ok "$name: groups = pods" "$(diff <(echo "$uids") <(echo "$guids") | head -n 8)"
    fi
}

kubectl_ apply -f - >/dev/null <<EOF2
apiVersion: apps/v1
kind: Deployment
metadata: {name: burst, namespace: $NS}
spec:
  replicas: 0
  selector: {matchLabels: {app: burst}}
  template:
    metadata: {labels: {app: burst}}
    spec:
      nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
      terminationGracePeriodSeconds: 2
      automountServiceAccountToken: false
      containers:
      - {name: app, image: busybox, command: ["sleep", "3600"]}
EOF2

# A pod made by `kubectl apply` (last-applied annotation, managedFields): the
# bridge's status writes must keep both (its cache drops them).
test_namespace faults-apply
NS2=$TEST_NS
kubectl_ apply -n "$NS2" -f - >/dev/null <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: applied, labels: {app: applied}}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  terminationGracePeriodSeconds: 2
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"]}
EOF2
applied_ok() {
    kubectl_ get pod -n "$NS2" applied -o json --show-managed-fields | jq -e '.status.phase == "Running"
        and (.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] | length > 0)
        and (.metadata.managedFields | length > 0)'
}
check "status writes keep the last-applied annotation and managedFields" wait_for 120 applied_ok
kubectl_ delete pod -n "$NS2" applied --wait=false >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
check "that pod deleted, its group too" wait_for 60 no_groups

# 1. 20% errors on every ECI call during a burst and a scale-down.
curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null
faults '{"clear":true,"rules":["*:InternalError:0.2"]}'
scale "$N"
converge "20% ECI errors, burst of $N" "$N" $((300 + N))
errs=$(curl -sf "$ECI_ADMIN_URL/ledger" | jq '[.calls[] | .InternalError // 0] | add')
diag "injected InternalError answers: $errs"
M=$((N / 2))
scale "$M"
converge "20% ECI errors, scale-down to $M" "$M" 300
faults '{"clear":true}'

# 2. ECI unreachable, meanwhile pods come and go.
faults "{\"unreachable_seconds\":$UNREACH}"
t=$SECONDS
scale $((M + 20))
# Sampled through the whole outage: not one pod may turn Failed.
failed_seen=0
while [ $((SECONDS - t)) -lt "$UNREACH" ]; do
    n=$(pods_in_phase "$NS" Failed 2>/dev/null)
    [ "${n:-0}" -gt "$failed_seen" ] && failed_seen=$n
    sleep 2
done
check "no pod turns Failed while ECI is unreachable ($failed_seen seen)" test "$failed_seen" -eq 0
M=$((M - 20))
scale "$M"
converge "ECI unreachable for $UNREACH s, then back" "$M" 300

# 3. kube-apiserver restart during a resize.
M=$((M + 30))
scale "$M"
sleep 1
check "kube-apiserver restarted" bash "$ECI_REPO/tests/cluster/cluster.sh" restart-apiserver
converge "kube-apiserver restart" "$M" 300

# 4. etcd compactions during the watches.
r0=$(curl -sf "$BRIDGE_HEALTH/metrics" | awk '$1 == "eci_kubelet_pod_watch_restarts_total" {print $2}')
M=$((M - 30))
scale "$M"
check "etcd compacted" bash "$ECI_REPO/tests/cluster/cluster.sh" compact
sleep 2
M=$((M + 20))
scale "$M"
check "etcd compacted again" bash "$ECI_REPO/tests/cluster/cluster.sh" compact
converge "etcd compaction during watches" "$M" 300
r1=$(curl -sf "$BRIDGE_HEALTH/metrics" | awk '$1 == "eci_kubelet_pod_watch_restarts_total" {print $2}')
diag "pod watch restarts: ${r0:-?} -> ${r1:-?}"

# 5. SIGKILL at random points of resizes.
for seed in $SEEDS; do
    RANDOM=$seed
    M=$((M / 2 + RANDOM % M + 10))
    scale "$M"
    delay=$((RANDOM % 4)).$((RANDOM % 10))
    sleep "$delay"
    kill -9 "$BRIDGE_PID" 2>/dev/null
    wait "$BRIDGE_PID" 2>/dev/null
    diag "seed $seed: bridge SIGKILLed ${delay} s into a resize to $M"
    restart_bridge || not_ok "seed $seed: bridge restarts"
    converge "seed $seed: after SIGKILL and restart" "$M" 300
done

# Everything away.
scale 0
converge "scale to 0" 0 300
stop_pid "$BRIDGE_PID" 20
if grep -q Sanitizer "$BRIDGE_LOG"; then
    not_ok "no sanitizer reports in the bridge log" "$(grep -m1 -A40 Sanitizer "$BRIDGE_LOG")"
else
    ok "no sanitizer reports in the bridge log"
fi
diag "ECI calls: $(curl -sf "$ECI_ADMIN_URL/ledger" | jq -c '.calls')"
diag "suite took $((SECONDS - t_suite)) s"
finish
