#!/usr/bin/env bash
# A client generated from the served OpenAPI document, as an outside team would make one:
# openapi-generator (from PyPI, in ./.venv) writes a Kotlin client's models with gson (from
# Debian) from `senvault-local --demo`'s /v1/openapi.json, kotlinc compiles them with
# tests/kotlin/Client.kt, and the program walks a family's and an advocate's journey, decoding
# every answer with the generated models. No generated file is edited.
#
# Usage: tests/client.sh [SERVER_BINARY]   (default: target/debug/senvault-local)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/senvault-local}"
# shellcheck source=tests/tools.sh
source tests/tools.sh
ensure_kotlin_tools
[ -x .venv/bin/openapi-generator-cli ] || { echo "FAILED: openapi-generator-cli is not installed (tests/tools.sh)"; exit 1; }
command -v java >/dev/null || { echo "FAILED: a Java runtime (17+) is needed"; exit 1; }

# shellcheck source=tests/demo-server.sh
source tests/demo-server.sh
start_demo "$bin"

out=target/generated-client
rm -rf "$out" && mkdir -p "$out"
curl -sf "$DEMO_URL/v1/openapi.json" -o "$out/openapi.json"
.venv/bin/openapi-generator-cli generate -i "$out/openapi.json" -g kotlin -o "$out/src" \
  --global-property models,modelDocs=false,modelTests=false,supportingFiles=Serializer.kt:LocalDateAdapter.kt:LocalDateTimeAdapter.kt:OffsetDateTimeAdapter.kt:ByteArrayAdapter.kt \
  --additional-properties=serializationLibrary=gson,generateOneOfAnyOfWrappers=true,packageName=uk.senvault.client \
  >"$out/generate.log" 2>&1 || { echo "FAILED: openapi-generator refused the document:"; tail -30 "$out/generate.log"; exit 1; }
echo "generated $(find "$out/src" -name '*.kt' | wc -l) Kotlin files; compiling them with tests/kotlin/Client.kt"
# shellcheck disable=SC2046
"$KOTLINC" -nowarn -cp "$GSON_JAR" $(find "$out/src/src/main/kotlin" -name '*.kt') tests/kotlin/Client.kt \
  -d "$out/client.jar" 2>&1 | grep -v '^warning' || true
[ -f "$out/client.jar" ] || { echo "FAILED: the generated client does not compile"; exit 1; }
java -cp "$out/client.jar:$GSON_JAR:$PWD/.tools/kotlin/package/lib/kotlin-stdlib.jar" ClientKt \
  "$DEMO_URL" "$DEMO_FAMILY_TOKEN" "$DEMO_ADVOCATE_TOKEN"
