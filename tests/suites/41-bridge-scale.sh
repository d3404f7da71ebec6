#!/usr/bin/env bash
# A Deployment of 100 replicas placed on the virtual node by the real
# scheduler; all Running; scaled to 0, every container group is deleted
# (ledger: 100 creates, 100 deletes).
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-scale-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
test_namespace scale
NS=$TEST_NS
N=${SCALE_REPLICAS:-100}
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
      - name: app
        image: busybox
        command: ["sleep", "3600"]
        resources: {requests: {cpu: 250m, memory: 256Mi}}
EOF2
start=$SECONDS
all_running() { test "$(pods_in_phase "$NS" Running)" -eq "$N"; }
if wait_for 240 all_running; then
    ok "$N replicas Running in $((SECONDS - start)) s"
else
    not_ok "$N replicas Running" "$(kubectl_ get pods -n "$NS" --no-headers | awk '{print $3}' | sort | uniq -c)"
fi
nodes=$(kubectl_ get pods -n "$NS" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)
check "every replica was placed on the virtual node by the scheduler" test "$nodes" = "$NODE"
check "ledger: $N CreateContainerGroup ($(ledger_count CreateContainerGroup))" test "$(ledger_count CreateContainerGroup)" -eq "$N"
check "emulator holds $N groups" test "$(emulator_groups)" -eq "$N"

kubectl_ scale deployment -n "$NS" burst --replicas=0 >/dev/null
start=$SECONDS
no_pods() { test "$(kubectl_ get pods -n "$NS" --no-headers 2>/dev/null | wc -l)" -eq 0; }
check "scaled to 0: every pod is gone" wait_for 180 no_pods
diag "scale-down took $((SECONDS - start)) s"
no_groups() { test "$(emulator_groups)" -eq 0; }
check "every container group is deleted" wait_for 120 no_groups
check "ledger: $N DeleteContainerGroup ($(ledger_count DeleteContainerGroup))" test "$(ledger_count DeleteContainerGroup)" -eq "$N"
check "ledger: still exactly $N creates" test "$(ledger_count CreateContainerGroup)" -eq "$N"
calls=$(curl -sf "$ECI_ADMIN_URL/ledger" | jq -c '.calls')
diag "ECI calls: $calls"
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
