#!/usr/bin/env bash
# docs/operations.md's Install, verbatim: every command block of its numbered
# steps is extracted from the document and run in order with plain `kubectl`
# against the test cluster (the image build with docker is the one block
# skipped; the sanitized binary stands in for the image). Between "apply" and
# "verify" the suite plays the node that runs the Deployment's pod: the bridge
# starts from the Deployment, ConfigMap and Secret as stored in the API server
# (tests/podrun.py), with only what a test machine needs changed: the ECI
# endpoint (the emulator on loopback, which accepts exactly the AccessKey the
# document puts in the Secret), ports, the cluster's kubelet serving
# certificate and client CA. The steps end with the node Ready and the test pod
# Running in a fresh namespace (the kubeconfig's current namespace).
# needs: cluster
. "$(dirname "$0")/../lib.sh"
need_cluster
lib_tmpdir
NS=eci-kubelet
NODE=eci-kubelet
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

# The blocks, from the document.
DOC=$ECI_REPO/docs/operations.md
python3 - "$DOC" "$LIB_TMP/blocks" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
sec = text.split("\n## Install\n", 1)[1]
sec = re.split(r"\n##+ ", sec, maxsplit=1)[0]
os.makedirs(sys.argv[2])
n = 0
block = []
def flush():
    global n, block
    if block:
        n += 1
        open("%s/%02d.sh" % (sys.argv[2], n), "w").write("\n".join(block) + "\n")
    block = []
for line in sec.split("\n"):
    if line.startswith("       ") and line.strip():   # an indented code block in a list item
        block.append(line[7:])
    elif line.strip() == "" and block:
        block.append("")
    else:
        flush()
flush()
PY
blocks=("$LIB_TMP"/blocks/*.sh)
diag "${#blocks[@]} command blocks in the Install section"
check "the Install section has its command blocks" test "${#blocks[@]}" -ge 4
all=$(cat "${blocks[@]}")
for want in "create namespace $NS" "create secret generic eci-kubelet-credentials" "apply -k deploy/overlays/production" \
    "kubectl run eci-test"; do
    check "the steps include: kubectl $want" grep -qF -- "$want" <<<"$all"
done
KEY_ID=$(grep -o 'ALIBABA_CLOUD_ACCESS_KEY_ID=[^ \\]*' <<<"$all" | head -1 | cut -d= -f2)
KEY_SECRET=$(grep -o 'ALIBABA_CLOUD_ACCESS_KEY_SECRET=[^ \\]*' <<<"$all" | head -1 | cut -d= -f2)
check "the document's Secret has an AccessKey id and secret" test -n "$KEY_ID" -a -n "$KEY_SECRET"

# A fresh cluster for these names: nothing of an earlier install left.
gone() { ! kc get namespace "$NS" >/dev/null 2>&1 && ! kc get node "$NODE" >/dev/null 2>&1; }
wait_for 120 gone || diag "namespace $NS or node $NODE still present"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$NODE' --ignore-not-found --wait=false"
"$KUBECTL" kustomize "$ECI_REPO/deploy/overlays/production" > "$LIB_TMP/production.yaml"
deploy_cleanup "$LIB_TMP/production.yaml"
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --ignore-not-found --wait=true --timeout=120s"

# `kubectl` for the document: the admin kubeconfig with a fresh namespace as
# the current one (where the test pod lands).
test_namespace install
mkdir -p "$LIB_TMP/path"
cp "$KUBECONFIG" "$LIB_TMP/kubeconfig"
KUBECONFIG=$LIB_TMP/kubeconfig kc config set-context --current --namespace "$TEST_NS" >/dev/null
printf '#!/bin/sh\nexec "%s" --kubeconfig "%s" "$@"\n' "$KUBECTL" "$LIB_TMP/kubeconfig" > "$LIB_TMP/path/kubectl"
chmod +x "$LIB_TMP/path/kubectl"

ECI_TEST_ACCESS_KEY_ID=$KEY_ID ECI_TEST_ACCESS_KEY_SECRET=$KEY_SECRET start_emulator ||
    { not_ok "emulator starts"; finish; }

# start_node_pod: run the bridge Deployment's pod on this machine.
start_node_pod() {
    # The kubelet would report the pod Running once its process is up; the
    # leader is ready once it drives the node.
    if run_deployment_pod "$NS" eci-kubelet; then
        ok "the bridge pod runs from the applied Deployment, ConfigMap and Secret"
    else
        not_ok "the bridge pod runs from the applied Deployment, ConfigMap and Secret" "$(tail -n 30 "$BRIDGE_LOG")"
    fi
}

started=0
for b in "${blocks[@]}"; do
    if grep -q '^docker ' "$b"; then
        check "block $(basename "$b" .sh) builds the image (docker only; skipped)" sh -c "! grep -v '^docker \|^\$' '$b'"
        continue
    fi
    if [ $started -eq 0 ] && grep -q '^kubectl get node\|^kubectl wait' "$b"; then
        start_node_pod
        started=1
    fi
    diag "running block $(basename "$b" .sh): $(head -n 1 "$b")"
    out=$(cd "$ECI_REPO" && PATH=$LIB_TMP/path:$PATH bash -e -o pipefail "$b" 2>&1); rc=$?
    printf '%s\n' "$out" > "$LIB_TMP/out-$(basename "$b" .sh)"
    if [ $rc -eq 0 ]; then
        ok "block $(basename "$b" .sh) runs verbatim: $(head -n 1 "$b")"
    else
        not_ok "block $(basename "$b" .sh) runs verbatim: $(head -n 1 "$b")" "exit $rc" "$(tail -n 20 <<<"$out")" \
            "bridge: $(tail -n 10 "$BRIDGE_LOG" 2>/dev/null)"
    fi
    if grep -q 'apply -k' "$b"; then
        sec=$(kc get secret -n "$NS" eci-kubelet-credentials -o jsonpath='{.data.ALIBABA_CLOUD_ACCESS_KEY_SECRET}' | base64 -d)
        check "the apply left the Secret as created in step 3" test "$sec" = "$KEY_SECRET"
    fi
done
check "the verify step ran" test $started -eq 1
outs=$(cat "$LIB_TMP"/out-* 2>/dev/null)
check "the node was shown Ready" grep -Eq "^$NODE +Ready" <<<"$outs"
check "the test pod was shown Running on the virtual node" grep -Eq "^eci-test +1/1 +Running .* $NODE " <<<"$outs"
check "kubectl logs printed the pod's output" grep -q '^hello from ECI' <<<"$outs"
check "kubectl exec ran in the pod" grep -q '^Linux ' <<<"$outs"
node_ready() { kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
check "the node is Ready at the end" node_ready
check "the bridge used the Secret's AccessKey (the emulator accepted its calls)" \
    test "$(ledger_count CreateContainerGroup)" -ge 1
no_groups() { test "$(emulator_groups)" -eq 0; }
check "the deleted test pod's container group is gone" wait_for 60 no_groups
check "nothing in the bridge log says forbidden" sh -c "! grep -qi forbidden '$BRIDGE_LOG'"
check "the AccessKey secret is not in the bridge log" sh -c "! grep -qF -- '$KEY_SECRET' '$BRIDGE_LOG'"
stop_pid "$BRIDGE_PID" 20
check "no sanitizer reports in the bridge log" sh -c "! grep -q Sanitizer '$BRIDGE_LOG'"
finish
