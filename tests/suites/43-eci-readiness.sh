#!/usr/bin/env bash
# A node that tells the truth about ECI. At start the bridge calls
# DescribeRegions: a wrong AccessKey secret, an unknown AccessKey id or an
# unknown region make it exit non-zero within 10 s with one error line naming
# the setting to fix. An unreachable endpoint keeps the node registered but
# NotReady (reason ECIUnreachable, the error in the message) until ECI
# answers, then Ready; the failure is logged once per change, not on every
# retry.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../kubelet-lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
lib_tmpdir
KEY_ID=$ALIBABA_CLOUD_ACCESS_KEY_ID
KEY_SECRET=$ALIBABA_CLOUD_ACCESS_KEY_SECRET

# fatal NAME SETTING_ERE [ENV=VALUE...] -- [BRIDGE FLAGS...]: the bridge exits
# non-zero within 10 s, its log has exactly one error line, naming SETTING.
fatal() {
    local name=$1 want=$2; shift 2
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local node=vk-fatal-$RANDOM log=$LIB_TMP/fatal-$RANDOM.log kc=$LIB_TMP/node-fatal.kubeconfig
    cluster_sh node-kubeconfig "$node" "$kc" >/dev/null
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$node' --wait=false --ignore-not-found >/dev/null 2>&1"
    local t0 rc
    t0=$(date +%s.%N)
    env "${envs[@]}" timeout -s KILL 60 "$ECI_TEST_BIN/eci-kubelet" --kubeconfig "$kc" --node-name "$node" \
        --eci-endpoint "$ECI_ENDPOINT" --security-group sg-e2e --vswitch vsw-e2e --cluster-name e2e \
        --node-ip 127.0.0.1 --hostname-address none --port "$(free_port)" --log-format text \
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
        --health-probe-bind-address "127.0.0.1:$(free_port)" "$@" > "$log" 2>&1 < /dev/null
    rc=$?
    local took; took=$(echo "$(date +%s.%N) - $t0" | bc)
    local errs; errs=$(grep -c ' error ' "$log")
    # Every other line is an info line (no continuation, no warning).
    local others; others=$(grep -Evc '^[0-9TZ:.-]+ +info ' "$log")
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 137 ] && [ "$(echo "$took < 10" | bc)" = 1 ] && [ "$errs" -eq 1 ] && [ "$others" -eq 1 ] &&
        grep ' error ' "$log" | grep -Eq "$want"; then
        ok "$name: exit $rc after ${took%????????}s: $(grep ' error ' "$log" | sed 's/.* error *//')"
    else
        not_ok "$name: want a non-zero exit within 10 s and one error line naming $want" \
            "exit $rc after ${took}s, $errs error lines, $others lines that are not info" "$(tail -n 8 "$log")"
    fi
    if grep -qF "$KEY_SECRET" "$log"; then not_ok "$name: the AccessKey secret is not in the log"; fi
}

fatal "wrong AccessKey secret" 'eci\.accessKeySecret' \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET=wrong-secret-value -- --region cn-hangzhou
fatal "unknown AccessKey id" 'eci\.accessKeyId' \
    ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIunknownkeyid -- --region cn-hangzhou
fatal "unknown region" 'eci\.region' -- --region cn-atlantis

