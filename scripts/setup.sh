#!/usr/bin/env bash
# Installs everything samestack needs on a Debian 12 machine, idempotently:
#   1. Debian packages (Unicorn, Capstone, wabt's wast2json, a C compiler, Chromium for the
#      HTML report's browser test), only those missing;
#   2. Unicorn 2.1.1 from Debian trixie (library and headers), fetched with `apt-get download` and
#      extracted under emulators/native/vendor/ (nothing installed system-wide): bookworm's 2.0.1
#      runs every guest store through a slow path (about 100 ns each);
#   3. npm dependencies, only when package-lock.json changed since the last install;
#   4. the native helper (emulators/native) and the TypeScript build (dist/).
# Safe to run any number of times; a second run does no network work.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

debian_packages=(libcapstone-dev wabt gcc make chromium)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages present: ${debian_packages[*]}"
fi

bash scripts/fetch-unicorn.sh

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.samestack-lock 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.samestack-lock
else
  say "npm dependencies up to date"
fi

say "building the native helper"
make -s -C emulators/native
say "building TypeScript (dist/)"
npx tsc -p tsconfig.build.json
say "ready"
