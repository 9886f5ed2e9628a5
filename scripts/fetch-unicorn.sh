#!/usr/bin/env bash
# Puts Debian trixie's Unicorn 2.1.x (libunicorn2t64 and its libunicorn-dev) under
# emulators/native/vendor/unicorn/, idempotently: no network when the wanted version is there.
#
# The packages are fetched with `apt-get download` through a private sources list and private
# state and cache folders, from the same Debian mirror the system's bookworm sources use; nothing
# is installed system-wide and the system's apt sources are untouched. `dpkg-deb -x` extracts them.
# The exact version below is preferred; when the archive no longer has it, whatever 2.1.x trixie
# has is taken, and this script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

wanted=2.1.1-2+b2
vendor=emulators/native/vendor/unicorn
library=$vendor/usr/lib/x86_64-linux-gnu/libunicorn.so.2
stamp=$vendor/VERSION

if [ -f "$library" ] && [ -f "$vendor/usr/include/unicorn/unicorn.h" ] && [ -f "$stamp" ]; then
  say "Unicorn $(cat "$stamp") present in $vendor"
  exit 0
fi

# The mirror of the system's main bookworm archive (not -security, not -updates).
mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
  awk '$2 == "bookworm" && $3 == "deb" { print $1; exit }')
if [ -z "$mirror" ]; then
  echo "[setup] cannot find the system's Debian bookworm mirror in the apt sources" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb $mirror trixie main" >"$work/sources.list"
: >"$work/status"
apt_private=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::State::Status=$work/status"
  -o "Dir::Cache=$work/cache"
  -o "APT::Architecture=amd64"
  -o "Debug::NoLocking=true"
  -o "APT::Sandbox::User=root"
)
say "fetching Unicorn from Debian trixie ($mirror)"
apt-get "${apt_private[@]}" -qq update

version=$wanted
if ! (cd "$work/debs" && apt-get "${apt_private[@]}" -qq download \
  "libunicorn2t64=$version" "libunicorn-dev=$version") 2>"$work/download.err"; then
  version=$(apt-cache "${apt_private[@]}" madison libunicorn2t64 2>/dev/null |
    awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep '^2\.1\.' | head -n 1 || true)
  if [ -z "$version" ]; then
    cat "$work/download.err" >&2
    echo "[setup] Debian trixie has no Unicorn 2.1.x (libunicorn2t64): cannot continue" >&2
    exit 1
  fi
  say "Unicorn $wanted is not in the archive any more; taking trixie's $version instead"
  rm -f "$work/debs"/*.deb
  (cd "$work/debs" && apt-get "${apt_private[@]}" -qq download \
    "libunicorn2t64=$version" "libunicorn-dev=$version")
fi

for deb in "$work/debs"/*.deb; do
  got=$(dpkg-deb -f "$deb" Version)
  if [ "$got" != "$version" ]; then
    echo "[setup] $(basename "$deb") has version $got, not $version" >&2
    exit 1
  fi
done

rm -rf "$vendor"
mkdir -p "$vendor"
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$vendor"; done
rm -f "$vendor"/usr/lib/x86_64-linux-gnu/libunicorn.a # the helper links the shared library
# The development package's libunicorn.so is a link to the runtime library: link against it.
if [ ! -f "$library" ] || [ ! -f "$vendor/usr/include/unicorn/unicorn.h" ]; then
  echo "[setup] the extracted packages lack $library or unicorn.h" >&2
  exit 1
fi
echo "$version" >"$stamp"
say "Unicorn $version extracted into $vendor"
