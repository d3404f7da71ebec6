#!/usr/bin/env bash
# One benchmark run: a burst of N pods onto a fresh virtual node, timed end to
# end against the running control plane and an emulator with per-call latency
# and the published quotas; then (optionally) the idle cost of the N Running
# pods; then the scale-down. Release binaries (ECI_TEST_BIN=bin/).
#
#   tests/bench/burst.sh N [IDLE_SECONDS]
#
# Environment: BENCH_LATENCY_MS (50), BENCH_SYNC (5s, the bridge's
# --pod-status-sync-period), BENCH_EMU_FLAGS (extra emulator flags),
# BENCH_BRIDGE_FLAGS (extra bridge flags), BENCH_CREATE_PARALLEL (16
# connections posting the pods at once), BENCH_CREATE_RATE and BENCH_CREATE_BURST
# (33.3 pods/s after the first 200; rate 0: no pacing), BENCH_OUT (build/bench), BENCH_BRIDGES (1: bridges,
# one virtual node each, sharing the emulator's one account; the pods are
# spread over their nodes), BENCH_RESTART (0; 1: after the idle window the
# bridge is stopped and started again, timed until /readyz, which waits for
# every group to be tracked, with the ECI calls it made; one bridge only),
# BENCH_SCALEDOWN (1; 0: no scale-down timing: the pods are left to the
# namespace's deletion at the end, e.g. for a restart-only measurement).
# Prints the figures; raw records and result.json stay in BENCH_OUT/burst-N.
. "$(dirname "$0")/../lib.sh"
N=${1:?usage: burst.sh N [IDLE_SECONDS]}
IDLE=${2:-0}
LAT=${BENCH_LATENCY_MS:-50}
SYNC=${BENCH_SYNC:-5s}
OUT=${BENCH_OUT:-$ECI_REPO/build/bench}/burst-$N
rm -rf "$OUT"; mkdir -p "$OUT"
need_cluster
# shellcheck disable=SC2086
# The account's vCPU quota (the node's capacity follows it) sized for the burst.
start_emulator --latency-ms "$LAT" --realistic --no-namespaces --quota-cpu $(((N + 1000) * 4)) ${BENCH_EMU_FLAGS:-} \
    || { not_ok "emulator starts"; finish; }
K=${BENCH_BRIDGES:-1}
NODES=() PIDS=() HEALTHS=()
for ((b = 0; b < K; b++)); do
    NODE=vk-bench-$N-$$-$b
    unset BRIDGE_PORT
    # shellcheck disable=SC2086
    start_bridge "$NODE" --pod-status-sync-period "$SYNC" --log-level warn \
        --capacity-pods $((N + 1000)) --capacity-cpu $((N + 1000)) --capacity-memory $((N + 1000))Gi \
        ${BENCH_BRIDGE_FLAGS:-} \
        || { not_ok "bridge $NODE starts"; finish; }
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
    NODES+=("$NODE") PIDS+=("$BRIDGE_PID") HEALTHS+=("$BRIDGE_HEALTH")
done
NODE_LIST=$(IFS=,; echo "${NODES[*]}")
# Every bridge's /metrics, one after the other (analyze.py adds them up).
all_metrics() { for h in "${HEALTHS[@]}"; do curl -sf "$h/metrics"; done; }
test_namespace bench
NS=$TEST_NS
wait_for 30 kubectl_ get serviceaccount default -n "$NS"

# CPU ticks and /proc/PID/status figures: summed over the bridges (VmHWM:
# the largest one).
cpu_ticks() { for p in "${PIDS[@]}"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}'; }
status_kb() {
    for p in "${PIDS[@]}"; do awk -v k="$1:" '$1 == k {print $2}' "/proc/$p/status"; done |
        awk -v k="$1" '{s += $1; if ($1 > m) m = $1} END {print (k == "VmHWM" ? m : s)}'
}
now() { python3 -c 'import time; print("%.3f" % time.time())'; }
ledger_total() { curl -sf "$ECI_ADMIN_URL/ledger" | jq -r '.total'; }

