#!/usr/bin/env bash
# ACK pod annotations through kubectl: each one reaches its CreateContainerGroup
# parameter (read back from the emulator's admin view of the group) and a bad
# value of each fails the pod with a message naming the annotation; the
# read-only annotations and the ContainerInstanceCreated condition ACK writes
# back appear on the pod with its price (and the price gauge); a Job's sidecar
# stops when its app exits; a spot reclaim evicts the pod; the node's pod capacity follows the account's quota.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
type start_bridge >/dev/null 2>&1 || { skip "ACK annotations e2e" "tests/lib.sh has no start_bridge"; finish; }
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-ack-$$
start_bridge "$NODE" --cluster-dns 10.0.0.10 || { not_ok "bridge starts"; finish; }
test_namespace ack
NS=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"

PLACE="nodeSelector: {kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]"
phase_is() { test "$(kubectl_ get pod -n "$NS" "$1" -o jsonpath='{.status.phase}')" = "$2"; }
group_of() {
    local id
    id=$(curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg n "$NS-$1" '.groups[] | select(.ContainerGroupName == $n) | .ContainerGroupId')
    [ -n "$id" ] && curl -sf "$ECI_ADMIN_URL/groups/$id"
}

# annotation | good value | jq path in the admin view | expected | bad value
ROWS=$(cat <<'EOF'
k8s.aliyun.com/eci-schedule-strategy|VSwitchOrdered|.Settings.ScheduleStrategy|VSwitchOrdered|First
k8s.aliyun.com/eci-compute-category|economy,general|.ComputeCategory|Economy,General|cheap
k8s.aliyun.com/eci-gpu-driver-version|tesla=525.85.12|.Settings.GpuDriverVersion|tesla=525.85.12|525
k8s.aliyun.com/eci-cpu-option-core|2|.Settings.CpuOptionsCore|2|0
k8s.aliyun.com/eci-cpu-option-ht|1|.Settings.CpuOptionsThreadsPerCore|1|3
k8s.aliyun.com/eci-cpu-architecture|amd64|.Settings.CpuArchitecture|AMD64|sparc
k8s.aliyun.com/eci-max-pending-minute|30|.Settings.MaxPendingMinute|30|5
k8s.aliyun.com/eci-spot-duration|0|.Settings.SpotDuration|0|9
k8s.aliyun.com/eci-image-cache|false|.Settings.AutoMatchImageCache|false|yes
k8s.aliyun.com/plain-http-registry|reg.local:5000|.Settings.PlainHttpRegistry|reg.local:5000|a b
k8s.aliyun.com/insecure-registry|reg.local|.Settings.InsecureRegistry|reg.local|http://x
k8s.aliyun.com/eci-data-cache-bucket|default|.Settings.DataCacheBucket|default|a/b
k8s.aliyun.com/eci-data-cache-pl|PL2|.Settings.DataCachePL|PL2|PL9
k8s.aliyun.com/eci-data-cache-provisionedIops|1000|.Settings.DataCacheProvisionedIops|1000|-1
k8s.aliyun.com/eci-data-cache-burstingEnabled|true|.Settings.DataCacheBurstingEnabled|true|on
k8s.aliyun.com/eip-bandwidth|10|.Settings.EipBandwidth|10|1000
k8s.aliyun.com/eip-common-bandwidth-package-id|cbwp-test1|.Settings.EipCommonBandwidthPackage|cbwp-test1|bw-1
k8s.aliyun.com/eip-isp|BGP_PRO|.Settings.EipISP|BGP_PRO|ISP
k8s.aliyun.com/eci-enable-ipv6|true|.Settings.Ipv6AddressCount|1|1
k8s.aliyun.com/eci-ipv6-bandwidth-enable|true|.Settings.Ipv6GatewayBandwidthEnable|true|y
k8s.aliyun.com/eci-ipv6-bandwidth|100M|.Settings.Ipv6GatewayBandwidth|100|fast
k8s.aliyun.com/eci-private-ip-address|10.1.77.7|.IntranetIp|10.1.77.7|10.1.2
k8s.aliyun.com/eci-fixed-ip|true|.Settings.FixedIp|true|maybe
k8s.aliyun.com/eci-fixed-ip-retain-hour|24|.Settings.FixedIpRetainHour|24|0
k8s.aliyun.com/eci-sls-enable|false|.Settings.SlsEnable|false|no
kubernetes.io/ingress-bandwidth|40M|.Settings.IngressBandwidth|40000000|wide
kubernetes.io/egress-bandwidth|20M|.Settings.EgressBandwidth|20000000|0
k8s.aliyun.com/eci-custom-hosts|[{"host":"db.example","ip":"10.0.0.9"}]|.HostAliases[-1].Hostnames[0]|db.example|[{"host":"db"}]
k8s.aliyun.com/eci-custom-dnsconfig|{"searches":["corp.example"]}|.DnsConfig.Searches[-1]|corp.example|{"servers":[]}
k8s.aliyun.com/acr-instance-ids|cri-test1,cn-beijing:cri-test2|.AcrRegistryInfos[1].RegionId|cn-beijing|cri-a,x:y
EOF
)

