#!/usr/bin/env bash
# Installs the peers the benchmark measures against in the same run: Suricata 7 from
# bookworm-backports (bookworm's own suricata is 6.x) and tshark. Needs root; idempotent.
set -euo pipefail
if command -v suricata >/dev/null && suricata -V 2>/dev/null | grep -q 'version 7'; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then echo "bench: suricata 7 missing; as root run $0" >&2; exit 1; fi
src=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$src" ]; then
  cat >"$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports suricata >/dev/null
command -v tshark >/dev/null || apt-get install -y -qq tshark >/dev/null
suricata -V
