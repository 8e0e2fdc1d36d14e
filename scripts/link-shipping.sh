#!/bin/sh
# Links the shipping mobile library like the C compiler driver would, except that the UniFFI
# metadata statics (`UNIFFI_META_*`) are not exported.
#
# Why: uniffi-bindgen reads those statics from a library to generate the Kotlin and Swift
# bindings, but the apps never read them. rustc exports every `#[no_mangle]` static of a
# cdylib, so the linker has to keep them (about 100 KB per ABI with their names). Bindings are
# generated from the debug library, which keeps them; the shipped one does not need them.
#
# How: rustc hands the driver an export list (`-Wl,--version-script=FILE` for ELF,
# `-Wl,-exported_symbols_list,FILE` for Apple). This copies that list without the
# `UNIFFI_META_` lines and links with the copy; `--gc-sections`/`-dead_strip` then drop the data.
#
# Use: `-C linker=scripts/link-shipping.sh -C linker-flavor=gcc` (`cargo xtask size` does).
# The real driver is `$SOLACE_REAL_LINKER` (default `cc`; with cargo-ndk, the NDK's clang).
# Fails when it finds no export list, so a changed rustc cannot silently ship the metadata.
set -eu
real="${SOLACE_REAL_LINKER:-cc}"
found=0
filtered() {
  # grep exits 1 when it selects no line (harmless here) and 2 when it cannot read the list.
  rc=0
  grep -v 'UNIFFI_META_' "$1" >"$1.shipping" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "link-shipping.sh: cannot read rustc's export list $1" >&2
    exit "$rc"
  fi
  found=1
}
next_is_apple_list=0
for arg in "$@"; do
  shift
  if [ "$next_is_apple_list" = 1 ]; then
    next_is_apple_list=0
    filtered "$arg"
    set -- "$@" "$arg.shipping"
    continue
  fi
  case "$arg" in
    -Wl,--version-script=*)
      list="${arg#-Wl,--version-script=}"
      filtered "$list"
      set -- "$@" "-Wl,--version-script=$list.shipping"
      ;;
    -Wl,-exported_symbols_list,*)
      list="${arg#-Wl,-exported_symbols_list,}"
      filtered "$list"
      set -- "$@" "-Wl,-exported_symbols_list,$list.shipping"
      ;;
    -exported_symbols_list)
      next_is_apple_list=1
      set -- "$@" "$arg"
      ;;
    *) set -- "$@" "$arg" ;;
  esac
done
if [ "$found" = 0 ]; then
  echo "link-shipping.sh: rustc passed no export list (or passed its arguments in an @file);" \
    "refusing to link (see the header)" >&2
  exit 2
fi
exec "$real" "$@"
