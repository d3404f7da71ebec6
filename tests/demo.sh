#!/usr/bin/env bash
# `make demo`: the whole system on this machine with one command. Starts the
# control plane (etcd, kube-apiserver, controller-manager, scheduler), the ECI
# emulator and the bridge, deploys a sample app (a ConfigMap and a Deployment
# of 3 replicas) onto the virtual node, shows `kubectl get nodes,pods -o wide`,
# a pod's logs and an exec, then stops everything.
#
#   tests/demo.sh           run the demo and stop everything at the end
#   tests/demo.sh --keep    leave it running and print how to use kubectl
#   tests/demo.sh --stop    stop a demo left running with --keep
#
# State (kubeconfig, logs, PIDs, and the copies of the binaries it runs, so a
# rebuild of bin/ never touches a running demo) lives in $ECI_DEMO_DIR
# (default <checkout>/.demo). Binaries: bin/ (make all), or $ECI_DEMO_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
DIR=${ECI_DEMO_DIR:-$REPO/.demo}
case "$DIR" in /*) ;; *) DIR=$REPO/$DIR ;; esac
BIN=${ECI_DEMO_BIN:-$REPO/bin}
export ECI_CLUSTER_DIR=$DIR/cluster
NODE=${ECI_DEMO_NODE:-eci-demo}
NS=demo
T0=$SECONDS

if [ -z "${KUBECTL:-}" ]; then
    if [ -x /usr/lib/google-cloud-sdk/bin/kubectl.1.33 ]; then KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.33; else KUBECTL=kubectl; fi
fi
export KUBECTL

if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD= PLAIN=; fi
step() { printf '\n%s[demo %3ds] %s%s\n' "$BOLD" $((SECONDS - T0)) "$*" "$PLAIN"; }
info() { printf '[demo %3ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }
kc() { "$KUBECTL" --kubeconfig "$DIR/cluster/admin.kubeconfig" "$@"; }

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.5 s.
wait_until() {
    local secs=$1 what=$2; shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && { printf '[demo] timed out waiting for %s\n' "$what" >&2; return 1; }
        sleep 0.5
    done
}

stop_pidfile() {
    local f=$1 pid i
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

stop_all() {
    stop_pidfile "$DIR/bridge.pid"
    stop_pidfile "$DIR/emulator.pid"
    if [ -d "$DIR/cluster" ]; then bash tests/cluster/cluster.sh down >/dev/null 2>&1 || true; fi
}

KEEP=0
case "${1:-}" in
    --keep) KEEP=1 ;;
    --stop)
        stop_all
        rm -rf "$DIR"
        echo "[demo] stopped"
        exit 0 ;;
    "") ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (use --keep, --stop or --help)" ;;
esac

for b in eci-kubelet eci-emulator; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make first (make demo builds it)"
done
if [ -f "$DIR/bridge.pid" ] && kill -0 "$(cat "$DIR/bridge.pid")" 2>/dev/null; then
    die "a demo is already running (stop it with: make demo DEMO_FLAGS=--stop)"
fi
stop_all
rm -rf "$DIR"
mkdir -p "$DIR/bin"
# The demo runs its own copies: `make` may replace bin/ while it runs.
cp "$BIN/eci-kubelet" "$BIN/eci-emulator" "$DIR/bin/"
RUNBIN=$DIR/bin
cleanup() {
    local rc=$?
    if [ $KEEP -eq 0 ] || [ $rc -ne 0 ]; then
        [ $rc -ne 0 ] && printf '[demo] failed; logs were in %s (kept: %s)\n' "$DIR" "$DIR/logs" >&2
        if [ $rc -ne 0 ]; then
            mkdir -p "$DIR/logs"
            cp "$DIR"/*.log "$DIR/logs/" 2>/dev/null || true
        fi
        stop_all
        [ $rc -eq 0 ] && rm -rf "$DIR"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 tests/free_ports.py 1; }

# ---------------------------------------------------------------- control plane
step "1/6 starting the Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler)"
if ! bash tests/cluster/cluster.sh up > "$DIR/cluster-up.log" 2>&1; then
    tail -20 "$DIR/cluster-up.log" >&2
    die "the control plane did not start (did you run make deps?)"
fi
set -a; . "$DIR/cluster/env"; set +a
info "kube-apiserver at $ECI_CLUSTER_APISERVER"
# What a cluster has and the bare control plane lacks: the cluster DNS
# Service (the bridge reads its IP for the pods' DnsConfig) and
# metrics-server (kubectl top).
DNS_IP=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1])[10])' "$ECI_CLUSTER_SERVICE_CIDR")
kc apply -f - > /dev/null <<EOF
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
EOF
info "cluster DNS Service kube-system/kube-dns at $DNS_IP"
if bash tests/cluster/cluster.sh metrics-server > "$DIR/metrics-server.log" 2>&1; then
    info "metrics-server started (kubectl top)"
else
    tail -5 "$DIR/metrics-server.log" >&2
    die "metrics-server did not start (did you run make deps?)"
fi

# ---------------------------------------------------------------- emulator
step "2/6 starting the ECI emulator (the Alibaba Cloud ECI API, run locally)"
EPORT=$(free_port)
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIdemo$$
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
setsid "$RUNBIN/eci-emulator" --listen "127.0.0.1:$EPORT" --access-key-id "$ALIBABA_CLOUD_ACCESS_KEY_ID" \
    --access-key-secret "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" > "$DIR/emulator.log" 2>&1 < /dev/null &
echo $! > "$DIR/emulator.pid"
wait_until 60 "the emulator" grep -q 'listening on' "$DIR/emulator.log" || { tail "$DIR/emulator.log" >&2; exit 1; }
info "ECI API at http://127.0.0.1:$EPORT"

# ---------------------------------------------------------------- bridge
step "3/6 starting eci-kubelet: virtual node $NODE"
KPORT=$(free_port); HPORT=$(free_port)
setsid "$RUNBIN/eci-kubelet" --kubeconfig "$DIR/cluster/admin.kubeconfig" --node-name "$NODE" \
    --eci-endpoint "http://127.0.0.1:$EPORT" --region cn-hangzhou --zones cn-hangzhou-h \
    --vswitch vsw-demo0000000000000 --security-group sg-demo000000000000 --cluster-name demo \
    --node-ip 127.0.0.1 --hostname-address none --port "$KPORT" \
    --tls-cert-file "$ECI_CLUSTER_KUBELET_SERVING_CERT" --tls-private-key-file "$ECI_CLUSTER_KUBELET_SERVING_KEY" \
    --client-ca-file "$ECI_CLUSTER_KUBELET_CLIENT_CA" --health-probe-bind-address "127.0.0.1:$HPORT" \
    --pod-status-sync-period 2s > "$DIR/bridge.log" 2>&1 < /dev/null &
echo $! > "$DIR/bridge.pid"
node_ready() { kc get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
wait_until 120 "the node to be Ready" node_ready || { tail -20 "$DIR/bridge.log" >&2; exit 1; }
info "node $NODE is Ready (metrics: http://127.0.0.1:$HPORT/metrics)"

# ---------------------------------------------------------------- sample app
step "4/6 deploying the sample app: ConfigMap + Deployment of 3 replicas on the virtual node"
cat > "$DIR/app.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: hello-config, namespace: $NS}
data:
  message: "Hello from a pod on Elastic Container Instance"
  index.html: "<h1>eci-kubelet demo</h1>"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: $NS}
spec:
  replicas: 3
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      # Land on the virtual node: select it and tolerate its taint.
      nodeSelector: {type: virtual-kubelet}
      tolerations: [{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}]
      terminationGracePeriodSeconds: 5
      containers:
      - name: hello
        image: busybox
        command: ["sh", "-c", "echo \"\$MESSAGE (pod \$POD_NAME)\"; while true; do date; sleep 5; done"]
        env:
        - {name: MESSAGE, valueFrom: {configMapKeyRef: {name: hello-config, key: message}}}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        resources:
          requests: {cpu: 250m, memory: 256Mi}
        volumeMounts: [{name: site, mountPath: /usr/share/site}]
      volumes:
      - {name: site, configMap: {name: hello-config}}
EOF
kc apply -f "$DIR/app.yaml"
all_running() { test "$(kc get pods -n $NS -l app=hello -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$')" -eq 3; }
wait_until 120 "3 pods Running" all_running || { kc get pods -n $NS -o wide >&2; exit 1; }
info "3 pods Running"

step "5/6 kubectl get nodes,pods -o wide"
kc get nodes,pods -n $NS -o wide
POD=$(kc get pods -n $NS -l app=hello -o jsonpath='{.items[0].metadata.name}')
echo
echo "\$ kubectl logs -n $NS $POD"
kc logs -n $NS "$POD"
echo
echo "\$ kubectl exec -n $NS $POD -- sh -c 'hostname; cat /usr/share/site/index.html; echo'"
kc exec -n $NS "$POD" -- sh -c 'hostname; cat /usr/share/site/index.html; echo'
echo
echo "Container groups in the emulator (what ECI runs):"
curl -sf "http://127.0.0.1:$EPORT/_emulator/groups" |
    jq -r '.groups[] | "  \(.ContainerGroupId)  \(.ContainerGroupName)  \(.Status)  \(.IntranetIp // "")"' 2>/dev/null || true

if [ $KEEP -eq 1 ]; then
    step "6/6 the demo keeps running ($((SECONDS - T0)) s)"
    cat <<EOF

  export KUBECONFIG=$DIR/cluster/admin.kubeconfig
  kubectl get nodes,pods -A -o wide
  kubectl scale deployment -n $NS hello --replicas 5
  kubectl logs -n $NS -l app=hello --prefix
  kubectl exec -it -n $NS $POD -- sh
  kubectl top pod -n $NS          # metrics-server needs about 30 s for the first figures

  Logs: $DIR/bridge.log (eci-kubelet), $DIR/emulator.log, $DIR/cluster/logs/
  Emulator admin API: http://127.0.0.1:$EPORT/_emulator/groups
  Stop everything:    make demo DEMO_FLAGS=--stop   (or: bash tests/demo.sh --stop)
EOF
    exit 0
fi

step "6/6 deleting the app (its container groups go away) and stopping everything"
kc delete namespace $NS --wait=false >/dev/null
no_groups() { test "$(curl -sf "http://127.0.0.1:$EPORT/_emulator/groups" | jq -r '.count')" -eq 0; }
wait_until 120 "the container groups to be deleted" no_groups && info "all container groups deleted"
stop_all
info "done in $((SECONDS - T0)) s"
