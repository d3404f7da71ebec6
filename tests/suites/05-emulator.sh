#!/usr/bin/env bash
# The ECI emulator through real HTTP: signatures and common-parameter errors,
# STS tokens, validation codes, ClientToken idempotency, the state machine,
# paging and filters, batch status/events, logs and exec from the runtime,
# fault injection, rate limits, the unreachable switch and the ledger.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_tmpdir

RAW=$ECI_TEST_PROGS/eci_raw
export ECI_REGION=cn-hangzhou
STS_ID=STS.emutest STS_SECRET=stssecret
if ! start_emulator --no-namespaces --schedule-delay-ms 100 --seed 7 --sts-token "$STS_ID:$STS_SECRET"; then
    not_ok "emulator starts"
    finish
fi
ok "emulator starts and prints its listening line"

# expect NAME STATUS CODE: the last api call answered STATUS with error CODE ("" = success).
expect() {
    local name=$1 st=$2 code=$3 got
    got=$(jget '.Code // ""')
    if [ "$ST" = "$st" ] && [ "$got" = "$code" ]; then
        ok "$name"
    else
        not_ok "$name" "expected HTTP $st ${code:-OK}, got HTTP $ST ${got:-OK}" "${BODY:0:600}"
    fi
}
admin() { curl -s --max-time 10 -X "$1" "$ECI_ADMIN_URL$2" ${3:+-H 'Content-Type: application/json' -d "$3"}; }

# ---- authentication and common parameters
api DescribeRegions
expect "DescribeRegions with GET" 200 ""
api --method POST DescribeRegions
expect "DescribeRegions with a POST form body" 200 ""
[ "$(jget '.RequestId | test("^[0-9A-F-]{36}$")')" = true ] && ok "RequestId is a UUID" || not_ok "RequestId is a UUID" "$BODY"
api --tamper DescribeRegions
expect "bad signature: 400 SignatureDoesNotMatch" 400 SignatureDoesNotMatch
jget .Message | grep -q 'server string to sign is:GET&%2F&AccessKeyId' && ok "SignatureDoesNotMatch shows the server's StringToSign" \
    || not_ok "SignatureDoesNotMatch shows the server's StringToSign" "$BODY"
grep -q "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" <<<"$BODY" && not_ok "no secret in errors" || ok "no secret in errors"
api --secret wrong DescribeRegions
expect "wrong secret: SignatureDoesNotMatch" 400 SignatureDoesNotMatch
api --id LTAInobody DescribeRegions
expect "unknown AccessKeyId: 404 InvalidAccessKeyId.NotFound" 404 InvalidAccessKeyId.NotFound
api --nonce fixed-nonce-1 DescribeRegions
api --nonce fixed-nonce-1 DescribeRegions
expect "reused SignatureNonce: 400 SignatureNonceUsed" 400 SignatureNonceUsed
api --timestamp 2020-01-01T00:00:00Z DescribeRegions
expect "old Timestamp: 400 InvalidTimeStamp.Expired" 400 InvalidTimeStamp.Expired
api --timestamp yesterday DescribeRegions
expect "malformed Timestamp: InvalidTimeStamp.Format" 400 InvalidTimeStamp.Format
api --omit Timestamp DescribeRegions
expect "missing Timestamp: MissingParameter" 400 MissingParameter
api --omit Signature DescribeRegions
expect "missing Signature: MissingParameter" 400 MissingParameter
api --version 2014-05-26 DescribeRegions
expect "wrong Version: InvalidVersion" 400 InvalidVersion
api NoSuchAction
expect "unknown Action: 403 InvalidAction" 403 InvalidAction
api --method PUT DescribeRegions
expect "PUT: 403 UnsupportedHTTPMethod" 403 UnsupportedHTTPMethod
api --id "$STS_ID" --secret "$STS_SECRET" DescribeRegions
expect "STS key without SecurityToken is refused" 400 MissingSecurityToken
api --id "$STS_ID" --secret "$STS_SECRET" --token any-token DescribeRegions
expect "STS key with a SecurityToken is accepted" 200 ""
api --format XML DescribeRegions
grep -q '<DescribeRegionsResponse><RequestId>' <<<"$BODY" && ok "Format=XML" || not_ok "Format=XML" "$BODY"

