#!/usr/bin/env bash
# `make demo` (tests/demo.sh) end to end with its own control plane in a
# temporary state directory: the sample app runs, logs and exec work, and
# everything is stopped afterwards. Then --keep / --stop.
. "$(dirname "$0")/../lib.sh"
lib_tmpdir
export ECI_DEMO_DIR=$LIB_TMP/demo ECI_DEMO_BIN=$ECI_TEST_BIN ECI_DEMO_NODE=eci-demo-$$
on_exit "bash '$ECI_REPO/tests/demo.sh' --stop"
out=$LIB_TMP/demo.out
start=$SECONDS
if bash "$ECI_REPO/tests/demo.sh" > "$out" 2>&1; then
    ok "make demo succeeds ($((SECONDS - start)) s)"
else
    not_ok "make demo succeeds" "$(tail -n 30 "$out")"
fi
check "it shows progress" grep -q '^\[demo .*6/6' "$out"
check "it shows the Ready virtual node" grep -Eq "node/$ECI_DEMO_NODE +Ready" "$out"
check "it shows 3 Running pods of the sample app" test "$(grep -Ec '^pod/hello-.* 1/1 +Running' "$out")" -eq 3
check "it shows a pod's logs (env from the ConfigMap)" grep -q 'Hello from a pod on Elastic Container Instance' "$out"
check "it shows an exec (ConfigMap volume)" grep -q '<h1>eci-kubelet demo</h1>' "$out"
check "the app's container groups are deleted at the end" grep -q 'all container groups deleted' "$out"
check "everything is stopped and the state removed" test ! -e "$ECI_DEMO_DIR"
check "no sanitizer report" sh -c "! grep -q Sanitizer '$out'"
finish
