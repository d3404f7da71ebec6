#!/usr/bin/env bash
# The bridge with exactly the RBAC of deploy/ (ServiceAccount, ClusterRole,
# Role and bindings from the rendered production overlay), through the
# in-cluster configuration: a `kubectl create token` service-account token,
# the cluster CA, KUBERNETES_SERVICE_HOST/PORT, the files under
# ECI_KUBELET_INCLUSTER_DIR, and the rendered config.yaml. The service
# account may do almost nothing itself: it requests a client certificate for
# system:node:<node name> (a CertificateSigningRequest that
# kube-controller-manager approves and signs), and the bridge acts as that
# node. A pod's whole life works (node Ready, Running, logs, exec, delete ->
# group gone) and the API server never answers "forbidden".
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
NS=eci-kubelet
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

if deploy_incluster "$LIB_TMP"; then
    ok "apply the ServiceAccount, ClusterRole, Role and bindings from deploy/; a token for the ServiceAccount"
else
    not_ok "apply the ServiceAccount, ClusterRole, Role and bindings from deploy/; a token for the ServiceAccount"
fi
SAU=system:serviceaccount:$NS:eci-kubelet
cannot() { test "$(kc auth can-i "$@" --as "$SAU" 2>/dev/null)" = no; }
check "the ServiceAccount cannot create pods" cannot create pods -n default
check "the ServiceAccount cannot read Secrets anywhere" cannot get secrets --all-namespaces
check "the ServiceAccount cannot create service-account tokens" cannot create serviceaccounts/token -n kube-system
check "the ServiceAccount cannot patch Nodes" cannot patch nodes
check "the ServiceAccount cannot update Leases in kube-system" cannot update leases -n kube-system
check "the ServiceAccount cannot approve CSRs" cannot update certificatesigningrequests/approval
check "the ServiceAccount may request node client certificates" \
    test "$(kc auth can-i create certificatesigningrequests/nodeclient --as "$SAU")" = yes

start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-rbac-$$
# The rendered config with the test's placement, ports and certificates;
# leader election on, in the bridge's namespace (the Role of deploy/).
if ! start_bridge_incluster "$LIB_TMP" "$NODE"; then
    not_ok "bridge starts in-cluster" "$(tail -n 30 "$BRIDGE_LOG")"
    finish
fi
LOG=$BRIDGE_LOG
BPID=$BRIDGE_PID
ok "bridge starts with the in-cluster configuration"
check "it runs without a kubeconfig (in-cluster)" grep -q 'kubernetes.kubeconfig=""' "$LOG"
check "it acts as system:node:$NODE with a certificate from the CSR API" grep -q "acting as system:node:$NODE" "$LOG"
csrs=$(kc get csr -o json | jq -r --arg u "$SAU" '[.items[] | select(.spec.username == $u)
    | [.spec.signerName, (.status.conditions // [] | map(.type) | join("+")), (.status.certificate != null)] | join(" ")]
    | join(", ")')
check "its CSR was signed by kube-apiserver-client-kubelet after auto-approval ($csrs)" \
    grep -q '^kubernetes.io/kube-apiserver-client-kubelet Approved true' <<<"$csrs"
holder=$(kc get lease -n "$NS" "eci-kubelet-$NODE" -o jsonpath='{.spec.holderIdentity}' 2>&1)
check "it holds the election Lease in $NS ($holder)" test -n "$holder"

node_ready() { kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
check "node registers and is Ready" wait_for 60 node_ready

test_namespace rbac
TNS=$TEST_NS
kc apply -f - >/dev/null <<EOF2
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: $TNS}
data: {greeting: hello-rbac}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, namespace: $TNS}
stringData: {token: rbac-secret-value}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: $TNS}
spec:
  nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo GREETING=\$GREETING; echo TOKEN=\$TOKEN; sleep 3600"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: cfg, key: greeting}}}
    - {name: TOKEN, valueFrom: {secretKeyRef: {name: sec, key: token}}}
    volumeMounts: [{name: conf, mountPath: /etc/app}, {name: tok, mountPath: /var/run/tok}]
  volumes:
  - {name: conf, configMap: {name: cfg}}
  - name: tok
    projected: {sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]}
EOF2
running() { test "$(kc get pod -n "$TNS" app -o jsonpath='{.status.phase}')" = Running; }
check "pod is Running" wait_for 60 running
check_output "kubectl logs" 'GREETING=hello-rbac' kc logs -n "$TNS" app
check_output "kubectl exec" 'exec-works' kc exec -n "$TNS" app -- echo exec-works
check_output "a projected service-account token (TokenRequest) reaches the pod" '^[1-9][0-9]*$' \
    kc exec -n "$TNS" app -- sh -c 'wc -c < /var/run/tok/token'
# ECI's Started event, relayed by the bridge with the node's own credentials
started_event() {
    kc get events -n "$TNS" --field-selector involvedObject.name=app,reason=Started -o name | grep -q .
}
check "pod events recorded by the node (Started)" wait_for 60 started_event
before=$(emulator_groups)
kc delete pod -n "$TNS" app --wait=true --timeout=60s >/dev/null 2>&1
check "deleted pod is gone" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get pod -n $TNS app >/dev/null 2>&1"
no_groups() { test "$(emulator_groups)" -eq 0; }
check "its container group is deleted ($before -> 0)" wait_for 120 no_groups

stop_pid "$BPID" 20
if grep -qi 'forbidden' "$LOG"; then
    not_ok "nothing in the bridge log says forbidden" "$(grep -i forbidden "$LOG" | head -5)"
else
    ok "nothing in the bridge log says forbidden"
fi
check "the bridge released the Lease on SIGTERM" \
    test -z "$(kc get lease -n "$NS" "eci-kubelet-$NODE" -o jsonpath='{.spec.holderIdentity}')"
check "secret values are not in the bridge log" sh -c "! grep -q rbac-secret-value '$LOG'"
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$LOG'"
finish
