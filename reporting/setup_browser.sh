#!/usr/bin/env bash
# Headless Chromium and a CJK font for the HTML report's render test (tests/test_reporting.py).
# Idempotent: returns at once when both are installed; otherwise one apt-get update and one install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -qi "noto" || need+=(fonts-noto-cjk)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
if [ ${#need[@]} -eq 0 ]; then
    echo "setup_browser: chromium and fonts-noto-cjk already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
echo "setup_browser: installed ${need[*]}"
