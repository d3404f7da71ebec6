#!/usr/bin/env bash
# Authentication and authorization on the bridge's kubelet port against the
# real apiserver (TokenReview, SubjectAccessReview): no credentials 401, a
# ServiceAccount token without RBAC 403, tokens bound to nodes/proxy,
# nodes/stats and nodes/metrics reach exactly their routes, the apiserver's
# client certificate reaches everything.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env auth
lib_tmpdir
T=$LIB_TMP
run_pod box 'echo hello-auth; sleep 3600'
check "pod runs" wait_running box 60

# code [CURL ARGS...] PATH: the HTTP status of a request without a client certificate.
code() {
    local path=${!#}
    curl -sk --max-time 60 -o "$T/body" -w '%{http_code}' "${@:1:$#-1}" "https://127.0.0.1:$BRIDGE_PORT$path"
}
# tcode TOKEN [METHOD] PATH
tcode() {
    local tok=$1; shift
    local method=GET; [ $# -gt 1 ] && { method=$1; shift; }
    printf 'Authorization: Bearer %s\n' "$tok" > "$T/hdr"
    code -X "$method" -H @"$T/hdr" "$1"
}

check_output "no credentials: /pods answers 401" '^401$' code /pods
check_output "no credentials: /healthz answers 401" '^401$' code /healthz
check_output "a bad token: 401" '^401$' tcode not-a-token /pods

kx create serviceaccount nobody >/dev/null
kx create serviceaccount proxier >/dev/null
kx create serviceaccount scraper >/dev/null
kubectl_ apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: $NS-proxy}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get, create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: $NS-proxy}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: $NS-proxy}
subjects: [{kind: ServiceAccount, name: proxier, namespace: $NS}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: $NS-scrape}
rules: [{apiGroups: [""], resources: [nodes/stats, nodes/metrics], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: $NS-scrape}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: $NS-scrape}
subjects: [{kind: ServiceAccount, name: scraper, namespace: $NS}]
YAML
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete clusterrole,clusterrolebinding $NS-proxy $NS-scrape --wait=false"
nobody=$(kx create token nobody)
proxier=$(kx create token proxier)
scraper=$(kx create token scraper)

check_output "a token without RBAC: /pods answers 403" '^403$' tcode "$nobody" /pods
check_output "the 403 names the user and the resource" 'system:serviceaccount:'"$NS"':nobody.*nodes' cat "$T/body"
check_output "a token without RBAC: exec answers 403" '^403$' tcode "$nobody" POST "/exec/$NS/box/main?command=true&output=1"
check_output "a token without RBAC: logs answer 403" '^403$' tcode "$nobody" "/containerLogs/$NS/box/main"
check_output "a token without RBAC: /stats/summary answers 403" '^403$' tcode "$nobody" /stats/summary

check_output "nodes/proxy: /pods answers 200" '^200$' tcode "$proxier" /pods
check_output "nodes/proxy: /pods lists the pod" '"name":"box"' cat "$T/body"
check_output "nodes/proxy: logs answer 200" '^200$' tcode "$proxier" "/containerLogs/$NS/box/main"
check_output "nodes/proxy: the log" '^hello-auth$' cat "$T/body"
check_output "nodes/proxy: /run answers 200" '^200$' tcode "$proxier" POST "/run/$NS/box/main?cmd=echo%20ran"
check_output "nodes/proxy: /run output" '^ran$' cat "$T/body"
check_output "nodes/proxy alone: /stats/summary answers 403" '^403$' tcode "$proxier" /stats/summary

check_output "nodes/stats: /stats/summary answers 200" '^200$' tcode "$scraper" /stats/summary
check_output "nodes/metrics: /metrics/resource answers 200" '^200$' tcode "$scraper" /metrics/resource
check_output "nodes/stats: exec answers 403" '^403$' tcode "$scraper" POST "/exec/$NS/box/main?command=true&output=1"

check_output "the apiserver's client certificate: /pods answers 200" '^200$' kcurl /pods -o /dev/null -w '%{http_code}'
check_output "the apiserver's client certificate: /metrics answers 200" '^200$' kcurl /metrics -o /dev/null -w '%{http_code}'
printf '%s\n' "${proxier:0:40}" "${nobody:0:40}" "${scraper:0:40}" > "$T/tokens"
check "tokens never appear in the bridge log" sh -c "! grep -qFf '$T/tokens' '$BRIDGE_LOG'"

no_sanitizer_reports
finish
