#!/usr/bin/env bash
# Builds every corpus/clang/src/<name>.c into corpus/clang/<name>.wasm: freestanding modules (no
# libc, no imports) made by Debian's clang 19 for --target=wasm32, each with the feature flags that
# make it use the post-1.0 features it is named after. The committed .wasm files are its output:
# tests never need a compiler.
#
#   corpus/clang/build.sh [--out DIR] [--check] [NAME...]
#     --out DIR  write the modules to DIR instead of corpus/clang/
#     --check    build into a temporary folder and compare with the modules in the output folder
#     NAME...    build only these modules (default: every src/*.c)
#
# Debian packages: clang-19 lld-19. The output is deterministic: building twice gives byte-identical
# modules.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../build-common.sh
source "$here/../build-common.sh"
out="$here"
check=false
names=()
while (($#)); do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift ;;
    --check) check=true ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

CLANG="${CLANG:-clang-19}"
missing=()
command -v "$CLANG" >/dev/null || missing+=("$CLANG (Debian package clang-19)")
command -v wasm-ld-19 >/dev/null || command -v wasm-ld >/dev/null || missing+=("wasm-ld (Debian package lld-19)")
report_missing "clang-19 lld-19"

# What every module gets: no libc and no entry point, -O2, and warnings as errors (they change no
# code). The multi-value ABI is a cc1 option: clang 19's driver has no -mabi for wasm32.
COMMON=(--target=wasm32 -nostdlib -O2 -Wall -Wextra -Werror -Wl,--no-entry)
MULTIVALUE_ABI=(-mmultivalue -Xclang -target-abi -Xclang experimental-mv)

# The flags that select each module's features (none: clang 19's default CPU, which has sign
# extension, mutable globals, multi-value and reference types), and the functions it exports.
flags_of() {
  case "$1" in
    narrow-division) FLAGS=() ;;
    indirect-calls) FLAGS=(-Wl,--export-table) ;;
    memcpy-heavy) FLAGS=(-mbulk-memory) ;;
    saturating) FLAGS=(-mnontrapping-fptoint) ;;
    multi-value) FLAGS=("${MULTIVALUE_ABI[@]}") ;;
    everything) FLAGS=(-mbulk-memory -mnontrapping-fptoint "${MULTIVALUE_ABI[@]}" -mreference-types -Wl,--growable-table) ;;
    *) return 1 ;;
  esac
}
exports_of() {
  case "$1" in
    narrow-division) EXPORTS=(div8 div16 rem16 narrow64 fold) ;;
    indirect-calls) EXPORTS=(dispatch walk call_as_real call_slot) ;;
    memcpy-heavy) EXPORTS=(shuffle nest copy_to_end fill_to_end) ;;
    saturating) EXPORTS=(f32_to_i32 f32_to_u32 f32_to_i64 f32_to_u64 f64_to_i32 f64_to_u32 f64_to_i64 f64_to_u64 ratio expand) ;;
    multi-value) EXPORTS=(divmod stats swap fib_pair collatz) ;;
    everything) EXPORTS=(evaluate resize_slots stamp) ;;
    *) return 1 ;;
  esac
}

prepare_build

echo "build.sh: $("$CLANG" --version | head -n 1); common flags: ${COMMON[*]}"
for name in "${names[@]}"; do
  [[ -f "$here/src/$name.c" ]] || { echo "build.sh: no source $here/src/$name.c" >&2; exit 2; }
  flags_of "$name" && exports_of "$name" || { echo "build.sh: no flags or exports listed for $name" >&2; exit 2; }
  # Compiled from the source folder with a relative path, so no path of the build machine reaches the module.
  (cd "$here/src" && "$CLANG" "${COMMON[@]}" "${FLAGS[@]}" "${EXPORTS[@]/#/-Wl,--export=}" "$name.c" -o "$target/$name.wasm")
  echo "  $name.wasm  $(wc -c <"$target/$name.wasm") bytes  ${FLAGS[*]:-(default CPU)}"
done

finish_check