# A timed watch of the namespace's pods: "EPOCH UID|NODE|PHASE" per event.
# When the apiserver ends the watch (a client that falls behind a burst is
# cut off), kubectl starts again: its fresh listing stamps what changed in
# between at the restart, which errs late, never early. kubectl's errors and
# the restarts go to watch.err.
(
    while [ ! -e "$OUT/watch.stop" ]; do
        "$KUBECTL" --kubeconfig "$KUBECONFIG" get pods -n "$NS" -w \
            -o jsonpath='{.metadata.uid}|{.spec.nodeName}|{.status.phase}{"\n"}'
        echo "$(date +%s.%N) watch ended (exit $?), restarting" >&2
        sleep 0.2
    done
) 2>"$OUT/watch.err" > >(python3 -u "$ECI_REPO/tests/bench/stamp.py" > "$OUT/watch.log") &
WATCH_PID=$!
on_exit "touch '$OUT/watch.stop'; pkill -P $WATCH_PID"
sleep 1

curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null
all_metrics > "$OUT/metrics0.txt"
cpu0=$(cpu_ticks)
# The pods go to the apiserver over BENCH_CREATE_PARALLEL connections at
# once (pods.py post), faster than the account's create quota takes them: a
# `kubectl create -f` sends one pod at a time (about 20/s on a loaded 2-core
# machine), which made the harness, not the quota, the pace. They are posted
# at BENCH_CREATE_RATE pods/s after a first BENCH_CREATE_BURST (default:
# twice the account's create rate and burst, so the pods stay ahead of the
# quota throughout, as a controller's burst would); 0 posts them as fast as
# the connections go, which at 10,000 pods queues tens of seconds of
# scheduler binds and watch events in the apiserver of a 2-core machine, and
# those seconds are in the first minutes' status lag.
PAR=${BENCH_CREATE_PARALLEL:-16}
RATE=${BENCH_CREATE_RATE:-33.3}
RBURST=${BENCH_CREATE_BURST:-200}
python3 "$ECI_REPO/tests/bench/pods.py" "$N" "$NODE_LIST" "$OUT/pods" 1
t0=$(now)
python3 "$ECI_REPO/tests/bench/pods.py" post "$KUBECONFIG" "$NS" "$PAR" "$RATE" "$RBURST" "$OUT/pods.0.json" > "$OUT/create.txt" 2>&1 ||
    not_ok "create pods" "$(tail -3 "$OUT/create.txt")"
tc=$(now)
diag "$N pods created in $(awk -v a="$t0" -v b="$tc" 'BEGIN{printf "%.1f", b-a}') s"
# Counted from the timing watch (a list of N pods every 0.2 s would load the
# apiserver it measures); the apiserver is asked only every 15 s, in case the
# watch missed something.
last_poll=0
running() {
    [ "$(awk '$2 ~ /\|Running$/ {split($2, f, "|"); u[f[1]] = 1} END {print length(u) + 0}' "$OUT/watch.log")" -ge "$N" ] && return 0
    [ $((SECONDS - last_poll)) -lt 15 ] && return 1
    last_poll=$SECONDS
    test "$(pods_in_phase "$NS" Running)" -ge "$N"
}
limit=$((90 + N / 4))
if wait_for "$limit" running; then
    ok "$N pods Running"
else
    not_ok "$N pods Running within $limit s" "$(kubectl_ get pods -n "$NS" --no-headers | awk '{print $3}' | sort | uniq -c)"
fi
t_end=$(now)
sleep 1
curl -sf "$ECI_ADMIN_URL/ledger" > "$OUT/ledger.json"
curl -sf "$ECI_ADMIN_URL/groups" > "$OUT/groups.json"
all_metrics > "$OUT/metrics1.txt"
cpu1=$(cpu_ticks)
# The namespace's Events by then (every writer's: the scheduler's too).
kubectl_ get events -n "$NS" -o json > "$OUT/events.json" 2>/dev/null
cat > "$OUT/meta.json" <<EOF2
{"n": $N, "t0": $t0, "t_end": $t_end, "cpu0": $cpu0, "cpu1": $cpu1, "clk_tck": $(getconf CLK_TCK),
 "hwm_kb": $(status_kb VmHWM), "rss_kb": $(status_kb VmRSS), "rss_anon_kb": $(status_kb RssAnon),
 "rss_file_kb": $(status_kb RssFile), "threads": $(status_kb Threads), "latency_ms": $LAT,
 "create_per_min": 1000, "create_burst": 100, "bridges": $K, "schedule_delay_s": 3}
