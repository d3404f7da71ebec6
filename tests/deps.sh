#!/usr/bin/env bash
# `make deps`: install every build and test dependency, non-interactively.
# Debian packages first, then the Go-built control plane and the vendor's
# Python SDKs (both cached under ~/.cache/eci-kubelet, so a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential pkg-config git curl ca-certificates openssl
  libcurl4-openssl-dev libssl-dev libyaml-dev libcjson-dev libwebsockets-dev
  zlib1g-dev libcmocka-dev libhttp-parser-dev libmicrohttpd-dev
  clang libclang-rt-14-dev
  jq tmux procps iproute2 util-linux python3 python3-venv
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

# The official SDKs for tests/suites/07-emulator-sdk.sh, at pinned versions,
# in a virtual environment of their own (kept while the pins are met).
SDK_VENV=${ECI_SDK_VENV:-$HOME/.cache/eci-kubelet/sdk-venv}
SDK_PINS=(aliyun-python-sdk-eci==1.3.3 aliyun-python-sdk-core==2.16.1
          alibabacloud-eci20180808==2.1.0 alibabacloud-tea-openapi==0.4.6)
sdk_pins_met() {
    "$SDK_VENV/bin/python" - "${SDK_PINS[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (p.split("==") for p in sys.argv[1:])))
EOF
}
if sdk_pins_met; then
    echo "[deps] SDK environment present ($SDK_VENV)"
else
    echo "[deps] creating the SDK environment $SDK_VENV"
    rm -rf "$SDK_VENV"
    mkdir -p "$(dirname "$SDK_VENV")"
    python3 -m venv "$SDK_VENV"
    "$SDK_VENV/bin/pip" install -q --disable-pip-version-check "${SDK_PINS[@]}"
    sdk_pins_met || { echo "[deps] the SDK environment does not meet the pins: ${SDK_PINS[*]}" >&2; exit 1; }
fi
echo "[deps] done"