# ---- an unreachable endpoint: registered, NotReady, then Ready
PORT=${ECI_ENDPOINT##*:}
stop_pid "$ECI_EMULATOR_PID" 10
NODE=vk-unreach-$$
start_t=$(date +%s)
start_bridge_bg() {
    BRIDGE_KUBECONFIG=$LIB_TMP/node-$NODE.kubeconfig
    cluster_sh node-kubeconfig "$NODE" "$BRIDGE_KUBECONFIG" >/dev/null
    BRIDGE_PORT=$(free_port); BRIDGE_HEALTH=http://127.0.0.1:$(free_port); BRIDGE_LOG=$LIB_TMP/bridge-$NODE.log
    "$ECI_TEST_BIN/eci-kubelet" --kubeconfig "$BRIDGE_KUBECONFIG" --node-name "$NODE" --eci-endpoint "$ECI_ENDPOINT" \
        --region cn-hangzhou --security-group sg-e2e --vswitch vsw-e2e --cluster-name e2e --log-format text \
        --node-ip 127.0.0.1 --hostname-address none --port "$BRIDGE_PORT" \
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
        --client-ca-file "$ECI_CLUSTER_KUBELET_CLIENT_CA" --health-probe-bind-address "${BRIDGE_HEALTH#http://}" \
        --pod-status-sync-period 2s > "$BRIDGE_LOG" 2>&1 < /dev/null &
    BRIDGE_PID=$!
    on_exit "stop_pid $BRIDGE_PID 20"
}
start_bridge_bg
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false --ignore-not-found"
ready_cond() { kubectl_ get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].'"$1"'}' 2>/dev/null; }
not_ready_unreachable() { [ "$(ready_cond status)" = False ] && [ "$(ready_cond reason)" = ECIUnreachable ]; }
if wait_for 20 not_ready_unreachable; then
    ok "unreachable endpoint: node registered NotReady, reason ECIUnreachable, after $(( $(date +%s) - start_t ))s"
else
    not_ok "unreachable endpoint: node NotReady with reason ECIUnreachable within 20 s" \
        "Ready=$(ready_cond status) reason=$(ready_cond reason)" "$(tail -n 10 "$BRIDGE_LOG")"
fi
msg=$(ready_cond message)
check "the condition's message carries the error ($msg)" grep -Eqi 'connect|refused|unreachable' <<<"$msg"
check "the bridge keeps running" kill -0 "$BRIDGE_PID"
sleep 12 # several retry periods of the outage
n=$(grep -ci 'ECI .*unreachable\|DescribeRegions' "$BRIDGE_LOG")
check "the outage is logged once, not on every retry ($n lines)" test "$n" -le 2
check "and it was logged" test "$n" -ge 1

# ECI answers again: the same port, the same credentials.
"$ECI_TEST_BIN/eci-emulator" --listen "127.0.0.1:$PORT" --access-key-id "$KEY_ID" \
    --access-key-secret "$KEY_SECRET" > "$LIB_TMP/emulator-again.log" 2>&1 < /dev/null &
EPID=$!
on_exit "stop_pid $EPID"
back_t=$(date +%s)
wait_for 15 grep -q 'listening on' "$LIB_TMP/emulator-again.log" || diag "emulator did not restart"
is_ready() { [ "$(ready_cond status)" = True ]; }
if wait_for 20 is_ready; then
    ok "ECI answers again: node Ready after $(( $(date +%s) - back_t ))s"
else
    not_ok "node Ready within 20 s of ECI answering" "Ready=$(ready_cond status) reason=$(ready_cond reason)" \
        "$(tail -n 10 "$BRIDGE_LOG")"
fi
check "the bridge reports readiness" wait_for 20 curl -sf "$BRIDGE_HEALTH/readyz"
check "the recovery is logged" grep -qi 'ECI .*reachable again\|ECI answers' "$BRIDGE_LOG"

# ---- an outage of the status poll: ECI answers 503 (a new RequestId each
# time) for a while; the node says so, the log says it once.
before=$(grep -c 'ECI unreachable' "$BRIDGE_LOG")
curl -sf -X POST "$ECI_ADMIN_URL/faults" \
    -d '{"rules":[{"action":"DescribeContainerGroupStatus","code":"ServiceUnavailable","count":18}]}' >/dev/null
check "a failing status poll makes the node NotReady (ECIUnreachable)" wait_for 60 not_ready_unreachable
msg=$(ready_cond message)
check "with ECI's answer as the message ($msg)" grep -q ServiceUnavailable <<<"$msg"
check "and Ready again once the poll succeeds" wait_for 90 is_ready
n=$(( $(grep -c 'ECI unreachable' "$BRIDGE_LOG") - before ))
check "the outage was logged once, whatever the RequestIds ($n lines)" test "$n" -eq 1
no_sanitizer_reports
finish
