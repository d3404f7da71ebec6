#!/usr/bin/env bash
# Which pods the virtual node takes and how it waits, through real kubectl and
# the real controllers: DaemonSet pods refused (Pending with a reason and an
# Event, no churn) unless admitted by annotation; a create answered NoStock
# keeps the pod Pending with Events and retries until it runs, fail-fast
# fails it, and a spot pod falls back to pay-as-you-go when asked; missing
# ConfigMaps and Secrets reported with the kubelet's four Events, a pod
# waiting for a ConfigMap running within 5 s of its creation; graceful
# deletion: Terminating until ECI stopped the group (container statuses
# terminated as they stop), not longer, and a force delete at once.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env padm
lib_tmpdir
T=$LIB_TMP

faults() { curl -sf -X POST -d "$1" "$ECI_ADMIN_URL/faults" >/dev/null; }
ev_count() { # ev_count POD REASON: Events (with their counts) of that reason
    kx get events --field-selector "involvedObject.name=$1,reason=$2" -o json | jq '[.items[].count // 1] | add // 0'
}
reason_of() { kx get pod "$1" -o jsonpath='{.status.reason}'; }

# ---- a DaemonSet tolerating everything
daemonset() { # daemonset NAME [ANNOTATIONS-YAML]
    kubectl_ apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: $1, namespace: $NS}
spec:
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}, annotations: {${2:-}}}
    spec:
      tolerations: [{operator: Exists}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [$NODE]}]}]
      containers: [{name: main, image: busybox, command: [sh, -c, 'sleep 3600']}]
YAML
}
ds_pods() { kx get pods -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' | sort; }
daemonset agents
one_pod() { [ "$(ds_pods agents | wc -l)" = 1 ]; }
check "the DaemonSet puts one pod on the node" wait_for 120 one_pod
pod=$(kx get pods -l app=agents -o jsonpath='{.items[0].metadata.name}')
refused() { [ "$(reason_of "$pod")" = DaemonSetPodRefused ]; }
check "the DaemonSet pod is kept Pending with reason DaemonSetPodRefused" wait_for 60 refused
check "its phase is Pending (not Failed)" test "$(kx get pod "$pod" -o jsonpath='{.status.phase}')" = Pending
ds_ev() { [ "$(ev_count "$pod" DaemonSetPodRefused)" -ge 1 ]; }
check "a Warning Event DaemonSetPodRefused is recorded" wait_for 60 ds_ev
first=$(ds_pods agents)
# no churn: over three resyncs of the DaemonSet controller the same one pod
sleep 15
check "no pod churn: the same single pod after 15 s" test "$(ds_pods agents)" = "$first"
created=$(kubectl_ get events -n "$NS" --field-selector involvedObject.kind=DaemonSet,involvedObject.name=agents,reason=SuccessfulCreate \
    -o json | jq '[.items[].count // 1] | add // 0')
check "the DaemonSet controller created one pod in all ($created)" test "$created" = 1
check "no container group was made for it" test "$(emulator_groups)" = 0
daemonset admitted 'eci-kubelet/allow-daemonset: "true"'
adm_running() { [ "$(kx get pods -l app=admitted -o jsonpath='{.items[0].status.phase}')" = Running ]; }
check "a DaemonSet annotated eci-kubelet/allow-daemonset runs" wait_for 120 adm_running
kx delete daemonset agents admitted --wait=false >/dev/null

# ---- NoStock three times, then capacity
faults '{"rules":["CreateContainerGroup:OperationDenied.NoStock:x3"]}'
run_pod stock 'sleep 3600'
check "a pod whose create is answered NoStock three times ends Running" wait_running stock 180
n=$(ev_count stock NoStock)
check "NoStock Warning Events were recorded ($n)" test "$n" -ge 1
creates=$(curl -sf "$ECI_ADMIN_URL/ledger" | jq '[.creates[] | select(.Code == "OperationDenied.NoStock")] | length')
check "the bridge retried after each NoStock ($creates refused creates)" test "$creates" -ge 3

# the pod stays Pending with the reason while there is no stock
faults '{"rules":["CreateContainerGroup:OperationDenied.NoStock:1"]}'
run_pod waiting 'sleep 3600'
w_nostock() { [ "$(reason_of waiting)" = NoStock ] && [ "$(kx get pod waiting -o jsonpath='{.status.phase}')" = Pending ]; }
check "without stock the pod stays Pending with reason NoStock" wait_for 60 w_nostock
faults '{"clear":true}'
check "it runs once there is stock again" wait_running waiting 180

# fail-fast: Failed at the first NoStock
fail_fast_pod() { # fail_fast_pod NAME ANNOTATIONS: a pod whose create is answered NoStock once
    faults '{"rules":["CreateContainerGroup:OperationDenied.NoStock:1"]}'
    kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS, annotations: {$2}}
spec:
  nodeName: $NODE
  restartPolicy: Never
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers: [{name: main, image: busybox, command: [sh, -c, 'sleep 3600']}]
YAML
}
failed_nostock() { [ "$(kx get pod "$1" -o jsonpath='{.status.phase}/{.status.reason}')" = Failed/NoStock ]; }
fail_fast_pod fast 'k8s.aliyun.com/eci-fail-strategy: fail-fast'
check "eci-fail-strategy: fail-fast fails the pod at the first NoStock" wait_for 60 failed_nostock fast
faults '{"clear":true}'

