#!/usr/bin/env bash
# Exec through the bridge, measured with real kubectl against the real
# kube-apiserver and the ECI emulator (release binaries from bin/ unless
# ECI_TEST_BIN says otherwise):
#
#   throughput: BENCH_MB MiB (default 100) of zeros through
#               `kubectl exec -i POD -- cat | wc -c`, over WebSocket
#               (kubectl → apiserver; SPDY apiserver → bridge) and over SPDY
#               end to end;
#   latency:    BENCH_N (default 20) runs of `kubectl exec POD -- true` in each
#               mode against the baseline `kubectl get pod POD` (one apiserver
#               round trip, same kubectl start-up); median and p99 of each
#               and the median added by exec.
#
# Uses the running test cluster (make cluster-up), or starts one and stops it
# at the end. Prints a Markdown table for docs/benchmarks.md.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export ECI_REPO=$REPO
export ECI_TEST_BIN=${ECI_TEST_BIN:-$REPO/bin}
MB=${BENCH_MB:-100}
N=${BENCH_N:-20}
STARTED=0
if ! bash "$REPO/tests/cluster/cluster.sh" status >/dev/null 2>&1; then
    bash "$REPO/tests/cluster/cluster.sh" up >/dev/null || { echo "the control plane did not start" >&2; exit 1; }
    STARTED=1
fi
. "$REPO/tests/lib.sh"
. "$REPO/tests/kubelet-lib.sh"
[ $STARTED = 1 ] && on_exit "bash '$REPO/tests/cluster/cluster.sh' down"
# Results go to stdout; suite-style ok/not ok lines are kept out of the way.
ok() { :; }
not_ok() { echo "error: $*" >&2; exit 1; }
kubelet_env bench
run_pod box 'sleep 3600'
wait_running box 60 || { echo "the pod did not start" >&2; exit 1; }
lib_tmpdir

now_ns() { date +%s%N; }
# stats FILE: "median p99" of the numbers in FILE (ms).
stats() { sort -n "$1" | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; i=int(NR*0.99+0.999); if (i<1) i=1; if (i>NR) i=NR; printf "%.0f %.0f", m, a[i]}'; }

echo "# exec benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# bridge: $ECI_TEST_BIN/eci-kubelet; kubectl: $("$KUBECTL" version --client -o json | jq -r .clientVersion.gitVersion)"
echo
echo "| mode | what | result |"
echo "| --- | --- | --- |"
for mode in websocket spdy; do
    if [ $mode = spdy ]; then export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false; else export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true; fi
    t0=$(now_ns)
    bytes=$(head -c "${MB}M" /dev/zero | kx exec -i box -- cat | wc -c)
    t1=$(now_ns)
    ms=$(( (t1 - t0) / 1000000 ))
    want=$((MB * 1024 * 1024))
    [ "$bytes" = "$want" ] || echo "warning: $mode: $bytes bytes came back, not $want" >&2
    echo "| $mode | ${MB} MiB through \`kubectl exec -i box -- cat\` | $(awk -v b="$bytes" -v ms="$ms" 'BEGIN {printf "%.1f MiB/s (%d bytes in %.2f s)", b / 1048576 / (ms / 1000), b, ms / 1000}') |"
    : > "$LIB_TMP/exec-$mode"
    for i in $(seq 1 "$N"); do
        t0=$(now_ns); kx exec box -- true >/dev/null 2>&1; t1=$(now_ns)
        echo $(( (t1 - t0) / 1000000 )) >> "$LIB_TMP/exec-$mode"
    done
done
unset KUBECTL_REMOTE_COMMAND_WEBSOCKETS
: > "$LIB_TMP/base"
for i in $(seq 1 "$N"); do
    t0=$(now_ns); kx get pod box -o name >/dev/null 2>&1; t1=$(now_ns)
    echo $(( (t1 - t0) / 1000000 )) >> "$LIB_TMP/base"
done
read -r bmed bp99 <<<"$(stats "$LIB_TMP/base")"
echo "| baseline | \`kubectl get pod box\` x$N | median ${bmed} ms, p99 ${bp99} ms |"
for mode in websocket spdy; do
    read -r med p99 <<<"$(stats "$LIB_TMP/exec-$mode")"
    echo "| $mode | \`kubectl exec box -- true\` x$N | median ${med} ms, p99 ${p99} ms; added by exec (median) $((med - bmed)) ms |"
done
