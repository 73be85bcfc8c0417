#!/usr/bin/env bash
# The phone core from Kotlin on the JVM: generates the bindings (mobile-core/bindings.sh),
# compiles them with the Kotlin program tests/kotlin/Main.kt (kotlinc from npm, JNA from
# Debian, installed once into ./.tools and the system), and runs it against a fresh
# `senvault-local --demo` on a free port.
#
# Usage: tests/kotlin.sh [SERVER_BINARY]   (default: target/debug/senvault-local)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/senvault-local}"
# shellcheck source=tests/tools.sh
source tests/tools.sh
ensure_kotlin_tools
tools="$PWD/.tools"
kotlinc="$KOTLINC"
jna="$JNA_JAR"
command -v java >/dev/null || { echo "FAILED: a Java runtime (17+) is needed"; exit 1; }

out=target/kotlin
mobile-core/bindings.sh target/bindings >/dev/null
mkdir -p "$out"
echo "compiling the bindings and tests/kotlin/Main.kt"
# A jar from an earlier run must never stand in for one that no longer compiles.
rm -f "$out/app.jar"
if ! "$kotlinc" -nowarn -cp "$jna" target/bindings/kotlin/uk/senvault/mobile/senvault_mobile.kt tests/kotlin/Main.kt \
  -d "$out/app.jar" >"$out/kotlinc.log" 2>&1; then
  grep -v '^warning' "$out/kotlinc.log"
  echo "FAILED: kotlinc could not compile the bindings and tests/kotlin/Main.kt"
  exit 1
fi
[ -f "$out/app.jar" ] || { echo "FAILED: kotlinc produced nothing"; exit 1; }

# shellcheck source=tests/demo-server.sh
source tests/demo-server.sh
start_demo "$bin"

java -Djna.library.path="$PWD/target/debug" \
  -cp "$out/app.jar:$jna:$tools/kotlin/package/lib/kotlin-stdlib.jar" MainKt \
  "$DEMO_URL" "$DEMO_FAMILY_TOKEN" "$DEMO_ADVOCATE_TOKEN" "$DEMO_DATA/phone.db"
