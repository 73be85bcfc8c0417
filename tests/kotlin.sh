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
tools="$PWD/.tools"
mkdir -p "$tools"

# kotlinc (the npm package carries the compiler and the standard library).
kotlinc="$tools/kotlin/package/bin/kotlinc"
if [ ! -x "$kotlinc" ]; then
  echo "installing kotlin-compiler 2.4.20 from npm into $tools (once)"
  (cd "$tools" && [ -f kotlin-compiler-2.4.20.tgz ] || npm pack --silent kotlin-compiler@2.4.20 >/dev/null)
  mkdir -p "$tools/kotlin" && tar -xzf "$tools/kotlin-compiler-2.4.20.tgz" -C "$tools/kotlin"
  chmod +x "$tools/kotlin/package/bin/"*
fi
# JNA, which the generated bindings load the library with.
jna=/usr/share/java/jna.jar
if [ ! -f "$jna" ]; then
  echo "installing libjna-java from Debian"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get install -y -q libjna-java >/dev/null || { $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q libjna-java >/dev/null; }
fi
command -v java >/dev/null || { echo "FAILED: a Java runtime (17+) is needed"; exit 1; }

out=target/kotlin
mobile-core/bindings.sh target/bindings >/dev/null
mkdir -p "$out"
echo "compiling the bindings and tests/kotlin/Main.kt"
"$kotlinc" -nowarn -cp "$jna" target/bindings/kotlin/uk/senvault/mobile/senvault_mobile.kt tests/kotlin/Main.kt \
  -d "$out/app.jar" 2>&1 | grep -v '^warning' || true
[ -f "$out/app.jar" ] || { echo "FAILED: kotlinc produced nothing"; exit 1; }

# shellcheck source=tests/demo-server.sh
source tests/demo-server.sh
start_demo "$bin"

java -Djna.library.path="$PWD/target/debug" \
  -cp "$out/app.jar:$jna:$tools/kotlin/package/lib/kotlin-stdlib.jar" MainKt \
  "$DEMO_URL" "$DEMO_FAMILY_TOKEN" "$DEMO_ADVOCATE_TOKEN" "$DEMO_DATA/phone.db"
