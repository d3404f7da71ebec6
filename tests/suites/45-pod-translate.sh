#!/usr/bin/env bash
# PodSpec -> ECI translation through kubectl: the service-account token and
# service variables in-pod, cluster DNS, $(VAR) expansion and downward-API files, waiting
# for a missing ConfigMap, resource rounding, annotations, startup probes,
# and an image update through UpdateContainerGroup.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
type start_bridge >/dev/null 2>&1 || { skip "pod translation e2e" "tests/lib.sh has no start_bridge"; finish; }
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-tr-$$
start_bridge "$NODE" --cluster-dns 10.0.0.10 || { not_ok "bridge starts"; finish; }
test_namespace tr
NS=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"

PLACE="nodeSelector: {kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]"
phase_is() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = "$2"; }
events_of() { kubectl_ get events -n "$NS" --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.type} {.reason}: {.message}{"\n"}{end}'; }
group_of() { # POD: the emulator's full view of the pod's container group
    local id
    id=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg n "$NS-$1" '.groups[] | select(.ContainerGroupName == $n) | .ContainerGroupId')
    [ -n "$id" ] && curl -sf "$ECI_ADMIN_URL/groups/$id"
}

# ---- in-pod view: token, CA, namespace, service variables, expansion, downward API
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: inpod, namespace: $NS, labels: {app: inpod, tier: fe}}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c"]
    args:
    - |
      echo "GREETING=\$(GREETING)"
      echo "NS=\$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)"
      echo "TOKEN_LEN=\$(wc -c < /var/run/secrets/kubernetes.io/serviceaccount/token)"
      grep -q 'BEGIN CERTIFICATE' /var/run/secrets/kubernetes.io/serviceaccount/ca.crt && echo CA=ok
      echo "K8S_HOST=\$KUBERNETES_SERVICE_HOST"
      echo "LABELS:"; cat /etc/podinfo/labels; echo
      echo "MEM_MI=\$MEM_MI"
      sleep 3600
    env:
    - {name: WHO, value: world}
    - {name: GREETING, value: "hello-\$(WHO)"}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    resources: {limits: {cpu: 300m, memory: 700Mi}}
    volumeMounts: [{name: podinfo, mountPath: /etc/podinfo}]
  volumes:
  - name: podinfo
    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
EOF
if ! wait_for 120 phase_is inpod Running; then
    not_ok "pod with the service-account volume runs" "$(kubectl_ get pod -n "$NS" inpod -o yaml 2>&1 | tail -30)"
fi
logs_has() { kubectl_ logs -n "$NS" inpod 2>/dev/null | grep -q "$1"; }
check "\$(VAR) expanded in env" wait_for 60 logs_has 'GREETING=hello-world'
logs=$(kubectl_ logs -n "$NS" inpod 2>&1)
check "service-account namespace file holds the namespace" grep -q "NS=$NS" <<<"$logs"
check "service-account token file is not empty" grep -Eq 'TOKEN_LEN=[1-9][0-9]+' <<<"$logs"
check "kube-root-ca.crt is mounted as ca.crt" grep -q 'CA=ok' <<<"$logs"
check "KUBERNETES_SERVICE_HOST is set" grep -Eq 'K8S_HOST=[0-9]' <<<"$logs"
check "downward API labels file (kubelet format)" grep -q 'tier="fe"' <<<"$logs"
check "resourceFieldRef limits.memory in Mi" grep -q 'MEM_MI=700' <<<"$logs"
g=$(group_of inpod)
check "group sized to the ECI spec 0.5 vCPU / 1 GiB ($(jq -c '[.Cpu,.Memory]' <<<"$g"))" \
    test "$(jq -r '[.Cpu,.Memory] | map(tostring) | join("/")' <<<"$g")" = "0.5/1"
