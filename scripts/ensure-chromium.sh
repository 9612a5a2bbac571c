#!/usr/bin/env bash
# The operator console's tests drive a real headless Chromium through its WebDriver (Debian's chromium and chromium-driver).
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium and chromium-driver are not installed and this is not root: apt-get install chromium chromium-driver" >&2
  exit 1
fi
echo "Installing chromium and chromium-driver from Debian's packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
}
echo "chromium ready."
