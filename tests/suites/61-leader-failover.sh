#!/usr/bin/env bash
# High availability: two bridges for the same node with --leader-elect share
# one Lease. The standby waits; after kill -9 of the leader it takes over
# once the lease has expired (never before), recovers the container groups
# without duplicating any and keeps reconciling pods. A graceful stop releases
# the Lease for the standby. How fast a takeover is belongs to benchmarks.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
test_namespace ha
NS=$TEST_NS
NODE=vk-ha-$$
LEASE=eci-kubelet-$NODE
# lease duration, renew deadline, retry period (seconds): long enough that a
# starved leader still renews in time on a loaded machine
LD=15 RD=10 RP=2
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
lib_tmpdir

# launch NAME: start a bridge candidate; sets PID_<NAME>, HEALTH_<NAME>, LOG_<NAME>.
launch() {
    local name=$1 port hport log
    port=$(free_port); hport=$(free_port); log=$LIB_TMP/bridge-$name.log
    "$ECI_TEST_BIN/eci-kubelet" --kubeconfig "$KUBECONFIG" --node-name "$NODE" --eci-endpoint "$ECI_ENDPOINT" \
        --region cn-hangzhou --security-group sg-e2e --vswitch vsw-e2e --cluster-name e2e \
        --node-ip 127.0.0.1 --hostname-address none --port "$port" \
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
        --client-ca-file "$ECI_CLUSTER_KUBELET_CLIENT_CA" --health-probe-bind-address "127.0.0.1:$hport" \
        --pod-status-sync-period 2s --leader-elect --leader-elect-namespace "$NS" \
        --leader-elect-lease-duration ${LD}s --leader-elect-renew-deadline ${RD}s \
        --leader-elect-retry-period ${RP}s >> "$log" 2>&1 < /dev/null &
    local pid=$!
    on_exit "stop_pid $pid 20"
    printf -v "PID_$name" '%s' "$pid"
    printf -v "HEALTH_$name" '%s' "http://127.0.0.1:$hport"
    printf -v "LOG_$name" '%s' "$log"
    printf -v "PORT_$name" '%s' "$port"
    diag "candidate $name: pid $pid, log $log"
}
holder() { kc get lease -n "$NS" "$LEASE" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
holder_is() { test "$(holder)" = "$1"; }
ident() { echo "$(hostname)_$1"; }
ready() { curl -sf "$1/readyz" >/dev/null; }

launch A
check "first candidate becomes leader and ready" wait_for 120 ready "$HEALTH_A"
check "it holds the Lease $NS/$LEASE" holder_is "$(ident "$PID_A")"
launch B
check "second candidate waits as standby" wait_for 60 grep -q 'waiting to acquire the lease' "$LOG_B"
sleep $((LD + 1))
check "standby does not take a live leader's Lease" holder_is "$(ident "$PID_A")"
check "standby is not ready (it does not drive the node)" sh -c "! curl -sf '$HEALTH_B/readyz'"
check "standby logged no leadership" sh -c "! grep -q 'acquired leadership' '$LOG_B'"
check "standby logs who holds the Lease" grep -q "election lease held by $(ident "$PID_A")" "$LOG_B"

curl -sf -X POST "$ECI_ADMIN_URL/reset-ledger" >/dev/null
N=5
kc apply -f - >/dev/null <<EOF2
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $NS}
spec:
  replicas: $N
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {type: virtual-kubelet, kubernetes.io/hostname: $NODE}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
      terminationGracePeriodSeconds: 5
      containers:
      - {name: app, image: busybox, command: ["sleep", "3600"]}
EOF2
n_running() { test "$(pods_in_phase "$NS" Running)" -eq "$1"; }
check "$N pods Running under the first leader" wait_for 120 n_running $N

# ---- kill -9 the leader
# The standby may take the Lease only after it expired: its acquireTime is at
# least the dead leader's last renewTime plus the lease duration (both written
# by bridges on this host's clock).
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null
lease_us() { # FIELD: the Lease's FIELD as microseconds since the epoch
    python3 -c 'import sys, datetime
t = datetime.datetime.strptime(sys.argv[1].rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
print(int(t.timestamp() * 1000000))' "$(kc get lease -n "$NS" "$LEASE" -o jsonpath="{.spec.$1}")"
}
renew0=$(lease_us renewTime)
if wait_for $((LD + 120)) holder_is "$(ident "$PID_B")"; then
    acq=$(lease_us acquireTime)
    check "standby takes over only after the lease expired ($(( (acq - renew0) / 1000 )) ms after the last renewal, lease ${LD} s)" \
        test "$acq" -ge $((renew0 + LD * 1000000))
else
    not_ok "standby takes over after kill -9" "holder: $(holder)" "$(tail -n 20 "$LOG_B")"
fi
check "new leader becomes ready" wait_for 120 ready "$HEALTH_B"
check "new leader logged the takeover" grep -q 'acquired leadership' "$LOG_B"
check "pods stay Running across the failover" n_running $N

# ---- the new leader reconciles: scale up, a pod created after the failover runs
kc scale deployment -n "$NS" web --replicas $((N + 2)) >/dev/null
check "pods created after the failover run ($((N + 2)) Running)" wait_for 120 n_running $((N + 2))
port=$(kc get node "$NODE" -o jsonpath='{.status.daemonEndpoints.kubeletEndpoint.Port}')
check "the Node points at the new leader's kubelet API (port $port)" test "$port" = "$PORT_B"
pod=$(kc get pods -n "$NS" -o jsonpath='{.items[0].metadata.name}')
check_output "kubectl exec works through the new leader" 'after-failover' \
    kc exec -n "$NS" "$pod" -- echo after-failover
led=$(curl -sf "$ECI_ADMIN_URL/ledger")
created=$(jq -r '.groups_created' <<<"$led")
check "no duplicate container group: $created created for $((N + 2)) pods" test "$created" -eq $((N + 2))
check "emulator holds exactly $((N + 2)) groups" test "$(emulator_groups)" -eq $((N + 2))
diag "ECI calls: $(jq -c '.calls' <<<"$led")"

# ---- a graceful stop hands the Lease over without waiting for expiry
launch C
check "restarted candidate waits as standby" wait_for 60 grep -q 'waiting to acquire the lease' "$LOG_C"
stop_pid "$PID_B" 60
check "the stopped leader released the Lease" grep -q 'released leadership' "$LOG_B"
check "the standby takes the released Lease" wait_for $((LD + 120)) holder_is "$(ident "$PID_C")"
check "third leader becomes ready" wait_for 120 ready "$HEALTH_C"
kc scale deployment -n "$NS" web --replicas $((N + 3)) >/dev/null
check "and reconciles ($((N + 3)) Running)" wait_for 120 n_running $((N + 3))
check "still no duplicate container group" \
    test "$(curl -sf "$ECI_ADMIN_URL/ledger" | jq -r '.groups_created')" -eq $((N + 3))

kc delete deployment -n "$NS" web --wait=false >/dev/null
no_groups() { test "$(emulator_groups)" -eq 0; }
check "cleanup: every group deleted" wait_for 90 no_groups
stop_pid "$PID_C" 20
check "no sanitizer reports in the bridge logs" sh -c "! grep -q Sanitizer '$LIB_TMP'/bridge-*.log"
finish