# ---- validation
C1=(Container.1.Name=app Container.1.Image=busybox Container.1.Command.1=sleep Container.1.Arg.1=300)
api CreateContainerGroup ContainerGroupName=v-1 RegionId=
expect "missing RegionId: MissingParameter" 400 MissingParameter
api CreateContainerGroup RegionId=cn-beijing ContainerGroupName=v-1 "${C1[@]}"
expect "other region: RegionNotSupport" 403 RegionNotSupport
six=()
for i in 1 2 3 4 5 6; do six+=("Container.$i.Name=c$i" "Container.$i.Image=busybox"); done
api CreateContainerGroup ContainerGroupName=v-1 "${six[@]}"
expect "6 containers: InvalidParameter.LengthExceeded" 400 InvalidParameter.LengthExceeded
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" Container.2.Name=app Container.2.Image=x
expect "duplicate container names: DuplicatedName" 400 InvalidParameter.DuplicatedName
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" Volume.1.Name=a Volume.1.Type=EmptyDirVolume Volume.2.Name=a Volume.2.Type=EmptyDirVolume
expect "duplicate volume names: DuplicatedVolumeName" 400 InvalidParameter.DuplicatedVolumeName
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" Container.1.VolumeMount.1.Name=nope Container.1.VolumeMount.1.MountPath=/x
expect "mount of an undefined volume: InvalidParameter" 400 InvalidParameter
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" Cpu=2 Memory=3
expect "Cpu 2 / Memory 3: InvalidParameter.CPU.Memory" 400 InvalidParameter.CPU.Memory
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" ClientToken="$(printf 'x%.0s' $(seq 65))"
expect "ClientToken longer than 64: InvalidParameter" 400 InvalidParameter
api CreateContainerGroup ContainerGroupName=v-1 "${C1[@]}" Container.1.EnvironmentVar.1.Key=9x
expect "bad env key: InvalidParameter" 400 InvalidParameter

# ---- create, idempotency, state machine
api CreateContainerGroup ContainerGroupName=idem-1 "${C1[@]}" ClientToken=tok-1 Tag.1.Key=suite Tag.1.Value=05
expect "create" 200 ""
ID1=$(jget .ContainerGroupId)
R1=$(jget .RequestId)
api CreateContainerGroup ContainerGroupName=idem-1 "${C1[@]}" ClientToken=tok-1 Tag.1.Key=suite Tag.1.Value=05
if [ "$(jget .ContainerGroupId)" = "$ID1" ] && [ "$(jget .RequestId)" != "$R1" ]; then
    ok "same ClientToken + same parameters: same id, new RequestId"
else
    not_ok "same ClientToken + same parameters: same id, new RequestId" "$ID1 vs $BODY"
fi
api --method POST CreateContainerGroup ContainerGroupName=idem-1 "${C1[@]}" ClientToken=tok-1 Tag.1.Key=suite Tag.1.Value=05
[ "$(jget .ContainerGroupId)" = "$ID1" ] && ok "replay over POST returns the same id" || not_ok "replay over POST returns the same id" "$BODY"
api CreateContainerGroup ContainerGroupName=idem-2 "${C1[@]}" ClientToken=tok-1 Tag.1.Key=suite Tag.1.Value=05
expect "same ClientToken + other parameters: IdempotentParameterMismatch" 400 IdempotentParameterMismatch

# concurrent creates with one token make one group
pids=()
for i in $(seq 1 8); do
    "$RAW" CreateContainerGroup ContainerGroupName=race-1 "${C1[@]}" ClientToken=race-tok > "$LIB_TMP/race-$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
n=$(cat "$LIB_TMP"/race-* | sed -n 's/.*"ContainerGroupId":"\([^"]*\)".*/\1/p' | sort -u | wc -l)
[ "$n" = 1 ] && ok "8 concurrent creates with one ClientToken: one group" || not_ok "8 concurrent creates with one ClientToken: one group" "$(cat "$LIB_TMP"/race-*)"