EOF2
python3 "$ECI_REPO/tests/bench/analyze.py" "$OUT" | sed 's/^/# /'

cp "/proc/$BRIDGE_PID/smaps" "$OUT/smaps-burst.txt" 2>/dev/null

if [ "$IDLE" -gt 0 ]; then
    # The steady state: once the burst's event backlog is written.
    metric() { all_metrics | awk -v m="$1" '$1 == m {s += $2} END {print s + 0}'; }
    drained() { [ "$(metric eci_kubelet_event_queue_depth)" = "0" ] && [ "$(metric eci_kubelet_reconcile_queue_depth)" = "0" ]; }
    tq=$(now)
    wait_for $((60 + N / 10)) drained || diag "queues not drained: events $(metric eci_kubelet_event_queue_depth)"
    diag "event backlog written $(awk -v a="$tq" -v b="$(now)" 'BEGIN{printf "%.0f", b-a}') s after all Running" \
        "($(metric eci_kubelet_events_dropped_total) dropped)"
    l0=$(ledger_total); c0=$(cpu_ticks)
    curl -sf "$ECI_ADMIN_URL/ledger" > "$OUT/idle-ledger0.json"
    all_metrics > "$OUT/idle-metrics0.txt"
    sleep "$IDLE"
    l1=$(ledger_total); c1=$(cpu_ticks)
    curl -sf "$ECI_ADMIN_URL/ledger" > "$OUT/idle-ledger1.json"
    all_metrics > "$OUT/idle-metrics1.txt"
    cp "/proc/$BRIDGE_PID/smaps" "$OUT/smaps-idle.txt" 2>/dev/null
    diag "after the idle window: VmRSS $(status_kb VmRSS) kB (anonymous $(status_kb RssAnon), files $(status_kb RssFile))"
    python3 - "$OUT" "$IDLE" "$N" "$SYNC" "$((c1 - c0))" "$(getconf CLK_TCK)" "$(status_kb VmHWM)" <<'EOF3' | sed 's/^/# /'
import json, math, re, sys
d, idle, n, sync, ticks, hz, hwm = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
def calls(p):
    return {a: sum(v.values()) for a, v in json.load(open(p))["calls"].items()}
def kube(p):
    out = {}
    for line in open(p):
        m = re.match(r'^eci_kubelet_kube_requests_total\{verb="([^"]*)",resource="([^"]*)"\}\s+(\S+)', line)
        if m:
            out[(m.group(1), m.group(2))] = float(m.group(3))
    return out
c0, c1 = calls(d + "/idle-ledger0.json"), calls(d + "/idle-ledger1.json")
k0, k1 = kube(d + "/idle-metrics0.txt"), kube(d + "/idle-metrics1.txt")
mins = idle / 60.0
eci = {a: (c1[a] - c0.get(a, 0)) / mins for a in c1 if c1[a] - c0.get(a, 0) > 0}
writes = sum(v - k0.get(k, 0) for k, v in k1.items() if k[0] in ("create", "update", "patch", "delete"))
allreq = sum(v - k0.get(k, 0) for k, v in k1.items())
period = float(sync[:-1]) if sync.endswith("s") else float(sync)
dcg = eci.get("DescribeContainerGroups", 0) + eci.get("DescribeContainerGroupStatus", 0)
per_sync = dcg / (60.0 / period)
res = {"idle_s": idle, "pods": n, "eci_calls_per_min": {a: round(v, 1) for a, v in sorted(eci.items())},
       "describe_per_sync_period": round(per_sync, 2), "target_describe_per_sync": math.ceil(n / 20),
       "apiserver_writes_per_min": round(writes / mins, 1), "apiserver_requests_per_min": round(allreq / mins, 1),
       "cpu_percent_of_core": round(100.0 * ticks / hz / idle, 2), "vmhwm_mb": round(hwm / 1024.0, 1)}
json.dump(res, open(d + "/idle.json", "w"), indent=1)
print("idle %d pods for %d s: ECI calls/min %s; describe calls per %s sync period %.2f (target <= %d);"
      % (n, idle, res["eci_calls_per_min"], sync, per_sync, res["target_describe_per_sync"]))
print("  apiserver writes/min %.1f (all requests/min %.1f); bridge CPU %.2f%% of a core; VmHWM %.1f MB"
      % (res["apiserver_writes_per_min"], res["apiserver_requests_per_min"], res["cpu_percent_of_core"], res["vmhwm_mb"]))
