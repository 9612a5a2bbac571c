#!/usr/bin/env bash
# The nginx backend's tests run a real nginx with its njs module (Debian's nginx-light and libnginx-mod-http-js).
set -euo pipefail
if [ -x /usr/sbin/nginx ] && [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx with njs is not installed and this is not root: apt-get install nginx-light libnginx-mod-http-js" >&2
  exit 1
fi
echo "Installing nginx and its njs module from Debian's packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq nginx-light libnginx-mod-http-js >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq nginx-light libnginx-mod-http-js >/dev/null
}
# the package may start a default site on port 80: the tests run their own nginx, so stop it
if [ -f /run/nginx.pid ]; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
echo "nginx ready."
