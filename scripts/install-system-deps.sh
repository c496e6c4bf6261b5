#!/usr/bin/env bash
# Installs the Debian packages the tests and tools need, if any is missing.
# Run as root (CI and fresh machines); prints what it does.
set -euo pipefail
PACKAGES=(gcc libc6-dev sip-tester kamailio baresip-core sox libsox-fmt-all espeak-ng tcpdump openssl postgresql chromium fonts-wqy-zenhei)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run 'make deps' as root, or install them)" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
