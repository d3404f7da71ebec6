#!/usr/bin/env bash
# The test control plane is real and complete: apiserver, etcd, controller
# manager (deployment, replicaset, service account token controllers),
# scheduler, TokenRequest, Node/RBAC authorization, apiserver restart, etcd
# compaction.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_cluster

CLUSTER=cluster_sh

check_output "apiserver /readyz is ok" '^ok$' kubectl_ get --raw /readyz
check_output "apiserver reports v1.33" '"gitVersion": *"v1\.33\.' kubectl_ get --raw /version
check_output "controller-manager /healthz" '^ok$' \
    curl -skf --max-time 60 "https://127.0.0.1:$ECI_CLUSTER_CONTROLLER_MANAGER_PORT/healthz"
check_output "scheduler /healthz" '^ok$' \
    curl -skf --max-time 60 "https://127.0.0.1:$ECI_CLUSTER_SCHEDULER_PORT/healthz"

test_namespace c01
ns=$TEST_NS

# The service account controller and the root CA publisher run.
if wait_for 30 kubectl_ -n "$ns" get serviceaccount default; then
    ok "default service account created in a new namespace"
else
    not_ok "default service account created in a new namespace"
fi
if wait_for 30 kubectl_ -n "$ns" get configmap kube-root-ca.crt; then
    ok "kube-root-ca.crt published"
else
    not_ok "kube-root-ca.crt published"
fi

check_output "TokenRequest issues a token" '^eyJ' kubectl_ -n "$ns" create token default --duration=10m
tok=$(kubectl_ -n "$ns" create token default --audience=https://kubernetes.default.svc.cluster.local 2>/dev/null)
# The token is a secret: it goes to curl on stdin (a header file), never on a command line or into output.
whoami_token() {
    printf 'Authorization: Bearer %s\n' "$tok" | curl -sf --max-time 60 --cacert "$ECI_CLUSTER_CA" -H @- \
        -H 'Content-Type: application/json' -X POST \
        -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
        "$ECI_CLUSTER_APISERVER/apis/authentication.k8s.io/v1/selfsubjectreviews"
}
check_output "the issued token authenticates as the service account" \
    "\"username\": *\"system:serviceaccount:$ns:default\"" whoami_token

check "a Deployment can be created" \
    kubectl_ -n "$ns" create deployment web --image=registry.example/nginx:1 --replicas=2
rs_made() { [ -n "$(kubectl_ -n "$ns" get replicasets -l app=web -o name)" ]; }
if wait_for 30 rs_made; then ok "the deployment controller creates a ReplicaSet"
else not_ok "the deployment controller creates a ReplicaSet" "$(kubectl_ -n "$ns" get deploy,rs -o wide 2>&1)"; fi
two_pods() { [ "$(kubectl_ -n "$ns" get pods -l app=web -o name | wc -l)" -eq 2 ]; }
if wait_for 30 two_pods; then ok "the replicaset controller creates the pods"
else not_ok "the replicaset controller creates the pods" "$(kubectl_ -n "$ns" get pods 2>&1)"; fi

# Without a node, the scheduler reports the pods unschedulable.
unschedulable() {
    kubectl_ -n "$ns" get pods -l app=web \
        -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="PodScheduled")].reason}{"\n"}{end}' |
        grep -q Unschedulable
}
if wait_for 30 unschedulable; then ok "the scheduler marks pods Unschedulable when there is no node"
else not_ok "the scheduler marks pods Unschedulable when there is no node" "$(kubectl_ -n "$ns" get pods -o yaml 2>&1 | tail -20)"; fi

# A pod bound to a node that has no kubelet is never run: it stays Pending
# until the controller manager's pod garbage collector deletes it as
# orphaned (its node does not exist; 40 s of quarantine), sampled until then.
check "a pod bound to a nonexistent node is accepted" kubectl_ -n "$ns" apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: bound}
spec:
  nodeName: no-such-node
  containers: [{name: c, image: registry.example/busybox:1}]
