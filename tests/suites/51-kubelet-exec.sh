#!/usr/bin/env bash
# kubectl exec, cp and attach through the real kube-apiserver to the bridge
# and on to ExecContainerCommand (the emulator): over WebSocket (kubectl →
# apiserver, SPDY apiserver → bridge) and over SPDY end to end; exit codes,
# stdin, separate stderr, an interactive shell under a real pty (tmux) with a
# resize, kubectl cp both ways, and the refusals for attach and port-forward.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env exec
lib_tmpdir
T=$LIB_TMP

run_pod box 'echo started; sleep 3600'
check "pod runs" wait_running box 120

# A command that prints at once and exits, many times over each transport:
# its output must arrive every time (the bridge replies to every SPDY stream
# before the command starts, ends stdout before the status and leaves the
# close to the client).
for mode in websocket spdy; do
    if [ $mode = spdy ]; then export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false runs=100; else export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true runs=300; fi
    lost=0 unknown=0
    for i in $(seq $runs); do
        out=$(kx exec box -- echo "hi-$i" 2>"$T/quick.err")
        [ "$out" = "hi-$i" ] || { lost=$((lost + 1)); diag "$mode run $i: got [$out] $(head -3 "$T/quick.err")"; }
        grep -q 'Unknown stream id' "$T/quick.err" && unknown=$((unknown + 1))
    done
    diag "$mode: $unknown of $runs runs logged Unknown stream id"
    check "$mode: $runs x kubectl exec -- echo: every output arrived ($lost lost)" test "$lost" -eq 0
done
unset KUBECTL_REMOTE_COMMAND_WEBSOCKETS

for mode in websocket spdy; do
    if [ $mode = spdy ]; then export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false; else export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true; fi
    x() { kx exec box "$@"; }
    host=$(x -- cat /etc/hostname 2>&1)
    if [ -n "$host" ] && ! grep -qi error <<<"$host"; then ok "$mode: kubectl exec -- cat /etc/hostname ($host)"
    else not_ok "$mode: kubectl exec -- cat /etc/hostname" "$host"; fi
    check_output "$mode: echo hi | kubectl exec -i -- cat" '^hi$' sh -c "echo hi | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS exec -i box -- cat"
    x -- sh -c 'exit 7' >/dev/null 2>&1; rc=$?
    if [ $rc -eq 7 ]; then ok "$mode: exit code 7 reaches kubectl"; else not_ok "$mode: exit code 7 reaches kubectl" "got $rc"; fi
    out=$(x -- sh -c 'echo out; echo err >&2' 2>"$T/err")
    if [ "$out" = out ] && [ "$(exec_stderr "$T/err")" = err ]; then ok "$mode: stdout and stderr stay separate"
    else not_ok "$mode: stdout and stderr stay separate" "stdout [$out] stderr [$(cat "$T/err")]"; fi
    check_output "$mode: many stdin lines" '^1000$' sh -c "seq 1000 | '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS exec -i box -- wc -l"

    # kubectl cp both directions (tar over stdin / stdout).
    head -c 300000 /dev/urandom > "$T/blob-$mode"
    rdir=/tmp/eci-cp-$NS-$mode
    x -- mkdir -p "$rdir" >/dev/null 2>&1
    on_exit "rm -rf '$rdir'"
    check "$mode: kubectl cp into the pod" kx cp "$T/blob-$mode" "box:$rdir/blob"
    check_output "$mode: the copy in the pod is identical" "^$(sha256sum < "$T/blob-$mode" | cut -d' ' -f1) " x -- sha256sum "$rdir/blob"
    rm -f "$T/back-$mode"
    check "$mode: kubectl cp out of the pod" kx cp "box:$rdir/blob" "$T/back-$mode"
    if cmp -s "$T/blob-$mode" "$T/back-$mode"; then ok "$mode: the file copied back is identical"
    else not_ok "$mode: the file copied back is identical" "$(ls -l "$T/back-$mode" 2>&1)"; fi

    # An interactive shell under a real pty, and a resize that reaches it.
    sess=eci-exec-$$-$mode
    tmux -L "$sess" new-session -d -s main -x 80 -y 24 \
        "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=$KUBECTL_REMOTE_COMMAND_WEBSOCKETS '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS exec -it box -- sh; sleep 30"
    on_exit "tmux -L '$sess' kill-server"
    pane() { tmux -L "$sess" capture-pane -p -t main; }
    # type only once the remote shell shows its prompt
    prompt() { pane | grep -q '# *$'; }
    wait_for 120 prompt
    tmux -L "$sess" send-keys -t main 'echo mark-$((6*7)); stty size' Enter
    if wait_for 60 sh -c "tmux -L '$sess' capture-pane -p -t main | grep -q '^mark-42'"; then
        ok "$mode: kubectl exec -it runs an interactive shell"
    else not_ok "$mode: kubectl exec -it runs an interactive shell" "$(pane)"; fi
    if wait_for 60 sh -c "tmux -L '$sess' capture-pane -p -t main | grep -q '^24 80'"; then ok "$mode: the terminal is 24x80"
    else not_ok "$mode: the terminal is 24x80" "$(pane)"; fi
    tmux -L "$sess" resize-window -t main -x 100 -y 30
    # the resize travels kubectl -> apiserver -> bridge -> ECI while the
    # shell may already run the next command: ask again until it shows
    resized() { tmux -L "$sess" send-keys -t main 'stty size' Enter; sleep 0.5; pane | grep -q '^30 100'; }
    if wait_for 60 resized; then ok "$mode: a resize reaches the shell"
    else not_ok "$mode: a resize reaches the shell" "$(pane)"; fi
    tmux -L "$sess" send-keys -t main 'exit 5' Enter
    sleep 1
    tmux -L "$sess" kill-server 2>/dev/null
done
unset KUBECTL_REMOTE_COMMAND_WEBSOCKETS

# ---- many sessions at once
pids=()
for i in 1 2 3 4 5; do
    kx exec box -- sh -c "sleep 1; echo par-$i" > "$T/par-$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
n=$(cat "$T"/par-* | grep -c '^par-')
check "five exec sessions at once all finish ($n)" test "$n" = 5

# ---- refusals
out=$(kx attach box -c main 2>&1 </dev/null); rc=$?
if [ $rc -ne 0 ] && grep -q 'attach is not supported' <<<"$out"; then ok "kubectl attach is refused with a clear message"
else not_ok "kubectl attach is refused with a clear message" "exit $rc: $out"; fi
for pfws in true false; do
    pf_port=$(free_port)
    KUBECTL_PORT_FORWARD_WEBSOCKETS=$pfws timeout 120 "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$NS" port-forward box "$pf_port:80" > "$T/pf" 2>&1 &
    pfpid=$!
    wait_for 90 sh -c "curl -s --max-time 10 http://127.0.0.1:$pf_port/ >/dev/null 2>&1; grep -q 'not supported' '$T/pf'"
    kill "$pfpid" 2>/dev/null; wait "$pfpid" 2>/dev/null
    if grep -q 'port forwarding is not supported for pods on ECI' "$T/pf"; then ok "kubectl port-forward shows the refusal (websockets $pfws)"
    else not_ok "kubectl port-forward shows the refusal (websockets $pfws)" "$(cat "$T/pf")"; fi
done
out=$(kx exec box -c nope -- true 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qi 'container.*nope.*not' <<<"$out"; then ok "exec into an unknown container fails with a message"
else not_ok "exec into an unknown container fails with a message" "exit $rc: $out"; fi

no_sanitizer_reports
finish
