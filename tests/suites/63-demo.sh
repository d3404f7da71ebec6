#!/usr/bin/env bash
# `make demo` (tests/demo.sh) end to end with its own control plane in a
# temporary state directory: the sample app runs, logs and exec work, and
# everything is stopped afterwards. Then `make demo DEMO_FLAGS=--keep`,
# `kubectl top pod` and `make demo DEMO_FLAGS=--stop` while it runs: the pods
# get the cluster DNS Service's IP without a flag and no warning, the demo
# runs copies of the binaries (a rebuild of bin/ cannot break it), and the
# printed instructions name plain `kubectl`.
. "$(dirname "$0")/../lib.sh"
lib_tmpdir
export ECI_DEMO_DIR=$LIB_TMP/demo ECI_DEMO_BIN=$ECI_TEST_BIN ECI_DEMO_NODE=eci-demo-$$
on_exit "bash '$ECI_REPO/tests/demo.sh' --stop"
out=$LIB_TMP/demo.out
start=$SECONDS
if bash "$ECI_REPO/tests/demo.sh" > "$out" 2>&1; then
    ok "make demo succeeds ($((SECONDS - start)) s)"
else
    not_ok "make demo succeeds" "$(tail -n 30 "$out")"
fi
check "it shows progress" grep -q '^\[demo .*6/6' "$out"
check "it shows the Ready virtual node" grep -Eq "node/$ECI_DEMO_NODE +Ready" "$out"
check "it shows 3 Running pods of the sample app" test "$(grep -Ec '^pod/hello-.* 1/1 +Running' "$out")" -eq 3
check "it shows a pod's logs (env from the ConfigMap)" grep -q 'Hello from a pod on Elastic Container Instance' "$out"
check "it shows an exec (ConfigMap volume)" grep -q '<h1>eci-kubelet demo</h1>' "$out"
check "the app's container groups are deleted at the end" grep -q 'all container groups deleted' "$out"
check "everything is stopped and the state removed" test ! -e "$ECI_DEMO_DIR"
check "no sanitizer report" sh -c "! grep -q Sanitizer '$out'"

# --keep through make (ECI_DEMO_BIN: no rebuild), then use it, then --stop.
keep=$LIB_TMP/keep.out
if make -s -C "$ECI_REPO" demo DEMO_FLAGS=--keep > "$keep" 2>&1; then
    ok "make demo DEMO_FLAGS=--keep succeeds"
else
    not_ok "make demo DEMO_FLAGS=--keep succeeds" "$(tail -n 30 "$keep")"
fi
check "the instructions name plain kubectl" grep -q '^  kubectl get nodes,pods' "$keep"
check "no machine-specific kubectl path is printed" sh -c "! grep -q '/kubectl' '$keep'"
demo_kc() { "$KUBECTL" --kubeconfig "$ECI_DEMO_DIR/cluster/admin.kubeconfig" "$@"; }
bpid=$(cat "$ECI_DEMO_DIR/bridge.pid" 2>/dev/null)
check "the bridge runs from the demo's own copy of the binary" \
    test "$(readlink "/proc/$bpid/exe" 2>/dev/null)" = "$ECI_DEMO_DIR/bin/eci-kubelet"
dns_ip=$(demo_kc get service -n kube-system kube-dns -o jsonpath='{.spec.clusterIP}' 2>/dev/null)
check "the demo cluster has a DNS Service ($dns_ip)" test -n "$dns_ip"
admin=$(grep -o 'http://127.0.0.1:[0-9]*/_emulator' "$keep" | head -n 1)
ns_of_groups() {
    local id
    for id in $(curl -sf "$admin/groups" | jq -r '.groups[].ContainerGroupId'); do
        curl -sf "$admin/groups/$id" | jq -r '.DnsConfig.NameServers // [] | join(",")'
    done | sort -u
}
check_output "every demo pod's group has the cluster DNS IP in its DnsConfig (no --cluster-dns)" "^$dns_ip\$" ns_of_groups
no_dns_flag() { ! tr '\0' ' ' < "/proc/$bpid/cmdline" | grep -q cluster-dns; }
check "the bridge was started without --cluster-dns" no_dns_flag
no_dns_warning() { ! demo_kc get events -n demo -o jsonpath='{.items[*].reason}' | grep -q ClusterDNSNotConfigured; }
check "no ClusterDNSNotConfigured warning on the demo pods" no_dns_warning
top_works() { demo_kc top pod -n demo | grep -q '^hello-'; }
check "kubectl top pod works in the demo (metrics-server)" wait_for 180 top_works
if make -s -C "$ECI_REPO" demo DEMO_FLAGS=--stop > "$LIB_TMP/stop.out" 2>&1; then
    ok "make demo DEMO_FLAGS=--stop succeeds while the demo runs"
else
    not_ok "make demo DEMO_FLAGS=--stop succeeds while the demo runs" "$(tail -n 20 "$LIB_TMP/stop.out")"
fi
check "the bridge is stopped" sh -c "! kill -0 '$bpid' 2>/dev/null"
check "the demo state is removed" test ! -e "$ECI_DEMO_DIR"
finish