# ACK's older pod-fail-on-create-err does the same; an unknown k8s.aliyun.com/
# annotation (not only eci-*) is reported on the pod
fail_fast_pod fast-old 'k8s.aliyun.com/pod-fail-on-create-err: "true", k8s.aliyun.com/eip-internet-charge-type: PayByTraffic'
check "pod-fail-on-create-err: true fails the pod at the first NoStock" wait_for 60 failed_nostock fast-old
unsupported_old() { [ "$(ev_count fast-old UnsupportedAnnotation)" -ge 1 ]; }
check "k8s.aliyun.com/eip-internet-charge-type is reported as UnsupportedAnnotation" wait_for 60 unsupported_old
faults '{"clear":true}'

# spot fallback: no spot stock → pay-as-you-go
faults '{"rules":[{"action":"CreateContainerGroup","code":"OperationDenied.NoStock","count":1}]}'
kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: spot
  namespace: $NS
  annotations: {k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo, k8s.aliyun.com/eci-spot-fallback: "true"}
spec:
  nodeName: $NODE
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers: [{name: main, image: busybox, command: [sh, -c, 'sleep 3600']}]
YAML
check "a spot pod with eci-spot-fallback runs after a NoStock" wait_running spot 180
spot_ev() { [ "$(ev_count spot SpotFallback)" -ge 1 ]; }
check "a SpotFallback Event says it runs pay-as-you-go" wait_for 60 spot_ev
last=$(curl -sf "$ECI_ADMIN_URL/ledger" | jq -r '[.creates[] | select(.Code == "OK")] | last | .ContainerGroupId')
strategy=$(curl -sf "$ECI_ADMIN_URL/groups/$last" | jq -r '.SpotStrategy // .Settings.SpotStrategy // "absent"')
check "the group was created NoSpot ($strategy)" test "$strategy" = NoSpot

# ---- missing ConfigMaps and Secrets
env_pod() { # env_pod NAME CONTAINER-FIELDS (one flow mapping's inside)
    kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS}
spec:
  nodeName: $NODE
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers: [{name: main, image: busybox, command: [sh, -c, 'sleep 3600'], $2}]
YAML
}
env_pod needs-cm 'envFrom: [{configMapRef: {name: late-cm}}]'
env_pod needs-secret 'env: [{name: PW, valueFrom: {secretKeyRef: {name: late-secret, key: pw}}}]'
env_pod optional-refs 'env: [{name: A, valueFrom: {configMapKeyRef: {name: no-cm, key: a, optional: true}}},
    {name: B, valueFrom: {secretKeyRef: {name: no-secret, key: b, optional: true}}}]'
