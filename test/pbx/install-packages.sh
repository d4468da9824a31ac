#!/usr/bin/env bash
# Installs the Debian packages the PBX lab needs, only those missing, and says which.
#   install-packages.sh build   what building Asterisk needs
#   install-packages.sh run     what running the lab needs (prompts, music on hold, softphones, sox)
set -euo pipefail
case "${1:-}" in
  build) wanted=(build-essential pkg-config libjansson-dev libxml2-dev libsqlite3-dev uuid-dev libedit-dev libssl-dev
                 libncurses-dev libcurl4-openssl-dev libsrtp2-dev bzip2 patch xmlstarlet) ;;
  run) wanted=(baresip-core asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sox) ;;
  *) echo "usage: $0 build|run" >&2; exit 2 ;;
esac
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages the PBX lab needs: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
