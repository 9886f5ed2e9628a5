#!/usr/bin/env bash
# Builds every corpus/real/src/<name>.c into corpus/real/<name>.wasm for wasm32-wasi with Debian's
# clang 19 and wasi-libc. The committed .wasm files are its output: tests never need a compiler.
#
#   corpus/real/build.sh [--mvp] [--out DIR] [--check] [NAME...]
#     --mvp      add -mcpu=mvp (WebAssembly 1.0 only; the default uses clang 19's default features)
#     --out DIR  write the modules to DIR instead of corpus/real/
#     --check    build into a temporary folder and compare with the modules in the output folder
#     NAME...    build only these programs (default: every src/*.c)
#
# Debian packages: clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32. The output is deterministic:
# building twice gives byte-identical modules.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../build-common.sh
source "$here/../build-common.sh"
out="$here"
cpu=()
check=false
names=()
while (($#)); do
  case "$1" in
    --mvp) cpu=(-mcpu=mvp) ;;
    --out) out="${2:?--out needs a folder}"; shift ;;
    --check) check=true ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

CLANG="${CLANG:-clang-19}"
SYSROOT="${WASI_SYSROOT:-/usr}" # Debian installs wasi-libc as the multiarch triple wasm32-wasi under /usr
missing=()
command -v "$CLANG" >/dev/null || missing+=("$CLANG (Debian package clang-19)")
command -v wasm-ld-19 >/dev/null || command -v wasm-ld >/dev/null || missing+=("wasm-ld (Debian package lld-19)")
[[ -f "$SYSROOT/lib/wasm32-wasi/libc.a" ]] || missing+=("wasi-libc in $SYSROOT/lib/wasm32-wasi (Debian package wasi-libc)")
"$CLANG" --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null | xargs -r test -f ||
  missing+=("the wasm32 compiler runtime (Debian package libclang-rt-19-dev-wasm32)")
report_missing "clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32"

# -O2; -std=gnu17; no debug information (wasi-libc's own is stripped, the name section stays for
# readable backtraces); the linear-memory stack (64 KiB) placed first, so that overflowing it traps
# instead of silently overwriting static data.
FLAGS=(--target=wasm32-wasi "--sysroot=$SYSROOT" "${cpu[@]}" -O2 -std=gnu17 -Wall -Wextra -Werror -I.
  -Wl,--strip-debug -Wl,--stack-first -Wl,-z,stack-size=65536)

prepare_build

echo "build.sh: $("$CLANG" --version | head -n 1); flags: ${FLAGS[*]}"
for name in "${names[@]}"; do
  source="$here/src/$name.c"
  [[ -f "$source" ]] || { echo "build.sh: no source $source" >&2; exit 2; }
  # Compile and link from the source folder with a relative path, so no absolute path reaches the module.
  (cd "$here/src" && "$CLANG" "${FLAGS[@]}" "$name.c" -o "$target/$name.wasm")
  echo "  $name.wasm  $(wc -c <"$target/$name.wasm") bytes"
done

finish_check
