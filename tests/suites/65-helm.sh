#!/usr/bin/env bash
# The Helm chart deploy/helm/eci-kubelet: with the production overlay's
# placement and image as values, `helm template` renders the same objects as
# `kubectl kustomize deploy/`, object for object (`--include-crds`: the chart's crds/ too; normalised: Helm's release
# labels, the config checksum and kustomize's ConfigMap name suffix aside; the
# config.yaml compared as data); the API server accepts the rendering (server
# dry run); the values for node name and count, the StatefulSet of N nodes
# (the same objects as deploy/overlays/scale-out), taints, credentials source
# (secret, rrsa, ramRole), leader election, resources, PodMonitor work.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
CHART=$ECI_REPO/deploy/helm/eci-kubelet
NS=eci-kubelet
HELM=$(helm_bin) || { not_ok "helm is built (make deps)"; finish; }
diag "$("$HELM" version --short 2>&1)"
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
tmpl() { "$HELM" template eci-kubelet "$CHART" --namespace "$NS" "$@"; }
# yq-like access to a multi-document rendering: KIND NAME JQ_FILTER < yaml
pick() { python3 -c 'import sys, json, yaml
for d in yaml.safe_load_all(sys.stdin):
    if d and d["kind"] == sys.argv[1] and (sys.argv[2] == "*" or d["metadata"]["name"] == sys.argv[2]): print(json.dumps(d))' "$1" "$2" |
    jq -r "$3"; }

check "helm lint" "$HELM" lint "$CHART"
"$KUBECTL" kustomize "$ECI_REPO/deploy" > "$LIB_TMP/kustomize.yaml"

