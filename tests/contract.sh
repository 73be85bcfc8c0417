#!/usr/bin/env bash
# The API contract, tried as an outside client would: schemathesis (installed into ./.venv by
# tests/tools.sh) against `senvault-local --demo` on a free port, every check, the stateful
# phase following the document's links, a fixed seed and example count.
#
# Usage: tests/contract.sh [BINARY]   (default: target/debug/senvault-local; tests/run builds it)
# SENVAULT_CONTRACT_EXAMPLES and SENVAULT_CONTRACT_SEED change the run's size and seed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/senvault-local}"
examples="${SENVAULT_CONTRACT_EXAMPLES:-25}"
seed="${SENVAULT_CONTRACT_SEED:-20261201}"
data="$(mktemp -d)"
log="$data/server.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$bin" --demo --port "$port" --data "$data/data" --scan-every 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$log" && break
  sleep 0.2
done
token=$(grep -A1 "Demo family token" "$log" | tail -1 | tr -d ' ')
[ -n "$token" ] || { echo "senvault-local did not start:"; cat "$log"; exit 1; }
url="http://127.0.0.1:$port"
echo "schemathesis against $url ($examples examples per operation, seed $seed)"
.venv/bin/schemathesis --config-file tests/schemathesis.toml run "$url/v1/openapi.json" --url "$url" \
  -H "Authorization: Bearer $token" --checks all --max-examples "$examples" --seed "$seed" \
  --no-color
