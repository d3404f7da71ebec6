# Helpers for the kubelet API suites (tests/suites/5x-kubelet-*.sh) and
# tests/bench/exec_bench.sh: one emulator, one bridge serving the kubelet API
# on a free port, a fresh namespace, and pods pinned to the bridge's node.
# Source tests/lib.sh first.

# kubelet_env PREFIX [BRIDGE FLAGS...]: the cluster, the emulator, the bridge
# (node NODE) and a namespace NS; the node is deleted at exit.
kubelet_env() {
    local prefix=$1; shift
    need_cluster
    start_emulator || { not_ok "emulator starts"; finish; }
    NODE=$prefix-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
    start_bridge "$NODE" "$@" || { not_ok "bridge starts"; finish; }
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
    test_namespace "$prefix"
    NS=$TEST_NS
    if ! wait_for 60 _kl_node_ready; then
        not_ok "node $NODE is Ready" "$(tail -n 20 "$BRIDGE_LOG")"
        finish
    fi
}

_kl_node_ready() {
    kubectl_ get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

# run_pod NAME SHELL_COMMAND [RESTART_POLICY]: a busybox pod on NODE running
# `sh -c SHELL_COMMAND` in container "main" (grace period $GRACE, default 30 s).
run_pod() {
    kubectl_ apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS}
spec:
  restartPolicy: ${3:-Always}
  terminationGracePeriodSeconds: ${GRACE:-30}
  nodeName: $NODE
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", $(printf '%s' "$2" | jq -Rs .)]
YAML
}

pod_phase() { kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
pod_running() { [ "$(pod_phase "$1")" = Running ]; }

# wait_running NAME [SECONDS]
wait_running() { wait_for "${2:-120}" pod_running "$1"; }

# kcurl PATH [CURL ARGS...]: GET the bridge's kubelet API as kube-apiserver
# does (its kubelet client certificate), body on stdout.
kcurl() {
    local path=$1; shift
    curl -sS --max-time 60 --cacert "$ECI_CLUSTER_CA" \
        --cert "$ECI_CLUSTER_DIR/pki/apiserver-kubelet-client.crt" \
        --key "$ECI_CLUSTER_DIR/pki/apiserver-kubelet-client.key" \
        "$@" "https://127.0.0.1:$BRIDGE_PORT$path"
}

# kx ARGS...: kubectl in the test namespace.
kx() { kubectl_ -n "$NS" "$@"; }

# no_sanitizer_reports: stop the bridge (leaks are reported at exit), then a
# test that its log holds no ASan/UBSan report.
no_sanitizer_reports() {
    stop_pid "$BRIDGE_PID" 20
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$BRIDGE_LOG"; then
        not_ok "no sanitizer reports in the bridge log" \
            "$(grep -A8 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$BRIDGE_LOG" | head -30)"
    else
        ok "no sanitizer reports in the bridge log"
    fi
}
