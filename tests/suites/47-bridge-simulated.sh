#!/usr/bin/env bash
# The bridge against the emulator's simulated runtime (what the 10,000-pod
# benchmarks use): a Deployment of 100 replicas Running with no process in
# the emulator, kubectl logs of a script's echo lines, a Job's pod
# Succeeded, kubectl exec refused with the runtime named, and scale-down
# deleting every group. The emulator's RSS and threads are printed.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator --runtime simulated || { not_ok "emulator starts"; finish; }
NODE=vk-sim-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
test_namespace sim
NS=$TEST_NS
N=${SIM_REPLICAS:-100}
PLACE="nodeSelector: {kubernetes.io/hostname: $NODE}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]"

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $NS}
spec:
  replicas: $N
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      $PLACE
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: busybox
        command: ["sh", "-c", "echo serving \$POD_NAME; sleep 3600"]
        env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: $NS}
spec:
  backoffLimit: 0
  template:
    spec:
      $PLACE
      restartPolicy: Never
      containers: [{name: job, image: busybox, command: ["sh", "-c", "echo working; sleep 1; echo finished"]}]
EOF
all_running() { test "$(pods_in_phase "$NS" Running)" -ge "$N"; }
check "$N replicas Running on the simulated runtime" wait_for 300 all_running
kids=$(pgrep -c -P "$ECI_EMULATOR_PID" 2>/dev/null || true)
check "the emulator runs no process for them (children: ${kids:-0})" test "${kids:-0}" = 0
diag "emulator with $N groups: threads $(awk '/^Threads:/ {print $2}' "/proc/$ECI_EMULATOR_PID/status"), RSS $(awk '/^VmRSS:/ {print $2, $3}' "/proc/$ECI_EMULATOR_PID/status")"

POD=$(kubectl_ get pods -n "$NS" -l app=web -o jsonpath='{.items[0].metadata.name}')
logs_ok() { kubectl_ logs -n "$NS" "$POD" 2>/dev/null | grep -qx "serving $POD"; }
check "kubectl logs shows the script's echo line with its env" wait_for 30 logs_ok
job_done() { test "$(kubectl_ get pods -n "$NS" -l job-name=once -o jsonpath='{.items[0].status.phase}')" = Succeeded; }
check "a Job's pod runs its script to Succeeded" wait_for 90 job_done
JOBPOD=$(kubectl_ get pods -n "$NS" -l job-name=once -o jsonpath='{.items[0].metadata.name}')
check "... with both lines in its log" test "$(kubectl_ logs -n "$NS" "$JOBPOD" 2>&1 | tr '\n' ' ')" = "working finished "
out=$(kubectl_ exec -n "$NS" "$POD" -- sh -c 'echo hi' 2>&1); rc=$?
check "kubectl exec fails and names the simulated runtime ($out)" test "$rc" != 0 -a -n "$(grep -i simulated <<<"$out")"

kubectl_ scale deployment -n "$NS" web --replicas=0 >/dev/null
kubectl_ delete job -n "$NS" once --wait=false >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
check "scaled to 0 and the Job deleted: every container group is deleted" wait_for 240 no_groups
check "ledger: one create per pod ($(ledger_count CreateContainerGroup))" test "$(ledger_count CreateContainerGroup)" -eq $((N + 1))
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
check "no sanitizer reports in the emulator log" sh -c "! grep -q Sanitizer '$ECI_EMULATOR_LOG'"
finish