ann_yaml() { # VALUE-FIELD (2 = good, 5 = bad) [ONLY-ROW]: the annotations block
    local field=$1 only=${2:-}
    while IFS='|' read -r a good path want bad; do
        [ -n "$only" ] && [ "$a" != "$only" ] && continue
        local v=$good
        [ "$field" = 5 ] && v=$bad
        printf '    %s: %s\n' "$a" "$(jq -Rn --arg v "$v" '$v')"
    done <<<"$ROWS"
}

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: all-good
  namespace: $NS
  annotations:
    k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo
    k8s.aliyun.com/eci-with-eip: "true"
$(ann_yaml 2)
spec:
  $PLACE
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
EOF
if ! wait_for 120 phase_is all-good Running; then
    not_ok "pod with every ACK annotation runs" "$(kubectl_ get pod -n "$NS" all-good -o jsonpath='{.status.message}' 2>&1)"
fi
g=$(group_of all-good)
while IFS='|' read -r a good path want bad; do
    got=$(jq -r "($path) | tostring" <<<"$g" 2>/dev/null)
    check "$a reaches the group ($path = $got)" test "$got" = "$want"
done <<<"$ROWS"

# Written back: read-only annotations and the ContainerInstanceCreated condition.
ann_of() { kubectl_ get pod -n "$NS" all-good -o json | jq -r --arg k "k8s.aliyun.com/$1" '.metadata.annotations[$k] // ""'; }
ann_is() { test "$(ann_of "$1")" = "$2"; }
gid=$(jq -r .ContainerGroupId <<<"$g")
check "eci-instance-id is the group id ($gid)" wait_for 60 ann_is eci-instance-id "$gid"
check "eci-request-id is set" test -n "$(ann_of eci-request-id)"
spec=$(jq -r '"\(.Cpu)-\(.Memory)Gi"' <<<"$g" | sed -E 's/^([0-9]+)-/\1.0-/; s/-([0-9]+)Gi$/-\1.0Gi/')
check "eci-instance-spec is the group's spec ($spec)" wait_for 60 ann_is eci-instance-spec "$spec"
check "allocated-eipAddress is the group's EIP" wait_for 60 ann_is allocated-eipAddress "$(jq -r .InternetIp <<<"$g")"
check "allocated-ipv6Address is the group's IPv6 address" wait_for 60 ann_is allocated-ipv6Address "$(jq -r .Ipv6Address <<<"$g")"
cond() { kubectl_ get pod -n "$NS" all-good -o jsonpath='{.status.conditions[?(@.type=="ContainerInstanceCreated")].status}'; }
cond_true() { test "$(cond)" = True; }
check "ContainerInstanceCreated condition is True" wait_for 60 cond_true

# Cost: the hourly price on the pod and as a gauge by namespace/pod.
price() { kubectl_ get pod -n "$NS" all-good -o json | jq -r '.metadata.annotations["eci-kubelet/hourly-price"] // ""'; }
priced() { awk -v p="$(price)" 'BEGIN { exit !(p + 0 > 0) }'; }
check "the pod carries its hourly price" wait_for 60 priced
check "the price currency is set" test -n "$(kubectl_ get pod -n "$NS" all-good -o json | jq -r '.metadata.annotations["eci-kubelet/price-currency"] // ""')"
gauge() { curl -sf "$BRIDGE_HEALTH/metrics" | grep -F "eci_kubelet_pod_hourly_price{namespace=\"$NS\",pod=\"all-good\"}"; }
check "the price gauge has the pod ($(gauge))" wait_for 60 gauge

# In-place restart: a new restart annotation value restarts the same group once.
rc_of() { kubectl_ get pod -n "$NS" all-good -o jsonpath='{.status.containerStatuses[0].restartCount}'; }
rc0=$(rc_of)
restarts_before=$(ledger_count RestartContainerGroup)
kubectl_ annotate pod -n "$NS" all-good --overwrite eci-kubelet/restart=r1 >/dev/null
rc_up() { [ "$(rc_of)" -gt "${rc0:-0}" ] && phase_is all-good Running; }
check "restart annotation: restartCount goes up ($rc0 -> $(rc_of))" wait_for 120 rc_up
check "restart annotation: the same group" test "$(group_of all-good | jq -r .ContainerGroupId)" = "$gid"
restarted() { test "$(kubectl_ get pod -n "$NS" all-good -o json | jq -r '.metadata.annotations["eci-kubelet/restarted"] // ""')" = r1; }
check "restart annotation: the value restarted is recorded" wait_for 60 restarted
check "restart annotation: RestartContainerGroup called once" test "$(ledger_count RestartContainerGroup)" = $((restarts_before + 1))

# Spot reclaim: ECI's SpotToBeReleased event evicts the pod gracefully
# (DisruptionTarget, a SpotInterruption event, a graceful delete) before the
# announced release.
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: spot
  namespace: $NS
  annotations: {k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo, k8s.aliyun.com/eci-spot-release-strategy: api-evict}
