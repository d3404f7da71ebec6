#!/usr/bin/env bash
# The deploy/ manifests: `kubectl kustomize deploy/` renders the production
# overlay, and the API server accepts every rendered object (server-side dry
# run) for the production and the local overlays.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
DEPLOY=$ECI_REPO/deploy
NS=eci-kubelet

check "kubectl kustomize deploy/ renders" sh -c "'$KUBECTL' kustomize '$DEPLOY' > '$LIB_TMP/prod.yaml'"
check "kubectl kustomize deploy/overlays/local renders" \
    sh -c "'$KUBECTL' kustomize '$DEPLOY/overlays/local' > '$LIB_TMP/local.yaml'"
cmp -s <("$KUBECTL" kustomize "$DEPLOY/overlays/production") "$LIB_TMP/prod.yaml" &&
    ok "deploy/ is the production overlay" || not_ok "deploy/ is the production overlay"

kinds() { python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d: print(d["kind"] + "/" + d["metadata"]["name"])' "$1" | sort | tr '\n' ' '; }
pk=$(kinds "$LIB_TMP/prod.yaml")
diag "production: $pk"
for k in Namespace/eci-kubelet ServiceAccount/eci-kubelet ClusterRole/eci-kubelet ClusterRoleBinding/eci-kubelet \
    Role/eci-kubelet-leader-election RoleBinding/eci-kubelet-leader-election Deployment/eci-kubelet; do
    check "production renders $k" grep -q "$k " <<<"$pk"
done
check "production renders the config ConfigMap" grep -q "ConfigMap/eci-kubelet-config-" <<<"$pk"
# The credentials are created before the first apply; an apply must never
# replace them with an empty template.
no_secret() { ! grep -q 'Secret/' <<<"$pk"; }
check "production renders no Secret (created out of band)" no_secret
lk=$(kinds "$LIB_TMP/local.yaml")
check "local renders the emulator Deployment" grep -q "Deployment/eci-emulator " <<<"$lk"
check "local renders the emulator Service" grep -q "Service/eci-emulator " <<<"$lk"
check "local renders the emulator's key pair Secret" grep -q "Secret/eci-kubelet-credentials " <<<"$lk"

# The Deployment: 2 replicas, probes on /healthz, non-root, read-only root.
dep() { python3 -c 'import sys, json, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "eci-kubelet": print(json.dumps(d))' "$1"; }
d=$(dep "$LIB_TMP/prod.yaml")
check "2 replicas" test "$(jq -r '.spec.replicas' <<<"$d")" = 2
check "liveness and readiness probes on :10248 /healthz" test "$(jq -r '.spec.template.spec.containers[0] |
    [.livenessProbe.httpGet.path, .readinessProbe.httpGet.path] | join(",")' <<<"$d")" = "/healthz,/healthz"
check "runs as non-root with a read-only root filesystem" test "$(jq -r '.spec.template.spec |
    [.securityContext.runAsNonRoot, .containers[0].securityContext.readOnlyRootFilesystem] | join(",")' <<<"$d")" = "true,true"
check "resources set" test "$(jq -r '.spec.template.spec.containers[0].resources.requests.cpu' <<<"$d")" != null

# The rendered config is valid for the bridge (with the overlay's env; the
# service-account CA path of a pod points at the cluster CA here).
cfg() { python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap": print(d["data"]["config.yaml"])' "$1" |
    sed "s#/var/run/secrets/kubernetes.io/serviceaccount/ca.crt#$ECI_CLUSTER_CA#"; }
cfg "$LIB_TMP/prod.yaml" > "$LIB_TMP/config.yaml"
envs=$(jq -r '.spec.template.spec.containers[0].env[] | select(.value != null) | "\(.name)=\(.value)"' <<<"$d")
# shellcheck disable=SC2086
check_output "production config validates (--dry-run) with leader election on" 'leaderElection.enabled=true leaderElection.namespace=eci-kubelet' \
    env -u KUBECONFIG $envs ECI_KUBELET_NODE_IP=10.1.2.3 "$ECI_TEST_BIN/eci-kubelet" --config "$LIB_TMP/config.yaml" --dry-run
cfg "$LIB_TMP/local.yaml" > "$LIB_TMP/config-local.yaml"
dl=$(dep "$LIB_TMP/local.yaml")
envs=$(jq -r '.spec.template.spec.containers[0].env[] | select(.value != null) | "\(.name)=\(.value)"' <<<"$dl")
# shellcheck disable=SC2086
check "local config validates (--dry-run)" \
    env -u KUBECONFIG $envs ECI_KUBELET_NODE_IP=10.1.2.3 "$ECI_TEST_BIN/eci-kubelet" --config "$LIB_TMP/config-local.yaml" --dry-run

# Server-side dry run. Namespaced objects are admitted only in an existing
# namespace (NamespaceLifecycle), so the namespace is created for real first
# when missing, as `kubectl apply` in two steps would do.
created_ns=0
# A namespace an earlier suite left terminating must be gone first.
terminating() { test "$(kubectl_ get namespace "$NS" -o jsonpath='{.status.phase}' 2>/dev/null)" = Terminating; }
gone_or_active() { ! terminating; }
wait_for 120 gone_or_active || diag "namespace $NS still terminating"
if ! kubectl_ get namespace "$NS" >/dev/null 2>&1; then
    kubectl_ create namespace "$NS" >/dev/null && created_ns=1
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --wait=true --timeout=60s"
fi
check_output "kubectl kustomize deploy/ | kubectl apply --dry-run=server -f - (production)" 'deployment.apps/eci-kubelet (created|configured|unchanged)' \
    sh -c "'$KUBECTL' kustomize '$DEPLOY' | '$KUBECTL' --kubeconfig '$KUBECONFIG' apply --dry-run=server -f -"
check_output "kubectl apply --dry-run=server -k deploy/overlays/local" 'deployment.apps/eci-emulator (created|configured|unchanged)' \
    sh -c "'$KUBECTL' kustomize '$DEPLOY/overlays/local' | '$KUBECTL' --kubeconfig '$KUBECONFIG' apply --dry-run=server -f -"
check "the dry run created nothing" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get clusterrole eci-kubelet >/dev/null 2>&1"
diag "namespace $NS created for the dry run: $created_ns"
finish
