# Shared helpers for the script suites in tests/suites/. Source it first:
#
#   . "$(dirname "$0")/../lib.sh"
#
# A suite prints one line per test, "ok - NAME" or "not ok - NAME" (tests/run.sh
# counts them), followed by "# ..." detail lines on failure. Call `finish` last:
# it exits non-zero when a test failed. Cleanup registered with `on_exit` runs
# in reverse order when the suite exits for any reason (end, error, signal).
#
# Environment from tests/run.sh: ECI_TEST_BIN (sanitized bin/), ECI_TEST_PROGS
# (test programs), ECI_REPO (the checkout), KUBECONFIG (suites with "# needs: cluster").

ECI_REPO=${ECI_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ECI_TEST_BIN=${ECI_TEST_BIN:-$ECI_REPO/build/san/bin}
ECI_TEST_PROGS=${ECI_TEST_PROGS:-$ECI_REPO/build/san/progs}
export ECI_REPO ECI_TEST_BIN ECI_TEST_PROGS

if [ -z "${KUBECTL:-}" ]; then
    if [ -x /usr/lib/google-cloud-sdk/bin/kubectl.1.33 ]; then
        KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.33
    else
        KUBECTL=kubectl
    fi
fi
export KUBECTL

# The cluster's environment (ports, CA, kubelet serving cert, ...): from the
# state dir that tests/run.sh or `make cluster-up` started.
_lib_cluster_env=${ECI_CLUSTER_DIR:-$ECI_REPO/.cluster}/env
if [ -f "$_lib_cluster_env" ]; then
    _lib_kc=${KUBECONFIG:-}
    set -a
    # shellcheck disable=SC1090
    . "$_lib_cluster_env"
    set +a
    # A KUBECONFIG given by the caller wins over the cluster's admin kubeconfig.
    [ -n "$_lib_kc" ] && KUBECONFIG=$_lib_kc
fi
unset _lib_cluster_env _lib_kc

LIB_PASSED=0
LIB_FAILED=0

# ok NAME: record a passing test.
ok() { LIB_PASSED=$((LIB_PASSED + 1)); printf 'ok - %s\n' "$*"; }

# not_ok NAME [DETAIL...]: record a failing test; each DETAIL line is printed as "# ...".
not_ok() {
    local name=$1; shift
    LIB_FAILED=$((LIB_FAILED + 1))
    printf 'not ok - %s\n' "$name"
    local d
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/# /'; done
}

# skip NAME REASON: a test that cannot run here; counts as passing.
skip() { LIB_PASSED=$((LIB_PASSED + 1)); printf 'ok - %s # SKIP %s\n' "$1" "${2:-}"; }

# diag TEXT...: a comment line in the suite output.
diag() { printf '# %s\n' "$*"; }

# check NAME CMD...: run CMD; ok when it exits 0, otherwise not_ok with the
# exit code and the last lines of its output.
check() {
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then
        ok "$name"
    else
        not_ok "$name" "command failed (exit $rc): $*" "$(printf '%s\n' "$out" | tail -n 15)"
    fi
    return $rc
}

# check_output NAME PATTERN CMD...: ok when CMD exits 0 and its output matches
# the extended regular expression PATTERN.
check_output() {
    local name=$1 pat=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 0 ] && grep -Eq -- "$pat" <<<"$out"; then
        ok "$name"; return 0
    fi
    not_ok "$name" "command: $* (exit $rc)" "expected output matching: $pat" \
        "$(printf '%s\n' "$out" | tail -n 15)"
    return 1
}

# finish: print a summary comment and exit 1 if any test failed.
finish() {
    diag "$LIB_PASSED passed, $LIB_FAILED failed"
    [ "$LIB_FAILED" -eq 0 ] && exit 0
    exit 1
}

# free_port: print a TCP port free on 127.0.0.1 for a test server (tests/free_ports.py).
free_port() {
    python3 "$ECI_REPO/tests/free_ports.py" 1
}

