#!/usr/bin/env bash
# /stats/summary and /metrics/resource through the bridge, from
# DescribeMultiContainerGroupMetric (batched, cached), /metrics/cadvisor and
# /configz (what Prometheus's kubelet job scrapes), the Node events a kubelet
# writes, then metrics-server scraping
# the node and `kubectl top pod`.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$ECI_REPO/tests/kubelet-lib.sh"
kubelet_env top
lib_tmpdir
T=$LIB_TMP

# A pod that burns some CPU, then sleeps; another that only sleeps.
run_pod burner 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo burned; sleep 3600'
run_pod idle 'sleep 3600'
check "pods run" wait_for 60 sh -c "[ \"\$('$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get pods --field-selector=status.phase=Running -o name | wc -l)\" = 2 ]"

# ---- /stats/summary
# The first figures come with the first metrics snapshot after the pods run:
# poll until a summary carries them all, then check that summary.
summary_ready() {
    kcurl /stats/summary > "$T/summary.json" && jq -e --arg n "$NODE" --arg ns "$NS" '
        .node.nodeName == $n and .node.cpu.usageCoreNanoSeconds > 0 and .node.memory.workingSetBytes > 0
        and ([.pods[] | select(.podRef.namespace == $ns)] | length == 2)
        and ([.pods[] | select(.podRef.name == "burner" and .podRef.namespace == $ns)
              | .containers[0].cpu.usageCoreNanoSeconds > 0 and .memory.usageBytes > 0] | any)' "$T/summary.json"
}
wait_for 120 summary_ready || diag "no complete summary within 120 s; checking the last one"
check "/stats/summary is JSON with the node name" jq -e --arg n "$NODE" '.node.nodeName == $n' "$T/summary.json"
check "the node has cpu and memory" jq -e '.node.cpu.usageCoreNanoSeconds > 0 and .node.memory.workingSetBytes > 0 and (.node.cpu.time | test("Z$"))' "$T/summary.json"
check "both pods are listed" jq -e --arg ns "$NS" '[.pods[] | select(.podRef.namespace == $ns)] | length == 2' "$T/summary.json"
check "container stats carry cpu and memory" jq -e --arg ns "$NS" \
    '.pods[] | select(.podRef.name == "burner" and .podRef.namespace == $ns) | .containers[0] |
     .name == "main" and .cpu.usageCoreNanoSeconds > 0 and .memory.workingSetBytes > 0 and (.startTime | length > 0)' "$T/summary.json"
check "pod stats carry podRef uid, cpu, memory" jq -e --arg ns "$NS" \
    '.pods[] | select(.podRef.name == "burner" and .podRef.namespace == $ns) | (.podRef.uid | length > 0) and .cpu.usageNanoCores >= 0 and .memory.usageBytes > 0' "$T/summary.json"

# ---- cache: scrapes in a row cost no extra ECI call. Anything else that
# scrapes the node (a metrics-server) or a cache period ending between the two
# scrapes refreshes the snapshot: poll for a window in which the two scrapes
# were served from the cache.
cached_scrapes() {
    n1=$(ledger_count DescribeMultiContainerGroupMetric)
    kcurl /metrics/resource > /dev/null
    kcurl /stats/summary > /dev/null
    n2=$(ledger_count DescribeMultiContainerGroupMetric)
    [ "$n1" = "$n2" ]
}
check "two scrapes within the cache period make no ECI call" wait_for 60 cached_scrapes

# ---- /metrics/cadvisor and /configz (a scraper with nodes/metrics and
# nodes/proxy rights: the API server's client certificate)
cadvisor_ready() {
    kcurl /metrics/cadvisor > "$T/cadvisor.txt" 2>&1 &&
        grep -q "^container_cpu_usage_seconds_total{container=\"main\",.*pod=\"burner\"}" "$T/cadvisor.txt"
}
wait_for 60 cadvisor_ready || diag "no complete /metrics/cadvisor within 60 s; checking the last one"
for fam in container_cpu_usage_seconds_total container_memory_working_set_bytes container_memory_usage_bytes \
    container_start_time_seconds container_network_receive_bytes_total container_network_transmit_bytes_total; do
    check "/metrics/cadvisor has $fam" grep -q "^# TYPE $fam " "$T/cadvisor.txt"
done
check_output "cAdvisor labels on the pod's container (image for kube-prometheus' image!=\"\" rules)" \
    "^container_cpu_usage_seconds_total\\{container=\"main\",id=\"[^\"]+\",image=\"busybox\",name=\"main\",namespace=\"$NS\",pod=\"burner\"\\} " \
    cat "$T/cadvisor.txt"
check_output "/configz answers the kubeletconfig" '"kubeletconfig":\{"kind":"KubeletConfiguration"' kcurl /configz
configz_fields() { kcurl /configz | jq -e '.kubeletconfig.clusterDomain == "cluster.local" and .kubeletconfig.port > 0'; }
check "/configz names the cluster domain and the kubelet port" configz_fields

# ---- Node events like a kubelet's
node_events() { kubectl_ get events -n default --field-selector "involvedObject.kind=Node,involvedObject.name=$NODE" \
    -o jsonpath='{.items[*].reason}'; }
has_node_events() { node_events | grep -q Starting && node_events | grep -q NodeReady; }
check "Node events Starting and NodeReady ($(node_events))" wait_for 30 has_node_events

