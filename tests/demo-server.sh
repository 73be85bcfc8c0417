# Sourced by tests/contract.sh and tests/kotlin.sh: starts `senvault-local --demo` ($1) on a free
# loopback port with a fresh data directory (both removed on exit) and sets DEMO_URL,
# DEMO_FAMILY_TOKEN, DEMO_ADVOCATE_TOKEN and DEMO_DATA.
start_demo() {
  local bin="$1" log port
  DEMO_DATA="$(mktemp -d)"
  log="$DEMO_DATA/server.log"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "$bin" --demo --port "$port" --data "$DEMO_DATA/data" --scan-every 0 >"$log" 2>&1 &
  DEMO_PID=$!
  trap 'kill "$DEMO_PID" 2>/dev/null || true; rm -rf "$DEMO_DATA"' EXIT
  for _ in $(seq 1 100); do
    grep -q "listening on" "$log" && break
    sleep 0.2
  done
  DEMO_FAMILY_TOKEN=$(grep -A1 "Demo family token" "$log" | tail -1 | tr -d ' ')
  DEMO_ADVOCATE_TOKEN=$(grep -A1 "Demo advocate token" "$log" | tail -1 | tr -d ' ')
  [ -n "$DEMO_FAMILY_TOKEN" ] && [ -n "$DEMO_ADVOCATE_TOKEN" ] || { echo "senvault-local did not start:"; cat "$log"; exit 1; }
  DEMO_URL="http://127.0.0.1:$port"
}