status_of() { api DescribeContainerGroups "ContainerGroupIds=[\"$1\"]"; [ "$(jget '.ContainerGroups[0].Status')" = "$2" ]; }
if wait_for 60 status_of "$ID1" Running; then ok "Scheduling -> Running"; else not_ok "Scheduling -> Running" "$BODY"; fi
api DescribeContainerGroups "ContainerGroupIds=[\"$ID1\"]"
[ "$(jget '.ContainerGroups[0].IntranetIp | test("^10\\.")')" = true ] && ok "IntranetIp allocated in 10/8" || not_ok "IntranetIp allocated in 10/8" "$BODY"
[ "$(jget '.ContainerGroups[0].Containers[0].CurrentState.State')" = Running ] && ok "container CurrentState Running" || not_ok "container CurrentState Running" "${BODY:0:800}"
[ "$(jget '[.ContainerGroups[0].Events[].Reason] | index("Scheduled") != null')" = true ] && ok "Scheduled event recorded" || not_ok "Scheduled event recorded" "${BODY:0:800}"

api CreateContainerGroup ContainerGroupName=logs-1 RestartPolicy=Never Container.1.Name=sh Container.1.Image=busybox \
    Container.1.Command.1=/bin/sh Container.1.Arg.1=-c "Container.1.Arg.2=echo hello-from-emulator; sleep 300"
ID2=$(jget .ContainerGroupId)
log_has() { api DescribeContainerLog ContainerGroupId="$ID2" ContainerName=sh; jget .Content | grep -q hello-from-emulator; }
if wait_for 60 log_has; then ok "DescribeContainerLog returns the container's output"; else not_ok "DescribeContainerLog returns the container's output" "$BODY"; fi
api DescribeContainerLog ContainerGroupId="$ID2" ContainerName=sh Tail=2001
expect "Tail above 2000 is refused" 400 InvalidParameter.ValueExceeded
api DescribeContainerLog ContainerGroupId="$ID2" ContainerName=sh LimitBytes=0
expect "LimitBytes 0 is refused" 400 InvalidParameter
api DescribeContainerLog ContainerGroupId="$ID2" ContainerName=sh Timestamps=true
jget .Content | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z hello-from-emulator' && ok "Timestamps=true prefixes lines" || not_ok "Timestamps=true prefixes lines" "$BODY"
api ExecContainerCommand ContainerGroupId="$ID2" ContainerName=sh 'Command=["echo","exec-ok"]' Sync=true
[ "$(jget .SyncResponse)" = exec-ok ] && ok "ExecContainerCommand Sync=true returns SyncResponse" || not_ok "ExecContainerCommand Sync=true returns SyncResponse" "$BODY"
api ExecContainerCommand ContainerGroupId="$ID2" ContainerName=sh Command=sh TTY=true
jget .WebSocketUri | grep -q '^ws://127.0.0.1:[0-9]*/exec/' && ok "ExecContainerCommand returns a WebSocketUri" || not_ok "ExecContainerCommand returns a WebSocketUri" "$BODY"
api ExecContainerCommand ContainerGroupId="$ID2" ContainerName=sh Command=sh TTY=true Sync=true
expect "Sync with TTY is refused" 400 InvalidParameter
api DescribeContainerGroupMetric ContainerGroupId="$ID2"
[ "$(jget '.Records[0].Containers[0].Name')" = sh ] && ok "DescribeContainerGroupMetric" || not_ok "DescribeContainerGroupMetric" "${BODY:0:500}"

