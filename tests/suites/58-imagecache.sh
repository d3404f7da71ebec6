#!/usr/bin/env bash
# ImageCache objects (ACK's imagecaches.eci.alibabacloud.com/v1) through
# kubectl, with the bridge running exactly as deploy/ defines it (its
# ServiceAccount, RBAC and CRD; in-cluster configuration; the node identity
# from the CSR API): docs/operations.md's "Image caches" blocks run verbatim.
# An ImageCache goes Ready with the cache id DescribeImageCaches reports; a
# pod naming it by name runs from that cache (CreateContainerGroup's
# ImageSnapshotId: ECI marks the cache matched) and carries
# eci-matched-image-cache; deleting the object deletes the cache and the
# object goes; a bad spec is Failed with a Warning Event naming the field; a
# pull secret is read in the bridge's namespace and refused elsewhere
# without a binding; the node identity gets no right on ImageCaches.
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
NS=eci-kubelet
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

if deploy_incluster "$LIB_TMP"; then
    ok "apply the ServiceAccount, RBAC and ImageCache CRD from deploy/"
else
    not_ok "apply the ServiceAccount, RBAC and ImageCache CRD from deploy/"
    finish
fi
start_emulator || { not_ok "emulator starts"; finish; }
NODE=vk-imc-$$
if ! start_bridge_incluster "$LIB_TMP" "$NODE"; then
    not_ok "bridge starts in-cluster" "$(tail -n 30 "$BRIDGE_LOG")"
    finish
