#!/usr/bin/env bash
# Pod status as the kubelet keeps it, through real kubectl and the real
# controllers: conditions written by others (the node lifecycle controller's
# Ready=False after the bridge was stopped or ECI was unreachable, a
# readiness gate set True) are corrected or honoured on the next sync.
# Without the repair such a pod never becomes Ready again, so each check
# waits with a generous deadline (REPAIR_S) and prints how long the repair
# took; the promise (within one or two sync periods) is a figure to read,
# not an assertion: a loaded machine must not fail it.
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

for i in 1 2 3 4 5 6; do run_pod "p$i" 'sleep 3600'; done
check "six pods Ready" wait_for 180 all_ready

# ---- the bridge stopped until the node is Unknown, then resumed
kill -STOP "$BRIDGE_PID"
on_exit "kill -CONT $BRIDGE_PID 2>/dev/null"
check "the node turns Unknown while the bridge is stopped" wait_for 180 sh -c "[ \"\$('$KUBECTL' --kubeconfig '$KUBECONFIG' get node '$NODE' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = Unknown ]"
check "the node lifecycle controller marks the pods not Ready" wait_for 120 none_ready
kill -CONT "$BRIDGE_PID"
t=$SECONDS
if wait_for $REPAIR_S all_ready; then ok "every pod Ready again after resuming ($((SECONDS - t)) s; two sync periods: $((2 * PERIOD)) s)"
else not_ok "every pod Ready again after resuming" "$(kx get pods -o wide 2>&1)"; fi
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
t=$SECONDS
if wait_for $REPAIR_S all_ready; then ok "every pod Ready again after ECI's return ($((SECONDS - t)) s; two sync periods: $((2 * PERIOD)) s)"
else not_ok "every pod Ready again after ECI's return" "$(kx get pods -o wide 2>&1)"; fi

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
t=$SECONDS
if wait_for $REPAIR_S gated_ready True; then ok "a readiness gate set True makes the pod Ready ($((SECONDS - t)) s; one sync period: $PERIOD s)"
else not_ok "a readiness gate set True makes the pod Ready" "$(kx get pod gated -o jsonpath='{.status.conditions}')"; fi
kx patch pod gated --subresource=status --type=strategic \
    -p '{"status":{"conditions":[{"type":"example.com/gate","status":"False"}]}}' >/dev/null
t=$SECONDS
if wait_for $REPAIR_S gated_ready False; then ok "the gate set False again makes the pod not Ready ($((SECONDS - t)) s)"
else not_ok "the gate set False again makes the pod not Ready" "$(kx get pod gated -o jsonpath='{.status.conditions}')"; fi

no_sanitizer_reports
finish
