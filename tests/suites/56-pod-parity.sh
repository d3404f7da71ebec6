#!/usr/bin/env bash
# Pod status as the kubelet keeps it, through real kubectl and the real
# controllers: conditions written by others (the node lifecycle controller's
# Ready=False after the bridge was stopped or ECI was unreachable, a
# readiness gate set True) are corrected or honoured on the next sync.
# Each repair is waited for with a generous deadline (REPAIR_S: without the
# repair it never comes) and its bound is checked in sync periods, not
# seconds: the bridge counts the status polls its period began
# (eci_kubelet_status_polls_total{trigger="period"}) and exposes that count
# at its last pod status write (eci_kubelet_pod_status_write_period_polls);
# the difference from the count read when the drift was there is how many
# sync periods the repair took. The seconds are printed beside it.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
PERIOD=5
REPAIR_S=100
kubelet_env ppar --pod-status-sync-period ${PERIOD}s
lib_tmpdir
T=$LIB_TMP

faults() { curl -sf -X POST -d "$1" "$ECI_ADMIN_URL/faults" >/dev/null; }
node_ready() { kubectl_ get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
# ready_count: pods of the namespace whose Ready condition is True
ready_count() {
    kx get pods -o json | jq '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length'
}
all_ready() { [ "$(ready_count)" = 6 ]; }
none_ready() { [ "$(ready_count)" = 0 ]; }
# metric SERIES: its value in the bridge's /metrics (empty when absent)
metric() { curl -sf "$BRIDGE_HEALTH/metrics" | awk -v s="$1" '$1 == s { print $2; exit }'; }
periods() { metric 'eci_kubelet_status_polls_total{trigger="period"}'; }
# repaired WHAT BOUND P0 T0 CONDITION...: CONDITION holds within REPAIR_S,
# and the last status write came at most BOUND sync periods after P0 (the
# count of periods read when the drift was there; T0 its time in SECONDS).
# A write made before P0 was read counts as 0 periods.
repaired() {
    local what=$1 bound=$2 p0=$3 t0=$4 w n
    shift 4
    if ! wait_for $REPAIR_S "$@"; then
        not_ok "$what" "$(kx get pods -o wide 2>&1; kx get pods -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions}{"\n"}{end}')"
        return
    fi
    w=$(metric eci_kubelet_pod_status_write_period_polls)
    if [ -z "$p0" ] || [ -z "$w" ]; then
        not_ok "$what within $bound sync period(s)" "the bridge's /metrics lacks the status poll counts"
        return
    fi
    n=$((w > p0 ? w - p0 : 0))
    if [ "$n" -le "$bound" ]; then
        ok "$what within $bound sync period(s) (written $n period(s) after the drift; $((SECONDS - t0)) s, the period is $PERIOD s)"
    else
        not_ok "$what within $bound sync period(s)" "written $n sync periods after the drift ($((SECONDS - t0)) s)"
    fi
}

for i in 1 2 3 4 5 6; do run_pod "p$i" 'sleep 3600'; done
check "six pods Ready" wait_for 180 all_ready

# ---- the bridge stopped until the node is Unknown, then resumed
# (its polls stop with it: the count read now is the count at the resume)
p0=$(periods)
watches=$(metric eci_kubelet_pod_watch_restarts_total)
kill -STOP "$BRIDGE_PID"
on_exit "kill -CONT $BRIDGE_PID 2>/dev/null"
check "the node turns Unknown while the bridge is stopped" wait_for 180 sh -c "[ \"\$('$KUBECTL' --kubeconfig '$KUBECONFIG' get node '$NODE' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = Unknown ]"
check "the node lifecycle controller marks the pods not Ready" wait_for 120 none_ready
kill -CONT "$BRIDGE_PID"
repaired "every pod Ready again after resuming" 2 "$p0" $SECONDS all_ready
diag "pod watch restarts across the stop: $(($(metric eci_kubelet_pod_watch_restarts_total || true) - ${watches:-0}))"
check "the node is Ready again" wait_for 120 sh -c "[ \"\$('$KUBECTL' --kubeconfig '$KUBECONFIG' get node '$NODE' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"

# ---- a 30 s ECI outage
# During it the pods are marked not Ready as the node lifecycle controller
# marks them (MarkPodsNotReady: the Ready condition False): the bridge cannot
# describe their groups until ECI answers again.
faults '{"unreachable_seconds":30}'
eci_down() { ! curl -s -o /dev/null "$ECI_ENDPOINT"; }
check "ECI is unreachable" wait_for 30 eci_down
for i in 1 2 3 4 5 6; do
    kx patch pod "p$i" --subresource=status --type=strategic \
        -p '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"NodeNotReady"}]}}' >/dev/null
done
check "the pods are marked not Ready while ECI is unreachable" none_ready
# back once the 30 s passed (the emulator answers again on its own)
wait_for 120 sh -c "curl -sf -o /dev/null '$ECI_ENDPOINT' || [ \$? = 22 ]"
repaired "every pod Ready again after ECI's return" 2 "$(periods)" $SECONDS all_ready

# ---- a readiness gate
kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: gated, namespace: $NS}
spec:
  nodeName: $NODE
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  readinessGates: [{conditionType: example.com/gate}]
  containers: [{name: main, image: busybox, command: [sh, -c, 'sleep 3600']}]
YAML
check "the gated pod runs" wait_running gated 120
gated_ready() { [ "$(kx get pod gated -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "$1" ]; }
check "the gated pod is not Ready while its gate is missing" gated_ready False
kx patch pod gated --subresource=status --type=strategic \
    -p '{"status":{"conditions":[{"type":"example.com/gate","status":"True"}]}}' >/dev/null
repaired "a readiness gate set True makes the pod Ready" 1 "$(periods)" $SECONDS gated_ready True
kx patch pod gated --subresource=status --type=strategic \
    -p '{"status":{"conditions":[{"type":"example.com/gate","status":"False"}]}}' >/dev/null
repaired "the gate set False again makes the pod not Ready" 1 "$(periods)" $SECONDS gated_ready False

no_sanitizer_reports
finish
