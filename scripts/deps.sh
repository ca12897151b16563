#!/usr/bin/env bash
# Installs the Debian bookworm packages amsel needs to build and test.
# Run as root (or with sudo). Cross-check tools (pyarmnn, OpenCV) are
# optional for the build but used by the test suite when present.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs="build-essential cmake pkg-config libturbojpeg0-dev libpng-dev libcjson-dev libsvm-dev"
# optional backends: XNNPACK (the portable fast path, also on Arm) and oneDNN
pkgs="$pkgs libxnnpack-dev libpthreadpool-dev libdnnl-dev"
test_pkgs="python3-pyarmnn python3-numpy python3-opencv libsvm-tools chromium"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $pkgs $test_pkgs >/dev/null