spec:
  $PLACE
  terminationGracePeriodSeconds: 30
  containers: [{name: app, image: busybox, command: ["sh", "-c", "trap 'sleep 5; exit 0' TERM; sleep 3600 & wait"]}]
EOF
check "spot pod runs" wait_for 120 phase_is spot Running
sgid=$(group_of spot | jq -r .ContainerGroupId)
deletes_before=$(ledger_count DeleteContainerGroup)
curl -sf -X POST -d '{"seconds": 120}' "$ECI_ADMIN_URL/groups/$sgid/reclaim" >/dev/null
disrupted() { test "$(kubectl_ get pod -n "$NS" spot -o jsonpath='{.status.conditions[?(@.type=="DisruptionTarget")].reason}')" = TerminationByKubelet; }
check "spot reclaim: DisruptionTarget on the pod" wait_for 60 disrupted
check "spot reclaim: the pod is being deleted" test -n "$(kubectl_ get pod -n "$NS" spot -o jsonpath='{.metadata.deletionTimestamp}')"
released_by_bridge() { test "$(ledger_count DeleteContainerGroup)" -gt "${deletes_before:-0}"; }
check "spot reclaim: the bridge deletes the group (the release announced for 120 s later never came)" \
    wait_for 60 released_by_bridge
spot_event() { kubectl_ get events -n "$NS" --field-selector involvedObject.name=spot -o jsonpath='{.items[*].reason}' | grep -q SpotInterruption; }
check "spot reclaim: SpotInterruption event" wait_for 30 spot_event

# Container env conventions: a sidecar stops when the app exits (the Job
# completes); ECI_CONTAINER_IGNORE_EXIT_CODE keeps a failing exit from failing the pod.
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: with-sidecar, namespace: $NS}
spec:
  backoffLimit: 0
  template:
    spec:
      nodeSelector: {kubernetes.io/hostname: $NODE}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
      restartPolicy: Never
      containers:
      - {name: app, image: busybox, command: ["sh", "-c", "echo done"]}
      - name: proxy
        image: busybox
        command: ["sleep", "3600"]
        env: [{name: ECI_CONTAINER_TYPE, value: sidecar}]
      - name: flaky
        image: busybox
        command: ["sh", "-c", "exit 3"]
        env: [{name: ECI_CONTAINER_IGNORE_EXIT_CODE, value: "true"}]
EOF
job_done() { test "$(kubectl_ get job -n "$NS" with-sidecar -o jsonpath='{.status.succeeded}')" = 1; }
check "Job with a sidecar and an ignored exit code completes" wait_for 180 job_done

# A bad value of each: the pod fails with a message naming the annotation.
i=0
while IFS='|' read -r a good path want bad; do
    i=$((i + 1))
    kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: bad-$i
  namespace: $NS
  annotations:
$(ann_yaml 5 "$a")
spec:
  $PLACE
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
EOF
done <<<"$ROWS"
i=0
while IFS='|' read -r a good path want bad; do
    i=$((i + 1))
    check "bad $a: pod Failed" wait_for 120 phase_is "bad-$i" Failed
    msg=$(kubectl_ get pod -n "$NS" "bad-$i" -o jsonpath='{.status.message}')
    check "bad $a: message names it" grep -qF "$a" <<<"$msg"
done <<<"$ROWS"
# eci-spot-release-strategy has no parameter (api-evict is the bridge's own
# behaviour, used by the spot pod above); any other value fails the pod.
kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: bad-release
  namespace: $NS
  annotations: {k8s.aliyun.com/eci-spot-release-strategy: keep}
spec:
  $PLACE
  containers: [{name: app, image: busybox, command: ["sleep", "3600"]}]
EOF
check "bad eci-spot-release-strategy: pod Failed" wait_for 120 phase_is bad-release Failed
check "bad eci-spot-release-strategy: message names it" \
    grep -qF k8s.aliyun.com/eci-spot-release-strategy <<<"$(kubectl_ get pod -n "$NS" bad-release -o jsonpath='{.status.message}')"
# Capacity from the account: the node's pod capacity follows the emulator's
# ListUsage quota (MaxCpu / 0.25 pods, at most the configured number).
node_pods() { kubectl_ get node "$NODE" -o jsonpath='{.status.capacity.pods}'; }
pods_are() { test "$(node_pods)" = "$1"; }
curl -sf -X POST -d '{"MaxCpu": 3}' "$ECI_ADMIN_URL/quota" >/dev/null
check "node pod capacity follows a 3 vCPU quota (12 pods; now $(node_pods))" wait_for 180 pods_are 12
check "node cpu capacity is the quota" test "$(kubectl_ get node "$NODE" -o jsonpath='{.status.capacity.cpu}')" = 3
curl -sf -X POST -d '{"MaxCpu": 5}' "$ECI_ADMIN_URL/quota" >/dev/null
check "and a 5 vCPU quota (20 pods)" wait_for 180 pods_are 20
finish
