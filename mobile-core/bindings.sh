#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings of the phone core with the workspace's own
# uniffi-bindgen (so they always match the library's UniFFI version).
#
# Usage: mobile-core/bindings.sh [OUT]   (default: target/bindings)
# Writes OUT/kotlin/uk/senvault/mobile/senvault_mobile.kt, OUT/swift/SenvaultMobile.swift
# (+ SenvaultMobileFFI.h and .modulemap), and leaves the host library in target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bindings}"
cargo build --locked -q -p senvault-mobile --lib
cargo build --locked -q -p senvault-mobile --features bindgen --bin uniffi-bindgen
lib="target/debug/libsenvault_mobile.so"
[ -f "$lib" ] || lib="target/debug/libsenvault_mobile.dylib"
rm -rf "$out"
target/debug/uniffi-bindgen generate --library "$lib" --language kotlin --out-dir "$out/kotlin" --no-format
target/debug/uniffi-bindgen generate --library "$lib" --language swift --out-dir "$out/swift" --no-format
find "$out" -type f | sort
