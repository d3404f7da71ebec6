#!/usr/bin/env bash
# The bridge end to end with kubectl: the virtual node, a pod's whole life,
# pods ECI cannot run, restart policies.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-pods-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
test_namespace pods
NS=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"

# ---- the node
check "node registers and is Ready" wait_for 60 sh -c \
    "'$KUBECTL' --kubeconfig '$KUBECONFIG' get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
labels=$(kubectl_ get node "$NODE" -o jsonpath='{.metadata.labels}')
check "node has the virtual-kubelet labels" grep -q '"type":"virtual-kubelet"' <<<"$labels"
taint=$(kubectl_ get node "$NODE" -o jsonpath='{.spec.taints[0].key}={.spec.taints[0].value}:{.spec.taints[0].effect}')
check "node carries the provider taint" test "$taint" = "virtual-kubelet.io/provider=alibabacloud:NoSchedule"
lease_renew_time() { kubectl_ get lease -n kube-node-lease "$NODE" -o jsonpath='{.spec.renewTime}'; }
lease_exists() { test -n "$(lease_renew_time)"; }
wait_for 60 lease_exists
r1=$(lease_renew_time)
lease_renewed() { r2=$(lease_renew_time); test -n "$r1" -a -n "$r2" -a "$r1" != "$r2"; }
check "node Lease renews" wait_for 60 lease_renewed

# ---- a pod with an init container, env from a ConfigMap, a Secret and
# fieldRef, and a configMap volume
pod_yaml() { # NAME RESTARTPOLICY COMMAND
    cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS}
spec:
  restartPolicy: $2
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "$3"]
EOF
}

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: $NS}
data: {greeting: hello-from-configmap, app.conf: "setting=42"}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: $NS}
stringData: {token: s3cr3t-value}
---
apiVersion: v1
kind: Pod
metadata: {name: demo, namespace: $NS}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  initContainers:
  - name: init
    image: busybox
    command: ["sh", "-c", "echo init-ran"]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo GREETING=\$GREETING; echo TOKEN=\$TOKEN; echo POD=\$POD_NAME; cat /etc/app/app.conf; echo; sleep 3600"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: TOKEN, valueFrom: {secretKeyRef: {name: app-secret, key: token}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts: [{name: conf, mountPath: /etc/app}]
  volumes:
  - name: conf
    configMap: {name: app-config}
EOF
start=$SECONDS
running() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = Running; }
# How fast pods start is measured by the benchmarks (tests/bench, docs/benchmarks.md).
if wait_for 120 running demo; then
    ok "pod with init container, env and configMap volume is Running ($((SECONDS - start)) s after kubectl apply)"
else
    not_ok "pod with init container, env and configMap volume is Running" "$(kubectl_ get pod -n "$NS" demo -o wide 2>&1)"
fi
logs_have() { logs=$(kubectl_ logs -n "$NS" demo 2>&1) && grep -q 'setting=42' <<<"$logs"; }
wait_for 60 logs_have
check "logs show env from the ConfigMap" grep -q 'GREETING=hello-from-configmap' <<<"$logs"
check "logs show env from the Secret" grep -q 'TOKEN=s3cr3t-value' <<<"$logs"
check "logs show env from fieldRef" grep -q "POD=demo" <<<"$logs"
check "logs show the mounted ConfigMap file" grep -q 'setting=42' <<<"$logs"
ip=$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.podIP}')
check "pod has a podIP ($ip)" test -n "$ip"
# (events are written by the recorder's own thread, after the status)
described() { kubectl_ describe pod -n "$NS" demo | grep -q 'Started'; }
check "kubectl describe pod shows Events" wait_for 60 described
init_state=$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.initContainerStatuses[0].state.terminated.reason}')
check "init container terminated Completed" test "$init_state" = Completed
check "secret value is not in the bridge log" sh -c "! grep -q s3cr3t-value '$BRIDGE_LOG'"