fi
ok "bridge starts in-cluster with controller.imageCaches"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete imagecache --all --wait=false"
node_ready() { kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
check "node registers and is Ready" wait_for 60 node_ready
holder() { test -n "$(kc get lease -n "$NS" eci-kubelet-imagecache -o jsonpath='{.spec.holderIdentity}')"; }
check "it holds the ImageCache Lease" wait_for 60 holder
test_namespace imc
TNS=$TEST_NS

# The document's blocks: the indented code blocks of "## Image caches".
python3 - "$ECI_REPO/docs/operations.md" "$LIB_TMP/blocks" <<'PY'
import os, re, sys
sec = open(sys.argv[1]).read().split("\n## Image caches\n", 1)[1]
sec = re.split(r"\n## ", sec, maxsplit=1)[0]
os.makedirs(sys.argv[2])
n, block = 0, []
for line in sec.split("\n") + ["end"]:
    if line.startswith("    "):
        block.append(line[4:])
    elif line.strip() == "" and block:
        block.append("")
    elif block:
        n += 1
        open("%s/%02d.sh" % (sys.argv[2], n), "w").write("\n".join(block) + "\n")
        block = []
PY
blocks=("$LIB_TMP"/blocks/*.sh)
check "the section has its three command blocks (${#blocks[@]})" test "${#blocks[@]}" -eq 3
# `kubectl` in the blocks: the test cluster, the test namespace.
mkdir -p "$LIB_TMP/bin"
printf '#!/bin/sh\nexec "%s" --kubeconfig "%s" -n "%s" "$@"\n' "$KUBECTL" "$KUBECONFIG" "$TNS" > "$LIB_TMP/bin/kubectl"
chmod +x "$LIB_TMP/bin/kubectl"
doc() { PATH="$LIB_TMP/bin:$PATH" bash -e "$1" 2>&1; }
grep -q 'name: nginx-cache' "${blocks[0]}" || not_ok "the first block creates nginx-cache" "$(cat "${blocks[0]}")"

# 1. Create, wait for Ready.
check_output "docs: create the ImageCache and wait for Ready" 'nginx-cache +Ready +imc-' doc "${blocks[0]}"
st() { kc get imagecache nginx-cache -o json | jq -r "$1"; }
ID=$(st .status.imageCacheId)
check "status.imageCacheId is a cache id ($ID)" grep -qE '^imc-[a-z0-9]+$' <<<"$ID"
check "status.progress is 100% ($(st .status.progress))" test "$(st .status.progress)" = 100%
check "status.expireDateTime is set (retentionDays 7: $(st .status.expireDateTime))" \
    grep -qE '^20[0-9]{2}-' <<<"$(st .status.expireDateTime)"
check "status.events holds ECI's events" test "$(st '.status.events | length')" -ge 1
check "the finalizer holds the object" test "$(st '.metadata.finalizers | index("eci-kubelet/image-cache")')" != null
api DescribeImageCaches RegionId=cn-hangzhou ImageCacheId="$ID"
check "DescribeImageCaches reports it Ready ($(jget '.ImageCaches[0].Status'))" test "$(jget '.ImageCaches[0].Status')" = Ready
check "with the object's images" test "$(jget '[.ImageCaches[0].Images[]] | join(",")')" = "nginx:1.25,busybox:1.36"
check "of the object's size" test "$(jget '.ImageCaches[0].ImageCacheSize')" = 20
check "tagged with the object's uid" \
    test "$(jget '.ImageCaches[0].Tags[] | select(.Key == "eci-kubelet/uid") | .Value')" = "$(st .metadata.uid)"
evs() { kc get events -n default --field-selector "involvedObject.name=$1,involvedObject.kind=ImageCache" \
    -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}'; }
ready_event() { evs nginx-cache | grep -q "^ImageCacheReady: image cache $ID"; }
check "an ImageCacheReady Event on the object" wait_for 30 ready_event
api DescribeImageCaches RegionId=cn-hangzhou
check "one cache for the object (TotalCount $(jget .TotalCount))" test "$(jget .TotalCount)" = 1

# 2. A pod naming it: created from that cache (ECI marks the cache matched).
api DescribeImageCaches RegionId=cn-hangzhou ImageCacheId="$ID"
unmatched=$(jget '.ImageCaches[0].LastMatchedTime')
check_output "docs: a pod naming the ImageCache runs, eci-matched-image-cache is its id" "^$ID\$" doc "${blocks[1]}"
api DescribeImageCaches RegionId=cn-hangzhou ImageCacheId="$ID"
matched=$(jget '.ImageCaches[0].LastMatchedTime')
check "ECI created the pod's group from the cache (LastMatchedTime $unmatched -> $matched)" \
    test -n "$matched" -a "$matched" != "$unmatched"
# ... and one naming an ImageCache that does not exist fails, naming the annotation.
kc run -n "$TNS" nocache --image=busybox --restart=Never --annotations=k8s.aliyun.com/eci-imc-id=no-such-cache \
    --overrides="{\"spec\":{\"nodeSelector\":{\"kubernetes.io/hostname\":\"$NODE\"},\"tolerations\":[{\"key\":\"virtual-kubelet.io/provider\",\"operator\":\"Exists\"}]}}" \
    --command -- sleep 60 >/dev/null
failed() { test "$(kc get pod -n "$TNS" nocache -o jsonpath='{.status.phase}')" = Failed; }
check "a pod naming an unknown ImageCache fails" wait_for 60 failed
check_output "its message names the annotation" 'eci-imc-id.*no-such-cache' \
    kc get pod -n "$TNS" nocache -o jsonpath='{.status.message}'
kc delete pod -n "$TNS" cached nocache --wait=true --timeout=60s >/dev/null 2>&1

# 3. Delete: the cache goes with the object.
check "docs: kubectl delete imagecache" doc "${blocks[2]}"
check "the object is gone" sh -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' get imagecache nginx-cache 2>/dev/null"
api DescribeImageCaches RegionId=cn-hangzhou ImageCacheId="$ID"
check "DescribeImageCaches no longer returns it (TotalCount $(jget .TotalCount))" test "$(jget .TotalCount)" = 0
check "DeleteImageCache was called" test "$(ledger_count DeleteImageCache)" -ge 1

# A bad spec: Failed, a Warning Event naming the field, no cache made.
kc apply -f - >/dev/null <<'EOF'
apiVersion: eci.alibabacloud.com/v1
kind: ImageCache
metadata: {name: empty-cache}
spec: {images: [], imageCacheSize: 20}
EOF
phase() { test "$(kc get imagecache "$1" -o jsonpath='{.status.phase}')" = "$2"; }
check "an ImageCache without images goes Failed" wait_for 60 phase empty-cache Failed
check_output "its status says why, naming spec.images" 'spec.images: at least one image' \
    kc get imagecache empty-cache -o jsonpath='{.status.reason}: {.status.message}'
bad_event() { evs empty-cache | grep -q '^InvalidSpec: spec.images: at least one image is required'; }
check "a Warning Event InvalidSpec names spec.images" wait_for 30 bad_event
check_output "kubectl describe imagecache shows it" 'Warning +InvalidSpec .*spec.images' kc describe imagecache empty-cache
api DescribeImageCaches RegionId=cn-hangzhou
check "no cache was made for it (TotalCount $(jget .TotalCount))" test "$(jget .TotalCount)" = 0
kc patch imagecache empty-cache --type merge -p '{"spec":{"images":["busybox:1.36"]}}' >/dev/null
check "fixing the spec makes the cache" wait_for 60 phase empty-cache Ready
kc delete imagecache empty-cache --timeout=60s >/dev/null
api DescribeImageCaches RegionId=cn-hangzhou
check "and deleting it deletes that cache too (TotalCount $(jget .TotalCount))" test "$(jget .TotalCount)" = 0

# Pull secrets: read where the service account may (its own namespace),
# refused with the missing binding named elsewhere; values never logged.
kc create secret docker-registry regcred -n "$NS" --docker-server=reg.example.com \
    --docker-username=imc-user --docker-password=imc-secret-value >/dev/null
kc create secret docker-registry regcred -n "$TNS" --docker-server=reg.example.com \
    --docker-username=imc-user --docker-password=imc-secret-value >/dev/null
kc apply -f - >/dev/null <<EOF
apiVersion: eci.alibabacloud.com/v1
kind: ImageCache
metadata: {name: private-cache}
spec: {images: [reg.example.com/app:1], imagePullSecrets: ["$NS:regcred"]}
---
apiVersion: eci.alibabacloud.com/v1
kind: ImageCache
metadata: {name: elsewhere-cache}
spec: {images: [reg.example.com/app:1], imagePullSecrets: ["$TNS:regcred"]}
EOF
check "a pull secret in the bridge's namespace: Ready" wait_for 60 phase private-cache Ready
check "a pull secret in another namespace: Failed" wait_for 60 phase elsewhere-cache Failed
check_output "... naming the binding it lacks" "spec.imagePullSecrets\\[0\\]: .*eci-kubelet-imagecache-secrets.*$TNS" \
    kc get imagecache elsewhere-cache -o jsonpath='{.status.message}'
kc create rolebinding eci-kubelet-imagecache-secrets -n "$TNS" --clusterrole eci-kubelet-imagecache-secrets \
    --serviceaccount "$NS:eci-kubelet" >/dev/null
check "after the documented RoleBinding it is made" wait_for 120 phase elsewhere-cache Ready
kc delete imagecache private-cache elsewhere-cache --timeout=60s >/dev/null
api DescribeImageCaches RegionId=cn-hangzhou
check "no cache is left (TotalCount $(jget .TotalCount))" test "$(jget .TotalCount)" = 0

# The node identity was not widened.
# `auth can-i` exits 1 when it answers no.
nodecan() { kc auth can-i "$@" --as "system:node:$NODE" --as-group system:nodes 2>/dev/null || true; }
sacan() { kc auth can-i "$@" --as "system:serviceaccount:$NS:eci-kubelet" 2>/dev/null || true; }
check_output "the node identity cannot list ImageCaches" '^no$' nodecan list imagecaches.eci.alibabacloud.com
check_output "the node identity cannot update ImageCache status" '^no$' nodecan patch imagecaches.eci.alibabacloud.com/status
check_output "the service account cannot read Secrets cluster-wide" '^no$' sacan get secrets --all-namespaces
check_output "the service account cannot list Secrets in its namespace" '^no$' sacan list secrets -n "$NS"
if grep -qi 'forbidden' "$BRIDGE_LOG"; then
    not_ok "nothing in the bridge log says forbidden" "$(grep -i forbidden "$BRIDGE_LOG" | head -5)"
else
    ok "nothing in the bridge log says forbidden"
fi
check "the pull secret's password is not in the bridge log" sh -c "! grep -q imc-secret-value '$BRIDGE_LOG'"
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
