#!/usr/bin/env bash
# What the emulator's process runtime honours of a PodSpec, seen through the
# bridge and kubectl: a read-only root filesystem, resolv.conf from
# dnsConfig, ConfigMap item modes, lifecycle hooks over HTTP and TCP,
# runAsNonRoot (CreateContainerConfigError) and runAsUser/runAsGroup, and
# termination messages (file, custom path, FallbackToLogsOnError).
# Needs root for the runtime's mount namespaces; without them the checks
# that depend on them are skipped.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
if [ "$(id -u)" != 0 ] || ! unshare --mount --uts true 2>/dev/null; then
    skip "pod runtime e2e" "needs root and mount namespaces"
    finish
fi
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-rt-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
test_namespace prt
NS=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"

PLACE="nodeSelector: {kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]"
phase_is() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = "$2"; }
logs_has() { kubectl_ logs -n "$NS" "$1" 2>/dev/null | grep -qx "$2"; }
ex() { kubectl_ exec -n "$NS" "$@"; }

# A local server for the hooks (the runtime's processes share the host
# network): one line per connection, the request line or "tcp-connect".
HOOKLOG=$LIB_TMP/hooks.log
cat > "$LIB_TMP/hooksrv.py" <<'EOF'
import socket, sys, threading
log = open(sys.argv[1], "a", buffering=1)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
def serve(c):
    c.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            b = c.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    if data:
        lines = data.decode("latin-1").split("\r\n")
        hook = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("x-hook:")]
        log.write("%s %s\n" % (lines[0], hook[0] if hook else "-"))
        c.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    else:
        log.write("tcp-connect\n")
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
: > "$HOOKLOG"
bg_start hook-server "$LIB_TMP/hooksrv.out" python3 "$LIB_TMP/hooksrv.py" "$HOOKLOG" "$LIB_TMP/hookport"
wait_for 60 test -s "$LIB_TMP/hookport" || { not_ok "hook server starts"; finish; }
HPORT=$(cat "$LIB_TMP/hookport")
hook_lines() { grep -c -- "$1" "$HOOKLOG"; }

# ---- read-only root, resolv.conf, file modes, hooks: pods created together
kubectl_ create configmap -n "$NS" files --from-literal=secret=s3 --from-literal=plain=p >/dev/null
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: rofs, namespace: $NS}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "touch /eci-e2e-rofs 2>/dev/null && echo ROOT=rw || echo ROOT=ro; touch /scratch/x && echo SCRATCH=rw; sleep 3600"]
    securityContext: {readOnlyRootFilesystem: true}
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes: [{name: scratch, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: $NS}
spec:
  $PLACE
  dnsPolicy: "None"
  dnsConfig:
    nameservers: [192.0.2.53]
    searches: [svc.example.internal, example.internal]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: modes, namespace: $NS}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes:
  - name: cfg
    configMap:
      name: files
      defaultMode: 288
      items: [{key: secret, path: secret, mode: 256}, {key: plain, path: plain}]
---
apiVersion: v1
kind: Pod
metadata: {name: hooks-http, namespace: $NS}
spec:
  $PLACE
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    lifecycle:
      postStart: {httpGet: {host: 127.0.0.1, port: $HPORT, path: /post-start, httpHeaders: [{name: X-Hook, value: post}]}}
      preStop: {tcpSocket: {host: 127.0.0.1, port: $HPORT}}
---
apiVersion: v1
kind: Pod
metadata: {name: hooks-tcp, namespace: $NS}
spec:
  $PLACE
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    lifecycle:
      postStart: {tcpSocket: {host: 127.0.0.1, port: $HPORT}}
      preStop: {httpGet: {host: 127.0.0.1, port: $HPORT, path: /pre-stop}}
EOF
for p in rofs dns modes hooks-http hooks-tcp; do
    check "$p runs" wait_for 60 phase_is "$p" Running
done

check "readOnlyRootFilesystem: the container cannot write to /" wait_for 60 logs_has rofs ROOT=ro
check "... an emptyDir stays writable" logs_has rofs SCRATCH=rw
exec_cannot_write() { ! ex rofs -- touch /eci-e2e-rofs-exec; }
check "... nor can kubectl exec" exec_cannot_write
nothing_on_host() { ! test -e /eci-e2e-rofs && ! test -e /eci-e2e-rofs-exec; }
check "... and nothing reached the host's /" nothing_on_host

want=$(printf 'search svc.example.internal example.internal\nnameserver 192.0.2.53\noptions ndots:2 edns0')
got=$(ex dns -- cat /etc/resolv.conf 2>&1)
check "dnsConfig shows in the container's /etc/resolv.conf" test "$got" = "$want"
[ "$got" = "$want" ] || diag "resolv.conf: $got"

