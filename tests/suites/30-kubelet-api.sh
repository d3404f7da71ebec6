#!/usr/bin/env bash
# The kubelet API server (provider/kubelet/server.c) behind the real
# kube-apiserver: a Node whose kubelet endpoint is tests/progs/kapi_local (the
# server with the local-process exec backend), a pod bound to it, and plain
# kubectl: exec over WebSocket (translated to SPDY by the apiserver) and over
# SPDY end to end, exit codes, stdin, stderr, cp both ways, exec -it, logs;
# then direct curl for 401/403.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir

PROG=$ECI_TEST_PROGS/kapi_local
[ -x "$PROG" ] || { not_ok "kapi_local built" "missing $PROG"; finish; }
T=$LIB_TMP
NODE=kapi-node-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
port=$(free_port)
bg_start kapi_local "$T/kapi.log" "$PROG" --port "$port" --node "$NODE" \
    --cert "$ECI_CLUSTER_KUBELET_SERVING_CERT" --key "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
    --client-ca "$ECI_CLUSTER_KUBELET_CLIENT_CA" --token good-token=alice --token deny-token=denied
KPID=$BG_PID
if wait_for 60 grep -q '^listening' "$T/kapi.log"; then ok "kapi_local serves on $port"
else not_ok "kapi_local serves on $port" "$(tail -5 "$T/kapi.log")"; finish; fi

test_namespace kapi
ns=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' delete pod web --grace-period=0 --force --wait=false"

kubectl_ create -f - >/dev/null <<JSON
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$NODE","labels":{"type":"virtual-kubelet"}},
 "spec":{"taints":[{"key":"virtual-kubelet.io/provider","value":"test","effect":"NoSchedule"}]}}
JSON
check "the node's kubelet endpoint is published" kubectl_ patch node "$NODE" --subresource=status --type=merge -p \
    "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$port}}}}"
check "a pod bound to the node" kubectl_ -n "$ns" create -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: $NODE
  tolerations: [{operator: Exists}]
  containers: [{name: nginx, image: registry.example/nginx:1}]
YAML

x() { kubectl_ -n "$ns" exec web -c nginx "$@"; }
check_output "kubectl exec (WebSocket, translated to SPDY by the apiserver)" '^hi$' x -- sh -c 'echo hi'
check_output "kubectl exec over SPDY end to end" '^spdy$' \
    env KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$ns" exec web -- echo spdy
x -- sh -c 'exit 7' >/dev/null 2>&1; rc=$?
if [ $rc -eq 7 ]; then ok "exit code 7 reaches kubectl"; else not_ok "exit code 7 reaches kubectl" "got $rc"; fi
KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$ns" exec web -- sh -c 'exit 3' \
    >/dev/null 2>&1; rc=$?
if [ $rc -eq 3 ]; then ok "exit code 3 over SPDY"; else not_ok "exit code 3 over SPDY" "got $rc"; fi
out=$(x -- sh -c 'echo out; echo err >&2' 2>"$T/err")
if [ "$out" = out ] && [ "$(exec_stderr "$T/err")" = err ]; then ok "stdout and stderr stay separate"
else not_ok "stdout and stderr stay separate" "stdout [$out] stderr [$(cat "$T/err")]"; fi
check_output "stdin reaches the command (kubectl exec -i)" '^3 lines$' \
    sh -c "printf 'a\nb\nc\n' | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' exec -i web -- sh -c 'echo \$(wc -l) lines'"
head -c 200000 /dev/urandom > "$T/blob"
mkdir -p "$T/dst" "$T/back"
check "kubectl cp into the pod (tar over stdin)" kubectl_ cp "$T/blob" "$ns/web:$T/dst/blob"
if cmp -s "$T/blob" "$T/dst/blob"; then ok "the copied file is identical"; else not_ok "the copied file is identical"; fi
check "kubectl cp out of the pod (tar over stdout)" kubectl_ cp "$ns/web:$T/dst/blob" "$T/back/blob"
if cmp -s "$T/blob" "$T/back/blob"; then ok "the file copied back is identical"; else not_ok "the file copied back is identical"; fi
if command -v script >/dev/null 2>&1; then
    check_output "kubectl exec -it gets a terminal" '/dev/pts/' \
        script -qec "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n '$ns' exec -it web -- tty" /dev/null
fi

check_output "kubectl logs" '^log line 3 from '"$ns"'/web/nginx' kubectl_ -n "$ns" logs web
"$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$ns" logs -f web > "$T/follow" 2>&1 &
fpid=$!
on_exit "kill $fpid"
if wait_for 60 grep -q '^log line 2 from' "$T/follow" && kill -0 "$fpid" 2>/dev/null; then
    ok "kubectl logs -f streams until interrupted"
else
    not_ok "kubectl logs -f streams until interrupted" "$(tail -n 5 "$T/follow")"
fi
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
# (nodes/<n>/proxy is not tested: the apiserver refuses to proxy to a loopback node address.)

k() { curl -sk --max-time 60 -o /dev/null -w '%{http_code}' "$@" "https://127.0.0.1:$port/healthz"; }
check_output "no credentials: 401" '^401$' k
check_output "a valid token: 200" '^200$' sh -c "printf 'Authorization: Bearer good-token\n' | curl -sk --max-time 60 -H @- -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/healthz"
check_output "a denied user: 403" '^403$' sh -c "printf 'Authorization: Bearer deny-token\n' | curl -sk --max-time 60 -H @- -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/healthz"
check_output "the apiserver's client certificate is accepted" '^200$' \
    k --cert "${ECI_CLUSTER_DIR}/pki/apiserver-kubelet-client.crt" --key "${ECI_CLUSTER_DIR}/pki/apiserver-kubelet-client.key"

stop_pid "$KPID" 10
if grep -q 'ERROR: AddressSanitizer\|runtime error' "$T/kapi.log"; then
    not_ok "kapi_local ran clean under ASan/UBSan" "$(grep -A5 'ERROR\|runtime error' "$T/kapi.log" | head -20)"
else
    ok "kapi_local ran clean under ASan/UBSan"
fi
finish
