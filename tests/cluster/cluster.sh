#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the tests: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler (built by build-control-plane.sh),
# with a private PKI, on free ports, with every file under one state directory.
#
#   cluster.sh up                 start (idempotent: a healthy running cluster is kept)
#   cluster.sh down               stop every component and remove the state directory
#   cluster.sh status             component PIDs, ports and health; exit 1 if not healthy
#   cluster.sh env                `export KEY=value` lines for eval (from <state>/env)
#   cluster.sh restart-apiserver  stop and start kube-apiserver on the same port, same flags
#   cluster.sh compact            bump the etcd revision and compact at it (old watches get 410)
#   cluster.sh logs [COMPONENT]   tail of every component log, or one whole log
#   cluster.sh metrics-server     start metrics-server (aggregated metrics.k8s.io, for kubectl top);
#                                 also at `up` with ECI_CLUSTER_METRICS_SERVER=1
#   cluster.sh metrics-server-stop
#                                 stop it and unregister its APIService
#   cluster.sh node-kubeconfig NAME [FILE]
#                                 client certificate for system:node:NAME (group system:nodes)
#                                 and a kubeconfig using it (default <state>/node-NAME.kubeconfig)
#
# State directory: $ECI_CLUSTER_DIR, default <checkout>/.cluster. It holds
# admin.kubeconfig, ca.crt, kubelet-serving.{crt,key}, env, pki/, logs/, etcd/.
# Tunables: ECI_CLUSTER_VERBOSITY (klog -v, default 0), ECI_CLUSTER_APISERVER_FLAGS
# (extra apiserver flags, space separated), ECI_CLUSTER_CONTROLLER_MANAGER_FLAGS (same for
# the controller manager), ECI_CLUSTER_TIMEOUT (seconds, default 90),
# KUBECTL (kubectl binary).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
D=${ECI_CLUSTER_DIR:-$REPO/.cluster}
case "$D" in /*) ;; *) D=$PWD/$D ;; esac
PKI=$D/pki
LOGS=$D/logs
RUN=$D/run
MARK=$D/.eci-cluster
TIMEOUT=${ECI_CLUSTER_TIMEOUT:-90}
VERB=${ECI_CLUSTER_VERBOSITY:-0}
# Without the watch cache every watch is served by etcd: a watch resumed after
# restart-apiserver continues from its resourceVersion, and one resumed after
# `compact` gets 410 Gone. ECI_CLUSTER_WATCH_CACHE=1 gives production behaviour.
case "${ECI_CLUSTER_WATCH_CACHE:-0}" in 1|true|yes) WATCH_CACHE=true ;; *) WATCH_CACHE=false ;; esac
SERVICE_CIDR=10.0.0.0/24
SERVICE_IP=10.0.0.1
SA_ISSUER=https://kubernetes.default.svc.cluster.local

if [ -z "${KUBECTL:-}" ]; then
    if [ -x /usr/lib/google-cloud-sdk/bin/kubectl.1.33 ]; then
        KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.33
    else
        KUBECTL=kubectl
    fi
fi

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

bin_dirs() {
    local p; p=$(bash "$HERE/build-control-plane.sh" path)
    K8S_BIN=${p%%:*}; p=${p#*:}
    ETCD_BIN=${p%%:*}; p=${p#*:}
    MS_BIN=${p%%:*}
}

# free_ports N: N distinct free TCP ports on 127.0.0.1 (below the ephemeral
# range, see tests/free_ports.py).
free_ports() { python3 "$REPO/tests/free_ports.py" "$1"; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# ---------------------------------------------------------------- PKI
gen_key() { openssl genrsa -out "$1" 2048 2>/dev/null; chmod 600 "$1"; }

# sign NAME SUBJECT EXT_LINES: key + certificate NAME.{key,crt} signed by the CA.
sign() {
    local name=$1 subj=$2 ext=$3 ca=${4:-ca}
    gen_key "$PKI/$name.key"
    printf '%b\n' "$ext" > "$PKI/$name.ext"
    openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
        -set_serial "0x$(openssl rand -hex 12)" -days 3650 -sha256 \
        -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
    rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

CLIENT_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
SERVER_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth'

make_pki() {
    mkdir -p "$PKI"
    gen_key "$PKI/ca.key"
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=eci-kubelet-test-ca" -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
        -out "$PKI/ca.crt" 2>/dev/null
    sign apiserver "/CN=kube-apiserver" \
        "$SERVER_EXT\nsubjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    sign admin "/O=system:masters/CN=kubernetes-admin" "$CLIENT_EXT"
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$CLIENT_EXT"
    # The kubelet serving certificate also names this host's own addresses:
    # the apiserver refuses to proxy nodes/proxy to a loopback node address, so
    # a test of that path registers its node with ECI_CLUSTER_HOST_IP.
    local san="IP:127.0.0.1,DNS:localhost" a
    for a in $(host_ips); do san="$san,IP:$a"; done
    sign kubelet-serving "/CN=127.0.0.1" "$SERVER_EXT\nsubjectAltName=$san"
    sign controller-manager "/CN=system:kube-controller-manager" "$CLIENT_EXT"
    sign scheduler "/CN=system:kube-scheduler" "$CLIENT_EXT"
    # Front proxy (aggregation layer, e.g. metrics-server): its own CA.
    gen_key "$PKI/front-proxy-ca.key"
    openssl req -x509 -new -key "$PKI/front-proxy-ca.key" -subj "/CN=eci-kubelet-test-front-proxy-ca" \
        -days 3650 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
        -out "$PKI/front-proxy-ca.crt" 2>/dev/null
    sign front-proxy-client "/CN=front-proxy-client" "$CLIENT_EXT" front-proxy-ca
    gen_key "$PKI/sa.key"
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
    cp "$PKI/ca.crt" "$D/ca.crt"
    cp "$PKI/kubelet-serving.crt" "$D/kubelet-serving.crt"
    cp "$PKI/kubelet-serving.key" "$D/kubelet-serving.key"
}

# host_ips: this host's non-loopback addresses (IPv4 first), space separated.
host_ips() {
    local all
    all=$(hostname -I 2>/dev/null || ip -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4}')
    printf '%s\n' $all | grep -v -e '^127\.' -e '^::1$' -e '^fe80:' | sort -t: -k2 | tr '\n' ' '
}

b64() { base64 -w0 < "$1"; }

# kubeconfig FILE USER CERT_NAME SERVER
kubeconfig() {
    local f=$1 user=$2 name=$3 server=$4
    cat > "$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: eci-test
  cluster:
    server: $server
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$PKI/$name.crt")
    client-key-data: $(b64 "$PKI/$name.key")
contexts:
- name: $user@eci-test
  context:
    cluster: eci-test
    user: $user
    namespace: default
current-context: $user@eci-test
EOF
    chmod 600 "$f"
}

# ---------------------------------------------------------------- processes
# start NAME BIN ARGS...: run a component in its own session, log to logs/NAME.log.
start() {
    local name=$1; shift
    setsid "$@" >> "$LOGS/$name.log" 2>&1 < /dev/null &
    echo $! > "$RUN/$name.pid"
}

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# stop NAME...: SIGTERM the components, SIGKILL whatever has not exited after
# 5 seconds (the state is disposable), and wait until all are gone.
stop() {
    local name pid pids=()
    for name in "$@"; do
        pid=$(pid_of "$name")
        if pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
    done
    any_alive() { local p; for p in "${pids[@]}"; do pid_alive "$p" && return 0; done; return 1; }
    if [ ${#pids[@]} -gt 0 ]; then
        for _ in $(seq 1 50); do any_alive || break; sleep 0.1; done
        if any_alive; then
            kill -KILL "${pids[@]}" 2>/dev/null || true
            for _ in $(seq 1 50); do any_alive || break; sleep 0.1; done
        fi
    fi
    for name in "$@"; do rm -f "$RUN/$name.pid"; done
}

# wait_until NAME DESCRIPTION CMD...: poll CMD until it succeeds; fail if the
# component NAME dies or the deadline passes.
wait_until() {
    local name=$1 what=$2; shift 2
    local deadline=$((SECONDS + TIMEOUT))
    while ! "$@" >/dev/null 2>&1; do
        if [ -n "$name" ] && ! pid_alive "$(pid_of "$name")"; then
            log "$name exited while waiting for $what; last log lines:"
            tail -n 30 "$LOGS/$name.log" >&2 || true
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            log "timed out after ${TIMEOUT}s waiting for $what; last lines of $name.log:"
            [ -n "$name" ] && tail -n 30 "$LOGS/$name.log" >&2
            return 1
        fi
        sleep 0.2
    done
}

curl_admin() {
    curl -sf --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"
}
readyz() { [ "$(curl_admin "$APISERVER_URL/readyz")" = ok ]; }
healthz_local() { [ "$(curl -skf --max-time 5 "https://127.0.0.1:$1/healthz")" = ok ]; }
etcd_healthy() { curl -sf --max-time 5 "$ETCD_URL/health" | grep -q '"health":"true"'; }
default_sa() { "$KUBECTL" --kubeconfig "$D/admin.kubeconfig" -n default get serviceaccount default; }

load_env() {
    [ -f "$D/env" ] || return 1
    # shellcheck disable=SC1091
    . "$D/env"
    APISERVER_URL=$ECI_CLUSTER_APISERVER
    ETCD_URL=$ECI_CLUSTER_ETCD_URL
}

write_env() {
    cat > "$D/env.tmp" <<EOF
ECI_CLUSTER_DIR=$D
KUBECONFIG=$D/admin.kubeconfig
ECI_CLUSTER_KUBECONFIG=$D/admin.kubeconfig
ECI_CLUSTER_APISERVER=$APISERVER_URL
ECI_CLUSTER_APISERVER_PORT=$APISERVER_PORT
ECI_CLUSTER_ETCD_URL=$ETCD_URL
ECI_CLUSTER_ETCD_PORT=$ETCD_PORT
ECI_CLUSTER_ETCD_PEER_PORT=$ETCD_PEER_PORT
ECI_CLUSTER_CONTROLLER_MANAGER_PORT=$CM_PORT
ECI_CLUSTER_SCHEDULER_PORT=$SCHED_PORT
ECI_CLUSTER_CA=$D/ca.crt
ECI_CLUSTER_KUBELET_CLIENT_CA=$D/ca.crt
ECI_CLUSTER_KUBELET_SERVING_CERT=$D/kubelet-serving.crt
ECI_CLUSTER_KUBELET_SERVING_KEY=$D/kubelet-serving.key
ECI_CLUSTER_HOST_IP=$(host_ips | awk '{for (i = 1; i <= NF; i++) if ($i !~ /:/) { print $i; exit }}')
ECI_CLUSTER_ADMIN_CERT=$PKI/admin.crt
ECI_CLUSTER_ADMIN_KEY=$PKI/admin.key
ECI_CLUSTER_SA_ISSUER=$SA_ISSUER
ECI_CLUSTER_SERVICE_CIDR=$SERVICE_CIDR
ECI_CLUSTER_LOGS=$LOGS
ECI_CLUSTER_KUBECTL=$KUBECTL
ECI_CLUSTER_ETCD_PID=$(pid_of etcd)
ECI_CLUSTER_APISERVER_PID=$(pid_of kube-apiserver)
ECI_CLUSTER_CONTROLLER_MANAGER_PID=$(pid_of kube-controller-manager)
ECI_CLUSTER_SCHEDULER_PID=$(pid_of kube-scheduler)
ECI_CLUSTER_METRICS_SERVER_PORT=${MS_PORT:-}
ECI_CLUSTER_METRICS_SERVER_PID=$(pid_of metrics-server)
EOF
    mv "$D/env.tmp" "$D/env"
}

start_apiserver() {
    # shellcheck disable=SC1091
    . "$RUN/kube-apiserver.args"
    start kube-apiserver "$K8S_BIN/kube-apiserver" "${APISERVER_ARGS[@]}"
}

# ---------------------------------------------------------------- commands
is_running() {
    load_env 2>/dev/null || return 1
    pid_alive "$ECI_CLUSTER_APISERVER_PID" && pid_alive "$ECI_CLUSTER_ETCD_PID" &&
        pid_alive "$ECI_CLUSTER_CONTROLLER_MANAGER_PID" && pid_alive "$ECI_CLUSTER_SCHEDULER_PID" &&
        readyz
}

cmd_down() {
    local c
    stop metrics-server kube-scheduler kube-controller-manager kube-apiserver etcd
    if [ -d "$D" ]; then
        if [ -f "$MARK" ]; then
            rm -rf "$D"
        else
            log "not removing $D: it was not created by cluster.sh"
        fi
    fi
}

up_failed() {
    [ "$1" -eq 0 ] && return
    log "up failed; tails of the component logs follow, then the cluster is torn down"
    local f
    for f in "$LOGS"/*.log; do
        [ -f "$f" ] || continue
        echo "==> $f <==" >&2
        tail -n 15 "$f" >&2
    done
    local rc=$1
    # Free ports are picked before the components bind them; if another
    # process took one in between, the caller tries again with new ports.
    if grep -qs 'address already in use' "$LOGS"/*.log; then rc=75; fi
    cmd_down
    exit "$rc"
}

cmd_up() {
    if is_running; then
        log "already running: $ECI_CLUSTER_APISERVER (state $D)"
        return 0
    fi
    if [ -d "$D" ]; then
        [ -f "$MARK" ] || [ -z "$(ls -A "$D")" ] || die "$D exists and was not created by cluster.sh"
        log "removing stale state in $D"
        cmd_down
    fi
    local t0=$SECONDS
    bin_dirs
    local c
    for c in "$K8S_BIN/kube-apiserver" "$K8S_BIN/kube-controller-manager" "$K8S_BIN/kube-scheduler" "$ETCD_BIN/etcd"; do
        [ -x "$c" ] || die "missing $c: run 'make deps' (or bash tests/cluster/build-control-plane.sh)"
    done
    command -v openssl >/dev/null || die "openssl not found"
    command -v curl >/dev/null || die "curl not found"
    command -v python3 >/dev/null || die "python3 not found"

    mkdir -p "$D" "$LOGS" "$RUN"
    touch "$MARK"
    # From here on a failure tears everything down again.
    trap 'up_failed $?' EXIT

    make_pki
    read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT CM_PORT SCHED_PORT <<< "$(free_ports 5)"
    APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
    ETCD_URL=http://127.0.0.1:$ETCD_PORT
    kubeconfig "$D/admin.kubeconfig" kubernetes-admin admin "$APISERVER_URL"
    kubeconfig "$D/controller-manager.kubeconfig" system:kube-controller-manager controller-manager "$APISERVER_URL"
    kubeconfig "$D/scheduler.kubeconfig" system:kube-scheduler scheduler "$APISERVER_URL"

    log "etcd on $ETCD_URL"
    start etcd "$ETCD_BIN/etcd" --name eci-test --data-dir "$D/etcd" \
        --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "eci-test=http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster-state new --auto-compaction-retention=0 \
        --heartbeat-interval=50 --election-timeout=500 --snapshot-count=10000 \
        --unsafe-no-fsync --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --log-level=warn
    wait_until etcd "etcd health" etcd_healthy

    # shellcheck disable=SC2054
    APISERVER_ARGS=(
        --etcd-servers="$ETCD_URL"
        --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --advertise-address=127.0.0.1
        --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key"
        --client-ca-file="$PKI/ca.crt"
        --authorization-mode=Node,RBAC
        --enable-admission-plugins=NodeRestriction
        --allow-privileged=true
        --kubelet-preferred-address-types=InternalIP
        --kubelet-certificate-authority="$PKI/ca.crt"
        --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
        --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
        --service-account-issuer="$SA_ISSUER"
        --service-account-key-file="$PKI/sa.pub"
        --service-account-signing-key-file="$PKI/sa.key"
        --api-audiences="$SA_ISSUER"
        --service-cluster-ip-range="$SERVICE_CIDR"
        --endpoint-reconciler-type=none
        --requestheader-client-ca-file="$PKI/front-proxy-ca.crt"
        --requestheader-allowed-names=front-proxy-client
        --requestheader-username-headers=X-Remote-User
        --requestheader-group-headers=X-Remote-Group
        --requestheader-extra-headers-prefix=X-Remote-Extra-
        --proxy-client-cert-file="$PKI/front-proxy-client.crt"
        --proxy-client-key-file="$PKI/front-proxy-client.key"
        --watch-cache="$WATCH_CACHE"
        --shutdown-watch-termination-grace-period=2s
        --v="$VERB"
    )
    # shellcheck disable=SC2206
    [ -n "${ECI_CLUSTER_APISERVER_FLAGS:-}" ] && APISERVER_ARGS+=(${ECI_CLUSTER_APISERVER_FLAGS})
    declare -p APISERVER_ARGS > "$RUN/kube-apiserver.args"
    log "kube-apiserver on $APISERVER_URL"
    start_apiserver
    wait_until kube-apiserver "kube-apiserver /readyz" readyz

    log "kube-controller-manager on :$CM_PORT, kube-scheduler on :$SCHED_PORT"
    start kube-controller-manager "$K8S_BIN/kube-controller-manager" \
        --kubeconfig="$D/controller-manager.kubeconfig" \
        --authentication-kubeconfig="$D/controller-manager.kubeconfig" \
        --authorization-kubeconfig="$D/controller-manager.kubeconfig" \
        --client-ca-file="$PKI/ca.crt" \
        --bind-address=127.0.0.1 --secure-port="$CM_PORT" \
        --leader-elect=false --controllers='*' --use-service-account-credentials=true \
        --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
        --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
        --service-cluster-ip-range="$SERVICE_CIDR" \
        --node-monitor-period=2s --node-monitor-grace-period=30s \
        --v="$VERB" ${ECI_CLUSTER_CONTROLLER_MANAGER_FLAGS:-}
    start kube-scheduler "$K8S_BIN/kube-scheduler" \
        --kubeconfig="$D/scheduler.kubeconfig" \
        --authentication-kubeconfig="$D/scheduler.kubeconfig" \
        --authorization-kubeconfig="$D/scheduler.kubeconfig" \
        --client-ca-file="$PKI/ca.crt" \
        --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
        --leader-elect=false --v="$VERB"
    write_env
    wait_until kube-controller-manager "kube-controller-manager /healthz" healthz_local "$CM_PORT"
    wait_until kube-scheduler "kube-scheduler /healthz" healthz_local "$SCHED_PORT"
    wait_until kube-controller-manager "the default service account" default_sa
    case "${ECI_CLUSTER_METRICS_SERVER:-0}" in 1|true|yes) start_metrics_server; write_env ;; esac
    trap - EXIT
    log "up in $((SECONDS - t0))s: KUBECONFIG=$D/admin.kubeconfig ($APISERVER_URL)"
}

metrics_available() {
    "$KUBECTL" --kubeconfig "$D/admin.kubeconfig" get apiservice v1beta1.metrics.k8s.io \
        -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' | grep -q True
}

# metrics-server on a free port, registered as the metrics.k8s.io APIService
# through an ExternalName service pointing at localhost. It scrapes kubelets at
# their InternalIP and the port in the node status, verifying their serving
# certificates with the cluster CA.
start_metrics_server() {
    if pid_alive "$(pid_of metrics-server)"; then log "metrics-server already running"; return 0; fi
    [ -x "$MS_BIN/metrics-server" ] || die "missing $MS_BIN/metrics-server: run bash tests/cluster/build-control-plane.sh metrics-server"
    [ -f "$PKI/metrics-server.crt" ] || sign metrics-server "/CN=metrics-server" "$SERVER_EXT\nsubjectAltName=DNS:localhost,DNS:metrics-server.kube-system.svc,IP:127.0.0.1"
    MS_PORT=$(free_ports 1)
    log "metrics-server on :$MS_PORT"
    start metrics-server "$MS_BIN/metrics-server" \
        --kubeconfig="$D/admin.kubeconfig" \
        --authentication-kubeconfig="$D/admin.kubeconfig" \
        --authorization-kubeconfig="$D/admin.kubeconfig" \
        --bind-address=127.0.0.1 --secure-port="$MS_PORT" \
        --tls-cert-file="$PKI/metrics-server.crt" --tls-private-key-file="$PKI/metrics-server.key" \
        --kubelet-preferred-address-types=InternalIP --kubelet-use-node-status-port \
        --kubelet-certificate-authority="$PKI/ca.crt" \
        --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
        --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
        --metric-resolution=15s --kubelet-request-timeout=5s --v="$VERB"
    "$KUBECTL" --kubeconfig "$D/admin.kubeconfig" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system}
spec:
  type: ExternalName
  externalName: localhost
  ports: [{name: https, port: $MS_PORT, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  service: {name: metrics-server, namespace: kube-system, port: $MS_PORT}
  caBundle: $(b64 "$PKI/ca.crt")
YAML
    wait_until metrics-server "the metrics.k8s.io APIService to become Available" metrics_available
}

cmd_metrics_server() {
    load_env || die "no cluster state in $D (run: cluster.sh up)"
    bin_dirs
    APISERVER_PORT=$ECI_CLUSTER_APISERVER_PORT ETCD_PORT=$ECI_CLUSTER_ETCD_PORT
    ETCD_PEER_PORT=$ECI_CLUSTER_ETCD_PEER_PORT CM_PORT=$ECI_CLUSTER_CONTROLLER_MANAGER_PORT
    SCHED_PORT=$ECI_CLUSTER_SCHEDULER_PORT MS_PORT=${ECI_CLUSTER_METRICS_SERVER_PORT:-}
    start_metrics_server
    write_env
}

cmd_metrics_server_stop() {
    load_env || die "no cluster state in $D (run: cluster.sh up)"
    bin_dirs
    stop metrics-server
    rm -f "$RUN/metrics-server.pid"
    "$KUBECTL" --kubeconfig "$D/admin.kubeconfig" delete apiservice v1beta1.metrics.k8s.io --ignore-not-found >/dev/null
    "$KUBECTL" --kubeconfig "$D/admin.kubeconfig" -n kube-system delete service metrics-server --ignore-not-found >/dev/null
    log "metrics-server stopped"
}

cmd_status() {
    load_env || { echo "not running (no $D/env)"; return 1; }
    local ok=0 c pid
    for c in etcd kube-apiserver kube-controller-manager kube-scheduler; do
        pid=$(pid_of "$c")
        if pid_alive "$pid"; then printf '%-24s running (pid %s)\n' "$c" "$pid"
        else printf '%-24s NOT running\n' "$c"; ok=1; fi
    done
    if etcd_healthy; then echo "etcd                     healthy ($ETCD_URL)"; else echo "etcd                     unhealthy"; ok=1; fi
    if readyz; then echo "kube-apiserver           ready ($APISERVER_URL)"; else echo "kube-apiserver           not ready"; ok=1; fi
    if healthz_local "$ECI_CLUSTER_CONTROLLER_MANAGER_PORT"; then echo "kube-controller-manager  healthy"; else echo "kube-controller-manager  unhealthy"; ok=1; fi
    if healthz_local "$ECI_CLUSTER_SCHEDULER_PORT"; then echo "kube-scheduler           healthy"; else echo "kube-scheduler           unhealthy"; ok=1; fi
    pid=$(pid_of metrics-server)
    if pid_alive "$pid"; then printf '%-24s running (pid %s, port %s)\n' metrics-server "$pid" "$ECI_CLUSTER_METRICS_SERVER_PORT"; fi
    echo "KUBECONFIG=$D/admin.kubeconfig"
    return $ok
}

cmd_env() {
    [ -f "$D/env" ] || die "no cluster state in $D (run: cluster.sh up)"
    sed -e 's/^/export /' "$D/env"
}

cmd_restart_apiserver() {
    load_env || die "no cluster state in $D"
    bin_dirs
    PKI=$D/pki
    stop kube-apiserver
    log "starting kube-apiserver again on $APISERVER_URL"
    start_apiserver
    wait_until kube-apiserver "kube-apiserver /readyz" readyz
    APISERVER_PORT=$ECI_CLUSTER_APISERVER_PORT ETCD_PORT=$ECI_CLUSTER_ETCD_PORT
    ETCD_PEER_PORT=$ECI_CLUSTER_ETCD_PEER_PORT CM_PORT=$ECI_CLUSTER_CONTROLLER_MANAGER_PORT
    SCHED_PORT=$ECI_CLUSTER_SCHEDULER_PORT MS_PORT=${ECI_CLUSTER_METRICS_SERVER_PORT:-}
    write_env
    log "kube-apiserver restarted (pid $(pid_of kube-apiserver))"
}

etcd_post() { curl -sf --max-time 10 -X POST "$ETCD_URL/v3/$1" -d "$2"; }

cmd_compact() {
    load_env || die "no cluster state in $D"
    # Two writes to a key outside /registry move the revision past anything a
    # client has seen, so a watch resumed from its last resourceVersion starts
    # below the compacted revision.
    local key out rev
    key=$(printf '/eci-test/compact-bump' | base64 -w0)
    etcd_post kv/put "{\"key\":\"$key\",\"value\":\"MQ==\"}" >/dev/null
    out=$(etcd_post kv/put "{\"key\":\"$key\",\"value\":\"Mg==\"}")
    rev=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
    etcd_post kv/compaction "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null ||
        die "etcd compaction at revision $rev failed"
    log "etcd compacted at revision $rev"
    echo "$rev"
}

cmd_logs() {
    [ -d "$LOGS" ] || die "no logs in $LOGS"
    if [ -n "${1:-}" ]; then
        local f=$LOGS/$1.log
        [ -f "$f" ] || f=$LOGS/kube-$1.log
        [ -f "$f" ] || die "no log for $1 (have: $(cd "$LOGS" && ls))"
        cat "$f"
        return
    fi
    local f
    for f in "$LOGS"/*.log; do
        echo "==> $f <=="
        tail -n "${ECI_CLUSTER_LOG_LINES:-20}" "$f"
    done
}

cmd_node_kubeconfig() {
    local node=${1:-}
    [ -n "$node" ] || die "usage: cluster.sh node-kubeconfig NODE_NAME [FILE]"
    load_env || die "no cluster state in $D"
    local out=${2:-$D/node-$node.kubeconfig}
    sign "node-$node" "/O=system:nodes/CN=system:node:$node" "$CLIENT_EXT"
    kubeconfig "$out" "system:node:$node" "node-$node" "$APISERVER_URL"
    echo "$out"
}

case "${1:-}" in
    up)
        for attempt in 1 2 3; do
            # A separate process, so that set -e stays in force inside cmd_up.
            rc=0; bash "${BASH_SOURCE[0]}" up-once || rc=$?
            [ $rc -eq 75 ] && [ $attempt -lt 3 ] && { log "a port was taken; trying again"; continue; }
            exit $rc
        done ;;
    up-once) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart-apiserver) cmd_restart_apiserver ;;
    compact) cmd_compact ;;
    logs) shift; cmd_logs "${1:-}" ;;
    node-kubeconfig) shift; cmd_node_kubeconfig "$@" ;;
    metrics-server) cmd_metrics_server ;;
    metrics-server-stop) cmd_metrics_server_stop ;;
    *) echo "usage: $0 up|down|status|env|restart-apiserver|compact|logs [COMPONENT]|metrics-server|node-kubeconfig NODE [FILE]" >&2; exit 2 ;;
esac
