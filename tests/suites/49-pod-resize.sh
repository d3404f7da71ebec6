#!/usr/bin/env bash
# In-place resize through kubectl (pods/resize): the node reports each
# container's applied resources, so the apiserver accepts the resize; the
# bridge calls UpdateContainerGroup with the containers' and the group's new
# Cpu/Memory, read back with DescribeContainerGroups; the pod's
# status.containerStatuses[].resources follow. A size ECI cannot run (more than
# its largest specification) and one ECI refuses are reported as
# PodResizePending/Infeasible while the old size keeps running.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-resize-$$
start_bridge "$NODE" || { not_ok "bridge starts"; finish; }
test_namespace resize
NS=$TEST_NS
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --wait=false"

kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: $NS}
spec:
  nodeSelector: {kubernetes.io/hostname: $NODE}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {cpu: 500m, memory: 512Mi}
EOF
pod() { kubectl_ get pod -n "$NS" web -o json; }
field() { pod | jq -r "$1"; }
is() { test "$(field "$1")" = "$2"; }
group_id() { curl -sf "$ECI_ADMIN_URL/groups" | jq -r --arg n "$NS-web" '.groups[] | select(.ContainerGroupName == $n) | .ContainerGroupId'; }
describe() { api DescribeContainerGroups RegionId=cn-hangzhou "ContainerGroupIds=[\"$GID\"]"; }
group_is() { # CPU MEMORY CONTAINER-CPU CONTAINER-MEMORY (vCPU, GiB; compared as numbers)
    describe
    [ "$(jget ".ContainerGroups[0] | .Cpu == $1 and .Memory == $2 and .Containers[0].Cpu == $3 and .Containers[0].Memory == $4")" = true ]
}
cond_of() { field "[.status.conditions[]? | select(.type == \"$1\")][0] | .${2:-status} // \"\""; }
no_cond() { [ -z "$(cond_of "$1")" ]; }
resize() { # LIMIT-CPU LIMIT-MEMORY
    kubectl_ patch pod -n "$NS" web --subresource resize --type merge -p \
        "{\"spec\":{\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\"},\"limits\":{\"cpu\":\"$1\",\"memory\":\"$2\"}}}]}}"
}
limits_are() { is '.status.containerStatuses[0].resources.limits.cpu' "$1" && is '.status.containerStatuses[0].resources.limits.memory' "$2"; }

check "pod runs" wait_for 120 is .status.phase Running
GID=$(group_id)
check "the pod's group is known ($GID)" test -n "$GID"
check "containerStatuses[].resources report the applied size" wait_for 60 limits_are 500m 512Mi
check "requests reported too" is '.status.containerStatuses[0].resources.requests.cpu' 250m
check "allocatedResources are the requests" is '.status.containerStatuses[0].allocatedResources.memory' 256Mi
describe
G0="$(jget '.ContainerGroups[0].Cpu') $(jget '.ContainerGroups[0].Memory')"
diag "group before: $G0 (Cpu Memory)"

# 1. A resize ECI sells: 1.5 vCPU / 3 GiB for the container, the group rounded up to 2 vCPU / 4 GiB.
out=$(resize 1500m 3Gi 2>&1)
check "kubectl accepts the resize ($out)" grep -q patched <<<"$out"
check "DescribeContainerGroups shows the new size (group 2/4, container 1.5/3)" wait_for 120 group_is 2 4 1.5 3
check "status.containerStatuses[].resources follow (1500m, 3Gi)" wait_for 120 limits_are 1500m 3Gi
check "PodResizeInProgress cleared once ECI runs the size" wait_for 120 no_cond PodResizeInProgress
check "no PodResizePending" no_cond PodResizePending
check "pod still Running" wait_for 120 is .status.phase Running
check "spec resources are the new size" is '.spec.containers[0].resources.limits.cpu' 1500m

# 2. More than ECI's largest specification: Infeasible, the old size keeps running.
out=$(resize 100 3Gi 2>&1)
check "kubectl accepts a 100-CPU resize ($out)" grep -q patched <<<"$out"
infeasible() { [ "$(cond_of PodResizePending)" = True ] && [ "$(cond_of PodResizePending reason)" = Infeasible ]; }
check "PodResizePending/Infeasible" wait_for 120 infeasible
msg=$(cond_of PodResizePending message)
check "the message names ECI's limit ($msg)" grep -q "largest ECI specification" <<<"$msg"
check "the old size is still reported" limits_are 1500m 3Gi
check "the group keeps its size" group_is 2 4 1.5 3
check "no PodResizeInProgress while infeasible" no_cond PodResizeInProgress

# 3. ECI refuses UpdateContainerGroup: Infeasible with ECI's message; the next resize clears it.
curl -sf -X POST "$ECI_ADMIN_URL/faults" \
    -d '{"rules":[{"action":"UpdateContainerGroup","code":"InvalidParameter","count":1}]}' >/dev/null
resize 1 3Gi >/dev/null 2>&1
refused() { infeasible && cond_of PodResizePending message | grep -q "ECI refused the new resources"; }
check "an ECI refusal is PodResizePending/Infeasible with ECI's message" wait_for 120 refused
check "the old size is still reported after the refusal" limits_are 1500m 3Gi
check "the group keeps its size after the refusal" group_is 2 4 1.5 3
resize 2 3Gi >/dev/null 2>&1
check "a later resize ECI takes: group 2/4, container 2/3" wait_for 120 group_is 2 4 2 3
check "status follows (2, 3Gi)" wait_for 120 limits_are 2 3Gi
check "PodResizePending cleared" wait_for 120 no_cond PodResizePending
check "PodResizeInProgress cleared" wait_for 120 no_cond PodResizeInProgress
check "pod still Running after the resizes" wait_for 120 is .status.phase Running
finish