# Restarting and Updating last 1.5 s (the emulator's transient period): a
# describe that comes later (a loaded machine) cannot see them, so such a
# sample proves nothing and the action is repeated; one that comes in time
# must see the state.
# transient ID STATE ACTION ARGS...: 0 when the describe right after ACTION saw STATE.
transient() {
    local id=$1 want=$2 t0 el
    shift 2
    wait_for 60 status_of "$id" Running || return 1
    t0=${EPOCHREALTIME/./}
    api "$@"
    [ "$ST" = 200 ] || return 1
    api DescribeContainerGroups "ContainerGroupIds=[\"$id\"]"
    el=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    TRANSIENT_SEEN=$(jget '.ContainerGroups[0].Status')
    [ "$TRANSIENT_SEEN" = "$want" ] && return 0
    [ "$el" -ge 1200 ] && return 2 # too late to tell
    return 1
}
# transient_seen NAME ID STATE ACTION ARGS...
transient_seen() {
    local name=$1 id=$2 want=$3 i rc
    shift 3
    for i in $(seq 1 20); do
        transient "$id" "$want" "$@"; rc=$?
        [ $rc -eq 2 ] && continue
        break
    done
    if [ $rc -eq 0 ]; then ok "$name"; else not_ok "$name" "saw ${TRANSIENT_SEEN:-nothing} (HTTP $ST)" "${BODY:0:300}"; fi
}
transient_seen "RestartContainerGroup: status Restarting" "$ID1" Restarting RestartContainerGroup ContainerGroupId="$ID1"
if wait_for 60 status_of "$ID1" Running; then ok "Restarting -> Running"; else not_ok "Restarting -> Running" "$(jget '.ContainerGroups[0].Status')"; fi
api UpdateContainerGroup ContainerGroupId="$ID1"
expect "update without changes: NoNeedUpdate" 400 NoNeedUpdate
UPD=1
next_update() { UPD=$((UPD + 1)); echo "Container.1.Image=busybox:$UPD"; }
transient_update() {
    api_update_args=(UpdateContainerGroup ContainerGroupId="$ID1" Container.1.Name=app "$(next_update)" Container.1.Command.1=sleep Container.1.Arg.1=300)
    transient "$ID1" Updating "${api_update_args[@]}"
}
for i in $(seq 1 20); do transient_update; rc=$?; [ $rc -eq 2 ] || break; done
if [ $rc -eq 0 ]; then ok "UpdateContainerGroup: status Updating"; else not_ok "UpdateContainerGroup: status Updating" "saw ${TRANSIENT_SEEN:-nothing} (HTTP $ST)" "${BODY:0:300}"; fi

# a group that completes
api CreateContainerGroup ContainerGroupName=done-1 RestartPolicy=Never Container.1.Name=t Container.1.Image=busybox Container.1.Command.1=true
ID3=$(jget .ContainerGroupId)
if wait_for 60 status_of "$ID3" Succeeded; then ok "a finished group is Succeeded"; else not_ok "a finished group is Succeeded" "$(jget '.ContainerGroups[0].Status')"; fi
[ -n "$(jget '.ContainerGroups[0].SucceededTime')" ] && ok "SucceededTime set" || not_ok "SucceededTime set" "${BODY:0:400}"
api RestartContainerGroup ContainerGroupId="$ID3"
expect "restart of a Succeeded group: IncorrectStatus" 400 IncorrectStatus

api DeleteContainerGroup ContainerGroupId=eci-doesnotexist000000
expect "delete of an unknown id: 404 InvalidParameter.NotFound" 404 InvalidParameter.NotFound
api DeleteContainerGroup ContainerGroupId="$ID3"
expect "DeleteContainerGroup" 200 ""
api DescribeContainerGroups "ContainerGroupIds=[\"$ID3\"]"
[ "$(jget '.TotalCount')" = 0 ] && ok "a deleted group is gone" || not_ok "a deleted group is gone" "$BODY"

# ---- paging and filters
for i in $(seq 1 25); do
    "$RAW" CreateContainerGroup ContainerGroupName="page-$i" Container.1.Name=c Container.1.Image=busybox \
        Tag.1.Key=batch Tag.1.Value=paging Tag.2.Key=idx Tag.2.Value="$i" ClientToken="page-$i" >/dev/null
