#!/usr/bin/env bash
# The parameter walk: every request parameter of both official SDKs' request
# models for CreateContainerGroup and UpdateContainerGroup goes to the
# emulator, and is either accepted and returned (DescribeContainerGroups, or
# the admin view where the SDK's response model has no field) or refused as
# the emulator's table documents; a value the table's check refuses must be
# refused. Every parameter of the other operations' models must be in the
# table, and a bad value of it refused. docs/emulator.md must carry the table
# the emulator prints.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

VENV=${ECI_SDK_VENV:-${ECI_KUBELET_CACHE:-$HOME/.cache/eci-kubelet}/sdk-venv}
PY=$VENV/bin/python
if ! "$PY" -c 'import aliyunsdkeci, aliyunsdkcore, alibabacloud_eci20180808, alibabacloud_openapi_util' 2>/dev/null; then
    not_ok "the official SDKs are installed in $VENV" "run make deps"
    finish
fi
ok "the official SDKs are installed"

if ! start_emulator --no-namespaces --schedule-delay-ms 0 --seed 8; then
    not_ok "emulator starts"
    finish
fi
ok "emulator starts"

out=$LIB_TMP/walk.out
"$PY" "$ECI_REPO/tests/sdk/param_walk.py" > "$out" 2>&1
rc=$?
grep '^FINDING' "$out" | cut -c1-400 | sed 's/^/# /'
summary=$(sed -n 's/^SUMMARY //p' "$out")
if [ -z "$summary" ]; then
    not_ok "the walk ran" "$(tail -n 20 "$out")"
    finish
fi
for op in CreateContainerGroup UpdateContainerGroup; do
    c=$(jq -c ".$op" <<<"$summary")
    diag "$op: $c"
    n=$(jq '.parameters' <<<"$c")
    [ "$n" -gt 100 ] && ok "$op: $n parameters in the SDK models" || not_ok "$op: the SDK models were walked" "$c"
    check "$op: 0 accepted and dropped" test "$(jq '.accepted_and_dropped' <<<"$c")" = 0
    check "$op: 0 accepted without validation" test "$(jq '.accepted_without_validation' <<<"$c")" = 0
    check "$op: every parameter in the table" test "$(jq '.not_in_table' <<<"$c")" = 0
    check "$op: every valid sample accepted" test "$(jq '.valid_refused' <<<"$c")" = 0
    check "$op: every parameter returned, refused or with a checked effect" \
        test "$(jq '.returned + .refused + .effect' <<<"$c")" = "$n"
done
diag "other operations: $(jq '.other_operations_parameters' <<<"$summary") parameters, $(jq '.other_operations_findings' <<<"$summary") findings"
check "every parameter of the other operations' SDK models is in the table and checked" \
    test "$(jq '.other_operations_findings' <<<"$summary")" = 0
check "the walk reports no finding" test "$rc" = 0

# docs/emulator.md carries the table the emulator prints (between its markers)
"$ECI_TEST_BIN/eci-emulator" --print-params > "$LIB_TMP/params.md"
sed -n '/^<!-- params:begin -->$/,/^<!-- params:end -->$/p' "$ECI_REPO/docs/emulator.md" | sed '1d;$d' > "$LIB_TMP/doc.md"
if [ -s "$LIB_TMP/params.md" ] && diff -q "$LIB_TMP/params.md" "$LIB_TMP/doc.md" > /dev/null; then
    ok "docs/emulator.md lists every parameter as the emulator's table does"
else
    not_ok "docs/emulator.md lists every parameter as the emulator's table does" \
        "regenerate the section between the params markers with: bin/eci-emulator --print-params" \
        "$(diff "$LIB_TMP/params.md" "$LIB_TMP/doc.md" | head -n 10)"
fi
finish