EOF3
fi

if [ "${BENCH_RESTART:-0}" = 1 ] && [ "$K" = 1 ]; then
    # Restart at N Running pods: stopped, started again, timed to /readyz
    # (the pod cache and the group map synced: every group tracked).
    stop_pid "$BRIDGE_PID" 30
    curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null
    BRIDGE_ARGS+=(--log-level info) # for the recovery's own line
    # The ledger as the recovery's line is logged (checked every 10 ms): the
    # status loop's first poll starts right after it, before /readyz is seen.
    (
        for ((i = 0; i < 12000; i++)); do
            if grep -q 'group map rebuilt' "$BRIDGE_LOG" 2>/dev/null; then
                curl -sf "$ECI_ADMIN_URL/ledger" > "$OUT/recovery-ledger.json"
                break
            fi
            sleep 0.01
        done
    ) &
    rwatch=$!
    tr=$(now)
    if restart_bridge; then
        tready=$(now)
        PIDS=("$BRIDGE_PID") HEALTHS=("$BRIDGE_HEALTH")
        ok "restart at $N Running pods: every group tracked $(awk -v a="$tr" -v b="$tready" 'BEGIN{printf "%.1f", b-a}') s after the start"
        diag "restart: $(curl -sf "$ECI_ADMIN_URL/ledger" | jq -r '.total') ECI calls until ready" \
            "($(curl -sf "$ECI_ADMIN_URL/ledger" | jq -c '.calls | map_values(add)')), target <= $(( (N + 199) / 200 + 10 ));" \
            "CreateContainerGroup $(ledger_count CreateContainerGroup)"
        wait "$rwatch"
        diag "recovery: $(grep -m1 -o 'group map rebuilt.*' "$BRIDGE_LOG"); ECI calls by then" \
            "$(jq -r '.total' "$OUT/recovery-ledger.json" 2>/dev/null)" \
            "($(jq -c '.calls | map_values(add)' "$OUT/recovery-ledger.json" 2>/dev/null))"
    else
        not_ok "the bridge restarts at $N Running pods"
    fi
fi

# Scale-down: every pod deleted, every group gone. Floor: DeleteContainerGroup
# under the account's published quota (1000 per 60 s, burst 100), however
# many bridges share it, plus one call's latency.
[ "${BENCH_SCALEDOWN:-1}" = 1 ] || finish
curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null
td=$(now)
kubectl_ delete pods -n "$NS" --all --wait=false >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
if wait_for $((120 + N / 5)) no_groups; then
    tg=$(now)
    ok "$N groups deleted in $(awk -v a="$td" -v b="$tg" 'BEGIN{printf "%.1f", b-a}') s"
    diag "scale-down of $N pods: every group deleted in $(awk -v a="$td" -v b="$tg" -v n="$N" -v l="$LAT" 'BEGIN{
        f = (n > 100 ? (n - 100) / (1000 / 60.0) : 0) + l / 1000.0;
        printf "%.1f s (DeleteContainerGroup floor %.1f s, %.2fx)", b - a, f, (b - a) / f}')"
else
    not_ok "every container group deleted" "$(emulator_groups) left"
fi
no_pods() { test "$(kubectl_ get pods -n "$NS" --no-headers 2>/dev/null | wc -l)" -eq 0; }
if wait_for $((60 + N / 10)) no_pods; then
    ok "$N pods deleted in $(awk -v a="$td" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s"
else
    not_ok "$N pods deleted" "$(kubectl_ get pods -n "$NS" --no-headers | wc -l) left"
fi
# The ledger was reset at the delete: every answer since is the scale-down's.
curl -sf "$ECI_ADMIN_URL/ledger" > "$OUT/ledger-scaledown.json"
diag "scale-down: DeleteContainerGroup accepted $(ledger_count DeleteContainerGroup);" \
    "$(jq -r '([.calls[] | to_entries[] | select(.key | startswith("Throttling")) | .value] | add // 0) as $t |
        "\($t) of \(.total) ECI calls answered Throttling (\(if .total > 0 then $t * 10000 / .total | floor / 100 else 0 end)%)"' \
        "$OUT/ledger-scaledown.json")"
finish
