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
check "node registers and is Ready" wait_for 20 sh -c \
    "'$KUBECTL' --kubeconfig '$KUBECONFIG' get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
labels=$(kubectl_ get node "$NODE" -o jsonpath='{.metadata.labels}')
check "node has the virtual-kubelet labels" grep -q '"type":"virtual-kubelet"' <<<"$labels"
taint=$(kubectl_ get node "$NODE" -o jsonpath='{.spec.taints[0].key}={.spec.taints[0].value}:{.spec.taints[0].effect}')
check "node carries the provider taint" test "$taint" = "virtual-kubelet.io/provider=alibabacloud:NoSchedule"
r1=$(kubectl_ get lease -n kube-node-lease "$NODE" -o jsonpath='{.spec.renewTime}')
sleep 11
r2=$(kubectl_ get lease -n kube-node-lease "$NODE" -o jsonpath='{.spec.renewTime}')
check "node Lease renews (${r1} -> ${r2})" test -n "$r1" -a "$r1" != "$r2"

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
# The 5 s count from the scheduler's binding: before it the pod is not the
# node's (a loaded machine can delay the scheduler by seconds).
bound() { test -n "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.spec.nodeName}')"; }
wait_for 60 bound demo
diag "scheduled $((SECONDS - start)) s after kubectl apply"
start=$SECONDS
running() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = Running; }
if wait_for 5 running demo; then
    ok "pod with init container, env and configMap volume is Running within 5 s of binding ($((SECONDS - start)) s)"
else
    not_ok "pod Running within 5 s" "$(kubectl_ get pod -n "$NS" demo -o wide 2>&1)"
    wait_for 30 running demo
fi
logs=$(kubectl_ logs -n "$NS" demo 2>&1)
check "logs show env from the ConfigMap" grep -q 'GREETING=hello-from-configmap' <<<"$logs"
check "logs show env from the Secret" grep -q 'TOKEN=s3cr3t-value' <<<"$logs"
check "logs show env from fieldRef" grep -q "POD=demo" <<<"$logs"
check "logs show the mounted ConfigMap file" grep -q 'setting=42' <<<"$logs"
ip=$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.podIP}')
check "pod has a podIP ($ip)" test -n "$ip"
desc=$(kubectl_ describe pod -n "$NS" demo)
check "kubectl describe pod shows Events" grep -q 'ContainerGroupCreated' <<<"$desc"
init_state=$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.initContainerStatuses[0].state.terminated.reason}')
check "init container terminated Completed" test "$init_state" = Completed
check "secret value is not in the bridge log" sh -c "! grep -q s3cr3t-value '$BRIDGE_LOG'"

# ---- restartPolicy Never
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml ok-pod Never 'echo done; exit 0')"
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml bad-pod Never 'echo failing; exit 3')"
phase_is() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = "$2"; }
check "restartPolicy Never, exit 0 -> Succeeded" wait_for 30 phase_is ok-pod Succeeded
check "restartPolicy Never, exit 3 -> Failed" wait_for 30 phase_is bad-pod Failed
code=$(kubectl_ get pod -n "$NS" bad-pod -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')
check "exit code 3 reported" test "$code" = 3

# ---- activeDeadlineSeconds
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml deadline Never 'sleep 3600' | sed 's/^  restartPolicy: Never/  restartPolicy: Never\n  activeDeadlineSeconds: 4/')"
check "activeDeadlineSeconds: the pod fails when it passes" wait_for 40 phase_is deadline Failed
reason=$(kubectl_ get pod -n "$NS" deadline -o jsonpath='{.status.reason}')
check "with reason DeadlineExceeded ($reason)" test "$reason" = DeadlineExceeded

# ---- pods ECI cannot run: hostPath, and an injected NoStock
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
check "hostPath pod ends Failed" wait_for 20 phase_is hostpath Failed
msg=$(kubectl_ get pod -n "$NS" hostpath -o jsonpath='{.status.reason}: {.status.message}')
check "hostPath failure names the field ($msg)" grep -q 'hostPath' <<<"$msg"
ev=$(kubectl_ get events -n "$NS" --field-selector involvedObject.name=hostpath -o jsonpath='{.items[*].type}')
check "hostPath failure has a Warning Event" grep -q Warning <<<"$ev"

curl -sf -X POST "$ECI_ADMIN_URL/faults" -d '{"rules":[{"action":"CreateContainerGroup","code":"OperationDenied.NoStock","count":1}]}' >/dev/null
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml nostock Always 'sleep 3600')"
check "NoStock pod ends Failed" wait_for 20 phase_is nostock Failed
msg=$(kubectl_ get pod -n "$NS" nostock -o jsonpath='{.status.reason}: {.status.message}')
check "NoStock failure is explained ($msg)" grep -q 'NoStock' <<<"$msg"
ev=$(kubectl_ get events -n "$NS" --field-selector involvedObject.name=nostock,type=Warning -o name)
check "NoStock failure has a Warning Event" test -n "$ev"
kubectl_ apply -f - >/dev/null <<<"$(pod_yaml after Always 'sleep 3600')"
check "other pods are unaffected" wait_for 20 phase_is after Running
check "the first pod is still Running" phase_is demo Running

# ---- a group that vanishes outside Kubernetes fails its pod
gid=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg n "$NS-after" '.groups[] | select(.ContainerGroupName == $n) | .ContainerGroupId')
curl -sf -X DELETE "$ECI_ADMIN_URL/groups/$gid" >/dev/null
check "pod whose group vanished becomes Failed" wait_for 90 phase_is after Failed
reason=$(kubectl_ get pod -n "$NS" after -o jsonpath='{.status.reason}')
check "with reason ContainerGroupNotFound" test "$reason" = ContainerGroupNotFound

# ---- a running pod's image change goes through UpdateContainerGroup
updates=$(ledger_count UpdateContainerGroup)
kubectl_ set image -n "$NS" pod/demo app=busybox:1.36 >/dev/null
updated() { test "$(ledger_count UpdateContainerGroup)" -gt "$updates"; }
check "image change of a running pod calls UpdateContainerGroup" wait_for 20 updated
ev=$(kubectl_ get events -n "$NS" --field-selector involvedObject.name=demo,reason=ContainerGroupUpdated -o name)
check "and records a ContainerGroupUpdated Event" test -n "$ev"
img_is() { test "$(kubectl_ get pod -n "$NS" demo -o jsonpath='{.status.containerStatuses[0].image}')" = busybox:1.36; }
check "the pod status reports the new image" wait_for 30 img_is

# ---- deletion removes the container group and the pod
before=$(emulator_groups)
kubectl_ delete pod -n "$NS" demo --wait=true --timeout=30s >/dev/null 2>&1
check "deleted pod is gone" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get pod -n $NS demo >/dev/null 2>&1"
after=$(emulator_groups)
check "its container group is deleted ($before -> $after)" test "$after" -lt "$before"

# ---- SIGTERM stops the bridge and leaves container groups running
groups=$(emulator_groups)
stop_pid "$BRIDGE_PID" 20
check "bridge exits on SIGTERM" sh -c "! kill -0 $BRIDGE_PID 2>/dev/null"
check "container groups keep running after the bridge stops" test "$(emulator_groups)" = "$groups"
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer \"$BRIDGE_LOG\""
finish
