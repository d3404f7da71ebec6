#!/usr/bin/env bash
# eci-kubelet's command line: --help, --version, exit status 2 with a message
# naming the setting for bad configuration, --dry-run printing the redacted
# configuration, the Go provider's ECI_* variables, precedence.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

BIN=$ECI_TEST_BIN/eci-kubelet
REQ=(--region cn-hangzhou --security-group sg-1 --vswitch vsw-1 --node-ip 10.0.0.5)

# expect_fail NAME PATTERN CMD...: CMD exits 2 and stderr matches PATTERN.
expect_fail() {
    local name=$1 pat=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 2 ] && grep -Eq -- "$pat" <<<"$err"; then ok "$name"
    else not_ok "$name" "exit $rc, stderr:" "$err"; fi
}

check_output "--help lists the documented flags" '--kubeconfig FILE' "$BIN" --help
check_output "--help shows defaults, env vars and config keys" \
    'default: 10250; env: ECI_KUBELET_LISTEN_PORT; config: kubelet.port' "$BIN" --help
check_output "--version" '^eci-kubelet ' "$BIN" --version
expect_fail "bad --port exits 2 naming the flag" '^eci-kubelet: --port: must be 1-65535, got "x"$' \
    "$BIN" "${REQ[@]}" --port x
expect_fail "missing region exits 2" '--region: required' "$BIN" --security-group sg --vswitch v --node-ip 10.0.0.5
expect_fail "unknown flag exits 2" 'unknown flag "--nope"' "$BIN" "${REQ[@]}" --nope

printf 'eci:\n  qps: fast\n' > "$LIB_TMP/bad.yaml"
expect_fail "YAML type error names file and key" "bad.yaml: eci.qps: expected a number, got \"fast\" \(line 2\)" \
    "$BIN" "${REQ[@]}" --config "$LIB_TMP/bad.yaml"
printf 'eci: [\n' > "$LIB_TMP/broken.yaml"
expect_fail "broken YAML is an error" 'broken.yaml: invalid YAML' "$BIN" "${REQ[@]}" --config "$LIB_TMP/broken.yaml"

check_output "--dry-run with the example config" 'eci.vswitches=vsw-0123456789abcdef0,vsw-0123456789abcdef1' \
    "$BIN" --config "$ECI_REPO/deploy/config.example.yaml" --node-ip 10.0.0.5 --dry-run

goenv() {
    env ECI_REGION=cn-beijing ECI_SECURITY_GROUP=sg-go ECI_VSWITCH=vsw-go ECI_ACCESS_KEY=LTAIgo \
        ECI_SECRET_KEY=sup3rs3cret ECI_CLUSTER_NAME=prod ECI_QUOTA_CPU=100 ECI_QUOTA_MEMORY=400Gi ECI_QUOTA_POD=200 \
        "$BIN" --node-ip 10.0.0.5 --dry-run "$@"
}
check_output "the Go provider's ECI_* variables are honoured" \
    'clusterName=prod .*node.capacity.cpu=100 node.capacity.memory=400Gi node.capacity.pods=200 .*eci.region=cn-beijing .*eci.vswitches=vsw-go eci.securityGroup=sg-go' \
    goenv
out=$(goenv 2>&1)
if grep -q sup3rs3cret <<<"$out"; then not_ok "the dry-run never prints the secret" "$out"
elif grep -q 'eci.accessKeySecret=REDACTED' <<<"$out"; then ok "the dry-run never prints the secret"
else not_ok "the dry-run never prints the secret" "$out"; fi
out=$(goenv --port 0 2>&1)
if grep -q sup3rs3cret <<<"$out"; then not_ok "errors never print the secret" "$out"
else ok "errors never print the secret"; fi

printf 'kubelet:\n  port: 1111\n' > "$LIB_TMP/p.yaml"
check_output "env beats the config file" 'kubelet.port=2222' \
    env ECI_KUBELET_LISTEN_PORT=2222 "$BIN" "${REQ[@]}" --config "$LIB_TMP/p.yaml" --dry-run
check_output "flags beat env" 'kubelet.port=3333' \
    env ECI_KUBELET_LISTEN_PORT=2222 "$BIN" "${REQ[@]}" --config "$LIB_TMP/p.yaml" --port 3333 --dry-run

finish
