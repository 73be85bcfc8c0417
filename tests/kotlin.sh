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

data="$(mktemp -d)"
log="$data/server.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$bin" --demo --port "$port" --data "$data/data" --scan-every 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.2; done
family=$(grep -A1 "Demo family token" "$log" | tail -1 | tr -d ' ')
advocate=$(grep -A1 "Demo advocate token" "$log" | tail -1 | tr -d ' ')
[ -n "$family" ] && [ -n "$advocate" ] || { echo "senvault-local did not start:"; cat "$log"; exit 1; }

java -Djna.library.path="$PWD/target/debug" \
  -cp "$out/app.jar:$jna:$tools/kotlin/package/lib/kotlin-stdlib.jar" MainKt \
  "http://127.0.0.1:$port" "$family" "$advocate" "$data/phone.db"