for pr in needs-cm:MandatoryConfigMapNotFound needs-secret:MandatorySecretNotFound \
    optional-refs:OptionalConfigMapNotFound optional-refs:OptionalSecretNotFound; do
    p=${pr%%:*} r=${pr#*:}
    has_ev() { [ "$(ev_count "$p" "$r")" -ge 1 ]; }
    check "Warning Event $r on $p" wait_for 60 has_ev
done
check "a pod with only optional references missing runs" wait_running optional-refs 120
wait_cfg() { [ "$(kx get pod needs-cm -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')" = CreateContainerConfigError ]; }
check "the pod waiting for a ConfigMap shows CreateContainerConfigError" wait_for 60 wait_cfg
# the ConfigMap's watch, not a retry after a backoff, queues the pod (the bridge logs it)
kx create configmap late-cm --from-literal=x=1 >/dev/null
cm_watched() { grep -q "configmaps $NS/late-cm appeared: [1-9][0-9]* waiting pod" "$BRIDGE_LOG"; }
if wait_for 60 cm_watched; then ok "the ConfigMap's watch queues the pod waiting for it"
else not_ok "the ConfigMap's watch queues the pod waiting for it" "$(grep -i objwatch "$BRIDGE_LOG" | tail -5)"; fi
check "the pod waiting for a ConfigMap runs once it exists" wait_running needs-cm 120
kx create secret generic late-secret --from-literal=pw=x >/dev/null
check "the pod waiting for a Secret runs once it exists" wait_running needs-secret 60

# ---- graceful deletion: a process that ignores SIGTERM, grace 4 s
marker="stubborn-$NS"
kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: stubborn, namespace: $NS}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 4
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers: [{name: main, image: busybox, command: [sh, -c, "trap '' TERM; while :; do sleep 0.2; done; : $marker"]}]
YAML
check "the SIGTERM-ignoring pod runs" wait_running stubborn 120
running_proc() { pgrep -f "$1" >/dev/null; }
check "its process runs" wait_for 30 running_proc "$marker"
t=$(date +%s.%N)
kx delete pod stubborn --wait=false >/dev/null
gone() { ! kx get pod "$1" >/dev/null 2>&1; }
if wait_for 120 gone stubborn; then
    el=$(echo "$(date +%s.%N) - $t" | bc)
    check "the pod stayed Terminating for at least its 4 s grace period ($el s)" test "$(echo "$el >= 4" | bc)" = 1
    if running_proc "$marker"; then not_ok "the pod was gone only after its process stopped" "$(pgrep -af "$marker")"
    else ok "the pod was gone only after its process stopped"; fi
else
    not_ok "the Terminating pod is deleted after its grace period" "$(kx get pod stubborn -o yaml | tail -20)"
fi

# While the group stops, the pod's container statuses follow ECI: a container
# that ends on SIGTERM shows terminated (exit 143) while the pod is still
# Terminating for its other container, which ignores SIGTERM for 15 s.
marker2="pair-$NS"
kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: pair, namespace: $NS}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 15
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - {name: stubborn, image: busybox, command: [sh, -c, "trap '' TERM; while :; do sleep 0.2; done; : $marker2"]}
  - {name: quick, image: busybox, command: [sh, -c, "sleep 3600"]}
YAML
check "a pod with a SIGTERM-ignoring and a prompt container runs" wait_running pair 120
check "its SIGTERM-ignoring process runs" wait_for 30 running_proc "$marker2"
kx delete pod pair --wait=false >/dev/null
quick_state() { kx get pod pair -o jsonpath='{.metadata.deletionTimestamp}|{.status.containerStatuses[?(@.name=="quick")].state.terminated.exitCode}|{.status.containerStatuses[?(@.name=="stubborn")].state.running.startedAt}'; }
quick_done() { [[ "$(quick_state)" =~ ^[^|]+\|143\|.+ ]]; }
if wait_for 60 quick_done; then
    ok "while Terminating, the prompt container shows terminated with exit code 143 and the other running ($(quick_state))"
else
    not_ok "while Terminating, the prompt container shows terminated with exit code 143 and the other running" \
        "$(quick_state)" "$(kx get pod pair -o jsonpath='{.status.containerStatuses}' 2>&1)"
fi
check "the pod is gone once its group stopped" wait_for 120 gone pair

# A pod whose process ends promptly on SIGTERM is gone as soon as ECI
# stopped its group, long before its 600 s grace period ran out (the other
# path, the bridge's timer, takes at least 600 s).
GRACE=600 run_pod prompt 'sleep 3600'
check "a pod that ends on SIGTERM runs" wait_running prompt 120
t=$SECONDS
kx delete pod prompt --wait=false >/dev/null
if wait_for 300 gone prompt; then ok "it is gone $((SECONDS - t)) s after the delete, before its 600 s grace period ran out"
else not_ok "it is gone before its 600 s grace period ran out" "$(kx get pod prompt -o yaml 2>&1 | tail -30)"; fi
killing() { kx get events --field-selector involvedObject.name=prompt,reason=Killing -o jsonpath='{.items[*].message}' | grep -qx 'Stopping container main'; }
check "a Normal Event Killing says \"Stopping container main\", as the kubelet's" wait_for 60 killing

# a force delete removes the group at once
run_pod forced 'sleep 3600'
check "a pod to force-delete runs" wait_running forced 120
gid=$(kx get pod forced -o jsonpath='{.status.containerStatuses[0].containerID}' | sed 's|eci://||; s|/.*||')
kx delete pod forced --grace-period=0 --force >/dev/null 2>&1
group_gone() { ! curl -sf "$ECI_ADMIN_URL/groups/$gid" >/dev/null; }
check "--grace-period=0 --force deletes the container group ($gid)" wait_for 60 group_gone

no_sanitizer_reports
finish
