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

# A namespace left terminating by an earlier suite must be gone first.
gone() { ! kc get namespace "$NS" >/dev/null 2>&1; }
wait_for 90 gone || diag "namespace $NS still present"

"$KUBECTL" kustomize "$ECI_REPO/deploy" > "$LIB_TMP/rendered.yaml"
SA=$LIB_TMP/sa
python3 - "$LIB_TMP/rendered.yaml" "$LIB_TMP" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
keep = ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
with open(sys.argv[2] + "/rbac.yaml", "w") as f:
    yaml.safe_dump_all([d for d in docs if d["kind"] in keep], f)
for d in docs:
    if d["kind"] == "ConfigMap":
        # The pod's service-account directory is $LIB_TMP/sa here.
        open(sys.argv[2] + "/config.yaml", "w").write(d["data"]["config.yaml"].replace(
            "/var/run/secrets/kubernetes.io/serviceaccount", sys.argv[2] + "/sa"))
PY
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete clusterrolebinding eci-kubelet --ignore-not-found"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete clusterrole eci-kubelet --ignore-not-found"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --wait=false"
check "apply the ServiceAccount, ClusterRole, Role and bindings from deploy/" kc apply -f "$LIB_TMP/rbac.yaml"
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

# The in-cluster files, as a pod would see them.
mkdir -p "$SA"
check "kubectl create token for the ServiceAccount" sh -c \
    "'$KUBECTL' --kubeconfig '$KUBECONFIG' create token eci-kubelet -n $NS --duration 1h > '$SA/token'"
cp "$ECI_CLUSTER_CA" "$SA/ca.crt"
printf '%s' "$NS" > "$SA/namespace"

start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-rbac-$$
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
PORT=$(free_port); HPORT=$(free_port)
LOG=$LIB_TMP/bridge.log
# The rendered config with the test's placement, ports and certificates;
# leader election on, in the bridge's namespace (the Role of deploy/).
env -u KUBECONFIG KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$ECI_CLUSTER_APISERVER_PORT" \
    ECI_KUBELET_INCLUSTER_DIR="$SA" \
    "$ECI_TEST_BIN/eci-kubelet" --config "$LIB_TMP/config.yaml" --node-name "$NODE" \
    --eci-endpoint "$ECI_ENDPOINT" --region cn-hangzhou --security-group sg-e2e --vswitch vsw-e2e \
    --node-ip 127.0.0.1 --hostname-address none --port "$PORT" --log-format text \
    --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
    --health-probe-bind-address "127.0.0.1:$HPORT" --cluster-dns 10.0.0.10 --pod-status-sync-period 2s > "$LOG" 2>&1 < /dev/null &
BPID=$!
on_exit "stop_pid $BPID 20"
if ! wait_for 120 curl -sf "http://127.0.0.1:$HPORT/readyz"; then
    not_ok "bridge starts in-cluster" "$(tail -n 30 "$LOG")"
    finish
fi
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
ev=$(kc get events -n "$TNS" --field-selector involvedObject.name=app -o jsonpath='{.items[*].reason}')
check "pod events recorded ($ev)" grep -q ContainerGroupCreated <<<"$ev"
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
