#!/bin/sh
# Copies the generated Swift bindings into ios/ViewModels (what `cargo xtask test-ios-vm` does
# for the Linux test run). Run from the repository root after `cargo xtask bindings`.
set -e
target="${CARGO_TARGET_DIR:-target}"
pkg=ios/ViewModels
mkdir -p "$pkg/Sources/Solace" "$pkg/Sources/solace_ffiFFI"
cp "$target"/bindings/swift/*.swift "$pkg/Sources/Solace/"
cp "$target"/bindings/swift/*.h "$pkg/Sources/solace_ffiFFI/"
cp "$target"/bindings/swift/*.modulemap "$pkg/Sources/solace_ffiFFI/module.modulemap"
echo "bindings copied into $pkg/Sources"