check "ClusterFirst pods get the cluster DNS" test "$(jq -r '.DnsConfig.NameServers[0]' <<<"$g")" = 10.0.0.10
check "ResourcesRounded event" sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' get events -n $NS --field-selector involvedObject.name=inpod -o jsonpath='{.items[*].reason}' | grep -q ResourcesRounded"
check "the token is not in the bridge log" sh -c "! grep -q 'eyJhbGciOi' '$BRIDGE_LOG'"

# ---- a missing ConfigMap keeps the pod Pending until it exists
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: needs-cm, namespace: $NS}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo VALUE=\$VALUE; sleep 3600"]
    env: [{name: VALUE, valueFrom: {configMapKeyRef: {name: late, key: v}}}]
EOF
waiting_reason() { kubectl_ get pod -n "$NS" needs-cm -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'; }
is_cce() { test "$(waiting_reason)" = CreateContainerConfigError; }
check "missing ConfigMap: Pending with CreateContainerConfigError" wait_for 120 is_cce
check "... and still Pending" phase_is needs-cm Pending
kubectl_ create configmap -n "$NS" late --from-literal=v=arrived >/dev/null
check "once the ConfigMap exists the pod runs" wait_for 60 phase_is needs-cm Running
cm_log() { kubectl_ logs -n "$NS" needs-cm 2>/dev/null | grep -q 'VALUE=arrived'; }
check "with the ConfigMap's value" wait_for 60 cm_log

# ---- annotations
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: bad-annotation
  namespace: $NS
  annotations: {k8s.aliyun.com/eci-spot-strategy: Cheapest}
spec:
  $PLACE
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
EOF
check "invalid annotation: pod Failed" wait_for 120 phase_is bad-annotation Failed
msg=$(kubectl_ get pod -n "$NS" bad-annotation -o jsonpath='{.status.message}')
check "message names the annotation ($msg)" grep -q 'k8s.aliyun.com/eci-spot-strategy' <<<"$msg"

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: spot
  namespace: $NS
  annotations: {k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo, k8s.aliyun.com/eci-custom-tags: "team:payments"}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    startupProbe: {exec: {command: ["true"]}, periodSeconds: 1}
EOF
check "annotated pod runs" wait_for 120 phase_is spot Running
g=$(group_of spot)
check "SpotStrategy reaches ECI" test "$(jq -r '.SpotStrategy' <<<"$g")" = SpotAsPriceGo
check "custom tag reaches ECI" test "$(jq -r '[.Tags[] | select(.Key == "team") | .Value][0]' <<<"$g")" = payments
check "uid tag is exact" test "$(jq -r '[.Tags[] | select(.Key == "eci-kubelet/uid") | .Value][0]' <<<"$g")" = \
    "$(kubectl_ get pod -n "$NS" spot -o jsonpath='{.metadata.uid}')"
check "startupProbe reported as ignored" sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' get events -n $NS --field-selector involvedObject.name=spot -o jsonpath='{.items[*].reason}' | grep -q StartupProbeIgnored"

# ---- fields ECI cannot honour
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: privileged, namespace: $NS}
spec:
  $PLACE
  containers: [{name: app, image: busybox, command: ["sleep", "3600"], securityContext: {privileged: true}}]
EOF
check "privileged pod Failed" wait_for 120 phase_is privileged Failed
msg=$(kubectl_ get pod -n "$NS" privileged -o jsonpath='{.status.reason}: {.status.message}')
check "reason ProviderFailed naming the field ($msg)" grep -q '^ProviderFailed: spec.containers\[0\].securityContext.privileged' <<<"$msg"

# ---- image update -> UpdateContainerGroup
upd_before=$(ledger_count UpdateContainerGroup)
kubectl_ set image -n "$NS" pod/spot app=busybox:1.36 >/dev/null
upd_called() { test "$(ledger_count UpdateContainerGroup)" -gt "$upd_before"; }
check "image change calls UpdateContainerGroup" wait_for 60 upd_called
img_is() { test "$(group_of spot | jq -r '.Containers[0].Image')" = busybox:1.36; }
check "the group runs the new image" wait_for 60 img_is
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer \"$BRIDGE_LOG\""
finish
