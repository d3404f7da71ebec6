#!/usr/bin/env bash
# `helm install` of deploy/helm/eci-kubelet with credentials.source=rrsa, and
# the bridge pod run from what the chart installed (tests/podrun.py: the
# projected service-account token with the STS audience at the RRSA path, the
# role and OIDC provider ARNs from the chart's env): it exchanges the token
# with the emulator's STS, acts as its node (a CSR-issued certificate), the
# node is Ready and a pod runs; `helm uninstall` removes what it installed.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
CHART=$ECI_REPO/deploy/helm/eci-kubelet
NS=eci-kubelet
HELM=$(helm_bin) || { not_ok "helm is built (make deps)"; finish; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
ROLE=acs:ram::1234567890123456:role/eci-kubelet
PROVIDER=acs:ram::1234567890123456:oidc-provider/ack-rrsa-helm
NODE=vk-helm-$$

gone() { ! kc get namespace "$NS" >/dev/null 2>&1; }
wait_for 120 gone || diag "namespace $NS still present"
# The projected token is where the pod sees it; the emulator's STS accepts
# exactly that token.
TOKEN=$LIB_TMP/pod-eci-kubelet/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token
start_emulator --oidc-role-arn "$ROLE" --oidc-provider-arn "$PROVIDER" --oidc-token-file "$TOKEN" ||
    { not_ok "emulator starts"; finish; }
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET

on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --ignore-not-found --wait=false"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --ignore-not-found --wait=true --timeout=120s"
on_exit "KUBECONFIG='$KUBECONFIG' '$HELM' uninstall eci-kubelet -n '$NS' --wait=false"
check_output "helm install with credentials.source=rrsa" 'STATUS: deployed' \
    env KUBECONFIG="$KUBECONFIG" "$HELM" install eci-kubelet "$CHART" -n "$NS" --create-namespace \
    --set node.name="$NODE" --set eci.region=cn-hangzhou --set "eci.vswitches={vsw-e2e}" --set eci.securityGroup=sg-e2e \
    --set eci.useVpcEndpoint=false --set credentials.source=rrsa --set credentials.rrsa.roleArn="$ROLE" \
    --set credentials.rrsa.oidcProviderArn="$PROVIDER" --set credentials.rrsa.stsEndpoint="$ECI_ENDPOINT" \
    --set config.clusterName=e2e
check "no Secret is installed or referenced" test -z "$(kc get secret -n "$NS" -o name 2>/dev/null | grep credentials)"

if run_deployment_pod "$NS" eci-kubelet; then
    ok "the bridge pod runs from the installed chart"
else
    not_ok "the bridge pod runs from the installed chart" "$(tail -n 30 "$BRIDGE_LOG")"
    finish
fi
check "the token was exchanged with STS (AssumeRoleWithOIDC)" test "$(ledger_count AssumeRoleWithOIDC)" -ge 1
node_ready() { kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
check "the node is Ready" wait_for 60 node_ready
test_namespace helm
run_node_pod "$TEST_NS" "$NODE" app helm-rrsa-pod
running() { test "$(kc get pod -n "$TEST_NS" app -o jsonpath='{.status.phase}')" = Running; }
check "a pod runs on the node (ECI calls signed with the STS pair)" wait_for 90 running
check "no ECI call was refused for its credentials" test "$(curl -sf "$ECI_ADMIN_URL/ledger" |
    jq '[.calls[] | to_entries[] | select(.key | test("AccessKey|SecurityToken|Signature")) | .value] | add // 0')" -eq 0
kc delete pod -n "$TEST_NS" app --wait=true --timeout=60s >/dev/null 2>&1
stop_pid "$BRIDGE_PID" 20
check "nothing in the bridge log says forbidden" sh -c "! grep -qi forbidden '$BRIDGE_LOG'"
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
check_output "helm uninstall" 'uninstalled' env KUBECONFIG="$KUBECONFIG" "$HELM" uninstall eci-kubelet -n "$NS"
check "the chart's cluster objects are gone" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get clusterrole eci-kubelet >/dev/null 2>&1"
finish