# Values equivalent to the production overlay, read from its rendering.
python3 - "$LIB_TMP/kustomize.yaml" > "$LIB_TMP/values-prod.yaml" <<'PY'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment":
        c = d["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in c["env"]}
        repo, _, tag = c["image"].rpartition(":")
        print(yaml.safe_dump({
            "createNamespace": True,
            "image": {"repository": repo, "tag": tag},
            "eci": {"region": env["ECI_KUBELET_REGION"], "zones": env["ECI_KUBELET_ZONES"].split(","),
                    "vswitches": env["ECI_KUBELET_VSWITCH"].split(","),
                    "securityGroup": env["ECI_KUBELET_SECURITY_GROUP"],
                    "useVpcEndpoint": env["ECI_KUBELET_ECI_USE_VPC_ENDPOINT"] == "true"}}))
PY
check "helm template with the production overlay's values" sh -c "'$HELM' template eci-kubelet '$CHART' --namespace $NS \
    --include-crds -f '$LIB_TMP/values-prod.yaml' > '$LIB_TMP/helm.yaml'"

cat > "$LIB_TMP/normalize.py" <<'PY'
import json, re, sys, yaml
HELM_LABELS = ("app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart")
HASHED = re.compile(r"^(eci-kubelet-config)-[a-z0-9]{10}$")
def unhash(n):
    return HASHED.sub(r"\1", n)
def clean_meta(m):
    for k in ("labels", "annotations"):
        d = m.get(k) or {}
        for h in HELM_LABELS + ("checksum/config",):
            d.pop(h, None)
        if d:
            m[k] = d
        else:
            m.pop(k, None)
out = {}
for d in yaml.safe_load_all(open(sys.argv[1])):
    if not d:
        continue
    d["metadata"]["name"] = unhash(d["metadata"]["name"])
    clean_meta(d["metadata"])
    if d["kind"] == "ConfigMap" and "config.yaml" in d.get("data", {}):
        d["data"]["config.yaml"] = yaml.safe_load(d["data"]["config.yaml"])
    if d["kind"] in ("Deployment", "StatefulSet"):
        t = d["spec"]["template"]
        clean_meta(t["metadata"])
        for v in t["spec"].get("volumes", []):
            if "configMap" in v:
                v["configMap"]["name"] = unhash(v["configMap"]["name"])
        for c in t["spec"]["containers"]:
            c["env"] = sorted(c.get("env", []), key=lambda e: e["name"])
    key = "%s/%s/%s" % (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"])
    out[key] = d
json.dump(out, sys.stdout, indent=1, sort_keys=True)
PY
python3 "$LIB_TMP/normalize.py" "$LIB_TMP/kustomize.yaml" > "$LIB_TMP/k.json"
python3 "$LIB_TMP/normalize.py" "$LIB_TMP/helm.yaml" > "$LIB_TMP/h.json"
kobj=$(jq -r 'keys[]' "$LIB_TMP/k.json" | tr '\n' ' ')
hobj=$(jq -r 'keys[]' "$LIB_TMP/h.json" | tr '\n' ' ')
diag "kustomize: $kobj"
check "helm and kustomize render the same objects" test "$kobj" = "$hobj"
for k in $kobj; do
    if [ "$(jq -S --arg k "$k" '.[$k]' "$LIB_TMP/k.json")" = "$(jq -S --arg k "$k" '.[$k]' "$LIB_TMP/h.json")" ]; then
        ok "same $k"
    else
        not_ok "same $k" "$(diff <(jq -S --arg k "$k" '.[$k]' "$LIB_TMP/k.json") <(jq -S --arg k "$k" '.[$k]' "$LIB_TMP/h.json") | head -40)"
    fi
done
check "kustomize has a PodDisruptionBudget" grep -q 'PodDisruptionBudget/eci-kubelet/eci-kubelet ' <<<"$kobj"
check "kustomize has a PriorityClass" grep -q 'PriorityClass//eci-kubelet ' <<<"$kobj"

# Server-side dry run of the chart's rendering (namespace created for real
# first when missing, as in suite 60; one an earlier suite left terminating
# must be gone first).
terminating() { test "$(kc get namespace "$NS" -o jsonpath='{.status.phase}' 2>/dev/null)" = Terminating; }
gone_or_active() { ! terminating; }
wait_for 120 gone_or_active || diag "namespace $NS still terminating"
if ! kc get namespace "$NS" >/dev/null 2>&1; then
    kc create namespace "$NS" >/dev/null
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --wait=false"
fi
check_output "helm template | kubectl apply --dry-run=server -f -" 'deployment.apps/eci-kubelet (created|configured|unchanged)' \
    sh -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' apply --dry-run=server -f '$LIB_TMP/helm.yaml'"

# The chart's config validates for the bridge (--dry-run), with its env.
cfg_check() {   # NAME RENDERING
    local d envs
    pick ConfigMap eci-kubelet-config '.data["config.yaml"]' < "$2" |
        sed "s#/var/run/secrets/kubernetes.io/serviceaccount/ca.crt#$ECI_CLUSTER_CA#" > "$LIB_TMP/cfg.yaml"
    d=$(pick Deployment '*' '.' < "$2" | jq -c . | head -n 1)
    envs=$(jq -r '.spec.template.spec.containers[0].env[] | select(.value != null) | "\(.name)=\(.value)"' <<<"$d")
    # shellcheck disable=SC2086
    check_output "$1" "${3:-leaderElection.enabled=true}" \
        env -u KUBECONFIG $envs ECI_KUBELET_NODE_IP=10.1.2.3 "$ECI_TEST_BIN/eci-kubelet" --config "$LIB_TMP/cfg.yaml" --dry-run
}
cfg_check "the chart's config validates (--dry-run)" "$LIB_TMP/helm.yaml"

# Values.
names() { python3 -c 'import sys, yaml
print(" ".join(sorted(d["metadata"]["name"] for d in yaml.safe_load_all(open(sys.argv[2])) if d and d["kind"] == sys.argv[1])))' "$1" "$2"; }
cfg_of() { pick ConfigMap eci-kubelet-config '.data["config.yaml"]' < "$1"; }
jq_of() { pick "$1" '*' "$3" < "$2"; }
env_of() { pick Deployment "$2" '.spec.template.spec.containers[0].env[] | "\(.name)=\(.value)"' < "$1"; }
tmpl -f "$LIB_TMP/values-prod.yaml" --set node.name=vk --set node.count=3 --set node.taint=example.com/eci=true:NoExecute \
    > "$LIB_TMP/multi.yaml"
check_output "node.count=3: three Deployments" '^vk-0 vk-1 vk-2$' names Deployment "$LIB_TMP/multi.yaml"
check_output "each drives its own node (ECI_KUBELET_NODE_NAME)" '^ECI_KUBELET_NODE_NAME=vk-1$' env_of "$LIB_TMP/multi.yaml" vk-1
check_output "the taint value reaches the config" 'taint: example.com/eci=true:NoExecute' cfg_of "$LIB_TMP/multi.yaml"
check_output "the three Deployments pass a server dry run" 'deployment.apps/vk-2 (created|configured|unchanged)' \
    kc apply --dry-run=server -f "$LIB_TMP/multi.yaml"

# node.statefulSet: one StatefulSet whose pods register the nodes named after
# them, the same objects as the kustomize overlay deploy/overlays/scale-out.
tmpl --include-crds -f "$LIB_TMP/values-prod.yaml" --set node.statefulSet=true --set node.count=3 > "$LIB_TMP/sts.yaml"
"$KUBECTL" kustomize "$ECI_REPO/deploy/overlays/scale-out" > "$LIB_TMP/scale-out.yaml"
python3 "$LIB_TMP/normalize.py" "$LIB_TMP/sts.yaml" > "$LIB_TMP/hs.json"
python3 "$LIB_TMP/normalize.py" "$LIB_TMP/scale-out.yaml" > "$LIB_TMP/ks.json"
if [ "$(jq -S . "$LIB_TMP/ks.json")" = "$(jq -S . "$LIB_TMP/hs.json")" ]; then
    ok "node.statefulSet=true renders the same objects as deploy/overlays/scale-out"
else
    not_ok "node.statefulSet=true renders the same objects as deploy/overlays/scale-out" \
        "$(diff <(jq -S . "$LIB_TMP/ks.json") <(jq -S . "$LIB_TMP/hs.json") | head -40)"
fi
sts_n=$(pick StatefulSet eci-kubelet .spec.replicas < "$LIB_TMP/sts.yaml")
dep_n=$(names Deployment "$LIB_TMP/sts.yaml" | wc -w)
check "node.statefulSet=true: one StatefulSet of 3 ($sts_n), no Deployment ($dep_n)" test "$sts_n $dep_n" = "3 0"
check_output "each pod registers the node named after it" '^metadata.name$' \
    jq_of StatefulSet "$LIB_TMP/sts.yaml" '.spec.template.spec.containers[0].env[] | select(.name == "ECI_KUBELET_NODE_NAME") | .valueFrom.fieldRef.fieldPath'
check_output "the StatefulSet and its Service pass a server dry run" 'statefulset.apps/eci-kubelet (created|configured|unchanged)' \
    kc apply --dry-run=server -f "$LIB_TMP/sts.yaml"

tmpl -f "$LIB_TMP/values-prod.yaml" --set credentials.source=rrsa \
    --set credentials.rrsa.roleArn=acs:ram::1234567890123456:role/eci-kubelet \
    --set credentials.rrsa.oidcProviderArn=acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0 > "$LIB_TMP/rrsa.yaml"
rd=$(pick Deployment eci-kubelet '.' < "$LIB_TMP/rrsa.yaml")
check_output "credentials.source=rrsa: role and OIDC env" '^ALIBABA_CLOUD_OIDC_TOKEN_FILE=/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token$' \
    env_of "$LIB_TMP/rrsa.yaml" eci-kubelet
check_output "credentials.source=rrsa: a projected token with the STS audience" '^sts.aliyuncs.com$' \
    jq -r '.spec.template.spec.volumes[] | select(.name == "rrsa-oidc-token") | .projected.sources[0].serviceAccountToken.audience' <<<"$rd"
check "credentials.source=rrsa: no Secret reference" test "$(jq -r '.spec.template.spec.containers[0].envFrom' <<<"$rd")" = null
check_output "credentials.source=rrsa passes a server dry run" 'deployment.apps/eci-kubelet' \
    kc apply --dry-run=server -f "$LIB_TMP/rrsa.yaml"
tmpl --set credentials.source=ramRole --set credentials.ramRole=eci-kubelet-role > "$LIB_TMP/ramrole.yaml"
check_output "credentials.source=ramRole sets eci.ramRole" 'ramRole: eci-kubelet-role' cfg_of "$LIB_TMP/ramrole.yaml"
tmpl --set credentials.accessKeyId=LTAIexample --set credentials.accessKeySecret=s3cr3t > "$LIB_TMP/aksecret.yaml"
check_output "credentials.accessKeyId/accessKeySecret: the chart creates the Secret" '^eci-kubelet-credentials$' \
    names Secret "$LIB_TMP/aksecret.yaml"
refused() { ! tmpl "$@" 2>&1; }
check_output "an AccessKey id without its secret is refused" 'go together' refused --set credentials.accessKeyId=LTAIexample
check_output "two replicas without leader election are refused" 'needs leaderElection.enabled' \
    refused --set leaderElection.enabled=false
tmpl --set leaderElection.enabled=false --set replicas=1 > "$LIB_TMP/single.yaml"
check_output "one replica without leader election renders" 'enabled: false' \
    sh -c "grep -A1 '^    leaderElection:' '$LIB_TMP/single.yaml'"
tmpl --set resources.requests.cpu=500m > "$LIB_TMP/res.yaml"
check_output "resources from values" '^500m$' jq_of Deployment "$LIB_TMP/res.yaml" '.spec.template.spec.containers[0].resources.requests.cpu'
check "no PodMonitor by default" test -z "$(names PodMonitor "$LIB_TMP/helm.yaml")"
tmpl --set podMonitor.enabled=true > "$LIB_TMP/pm.yaml"
check_output "podMonitor.enabled renders a PodMonitor on the health port's /metrics" '^healthz /metrics$' \
    jq_of PodMonitor "$LIB_TMP/pm.yaml" '.spec.podMetricsEndpoints[] | "\(.port) \(.path)"'
check "the dry runs created nothing" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get clusterrole eci-kubelet >/dev/null 2>&1"
finish
