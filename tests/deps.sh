#!/usr/bin/env bash
# `make deps`: install every build and test dependency, non-interactively.
# Debian packages first, then the Go-built control plane (cached under
# ~/.cache/eci-kubelet, so a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential pkg-config git curl ca-certificates openssl
  libcurl4-openssl-dev libssl-dev libyaml-dev libcjson-dev libwebsockets-dev
  zlib1g-dev libcmocka-dev libhttp-parser-dev libmicrohttpd-dev
  clang libclang-rt-14-dev
  jq tmux procps iproute2 util-linux python3
)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "[deps] installing: ${missing[*]}"
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "[deps] Debian packages present"
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH=$PATH:/usr/local/go/bin
fi
command -v go >/dev/null 2>&1 || { echo "[deps] Go toolchain is required to build the test control plane" >&2; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "[deps] kubectl is required for the tests" >&2; exit 1; }

bash tests/cluster/build-control-plane.sh all
echo "[deps] done"
