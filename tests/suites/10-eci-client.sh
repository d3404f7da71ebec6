#!/usr/bin/env bash
# The ECI client library against the emulator: a full round trip (create with
# an init container, env, volumes, probes and tags -> Running -> logs -> Sync
# exec -> events -> delete -> gone), then 200 creates under 30% injected
# Throttling/ServiceUnavailable that must each succeed exactly once (checked
# in the emulator's ledger: 200 successful creates, 200 distinct groups),
# listed back by tag 20 per page, and deleted.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

PROG=$ECI_TEST_PROGS/eci_roundtrip
if [ ! -x "$PROG" ]; then
    not_ok "eci_roundtrip is built" "missing $PROG (make VARIANT=san variant-bins)"
    finish
fi
if ! grep -aq -- '--access-key-secret SECRET' "$ECI_TEST_BIN/eci-emulator" 2>/dev/null; then
    skip "ECI client against the emulator" "the emulator's API server is not built yet"
    finish
fi
if ! start_emulator --schedule-delay-ms 100 --sts-token STS.suite:stssecret:tok-suite; then
    not_ok "emulator starts"
    finish
fi
ok "emulator starts"

admin() { # METHOD PATH [JSON]
    if [ $# -ge 3 ]; then
        curl -sS -X "$1" -H 'Content-Type: application/json' --data "$3" "$ECI_ADMIN_URL$2"
    else
        curl -sS -X "$1" "$ECI_ADMIN_URL$2"
    fi
}

# Credentials and transport: STS tokens, bad secrets, dropped connections.
check_output "STS credentials (SecurityToken) are accepted" '^result=ok attempts=1 ' \
    env ALIBABA_CLOUD_ACCESS_KEY_ID=STS.suite ALIBABA_CLOUD_ACCESS_KEY_SECRET=stssecret \
    ALIBABA_CLOUD_SECURITY_TOKEN=tok-suite "$PROG" regions
out=$(env ALIBABA_CLOUD_ACCESS_KEY_ID=STS.suite ALIBABA_CLOUD_ACCESS_KEY_SECRET=stssecret \
    ALIBABA_CLOUD_SECURITY_TOKEN=wrong "$PROG" regions 2>&1)
if grep -q '^result=auth attempts=1 ' <<<"$out"; then ok "a wrong SecurityToken is an auth error, not retried"
else not_ok "a wrong SecurityToken is an auth error, not retried" "$out"; fi
out=$(env ALIBABA_CLOUD_ACCESS_KEY_SECRET=Wr0ngS3cretValue "$PROG" regions 2>&1)
if grep -q '^result=auth attempts=1 api_code=SignatureDoesNotMatch' <<<"$out" &&
        ! grep -q 'Wr0ngS3cretValue' <<<"$out"; then
    ok "a wrong secret is SignatureDoesNotMatch, not retried, and never printed"
else
    not_ok "a wrong secret is SignatureDoesNotMatch, not retried, and never printed" "$out"
fi
grep -q 'to sign is:ACS3-HMAC-SHA256' <<<"$out" && ok "the client signs with V3 (ACS3-HMAC-SHA256) by default" \
    || not_ok "the client signs with V3 (ACS3-HMAC-SHA256) by default" "$out"
# The legacy signature (V2, HMAC-SHA1), which --eci-legacy-signature selects.
check_output "signature V2: a call succeeds" '^result=ok attempts=1 ' env ECI_SIGNATURE=v2 "$PROG" regions
check_output "signature V2: STS credentials (SecurityToken) are accepted" '^result=ok attempts=1 ' \
    env ECI_SIGNATURE=v2 ALIBABA_CLOUD_ACCESS_KEY_ID=STS.suite ALIBABA_CLOUD_ACCESS_KEY_SECRET=stssecret \
    ALIBABA_CLOUD_SECURITY_TOKEN=tok-suite "$PROG" regions
out=$(env ECI_SIGNATURE=v2 ALIBABA_CLOUD_ACCESS_KEY_SECRET=Wr0ngS3cretValue "$PROG" regions 2>&1)
if grep -q '^result=auth attempts=1 api_code=SignatureDoesNotMatch' <<<"$out" && grep -q 'to sign is:POST&%2F&' <<<"$out"; then
    ok "signature V2: a wrong secret is SignatureDoesNotMatch over the V2 string to sign"
else
    not_ok "signature V2: a wrong secret is SignatureDoesNotMatch over the V2 string to sign" "$out"
fi
admin POST /faults '{"clear":true,"rules":["DescribeRegions:drop:x2"]}' >/dev/null
check_output "dropped connections are retried" '^result=ok attempts=3 ' "$PROG" regions
admin DELETE /faults >/dev/null

# Round trip: the program prints its own ok/not ok lines.
"$PROG" roundtrip
rc=$?
[ $rc -eq 0 ] || diag "roundtrip exited $rc"

# Stress under faults.
N=${ECI_STRESS_CREATES:-200}
admin POST /reset-ledger >/dev/null
if admin POST /faults '{"clear":true,"rules":["CreateContainerGroup:Throttling:0.15","CreateContainerGroup:ServiceUnavailable:0.1765"]}' \
        > "$LIB_TMP/faults.json" && grep -q Throttling "$LIB_TMP/faults.json"; then
    ok "faults injected: 30% Throttling/ServiceUnavailable on CreateContainerGroup"
else
    not_ok "faults injected" "$(cat "$LIB_TMP/faults.json")"
fi
start=$SECONDS
"$PROG" stress "$N"
diag "stress took $((SECONDS - start))s"
admin DELETE /faults >/dev/null
admin GET /ledger > "$LIB_TMP/ledger.json"
res=$(python3 - "$LIB_TMP/ledger.json" "$N" <<'PY'
import json, sys
l = json.load(open(sys.argv[1])); n = int(sys.argv[2])
calls = l.get("calls", {}).get("CreateContainerGroup", {})
faults = sum(v for k, v in calls.items() if k in ("Throttling", "ServiceUnavailable"))
tokens = {}
for c in l.get("creates", []):
    if c.get("Code") == "OK":
        tokens[c["ClientToken"]] = tokens.get(c["ClientToken"], 0) + 1
dup = sum(1 for v in tokens.values() if v != 1)
print(l.get("creates_ok"), l.get("groups_created"), faults, len(tokens), dup)
PY
)
read -r creates_ok groups faults tokens dup <<< "$res"
if [ "$creates_ok" = "$N" ] && [ "$groups" = "$N" ] && [ "$tokens" = "$N" ] && [ "$dup" = "0" ]; then
    ok "ledger: exactly $N successful creates, $N distinct groups, one per ClientToken"
else
    not_ok "ledger: exactly $N successful creates, $N distinct groups, one per ClientToken" \
        "creates_ok=$creates_ok groups_created=$groups tokens=$tokens duplicated=$dup"
fi
if [ "${faults:-0}" -gt 0 ]; then
    ok "ledger: $faults injected failures answered"
else
    not_ok "ledger shows injected failures" "$(head -c 600 "$LIB_TMP/ledger.json")"
fi
finish