# ---- restartPolicy Never
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml ok-pod Never 'echo done; exit 0')"
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml bad-pod Never 'echo failing; exit 3')"
phase_is() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = "$2"; }
check "restartPolicy Never, exit 0 -> Succeeded" wait_for 120 phase_is ok-pod Succeeded
check "restartPolicy Never, exit 3 -> Failed" wait_for 120 phase_is bad-pod Failed
code=$(kubectl_ get pod -n "$NS" bad-pod -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')
check "exit code 3 reported" test "$code" = 3

# ---- activeDeadlineSeconds
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml deadline Never 'sleep 3600' | sed 's/^  restartPolicy: Never/  restartPolicy: Never\n  activeDeadlineSeconds: 4/')"
check "activeDeadlineSeconds: the pod fails when it passes" wait_for 120 phase_is deadline Failed
reason=$(kubectl_ get pod -n "$NS" deadline -o jsonpath='{.status.reason}')
check "with reason DeadlineExceeded ($reason)" test "$reason" = DeadlineExceeded

# ---- pods ECI cannot run (hostPath), and an injected NoStock
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hostpath, namespace: $NS}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - {name: c, image: busybox, command: ["sleep", "3600"], volumeMounts: [{name: h, mountPath: /h}]}
  volumes:
  - {name: h, hostPath: {path: /var/log}}
EOF
check "hostPath pod ends Failed" wait_for 120 phase_is hostpath Failed
msg=$(kubectl_ get pod -n "$NS" hostpath -o jsonpath='{.status.reason}: {.status.message}')
check "hostPath failure names the field ($msg)" grep -q 'hostPath' <<<"$msg"
warning_event() {
    kubectl_ get events -n "$NS" --field-selector "involvedObject.name=$1,type=Warning" -o name | grep -q .
}
check "hostPath failure has a Warning Event" wait_for 60 warning_event hostpath

curl -sf -X POST "$ECI_ADMIN_URL/faults" -d '{"rules":[{"action":"CreateContainerGroup","code":"OperationDenied.NoStock","count":1}]}' >/dev/null
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml nostock Always 'sleep 3600')"
# no capacity is transient: the pod waits Pending and the create is retried
check "a pod answered NoStock once runs after a retry" wait_for 120 phase_is nostock Running
nostock_event() {
    kubectl_ get events -n "$NS" --field-selector "involvedObject.name=nostock,type=Warning,reason=NoStock" -o name | grep -q .
}
check "NoStock has a Warning Event" wait_for 60 nostock_event
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml after Always 'sleep 3600')"
check "other pods are unaffected" wait_for 120 phase_is after Running
check "the first pod is still Running" phase_is demo Running

# ---- a group that vanishes outside Kubernetes fails its pod
gid=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg n "$NS-after" '.groups[] | select(.ContainerGroupName == $n) | .ContainerGroupId')
curl -sf -X DELETE "$ECI_ADMIN_URL/groups/$gid" >/dev/null
check "pod whose group vanished becomes Failed" wait_for 120 phase_is after Failed
reason=$(kubectl_ get pod -n "$NS" after -o jsonpath='{.status.reason}')
check "with reason ContainerGroupNotFound" test "$reason" = ContainerGroupNotFound

# ---- a running pod's image change goes through UpdateContainerGroup
updates=$(ledger_count UpdateContainerGroup)
kubectl_ set image -n "$NS" pod/demo app=busybox:1.36 >/dev/null
updated() { test "$(ledger_count UpdateContainerGroup)" -gt "$updates"; }
check "image change of a running pod calls UpdateContainerGroup" wait_for 60 updated
updated_event() {
    kubectl_ get events -n "$NS" --field-selector involvedObject.name=demo,reason=ContainerGroupUpdated -o name | grep -q .
}
check "and records a ContainerGroupUpdated Event" wait_for 60 updated_event
img_is() { test "$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.containerStatuses[0].image}')" = busybox:1.36; }
check "the pod status reports the new image" wait_for 60 img_is

# ---- deletion removes the container group and the pod
before=$(emulator_groups)
kubectl_ delete pod -n "$NS" demo --wait=false >/dev/null 2>&1
pod_gone() { ! kubectl_ get pod -n "$NS" demo >/dev/null 2>&1; }
check "deleted pod is gone" wait_for 120 pod_gone
fewer_groups() { after=$(emulator_groups); test "$after" -lt "$before"; }
check "its container group is deleted" wait_for 60 fewer_groups

# ---- SIGTERM stops the bridge and leaves container groups running
groups=$(emulator_groups)
stop_pid "$BRIDGE_PID" 20
check "bridge exits on SIGTERM" sh -c "! kill -0 $BRIDGE_PID 2>/dev/null"
check "container groups keep running after the bridge stops" test "$(emulator_groups)" = "$groups"
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer \"$BRIDGE_LOG\""
finish
