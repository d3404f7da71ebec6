#!/usr/bin/env bash
# The vendor's own SDKs against the emulator, each with its default settings:
# the Tea SDK (alibabacloud-eci20180808 + alibabacloud-tea-openapi, signature
# V3 ACS3-HMAC-SHA256) and the core SDK (aliyun-python-sdk-eci +
# aliyun-python-sdk-core, signature V2 HMAC-SHA1) call every operation of
# the spec (tests/sdk/*.py); then the V3 authentication errors over HTTP
# (eci_raw --v3). The SDKs live in the virtual environment tests/deps.sh
# creates; a missing SDK fails the suite.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

VENV=${ECI_SDK_VENV:-$HOME/.cache/eci-kubelet/sdk-venv}
PY=$VENV/bin/python
RAW=$ECI_TEST_PROGS/eci_raw

# ---- the SDKs, at the versions tests/deps.sh pins
versions=$("$PY" - <<'EOF' 2>&1
from importlib.metadata import version
import aliyunsdkcore, aliyunsdkeci, alibabacloud_eci20180808, alibabacloud_tea_openapi
for d in ("aliyun-python-sdk-eci", "aliyun-python-sdk-core", "alibabacloud-eci20180808", "alibabacloud-tea-openapi"):
    print(d, version(d))
EOF
)
if [ $? -ne 0 ]; then
    not_ok "the official SDKs are installed in $VENV" "run make deps (tests/deps.sh creates the environment)" \
        "$(printf '%s\n' "$versions" | tail -n 3)"
    finish
fi
ok "the official SDKs are installed in $VENV"
grep -qx 'aliyun-python-sdk-eci 1.3.3' <<<"$versions" && grep -qx 'alibabacloud-eci20180808 2.1.0' <<<"$versions" \
    && ok "SDK versions as pinned (aliyun-python-sdk-eci 1.3.3, alibabacloud-eci20180808 2.1.0)" \
    || not_ok "SDK versions as pinned (aliyun-python-sdk-eci 1.3.3, alibabacloud-eci20180808 2.1.0)" "$versions"

STS_ID=STS.sdktest STS_SECRET=sdk-sts-secret
if ! start_emulator --no-namespaces --schedule-delay-ms 100 --seed 11 --sts-token "$STS_ID:$STS_SECRET"; then
    not_ok "emulator starts"
    finish
fi
ok "emulator starts"
export ECI_TEST_STS_ID=$STS_ID ECI_TEST_STS_SECRET=$STS_SECRET

# run_sdk SCRIPT: run one SDK script; its TAP lines count in this suite.
run_sdk() {
    local out rc line
    out=$(cd "$ECI_REPO/tests/sdk" && "$PY" "$1" 2>&1); rc=$?
    while IFS= read -r line; do
        case $line in
            "ok - "*) LIB_PASSED=$((LIB_PASSED + 1)) ;;
            "not ok - "*) LIB_FAILED=$((LIB_FAILED + 1)) ;;
        esac
        printf '%s\n' "$line"
    done <<<"$out"
    if ! grep -qx '# done' <<<"$out"; then
        not_ok "$1 runs to the end" "exit $rc" "$(printf '%s\n' "$out" | tail -n 15)"
    elif [ $rc -ne 0 ] && ! grep -q '^not ok - ' <<<"$out"; then
        not_ok "$1 exits 0" "exit $rc"
    fi
}
run_sdk tea_sdk.py
run_sdk core_sdk.py

# ---- V3 authentication over HTTP
export ECI_REGION=cn-hangzhou
api() {
    local out
    out=$("$RAW" "$@" 2>&1)
    ST=$(printf '%s\n' "$out" | sed -n '1s/^HTTP \([0-9]*\).*/\1/p')
    BODY=$(printf '%s\n' "$out" | sed '1d')
}
expect() {
    local name=$1 st=$2 code=$3 got
    got=$(printf '%s' "$BODY" | jq -r '.Code // ""' 2>/dev/null)
    if [ "$ST" = "$st" ] && [ "$got" = "$code" ]; then
        ok "$name"
    else
        not_ok "$name" "expected HTTP $st ${code:-OK}, got HTTP $ST ${got:-OK}" "${BODY:0:600}"
    fi
}
api --v3 --method POST DescribeRegions
expect "V3 POST with a form body" 200 ""
api --v3 DescribeContainerGroups Limit=1
expect "V3 GET with the query string" 200 ""
api --v3 --tamper DescribeRegions
expect "V3 bad signature: 400 SignatureDoesNotMatch" 400 SignatureDoesNotMatch
grep -q 'server string to sign is:ACS3-HMAC-SHA256' <<<"$BODY" && ok "V3 SignatureDoesNotMatch shows the server's StringToSign" \
    || not_ok "V3 SignatureDoesNotMatch shows the server's StringToSign" "$BODY"
grep -q "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" <<<"$BODY" && not_ok "V3: no secret in errors" || ok "V3: no secret in errors"
api --v3 --secret wrong DescribeRegions
expect "V3 wrong secret: SignatureDoesNotMatch" 400 SignatureDoesNotMatch
api --v3 --id LTAInobody DescribeRegions
expect "V3 unknown AccessKeyId: 404 InvalidAccessKeyId.NotFound" 404 InvalidAccessKeyId.NotFound
api --v3 --nonce v3-fixed-nonce DescribeRegions
api --v3 --nonce v3-fixed-nonce DescribeRegions
expect "V3 reused x-acs-signature-nonce: SignatureNonceUsed" 400 SignatureNonceUsed
api --v3 --timestamp 2020-01-01T00:00:00Z DescribeRegions
expect "V3 old x-acs-date: InvalidTimeStamp.Expired" 400 InvalidTimeStamp.Expired
api --v3 --timestamp yesterday DescribeRegions
expect "V3 malformed x-acs-date: InvalidTimeStamp.Format" 400 InvalidTimeStamp.Format
api --v3 --omit x-acs-action DescribeRegions
expect "V3 without x-acs-action: MissingParameter" 400 MissingParameter
api --v3 --omit x-acs-content-sha256 --method POST DescribeRegions
expect "V3 without x-acs-content-sha256: MissingParameter" 400 MissingParameter
api --v3 --omit x-acs-signature-nonce DescribeRegions
expect "V3 without x-acs-signature-nonce: MissingParameter" 400 MissingParameter
api --v3 --header 'x-acs-unsigned: 1' DescribeRegions
expect "V3 with an x-acs-* header left out of SignedHeaders: IncompleteSignature" 400 IncompleteSignature
api --v3 --omit Authorization --header 'Authorization: ACS3-HMAC-SM3 Credential=x,SignedHeaders=host,Signature=00' DescribeRegions
expect "V3 with another algorithm: IncompleteSignature" 400 IncompleteSignature
api --v3 --version 2014-05-26 DescribeRegions
expect "V3 wrong x-acs-version: InvalidVersion" 400 InvalidVersion
api --v3 NoSuchAction
expect "V3 unknown x-acs-action: 403 InvalidAction" 403 InvalidAction
api --v3 --id "$STS_ID" --secret "$STS_SECRET" DescribeRegions
expect "V3 STS key without x-acs-security-token: MissingSecurityToken" 400 MissingSecurityToken
api --v3 --id "$STS_ID" --secret "$STS_SECRET" --token any-token DescribeRegions
expect "V3 STS key with x-acs-security-token" 200 ""

finish