YAML
bound_phases=""
bound_gone() {
    local out
    out=$(kubectl_ -n "$ns" get pod bound --ignore-not-found -o jsonpath='{.status.phase}/{.status.conditions[?(@.type=="DisruptionTarget")].reason}') || return 1
    [ -z "$out" ] && return 0
    bound_phases+=" $out"
    return 1
}
if wait_for 180 bound_gone; then ok "the pod GC deletes the pod bound to a nonexistent node"
else not_ok "the pod GC deletes the pod bound to a nonexistent node" "$(kubectl_ -n "$ns" get pod bound -o yaml 2>&1 | tail -20)"; fi
# Pending throughout; Failed only as the pod GC's last step (DisruptionTarget DeletionByPodGC).
if [ -n "$bound_phases" ] && ! grep -Eqv '^(Pending/|Failed/DeletionByPodGC)$' <<<"$(tr ' ' '\n' <<<"${bound_phases# }")"; then
    ok "the bound pod stays Pending until then"
else not_ok "the bound pod stays Pending until then" "phases seen:$bound_phases"; fi

# Node authorization and NodeRestriction are on.
lib_tmpdir
nkc=$LIB_TMP/node.kubeconfig
if $CLUSTER node-kubeconfig vk-test "$nkc" >/dev/null 2>&1; then
    check_output "a node identity is system:node:NAME" '^system:node:vk-test$' \
        kubectl_ --kubeconfig "$nkc" auth whoami -o jsonpath='{.status.userInfo.username}'
    out=$(kubectl_ --kubeconfig "$nkc" -n "$ns" get secrets 2>&1)
    if grep -q Forbidden <<<"$out"; then ok "the Node authorizer limits a node"
    else not_ok "the Node authorizer limits a node" "$out"; fi
else
    not_ok "node-kubeconfig issues a node credential"
fi

# apiserver -> kubelet: a stand-in kubelet endpoint serving the kubelet serving
# certificate and requiring a client certificate from the cluster CA. The
# apiserver verifies the serving certificate (--kubelet-certificate-authority)
# and presents its kubelet client certificate, for pods/log (node at 127.0.0.1)
# and nodes/proxy (node at the host address: loopback is not proxied).
lib_tmpdir
cat > "$LIB_TMP/kubelet.py" <<'PY'
import http.server, ssl, sys
host, port, cert, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        peer = self.connection.getpeercert()
        cn = [v for rdn in peer["subject"] for (k, v) in rdn if k == "commonName"][0]
        body = ("client=%s path=%s\n" % (cn, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.ThreadingHTTPServer((host, port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY
kubelet_node() {  # NAME IP PORT: a Node whose kubelet endpoint is IP:PORT
    kubectl_ create -f - >/dev/null <<YAML || return 1
apiVersion: v1
kind: Node
metadata: {name: $1}
YAML
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$1' --wait=false"
    kubectl_ patch node "$1" --subresource=status --type=merge -p \
        "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$2\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$3}}}}" >/dev/null
}
kport=$(free_port)
bg_start fake-kubelet "$LIB_TMP/kubelet.log" python3 "$LIB_TMP/kubelet.py" 127.0.0.1 "$kport" \
    "$ECI_CLUSTER_KUBELET_SERVING_CERT" "$ECI_CLUSTER_KUBELET_SERVING_KEY" "$ECI_CLUSTER_KUBELET_CLIENT_CA"
wait_for 60 grep -q ready "$LIB_TMP/kubelet.log"
kn=kl-$ns
kubelet_node "$kn" 127.0.0.1 "$kport"
kubectl_ -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: logged}
spec:
  nodeName: $kn
  containers: [{name: c, image: registry.example/busybox:1}]
YAML
check_output "pods/log reaches the kubelet with the apiserver's client certificate" \
    "^client=kube-apiserver-kubelet-client path=/containerLogs/$ns/logged/c" kubectl_ -n "$ns" logs logged
if [ -n "${ECI_CLUSTER_HOST_IP:-}" ]; then
    hport=$(free_port)
    bg_start fake-kubelet-host "$LIB_TMP/kubelet-host.log" python3 "$LIB_TMP/kubelet.py" "$ECI_CLUSTER_HOST_IP" "$hport" \
        "$ECI_CLUSTER_KUBELET_SERVING_CERT" "$ECI_CLUSTER_KUBELET_SERVING_KEY" "$ECI_CLUSTER_KUBELET_CLIENT_CA"
    wait_for 60 grep -q ready "$LIB_TMP/kubelet-host.log"
    kubelet_node "$kn-host" "$ECI_CLUSTER_HOST_IP" "$hport"
    check_output "nodes/proxy reaches a kubelet at the host address" \
        '^client=kube-apiserver-kubelet-client path=/stats/summary' \
        kubectl_ get --raw "/api/v1/nodes/$kn-host/proxy/stats/summary"
else
    skip "nodes/proxy reaches a kubelet at the host address" "no non-loopback address"
fi

# Garbage collection: deleting the deployment removes its ReplicaSet and pods.
kubectl_ -n "$ns" delete deployment web --wait=false >/dev/null 2>&1
gone() { [ -z "$(kubectl_ -n "$ns" get rs,pods -l app=web -o name)" ]; }
if wait_for 30 gone; then ok "the garbage collector removes dependents"
else not_ok "the garbage collector removes dependents" "$(kubectl_ -n "$ns" get rs,pods 2>&1)"; fi

# Etcd compaction: a watch resumed from an older resourceVersion gets 410 Gone.
rv=$(kubectl_ -n "$ns" create configmap w1 -o jsonpath='{.metadata.resourceVersion}')
kubectl_ -n "$ns" create configmap w2 >/dev/null
if $CLUSTER compact >/dev/null 2>&1; then
    out=$(timeout 120 "$KUBECTL" --kubeconfig "$KUBECONFIG" get --raw \
        "/api/v1/namespaces/$ns/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=2" 2>&1)
    if grep -q '"code":410' <<<"$out"; then ok "after compaction an old watch gets 410 Gone"
    else not_ok "after compaction an old watch gets 410 Gone" "$out"; fi
else
    not_ok "cluster.sh compact"
fi

# The apiserver restarts on the same port; a watch resumes from its resourceVersion.
rv=$(kubectl_ -n "$ns" create configmap r1 -o jsonpath='{.metadata.resourceVersion}')
if $CLUSTER restart-apiserver >/dev/null 2>&1; then
    ok "restart-apiserver"
    kubectl_ -n "$ns" create configmap r2 >/dev/null 2>&1
    out=$(timeout 120 "$KUBECTL" --kubeconfig "$KUBECONFIG" get --raw \
        "/api/v1/namespaces/$ns/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=2" 2>&1)
    if grep -q '"name":"r2"' <<<"$out"; then ok "a watch resumes after the restart"
    else not_ok "a watch resumes after the restart" "$out"; fi
else
    not_ok "restart-apiserver" "$($CLUSTER logs kube-apiserver 2>&1 | tail -20)"
fi
check_output "the apiserver is ready after the restart" '^ok$' kubectl_ get --raw /readyz

# metrics-server behind the aggregation layer (kubectl top).
ms_dir=$(bash "$ECI_REPO/tests/cluster/build-control-plane.sh" path | cut -d: -f3)
if [ -x "$ms_dir/metrics-server" ]; then
    check "cluster.sh metrics-server" $CLUSTER metrics-server
    check_output "metrics.k8s.io is served through the aggregator" '"kind":"NodeMetricsList"' \
        kubectl_ get --raw /apis/metrics.k8s.io/v1beta1/nodes
else
    skip "cluster.sh metrics-server" "metrics-server not built"
fi

finish