done
seen=() tok="" pages=0
while :; do
    if [ -n "$tok" ]; then api DescribeContainerGroups Limit=10 Tag.1.Key=batch Tag.1.Value=paging NextToken="$tok"
    else api DescribeContainerGroups Limit=10 Tag.1.Key=batch Tag.1.Value=paging; fi
    pages=$((pages + 1))
    [ "$(jget .TotalCount)" = 25 ] || { not_ok "TotalCount counts all matches" "$BODY"; break; }
    mapfile -t ids < <(jget '.ContainerGroups[].ContainerGroupId')
    seen+=("${ids[@]}")
    tok=$(jget .NextToken)
    [ -z "$tok" ] && break
    [ $pages -gt 5 ] && break
done
n=$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)
[ $pages -eq 3 ] && [ "$n" -eq 25 ] && ok "paging: 3 pages of <=10 cover 25 groups, last NextToken empty" || not_ok "paging" "pages=$pages distinct=$n"
api DescribeContainerGroups Limit=21
expect "Limit 21: InvalidParameter.ValueExceeded" 400 InvalidParameter.ValueExceeded
api DescribeContainerGroups NextToken=bogus
expect "bad NextToken: InvalidParameter" 400 InvalidParameter
api DescribeContainerGroups Tag.1.Key=batch Tag.1.Value=paging Tag.2.Key=idx Tag.2.Value=7
[ "$(jget .TotalCount)" = 1 ] && [ "$(jget '.ContainerGroups[0].ContainerGroupName')" = page-7 ] && ok "tag filters AND together" || not_ok "tag filters AND together" "${BODY:0:300}"
api DescribeContainerGroups ContainerGroupName=page-9
[ "$(jget .TotalCount)" = 1 ] && ok "ContainerGroupName filter" || not_ok "ContainerGroupName filter" "${BODY:0:300}"
api DescribeContainerGroups 'ContainerGroupIds=["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]'
expect "21 ContainerGroupIds: InvalidParameter" 400 InvalidParameter
api DescribeContainerGroups "ContainerGroupIds=[\"$ID1\",\"eci-unknown\"]"
[ "$(jget .TotalCount)" = 1 ] && ok "unknown ids are absent" || not_ok "unknown ids are absent" "${BODY:0:300}"
api DescribeContainerGroups Status=Succeeded
[ "$(jget .TotalCount)" = 0 ] && ok "Status filter" || not_ok "Status filter" "${BODY:0:300}"

api DescribeContainerGroupStatus Tag.1.Key=batch Tag.1.Value=paging Limit=10
[ "$(jget .TotalCount)" = 25 ] && [ "$(jget '.Data | length')" = 10 ] && [ -n "$(jget .NextToken)" ] \
    && ok "DescribeContainerGroupStatus pages with Limit" || not_ok "DescribeContainerGroupStatus pages with Limit" "${BODY:0:300}"
[ "$(jget '.Data[0].PodStatus.Conditions | map(.type) | index("Ready") != null')" = true ] && ok "status carries pod conditions" || not_ok "status carries pod conditions" "${BODY:0:600}"
# SinceSecond=S: a group changed in the last S seconds is listed. The query
# must come within S s of the change; when it came later (a loaded machine)
# the sample proves nothing and the change is made again.
since_sees_restart() {
    local t0 el
    wait_for 60 status_of "$ID2" Running || return 1
    t0=${EPOCHREALTIME/./}
    "$RAW" RestartContainerGroup ContainerGroupId="$ID2" >/dev/null
    api DescribeContainerGroupStatus SinceSecond=2
    el=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    [ "$(jget '[.Data[].ContainerGroupId] | index("'"$ID2"'") != null')" = true ] && return 0
    [ "$el" -ge 1800 ] && return 2
    return 1
}
for i in $(seq 1 20); do since_sees_restart; rc=$?; [ $rc -eq 2 ] || break; done
[ $rc -eq 0 ] && ok "SinceSecond selects recently changed groups" \
    || not_ok "SinceSecond selects recently changed groups" "${BODY:0:400}"
