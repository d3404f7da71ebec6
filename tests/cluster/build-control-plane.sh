#!/usr/bin/env bash
# Builds the real Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler), etcd, metrics-server and helm (for the chart tests) from their
# Go modules, and caches the binaries under ${ECI_KUBELET_CACHE:-~/.cache/eci-kubelet}.
# A cached build is reused.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.33.13}
ETCD_VERSION=${ETCD_VERSION:-v3.5.21}
METRICS_SERVER_VERSION=${METRICS_SERVER_VERSION:-v0.9.0}
HELM_VERSION=${HELM_VERSION:-v3.19.5}
CACHE=${ECI_KUBELET_CACHE:-$HOME/.cache/eci-kubelet}
OUT="$CACHE/k8s/$K8S_VERSION"
ETCD_OUT="$CACHE/etcd/$ETCD_VERSION"
MS_OUT="$CACHE/metrics-server/$METRICS_SERVER_VERSION"
HELM_OUT="$CACHE/helm/$HELM_VERSION"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0

log() { printf '[build-control-plane] %s\n' "$*"; }

# quiet CMD...: run CMD, showing its output only when it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" | tail -n 20 >&2
        log "failed: $*"
        return 1
    fi
}

staging_version() { echo "v0.${K8S_VERSION#v1.}"; }

build_k8s() {
    if [ -x "$OUT/kube-apiserver" ] && [ -x "$OUT/kube-controller-manager" ] && [ -x "$OUT/kube-scheduler" ]; then
        log "kubernetes $K8S_VERSION cached in $OUT"; return
    fi
    local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
    local sv; sv=$(staging_version)
    log "building kubernetes $K8S_VERSION (staging $sv) in $work"
    cd "$work"
    go mod init eci-kubelet.local/controlplane >/dev/null 2>&1
    go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
    local modfile; modfile=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod
    {
        echo "module eci-kubelet.local/controlplane"
        echo
        grep -E '^go [0-9]' "$modfile"
        grep -E '^godebug ' "$modfile" || true
        echo
        echo "require k8s.io/kubernetes $K8S_VERSION"
        echo
        echo "replace ("
        grep -E '=> \./staging/src/' "$modfile" | awk -v v="$sv" '{print "\t" $1 " => " $1 " " v}'
        echo ")"
    } > go.mod
    cat > tools.go <<'GO'
//go:build tools

package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
    go mod tidy -e >/dev/null 2>&1 || true
    go get "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
    mkdir -p "$OUT.tmp"
    for c in kube-apiserver kube-controller-manager kube-scheduler; do
        log "go build $c"
        go build -tags tools -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)" \
            -o "$OUT.tmp/$c" "k8s.io/kubernetes/cmd/$c"
    done
    rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
    cd - >/dev/null
}

# build_go_tool NAME VERSION OUT_DIR PACKAGE [LDFLAGS]: go get PACKAGE@VERSION in
# a scratch module and build it into OUT_DIR/NAME (kept when present).
build_go_tool() {
    local name=$1 version=$2 out=$3 pkg=$4 ldflags="-s -w ${5:-}"
    if [ -x "$out/$name" ]; then log "$name $version cached in $out"; return; fi
    local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
    log "building $name $version"
    cd "$work"
    go mod init "eci-kubelet.local/$name" >/dev/null 2>&1
    GOFLAGS="$GOFLAGS -mod=mod" quiet go get "$pkg@$version"
    mkdir -p "$out.tmp"
    GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$name" "$pkg"
    rm -rf "$out"; mv "$out.tmp" "$out"
    cd - >/dev/null
}

build_etcd() { build_go_tool etcd "$ETCD_VERSION" "$ETCD_OUT" go.etcd.io/etcd/server/v3; }
build_metrics_server() {
    build_go_tool metrics-server "$METRICS_SERVER_VERSION" "$MS_OUT" sigs.k8s.io/metrics-server/cmd/metrics-server
}
build_helm() {
    build_go_tool helm "$HELM_VERSION" "$HELM_OUT" helm.sh/helm/v3/cmd/helm \
        "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
}

what=${1:-all}
if [ "$what" != path ]; then
    # One build at a time per cache: a second caller waits, then finds the binaries cached.
    mkdir -p "$CACHE"
    exec 9> "$CACHE/.build.lock"
    if ! flock -n 9; then
        log "another build is running; waiting for it"
        flock 9
    fi
fi
case "$what" in
    k8s) build_k8s ;;
    etcd) build_etcd ;;
    metrics-server) build_metrics_server ;;
    helm) build_helm ;;
    all) build_etcd; build_k8s; build_metrics_server; build_helm ;;
    path)
        echo "$OUT:$ETCD_OUT:$MS_OUT:$HELM_OUT" ;;
    *) echo "usage: $0 [all|k8s|etcd|metrics-server|helm|path]" >&2; exit 2 ;;
esac
