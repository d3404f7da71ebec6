#!/usr/bin/env bash
# kill -9 of the bridge in the middle of a 200-pod burst, then a restart: all
# pods Running, no duplicate container group, no orphan; a pod whose name is
# longer than a tag value keeps its group across the restart.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-crash-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
test_namespace crash
NS=$TEST_NS
N=${CRASH_PODS:-200}
curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null

kubectl_ apply -f - >/dev/null <<EOF2
apiVersion: apps/v1
kind: Deployment
metadata: {name: burst, namespace: $NS}
spec:
  replicas: $N
  selector: {matchLabels: {app: burst}}
  template:
    metadata: {labels: {app: burst}}
    spec:
      nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
      terminationGracePeriodSeconds: 5
      containers:
      - {name: app, image: busybox, command: ["sleep", "3600"]}
EOF2
# A pod whose name (200 characters) is longer than an ECI tag value: its
# eci-kubelet/pod tag is shortened, and the restart must still find its pod.
LONG=$(printf 'l%.0s' $(seq 63)).$(printf 'o%.0s' $(seq 63)).$(printf 'n%.0s' $(seq 63)).longname
kubectl_ apply -f - >/dev/null <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: $LONG, namespace: $NS}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
  terminationGracePeriodSeconds: 5
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"]}
EOF2
long_uid() { kubectl_ get pod -n "$NS" "$LONG" -o jsonpath='{.metadata.uid}'; }
long_group() {
    curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg u "$(long_uid)" \
        '[.groups[] | select(.Tags["eci-kubelet/uid"] == $u) | .ContainerGroupId] | join(" ")'
}
long_has_group() { test -n "$(long_group)"; }
wait_for 120 long_has_group
LONG_GROUP=$(long_group)
check "the pod with a ${#LONG}-character name has a container group" test -n "$LONG_GROUP"

creates() { curl -sf "$ECI_ADMIN_URL/ledger" | jq -r '.creates_ok'; }
some_created() { test "$(creates)" -ge $((N / 4)); }
wait_for 120 some_created
c=$(creates)
kill -9 "$BRIDGE_PID"
wait "$BRIDGE_PID" 2>/dev/null
check "bridge killed (-9) mid-burst after $c of $N creates" test "$c" -lt "$N"
sleep 2
restart_bridge || not_ok "bridge restarts"
start=$SECONDS
all_running() { test "$(pods_in_phase "$NS" Running)" -eq $((N + 1)); }
if wait_for 300 all_running; then
    ok "all $((N + 1)) pods Running $((SECONDS - start)) s after the restart"
else
    not_ok "all $((N + 1)) pods Running after the restart" "$(kubectl_ get pods -n "$NS" --no-headers | awk '{print $3}' | sort | uniq -c)"
fi
led=$(curl -sf "$ECI_ADMIN_URL/ledger")
distinct=$(jq -r '.groups_created' <<<"$led")
check "no duplicate container group: $distinct groups created for $((N + 1)) pods" test "$distinct" -eq $((N + 1))
check "emulator holds exactly $((N + 1)) groups" test "$(emulator_groups)" -eq $((N + 1))
long_running() { test "$(kubectl_ get pod -n "$NS" "$LONG" -o jsonpath='{.status.phase}')" = Running; }
check "the pod with a ${#LONG}-character name is Running after the restart" wait_for 120 long_running
check "... with the container group it had before ($LONG_GROUP)" test "$(long_group)" = "$LONG_GROUP"
# No orphan: every group's uid tag names a live pod.
uids=$(kubectl_ get pods -n "$NS" -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' | sort)
guids=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r '.groups[].Tags["eci-kubelet/uid"]' | sort)
check "no orphan: every group belongs to a live pod" test "$uids" = "$guids"
diag "ECI calls: $(jq -c '.calls' <<<"$led")"

kubectl_ delete deployment -n "$NS" burst --wait=false >/dev/null
kubectl_ delete pod -n "$NS" "$LONG" --wait=false >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
check "cleanup: every group deleted" wait_for 180 no_groups
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