got=$(ex modes -- stat -c '%a %n' /cfg/secret /cfg/plain 2>&1 | tr '\n' ' ')
check "ConfigMap item mode 0400 and defaultMode 0440 ($got)" test "$got" = "400 /cfg/secret 440 /cfg/plain "
check "... and the content" test "$(ex modes -- cat /cfg/secret 2>&1)" = s3

post_seen() { test "$(hook_lines 'GET /post-start HTTP/1.1 post')" -ge 1; }
check "postStart httpGet reached the server with its header" wait_for 60 post_seen
post_tcp_seen() { test "$(hook_lines tcp-connect)" -ge 1; }
check "postStart tcpSocket connected" wait_for 20 post_tcp_seen
tcp_before=$(hook_lines tcp-connect) # hooks-tcp's postStart: the only connect before the deletes
kubectl_ delete pod -n "$NS" hooks-http hooks-tcp --wait=false >/dev/null
pre_tcp_seen() { test "$(hook_lines tcp-connect)" -gt "$tcp_before"; }
pre_http_seen() { test "$(hook_lines 'GET /pre-stop HTTP/1.1')" -ge 1; }
check "preStop tcpSocket ran on delete" wait_for 60 pre_tcp_seen
check "preStop httpGet ran on delete" wait_for 60 pre_http_seen
events_of() { kubectl_ get events -n "$NS" --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}'; }
no_hook_failures() { ! { events_of hooks-http; events_of hooks-tcp; } | grep -q Failed; }
check "no hook failure events" no_hook_failures

# a postStart hook nobody answers kills the container (FailedPostStartHook)
CLOSED=$(free_port)
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hook-fails, namespace: $NS}
spec:
  $PLACE
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    lifecycle: {postStart: {httpGet: {host: 127.0.0.1, port: $CLOSED, path: /nobody}}}
EOF
failed_hook() { events_of hook-fails | grep -qx FailedPostStartHook; }
check "unanswered postStart httpGet: FailedPostStartHook event" wait_for 60 failed_hook
restarted() { test "$(kubectl_ get pod -n "$NS" hook-fails -o jsonpath='{.status.containerStatuses[0].restartCount}')" -ge 1; }
check "... and the container is killed and restarted" wait_for 60 restarted

# ---- runAsNonRoot and the user and group
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: nonroot-bad, namespace: $NS}
spec:
  $PLACE
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: nonroot-ok, namespace: $NS}
spec:
  $PLACE
  securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000}
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
EOF
waiting_reason() { kubectl_ get pod -n "$NS" nonroot-bad -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'; }
is_cce() { test "$(waiting_reason)" = CreateContainerConfigError; }
check "runAsNonRoot with a root image user: CreateContainerConfigError" wait_for 60 is_cce
msg=$(kubectl_ get pod -n "$NS" nonroot-bad -o jsonpath='{.status.containerStatuses[0].state.waiting.message}')
check "... with the kubelet's message ($msg)" grep -q 'container has runAsNonRoot and image will run as root' <<<"$msg"
check "... and the pod stays Pending" phase_is nonroot-bad Pending
check "runAsNonRoot with runAsUser 1000 runs" wait_for 60 phase_is nonroot-ok Running
got=$(ex nonroot-ok -- sh -c 'id -u; id -g' 2>&1 | tr '\n' ' ')
check "runAsUser/runAsGroup: uid 1000 gid 3000 ($got)" test "$got" = "1000 3000 "

# ---- termination messages
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: term, namespace: $NS}
spec:
  $PLACE
  restartPolicy: Never
  containers:
  - name: file
    image: busybox
    command: ["sh", "-c", "printf 'written to the default path' > /dev/termination-log"]
  - name: custom
    image: busybox
    command: ["sh", "-c", "printf 'custom path' > /tmp/eci-e2e-term; exit 4"]
    terminationMessagePath: /tmp/eci-e2e-term
  - name: logs
    image: busybox
    command: ["sh", "-c", "echo first line; echo boom: the reason; exit 3"]
    terminationMessagePolicy: FallbackToLogsOnError
EOF
check "pod with failing containers ends Failed" wait_for 60 phase_is term Failed
tmsg() { kubectl_ get pod -n "$NS" term -o jsonpath="{.status.containerStatuses[?(@.name==\"$1\")].state.terminated.message}"; }
check "terminationMessagePath default: message read back ($(tmsg file))" test "$(tmsg file)" = 'written to the default path'
check "custom terminationMessagePath ($(tmsg custom))" test "$(tmsg custom)" = 'custom path'
fallback_msg() { tmsg logs | grep -qx 'boom: the reason'; }
check "FallbackToLogsOnError: the log tail on failure ($(tmsg logs | tr '\n' '|'))" fallback_msg

check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer \"$BRIDGE_LOG\""
check "no sanitizer reports in the emulator log" sh -c "! grep -q Sanitizer \"$ECI_EMULATOR_LOG\""
finish
