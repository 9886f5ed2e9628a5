# Shared by corpus/clang/build.sh and corpus/real/build.sh (sourced; each sets here, out, check and
# names first): the modules to build, the folder they are built into, and --check's comparison.

# Refuses to go on when `missing` lists tools, naming them and the packages that install them.
report_missing() {
  local packages=$1
  if ((${#missing[@]})); then
    printf 'build.sh: missing %s\n' "${missing[@]}" >&2
    echo "build.sh: install with: apt-get install $packages" >&2
    exit 1
  fi
}

# names: the ones asked for, or every src/*.c. target: the output folder, or under --check a
# temporary folder removed on exit.
prepare_build() {
  if ((${#names[@]} == 0)); then
    for source in "$here"/src/*.c; do names+=("$(basename "$source" .c)"); done
  fi
  target="$out"
  if $check; then target="$(mktemp -d)"; trap 'rm -rf "$target"' EXIT; fi
  mkdir -p "$target"
}

# Under --check: exits 0 when every module built is byte-identical to the output folder's, else 1.
finish_check() {
  $check || return 0
  local differ=0
  for name in "${names[@]}"; do
    if ! cmp -s "$target/$name.wasm" "$out/$name.wasm"; then
      echo "build.sh: $name.wasm differs from $out/$name.wasm" >&2
      differ=1
    fi
  done
  ((differ == 0)) && echo "build.sh: every module is byte-identical to $out"
  exit "$differ"
}
