#!/usr/bin/env bash
# Install Debian packages only when they are missing: quiet, non-interactive, idempotent.
# Usage: tools/apt_install.sh PACKAGE...
# Exits 0 at once when every package is installed; otherwise runs `apt-get update` once and
# installs the missing ones (needs root). Not root, or no apt: says what to run, exits 1.
set -u
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "ERROR: missing Debian packages: ${missing[*]}" >&2
  echo "Fix: sudo apt-get update && sudo apt-get install -y ${missing[*]}   (then re-run make)" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if apt-get update -qq >"$log" 2>&1 \
   && apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  rm -f "$log"
  exit 0
fi
echo "ERROR: apt-get could not install: ${missing[*]}. Its output:" >&2
tail -n 30 "$log" >&2
rm -f "$log"
exit 1