# ---- /metrics/resource (from a snapshot that has the pods' figures)
resource_ready() {
    kcurl /metrics/resource > "$T/res1.txt" &&
        grep -q "^container_cpu_usage_seconds_total{container=\"main\",namespace=\"$NS\",pod=\"burner\"}" "$T/res1.txt" &&
        grep -q "^container_memory_working_set_bytes{container=\"main\",namespace=\"$NS\",pod=\"idle\"}" "$T/res1.txt"
}
wait_for 60 resource_ready || diag "no complete /metrics/resource within 60 s; checking the last one"
check_output "container_cpu_usage_seconds_total for the pod" \
    "^container_cpu_usage_seconds_total\\{container=\"main\",namespace=\"$NS\",pod=\"burner\"\\} [0-9.e+-]+ [0-9]{13}\$" cat "$T/res1.txt"
check_output "container_memory_working_set_bytes" "^container_memory_working_set_bytes\\{container=\"main\",namespace=\"$NS\",pod=\"idle\"\\} [0-9.e+]+ [0-9]{13}\$" cat "$T/res1.txt"
check_output "container_start_time_seconds" "^container_start_time_seconds\\{container=\"main\",namespace=\"$NS\",pod=\"burner\"\\} [0-9.e+]+\$" cat "$T/res1.txt"
check_output "pod_ and node_ families" "^pod_cpu_usage_seconds_total\\{namespace=\"$NS\",pod=\"burner\"\\}" cat "$T/res1.txt"
check_output "node_cpu_usage_seconds_total" '^node_cpu_usage_seconds_total [0-9.e+-]+ [0-9]{13}$' cat "$T/res1.txt"
check_output "resource_scrape_error 0" '^resource_scrape_error 0$' cat "$T/res1.txt"
check_output "TYPE lines" '^# TYPE container_cpu_usage_seconds_total counter$' cat "$T/res1.txt"

# ---- batching: 22 pods need two DescribeMultiContainerGroupMetric calls of at most 20 ids
for i in $(seq 1 20); do run_pod "many-$i" 'sleep 3600'; done
check "22 pods run" wait_for 120 sh -c "[ \"\$('$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get pods --field-selector=status.phase=Running -o name | wc -l)\" = 22 ]"
# Poll until one of our scrapes is the one that refreshes the snapshot and
# finds all 22 pods (a running metrics-server refreshes it too, between our
# polls, and a scrape racing ours adds its own calls: poll again then).
refresh_of_22() {
    n1=$(ledger_count DescribeMultiContainerGroupMetric)
    kcurl /stats/summary > "$T/summary2.json"
    n2=$(ledger_count DescribeMultiContainerGroupMetric)
    [ $((n2 - n1)) = 2 ] && jq -e --arg ns "$NS" '[.pods[] | select(.podRef.namespace == $ns)] | length == 22' "$T/summary2.json"
}
wait_for 120 refresh_of_22
check "22 groups in two calls ($n1 -> $n2)" test $((n2 - n1)) = 2
check "all 22 pods in the summary" jq -e --arg ns "$NS" '[.pods[] | select(.podRef.namespace == $ns)] | length == 22' "$T/summary2.json"
for i in $(seq 1 20); do kx delete pod "many-$i" --wait=false >/dev/null 2>&1; done

# ---- an ECI failure: resource_scrape_error 1
curl -sf -X POST "$ECI_ADMIN_URL/faults" -d '{"rules":[{"action":"DescribeMultiContainerGroupMetric","code":"InternalError","rate":1}]}' >/dev/null
# (the snapshot is kept for its cache period, a failed one for a shorter one)
scrape_error_is() { kcurl /metrics/resource | grep -qx "resource_scrape_error $1"; }
check "an ECI failure gives resource_scrape_error 1" wait_for 60 scrape_error_is 1
curl -sf -X DELETE "$ECI_ADMIN_URL/faults" >/dev/null
check "a scrape after the fault is clean" wait_for 60 scrape_error_is 0

# ---- metrics-server and kubectl top
# (stopped at exit: other suites' ledgers and the benchmarks must not see its scrapes)
if bash "$ECI_REPO/tests/cluster/cluster.sh" metrics-server > "$T/ms.log" 2>&1; then
    on_exit "bash '$ECI_REPO/tests/cluster/cluster.sh' metrics-server-stop >/dev/null 2>&1"
    ok "metrics-server runs"
    top_has_pod() { kx top pod burner --no-headers 2>/dev/null | grep -Eq '^burner +[0-9]+m +[0-9]+Mi'; }
    if wait_for 120 top_has_pod; then
        ok "kubectl top pod shows the pod's usage: $(kx top pod burner --no-headers 2>&1)"
    else
        not_ok "kubectl top pod shows the pod's usage" "$(kx top pod 2>&1)" "$(tail -n 20 "$ECI_CLUSTER_DIR/logs/metrics-server.log")"
    fi
    top_lists_idle() { kx top pod --no-headers 2>/dev/null | grep -q '^idle '; }
    check "kubectl top pod lists both pods" wait_for 60 top_lists_idle
    top_containers() { kx top pod burner --containers --no-headers 2>/dev/null | grep -Eq 'burner +main '; }
    check "kubectl top pod --containers" wait_for 60 top_containers
    top_has_node() { kubectl_ top node "$NODE" --no-headers 2>/dev/null | grep -Eq "^$NODE +[0-9]+m +"; }
    if wait_for 60 top_has_node; then ok "kubectl top node shows the node: $(kubectl_ top node "$NODE" --no-headers 2>&1)"
    else not_ok "kubectl top node shows the node" "$(kubectl_ top node "$NODE" 2>&1)"; fi
else
    not_ok "metrics-server runs" "$(tail -n 20 "$T/ms.log")"
fi

no_sanitizer_reports
finish