api DescribeContainerGroupEvents "ContainerGroupIds=[\"$ID2\"]"
[ "$(jget '[.Data[0].Events[].Reason] | index("Restarting") != null')" = true ] && ok "DescribeContainerGroupEvents" || not_ok "DescribeContainerGroupEvents" "${BODY:0:600}"
api DescribeContainerGroupEvents EventSource=Nobody
expect "bad EventSource: InvalidParameter" 400 InvalidParameter

# ---- other operations
api DescribeContainerGroupPrice Cpu=2 Memory=4
[ "$(jget '.PriceInfo.Price.Currency')" = CNY ] && ok "DescribeContainerGroupPrice" || not_ok "DescribeContainerGroupPrice" "$BODY"
api DescribeContainerGroupPrice Cpu=2 Memory=3
expect "price of an unsold spec: InvalidParam.CpuOrMemorySpec" 400 InvalidParam.CpuOrMemorySpec
api ListUsage
[ "$(jget '.Attributes.MaxCpu')" = 1000 ] && ok "ListUsage" || not_ok "ListUsage" "$BODY"
api CreateImageCache ImageCacheName=cache-1 Image.1=busybox SecurityGroupId=sg-1 VSwitchId=vsw-1
IMC=$(jget .ImageCacheId)
cache_ready() { api DescribeImageCaches ImageCacheId="$IMC"; [ "$(jget '.ImageCaches[0].Status')" = Ready ]; }
if wait_for 60 cache_ready; then ok "image cache becomes Ready"; else not_ok "image cache becomes Ready" "$BODY"; fi
api DeleteImageCache ImageCacheId="$IMC"
expect "DeleteImageCache" 200 ""

# ---- fault injection, rate limits, unreachable
admin POST /faults '{"rules":["DescribeRegions:ServiceUnavailable:x1"]}' >/dev/null
api DescribeRegions
expect "injected ServiceUnavailable (503)" 503 ServiceUnavailable
api DescribeRegions
expect "the x1 fault is used up" 200 ""
admin POST /faults '{"rules":["ListUsage:drop:x1"]}' >/dev/null
api ListUsage
[ "$ST" = 000 ] && ok "dropped connection" || not_ok "dropped connection" "HTTP $ST"
admin POST /faults '{"clear":true,"qps":{"DescribeRegions":0.001}}' >/dev/null
api DescribeRegions; api DescribeRegions
expect "rate limit answers Throttling" 400 Throttling
admin DELETE /faults >/dev/null
admin POST /unreachable '{"seconds":600}' >/dev/null
api DescribeRegions
[ "$ST" = 000 ] && ok "unreachable switch closes connections" || not_ok "unreachable switch closes connections" "HTTP $ST"
admin POST /unreachable '{"seconds":0}' >/dev/null
api DescribeRegions
expect "seconds 0 ends the outage" 200 ""
admin POST /unreachable '{"seconds":1}' >/dev/null
reachable() { api DescribeRegions; [ "$ST" = 200 ]; }
wait_for 60 reachable
expect "reachable again after N seconds" 200 ""
admin POST /faults '{"rules":["CreateContainerGroup:ScheduleFailed:x1"]}' >/dev/null
api CreateContainerGroup ContainerGroupName=nostock-1 "${C1[@]}"
ID4=$(jget .ContainerGroupId)
if wait_for 60 status_of "$ID4" ScheduleFailed; then ok "injected NoStock ends in ScheduleFailed"; else not_ok "injected NoStock ends in ScheduleFailed" "${BODY:0:400}"; fi
admin POST /faults '{"rules":["CreateContainerGroup:OperationDenied.NoStock:x1"]}' >/dev/null
api CreateContainerGroup ContainerGroupName=nostock-2 "${C1[@]}"
expect "injected OperationDenied.NoStock (403)" 403 OperationDenied.NoStock