# wait_for TIMEOUT CMD...: poll CMD (quietly) every 0.2 s until it succeeds;
# returns 1 after TIMEOUT seconds (fractions allowed, e.g. 2.5).
wait_for() {
    local timeout=$1; shift
    local now deadline
    now=${EPOCHREALTIME/./}
    deadline=$((now + $(awk -v t="$timeout" 'BEGIN { printf "%d", t * 1000000 }')))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        now=${EPOCHREALTIME/./}
        [ "$now" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# ---------------------------------------------------------------- cleanup
LIB_EXIT_CMDS=()

# on_exit CMD: run the shell command string CMD when the suite exits (reverse order).
on_exit() { LIB_EXIT_CMDS+=("$1"); }

_lib_run_exit() {
    local rc=$? i
    trap - EXIT INT TERM
    for ((i = ${#LIB_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${LIB_EXIT_CMDS[$i]}" >/dev/null 2>&1 || true
    done
    return $rc
}
trap _lib_run_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lib_tmpdir: create (once) a temporary directory removed at exit and set
# LIB_TMP to it. Call it directly, not in $(...), so the cleanup is registered.
lib_tmpdir() {
    if [ -z "${LIB_TMP:-}" ]; then
        LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/eci-suite.XXXXXX")
        # ECI_TEST_KEEP_TMP=1 keeps it (bridge and emulator logs) for a look afterwards
        if [ "${ECI_TEST_KEEP_TMP:-0}" = 1 ]; then diag "keeping $LIB_TMP"
        else on_exit "rm -rf '$LIB_TMP'"; fi
    fi
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 5); waits.
stop_pid() {
    local pid=$1 secs=${2:-5} i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# bg_start NAME LOGFILE CMD...: start CMD in the background, output to LOGFILE,
# stopped at exit; sets BG_PID.
bg_start() {
    local name=$1 logf=$2; shift 2
    "$@" > "$logf" 2>&1 < /dev/null &
    BG_PID=$!
    on_exit "stop_pid $BG_PID"
    diag "started $name (pid $BG_PID, log $logf)"
}

# ---------------------------------------------------------------- emulator
# start_emulator [EXTRA FLAGS...]: start $ECI_TEST_BIN/eci-emulator on a free
# loopback port with fresh credentials; it is stopped at exit. Exports
# ECI_ENDPOINT (http://127.0.0.1:PORT), ECI_ADMIN_URL (…/_emulator),
# ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, ECI_EMULATOR_PID, ECI_EMULATOR_LOG.
start_emulator() {
    local bin=$ECI_TEST_BIN/eci-emulator port dir
    [ -x "$bin" ] || { diag "no emulator at $bin"; return 1; }
    lib_tmpdir
    dir=$LIB_TMP
    port=$(free_port)
    export ALIBABA_CLOUD_ACCESS_KEY_ID=${ECI_TEST_ACCESS_KEY_ID:-LTAItestkey$$}
    export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${ECI_TEST_ACCESS_KEY_SECRET:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}
    export ECI_EMULATOR_LOG=$dir/emulator-$port.log
    "$bin" --listen "127.0.0.1:$port" --access-key-id "$ALIBABA_CLOUD_ACCESS_KEY_ID" \
        --access-key-secret "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" "$@" > "$ECI_EMULATOR_LOG" 2>&1 < /dev/null &
    export ECI_EMULATOR_PID=$!
    on_exit "stop_pid $ECI_EMULATOR_PID"
    export ECI_ENDPOINT=http://127.0.0.1:$port
    export ECI_ADMIN_URL=$ECI_ENDPOINT/_emulator
    if ! wait_for 60 _lib_emulator_ready "$port"; then
        diag "emulator did not start; log $ECI_EMULATOR_LOG:"
        tail -n 20 "$ECI_EMULATOR_LOG" | sed 's/^/# /'
        return 1
    fi
}

# api ARGS...: one ECI call through tests/progs/eci_raw (ECI_ENDPOINT and the
# emulator's credentials from start_emulator); sets ST (the HTTP status) and
# BODY (the answer). jget FILTER: jq -r FILTER on BODY.
api() {
    local out
    out=$("$ECI_TEST_PROGS/eci_raw" "$@" 2>&1)
    ST=$(printf '%s\n' "$out" | sed -n '1s/^HTTP \([0-9]*\).*/\1/p')
    BODY=$(printf '%s\n' "$out" | sed '1d')
}
jget() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

# emu_terminating_checks: through the emulator's API (api), a deleted group
# whose process ignores SIGTERM is Terminating for its grace period: Describe
# shows it (the prompt container terminated 143, the other running), Restart
# is refused, a second delete is accepted; then it is gone (either runtime).
emu_terminating_checks() {
    api CreateContainerGroup ContainerGroupName=rt-term TerminationGracePeriodSeconds=6 \
        Container.1.Name=stubborn Container.1.Image=busybox Container.1.Command.1=sh Container.1.Arg.1=-c \
        "Container.1.Arg.2=trap '' TERM; while :; do sleep 0.2; done" \
        Container.2.Name=quick Container.2.Image=busybox Container.2.Command.1=sh Container.2.Arg.1=-c \
        "Container.2.Arg.2=sleep 300"
    local TID
    TID=$(jget .ContainerGroupId)
    describe_t() { api DescribeContainerGroups "ContainerGroupIds=[\"$TID\"]"; }
    running_t() { describe_t; [ "$(jget '.ContainerGroups[0].Status')" = Running ]; }
    check "a group with a SIGTERM-ignoring container runs" wait_for 60 running_t
    api DeleteContainerGroup ContainerGroupId="$TID"
    check "DeleteContainerGroup of a running group answers 200" test "$ST" = 200
    terminating() {
        describe_t
        [ "$(jget '.ContainerGroups[0].Status')" = Terminating ] &&
            [ "$(jget '.ContainerGroups[0].Containers[] | select(.Name == "quick") | .CurrentState.ExitCode')" = 143 ] &&
            [ "$(jget '.ContainerGroups[0].Containers[] | select(.Name == "stubborn") | .CurrentState.State')" = Running ]
    }
    if wait_for 60 terminating; then ok "it is Terminating: the prompt container terminated (143), the other still running"
    else not_ok "the deleted group is Terminating with its containers' states" "$BODY"; fi
    api RestartContainerGroup ContainerGroupId="$TID"
    check "RestartContainerGroup of a Terminating group: 400 IncorrectStatus" test "$ST/$(jget .Code)" = 400/IncorrectStatus
    api DeleteContainerGroup ContainerGroupId="$TID"
    check "a second DeleteContainerGroup is accepted" test "$ST" = 200
    gone_t() { describe_t; [ "$(jget '.ContainerGroups | length')" = 0 ]; }
    check "the group is gone once its processes stopped" wait_for 120 gone_t
    api DeleteContainerGroup ContainerGroupId="$TID"
    check "then DeleteContainerGroup answers 404 InvalidParameter.NotFound" test "$ST/$(jget .Code)" = 404/InvalidParameter.NotFound
}

_lib_emulator_ready() {
    kill -0 "$ECI_EMULATOR_PID" 2>/dev/null || return 1
    grep -q 'listening on' "$ECI_EMULATOR_LOG" 2>/dev/null
}

# ---------------------------------------------------------------- cluster
# kubectl_ ARGS...: kubectl (1.33) against the test cluster's kubeconfig.
kubectl_() { "$KUBECTL" --kubeconfig "${KUBECONFIG:?no KUBECONFIG: start the cluster (make cluster-up)}" "$@"; }

# exec_stderr FILE: the stderr kubectl exec wrote to FILE, without the one line
# its WebSocket client logs when the apiserver's "connection established"
# message (empty, on the lowest output stream) arrives before the client has
# registered that stream: a race between kubectl and kube-apiserver
# (client-go's readDemuxLoop starts before the streams are created), with
# nothing of the command's output lost.
exec_stderr() { grep -v 'websocket\.go:[0-9]*\] Unknown stream id [0-9]*, discarding message$' "$1"; }

# cluster_sh ARGS...: tests/cluster/cluster.sh on the suite's cluster, e.g.
# `cluster_sh restart-apiserver`, `cluster_sh compact`, `cluster_sh node-kubeconfig vk-1 FILE`.
cluster_sh() { bash "$ECI_REPO/tests/cluster/cluster.sh" "$@"; }

# need_cluster: exit the suite (one failing test) when no cluster is reachable.
need_cluster() {
    if [ -z "${KUBECONFIG:-}" ] || ! kubectl_ get --raw /readyz >/dev/null 2>&1; then
        not_ok "cluster reachable" "no ready cluster (KUBECONFIG=${KUBECONFIG:-unset}); run make cluster-up"
        finish
    fi
}

# test_namespace [PREFIX]: create a fresh namespace, set TEST_NS to its name;
# it is deleted (without waiting) at exit. Returns once the service account
# controller has created its "default" service account (until then the
# apiserver rejects pods in it). Call it directly, not in $(...).
test_namespace() {
    TEST_NS=${1:-t}-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
    kubectl_ create namespace "$TEST_NS" >/dev/null || return 1
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$TEST_NS' --wait=false"
    wait_for 60 kubectl_ -n "$TEST_NS" get serviceaccount default ||
        diag "no default service account in $TEST_NS after 60 s"
}

# ---------------------------------------------------------------- bridge
# start_bridge NODE_NAME [EXTRA FLAGS...]: start $ECI_TEST_BIN/eci-kubelet for
# node NODE_NAME against the test cluster and the emulator (start_emulator
# first), with the cluster's kubelet serving certificate on a free port and
# node IP 127.0.0.1 (so kube-apiserver reaches its kubelet API). The bridge
# runs as its node, as a kubelet does: a client certificate for
# system:node:NODE_NAME (cluster.sh node-kubeconfig, in BRIDGE_KUBECONFIG), so
# the Node authorizer and NodeRestriction fence it. Stopped at exit. Sets
# BRIDGE_PID, BRIDGE_LOG, BRIDGE_PORT, BRIDGE_HEALTH (URL), BRIDGE_KUBECONFIG
# and remembers the command line for restart_bridge.
start_bridge() {
    local node=$1; shift
    lib_tmpdir
    BRIDGE_PORT=${BRIDGE_PORT:-$(free_port)}
    local hport; hport=$(free_port)
    BRIDGE_HEALTH=http://127.0.0.1:$hport
    BRIDGE_LOG=$LIB_TMP/bridge-$node.log
    BRIDGE_KUBECONFIG=$LIB_TMP/node-$node.kubeconfig
    cluster_sh node-kubeconfig "$node" "$BRIDGE_KUBECONFIG" >/dev/null ||
        { diag "cannot mint the node kubeconfig for $node"; return 1; }
    BRIDGE_ARGS=(--kubeconfig "$BRIDGE_KUBECONFIG" --node-name "$node" --eci-endpoint "$ECI_ENDPOINT"
        --region cn-hangzhou --security-group sg-e2e --vswitch vsw-e2e --cluster-name e2e
        --node-ip 127.0.0.1 --hostname-address none --port "$BRIDGE_PORT"
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY"
        --client-ca-file "$ECI_CLUSTER_KUBELET_CLIENT_CA" --health-probe-bind-address "127.0.0.1:$hport"
        --pod-status-sync-period 2s "$@")
    _lib_bridge_launch
}

_lib_bridge_launch() {
    "$ECI_TEST_BIN/eci-kubelet" "${BRIDGE_ARGS[@]}" >> "$BRIDGE_LOG" 2>&1 < /dev/null &
    BRIDGE_PID=$!
    on_exit "stop_pid $BRIDGE_PID 20"
    if ! wait_for 60 curl -sf "$BRIDGE_HEALTH/readyz"; then
        diag "bridge not ready; log $BRIDGE_LOG:"
        tail -n 30 "$BRIDGE_LOG" | sed 's/^/# /'
        return 1
    fi
}

# run_deployment_pod NS DEPLOYMENT: run the Deployment's bridge pod on this
# machine as a node would (tests/podrun.py: its args, env, ConfigMap, Secret
# and projected-token volumes as stored in the API server, paths under its
# mounts in $LIB_TMP/pod-DEPLOYMENT), with what a test machine needs changed:
# the ECI endpoint ($ECI_ENDPOINT), free ports, the cluster's kubelet serving
# certificate and client CA. Stopped at exit. Sets BRIDGE_PID, BRIDGE_LOG,
# BRIDGE_PORT, BRIDGE_HEALTH; returns 1 when its /readyz (the leader drives
# the node) does not answer within 90 s.
run_deployment_pod() {
    local ns=$1 dep=$2 hport
    lib_tmpdir
    BRIDGE_PORT=$(free_port); hport=$(free_port)
    BRIDGE_HEALTH=http://127.0.0.1:$hport
    BRIDGE_LOG=$LIB_TMP/bridge-$dep.log
    PODRUN_BINARY=$ECI_TEST_BIN/eci-kubelet python3 "$ECI_REPO/tests/podrun.py" "$LIB_TMP/pod-$dep" "$ns" "$dep" \
        -- --eci-endpoint "$ECI_ENDPOINT" --port "$BRIDGE_PORT" --health-probe-bind-address "127.0.0.1:$hport" \
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
        --client-ca-file "$ECI_CLUSTER_KUBELET_CLIENT_CA" --log-format text > "$BRIDGE_LOG" 2>&1 < /dev/null &
    BRIDGE_PID=$!
    on_exit "stop_pid $BRIDGE_PID 20"
    wait_for 90 curl -sf "$BRIDGE_HEALTH/readyz"
}

# deploy_cleanup RENDERED: at exit, delete the objects of the rendering (a
# file of `kubectl kustomize deploy/...`) that outlive the namespace
# eci-kubelet: cluster-scoped ones (but the CRDs: their objects would go with
# them) and those in other namespaces. Call it directly, not in $(...).
deploy_cleanup() {
    local obj ns
    while read -r obj ns; do
        on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete $obj ${ns:+-n $ns} --ignore-not-found"
    done < <(python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if not d or d["kind"] in ("Namespace", "CustomResourceDefinition"): continue
    ns = d["metadata"].get("namespace", "")
    if ns != "eci-kubelet": print("%s/%s %s" % (d["kind"].lower(), d["metadata"]["name"], ns))' "$1")
}

# deploy_incluster DIR: the bridge's identity exactly as deploy/ defines it,
# for a bridge run on this machine through the in-cluster configuration.
# Applies the Namespace, ServiceAccount, RBAC and CustomResourceDefinition
# objects of `kubectl kustomize deploy/` (once a namespace eci-kubelet left
# terminating by an earlier suite is gone; the cluster-wide ones removed at
# exit, the namespace deleted) and writes DIR/rendered.yaml, DIR/rbac.yaml,
# DIR/config.yaml (the rendered config.yaml, service-account paths under
# DIR/sa) and DIR/sa/{token,ca.crt,namespace} (a 1 h token of the
# ServiceAccount eci-kubelet/eci-kubelet). Call it directly, not in $(...).
deploy_incluster() {
    local dir=$1 kc="'$KUBECTL' --kubeconfig '$KUBECONFIG'"
    wait_for 90 _lib_no_bridge_ns || diag "namespace eci-kubelet still present"
    "$KUBECTL" kustomize "$ECI_REPO/deploy" > "$dir/rendered.yaml" || return 1
    python3 - "$dir/rendered.yaml" "$dir" <<'PY' || return 1
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
keep = ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
        "CustomResourceDefinition")
with open(sys.argv[2] + "/rbac.yaml", "w") as f:
    yaml.safe_dump_all([d for d in docs if d["kind"] in keep], f)
for d in docs:
    if d["kind"] == "ConfigMap":
        open(sys.argv[2] + "/config.yaml", "w").write(d["data"]["config.yaml"].replace(
            "/var/run/secrets/kubernetes.io/serviceaccount", sys.argv[2] + "/sa"))
PY
    deploy_cleanup "$dir/rendered.yaml"
    on_exit "$kc delete namespace eci-kubelet --wait=false"
    kubectl_ apply -f "$dir/rbac.yaml" >/dev/null || return 1
    kubectl_ wait --for condition=established --timeout=60s crd --all >/dev/null || return 1
    mkdir -p "$dir/sa"
    kubectl_ create token eci-kubelet -n eci-kubelet --duration 1h > "$dir/sa/token" || return 1
    cp "$ECI_CLUSTER_CA" "$dir/sa/ca.crt"
    printf '%s' eci-kubelet > "$dir/sa/namespace"
}

_lib_no_bridge_ns() { ! kubectl_ get namespace eci-kubelet >/dev/null 2>&1; }

# start_bridge_incluster DIR NODE [EXTRA FLAGS...]: start the bridge for NODE
# as deploy_incluster DIR prepared it (no kubeconfig: the in-cluster files,
# DIR/config.yaml, leader election in its namespace) against the emulator,
# with the test's placement, ports and certificates. Stopped (and its Node
# deleted) at exit. Sets
# BRIDGE_PID, BRIDGE_LOG, BRIDGE_PORT, BRIDGE_HEALTH; returns 1 when its
# /readyz does not answer within 120 s.
start_bridge_incluster() {
    local dir=$1 node=$2 hport; shift 2
    BRIDGE_PORT=$(free_port); hport=$(free_port)
    BRIDGE_HEALTH=http://127.0.0.1:$hport
    BRIDGE_LOG=$dir/bridge-$node.log
    on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete node '$node' --wait=false"
    env -u KUBECONFIG KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$ECI_CLUSTER_APISERVER_PORT" \
        ECI_KUBELET_INCLUSTER_DIR="$dir/sa" \
        "$ECI_TEST_BIN/eci-kubelet" --config "$dir/config.yaml" --node-name "$node" \
        --eci-endpoint "$ECI_ENDPOINT" --region cn-hangzhou --security-group sg-e2e --vswitch vsw-e2e \
        --node-ip 127.0.0.1 --hostname-address none --port "$BRIDGE_PORT" --log-format text \
        --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
        --health-probe-bind-address "127.0.0.1:$hport" --cluster-dns 10.0.0.10 --pod-status-sync-period 2s "$@" \
        > "$BRIDGE_LOG" 2>&1 < /dev/null &
    BRIDGE_PID=$!
    on_exit "stop_pid $BRIDGE_PID 20"
    wait_for 120 curl -sf "$BRIDGE_HEALTH/readyz"
}

# helm_bin: the helm that `make deps` builds (or $HELM); empty when missing.
helm_bin() {
    local h=${HELM:-$(bash "$ECI_REPO/tests/cluster/build-control-plane.sh" path | cut -d: -f4)/helm}
    [ -x "$h" ] && printf '%s\n' "$h"
}

# run_node_pod NS NODE NAME TEXT: a busybox pod on NODE (selected, its taint
# tolerated) that prints TEXT and sleeps.
run_node_pod() {
    kubectl_ apply -n "$1" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $3}
spec:
  nodeSelector: {kubernetes.io/hostname: $2}
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
  containers:
  - {name: app, image: busybox, command: ["sh", "-c", "echo $4; sleep 3600"]}
EOF
}

# restart_bridge: start the bridge again with the same flags (after a kill).
restart_bridge() { _lib_bridge_launch; }

# ledger_count ACTION [CODE]: calls of ACTION in the emulator's ledger (CODE default OK).
ledger_count() {
    curl -sf "$ECI_ADMIN_URL/ledger" | jq -r --arg a "$1" --arg c "${2:-OK}" '.calls[$a][$c] // 0'
}

# emulator_groups: number of container groups the emulator holds now.
emulator_groups() { curl -sf "$ECI_ADMIN_URL/groups" | jq -r '.count'; }

# pods_in_phase NS PHASE: how many pods of namespace NS are in PHASE.
pods_in_phase() {
    kubectl_ get pods -n "$1" -o json | jq --arg p "$2" '[.items[] | select(.status.phase == $p)] | length'
}
