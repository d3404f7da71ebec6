#!/usr/bin/env bash
# RRSA (ACK's RAM Roles for Service Accounts): a bridge with no AccessKey,
# only ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
# ALIBABA_CLOUD_OIDC_TOKEN_FILE (a service-account token with the STS
# audience, as ACK projects it), exchanges the token with the emulator's STS
# (AssumeRoleWithOIDC) and runs a pod with the temporary key pair; the pair is
# refreshed before it expires and a rotated token file is read anew.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
ROLE=acs:ram::1234567890123456:role/eci-kubelet
PROVIDER=acs:ram::1234567890123456:oidc-provider/ack-rrsa-e2e
TOKEN=$LIB_TMP/rrsa-token          # what the bridge reads (the projected token)
EXPECTED=$LIB_TMP/idp-token        # what the emulator's STS accepts
sa_token() { kubectl_ create token default -n default --audience sts.aliyuncs.com --duration 1h; }
sa_token > "$TOKEN" && cp "$TOKEN" "$EXPECTED"
check "a service-account token with the STS audience" test -s "$TOKEN"

# The issued pairs live 305 s: inside the bridge's 300 s refresh window after
# 5 s, so refreshes happen while the suite runs.
start_emulator --oidc-role-arn "$ROLE" --oidc-provider-arn "$PROVIDER" --oidc-token-file "$EXPECTED" \
    --sts-lifetime 305 || { not_ok "emulator starts"; finish; }
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET
export ALIBABA_CLOUD_ROLE_ARN=$ROLE ALIBABA_CLOUD_OIDC_PROVIDER_ARN=$PROVIDER ALIBABA_CLOUD_OIDC_TOKEN_FILE=$TOKEN
export ALIBABA_CLOUD_STS_ENDPOINT=$ECI_ENDPOINT
NODE=vk-rrsa-$$
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
if start_bridge "$NODE"; then ok "bridge starts with RRSA credentials"; else not_ok "bridge starts with RRSA credentials"; finish; fi
check "STS AssumeRoleWithOIDC was called" test "$(ledger_count AssumeRoleWithOIDC)" -ge 1

test_namespace rrsa
run_node_pod "$TEST_NS" "$NODE" app rrsa-pod-runs
running() { test "$(kubectl_ get pod -n "$TEST_NS" app -o jsonpath='{.status.phase}')" = Running; }
check "the pod runs on ECI with the temporary key pair" wait_for 90 running
check "its group was created with it (CreateContainerGroup OK)" test "$(ledger_count CreateContainerGroup)" -eq 1
check_output "kubectl logs" 'rrsa-pod-runs' kubectl_ logs -n "$TEST_NS" app

# Refresh before expiry: more exchanges follow on their own.
n1=$(ledger_count AssumeRoleWithOIDC)
more() { test "$(ledger_count AssumeRoleWithOIDC)" -gt "$n1"; }
check "the pair is refreshed before it expires" wait_for 60 more
failed_exchanges() { curl -sf "$ECI_ADMIN_URL/ledger" |
    jq '[.calls.AssumeRoleWithOIDC // {} | to_entries[] | select(.key != "OK") | .value] | add // 0'; }
check "no exchange failed" test "$(failed_exchanges)" -eq 0
# The kubelet rotates the projected token: the IdP accepts only the new one
# (exchanges with the old token fail from here) and the bridge re-reads its
# file.
sa_token > "$LIB_TMP/new-token"
check "a new token differs from the old one" sh -c "! cmp -s '$LIB_TMP/new-token' '$TOKEN'"
cp "$LIB_TMP/new-token" "$EXPECTED.new" && mv "$EXPECTED.new" "$EXPECTED"
cp "$LIB_TMP/new-token" "$TOKEN.new" && mv "$TOKEN.new" "$TOKEN"
n2=$(ledger_count AssumeRoleWithOIDC)
more2() { test "$(ledger_count AssumeRoleWithOIDC)" -gt "$n2"; }
check "an exchange with the rotated token succeeds" wait_for 60 more2
check "no ECI call was refused for its credentials" test "$(curl -sf "$ECI_ADMIN_URL/ledger" |
    jq '[.calls[] | to_entries[] | select(.key | test("AccessKey|SecurityToken|Signature")) | .value] | add // 0')" -eq 0
kubectl_ delete pod -n "$TEST_NS" app --wait=true --timeout=60s >/dev/null 2>&1
no_groups() { test "$(emulator_groups)" -eq 0; }
check "the pod's group is deleted" wait_for 60 no_groups
check "the token is not in the bridge log" sh -c "! grep -qF -- '$(head -c 40 "$TOKEN")' '$BRIDGE_LOG'"
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