# ---- admin routes
admin POST "/groups/$ID2/fail" '{"reason":"InstanceVanished"}' >/dev/null
wait_for 60 status_of "$ID2" Failed && ok "admin /fail forces Failed" || not_ok "admin /fail forces Failed" "${BODY:0:300}"
admin DELETE "/groups/$ID1" >/dev/null
api DescribeContainerGroups "ContainerGroupIds=[\"$ID1\"]"
[ "$(jget .TotalCount)" = 0 ] && ok "admin DELETE makes a group vanish" || not_ok "admin DELETE makes a group vanish" "$BODY"
L=$(admin GET /ledger)
[ "$(printf '%s' "$L" | jq '[.creates[] | select(.ClientToken=="tok-1" and .Code=="OK") | .ContainerGroupId] | unique | length')" = 1 ] \
    && ok "ledger: one group for tok-1 across replays" || not_ok "ledger: one group for tok-1 across replays" "${L:0:400}"
[ "$(printf '%s' "$L" | jq '.calls.CreateContainerGroup.IdempotentParameterMismatch')" = 1 ] \
    && ok "ledger counts per action and code" || not_ok "ledger counts per action and code" "${L:0:400}"
admin GET /groups | jq -e '.count >= 25' >/dev/null && ok "admin GET /groups" || not_ok "admin GET /groups"
admin POST /reset-ledger >/dev/null
[ "$(admin GET /ledger | jq .total)" = 0 ] && ok "reset-ledger" || not_ok "reset-ledger"

# ---- a second emulator: separate admin port, string scalars, lower-case events
help=$("$ECI_TEST_BIN/eci-emulator" --help)
grep -q -- '--admin-listen' <<<"$help" && grep -q -- '--sts-token' <<<"$help" \
    && ok "--help lists the flags" || not_ok "--help lists the flags" "$help"
P2=$(free_port) A2=$(free_port)
bg_start emulator2 "$LIB_TMP/emu2.log" "$ECI_TEST_BIN/eci-emulator" --listen "127.0.0.1:$P2" --admin-listen "127.0.0.1:$A2" \
    --access-key-id "$ALIBABA_CLOUD_ACCESS_KEY_ID" --access-key-secret "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" \
    --string-scalars --lowercase-events --schedule-delay-ms 0 --no-namespaces
wait_for 60 grep -q 'listening on' "$LIB_TMP/emu2.log"
api --endpoint "http://127.0.0.1:$P2" ListUsage
[ "$(jget '.Attributes.MaxCpu')" = 1000 ] && [ "$(jget '.Attributes.MaxCpu | type')" = string ] \
    && ok "--string-scalars renders numbers as strings" || not_ok "--string-scalars renders numbers as strings" "$BODY"
api --endpoint "http://127.0.0.1:$P2" CreateContainerGroup ContainerGroupName=lc-1 "${C1[@]}"
ID5=$(jget .ContainerGroupId)
has_lower_event() { api --endpoint "http://127.0.0.1:$P2" DescribeContainerGroupEvents; [ "$(jget '.Data[0].Events[0].reason')" = Scheduled ]; }
if wait_for 60 has_lower_event; then ok "--lowercase-events"; else not_ok "--lowercase-events" "${BODY:0:400}"; fi
curl -s "http://127.0.0.1:$A2/_emulator/health" | jq -e .ok >/dev/null && ok "--admin-listen serves the admin routes" || not_ok "--admin-listen serves the admin routes"
curl -s "http://127.0.0.1:$P2/_emulator/health" | jq -e '.ok' >/dev/null && not_ok "the API port hides the admin routes with --admin-listen" \
    || ok "the API port hides the admin routes with --admin-listen"

# ---- shutdown
kill -TERM "$ECI_EMULATOR_PID"
emulator_exited() { ! kill -0 "$ECI_EMULATOR_PID" 2>/dev/null; }
if ! wait_for 60 emulator_exited; then not_ok "SIGTERM stops the emulator"
else wait "$ECI_EMULATOR_PID"; rc=$?; [ $rc -eq 0 ] && ok "SIGTERM: clean exit" || not_ok "SIGTERM: clean exit" "exit $rc" "$(tail -20 "$ECI_EMULATOR_LOG")"; fi
finish
