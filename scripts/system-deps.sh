#!/usr/bin/env bash
# Installs the Debian packages flowdex needs: Maven and unzip fetch and unpack the local
# OpenSearch node; with `test`, also the peers the test suite uses (nfdump reads nfcapd files,
# Chromium drives the explorer's browser tests, tshark is the decoders' independent dissector,
# softflowd exports NetFlow v9/IPFIX from pcaps for the round trip against nfcapd). Root only; without root the tests that need
# them say so and skip. nfcapd and nfreplay (nfdump) feed the collector tests too.
set -euo pipefail
need=()
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ "${1:-}" = test ]; then
  command -v nfdump >/dev/null 2>&1 || need+=(nfdump)
  command -v softflowd >/dev/null 2>&1 || need+=(softflowd)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v tshark >/dev/null 2>&1 || need+=(tshark)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${need[*]} (not root, not installing; the tests that need them will skip)" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
