#!/usr/bin/env bash
# The API contract, tried as an outside client would: schemathesis (installed into ./.venv by
# tests/tools.sh) against `senvault-local --demo` on a free port, every check, the stateful
# phase following the document's links. The seed is the day's date (UTC) unless
# SENVAULT_CONTRACT_SEED is set, and is printed: a failure is replayed with that seed.
#
# Usage: tests/contract.sh [BINARY]   (default: target/debug/senvault-local; tests/run builds it)
# SENVAULT_CONTRACT_EXAMPLES and SENVAULT_CONTRACT_SEED change the run's size and seed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/senvault-local}"
examples="${SENVAULT_CONTRACT_EXAMPLES:-25}"
seed="${SENVAULT_CONTRACT_SEED:-$(date -u +%Y%m%d)}"
# shellcheck source=tests/demo-server.sh
source tests/demo-server.sh
start_demo "$bin"
url="$DEMO_URL"
token="$DEMO_FAMILY_TOKEN"
echo "schemathesis against $url ($examples examples per operation, seed $seed;"
echo "  replay: SENVAULT_CONTRACT_SEED=$seed tests/contract.sh)"
.venv/bin/schemathesis --config-file tests/schemathesis.toml run "$url/v1/openapi.json" --url "$url" \
  -H "Authorization: Bearer $token" --checks all --max-examples "$examples" --seed "$seed" \
  --no-color
